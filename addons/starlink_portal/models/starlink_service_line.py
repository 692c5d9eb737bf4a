from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.tools import SQL

from ..lib import export, performance
from ..lib.formats import number_formatter
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
# What the line page shows of its terminals and alerts, read with their search.
TERMINAL_FIELDS = ("user_terminal_id", "kit_serial", "health", "last_seen")
ALERT_FIELDS = ("name", "message", "severity", "state", "date_open", "service_line_id", "rule_id")
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

    portal_fee = fields.Float(
        string="Monthly Fee",
        compute="_compute_portal_fee",
        help="What the line's contract line bills a month, in its contract's currency.",
    )
    portal_fee_currency_id = fields.Many2one(
        "res.currency",
        string="Monthly Fee Currency",
        compute="_compute_portal_fee",
    )

    @api.depends("terminal_ids.health", "terminal_ids.active")
    def _compute_portal_health(self):
        for line in self:
            healths = [t.health for t in line.terminal_ids if t.active]
            line.portal_health = max(healths, key=HEALTH_RANK.get) if healths else False

    def _portal_as_visitor(self, user):
        """This line, already checked by the portal (``_document_check_access``: the
        visitor's record rules or the line's token), as ``user`` in sudo mode: no record
        rule on what is read through it, but what depends on the user is the visitor's
        (his time zone, his alerts read or unread)."""
        return self.with_user(user).sudo()

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
        Lang = self.env["res.lang"]
        lang = Lang._get_data(code=self.env.lang or "en_US") or Lang._get_data(code="en_US")
        date_format = lang.date_format
        return {
            "usage_rows": group_rows(daily, grouping, USAGE_COLUMNS, start, end),
            "usage_totals": totals(daily, USAGE_COLUMNS),
            "usage_days": len(daily),
            "grouping": grouping,
            "format_gb": number_formatter(2, lang.grouping, lang.thousands_sep, lang.decimal_point),
            "format_day": lambda day: day.strftime(date_format),
        }

    def _portal_terminals(self):
        """The line's active terminals, with what the page shows of them (one query)."""
        self.ensure_one()
        return self.env["starlink.terminal"].search_fetch(
            [("service_line_id", "=", self.id)], TERMINAL_FIELDS
        )

    def _portal_performance(self, start, end):
        """Averages of the line's active terminals over the range, from the hourly rollups."""
        self.ensure_one()
        summary = self._performance_summaries(start, end).get(self.id)
        if summary is None:  # no rollup in the range: the summary says so
            summary = performance.summarize(
                [],
                datetime.combine(start, time()),
                datetime.combine(end + timedelta(days=1), time()),
                fields.Datetime.now(),
            )
        return summary

    def _performance_summaries(self, start, end):
        """``{line id: summary}`` (``lib.performance.summarize``) of these lines' active
        terminals from ``start`` to ``end`` (dates, included), from the hourly rollups; a line
        without any rollup in the range is left out (the portal and the usage report).

        One query: per terminal, its first rollup ever and the sample-weighted sums in the
        range; the terminals are a subquery.
        """
        range_start = datetime.combine(start, time())
        range_end = datetime.combine(end + timedelta(days=1), time())
        terminals = self.env["starlink.terminal"]._search([("service_line_id", "in", self.ids)])
        self.env["starlink.telemetry.hourly"].flush_model()
        self.env["starlink.terminal"].flush_model(["service_line_id"])
        self.env.cr.execute(
            SQL(
                """
            SELECT t.service_line_id, h.terminal_id,
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
              JOIN starlink_terminal t ON t.id = h.terminal_id
             WHERE h.terminal_id IN %(terminals)s
               AND h.hour >= %(start)s AND h.hour < %(end)s
             GROUP BY t.service_line_id, h.terminal_id
                """,
                per_hour=performance.SAMPLES_PER_HOUR,
                terminals=terminals.subselect(),
                start=range_start,
                end=range_end,
            )
        )
        names = [column.name for column in self.env.cr.description]
        stats = {}
        for row in self.env.cr.fetchall():
            values = dict(zip(names, row))
            stats.setdefault(values["service_line_id"], []).append(values)
        now = fields.Datetime.now()
        return {
            line_id: performance.summarize(rows, range_start, range_end, now)
            for line_id, rows in stats.items()
        }

    def _portal_alerts(self, limit=20):
        """The latest alerts of this line that its client may see (read with their fields
        in one query)."""
        self.ensure_one()
        return self.env["starlink.alert"].search_fetch(
            [("service_line_id", "=", self.id), ("client_visible", "=", True)],
            ALERT_FIELDS,
            limit=limit,
        )

    def _portal_invoice_ids(self):
        """The posted customer invoices and credit notes that bill this line, as a subquery
        of their ids (for a domain ``("id", "in", ...)``: no query of its own)."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            ._search(
                [
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("line_ids.contract_line_id.starlink_service_line_id", "=", self.id),
                ]
            )
        )

    def _portal_suggested_plan(self):
        """A cheaper plan for the projected total, when the forecast goes over the limit."""
        self.ensure_one()
        if not (self._portal_has_forecast() and self.forecast_over_limit):
            return self.env["product.product"]
        return self._cheaper_plan_for(self.forecast_total_gb)

    @api.depends(
        "contract_line_id.automatic_price",
        "contract_line_id.specific_price",
        "contract_line_id.product_id.list_price",
        "contract_line_id.quantity",
        "contract_line_id.uom_id",
        "contract_line_id.contract_id.pricelist_id",
        "contract_line_id.contract_id.partner_id",
        "contract_line_id.contract_id.manual_currency_id",
        "contract_line_id.contract_id.journal_id",
        "contract_line_id.contract_id.contract_line_ids.automatic_price",
        "company_id",
    )
    @api.depends_context("company")
    def _compute_portal_fee(self):
        """What the line's contract line bills a month, as OCA ``contract`` prices it
        (``contract.line.price_unit``, in the contract's ``currency_id``): computed once a
        request for the plan section and every quote of the page.

        The same price and currency without their costly paths when they lead nowhere: the
        client's pricelist is looked up (four queries) only when the contract has none and
        the company has an active pricelist (with none, Odoo prices from the plan's sales
        price; whether there is one is cached), and the contract's currency is found without
        reading every line of the contract first (a client with 200 lines: 200 contract
        lines read).
        """
        for line in self:
            main = line.contract_line_id.sudo()
            if not main:
                line.portal_fee = 0.0
                line.portal_fee_currency_id = line.company_id.currency_id
                continue
            contract = main.contract_id
            company = contract.company_id
            automatic = bool(main.automatic_price and main.product_id)
            # The pricelist's currency is the contract's when a line is priced automatically.
            priced = automatic or (
                not contract.manual_currency_id
                and any(contract.contract_line_ids.mapped("automatic_price"))
            )
            pricelist = contract.pricelist_id
            Pricelist = line.env["product.pricelist"]
            if priced and not pricelist and Pricelist._starlink_portal_has_pricelist(company.id):
                pricelist = contract.partner_id.with_company(company).property_product_pricelist
            price = main.specific_price
            if automatic:  # contract.line._compute_price_unit
                product = main.product_id.with_context(
                    quantity=main.quantity,
                    pricelist=pricelist.id,
                    partner=contract.partner_id.id,
                    uom=main.uom_id.id,
                    date=fields.Date.context_today(main),
                )
                price = pricelist._get_product_price(product, quantity=main.quantity)
            currency = contract.manual_currency_id or (priced and pricelist.currency_id)
            line.portal_fee = price
            line.portal_fee_currency_id = (
                currency or contract.journal_id.currency_id or company.currency_id
            )

    def _portal_fee(self):
        """``(monthly fee, currency)`` the client pays for this line (``portal_fee``);
        ``(False, company currency)`` when the line is not billed."""
        self.ensure_one()
        fee = self.portal_fee if self.contract_line_id else False
        return fee, self.portal_fee_currency_id

    def _portal_plan_values(self):
        """Prices of the plan as the client pays them: the fee of the line's contract line
        (his own price) and the plan's overage price per GB."""
        self.ensure_one()
        fee, currency = self._portal_fee()
        return {
            "overage_price": self.product_id.starlink_overage_price_gb,
            "monthly_fee": fee,
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
