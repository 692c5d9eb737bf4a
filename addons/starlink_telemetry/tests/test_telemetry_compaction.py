from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

COLUMNS = ("device_id", "device_type", "terminal_id", "ts", "hour", "downlink_mbps",
           "uplink_mbps", "ping_drop_rate", "latency_ms", "obstruction_percent", "uptime_s",
           "signal_quality", "alerts")  # fmt: skip
MODELS_LOGGER = "odoo.addons.starlink_telemetry.models"


@tagged("post_install", "-at_install")
class TestTelemetryCompaction(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Sample = cls.env["starlink.telemetry.sample"]
        cls.terminal = cls.env["starlink.terminal"].create(
            {"user_terminal_id": "ut-compact-1", "router_ids": "Router-compact-1"}
        )
        today = datetime.combine(fields.Date.today(), datetime.min.time())
        cls.day = today - timedelta(days=2)
        cls.hours = [cls.day + timedelta(hours=5), cls.day + timedelta(hours=6)]
        rows = []
        # hour 5: a sample every 15 s (regular), uptime counting, a reboot at sample 100
        for i in range(240):
            ts = cls.hours[0] + timedelta(milliseconds=2345 + 15000 * i)
            uptime = 5000 + 15 * i if i < 100 else 15 * (i - 100)
            alerts = "high_time_obstruction,high_sky_obstruction" if i % 50 == 7 else None
            rows.append(("ut-compact-1", "u", ts, 100.0 + i / 8, 10.5, 0.0123 * (i % 3),
                         30.25 + i % 11, 0.25 * (i % 5), uptime, 0.875, alerts))  # fmt: skip
            rows.append(("Router-compact-1", "r", ts + timedelta(seconds=1), None, None, 0.5,
                         40.5, None, 7 + 15 * i, None, None))  # fmt: skip
        # hour 6: irregular (gaps, a late and an early sample), missing values
        for second in (0, 15, 31, 300, 301, 3599):
            ts = cls.hours[1] + timedelta(seconds=second, milliseconds=125)
            rows.append(("ut-compact-1", "u", ts, None, 1.0, None, 25.0, None, None, None,
                         "power_disconnect_detected"))  # fmt: skip
        cls.Sample._ingest(rows)
        cls.before = cls.hours[-1] + timedelta(hours=1)

    def _read(self):
        self.env.cr.execute(
            f"""SELECT {", ".join(COLUMNS)} FROM starlink_telemetry_sample
                 WHERE device_id LIKE '%%compact%%' ORDER BY device_id, ts"""
        )
        return self.env.cr.fetchall()

    def _counts(self):
        self.env.cr.execute(
            """SELECT
                 (SELECT count(*) FROM starlink_telemetry_raw r JOIN starlink_telemetry_device d
                     ON d.id = r.device WHERE d.device_id LIKE '%compact%'),
                 (SELECT count(*) FROM starlink_telemetry_compact c
                    JOIN starlink_telemetry_device d
                     ON d.id = c.device WHERE d.device_id LIKE '%compact%')"""
        )
        return self.env.cr.fetchone()

    def _rollups(self):
        rollups = self.env["starlink.telemetry.hourly"].search_read(
            [("terminal_id", "=", self.terminal.id)], order="hour"
        )
        self.assertEqual(len(rollups), 2)
        # averages to 9 decimals: the two shapes add the same values in another order
        return [
            {k: round(v, 9) if isinstance(v, float) else v for k, v in rollup.items() if k != "id"}
            for rollup in rollups
        ]

    def test_compaction_reads_back_the_same_values(self):
        before = self._read()
        self.assertEqual(len(before), 486)
        self.assertEqual(self._counts(), (486, 0))
        hourly = self.env["starlink.telemetry.hourly"]
        hourly._rollup(self.hours[0], self.before)
        rollups = self._rollups()
        done = self.Sample._compact(before=self.before)
        self.assertIn(self.hours[0], done)
        self.assertIn(self.hours[1], done)
        # one row per device and hour: terminal twice, router once
        self.assertEqual(self._counts(), (0, 3))
        self.assertEqual(self._read(), before)
        self.assertTrue(
            all(self.Sample.search([("device_id", "=", "ut-compact-1")]).mapped("compacted"))
        )
        # the regular hour keeps no timestamp array, the irregular one does
        self.env.cr.execute(
            """SELECT c.hour, c.offsets_ms IS NULL, c.downlink_mbps IS NULL
                 FROM starlink_telemetry_compact c JOIN starlink_telemetry_device d
                   ON d.id = c.device WHERE d.device_id = 'Router-compact-1'"""
        )
        self.assertEqual(self.env.cr.fetchall(), [(self.hours[0], True, True)])
        # readers through the view: rollups and chart buckets come out the same
        hourly.search([("terminal_id", "=", self.terminal.id)]).unlink()
        hourly._rollup(self.hours[0], self.before)
        self.assertEqual(self._rollups(), rollups)
        buckets = self.terminal._telemetry_buckets(self.hours[0], self.before, minutes=10)
        self.assertEqual(len([b for b in buckets.values() if b]), 6 + 2)

    def test_compaction_is_idempotent_and_merges_late_samples(self):
        self.Sample._compact(before=self.before)
        stored = self._read()
        self.assertEqual(self.Sample._compact(before=self.before), [], "nothing left to do")
        self.assertEqual(self._read(), stored)
        # a re-delivered sample of a compacted hour is not stored twice ...
        again = ("ut-compact-1", "u", self.hours[1] + timedelta(seconds=15, milliseconds=125),
                 None, 1.0, None, 25.0, None, None, None, "power_disconnect_detected")  # fmt: skip
        self.assertEqual(self.Sample._ingest([again]), 0)
        # ... a late new one is, and compacting its hour again merges it into its row
        late = (again[0], "u", self.hours[1] + timedelta(seconds=45), 5.0, 1.0, 0.5, 20.0,
                1.0, 99, 0.5, None)  # fmt: skip
        self.assertEqual(self.Sample._ingest([late]), 1)
        self.assertEqual(len(self._read()), len(stored) + 1)
        self.Sample._compact_hour(self.hours[1])
        self.assertEqual(self._counts(), (0, 3))
        rows = self._read()
        self.assertEqual(len(rows), len(stored) + 1)
        self.assertIn((late[0], "u", self.terminal.id, late[2], self.hours[1], 5.0, 1.0, 0.5,
                       20.0, 1.0, 99, 0.5, None), rows)  # fmt: skip

    @mute_logger(MODELS_LOGGER)
    def test_crash_half_way_leaves_the_raw_rows(self):
        stored = self._read()
        Sample = type(self.Sample)
        original = Sample._drop_compacted_partition

        def crash(model, day):
            raise OSError("no space left on device")

        Sample._drop_compacted_partition = crash
        try:
            failures = []
            done = self.Sample._compact(before=self.before, failures=failures)
        finally:
            Sample._drop_compacted_partition = original
        self.assertNotIn(self.hours[0], done)
        self.assertIn("no space left", str(failures))
        self.assertEqual(self._counts(), (486, 0), "raw rows in place, nothing compacted")
        self.assertEqual(self._read(), stored)
        self.assertEqual(self.Sample._compacted_until(), datetime(1970, 1, 1))
        # the next run does the work
        self.assertIn(self.hours[0], self.Sample._compact(before=self.before))
        self.assertEqual(self._read(), stored)

    def test_retention_drops_both_shapes(self):
        now = fields.Datetime.now().replace(microsecond=0)
        self.Sample._ingest([("ut-compact-1", "u", now, 1.0, 1.0, 0.0, 30.0, 0.0, 1, 1.0, None)])
        self.Sample._compact(before=self.before)
        self.assertIn(self.day.date(), self.Sample._partition_days("starlink_telemetry_compact"))
        dropped = self.Sample._prune(retention_days=1)
        self.assertIn(self.day.date(), dropped)
        self.assertNotIn(self.day.date(), self.Sample._partition_days())
        self.assertNotIn(self.day.date(), self.Sample._partition_days("starlink_telemetry_compact"))
        self.assertEqual(self._counts(), (1, 0))
        self.assertEqual([row[3] for row in self._read()], [now])
        self.env.cr.execute(
            "SELECT count(*) FROM starlink_telemetry_compacted_hour WHERE hour < %s",
            [self.before],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
