"""A line's billing day is its company's, whoever reads it: on 30 November 2026 at 11:30 UTC
it is already 1 December (00:30) in Auckland, still 30 November in Los Angeles and Brussels."""

from datetime import date

from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import StarlinkCase

INSTANT = "2026-11-30 11:30:00"
COMPANY_DAY = date(2026, 12, 1)  # Pacific/Auckland, UTC+13
USERS_DAY = date(2026, 11, 30)  # Los Angeles (03:30), Brussels (12:30), UTC (11:30)


@tagged("post_install", "-at_install")
class TestBillingDayTimeZone(StarlinkCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Pacific/Auckland"
        cls.line.billing_day = 1
        cls.users = [
            new_test_user(
                cls.env,
                login=f"sl_tz_{name}",
                tz=tz,
                groups="starlink_base.starlink_base_group_sales",
                company_id=cls.company.id,
                company_ids=[cls.company.id],
            )
            for name, tz in (("la", "America/Los_Angeles"), ("brussels", "Europe/Brussels"))
        ]

    def test_cycle_is_counted_in_the_company_time_zone(self):
        with freeze_time(INSTANT):
            for user in self.users:
                with self.subTest(user=user.login):
                    line = self.line.with_user(user).with_context(tz=user.tz)
                    line.invalidate_recordset()
                    self.assertEqual(fields.Date.context_today(line), USERS_DAY)
                    self.assertEqual(line._starlink_today(), COMPANY_DAY)
                    self.assertRecordValues(
                        line,
                        [
                            {
                                "cycle_start_date": COMPANY_DAY,
                                "cycle_end_date": date(2026, 12, 31),
                                "cycle_days_left": 31,
                            }
                        ],
                    )

    def test_company_without_time_zone_counts_in_utc(self):
        self.other_company.partner_id.tz = False
        self.foreign_line.billing_day = 1
        self.env.invalidate_all()
        with freeze_time(INSTANT):
            self.assertEqual(self.foreign_line._starlink_today(), USERS_DAY)
            self.assertEqual(self.foreign_line.cycle_start_date, date(2026, 11, 1))
            self.assertEqual(self.foreign_line.cycle_days_left, 1)

    def test_pinned_day_wins(self):
        with freeze_time(INSTANT):
            line = self.line.with_context(starlink_date=date(2026, 11, 15))
            self.assertEqual(line._starlink_today(), date(2026, 11, 15))
            self.assertEqual(line.cycle_start_date, date(2026, 11, 1))

    def test_activation_and_cancellation_dates_are_the_company_day(self):
        line = self._create_line(self.account, self.client, "SL-A-TZ", billing_day=1)
        with freeze_time(INSTANT):
            line.with_user(self.users[0]).sudo().action_activate()
            self.assertEqual(line.date_start, COMPANY_DAY)
            line.with_user(self.users[1]).sudo().action_cancel()
            self.assertEqual(line.date_end, COMPANY_DAY)
