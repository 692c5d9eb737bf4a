from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.usage import parse_data_usage, parse_day
from .common import StarlinkSimulatorCase

MODELS_LOGGER = "odoo.addons.starlink_telemetry"  # models and API client warnings


@tagged("post_install", "-at_install")
class TestSyncUsage(StarlinkSimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._sync_inventory()
        cls.lines = cls.env["starlink.service.line"].search(
            [("account_id", "=", cls.account.id), ("state", "=", "active")]
        )

    def _usage(self):
        return self.env["starlink.usage.daily"].search([("service_line_id", "in", self.lines.ids)])

    def test_usage_upserted_without_duplicates(self):
        self.account._sync_usage()
        usage = self._usage()
        self.assertTrue(usage)
        self.assertEqual(self.status("usage").state, "ok")
        self.assertEqual(self.status("usage").record_count, len(usage))
        # Data lags one day: nothing for today, yesterday is there.
        today = fields.Date.today()
        self.assertFalse(usage.filtered(lambda u: u.date >= today))
        self.assertTrue(usage.filtered(lambda u: u.date == today - timedelta(days=1)))
        for day in usage:
            # Opt-in priority is a part of priority; only priority counts (Starlink's rule).
            self.assertLessEqual(day.opt_in_priority_gb, day.priority_gb + 1e-6)
            self.assertAlmostEqual(day.counted_gb, day.priority_gb, places=3)
            self.assertAlmostEqual(
                day.total_gb, day.priority_gb + day.standard_gb + day.non_billable_gb, places=3
            )
        keys = {(u.service_line_id.id, u.date) for u in usage}
        self.assertEqual(len(keys), len(usage))
        # The same data again: same rows, updated in place.
        self.account._sync_usage()
        self.assertEqual(self._usage(), usage)

    def test_revised_day_overwrites(self):
        self.account._sync_usage()
        day = self._usage()[0]
        original = day.standard_gb + day.priority_gb
        day.write({"standard_gb": 9999.0, "priority_gb": 0.0})
        self.account._sync_usage()
        day.invalidate_recordset()
        self.assertAlmostEqual(day.standard_gb + day.priority_gb, original, places=3)

    @mute_logger(MODELS_LOGGER)
    def test_malformed_usage_rows_skipped_rest_kept(self):
        self.account._sync_usage()
        clean = len(self._usage())
        self._usage().unlink()
        self.simulator.faults(malformed_usage_rate=0.2)
        self.account._sync_usage()
        status = self.status("usage")
        self.assertEqual(status.state, "warning")
        self.assertGreater(status.error_count, 0)
        kept = len(self._usage())
        self.assertGreater(kept, clean // 2)
        self.assertLess(kept, clean)
        self.assertTrue(status.message)

    def test_several_overage_lines_summed(self):
        self.simulator.faults(overage_lines=3)
        with self.account._starlink_client() as api:
            answers = api.query_data_usage(self.lines.mapped("service_line_number"))
        batch = parse_data_usage(answers)
        cycles = {(c.service_line_number, c.start_date): c for c in batch.cycles}
        checked = 0
        for answer in answers:
            for raw in answer["billingCycles"]:
                if not raw["overageLines"]:
                    continue
                cycle = cycles[(answer["serviceLineNumber"], parse_day(raw["startDate"]))]
                amounts = [line["overageAmountGB"] for line in raw["overageLines"]]
                self.assertEqual(cycle.overage_line_count, 3)
                self.assertAlmostEqual(cycle.overage_gb, sum(amounts), places=2)
                self.assertGreater(cycle.overage_gb, max(amounts))
                checked += 1
        self.assertTrue(checked, "the simulator's fleet has lines in overage")

    def test_billing_day_follows_starlink_cycles(self):
        """The inventory gives no billing day: the usage answer's cycles set it."""
        with self.account._starlink_client() as api:
            answers = api.query_data_usage(self.lines.mapped("service_line_number"))
        expected = {}
        for answer in answers:
            latest = max(answer["billingCycles"], key=lambda cycle: cycle["startDate"])
            expected[answer["serviceLineNumber"]] = parse_day(latest["startDate"]).day
        self.lines.write({"billing_day": 28})
        self.account._sync_usage()
        for line in self.lines:
            if line.service_line_number in expected:
                self.assertEqual(line.billing_day, expected[line.service_line_number])
        self.assertNotEqual(set(self.lines.mapped("billing_day")), {28})
