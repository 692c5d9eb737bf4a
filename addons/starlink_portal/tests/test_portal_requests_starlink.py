"""Portal requests approved by sales reach Starlink once and are billed as the backend path
bills them (the simulator, over HTTP, is the judge: ``/_sim/operations``).

Odoo's clock (``freeze_time``) and the simulator's (``/_sim/clock``) are pinned together on a
month's last day, late in the evening (UTC), when the superuser's time zone (OdooBot's,
Europe/Brussels) is already on the next day: the company (no time zone, UTC) is not, and its
day is the one quoted and billed (``test_portal_request_time_zones`` puts everyone in a
different time zone).
"""

from datetime import date

from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_starlink import StarlinkPortalSimCase


@tagged("post_install", "-at_install")
class TestPortalRequestsAtStarlink(StarlinkPortalSimCase):
    frozen_now = "2026-11-30 23:30:00"  # UTC: 1 December 00:30 in Brussels

    def setUp(self):
        super().setUp()
        # The company's day (it has no time zone: UTC's), the one quotes and billing count
        # from: not the superuser's.
        self.assertEqual(self.today, date(2026, 11, 30))

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
