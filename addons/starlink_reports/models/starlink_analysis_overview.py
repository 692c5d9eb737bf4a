from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.starlink_telemetry.lib.svg_chart import line_chart

RECENT = 8


class StarlinkAnalysisOverview(models.TransientModel):
    """The reseller's overview: opened as a new record, its figures computed for the user's
    companies (nothing is stored)."""

    _name = "starlink.analysis.overview"
    _description = "Starlink Overview"

    name = fields.Char(default="Overview")
    currency_id = fields.Many2one("res.currency", compute="_compute_figures")
    month_start = fields.Date(compute="_compute_figures")
    month_usage_gb = fields.Float(string="Usage this month (GB)", compute="_compute_figures")
    last_month_usage_gb = fields.Float(
        string="Same days last month (GB)", compute="_compute_figures"
    )
    revenue_month = fields.Monetary(string="Invoiced this month", compute="_compute_figures")
    cost_month = fields.Monetary(string="Starlink cost this month", compute="_compute_figures")
    margin_month = fields.Monetary(string="Margin this month", compute="_compute_figures")
    active_line_count = fields.Integer(string="Active lines", compute="_compute_figures")
    client_count = fields.Integer(string="Clients", compute="_compute_figures")
    terminal_count = fields.Integer(string="Terminals in service", compute="_compute_figures")
    terminals_online_percent = fields.Float(
        string="Terminals online (%)", compute="_compute_figures"
    )
    open_alert_count = fields.Integer(string="Open alerts", compute="_compute_figures")
    over_limit_count = fields.Integer(
        string="Lines projected over limit", compute="_compute_figures"
    )
    has_tickets = fields.Boolean(compute="_compute_figures")
    open_ticket_count = fields.Integer(string="Open tickets", compute="_compute_figures")
    usage_chart = fields.Html(compute="_compute_figures", sanitize=False)
    top_client_html = fields.Html(string="Top clients", compute="_compute_figures", sanitize=False)
    recent_alert_ids = fields.Many2many("starlink.alert", compute="_compute_figures")
    recent_delivery_ids = fields.Many2many("starlink.report.delivery", compute="_compute_figures")

    @api.depends_context("company", "allowed_company_ids")
    def _compute_figures(self):
        values = self._overview_values()
        for overview in self:
            overview.update(values)

    def _overview_values(self):
        env = self.env
        today = fields.Date.context_today(self)
        month_start = today.replace(day=1)
        last_start = (month_start - timedelta(days=1)).replace(day=1)
        last_end = last_start + (today - month_start)
        Usage = env["starlink.usage.daily"]
        month_usage = Usage._read_group(
            [("date", ">=", month_start), ("date", "<=", today)], [], ["counted_gb:sum"]
        )[0][0]
        last_usage = Usage._read_group(
            [("date", ">=", last_start), ("date", "<=", last_end)], [], ["counted_gb:sum"]
        )[0][0]
        revenue = cost = 0.0
        Margin = env["starlink.margin.report"]
        if Margin.has_access("read"):
            revenue, cost = Margin._read_group(
                [("date", "=", month_start)], [], ["invoiced:sum", "cost:sum"]
            )[0]
        Line = env["starlink.service.line"]
        active = Line.search([("state", "=", "active")])
        terminals = env["starlink.terminal"].search([("service_line_id", "in", active.ids)])
        online = terminals.filtered(lambda t: t.health in ("online", "degraded", "obstructed"))
        Alert = env["starlink.alert"]
        values = {
            "currency_id": env.company.currency_id.id,
            "month_start": month_start,
            "month_usage_gb": month_usage or 0.0,
            "last_month_usage_gb": last_usage or 0.0,
            "revenue_month": revenue or 0.0,
            "cost_month": cost or 0.0,
            "margin_month": (revenue or 0.0) - (cost or 0.0),
            "active_line_count": len(active),
            "client_count": len(active.partner_id.commercial_partner_id),
            "terminal_count": len(terminals),
            "terminals_online_percent": 100.0 * len(online) / len(terminals) if terminals else 0.0,
            "open_alert_count": Alert.search_count([("state", "=", "open")]),
            "over_limit_count": Line.search_count(
                [("state", "=", "active"), ("forecast_over_limit", "=", True)]
            ),
            "has_tickets": False,
            "open_ticket_count": 0,
            "usage_chart": self._overview_usage_chart(today),
            "top_client_html": self._overview_top_clients(month_start, today),
            "recent_alert_ids": [
                (6, 0, Alert.search([], order="date_open desc", limit=RECENT).ids)
            ],
            "recent_delivery_ids": [
                (6, 0, env["starlink.report.delivery"].search([], limit=RECENT).ids)
            ],
        }
        tickets = self._overview_open_tickets()
        if tickets is not None:
            values.update(has_tickets=True, open_ticket_count=tickets)
        return values

    def _overview_open_tickets(self):
        """Open tickets of service lines, when Helpdesk tickets are linked to lines."""
        if "helpdesk.ticket" not in self.env:
            return None
        Ticket = self.env["helpdesk.ticket"]
        if "service_line_id" not in Ticket._fields or not Ticket.has_access("read"):
            return None
        return Ticket.search_count(
            [("service_line_id", "!=", False), ("stage_id.closed", "=", False)]
        )

    def _overview_usage_chart(self, today):
        """Daily usage of every client over the last 30 days (SVG)."""
        start = today - timedelta(days=29)
        groups = self.env["starlink.usage.daily"]._read_group(
            [("date", ">=", start), ("date", "<=", today)],
            ["date:day"],
            ["priority_gb:sum", "standard_gb:sum"],
        )
        by_day = {day: (priority, standard) for day, priority, standard in groups}
        days = [start + timedelta(days=i) for i in range(30)]
        _ = self.env._
        return Markup(
            line_chart(
                [day.strftime("%d/%m") for day in days],
                [
                    (_("Priority"), [by_day[d][0] if d in by_day else None for d in days]),
                    (_("Standard"), [by_day[d][1] if d in by_day else None for d in days]),
                ],
                width=720,
                height=220,
                unit=" GB",
                title=_("Daily usage, every client, last 30 days"),
            )
        )

    def _overview_top_clients(self, month_start, today):
        """The clients using the most data this month, as a small table."""
        groups = self.env["starlink.usage.daily"]._read_group(
            [("date", ">=", month_start), ("date", "<=", today), ("partner_id", "!=", False)],
            ["partner_id"],
            ["counted_gb:sum", "total_gb:sum"],
            order="counted_gb:sum desc",
            limit=8,
        )
        _ = self.env._
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td></tr>")
            % (partner.display_name, f"{counted:,.1f}", f"{total:,.1f}")
            for partner, counted, total in groups
        )
        return Markup(
            "<table class='table table-sm'><thead><tr><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (_("Client"), _("Counted (GB)"), _("Total (GB)"), rows)

    @api.model
    def _action_open(self):
        """The overview of today, as a form (a new transient record, cleaned up by Odoo)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Overview"),
            "res_model": self._name,
            "res_id": self.create({}).id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _overview_action(self, xmlid, domain=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        if domain is not None:
            action["domain"] = domain
        return action

    def action_open_lines(self):
        return self._overview_action(
            "starlink_base.starlink_service_line_action", [("state", "=", "active")]
        )

    def action_open_alerts(self):
        return self._overview_action(
            "starlink_telemetry.starlink_alert_action", [("state", "=", "open")]
        )

    def action_open_capacity(self):
        return self._overview_action("starlink_reports.starlink_service_line_action_capacity")

    def action_open_usage(self):
        return self._overview_action("starlink_reports.starlink_usage_daily_action_trends")

    def action_open_revenue(self):
        return self._overview_action("starlink_reports.starlink_margin_report_action_plan")

    def action_open_deliveries(self):
        return self._overview_action("starlink_reports.starlink_report_delivery_action")
