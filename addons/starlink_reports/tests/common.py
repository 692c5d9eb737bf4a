import subprocess
import tempfile
from datetime import date, timedelta

from odoo.tests import HttpCase, new_test_user

# The billing cycle the tests report on: 5 October to 4 November 2026 (billing day 5).
CYCLE_START = date(2026, 10, 5)
CYCLE_END = date(2026, 11, 4)


class ReportsCase(HttpCase):
    """A client with two lines on a 100 GB plan and a month of usage, another client.

    An ``HttpCase``: wkhtmltopdf reads the report's styles over HTTP from the test server,
    which serves them in the test's own transaction (a plain ``TransactionCase`` would make
    it wait on the test's locks)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env["ir.config_parameter"].sudo().set_param("report.url", cls.base_url())
        cls.company = cls.env.company
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Report Plan 100 GB",
                "type": "service",
                "is_starlink_plan": True,
                "starlink_data_limit_gb": 100.0,
                "starlink_overage_price_gb": 2.0,
                "list_price": 120.0,
            }
        )
        cls.account = cls.env["starlink.account"].create(
            {"name": "Reports", "account_number": "ACC-REPORTS", "company_id": cls.company.id}
        )
        cls.client = cls._client("Ridge Farm", "ridge@example.com")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ann Ridge", "parent_id": cls.client.id, "email": "ann@example.com"}
        )
        cls.other_client = cls._client("Other Client", "other@example.com")
        cls.line = cls._line("SL-REP-1", cls.client, nickname="Barn")
        cls.second_line = cls._line("SL-REP-2", cls.client, nickname="House")
        cls.other_line = cls._line("SL-REP-9", cls.other_client)
        rows = []
        for index, day in enumerate(cls._cycle_days()):
            # Line 1 passes its 100 GB limit with opt-in priority data at the end.
            priority = 3.0 + 0.125 * index
            opt_in = 4.0 if index >= 26 else 0.0
            rows.append((cls.line.id, day, priority, opt_in, 1.5, 0.25))
            if index != 10:  # one day without data
                rows.append((cls.second_line.id, day, 1.0, 0.0, 0.5, 0.0))
            rows.append((cls.other_line.id, day, 9.0, 0.0, 9.0, 0.0))
        # A day outside the cycle that must not count.
        rows.append((cls.line.id, CYCLE_END + timedelta(days=1), 50.0, 0.0, 0.0, 0.0))
        cls.env["starlink.usage.daily"]._upsert(rows)

    @classmethod
    def _client(cls, name, email, **values):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "email": email, "lang": "en_US", **values}
        )

    @classmethod
    def _line(cls, number, partner, **values):
        return cls.env["starlink.service.line"].create(
            {
                "service_line_number": number,
                "account_id": cls.account.id,
                "company_id": cls.company.id,
                "partner_id": partner.id,
                "product_id": cls.plan.id,
                "billing_day": 5,
                "state": "active",
                "date_start": date(2026, 1, 5),
                **values,
            }
        )

    @staticmethod
    def _cycle_days():
        return [CYCLE_START + timedelta(days=i) for i in range((CYCLE_END - CYCLE_START).days + 1)]

    def _usage_sums(self, line):
        """Sums of the line's usage rows in the cycle, read straight from the table."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT sum(priority_gb), sum(standard_gb), sum(counted_gb), count(*)
                 FROM starlink_usage_daily
                WHERE service_line_id = %s AND date BETWEEN %s AND %s""",
            (line.id, CYCLE_START, CYCLE_END),
        )
        return self.env.cr.fetchone()

    def _render_pdf(self, partner, lang=None, **data):
        data = {
            "date_from": CYCLE_START.isoformat(),
            "date_to": CYCLE_END.isoformat(),
            **data,
        }
        report = self.env["ir.actions.report"].with_context(
            force_report_rendering=True, lang=lang or partner.lang
        )
        pdf, kind = report._render_qweb_pdf(
            "starlink_reports.starlink_usage_report_action", partner.ids, data=data
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return pdf

    @staticmethod
    def _pdf_text(pdf):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            return subprocess.run(
                ["pdftotext", "-layout", handle.name, "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout

    @classmethod
    def _user(cls, login, groups, **values):
        return new_test_user(cls.env, login=login, groups=groups, **values)
