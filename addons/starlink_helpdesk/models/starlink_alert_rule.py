from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Alert rules whose alerts may open support tickets: the terminal's problems.
TICKET_RULE_TYPES = ("outage", "obstruction", "data_limit")


class StarlinkAlertRule(models.Model):
    _inherit = "starlink.alert.rule"

    ticket_mode = fields.Selection(
        [
            ("off", "No ticket"),
            ("ticket", "Open a ticket"),
            ("ticket_mail", "Open a ticket and mail the client"),
        ],
        string="Support Ticket",
        default="off",
        required=True,
        help="Open a support ticket for each episode of this alert (outage, obstruction, "
        "data limit), with the terminal's telemetry, before the client calls. The client is "
        "told by mail only with the second choice.",
    )
    ticket_team_id = fields.Many2one(
        "helpdesk.ticket.team",
        string="Ticket Team",
        default=lambda self: self.env.ref(
            "starlink_helpdesk.helpdesk_ticket_team_starlink", raise_if_not_found=False
        ),
        help="The team the automatic tickets go to.",
    )
    ticket_close = fields.Selection(
        [("auto", "Close automatically"), ("manual", "Leave for a person")],
        string="When It Clears",
        default="auto",
        required=True,
        help="Close the ticket once the condition has stayed clear for the quiet time, or "
        "leave it open for a person to close (a note is posted either way).",
    )
    ticket_quiet_minutes = fields.Integer(
        string="Quiet Time (minutes)",
        default=60,
        help="How long the condition must stay clear before the ticket closes by itself. A "
        "new episode within this time (a flapping terminal) reopens the same ticket.",
    )
    ticket_mail_template_id = fields.Many2one(
        "mail.template",
        string="Client Mail",
        domain=[("model", "=", "helpdesk.ticket")],
        default=lambda self: self.env.ref(
            "starlink_helpdesk.mail_template_starlink_alert_ticket", raise_if_not_found=False
        ),
        help="What the client receives when a ticket is opened (second choice above).",
    )
    ticket_allowed = fields.Boolean(compute="_compute_ticket_allowed")

    @api.depends("rule_type")
    def _compute_ticket_allowed(self):
        for rule in self:
            rule.ticket_allowed = rule.rule_type in TICKET_RULE_TYPES

    @api.constrains("ticket_mode", "rule_type", "ticket_quiet_minutes")
    def _check_ticket_settings(self):
        for rule in self:
            if rule.ticket_mode != "off" and rule.rule_type not in TICKET_RULE_TYPES:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: only outage, obstruction and data-limit alerts open "
                        "support tickets.",
                        rule=rule.name,
                    )
                )
            if rule.ticket_quiet_minutes < 0:
                raise ValidationError(self.env._("The quiet time cannot be negative."))
