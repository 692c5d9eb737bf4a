from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.tools import SQL

from ..lib import export, performance
from ..lib.periods import group_rows, parse_grouping, parse_range, totals

# Terminal health from the best to the worst: a line shows its worst terminal.
HEALTH_RANK = {"online": 0, "unknown": 1, "degraded": 2, "obstructed": 3, "offline": 4}
USAGE_COLUMNS = (
    "priority_gb",
    "opt_in_priority_gb",
    "standard_gb",
    "non_billable_gb",
    "counted_gb",
    "total_gb",
)
# Dashboard sort keys whose order the database gives (the others are sorted in Python).
SQL_SORTINGS = {
    "number": "service_line_number",
    "nickname": "nickname, service_line_number",
    "projected": "forecast_total_gb desc nulls last, service_line_number",
}


class StarlinkServiceLine(models.Model):
    _inherit = "starlink.service.line"

    portal_health = fields.Selection(
        selection=lambda self: self.env["starlink.terminal"]._fields["health"].selection,
        string="Terminal Health",
        compute="_compute_portal_health",
        help="Health of the line's terminal, or of its worst terminal when it has several.",
    )
    portal_plan_name = fields.Char(
        related="product_id.name",
        string="Plan Name",
        help="Name of the plan, readable by the line's clients.",
    )

    @api.depends("terminal_ids.health", "terminal_ids.active")
    def _compute_portal_health(self):
        for line in self:
            healths = [t.health for t in line.terminal_ids if t.active]
            line.portal_health = max(healths, key=HEALTH_RANK.get) if healths else False

    def _portal_has_forecast(self):
        """Whether the stored forecast is about the current cycle (not an older one)."""
        self.ensure_one()
        return bool(
            self.forecast_date
            and self.cycle_start_date
            and self.forecast_date >= self.cycle_start_date
        )

    # ------------------------------------------------------------------ dashboard

    @api.model
    def _portal_search_page(self, domain, sortby, offset, limit):
        """The lines of one dashboard page, sorted by ``sortby`` (see ``SQL_SORTINGS``).

        Sorting by usage needs every matching line's cycle usage: it is computed for all of
        them at once (one grouped query), sorted, then cut to the page.
        """
        if sortby in SQL_SORTINGS:
            return self.search(domain, order=SQL_SORTINGS[sortby], offset=offset, limit=limit)
        lines = self.search(domain, order="service_line_number")
        ordered = lines.sorted(lambda line: -line.cycle_usage_percent)
        return ordered[offset : offset + limit]

    @api.model
    def _portal_plans(self, domain):
        """``[(product_id, name)]`` of the plans of the lines of ``domain`` (filter options)."""
        groups = self._read_group(domain, ["product_id"], ["__count"])
        plans = (
            self.env["product.product"]
            .sudo()
            .browse(product.id for product, _count in groups if product)
        )
        return sorted(((plan.id, plan.display_name) for plan in plans), key=lambda p: p[1])

    # ------------------------------------------------------------------ line page

    def _portal_default_range(self):
        """The current billing cycle: the range a line page opens with."""
        self.ensure_one()
        return self.cycle_start_date, self.cycle_end_date

    def _portal_range(self, date_from=None, date_to=None):
        """The range asked for in the URL, made safe, defaulting to the current cycle."""
        return parse_range(date_from, date_to, *self._portal_default_range())

    def _portal_range_presets(self):
        """``[(label, first day, last day)]`` offered as shortcuts above the usage table."""
        self.ensure_one()
        today = self._starlink_today()
        start, end = self._portal_default_range()
        previous = cycle_bounds(self.billing_day, start - timedelta(days=1))
        _ = self.env._
        return [
            (_("Current cycle"), start, end),
            (_("Previous cycle"), *previous),
            (_("Last 30 days"), today - timedelta(days=29), today),
            (_("Last 90 days"), today - timedelta(days=89), today),
            (_("Last 12 months"), today - timedelta(days=364), today),
        ]

    def _portal_grouping_labels(self):
        _ = self.env._
        return {"day": _("Day"), "week": _("Week"), "month": _("Month")}

    def _portal_daily_usage(self, start, end):
        """Daily usage rows (dicts) of this line from ``start`` to ``end``, oldest first."""
        self.ensure_one()
        return self.env["starlink.usage.daily"].search_read(
            [
                ("service_line_id", "=", self.id),
                ("date", ">=", start),
                ("date", "<=", end),
            ],
            ["date", *USAGE_COLUMNS],
            order="date",
        )

    def _portal_usage_values(self, start, end, grouping):
        """Usage of the range grouped by day, week or month, with its totals.

        ``format_gb`` and ``format_day`` format a cell of the table in the visitor's language:
        much cheaper than a QWeb widget per cell on a table of 13 months of days.
        """
        grouping = parse_grouping(grouping)
        daily = self._portal_daily_usage(start, end)
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        return {
            "usage_rows": group_rows(daily, grouping, USAGE_COLUMNS, start, end),
            "usage_totals": totals(daily, USAGE_COLUMNS),
            "usage_days": len(daily),
            "grouping": grouping,
            "format_gb": lambda value: lang.format("%.2f", value or 0.0, grouping=True),
            "format_day": lambda day: day.strftime(lang.date_format),
        }

    def _portal_performance(self, start, end):
        """Averages of the line's terminals over the range, from the hourly rollups.

        One query: per terminal, its first rollup ever and the sample-weighted sums in the
        range (see ``lib.performance.summarize``).
        """
        self.ensure_one()
        terminals = self.terminal_ids
        range_start = datetime.combine(start, time())
        range_end = datetime.combine(end + timedelta(days=1), time())
        if not terminals:
            return performance.summarize([], range_start, range_end, fields.Datetime.now())
        self.env["starlink.telemetry.hourly"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT h.terminal_id,
                   (SELECT min(f.hour) FROM starlink_telemetry_hourly f
                     WHERE f.terminal_id = h.terminal_id) AS first_hour,
                   sum(least(h.sample_count, %(per_hour)s)) AS samples,
                   sum(h.sample_count) AS weight,
                   sum(h.latency_avg_ms * h.sample_count) AS latency_ms_sum,
                   sum(h.ping_drop_avg * h.sample_count) AS ping_drop_percent_sum,
                   sum(h.downlink_avg_mbps * h.sample_count) AS downlink_mbps_sum,
                   sum(h.uplink_avg_mbps * h.sample_count) AS uplink_mbps_sum,
                   sum(h.obstruction_avg * h.sample_count) AS obstruction_percent_sum
              FROM starlink_telemetry_hourly h
             WHERE h.terminal_id = ANY(%(terminals)s)
               AND h.hour >= %(start)s AND h.hour < %(end)s
             GROUP BY h.terminal_id
                """,
                per_hour=performance.SAMPLES_PER_HOUR,
                terminals=terminals.ids,
                start=range_start,
                end=range_end,
            )
        )
        columns = [column.name for column in self.env.cr.description]
        stats = [dict(zip(columns, row)) for row in self.env.cr.fetchall()]
        return performance.summarize(stats, range_start, range_end, fields.Datetime.now())

    def _portal_alerts(self, limit=20):
        """The latest alerts of this line that its client may see."""
        self.ensure_one()
        return self.env["starlink.alert"].search(
            [("service_line_id", "=", self.id), ("client_visible", "=", True)], limit=limit
        )

    def _portal_invoice_ids(self):
        """Ids of the posted customer invoices and credit notes that bill this line."""
        self.ensure_one()
        moves = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("contract_line_id.starlink_service_line_id", "=", self.id),
                    ("parent_state", "=", "posted"),
                    ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                ],
                ["move_id"],
            )
        )
        return [move.id for (move,) in moves]

    def _portal_suggested_plan(self):
        """A cheaper plan for the projected total, when the forecast goes over the limit."""
        self.ensure_one()
        if not (self._portal_has_forecast() and self.forecast_over_limit):
            return self.env["product.product"]
        return self._cheaper_plan_for(self.forecast_total_gb)

    def _portal_plan_values(self):
        """Prices of the plan as the client pays them: the fee of the line's contract line
        (his own price) and the plan's overage price per GB."""
        self.ensure_one()
        contract_line = self.contract_line_id
        currency = contract_line.currency_id or self.company_id.currency_id
        return {
            "overage_price": self.product_id.starlink_overage_price_gb,
            "monthly_fee": contract_line.price_unit if contract_line else False,
            "currency": currency,
        }

    # ------------------------------------------------------------------ exports

    def _portal_export_columns(self):
        _ = self.env._
        return [
            ("service_line_number", _("Service Line"), "text"),
            ("date", _("Date"), "date"),
            ("priority_gb", _("Priority (GB)"), "gb"),
            ("opt_in_priority_gb", _("Opt-in Priority (GB)"), "gb"),
            ("standard_gb", _("Standard (GB)"), "gb"),
            ("non_billable_gb", _("Non-billable (GB)"), "gb"),
            ("counted_gb", _("Counted (GB)"), "gb"),
            ("total_gb", _("Total (GB)"), "gb"),
        ]

    def _portal_export_rows(self, start, end):
        number = self.service_line_number
        return [
            dict(row, service_line_number=number) for row in self._portal_daily_usage(start, end)
        ]

    def _portal_export_filename(self, start, end, extension):
        number = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.service_line_number)
        return f"usage-{number}-{start.isoformat()}-{end.isoformat()}.{extension}"

    def _portal_export(self, start, end, file_format):
        """``(filename, content, mimetype)`` of this line's daily usage from start to end."""
        self.ensure_one()
        columns = self._portal_export_columns()
        rows = self._portal_export_rows(start, end)
        if file_format == "csv":
            content = export.to_csv(columns, rows)
            mimetype = "text/csv;charset=utf-8"
        else:
            _ = self.env._
            content = export.to_xlsx(
                columns,
                rows,
                title=_("Daily usage of %s", self.display_name),
                header_lines=[
                    (_("Service Line"), self.service_line_number),
                    (_("Plan"), self.portal_plan_name or ""),
                    (_("From"), start),
                    (_("To"), end),
                ],
                total_label=_("Total"),
                sheet_name=_("Usage"),
            )
            mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return self._portal_export_filename(start, end, file_format), content, mimetype
