from datetime import date, datetime

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

GROUP = "starlink_base.starlink_base_group_"


@tagged("post_install", "-at_install")
class TestTelemetryRecordRules(TransactionCase):
    """One test per record rule of starlink_telemetry: companies apart, clients apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env["res.company"].create({"name": "Telemetry A"})
        cls.company_b = cls.env["res.company"].create({"name": "Telemetry B"})
        cls.client = cls.env["res.partner"].create({"name": "Client A", "is_company": True})
        cls.other_client = cls.env["res.partner"].create({"name": "Client A2", "is_company": True})
        cls.rule = cls.env["starlink.alert.rule"].create(
            {
                "name": "A only",
                "rule_type": "usage",
                "threshold": 50,
                "company_id": cls.company_a.id,
            }
        )
        cls.rule_b = cls.rule.copy({"name": "B only", "company_id": cls.company_b.id})
        cls.records = {}
        for key, company, client in (
            ("a", cls.company_a, cls.client),
            ("a2", cls.company_a, cls.other_client),
            ("b", cls.company_b, False),
        ):
            account = cls.env["starlink.account"].create(
                {"name": key, "account_number": f"ACC-{key}", "company_id": company.id}
            )
            line = cls.env["starlink.service.line"].create(
                {"service_line_number": f"AST-{key}", "account_id": account.id,
                 "company_id": company.id, "partner_id": client and client.id}
            )  # fmt: skip
            terminal = cls.env["starlink.terminal"].create(
                {"user_terminal_id": f"ut-rr-{key}", "service_line_id": line.id,
                 "account_id": account.id, "company_id": company.id}
            )  # fmt: skip
            cls.env["starlink.telemetry.sample"]._ingest(
                [(f"ut-rr-{key}", "u", datetime.now().replace(microsecond=0), 1.0, 1.0, 0.0,
                  30.0, 0.0, 10, 0.9, None)]
            )  # fmt: skip
            hourly = cls.env["starlink.telemetry.hourly"].create(
                {"terminal_id": terminal.id, "hour": datetime(2026, 5, 1, 10)}
            )
            status = cls.env["starlink.sync.status"].create(
                {"account_id": account.id, "stream": "products"}
            )
            alert = cls.env["starlink.alert"].create(
                {"name": key, "rule_id": (cls.rule_b if key == "b" else cls.rule).id,
                 "service_line_id": line.id, "key": "k"}
            )  # fmt: skip
            cls.env["starlink.usage.forecast"]._replace(
                line.ids, [(line.id, date(2026, 5, 2), "current", 1.0, 0.5, 1.5, "run_rate",
                            "v", 5.0)]
            )  # fmt: skip
            forecast = cls.env["starlink.usage.forecast"].search(
                [("service_line_id", "=", line.id)]
            )
            sample = cls.env["starlink.telemetry.sample"].search(
                [("terminal_id", "=", terminal.id)]
            )
            cls.records[key] = {
                "sample": sample, "hourly": hourly, "status": status, "alert": alert,
                "forecast": forecast,
            }  # fmt: skip
        cls.user_a = new_test_user(
            cls.env, "rr_admin_a", groups=GROUP + "admin",
            company_id=cls.company_a.id, company_ids=[cls.company_a.id],
        )  # fmt: skip
        contact = cls.env["res.partner"].create({"name": "Contact", "parent_id": cls.client.id})
        cls.portal = new_test_user(
            cls.env, "rr_portal", groups="base.group_portal", partner_id=contact.id,
            company_id=cls.company_a.id, company_ids=[cls.company_a.id],
        )  # fmt: skip

    def _assert_company_isolated(self, kind):
        own, foreign = self.records["a"][kind], self.records["b"][kind]
        found = own.with_user(self.user_a).search([("id", "in", (own | foreign).ids)])
        self.assertEqual(found.ids, own.ids)
        with self.assertRaises(AccessError):
            foreign.with_user(self.user_a).read(["id"])

    def _assert_portal_own_only(self, kind):
        own, other = self.records["a"][kind], self.records["a2"][kind] | self.records["b"][kind]
        found = own.with_user(self.portal).search([("id", "in", (own | other).ids)])
        self.assertEqual(found.ids, own.ids)
        with self.assertRaises(AccessError):
            self.records["a2"][kind].with_user(self.portal).read(["id"])

    def test_starlink_telemetry_sample_rule_company(self):
        self._assert_company_isolated("sample")

    def test_starlink_telemetry_hourly_rule_company(self):
        self._assert_company_isolated("hourly")

    def test_starlink_telemetry_hourly_rule_portal(self):
        self._assert_portal_own_only("hourly")

    def test_starlink_sync_status_rule_company(self):
        self._assert_company_isolated("status")

    def test_starlink_alert_rule_company(self):
        self._assert_company_isolated("alert")

    def test_starlink_alert_rule_portal(self):
        self._assert_portal_own_only("alert")

    def test_starlink_usage_forecast_rule_company(self):
        self._assert_company_isolated("forecast")

    def test_starlink_usage_forecast_rule_portal(self):
        self._assert_portal_own_only("forecast")

    def test_starlink_alert_rule_rule_company(self):
        Rule = self.env["starlink.alert.rule"].with_user(self.user_a)
        found = Rule.search([("id", "in", (self.rule | self.rule_b).ids)])
        self.assertEqual(found, self.rule.with_user(self.user_a))
        with self.assertRaises(AccessError):
            self.rule_b.with_user(self.user_a).read(["name"])

    def test_portal_reads_no_raw_sample_nor_status(self):
        for kind in ("sample", "status"):
            with self.subTest(kind=kind), self.assertRaises(AccessError):
                self.records["a"][kind].with_user(self.portal).read(["id"])
