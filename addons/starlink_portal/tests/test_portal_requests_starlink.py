"""Portal requests approved by sales reach Starlink once and are billed as the backend path
bills them (the simulator, over HTTP, is the judge: ``/_sim/operations``).

Odoo's clock (``freeze_time``) and the simulator's (``/_sim/clock``) are pinned together on a
month's last day, late in the evening (UTC), when the superuser's time zone (OdooBot's,
Europe/Brussels) is already on the next day: the client and the salesperson (no time zone,
UTC) are not, and their day is the one quoted and billed.
"""

from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.addons.starlink_telemetry.tests.common import (
    SIM_CLIENT_ID,
    SIM_CLIENT_SECRET,
    SimulatorProcess,
)
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common_requests import StarlinkPortalRequestCase


@tagged("post_install", "-at_install")
class TestPortalRequestsAtStarlink(HttpCase):
    frozen_now = "2026-11-30 23:30:00"  # UTC: 1 December 00:30 in Brussels

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.simulator = SimulatorProcess(terminals=6)
        cls.addClassCleanup(cls.simulator.stop)
        cls.simulator.control(
            "POST", "clock", {"now": cls.frozen_now.replace(" ", "T") + "Z", "speed": 0}
        )
        freezer = freeze_time(cls.frozen_now)
        freezer.start()
        cls.addClassCleanup(freezer.stop)
        config = cls.simulator.control("GET", "config")
        cls.account = cls.env["starlink.account"].create(
            {
                "name": "Portal requests at Starlink",
                "account_number": config["account_number"],
                "company_id": cls.company.id,
                "api_base_url": f"{cls.simulator.url}/api",
                "token_url": f"{cls.simulator.url}/api/auth/connect/token",
                "client_id": SIM_CLIENT_ID,
                "client_secret": SIM_CLIENT_SECRET,
                "telemetry_linger_ms": 0,
            }
        )
        cls.account._sync_inventory()
        cls.env["product.product"].search([("starlink_top_up_block", "=", True)]).write(
            {"starlink_top_up_block": False}
        )
        plans = cls.env["product.product"].with_context(active_test=False)
        prices = {"SL-LP-50GB": 100.0, "SL-LP-1TB": 180.0, "SL-LP-2TB": 250.0}
        cls.plans = {}
        for reference, price in prices.items():
            plan = plans.search([("starlink_product_reference", "=", reference)], limit=1)
            plan.write(
                {"list_price": price, "starlink_portal_offered": True, "active": True,
                 "sale_ok": True, "taxes_id": [Command.clear()]}
            )  # fmt: skip
            cls.plans[reference] = plan
        cls.block = cls.env["product.product"].create(
            {"name": "Data Block 50 GB (portal test)", "type": "service", "list_price": 25.0,
             "starlink_top_up_block": True, "taxes_id": [Command.clear()]}
        )  # fmt: skip
        cls.sales = new_test_user(
            cls.env, login="sl_portal_sim_sales", groups="starlink_base.starlink_base_group_sales",
            company_id=cls.company.id, company_ids=[cls.company.id],
        )  # fmt: skip
        cls.client = cls.env["res.partner"].create(
            {"name": "Portal Sim Client", "is_company": True, "user_id": cls.sales.id,
             "country_id": cls.env.ref("base.us").id, "email": "sim.client@example.com"}
        )  # fmt: skip
        contact = cls.env["res.partner"].create(
            {
                "name": "Sim Contact",
                "parent_id": cls.client.id,
                "email": "sl_portal_sim@example.com",
            }
        )
        cls.portal_user = new_test_user(
            cls.env, login="sl_portal_sim", password="sl_portal_sim", groups="base.group_portal",
            partner_id=contact.id, company_id=cls.company.id, company_ids=[cls.company.id],
        )  # fmt: skip
        lines = cls.env["starlink.service.line"].search(
            [("account_id", "=", cls.account.id), ("state", "=", "active")]
        )
        cls.cheap_line = lines.filtered(lambda ln: ln.product_id == cls.plans["SL-LP-50GB"])[:1]
        cls.mid_line = lines.filtered(lambda ln: ln.product_id == cls.plans["SL-LP-1TB"])[:1]
        (cls.cheap_line | cls.mid_line).partner_id = cls.client

    def setUp(self):
        super().setUp()
        self.assertTrue(self.cheap_line and self.mid_line, "the simulator's fleet changed")
        self.simulator.reset()
        self.account._starlink_client().invalidate_token()
        # The client's day, the one his quote counts from (and the salesperson's, the one
        # billing bills from): not the superuser's.
        self.today = fields.Date.context_today(self.cheap_line.with_user(self.portal_user))
        self.assertEqual(self.today, date(2026, 11, 30))
        sales_day = fields.Date.context_today(self.cheap_line.with_user(self.sales))
        self.assertEqual(sales_day, self.today)

    # ------------------------------------------------------------------ helpers

    def operations(self):
        return self.simulator.control("GET", "operations")

    def start_billing(self, line):
        """Bill ``line`` from the start of its current cycle, invoiced in advance to its end.

        The line's billing day is Starlink's (the day its current cycle started there): the
        inventory sync leaves it at its default.
        """
        reading = self.account._starlink_client().get_service_line(line.service_line_number)
        cycle = reading["dataBlocks"]["recurringBlocksCurrentBillingCycle"][0]
        line.billing_day = fields.Date.to_date(cycle["startDate"][:10]).day
        line.date_start = cycle_bounds(line.billing_day, self.today)[0]
        line.action_start_billing()
        contract = line.contract_line_id.contract_id
        contract.recurring_create_invoice()
        self.assertEqual(
            line.contract_line_id.last_date_invoiced, cycle_bounds(line.billing_day, self.today)[1]
        )
        return contract

    def ask(self, line, suffix, **query):
        """The client confirms a request on ``line`` in the portal; return the request."""
        self.authenticate("sl_portal_sim", "sl_portal_sim")
        url = f"/my/starlink/lines/{line.id}{suffix}"
        review = self.url_open(
            url + "?" + "&".join(f"{k}={v}" for k, v in query.items()), allow_redirects=False
        )
        self.assertEqual(review.status_code, 200, review.text[:300])
        form = StarlinkPortalRequestCase.form_values(review.text, "o_starlink_request_confirm")
        response = self.url_open(url, data=form, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        request = self.env["starlink.portal.request"].search(
            [("service_line_id", "=", line.id)], limit=1
        )
        self.assertEqual(request.state, "to_approve")
        return request

    # ------------------------------------------------------------------ tests

    def test_upgrade_waits_for_approval_then_is_sent_once_and_billed(self):
        contract = self.start_billing(self.cheap_line)
        request = self.ask(self.cheap_line, "/plan-change", plan_id=self.plans["SL-LP-2TB"].id)
        self.assertEqual(self.operations()["plan_changes"], [], "nothing sent before approval")
        start, end = cycle_bounds(self.cheap_line.billing_day, self.today)
        days_left, cycle_days = (end - self.today).days + 1, (end - start).days + 1
        self.assertAlmostEqual(request.amount_now, round(150.0 * days_left / cycle_days, 2))

        request.with_user(self.sales).action_approve()
        [change] = self.operations()["plan_changes"]
        self.assertEqual((change["fromProduct"], change["toProduct"]), ("SL-LP-50GB", "SL-LP-2TB"))
        self.assertTrue(change["immediate"])
        sent = request.api_request_id
        self.assertEqual(
            (sent.kind, sent.state, sent.portal_request_id), ("plan_change", "confirmed", request)
        )
        self.assertEqual(sent.requested_by_id, self.sales)
        self.assertEqual(request.client_state, "done")
        self.assertEqual(self.cheap_line.product_id, self.plans["SL-LP-2TB"], "applied at once")
        # Billed as the backend path bills it: the difference for the rest of the cycle, on
        # the next invoice, at the amount the client saw.
        upgrade = contract.contract_line_ids.filtered("starlink_upgrade_from_id")
        self.assertEqual(upgrade.specific_price, 150.0)
        self.assertEqual((upgrade.date_start, upgrade.date_end), (self.today, end))
        invoice = contract.recurring_create_invoice()
        self.assertEqual(invoice.invoice_line_ids.price_subtotal, request.amount_now)
        # Approving again sends nothing.
        with self.assertRaises(UserError):
            request.with_user(self.sales).action_approve()
        self.assertEqual(len(self.operations()["plan_changes"]), 1)
        page = self.url_open(f"/my/starlink/lines/{self.cheap_line.id}")
        self.assertIn('data-state="done"', page.text)

    def test_downgrade_is_sent_for_the_next_cycle(self):
        contract = self.start_billing(self.mid_line)
        request = self.ask(self.mid_line, "/plan-change", plan_id=self.plans["SL-LP-50GB"].id)
        end = cycle_bounds(self.mid_line.billing_day, self.today)[1]
        self.assertRecordValues(request, [{"is_upgrade": False, "amount_now": 0.0}])
        request.with_user(self.sales).action_approve()
        [change] = self.operations()["plan_changes"]
        self.assertFalse(change["immediate"])
        self.assertEqual(change["effectiveDate"][:10], str(request.effective_date))
        self.assertEqual(self.mid_line.product_id, self.plans["SL-LP-1TB"], "until the next cycle")
        main = self.mid_line.contract_line_id
        self.assertEqual(main.product_id, self.plans["SL-LP-50GB"])
        self.assertEqual(main.starlink_plan_since, request.effective_date)
        self.assertGreater(request.effective_date, end)
        self.assertFalse(contract.contract_line_ids.filtered("starlink_upgrade_from_id"))
        self.assertEqual(request.client_state, "scheduled")
        page = self.url_open(f"/my/starlink/lines/{self.mid_line.id}")
        self.assertIn('data-state="scheduled"', page.text)

    def test_top_up_is_charged_once_and_billed_once(self):
        contract = self.start_billing(self.cheap_line)
        request = self.ask(self.cheap_line, "/top-up", blocks=2)
        self.assertEqual(self.operations()["charges"], [])
        request.with_user(self.sales).action_approve()
        [charge] = self.operations()["charges"]
        self.assertEqual((charge["productId"], charge["count"]), ("SL-LP-50GB-TOPUP", 2))
        one_off = contract.contract_line_ids.filtered("starlink_one_off")
        self.assertRecordValues(
            one_off, [{"product_id": self.block.id, "price_unit": 50.0, "starlink_topup_gb": 100.0}]
        )
        self.assertEqual(request.amount_now, 50.0)
        with self.assertRaises(UserError):
            request.with_user(self.sales).action_approve()
        self.assertEqual(len(self.operations()["charges"]), 1)

    def test_declined_request_is_never_sent(self):
        self.start_billing(self.cheap_line)
        request = self.ask(self.cheap_line, "/top-up", blocks=1)
        request.with_user(self.sales).action_refuse()
        self.assertEqual(request.client_state, "refused")
        self.assertEqual(self.operations()["charges"], [])
        self.assertFalse(
            self.env["starlink.api.request"].search([("service_line_id", "=", self.cheap_line.id)])
        )
