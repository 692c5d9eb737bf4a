"""The upgrade quote a client sees, with Odoo's clock pinned on the days where billing cycles
are easy to get wrong: a month's last day (also late in the evening, when Europe is already
on the next day), a billing day, the day before one, February, the 31st.

An upgrade bills the price difference for the rest of the current cycle, the day of the
change included: ``difference × days left / days of the cycle`` (README, ``lib/requests.py``).
The day is the line's company's (``_starlink_today``): it has no time zone here, so UTC's.
"""

from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common_requests import StarlinkPortalRequestCase

# (instant, billing day, cycle start, cycle end, days billed, days of the cycle, amount) for
# 100.00 → 200.00 (a difference of 100.00), every figure worked out by hand.
CASES = [
    # 30 November (a 30-day month's last day), billed on the 6th: cycle 6 November -
    # 5 December (30 days), 6 days left: 100 × 6 / 30 = 20.00, at noon and at 23:30 UTC.
    ("2026-11-30 12:00:00", 6, date(2026, 11, 6), date(2026, 12, 5), 6, 30, 20.0),
    ("2026-11-30 23:30:00", 6, date(2026, 11, 6), date(2026, 12, 5), 6, 30, 20.0),
    # Billed on the 31st: 30 November is its clamped billing day, a whole cycle of 31 days.
    ("2026-11-30 12:00:00", 31, date(2026, 11, 30), date(2026, 12, 30), 31, 31, 100.0),
    # On a billing day: the whole cycle.
    ("2027-03-15 12:00:00", 15, date(2027, 3, 15), date(2027, 4, 14), 31, 31, 100.0),
    # The day before a billing day: 1 of the 28 days of 15 February - 14 March: 3.57.
    ("2027-03-14 12:00:00", 15, date(2027, 2, 15), date(2027, 3, 14), 1, 28, 3.57),
    # February, billed on the 1st: 19 of 28 days, 100 × 19 / 28 = 67.857… → 67.86.
    ("2027-02-10 12:00:00", 1, date(2027, 2, 1), date(2027, 2, 28), 19, 28, 67.86),
    # February, billed on the 31st: 28 February starts a cycle to 30 March (31 days) ...
    ("2027-02-28 12:00:00", 31, date(2027, 2, 28), date(2027, 3, 30), 31, 31, 100.0),
    # ... and 27 February ends the one from 31 January (28 days): 3.57.
    ("2027-02-27 12:00:00", 31, date(2027, 1, 31), date(2027, 2, 27), 1, 28, 3.57),
    # 29 February 2028, billed on the 29th: a whole cycle, to 28 March (29 days).
    ("2028-02-29 12:00:00", 29, date(2028, 2, 29), date(2028, 3, 28), 29, 29, 100.0),
    # The 31st, billed on the 5th: 5 of 31 days (to 4 January), 100 × 5 / 31 = 16.13.
    ("2026-12-31 12:00:00", 5, date(2026, 12, 5), date(2027, 1, 4), 5, 31, 16.13),
    # The 31st, billed on the 30th: cycle 30 March - 29 April (31 days), 30 left: 96.77.
    ("2027-03-31 12:00:00", 30, date(2027, 3, 30), date(2027, 4, 29), 30, 31, 96.77),
]


@tagged("post_install", "-at_install")
class TestPortalRequestDates(StarlinkPortalRequestCase):
    def test_upgrade_quote_on_pinned_days(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        for number, (instant, billing_day, start, end, days, cycle_days, amount) in enumerate(
            CASES
        ):
            today = date.fromisoformat(instant[:10])
            with self.subTest(instant=instant, billing_day=billing_day), freeze_time(instant):
                line = self._line(
                    f"SLP-A-09{number:02d}", self.client_a, f"Dates {number}",
                    billing_day=billing_day, date_start=date(2026, 1, 1),
                    product_id=self.small.id,
                )  # fmt: skip
                self._bill(line, 100.0, end)  # invoiced in advance to the cycle's end
                # As the controller reads it: the portal user's environment, then sudo.
                client_line = line.with_user(self.user_a).sudo()
                client_line.invalidate_recordset()
                self.assertEqual(
                    (client_line.cycle_start_date, client_line.cycle_end_date),
                    (start, end),
                )
                self.assertEqual(client_line.cycle_days_left, days)
                [option] = client_line._portal_plan_options(self.big)
                quote = option["quote"]
                self.assertEqual(quote.effective_date, today)
                self.assertEqual((quote.first_day, quote.last_day), (today, end))
                self.assertEqual((quote.days, quote.cycle_days), (days, cycle_days))
                self.assertEqual(option["amount_now"], amount)
                # What the client is shown before confirming.
                response = self.get(self.line_url(line, "/plan-change", plan_id=self.big.id))
                self.assertEqual(response.status_code, 200, response.text[:300])
                form = self.form_values(response.text, "o_starlink_request_confirm")
                self.assertEqual(form["amount_shown"], f"{amount:.2f}")
