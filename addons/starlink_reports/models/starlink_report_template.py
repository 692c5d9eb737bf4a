from odoo import fields, models

SECTIONS = (
    "show_daily",
    "show_charts",
    "show_performance",
    "show_forecast",
    "show_alerts",
    "show_tickets",
)


class StarlinkReportTemplate(models.Model):
    """What a usage report shows and which period it covers by default."""

    _name = "starlink.report.template"
    _description = "Starlink Report Template"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Empty: offered to every company.", index=True)
    period = fields.Selection(
        [("weekly", "Week"), ("monthly", "Billing cycle"), ("custom", "Custom")],
        required=True,
        default="monthly",
        help="Week: Monday to Sunday. Billing cycle: the client's monthly cycle. Custom: a "
        "number of days.",
    )
    interval_days = fields.Integer(
        string="Days", default=7, help="Length of a custom period, in days."
    )
    show_daily = fields.Boolean(
        string="Daily usage tables", default=True, help="A table of every day per line."
    )
    show_charts = fields.Boolean(string="Charts", default=True)
    show_performance = fields.Boolean(
        string="Performance", default=True, help="Latency, uptime and obstruction per line."
    )
    show_forecast = fields.Boolean(
        string="Forecast", default=True, help="Projected usage for the rest of the cycle."
    )
    show_alerts = fields.Boolean(string="Alerts", default=True)
    show_tickets = fields.Boolean(
        string="Tickets",
        default=True,
        help="Support tickets of the period, when Helpdesk " "tickets are linked to service lines.",
    )

    _sql_constraints = [
        ("interval_days_positive", "CHECK(interval_days > 0)", "A period lasts at least a day.")
    ]

    def _sections(self):
        """``{section: shown}``; every section without a template."""
        if not self:
            return dict.fromkeys(SECTIONS, True)
        self.ensure_one()
        return {name: self[name] for name in SECTIONS}
