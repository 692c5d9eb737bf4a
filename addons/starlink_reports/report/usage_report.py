"""The usage report of a client over a period: its figures for the PDF, XLSX and CSV."""

import base64
from collections import Counter
from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.addons.starlink_base.lib.usage_rules import overage_gb
from odoo.addons.starlink_portal.lib import export
from odoo.addons.starlink_portal.lib.formats import number_formatter
from odoo.addons.starlink_portal.lib.periods import parse_date
from odoo.addons.starlink_telemetry.lib.svg_chart import line_chart
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..lib.report_data import COLUMNS, build_report, csv_rows

MAX_REPORT_DAYS = 400


class StarlinkUsageReport(models.AbstractModel):
    _name = "report.starlink_reports.usage_report"
    _description = "Starlink Usage Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids)
        template = self.env["starlink.report.template"].browse(data.get("template_id")).exists()
        reports = {}
        for partner in partners:
            lang = partner.lang or self.env.lang or "en_US"
            builder = self.with_context(lang=lang)
            start, end = builder._report_range(partner, data)
            reports[partner.id] = builder._report_values(
                partner, start, end, template, line_ids=data.get("line_ids")
            )
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "reports": reports,
        }

    # ------------------------------------------------------------------ period and lines

    @api.model
    def _report_range(self, partner, data):
        """The period asked for (``date_from``/``date_to``), else the client's current cycle."""
        start, end = parse_date(data.get("date_from")), parse_date(data.get("date_to"))
        if not (start and end):
            today = fields.Date.context_today(self)
            start, end = cycle_bounds(self._report_billing_day(partner), today)
        if end < start:
            raise UserError(self.env._("The report period ends before it starts."))
        if (end - start).days + 1 > MAX_REPORT_DAYS:
            raise UserError(self.env._("A report covers at most %s days.", MAX_REPORT_DAYS))
        return start, end

    @api.model
    def _report_billing_day(self, partner):
        days = Counter(self._report_lines(partner).mapped("billing_day"))
        return days.most_common(1)[0][0] if days else 1

    @api.model
    def _report_lines(self, partner, start=None, end=None, line_ids=None):
        """The client's lines in service during the period (or now); only ``line_ids`` of
        them when given (the report of one line)."""
        domain = [
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("state", "!=", "draft"),
        ]
        if line_ids:
            domain.append(("id", "in", list(line_ids)))
        lines = self.env["starlink.service.line"].search(domain, order="service_line_number")
        if start and end:
            lines = lines.filtered(
                lambda line: (not line.date_start or line.date_start <= end)
                and (not line.date_end or line.date_end >= start)
            )
        return lines

    # ------------------------------------------------------------------ figures

    @api.model
    def _report_data(self, partner, start, end, line_ids=None):
        """``(lines, report)``: the lines and ``lib.report_data.build_report`` of the period."""
        lines = self._report_lines(partner, start, end, line_ids)
        self.env["starlink.usage.daily"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT service_line_id AS line_id, date, %s
                     FROM starlink_usage_daily
                    WHERE service_line_id = ANY(%s) AND date BETWEEN %s AND %s""",
                SQL(", ").join(SQL.identifier(column) for column in COLUMNS),
                lines.ids,
                start,
                end,
            )
        )
        names = [column.name for column in self.env.cr.description]
        rows = [dict(zip(names, row)) for row in self.env.cr.fetchall()]
        line_values = [
            {
                "id": line.id,
                "number": line.service_line_number,
                "name": line.display_name,
                "plan": line.product_id.display_name or "",
                "limit_gb": line.data_limit_gb,
                "limit_basis": line.limit_basis,
                "overage_price": line.product_id.starlink_overage_price_gb,
            }
            for line in lines
        ]
        return lines, build_report(line_values, rows, start, end, overage=overage_gb)

    @api.model
    def _report_formatters(self):
        Lang = self.env["res.lang"]
        lang = Lang._get_data(code=self.env.lang or "en_US") or Lang._get_data(code="en_US")
        gb = number_formatter(2, lang.grouping, lang.thousands_sep, lang.decimal_point)
        one = number_formatter(1, lang.grouping, lang.thousands_sep, lang.decimal_point)
        date_format = lang.date_format
        short_format = date_format.replace("%Y", "").replace("%y", "").strip("/.- ")
        return {
            "gb": lambda value: "–" if value is None else gb(value),
            "one": lambda value: "–" if value is None else one(value),
            "date": lambda day: day.strftime(date_format) if day else "",
            "short_date": lambda day: day.strftime(short_format or "%m/%d"),
        }

    @api.model
    def _report_values(self, partner, start, end, template=None, line_ids=None):
        """Everything the PDF shows of one client's period, in the context's language."""
        template = template or self.env["starlink.report.template"]
        sections = template._sections()
        lines, report = self._report_data(partner, start, end, line_ids)
        fmt = self._report_formatters()
        company = lines[:1].company_id or self.env.company
        currency = company.currency_id
        values = {
            "partner": partner.commercial_partner_id,
            "company": company,
            "report": report,
            "sections": sections,
            "fmt": fmt,
            "money": lambda amount: format_amount(self.env, amount, currency),
            "template": template,
            "charts": {},
            "total_chart": False,
            "performance": {},
            "forecasts": {},
            "alerts": [],
            "tickets": None,
            "generated_on": fields.Date.context_today(self),
        }
        if sections["show_charts"]:
            labels = [fmt["short_date"](day) for day in report["days"]]
            values["total_chart"] = self._report_chart(labels, report["daily_totals"])
            values["charts"] = {
                line["id"]: self._report_chart(labels, line["daily"], height=160)
                for line in report["lines"]
            }
        if sections["show_performance"]:
            values["performance"] = lines._performance_summaries(start, end)
        if sections["show_forecast"]:
            values["forecasts"] = self._report_forecasts(lines, with_chart=sections["show_charts"])
        if sections["show_alerts"]:
            values["alerts"] = self._report_alerts(lines, start, end)
        if sections["show_tickets"]:
            values["tickets"] = self._report_tickets(lines, start, end)
        return values

    @api.model
    def _report_chart(self, labels, daily, height=200):
        """Daily priority and standard data as an SVG picture (wkhtmltopdf runs no script)."""
        _ = self.env._
        svg = line_chart(
            labels,
            [
                (_("Priority"), [day["priority_gb"] for day in daily]),
                (_("Standard"), [day["standard_gb"] for day in daily]),
            ],
            width=720,
            height=height,
            unit=" GB",
        )
        return self._report_svg_img(svg)

    @api.model
    def _report_forecasts(self, lines, with_chart=True):
        """``{line id: values}`` of the lines' forecasts for the rest of their current cycle."""
        forecasts = {}
        for line in lines.filtered(lambda line: line.forecast_date and line.state == "active"):
            forecasts[line.id] = {
                "cycle_end": line.cycle_end_date,
                "total": line.forecast_total_gb,
                "lower": line.forecast_lower_gb,
                "upper": line.forecast_upper_gb,
                "limit_date": line.forecast_limit_date,
                "overage": line.forecast_overage_gb,
                "over_limit": line.forecast_over_limit,
                "chart": self._report_svg_img(line._forecast_chart_svg()) if with_chart else False,
            }
        return forecasts

    @api.model
    def _report_svg_img(self, svg):
        """An SVG as an image (wkhtmltopdf draws an SVG image as crisply as inline SVG)."""
        encoded = base64.b64encode(str(svg).encode()).decode()
        return (
            Markup(
                '<img class="o_starlink_report_chart" src="data:image/svg+xml;base64,%s" alt=""/>'
            )
            % encoded
        )

    @api.model
    def _report_alerts(self, lines, start, end):
        """The client-visible alerts opened during the period, oldest first."""
        return self.env["starlink.alert"].search(
            [
                ("service_line_id", "in", lines.ids),
                ("client_visible", "=", True),
                ("date_open", ">=", datetime.combine(start, time())),
                ("date_open", "<", datetime.combine(end + timedelta(days=1), time())),
            ],
            order="date_open",
        )

    @api.model
    def _report_tickets(self, lines, start, end):
        """Helpdesk tickets of the lines created during the period, when tickets are linked
        to service lines (``starlink_helpdesk``); None when they are not."""
        if "helpdesk.ticket" not in self.env:
            return None
        Ticket = self.env["helpdesk.ticket"]
        if "service_line_id" not in Ticket._fields:
            return None
        return Ticket.sudo().search(
            [
                ("service_line_id", "in", lines.ids),
                ("create_date", ">=", datetime.combine(start, time())),
                ("create_date", "<", datetime.combine(end + timedelta(days=1), time())),
            ],
            order="create_date",
        )

    # ------------------------------------------------------------------ CSV

    @api.model
    def _report_csv(self, partner, start, end):
        """Every line's daily usage of the period as CSV bytes (one row per line and day)."""
        _lines, report = self._report_data(partner, start, end)
        return export.to_csv(self._report_csv_columns(), csv_rows(report))

    @api.model
    def _report_csv_columns(self):
        """The columns of the portal's usage export: one CSV shape for the client."""
        return self.env["starlink.service.line"]._portal_export_columns()

    @api.model
    def _report_xlsx_labels(self):
        _ = self.env._
        return {
            "title": _("Usage report"),
            "client": _("Client"),
            "period": _("Period"),
            "summary": _("Summary"),
            "line": _("Service Line"),
            "plan": _("Plan"),
            "limit": _("Limit (GB)"),
            "priority": _("Priority (GB)"),
            "opt_in": _("Opt-in Priority (GB)"),
            "standard": _("Standard (GB)"),
            "non_billable": _("Non-billable (GB)"),
            "counted": _("Counted (GB)"),
            "total": _("Total (GB)"),
            "percent": _("% of Limit"),
            "overage": _("Overage (GB)"),
            "overage_amount": _("Overage Amount"),
            "date": _("Date"),
            "totals": _("Total"),
            "chart_lines": _("Counted usage and limit per line"),
            "chart_daily": _("Daily usage"),
        }
