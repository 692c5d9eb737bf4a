from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..lib.usage import parse_data_usage


@tagged("post_install", "-at_install")
class TestMarginReport(TransactionCase):
    """Margin per service line and month: posted invoices minus credit notes against
    Starlink's cost lines (the plan's cost when there are none)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Reseller Margin"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.account = cls.env["starlink.account"].create(
            {"name": "Margin Account", "account_number": "ACC-MARGIN", "company_id": cls.company.id}
        )
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Margin Plan 1 TB",
                "type": "service",
                "is_starlink_plan": True,
                "starlink_data_limit_gb": 1000.0,
                "starlink_overage_price_gb": 2.5,
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.plan.with_company(cls.company).standard_price = 45.0
        cls.client = cls.env["res.partner"].create(
            {"name": "Margin Client", "is_company": True, "country_id": cls.env.ref("base.us").id}
        )
        cls.line_a, cls.line_b, cls.line_c = (cls._line(f"SL-MARGIN-{n}") for n in "ABC")
        (cls.line_a | cls.line_b | cls.line_c).action_start_billing()
        cls.usd = cls.env.ref("base.USD")
        cls.Report = cls.env["starlink.margin.report"]

    @classmethod
    def _line(cls, number):
        return cls.env["starlink.service.line"].create(
            {
                "service_line_number": number,
                "account_id": cls.account.id,
                "company_id": cls.company.id,
                "partner_id": cls.client.id,
                "product_id": cls.plan.id,
                "state": "active",
                "billing_day": 1,
                "date_start": date(2026, 1, 1),
            }
        )

    def _invoice(self, line, day, amount, move_type="out_invoice", post=True):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.client.id,
                "invoice_date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.plan.id,
                            "quantity": 1.0,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            "contract_line_id": line.contract_line_id.id,
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def _cost(self, line, day, amount, ref="INV-DF-US-TEST", index=0):
        return self.env["starlink.cost.line"].create(
            {
                "account_id": self.account.id,
                "invoice_ref": ref,
                "invoice_date": day,
                "line_index": index,
                "service_line_number": line.service_line_number,
                "service_line_id": line.id,
                "currency_id": self.usd.id,
                "quantity": 1.0,
                "unit_price": amount,
                "subtotal": amount,
                "amount_company": amount,
                "invoice_amount": amount,
                "invoice_complete": True,
            }
        )

    def _row(self, line, month):
        self.env.flush_all()
        return self.Report.search([("service_line_id", "=", line.id), ("date", "=", month)])

    def test_margin_hand_checked(self):
        march, april, may = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
        # Line A, March: invoiced 100, Starlink cost 70 (two Starlink lines) → 30, 30 %.
        self._invoice(self.line_a, date(2026, 3, 1), 100.0)
        self._cost(self.line_a, date(2026, 3, 1), 50.0, index=0)
        self._cost(self.line_a, date(2026, 3, 1), 20.0, index=1)
        # Line B, March: billed 50 for a cost of 65 → below cost.
        self._invoice(self.line_b, date(2026, 3, 1), 50.0)
        self._cost(self.line_b, date(2026, 3, 1), 65.0, ref="INV-DF-US-B")
        # Line C, March: no Starlink cost → the plan's cost (45).
        self._invoice(self.line_c, date(2026, 3, 15), 80.0)
        # Line A, April: 100 invoiced, a credit note of 20 → 80; cost 70 → 10.
        self._invoice(self.line_a, date(2026, 4, 1), 100.0)
        self._invoice(self.line_a, date(2026, 4, 20), 20.0, move_type="out_refund")
        self._cost(self.line_a, date(2026, 4, 1), 70.0, ref="INV-DF-US-A4")
        # Line A, May: a draft invoice does not count; Starlink's cost does.
        self._invoice(self.line_a, date(2026, 5, 1), 100.0, post=False)
        self._cost(self.line_a, date(2026, 5, 1), 70.0, ref="INV-DF-US-A5")

        expected = [
            (self.line_a, march, 100.0, 70.0, "starlink", 30.0, 30.0, False),
            (self.line_b, march, 50.0, 65.0, "starlink", -15.0, -30.0, True),
            (self.line_c, march, 80.0, 45.0, "plan", 35.0, 43.75, False),
            (self.line_a, april, 80.0, 70.0, "starlink", 10.0, 12.5, False),
            (self.line_a, may, 0.0, 70.0, "starlink", -70.0, 0.0, True),
        ]
        for line, month, invoiced, cost, source, margin, percent, below in expected:
            with self.subTest(line=line.service_line_number, month=month):
                row = self._row(line, month)
                self.assertEqual(len(row), 1)
                self.assertRecordValues(
                    row,
                    [
                        {
                            "partner_id": self.client.id,
                            "product_id": self.plan.id,
                            "company_id": self.company.id,
                            "currency_id": self.company.currency_id.id,
                            "invoiced": invoiced,
                            "cost": cost,
                            "cost_source": source,
                            "margin": margin,
                            "margin_percent": percent,
                            "below_cost": below,
                        }
                    ],
                )
        # Grouped, the margin % is that of the sums: A in March and April (30 + 10) / 180.
        [(total_margin, percent)] = self.Report._read_group(
            [("service_line_id", "=", self.line_a.id), ("date", "in", [march, april])],
            [],
            ["margin:sum", "margin_percent:avg"],
        )
        self.assertAlmostEqual(total_margin, 40.0)
        self.assertAlmostEqual(percent, 100.0 * 40 / 180)
        self.assertEqual(
            self.Report.search(
                [("below_cost", "=", True), ("company_id", "=", self.company.id)]
            ).service_line_id,
            self.line_a | self.line_b,
        )

    def test_access(self):
        self._invoice(self.line_a, date(2026, 3, 1), 100.0)
        self._cost(self.line_a, date(2026, 3, 1), 70.0)
        self.env.flush_all()
        users = {
            role: new_test_user(
                self.env,
                login=f"margin_{role}",
                groups=group,
                company_id=self.company.id,
                company_ids=[self.company.id],
            )
            for role, group in (
                ("viewer", "starlink_base.starlink_base_group_viewer"),
                ("technician", "starlink_base.starlink_base_group_technician"),
                ("sales", "starlink_base.starlink_base_group_sales"),
                ("accountant", "account.group_account_invoice"),
                ("admin", "starlink_base.starlink_base_group_admin"),
            )
        }
        for role in ("viewer", "technician", "sales"):
            with self.subTest(role=role):
                for model in ("starlink.margin.report", "starlink.cost.line"):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(users[role]).search([])
        for role in ("accountant", "admin"):
            with self.subTest(role=role):
                report = self.Report.with_user(users[role])
                rows = report.web_search_read(
                    [("service_line_id", "=", self.line_a.id)],
                    {
                        "service_line_id": {"fields": {"display_name": {}}},
                        "partner_id": {"fields": {"display_name": {}}},
                        "margin": {},
                    },
                )["records"]
                self.assertEqual(len(rows), 1)
                self.assertEqual(rows[0]["service_line_id"]["display_name"], "SL-MARGIN-A")
                self.assertAlmostEqual(rows[0]["margin"], 30.0)
                with self.assertRaises(AccessError):
                    report.browse(rows[0]["id"]).write({"margin": 0.0})

    def test_our_overage_counts_as_billing(self):
        """The reconciliation counts a cycle's overage as the contract line bills it: the
        plan's limit plus the cycle's top-ups, Starlink's rule (opt-in priority past it)."""
        line = self.line_a
        top_up = self.env["product.product"].create(
            {"name": "Top-up 50 GB", "type": "service", "taxes_id": [Command.clear()]}
        )
        self.env["contract.line"]._starlink_add_one_off(
            line, top_up, 10.0, date(2026, 6, 12), topup_gb=50.0
        )
        usage = self.env["starlink.usage.daily"]
        usage._upsert([(line.id, date(2026, 6, 10), 1040.0, 45.0, 30.0, 0.0)])
        usage._upsert([(line.id, date(2026, 6, 28), 30.0, 30.0, 0.0, 0.0)])
        answer = {
            "serviceLineNumber": line.service_line_number,
            "billingCycles": [
                {
                    "startDate": "2026-06-01T00:00:00Z",
                    "endDate": "2026-06-30T23:59:59Z",
                    "overageLines": [{"overageAmountGB": 20.0, "overagePrice": 20.0}],
                }
            ],
        }
        self.env["starlink.overage.reconciliation"]._starlink_sync(
            parse_data_usage([answer]), {line.service_line_number: line.id}
        )
        cycle = self.env["starlink.overage.reconciliation"].search(
            [("service_line_id", "=", line.id)]
        )
        billed = line.contract_line_id._prepare_starlink_overage_line_values(
            date(2026, 6, 1), date(2026, 6, 30)
        )
        # 1,070 GB priority, 75 GB opt-in, limit 1,000 + 50: min(75, 20) = 20 GB.
        self.assertEqual(billed["quantity"], 20.0)
        self.assertRecordValues(
            cycle,
            [
                {
                    "cycle_end": date(2026, 6, 30),
                    "our_overage_gb": 20.0,
                    "starlink_overage_gb": 20.0,
                    "difference_gb": 0.0,
                    "has_difference": False,
                    "product_id": self.plan.id,
                }
            ],
        )
        # Shown on the contract line that bills it, once the cycle has ended.
        with freeze_time("2026-07-02"):
            contract_line = line.contract_line_id
            contract_line.invalidate_recordset()
            self.assertEqual(contract_line.starlink_reconciliation_id, cycle)
            self.assertEqual(contract_line.starlink_reported_overage_gb, 20.0)
            self.assertEqual(contract_line.starlink_counted_overage_gb, 20.0)
