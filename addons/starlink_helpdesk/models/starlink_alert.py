from odoo import fields, models


class StarlinkAlert(models.Model):
    _inherit = "starlink.alert"

    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Ticket",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The support ticket that follows this alert's episode.",
    )

    def _evaluate_lines(self, rule, lines, today, now):
        """After the alerts, their tickets: opened, noted, reopened or closed to match."""
        created = super()._evaluate_lines(rule, lines, today, now)
        self.env["helpdesk.ticket"].sudo()._starlink_sync_alert_tickets(rule, lines, now)
        return created
