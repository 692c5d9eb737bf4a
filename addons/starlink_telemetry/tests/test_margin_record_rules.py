from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMarginRecordRules(TransactionCase):
    """One test per record rule of the overage reconciliation, the Starlink costs and the
    margin analysis: a company never reads another's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.records = {}
        usd = cls.env.ref("base.USD")
        for key in ("a", "b"):
            company = cls.env["res.company"].create({"name": f"Margin rules {key}"})
            account = cls.env["starlink.account"].create(
                {"name": key, "account_number": f"ACC-MR-{key}", "company_id": company.id}
            )
            line = cls.env["starlink.service.line"].create(
                {"service_line_number": f"AST-MR-{key}", "account_id": account.id,
                 "company_id": company.id}
            )  # fmt: skip
            cycle = cls.env["starlink.overage.reconciliation"].create(
                {"service_line_id": line.id, "cycle_start": date(2026, 3, 1),
                 "cycle_end": date(2026, 3, 31), "starlink_overage_gb": 5.0}
            )  # fmt: skip
            overage = cls.env["starlink.overage.line"].create(
                {"reconciliation_id": cycle.id, "overage_gb": 5.0}
            )
            cost = cls.env["starlink.cost.line"].create(
                {"account_id": account.id, "invoice_ref": f"INV-MR-{key}",
                 "invoice_date": date(2026, 3, 1), "service_line_id": line.id,
                 "currency_id": usd.id, "subtotal": 70.0, "amount_company": 70.0}
            )  # fmt: skip
            cls.env.flush_all()
            margin = cls.env["starlink.margin.report"].search([("service_line_id", "=", line.id)])
            cls.records[key] = {
                "company": company, "reconciliation": cycle, "overage": overage, "cost": cost,
                "margin": margin,
            }  # fmt: skip
        company = cls.records["a"]["company"]
        cls.user_a = new_test_user(
            cls.env, "mr_admin_a", groups="starlink_base.starlink_base_group_admin",
            company_id=company.id, company_ids=[company.id],
        )  # fmt: skip

    def _assert_company_isolated(self, kind):
        own, foreign = self.records["a"][kind], self.records["b"][kind]
        self.assertEqual(len(own), 1)
        found = own.with_user(self.user_a).search([("id", "in", (own | foreign).ids)])
        self.assertEqual(found.ids, own.ids)
        with self.assertRaises(AccessError):
            foreign.with_user(self.user_a).read(["id"])

    def test_starlink_overage_reconciliation_rule_company(self):
        self._assert_company_isolated("reconciliation")

    def test_starlink_overage_line_rule_company(self):
        self._assert_company_isolated("overage")

    def test_starlink_cost_line_rule_company(self):
        self._assert_company_isolated("cost")

    def test_starlink_margin_report_rule_company(self):
        self._assert_company_isolated("margin")
        self.assertEqual(self.records["a"]["margin"].cost, 70.0)
