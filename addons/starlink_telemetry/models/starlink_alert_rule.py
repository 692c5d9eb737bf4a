from odoo import api, fields, models
from odoo.exceptions import AccessError

from .cron_utils import summarise

RULE_TYPES = [
    ("usage", "Usage threshold"),
    ("capacity", "Projected over limit"),
    ("outage", "Outage"),
    ("obstruction", "High obstruction"),
    ("data_limit", "Starlink data-limit alert"),
    ("plan_end", "Plan end approaching"),
    ("anomaly", "Unusual daily usage"),
]

THRESHOLD_HELP = {
    "usage": "% of the plan's data limit",
    "capacity": "% of the plan's data limit projected at the end of the cycle",
    "outage": "minutes without telemetry",
    "obstruction": "% of time obstructed",
    "data_limit": "not used",
    "plan_end": "days before the end date",
    "anomaly": "robust z-score",
}


class StarlinkAlertRule(models.Model):
    """When to warn staff and clients about a service line or terminal."""

    _name = "starlink.alert.rule"
    _description = "Starlink Alert Rule"
    _order = "rule_type, threshold"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True,
        help="Leave empty to apply the rule in every company.",
    )  # fmt: skip
    rule_type = fields.Selection(RULE_TYPES, required=True, default="usage")
    threshold = fields.Float(
        default=80.0, help="Usage/capacity: % of the limit; outage: minutes; obstruction: %; "
        "plan end: days; anomaly: robust z-score.",
    )  # fmt: skip
    threshold_help = fields.Char(compute="_compute_threshold_help")
    product_ids = fields.Many2many(
        "product.product",
        string="Plans",
        domain=[("is_starlink_plan", "=", True)],
        help="Only lines on these plans. Empty: every plan.",
    )
    service_line_ids = fields.Many2many(
        "starlink.service.line",
        string="Service Lines",
        help="Only these lines. Empty: every line (of the selected plans).",
    )
    severity = fields.Selection(
        [("info", "Information"), ("warning", "Warning"), ("danger", "Critical")],
        default="warning",
        required=True,
    )
    notify_staff = fields.Boolean(
        default=True, help="Schedule an activity and post on the service line's chatter."
    )
    notify_client = fields.Boolean(
        default=True, help="Mail the client and list the alert in the client's portal."
    )
    responsible_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain=[("share", "=", False)],
        help="Who gets the activity; default: the client's salesperson, else the rule's creator.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        domain=[("model", "=", "starlink.alert")],
        default=lambda self: self.env.ref(
            "starlink_telemetry.mail_template_starlink_alert", raise_if_not_found=False
        ),
    )
    alert_count = fields.Integer(compute="_compute_alert_count")
    last_run = fields.Datetime(
        string="Last Evaluated", readonly=True, copy=False,
        help="When the rule was last evaluated on its service lines.",
    )  # fmt: skip
    last_error_count = fields.Integer(
        string="Failed Lines", readonly=True, copy=False,
        help="Service lines the last evaluation could not check (the others were checked).",
    )  # fmt: skip
    last_error = fields.Text(
        string="Last Errors", readonly=True, copy=False,
        help="Why the last evaluation failed on some service lines.",
    )  # fmt: skip

    @api.depends("rule_type")
    def _compute_threshold_help(self):
        for rule in self:
            rule.threshold_help = THRESHOLD_HELP.get(rule.rule_type, "")

    def _compute_alert_count(self):
        counts = dict(
            self.env["starlink.alert"]._read_group(
                [("rule_id", "in", self.ids), ("state", "=", "open")], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.alert_count = counts.get(rule, 0)

    def _get_watched_lines_domain(self):
        """The service lines this rule watches: active or suspended, within its scope."""
        self.ensure_one()
        domain = [("state", "in", ("active", "suspended"))]
        if self.company_id:
            domain.append(("company_id", "=", self.company_id.id))
        if self.service_line_ids:
            domain.append(("id", "in", self.service_line_ids.ids))
        if self.product_ids:
            domain.append(("product_id", "in", self.product_ids.ids))
        return domain

    def _record_run(self, when, failures):
        """Record an evaluation: ``failures`` is ``[(line name, error), ...]``."""
        self.ensure_one()
        self.write(
            {
                "last_run": when,
                "last_error_count": len(failures),
                "last_error": summarise(failures) or False,
            }
        )

    def action_evaluate(self):
        """Evaluate these rules now (the scheduled action does it every few minutes).

        Opens and notifies alerts, mails clients: Organization Admin only, like the rules
        themselves, whatever the view shows.
        """
        if not (self.env.su or self.env.user.has_group("starlink_base.starlink_base_group_admin")):
            raise AccessError(
                self.env._("Only a Starlink Organization Admin can evaluate alert rules.")
            )
        # Each line on its company's day, as the scheduled action (not the user's day).
        alerts = self.env["starlink.alert"]
        # Savepoints isolate a failing line or mail; the request commits once, at its end.
        created = alerts._evaluate_rules(self, None, fields.Datetime.now(), commit=False)
        __, remaining = alerts._notify_pending(commit=False)
        if remaining:
            self.env.ref("starlink_telemetry.ir_cron_starlink_alert_notify")._trigger()
        failed = sum(self.mapped("last_error_count"))
        message = self.env._("%(count)s alert(s) opened.", count=len(created))
        if failed:
            message += " " + self.env._(
                "%(count)s service line(s) could not be checked: see Last Errors.", count=failed
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if failed else "success",
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_alerts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_telemetry.starlink_alert_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action
