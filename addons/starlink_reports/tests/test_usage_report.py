from datetime import date, datetime, timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CYCLE_END, CYCLE_START, ReportsCase


@tagged("post_install", "-at_install")
class TestUsageReportPdf(ReportsCase):
    """The real PDF (wkhtmltopdf) of a client's billing cycle, read back as text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        terminal = cls.env["starlink.terminal"].create(
            {"user_terminal_id": "UT-REP-1", "service_line_id": cls.line.id}
        )
        start = datetime(2026, 10, 10)
        cls.env["starlink.telemetry.hourly"].create(
            [
                {
                    "terminal_id": terminal.id,
                    "hour": start + timedelta(hours=hour),
                    "sample_count": 240,
                    "latency_avg_ms": 40.0,
                    "obstruction_avg": 1.5,
                    "ping_drop_avg": 0.5,
                }
                for hour in range(24)
            ]
        )

    def test_pdf_totals_equal_the_usage_rows(self):
        text = self._pdf_text(self._render_pdf(self.client))
        self.assertIn("Usage report", text)
        self.assertIn("Ridge Farm", text)
        self.assertIn("10/05/2026", text)
        self.assertIn("11/04/2026", text)
        self.assertNotIn("11/05/2026", text, "a day after the period is not reported")
        total_counted = 0.0
        for line in (self.line, self.second_line):
            priority, standard, counted, days = self._usage_sums(line)
            total_counted += counted
            self.assertIn(f"{priority:,.2f}", text)
            self.assertIn(f"{standard:,.2f}", text)
            self.assertIn(f"Days reported: {days}", text)
        self.assertIn(f"{total_counted:,.2f}", text)
        # Line 1 used 151.125 GB of its 100 GB: 151.1 %, 20 GB of opt-in data beyond it.
        self.assertIn("151.1", text)
        self.assertIn("Over their limit: 1", text)
        self.assertIn("Overage: 20.00 GB", text)
        self.assertIn("Latency: 40.0 ms", text)
        self.assertIn("Obstruction: 1.5 %", text)
        self.assertIn("No alert in this period.", text)
        self.assertNotIn("SL-REP-9", text, "another client's line is not in the report")

    def test_pdf_daily_rows_and_charts(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "starlink_reports.starlink_usage_report_action",
                self.client.ids,
                data={"date_from": CYCLE_START.isoformat(), "date_to": CYCLE_END.isoformat()},
            )[0]
            .decode()
        )
        # One chart of every line together, one per line; every day of the cycle per line.
        self.assertEqual(html.count("data:image/svg+xml;base64"), 3)
        self.assertEqual(html.count("<td>10/05/2026</td>"), 2)
        self.assertEqual(html.count("<td>11/04/2026</td>"), 2)

    def test_pdf_in_the_client_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["starlink_reports"], ["fr_FR"])
        self.client.lang = "fr_FR"
        text = self._pdf_text(self._render_pdf(self.client))
        self.assertIn("Rapport de consommation", text)
        self.assertIn("Synthèse", text)
        self.assertIn("05/10/2026", text, "dates in the French format")
        self.assertIn("151,12", text, "a decimal comma")
        self.assertIn("Jours reçus : 31", text)
        self.assertNotIn("Usage report", text)

    def test_forecast_alerts_and_tickets_of_the_period(self):
        self.line.write(
            {"forecast_date": CYCLE_END, "forecast_total_gb": 160.0, "forecast_lower_gb": 150.0,
             "forecast_upper_gb": 171.0, "forecast_over_limit": True,
             "forecast_limit_date": date(2026, 12, 1)}
        )  # fmt: skip
        rule = self.env["starlink.alert.rule"].create(
            {"name": "Report rule", "rule_type": "usage", "threshold": 80,
             "notify_client": True, "company_id": self.company.id}
        )  # fmt: skip
        Alert = self.env["starlink.alert"]
        for name, opened in (("Barn passed 80 %", datetime(2026, 10, 20, 9)),
                             ("An alert of September", datetime(2026, 9, 20, 9))):  # fmt: skip
            Alert.create({"name": name, "rule_id": rule.id, "service_line_id": self.line.id,
                          "key": f"report:{name}", "date_open": opened})  # fmt: skip
        with_tickets = (
            "helpdesk.ticket" in self.env
            and "service_line_id" in self.env["helpdesk.ticket"]._fields
        )
        if with_tickets:
            self.env["helpdesk.ticket"].create(
                {"name": "Barn dish offline", "description": "<p>Down</p>",
                 "service_line_id": self.line.id, "partner_id": self.client.id}
            )  # fmt: skip
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "starlink_reports.starlink_usage_report_action",
                self.client.ids,
                data={"date_from": "2026-10-05", "date_to": "2026-11-04"},
            )[0]
            .decode()
        )
        self.assertIn("Forecast to the end of the cycle", html)
        self.assertIn("150.00", html)
        self.assertIn("171.00", html)
        self.assertIn("12/01/2026", html, "the day the limit is passed")
        self.assertIn("Barn passed 80 %", html)
        self.assertNotIn("An alert of September", html, "an alert of another period")
        if with_tickets:
            # Created today, outside the period: not in October's report...
            self.assertIn("No ticket in this period.", html)
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(
                    "starlink_reports.starlink_usage_report_action",
                    self.client.ids,
                    data={
                    "date_from": (date.today() - timedelta(days=10)).isoformat(),
                    "date_to": date.today().isoformat(),
                },
                )[0]
                .decode()
            )
            # ... but in a period that holds today.
            self.assertIn("Barn dish offline", html)
        else:
            self.assertNotIn("Support tickets of the period", html)

    def test_template_sections(self):
        template = self.env["starlink.report.template"].create(
            {"name": "Short", "show_daily": False, "show_performance": False,
             "show_alerts": False}
        )  # fmt: skip
        text = self._pdf_text(self._render_pdf(self.client, template_id=template.id))
        self.assertIn("Summary", text)
        self.assertNotIn("Opt-in priority (GB)", text, "no daily table")
        self.assertNotIn("Latency", text)
        self.assertNotIn("Alerts of the period", text)

    def test_one_line_only(self):
        html = self.env["ir.actions.report"]._render_qweb_html(
            "starlink_reports.starlink_usage_report_action",
            self.client.ids,
            data={"date_from": "2026-10-05", "date_to": "2026-11-04",
                  "line_ids": self.second_line.ids},
        )[0].decode()  # fmt: skip
        self.assertIn("SL-REP-2", html)
        self.assertNotIn("SL-REP-1", html)

    def test_bad_period_is_refused(self):
        Report = self.env["report.starlink_reports.usage_report"]
        with self.assertRaisesRegex(UserError, "ends before it starts"):
            Report._report_range(self.client, {"date_from": "2026-11-04", "date_to": "2026-10-05"})
        with self.assertRaisesRegex(UserError, "at most"):
            Report._report_range(self.client, {"date_from": "2020-01-01", "date_to": "2026-10-05"})
