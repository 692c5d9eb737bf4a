"""A line's billing day is its company's, whoever computes it (README of starlink_base).

The company is in Auckland, its client in Los Angeles, its salesperson in Brussels. At 11:30
UTC on 30 November 2026 it is already 1 December (00:30) for the company, still 30 November
for the client (03:30) and the salesperson (12:30): the quote the client confirms, the check
when the salesperson approves, the bill and the line's cycle all count from 1 December.
"""

from datetime import date

from odoo import fields
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.tests import tagged

from .common_starlink import StarlinkPortalSimCase


@tagged("post_install", "-at_install")
class TestPortalRequestTimeZones(StarlinkPortalSimCase):
    frozen_now = "2026-11-30 11:30:00"
    company_tz = "Pacific/Auckland"
    portal_tz = "America/Los_Angeles"
    sales_tz = "Europe/Brussels"

    def setUp(self):
        super().setUp()
        self.assertEqual(self.today, date(2026, 12, 1))
        for user in (self.portal_user, self.sales):
            users_day = fields.Date.context_today(self.cheap_line.with_user(user))
            self.assertEqual(users_day, date(2026, 11, 30), user.login)

    def approve(self, request):
        """The salesperson approves ``request`` from the backend, in his time zone."""
        request.with_user(self.sales).with_context(tz=self.sales_tz).action_approve()

    def test_upgrade_is_quoted_approved_and_billed_on_the_company_day(self):
        line = self.cheap_line
        contract = self.start_billing(line)
        start, end = cycle_bounds(line.billing_day, self.today)
        # The cycle as the client and the salesperson read it: the company's.
        for user in (self.portal_user, self.sales):
            as_user = line.with_user(user).with_context(tz=user.tz).sudo()
            as_user.invalidate_recordset()
            self.assertRecordValues(
                as_user,
                [
                    {
                        "cycle_start_date": start,
                        "cycle_end_date": end,
                        "cycle_days_left": (end - self.today).days + 1,
                    }
                ],
            )
        request = self.ask(line, "/plan-change", plan_id=self.plans["SL-LP-2TB"].id)
        days_left, cycle_days = (end - self.today).days + 1, (end - start).days + 1
        self.assertEqual(request.effective_date, self.today)
        self.assertAlmostEqual(request.amount_now, round(150.0 * days_left / cycle_days, 2))

        self.approve(request)
        self.assertEqual(request.client_state, "done")
        upgrade = contract.contract_line_ids.filtered("starlink_upgrade_from_id")
        self.assertEqual((upgrade.date_start, upgrade.date_end), (self.today, end))
        invoice = contract.recurring_create_invoice()
        self.assertEqual(invoice.invoice_line_ids.price_subtotal, request.amount_now)

    def test_top_up_is_billed_on_the_company_day(self):
        contract = self.start_billing(self.cheap_line)
        request = self.ask(self.cheap_line, "/top-up", blocks=1)
        self.assertEqual(request.effective_date, self.today)
        self.approve(request)
        one_off = contract.contract_line_ids.filtered("starlink_one_off")
        self.assertRecordValues(
            one_off, [{"date_start": self.today, "price_unit": 25.0, "starlink_topup_gb": 50.0}]
        )
