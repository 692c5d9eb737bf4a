"""A client's whole path, from an opportunity to a paid invoice (issue 8, "Done when").

Opportunity → quotation (kit, plan, installation) → confirm → the kit received and
delivered with its serial → activated at Starlink (the simulator, over HTTP) → billing:
the first period, the overage of the first cycle on the second invoice, an upgrade within a
cycle (both plans prorated), a downgrade at the next cycle, a data top-up charged once →
posted by an accountant → the last invoice left unpaid past the grace days → suspended (opted
out of priority data at Starlink, the client mailed) → paid → resumed (opted in again, the
client mailed). Every amount is checked by hand in the comments.

Odoo's clock (``freeze_time``) and the simulator's clock (``/_sim/clock``) move together.
"""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.addons.starlink_base.tests.common_sale import StarlinkSaleCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import SIM_CLIENT_ID, SIM_CLIENT_SECRET, SimulatorProcess

KIT = "KIT77000042"


@tagged("post_install", "-at_install")
class TestWholePath(StarlinkSaleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.simulator = SimulatorProcess(terminals=2)
        cls.addClassCleanup(cls.simulator.stop)
        config = cls.simulator.control("GET", "config")
        cls.account.write(
            {
                "account_number": config["account_number"],
                "api_base_url": f"{cls.simulator.url}/api",
                "token_url": f"{cls.simulator.url}/api/auth/connect/token",
                "client_id": SIM_CLIENT_ID,
                "client_secret": SIM_CLIENT_SECRET,
            }
        )
        us = cls.env.ref("base.us")
        cls.client.country_id = us
        cls.site.country_id = us
        # The simulator's plans, 50 GB and 1 TB, at Starlink's prices (cost) and ours; no taxes
        # (the amounts stay legible).
        cls.plan.write(
            {
                "name": "Priority 50 GB",
                "starlink_product_reference": "SL-LP-50GB",
                "starlink_data_limit_gb": 50.0,
                "starlink_overage_price_gb": 2.0,
                "list_price": 100.0,
                "standard_price": 65.0,  # Starlink's price: what it costs the reseller
                "taxes_id": [Command.clear()],
            }
        )
        cls.big_plan = cls.env["product.product"].create(
            {
                "name": "Priority 1 TB",
                "type": "service",
                "is_starlink_plan": True,
                "starlink_product_reference": "SL-LP-1TB",
                "starlink_data_limit_gb": 1000.0,
                "starlink_overage_price_gb": 1.0,
                "list_price": 200.0,
                "standard_price": 165.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.block = cls.env["product.product"].create(
            {"name": "Data block 50 GB", "type": "service", "list_price": 15.0,
             "taxes_id": [Command.clear()]}
        )  # fmt: skip
        (cls.kit | cls.installation).write({"taxes_id": [Command.clear()]})
        company = {"company_id": cls.company.id, "company_ids": [cls.company.id]}
        cls.sales_user = new_test_user(
            cls.env,
            login="path_sales",
            groups="sales_team.group_sale_salesman,starlink_base.starlink_base_group_sales",
            **company,
        )
        cls.accountant = new_test_user(
            cls.env, login="path_accountant", groups="account.group_account_invoice", **company
        )
        cls.client.email = "office@barn.example.com"
        cls.company.write(
            {"starlink_nonpayment_grace_days": 15, "starlink_nonpayment_action": "opt_out"}
        )
        # Only this company's lines are judged (the demo has an overdue client of its own).
        cls.env["res.company"].search([("id", "!=", cls.company.id)]).write(
            {"starlink_nonpayment_enabled": False}
        )

    # ------------------------------------------------------------------ helpers

    def at(self, day):
        """Odoo's and the simulator's clocks at 09:00 UTC on ``day`` (an ISO date)."""
        self.simulator.control("POST", "clock", {"now": f"{day}T09:00:00Z", "speed": 0})
        return freeze_time(f"{day} 09:00:00")

    def as_sales(self, record):
        return record.with_user(self.sales_user)

    def invoice_run(self):
        self.env["contract.contract"].cron_recurring_create_invoice()

    def invoices(self):
        return self.contract._get_related_invoices().sorted("id")

    def lines_of(self, invoice):
        return [
            (line.name, line.quantity, line.price_subtotal) for line in invoice.invoice_line_ids
        ]

    def usage(self, day, priority, opt_in):
        self.env["starlink.usage.daily"]._upsert([(self.line.id, day, priority, opt_in, 0.0, 0.0)])

    def operations(self):
        return self.simulator.control("GET", "operations")

    def opt_calls(self):
        return [change["optIn"] for change in self.operations()["opt_changes"]]

    def pay(self, invoices):
        self.env["account.payment.register"].with_user(self.accountant).with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({"group_payment": False})._create_payments()
        self.assertEqual(set(invoices.mapped("payment_state")) - {"in_payment"}, {"paid"})

    def suspension_run(self):
        return self.env["starlink.service.line"]._cron_suspend_overdue()

    def client_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "starlink.service.line"), ("res_id", "=", self.line.id),
             ("recipient_ids", "in", self.client.ids)], order="id",
        )  # fmt: skip

    # ------------------------------------------------------------------ the path

    def test_opportunity_to_paid_invoice(self):
        with self.at("2026-07-10"):
            self.sell_deliver_and_activate()
            self.start_billing()
        with self.at("2026-08-10"):
            self.second_invoice_with_overage()
        with self.at("2026-08-20"):
            self.upgrade_mid_cycle()
        with self.at("2026-09-10"):
            self.invoice_run()
            # The cycle 10 September - 9 October at the 1 TB plan; no overage under 1 TB.
            self.assertEqual(
                self.lines_of(self.invoices()[-1]),
                [(f"{self.number}: Priority 1 TB, 09/10\u201310/09", 1.0, 200.0)],
            )
        with self.at("2026-09-15"):
            self.downgrade_at_next_cycle()
        with self.at("2026-09-20"):
            self.top_up_charged_once()
        with self.at("2026-10-10"):
            self.invoice_run()
            # The downgrade took effect: the cycle 10 October - 9 November at 50 GB.
            self.assertEqual(
                self.lines_of(self.invoices()[-1]),
                [(f"{self.number}: Priority 50 GB, 10/10\u201311/09", 1.0, 100.0)],
            )
            self.post_as_accountant()
        with self.at("2026-10-12"):
            self.pay(self.invoices()[:-1])
        with self.at("2026-10-25"):
            # Due on 10 October (no payment terms), 15 grace days: not yet.
            self.assertEqual(self.suspension_run()["suspended"], 0)
            self.assertEqual(self.line.state, "active")
        with self.at("2026-10-26"):
            self.suspended_for_non_payment()
        with self.at("2026-10-28"):
            self.paid_and_resumed()

    # ------------------------------------------------------------------ steps

    def sell_deliver_and_activate(self):
        order = self._order(env=self.env(user=self.sales_user))
        self.assertTrue(order.opportunity_id)
        order.action_confirm()
        line = order.starlink_service_line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual((line.state, line.partner_id), ("draft", self.client))
        self.assertTrue(line.service_line_number.startswith("NEW-"))
        self.assertEqual(line.product_id, self.plan)

        self._receive([KIT])
        terminal = self._terminal(KIT)
        self.assertEqual(terminal.inventory_state, "in_stock")
        self._deliver(order.picking_ids, [KIT])
        self.assertEqual(terminal.service_line_id, line)
        self.assertEqual(terminal.inventory_state, "deployed")

        wizard = self.as_sales(self.env["starlink.activation.wizard"]).create(
            {"service_line_id": line.id, "latitude": 45.6770, "longitude": -111.0429}
        )
        self.assertEqual(wizard.terminal_id, terminal)
        wizard.action_confirm()
        operations = self.operations()
        self.assertEqual(len(operations["created_service_lines"]), 1)
        self.number = operations["created_service_lines"][0]
        self.assertEqual(line.service_line_number, self.number)
        self.assertEqual(line.state, "active")
        self.assertEqual((line.date_start, line.billing_day), (date(2026, 7, 10), 10))
        self.assertFalse(terminal.user_terminal_id.startswith("NEW-"))
        self.line = line.with_env(self.env)  # checked as the administrator from here on

    def start_billing(self):
        self.as_sales(self.line).action_start_billing()
        self.contract = self.line.billing_contract_id
        self.assertEqual(self.contract.partner_id, self.client)
        self.invoice_run()
        self.invoice_run()  # twice the same day: billed once
        [first] = self.invoices()
        # Starlink starts a line's cycle on its start date (billing day 10): the first period
        # is the whole cycle 10 July - 9 August, billed in advance.
        self.assertEqual(
            self.lines_of(first), [(f"{self.number}: Priority 50 GB, 07/10\u201308/09", 1.0, 100.0)]
        )
        self.assertEqual(first.state, "draft")

    def second_invoice_with_overage(self):
        # The first cycle: 48 GB priority, then 12 GB more of which 12 GB opted in. 60 GB
        # priority against the 50 GB limit, 12 GB opt-in: overage = min(12, 60 - 50) = 10 GB.
        self.usage(date(2026, 7, 20), 48.0, 0.0)
        self.usage(date(2026, 8, 5), 12.0, 12.0)
        self.invoice_run()
        second = self.invoices()[-1]
        self.assertEqual(len(self.invoices()), 2)
        self.assertEqual(
            self.lines_of(second),
            [
                (f"{self.number}: Priority 50 GB, 08/10\u201309/09", 1.0, 100.0),
                (f"{self.number}: overage 10.0 GB beyond 50 GB, 07/10\u201308/09", 10.0, 20.0),
            ],
        )

    def upgrade_mid_cycle(self):
        wizard = self.as_sales(self.env["starlink.plan.change.wizard"]).create(
            {"service_line_id": self.line.id, "product_id": self.big_plan.id}
        )
        self.assertTrue(wizard.is_upgrade)
        wizard.action_confirm()
        [change] = self.operations()["plan_changes"]
        self.assertTrue(change["immediate"])
        self.assertEqual(self.line.product_id, self.big_plan, "an upgrade applies at once")
        # Starlink prorates both plans in the cycle 10 August - 9 September.
        client = self.account._starlink_client()
        periods = client.get_partial_periods(self.number)
        self.assertEqual(
            [
                (p["productReferenceId"], p["periodStart"][:10], p["periodEnd"][:10])
                for p in periods
            ],
            [("SL-LP-50GB", "2026-08-10", "2026-08-19"), ("SL-LP-1TB", "2026-08-20", "2026-09-09")],
        )
        self.invoice_run()
        # 20 August - 9 September is 21 days of the 31-day cycle, invoiced at 100.00 already:
        # the difference (200 - 100) × 21 / 31 = 67.74.
        upgrade = self.invoices()[-1]
        self.assertEqual(len(self.invoices()), 3)
        self.assertEqual(
            self.lines_of(upgrade),
            [(f"{self.number}: upgrade Priority 50 GB \u2192 Priority 1 TB, 08/20\u201309/09",
              1.0, 67.74)],
        )  # fmt: skip

    def downgrade_at_next_cycle(self):
        wizard = self.as_sales(self.env["starlink.plan.change.wizard"]).create(
            {"service_line_id": self.line.id, "product_id": self.plan.id}
        )
        self.assertFalse(wizard.is_upgrade)
        wizard.action_confirm()
        downgrade = self.operations()["plan_changes"][-1]
        self.assertFalse(downgrade["immediate"])
        at_starlink = self.account._starlink_client().get_service_line(self.number)
        self.assertEqual(at_starlink["productReferenceId"], "SL-LP-1TB")
        self.assertEqual(at_starlink["delayedProductId"], "SL-LP-50GB")
        invoices = len(self.invoices())
        self.invoice_run()
        self.assertEqual(len(self.invoices()), invoices, "the invoiced cycle stays as it is")

    def top_up_charged_once(self):
        wizard = self.as_sales(self.env["starlink.top.up.wizard"]).create(
            {"service_line_id": self.line.id, "block_count": 1, "product_id": self.block.id}
        )
        wizard.action_confirm()
        with self.assertRaisesRegex(UserError, "never sent twice"):
            wizard.action_confirm()  # a double click
        self.assertEqual(len(self.operations()["charges"]), 1)
        self.invoice_run()
        self.invoice_run()
        top_up = self.invoices()[-1]
        self.assertEqual(
            self.lines_of(top_up), [(f"{self.number}: Data block 50 GB, 09/20", 1.0, 15.0)]
        )
        self.assertEqual(
            sum(len(invoice.invoice_line_ids) for invoice in self.invoices()), 6, "billed once"
        )

    def post_as_accountant(self):
        invoices = self.invoices()
        self.assertEqual(
            invoices.mapped("amount_untaxed"), [100.0, 120.0, 67.74, 200.0, 15.0, 100.0]
        )
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        with self.assertRaises(AccessError):
            invoices[0].with_user(self.sales_user).action_post()
        self.assertEqual(invoices[0].state, "draft")
        invoices.with_user(self.accountant).action_post()
        self.assertEqual(set(invoices.mapped("state")), {"posted"})

    def suspended_for_non_payment(self):
        # The client had opted in to priority data past the limit at Starlink.
        self.account._starlink_client().opt_in_priority_data(self.number)
        self.simulator.control("POST", "clock", {"advance_s": 86400 + 1})  # opt-in cool-down
        unpaid = self.invoices()[-1]
        self.assertEqual(unpaid.payment_state, "not_paid")
        self.assertEqual(self.suspension_run()["suspended"], 1)
        self.assertEqual(self.suspension_run()["suspended"], 0, "suspended once")
        self.assertEqual(self.line.state, "suspended")
        self.assertEqual(self.line.nonpayment_invoice_ids, unpaid)
        self.assertEqual(self.opt_calls(), [True, False], "opted out once")
        [mail] = self.client_mails()
        self.assertIn(unpaid.name, mail.body_html)
        self.assertTrue(
            any("Suspended for non-payment" in (m.body or "") for m in self.line.message_ids)
        )

    def paid_and_resumed(self):
        self.simulator.control("POST", "clock", {"advance_s": 86400 + 1})
        self.pay(self.invoices()[-1])
        self.assertEqual(self.line.state, "active", "resumed by the payment")
        self.assertFalse(self.line.nonpayment_date)
        self.suspension_run()  # sends the opt-in the payment recorded
        self.suspension_run()
        self.assertEqual(self.opt_calls(), [True, False, True], "opted in again, once")
        mails = self.client_mails()
        self.assertEqual(len(mails), 2)
        self.assertIn("Payment received", mails[-1].subject)
