from datetime import date

from odoo.tests import tagged

from ..lib.billing_cycle import cycle_bounds
from .common import StarlinkCase


@tagged("post_install", "-at_install")
class TestBillingCycle(StarlinkCase):
    def _cycle(self, billing_day, today):
        self.line.billing_day = billing_day
        line = self.line.with_context(starlink_date=today)
        return line.cycle_start_date, line.cycle_end_date, line.cycle_days_left

    def test_cycle_mid_month(self):
        self.assertEqual(
            self._cycle(15, date(2026, 5, 20)), (date(2026, 5, 15), date(2026, 6, 14), 26)
        )

    def test_cycle_before_billing_day_starts_previous_month(self):
        self.assertEqual(
            self._cycle(15, date(2026, 5, 3)), (date(2026, 4, 15), date(2026, 5, 14), 12)
        )

    def test_cycle_on_billing_day_starts_today(self):
        self.assertEqual(
            self._cycle(10, date(2026, 5, 10)), (date(2026, 5, 10), date(2026, 6, 9), 31)
        )

    def test_day_31_in_february_clamps_to_last_day(self):
        start, end, _left = self._cycle(31, date(2026, 2, 28))
        self.assertEqual((start, end), (date(2026, 2, 28), date(2026, 3, 30)))

    def test_day_30_in_leap_february(self):
        start, end, _left = self._cycle(30, date(2028, 2, 29))
        self.assertEqual((start, end), (date(2028, 2, 29), date(2028, 3, 29)))

    def test_day_29_in_common_february(self):
        start, end, left = self._cycle(29, date(2027, 2, 28))
        self.assertEqual((start, end, left), (date(2027, 2, 28), date(2027, 3, 28), 29))

    def test_day_31_across_year_end(self):
        start, end, _left = self._cycle(31, date(2027, 1, 5))
        self.assertEqual((start, end), (date(2026, 12, 31), date(2027, 1, 30)))

    def test_last_day_of_cycle_has_one_day_left(self):
        self.assertEqual(self._cycle(1, date(2026, 4, 30))[2], 1)

    def test_cycle_usage_and_percent(self):
        Usage = self.env["starlink.usage.daily"]
        self.line.billing_day = 10
        for day, gb in ((9, 50.0), (10, 20.0), (25, 5.5), (31, 4.5)):
            Usage.create(
                {
                    "service_line_id": self.line.id,
                    "date": date(2026, 5, day),
                    "priority_gb": gb,
                    "standard_gb": 7.0,
                    "non_billable_gb": 3.0,
                }
            )
        # 2026-06-10 starts the next cycle: not counted.
        Usage.create(
            {"service_line_id": self.line.id, "date": date(2026, 6, 10), "priority_gb": 99}
        )
        line = self.line.with_context(starlink_date=date(2026, 5, 31))
        # Priority of the 10th, 25th and 31st; standard and non-billable data are apart.
        self.assertAlmostEqual(line.cycle_usage_gb, 30.0)
        self.assertAlmostEqual(line.cycle_usage_percent, 30.0)
        self.assertAlmostEqual(line.cycle_standard_gb, 21.0)
        self.assertAlmostEqual(line.cycle_non_billable_gb, 9.0)

    def test_cycle_usage_without_limit_is_zero_percent(self):
        unlimited = self.env["product.product"].create(
            {"name": "Unlimited", "is_starlink_plan": True, "type": "service"}
        )
        self.line.product_id = unlimited
        self.env["starlink.usage.daily"].create(
            {"service_line_id": self.line.id, "date": date(2026, 5, 2), "priority_gb": 7}
        )
        line = self.line.with_context(starlink_date=date(2026, 5, 3))
        self.assertAlmostEqual(line.cycle_usage_gb, 7.0)
        self.assertEqual(line.cycle_usage_percent, 0.0)

    def test_lib_rejects_invalid_billing_day(self):
        with self.assertRaises(ValueError):
            cycle_bounds(32, date(2026, 1, 1))
