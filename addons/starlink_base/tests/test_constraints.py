from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StarlinkCase


@tagged("post_install", "-at_install")
class TestConstraints(StarlinkCase):
    @mute_logger("odoo.sql_db")
    def test_service_line_number_unique_per_account(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self._create_line(self.account, self.client, "SL-A-1")

    def test_same_service_line_number_in_another_account(self):
        second = self.env["starlink.account"].create(
            {"name": "Second", "account_number": "ACC-A2", "company_id": self.company.id}
        )
        line = self._create_line(second, self.client, "SL-A-1")
        self.assertEqual(line.service_line_number, self.line.service_line_number)

    @mute_logger("odoo.sql_db")
    def test_user_terminal_id_unique(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self._create_terminal(self.other_line, "UT-A-1")

    @mute_logger("odoo.sql_db")
    def test_negative_usage_refused(self):
        for field in ("priority_gb", "opt_in_priority_gb", "standard_gb", "non_billable_gb"):
            with self.subTest(field=field), self.assertRaises(IntegrityError), self.cr.savepoint():
                self.env["starlink.usage.daily"].create(
                    {"service_line_id": self.line.id, "date": date(2026, 4, 1), field: -0.1}
                )
                self.env.flush_all()

    @mute_logger("odoo.sql_db")
    def test_one_usage_row_per_line_and_day(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["starlink.usage.daily"].create(
                {"service_line_id": self.line.id, "date": date(2026, 3, 1)}
            )
            self.env.flush_all()

    @mute_logger("odoo.sql_db")
    def test_billing_day_range(self):
        for day in (0, 32):
            with self.subTest(day=day), self.assertRaises(IntegrityError), self.cr.savepoint():
                self.line.billing_day = day
                self.env.flush_all()

    def test_end_date_before_start_date(self):
        with self.assertRaises(ValidationError):
            self.line.write({"date_start": date(2026, 5, 1), "date_end": date(2026, 4, 30)})

    @mute_logger("odoo.sql_db")
    def test_plan_limit_not_negative(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.plan.starlink_data_limit_gb = -1
            self.env.flush_all()

    def test_usage_totals(self):
        usage = self.env["starlink.usage.daily"].create(
            {
                "service_line_id": self.line.id,
                "date": date(2026, 4, 2),
                "priority_gb": 1.5,
                "opt_in_priority_gb": 0.5,
                "standard_gb": 3.0,
                "non_billable_gb": 0.25,
            }
        )
        # Opt-in priority is a part of priority (Starlink's DataUsageDailyV2), never added;
        # by Starlink's rule only priority data counts against the plan's limit.
        self.assertAlmostEqual(usage.counted_gb, 1.5)
        self.assertAlmostEqual(usage.total_gb, 4.75)
        self.assertEqual(usage.partner_id, self.client)
        self.assertEqual(usage.company_id, self.company)

    def test_upsert_inserts_then_updates_without_duplicates(self):
        Usage = self.env["starlink.usage.daily"]
        rows = [
            (self.line.id, date(2026, 4, 10), 1.0, 0.0, 2.0, 0.5),
            (self.line.id, date(2026, 4, 11), 0.0, 0.0, 4.0, 0.0),
        ]
        self.assertEqual(Usage._upsert(rows), 2)
        # Starlink revises the last day: the same day again overwrites, never duplicates.
        Usage._upsert([(self.line.id, date(2026, 4, 11), 1.0, 1.0, 5.0, 0.0)])
        days = Usage.search(
            [("service_line_id", "=", self.line.id), ("date", ">=", date(2026, 4, 10))],
            order="date",
        )
        self.assertEqual(len(days), 2)
        self.assertEqual(days.mapped("counted_gb"), [1.0, 1.0])
        self.assertEqual(days.mapped("total_gb"), [3.5, 6.0])
        self.assertEqual(days.partner_id, self.client)
        self.assertEqual(days.company_id, self.company)

    def test_terminal_follows_line_client_and_lot_serial(self):
        kit = self.env["product.product"].create(
            {"name": "Kit", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        lot = self.env["stock.lot"].create(
            {"name": "KIT-0001", "product_id": kit.id, "company_id": self.company.id}
        )
        self.terminal.lot_id = lot
        self.assertEqual(self.terminal.kit_serial, "KIT-0001")
        self.assertEqual(self.terminal.partner_id, self.client)
        self.terminal.service_line_id = self.other_line
        self.assertEqual(self.terminal.partner_id, self.other_client)
