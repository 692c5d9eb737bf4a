from odoo import api, fields, models

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

    def _applies_to(self, line):
        """Whether this rule watches ``line``."""
        self.ensure_one()
        if self.company_id and line.company_id != self.company_id:
            return False
        if self.service_line_ids and line not in self.service_line_ids:
            return False
        return not self.product_ids or line.product_id in self.product_ids

    def action_view_alerts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_telemetry.starlink_alert_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action
