from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

CONTRACT_LOGGER = "odoo.addons.starlink_base.models.contract_contract"


@tagged("post_install", "-at_install")
class TestBilling(TransactionCase):
    """Recurring billing of service lines on OCA contract: plan fee in advance (first and last
    periods prorated by days), overage of the previous cycle in arrears."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Reseller Billing"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.account = cls.env["starlink.account"].create(
            {"name": "Billing Account", "account_number": "ACC-BILL", "company_id": cls.company.id}
        )
        cls.us = cls.env.ref("base.us")
        cls.plan = cls._create_plan("Local Priority 1 TB", 99.0)
        cls.client = cls._create_client("Client Billing A")
        cls.other_client = cls._create_client("Client Billing B")
        cls.sales_user = new_test_user(
            cls.env,
            login="billing_sales",
            groups="starlink_base.starlink_base_group_sales",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.viewer = new_test_user(
            cls.env,
            login="billing_viewer",
            groups="starlink_base.starlink_base_group_viewer",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.Contract = cls.env["contract.contract"]

    @classmethod
    def _create_plan(cls, name, price):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "is_starlink_plan": True,
                "starlink_data_limit_gb": 1000.0,
                "starlink_overage_price_gb": 2.5,
                "list_price": price,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _create_client(cls, name, **values):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "country_id": cls.us.id, "lang": "en_US", **values}
        )

    def _line(self, number, client=None, plan=None, **values):
        return self.env["starlink.service.line"].create(
            {
                "service_line_number": number,
                "account_id": self.account.id,
                "company_id": self.company.id,
                "partner_id": (client or self.client).id,
                "product_id": (plan or self.plan).id,
                "state": "active",
                "billing_day": 6,
                "date_start": date(2026, 6, 20),
                **values,
            }
        )

    def _invoice(self):
        """Run the scheduled invoicing for today."""
        self.Contract.cron_recurring_create_invoice()

    def _invoices(self, contract):
        return contract._get_related_invoices().sorted("id")

    def _usage(self, line, day, priority, opt_in=0.0, standard=0.0):
        self.env["starlink.usage.daily"]._upsert([(line.id, day, priority, opt_in, standard, 0.0)])

    # ------------------------------------------------------------------ periods and amounts

    def test_first_invoice_prorated_then_full_period_with_overage(self):
        line = self._line("SL-BILL-1")
        with freeze_time("2026-06-20"):
            line.with_user(self.sales_user).action_start_billing()
            contract = line.billing_contract_id
            self.assertTrue(contract.is_starlink_contract)
            self.assertEqual(contract.partner_id, self.client)
            self.assertEqual(line.contract_line_id.starlink_service_line_id, line)
            self.assertEqual(line.contract_line_id.recurring_next_date, date(2026, 6, 20))
            self._invoice()
        first = self._invoices(contract)
        self.assertEqual(len(first), 1)
        # 20 June - 5 July is 16 days of the 30-day cycle 6 June - 5 July: 99 × 16 / 30 = 52.80.
        self.assertRecordValues(
            first.invoice_line_ids,
            [
                {
                    "name": "SL-BILL-1: Local Priority 1 TB, 06/20\u201307/05",
                    "quantity": 1.0,
                    "price_unit": 52.80,
                    "price_subtotal": 52.80,
                }
            ],
        )
        self.assertEqual(first.invoice_date, date(2026, 6, 20))
        self.assertEqual(line.contract_line_id.last_date_invoiced, date(2026, 7, 5))
        self.assertEqual(line.contract_line_id.recurring_next_date, date(2026, 7, 6))

        # Usage of the first cycle: 600 + 450 = 1,050 GB priority, of which 17 GB opt-in
        # (past the limit); 300 GB standard data never counts under Starlink's rule. Overage
        # = min(17, 1,050 - 1,000) = 17 GB × 2.50 = 42.50. The 8 GB opt-in of 6 July belong
        # to the next cycle and are not billed now.
        self._usage(line, date(2026, 6, 25), 600.0, standard=300.0)
        self._usage(line, date(2026, 7, 3), 450.0, opt_in=17.0)
        self._usage(line, date(2026, 7, 6), 8.0, opt_in=8.0)
        with freeze_time("2026-07-06"):
            self._invoice()
        second = self._invoices(contract) - first
        self.assertEqual(len(second), 1)
        # A full cycle 6 July - 5 August at 99.00, then the overage: 99.00 + 42.50 = 141.50.
        self.assertRecordValues(
            second.invoice_line_ids.sorted("sequence"),
            [
                {
                    "name": "SL-BILL-1: Local Priority 1 TB, 07/06\u201308/05",
                    "quantity": 1.0,
                    "price_unit": 99.0,
                    "price_subtotal": 99.0,
                },
                {
                    "name": "SL-BILL-1: overage 17.0 GB beyond 1,000 GB, 06/20\u201307/05",
                    "quantity": 17.0,
                    "price_unit": 2.5,
                    "price_subtotal": 42.5,
                },
            ],
        )
        self.assertAlmostEqual(second.amount_untaxed, 141.5)
        self.assertEqual(line.contract_line_id.starlink_overage_date, date(2026, 7, 5))

    def test_each_company_invoiced_on_its_own_day(self):
        """On 5 July 2026 at 12:30 UTC it is already 6 July (00:30) in Auckland: the lines of
        the Auckland company start their new period and are invoiced, those of a company on
        UTC wait for their own 6 July."""
        self.company.partner_id.tz = "Pacific/Auckland"
        utc = self.env["res.company"].create({"name": "Reseller UTC"})
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=utc, install_demo=False
        )
        utc.partner_id.tz = "UTC"
        account = self.env["starlink.account"].create(
            {"name": "UTC Account", "account_number": "ACC-UTC", "company_id": utc.id}
        )
        auckland_line = self._line("SL-TZ-NZ")
        utc_line = self._line(
            "SL-TZ-UTC", client=self._create_client("Client UTC"), account_id=account.id,
            company_id=utc.id,
        )  # fmt: skip
        with freeze_time("2026-06-20 00:30"):  # 20 June in both
            auckland_line.action_start_billing()
            utc_line.with_company(utc).action_start_billing()
            self._invoice()
        auckland, on_utc = auckland_line.billing_contract_id, utc_line.billing_contract_id
        self.assertEqual((len(self._invoices(auckland)), len(self._invoices(on_utc))), (1, 1))
        with freeze_time("2026-07-05 12:30"):
            self._invoice()
        self.assertEqual((len(self._invoices(auckland)), len(self._invoices(on_utc))), (2, 1))
        self.assertEqual(self._invoices(auckland)[-1].invoice_date, date(2026, 7, 6))
        with freeze_time("2026-07-06 00:30"):
            self._invoice()
        self.assertEqual((len(self._invoices(auckland)), len(self._invoices(on_utc))), (2, 2))
        self.assertEqual(self._invoices(on_utc)[-1].invoice_date, date(2026, 7, 6))

    def test_invoicing_twice_bills_once(self):
        line = self._line("SL-BILL-2")
        with freeze_time("2026-06-20"):
            line.action_start_billing()
            contract = line.billing_contract_id
            self._invoice()
            self._invoice()
            contract.flush_recordset()
            self.assertEqual(len(self._invoices(contract)), 1)
        with freeze_time("2026-07-06"):
            self._invoice()
            self._invoice()
        # 20 June - 5 July and 6 July - 5 August: two invoices, 52.80 + 99.00 = 151.80.
        invoices = self._invoices(contract)
        self.assertEqual(len(invoices), 2)
        self.assertAlmostEqual(sum(invoices.mapped("amount_untaxed")), 151.8)

    def test_billing_started_late_catches_up_in_one_run(self):
        line = self._line("SL-BILL-15")
        # Usage of the first cycle: 1,030 GB priority, 40 GB opt-in: min(40, 30) = 30 GB
        # × 2.50 = 75.00, billed with the period of 6 July.
        self._usage(line, date(2026, 7, 1), 1030.0, opt_in=40.0)
        with freeze_time("2026-08-15"):
            line.action_start_billing()
            self._invoice()
            self._invoice()
        # 20 June - 5 July (52.80), 6 July - 5 August (99.00 + 75.00) and 6 August -
        # 5 September (99.00): three invoices, 325.80 in all, none twice.
        invoices = self._invoices(line.billing_contract_id)
        self.assertEqual(invoices.mapped("amount_untaxed"), [52.8, 174.0, 99.0])
        self.assertEqual(line.contract_line_id.recurring_next_date, date(2026, 9, 6))

    def test_no_overage_line_without_overage(self):
        line = self._line("SL-BILL-3")
        with freeze_time("2026-06-20"):
            line.action_start_billing()
            self._invoice()
        # 990 GB priority (10 GB opt-in) stays within the 1,000 GB limit: min(10, -10) → none.
        self._usage(line, date(2026, 7, 1), 990.0, opt_in=10.0)
        with freeze_time("2026-07-06"):
            self._invoice()
        last = self._invoices(line.billing_contract_id)[-1]
        self.assertEqual(len(last.invoice_line_ids), 1)
        self.assertAlmostEqual(last.amount_untaxed, 99.0)

    def test_billing_day_31_and_last_period_prorated_on_cancel(self):
        # Billing day 31, from 10 February 2026: the cycle 31 January - 27 February has 28
        # days, 18 are billed: 70 × 18 / 28 = 45.00.
        plan = self._create_plan("Residential", 70.0)
        line = self._line("SL-BILL-4", plan=plan, billing_day=31, date_start=date(2026, 2, 10))
        with freeze_time("2026-02-10"):
            line.action_start_billing()
            self._invoice()
        contract = line.billing_contract_id
        self.assertAlmostEqual(self._invoices(contract).amount_untaxed, 45.0)
        self.assertEqual(line.contract_line_id.recurring_next_date, date(2026, 2, 28))
        # Cancelled to end on 14 March: the last period 28 February - 14 March is 15 days of
        # the 31-day cycle 28 February - 30 March: 70 × 15 / 31 = 33.870... → 33.87.
        with freeze_time("2026-02-20"):
            line.date_end = date(2026, 3, 14)
            line.with_user(self.sales_user).action_cancel()
        self.assertEqual(line.contract_line_id.date_end, date(2026, 3, 14))
        with freeze_time("2026-02-28"):
            self._invoice()
        last = self._invoices(contract)[-1]
        self.assertEqual(last.invoice_line_ids.name, "SL-BILL-4: Residential, 02/28\u201303/14")
        self.assertAlmostEqual(last.amount_untaxed, 33.87)
        # The overage of the last days comes after the end date, alone: 1,010 GB priority on
        # 1 March, 12 GB opt-in: min(12, 1,010 - 1,000) = 10 GB × 2.50 = 25.00.
        self._usage(line, date(2026, 3, 1), 1010.0, opt_in=12.0)
        with freeze_time("2026-03-14"):
            self._invoice()
        self.assertEqual(len(self._invoices(contract)), 2)
        with freeze_time("2026-03-15"):
            self._invoice()
            self._invoice()
        final = self._invoices(contract)[-1]
        self.assertRecordValues(
            final.invoice_line_ids,
            [
                {
                    "name": "SL-BILL-4: overage 10.0 GB beyond 1,000 GB, 02/28\u201303/14",
                    "quantity": 10.0,
                    "price_unit": 2.5,
                    "price_subtotal": 25.0,
                }
            ],
        )
        self.assertEqual(line.contract_line_id.starlink_overage_date, date(2026, 3, 14))
        # Nothing more after that.
        with freeze_time("2026-03-31"):
            self._invoice()
        self.assertEqual(len(self._invoices(contract)), 3)

    def test_cancel_after_a_period_invoiced_in_advance(self):
        line = self._line("SL-BILL-5")
        with freeze_time("2026-06-20"):
            line.action_start_billing()
            self._invoice()
        # The period up to 5 July is invoiced: cancelling on 30 June ends billing on 5 July.
        with freeze_time("2026-06-30"):
            line.action_cancel()
        self.assertEqual(line.date_end, date(2026, 6, 30))
        self.assertEqual(line.contract_line_id.date_end, date(2026, 7, 5))
        self.assertIn("invoiced in advance", line.message_ids[0].body)
        with freeze_time("2026-07-06"):
            self._invoice()
        self.assertEqual(len(self._invoices(line.billing_contract_id)), 1)

    def test_suspended_line_is_still_billed(self):
        # Starlink keeps billing the reseller for a suspended line, so the client is too.
        line = self._line("SL-BILL-6")
        with freeze_time("2026-06-20"):
            line.action_start_billing()
            self._invoice()
            line.action_suspend()
        with freeze_time("2026-07-06"):
            self._invoice()
        self.assertEqual(len(self._invoices(line.billing_contract_id)), 2)

    def test_one_contract_per_client_and_company(self):
        line = self._line("SL-BILL-7")
        other = self._line("SL-BILL-8")
        (line | other).action_start_billing()
        self.assertEqual(line.billing_contract_id, other.billing_contract_id)
        self.assertEqual(len(line.billing_contract_id.contract_line_ids), 2)

    def test_lines_of_one_client_keep_their_own_cycles(self):
        day_6 = self._line("SL-BILL-12")
        day_20 = self._line("SL-BILL-13", billing_day=20)
        with freeze_time("2026-06-20"):
            (day_6 | day_20).action_start_billing()
            self._invoice()
        contract = day_6.billing_contract_id
        first = self._invoices(contract)
        # One invoice for both: 20 June - 5 July prorated (99 × 16 / 30 = 52.80) and the full
        # cycle 20 June - 19 July of the line billed on the 20th (99.00): 151.80.
        self.assertEqual(len(first), 1)
        self.assertAlmostEqual(first.amount_untaxed, 151.8)
        self.assertEqual(contract.recurring_next_date, date(2026, 7, 6))
        with freeze_time("2026-07-06"):
            self._invoice()
        with freeze_time("2026-07-20"):
            self._invoice()
        second, third = self._invoices(contract) - first
        self.assertEqual(
            second.invoice_line_ids.name, "SL-BILL-12: Local Priority 1 TB, 07/06\u201308/05"
        )
        self.assertEqual(
            third.invoice_line_ids.name, "SL-BILL-13: Local Priority 1 TB, 07/20\u201308/19"
        )

    def test_upgrade_at_once_prorated_downgrade_at_next_cycle(self):
        line = self._line("SL-BILL-14")
        bigger = self._create_plan("Priority 2 TB", 150.0)
        bigger.starlink_data_limit_gb = 2000.0
        with freeze_time("2026-06-20"):
            line.action_start_billing()
            self._invoice()
        with freeze_time("2026-07-06"):
            self._invoice()
        contract = line.billing_contract_id
        self.assertEqual(len(self._invoices(contract)), 2)
        # Upgrade on 10 July, in the cycle 6 July - 5 August (31 days) invoiced at 99.00: the
        # 27 days 10 July - 5 August are billed at the difference, (150 - 99) × 27 / 31 =
        # 44.419... → 44.42, on the next run.
        with freeze_time("2026-07-10"):
            self.env["contract.line"]._starlink_change_plan(line, bigger, date(2026, 7, 10))
            self._invoice()
            self._invoice()
        upgrade = self._invoices(contract)[-1]
        self.assertEqual(len(self._invoices(contract)), 3)
        self.assertRecordValues(
            upgrade.invoice_line_ids,
            [
                {
                    "name": "SL-BILL-14: upgrade Local Priority 1 TB \u2192 Priority 2 TB, "
                    "07/10\u201308/05",
                    "price_subtotal": 44.42,
                }
            ],
        )
        # The next cycle at the new plan: 150.00.
        with freeze_time("2026-08-06"):
            self._invoice()
        self.assertAlmostEqual(self._invoices(contract)[-1].amount_untaxed, 150.0)
        # A downgrade on 20 August changes nothing of the invoiced cycle; the next is 99.00.
        # The cycle 6 August - 5 September stays on the 2 TB plan: 1,500 GB priority (20 GB
        # opt-in) is no overage under its 2,000 GB limit (it would be 20 GB under 1 TB).
        with freeze_time("2026-08-20"):
            self.env["contract.line"]._starlink_change_plan(line, self.plan, date(2026, 8, 20))
            self._invoice()
        self._usage(line, date(2026, 8, 25), 1500.0, opt_in=20.0)
        self.assertEqual(len(self._invoices(contract)), 4)
        with freeze_time("2026-09-06"):
            self._invoice()
        last = self._invoices(contract)[-1]
        self.assertEqual(
            last.invoice_line_ids.name, "SL-BILL-14: Local Priority 1 TB, 09/06\u201310/05"
        )
        self.assertAlmostEqual(last.amount_untaxed, 99.0)

    def test_top_up_billed_once_and_raises_the_limit(self):
        line = self._line("SL-BILL-16")
        top_up = self.env["product.product"].create(
            {"name": "Data top-up 50 GB", "type": "service", "taxes_id": [Command.clear()]}
        )
        with freeze_time("2026-06-20"):
            line.action_start_billing()
            self._invoice()
        with freeze_time("2026-07-06"):
            self._invoice()
        contract = line.billing_contract_id
        # A 50 GB top-up on 12 July at 10.00: billed once, at its full price.
        with freeze_time("2026-07-12"):
            self.env["contract.line"]._starlink_add_one_off(
                line, top_up, 10.0, date(2026, 7, 12), topup_gb=50.0
            )
            self._invoice()
            self._invoice()
        self.assertEqual(len(self._invoices(contract)), 3)
        self.assertRecordValues(
            self._invoices(contract)[-1].invoice_line_ids,
            [{"name": "SL-BILL-16: Data top-up 50 GB, 07/12", "price_subtotal": 10.0}],
        )
        # Cycle 6 July - 5 August: 1,040 + 30 = 1,070 GB priority, 45 + 30 = 75 GB opt-in.
        # The limit is 1,000 + 50 = 1,050 GB: min(75, 20) = 20 GB × 2.50 = 50.00 (without the
        # top-up it would be 70 GB).
        self._usage(line, date(2026, 7, 20), 1040.0, opt_in=45.0)
        self._usage(line, date(2026, 8, 1), 30.0, opt_in=30.0)
        with freeze_time("2026-08-06"):
            self._invoice()
        last = self._invoices(contract)[-1]
        self.assertEqual(len(self._invoices(contract)), 4)
        self.assertRecordValues(
            last.invoice_line_ids.sorted("sequence"),
            [
                {
                    "name": "SL-BILL-16: Local Priority 1 TB, 08/06\u201309/05",
                    "price_subtotal": 99.0,
                },
                {
                    "name": "SL-BILL-16: overage 20.0 GB beyond 1,050 GB, 07/06\u201308/05",
                    "price_subtotal": 50.0,
                },
            ],
        )

    # ------------------------------------------------------------------ failures

    def test_failing_contract_does_not_stop_another(self):
        plan_b = self._create_plan("Plan B", 50.0)
        good = self._line("SL-BILL-9")
        bad = self._line("SL-BILL-10", client=self.other_client, plan=plan_b)
        with freeze_time("2026-06-20"):
            (good | bad).action_start_billing()
            # The plan loses its price after billing started: its contract fails, alone.
            plan_b.list_price = 0.0
            with self.assertLogs(CONTRACT_LOGGER, "WARNING") as logs:
                self._invoice()
        self.assertIn("no sale price", logs.output[0])
        self.assertEqual(len(self._invoices(good.billing_contract_id)), 1)
        bad_contract = bad.billing_contract_id
        self.assertFalse(self._invoices(bad_contract))
        self.assertIn("Plan B", bad_contract.starlink_billing_error)
        self.assertIn("no sale price", bad_contract.starlink_billing_error)
        self.assertIn("no sale price", bad.message_ids[0].body)
        self.assertFalse(bad.contract_line_id.last_date_invoiced)
        # Accountants find it: the failed contracts, reachable from the service line.
        accountant = new_test_user(
            self.env,
            login="billing_accountant",
            groups="account.group_account_invoice,starlink_base.starlink_base_group_viewer",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        failed = self.Contract.with_user(accountant).search(
            [("starlink_billing_error", "!=", False)]
        )
        self.assertEqual(failed, bad_contract)
        self.assertEqual(bad.with_user(accountant).billing_contract_id, bad_contract)
        # Given its price back, the next run bills it (60 × 16 / 30 = 32.00 for 20 June -
        # 5 July) and clears the error.
        plan_b.list_price = 60.0
        with freeze_time("2026-06-21"):
            self._invoice()
        self.assertAlmostEqual(self._invoices(bad_contract).amount_untaxed, 32.0)
        self.assertFalse(bad_contract.starlink_billing_error)

    def test_bad_input_changes_nothing(self):
        free = self._create_plan("Free Plan", 0.0)
        nowhere = self.env["res.partner"].create({"name": "No Address", "is_company": True})
        # The company's first pricelist is every other client's default: a standard one.
        self.env["product.pricelist"].create(
            {"name": "Standard", "company_id": self.company.id, "sequence": 1}
        )
        free_list = self.env["product.pricelist"].create(
            {
                "name": "Plans for free",
                "company_id": self.company.id,
                "sequence": 50,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.plan.id,
                            "compute_price": "fixed",
                            "fixed_price": 0.0,
                        }
                    )
                ],
            }
        )
        priced_out = self._create_client("Priced Out", property_product_pricelist=free_list.id)
        cases = [
            (self._line("SL-BAD-1", plan=free), "has no sale price"),
            (self._line("SL-BAD-2", client=nowhere), "has no invoice address"),
            (self._line("SL-BAD-3", state="draft"), "is not active"),
            (self._line("SL-BAD-4", date_start=False), "has no start date"),
            (self._line("SL-BAD-7", client=priced_out), "has no sale price"),
        ]
        contracts = self.Contract.search_count([])
        for line, reason in cases:
            with self.subTest(line=line.service_line_number), self.assertRaises(UserError) as err:
                line.action_start_billing()
            self.assertIn(reason, str(err.exception))
            self.assertFalse(line.contract_line_id)
        self.assertEqual(self.Contract.search_count([]), contracts)
        # A line billed already is not billed twice.
        line = self._line("SL-BAD-5")
        line.action_start_billing()
        with self.assertRaises(UserError):
            line.action_start_billing()
        self.assertEqual(len(line.billing_contract_id.contract_line_ids), 1)

    # ------------------------------------------------------------------ roles

    def test_roles(self):
        line = self._line("SL-BILL-11")
        technician = new_test_user(
            self.env,
            login="billing_technician",
            groups="starlink_base.starlink_base_group_technician",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        for user in (self.viewer, technician):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                line.with_user(user).action_start_billing()
        self.assertFalse(line.contract_line_id)
        line.with_user(self.sales_user).action_start_billing()
        self.assertTrue(line.contract_line_id)

    def test_only_accountants_post(self):
        """Sales & Support starts the billing; the invoices wait as drafts for accountants."""
        line = self._line("SL-BILL-12")
        seller = new_test_user(
            self.env,
            login="billing_seller",
            groups="sales_team.group_sale_salesman,starlink_base.starlink_base_group_sales",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        accountant = new_test_user(
            self.env,
            login="billing_accountant",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with freeze_time("2026-06-20"):
            line.with_user(seller).action_start_billing()
            self._invoice()
        invoice = self._invoices(line.billing_contract_id)
        self.assertEqual(invoice.state, "draft")
        with self.assertRaises(AccessError):
            invoice.with_user(seller).action_post()
        with self.assertRaises(AccessError):
            invoice.with_user(self.sales_user).action_post()
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(seller).create(
                {"move_type": "out_invoice", "partner_id": self.client.id}
            )
        self.assertEqual(invoice.state, "draft")
        invoice.with_user(accountant).action_post()
        self.assertEqual(invoice.state, "posted")
