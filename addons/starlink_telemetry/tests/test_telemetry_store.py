from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..lib.telemetry_columns import decode_columns


def sample(device, ts, latency=30.0, down=100.0, alerts=None):
    return (device, "u", ts, down, 10.0, 0.01, latency, 0.5, 3600, 0.9, alerts)


@tagged("post_install", "-at_install")
class TestTelemetryStore(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Sample = cls.env["starlink.telemetry.sample"]
        cls.terminal = cls.env["starlink.terminal"].create(
            {"user_terminal_id": "ut-store-1", "router_ids": "Router-store-1"}
        )
        cls.now = fields.Datetime.now().replace(microsecond=0)

    def _count(self):
        self.env.cr.execute(
            "SELECT count(*) FROM starlink_telemetry_sample WHERE device_id LIKE '%%store%%'"
        )
        return self.env.cr.fetchone()[0]

    def test_ingest_is_idempotent_and_links_terminals(self):
        rows = [sample("ut-store-1", self.now - timedelta(seconds=15 * i)) for i in range(20)]
        rows.append(("Router-store-1", "r", self.now, None, None, 0.0, 25.0, None, 10, None, None))
        self.assertEqual(self.Sample._ingest(rows), 21)
        self.assertEqual(self.Sample._ingest(rows), 0)
        self.assertEqual(self.Sample._ingest(rows + rows), 0, "duplicates inside a batch too")
        # A batch mixing new rows, known rows and in-batch duplicates stores the new ones once.
        later = [sample("ut-store-1", self.now + timedelta(seconds=15 * i)) for i in (1, 2)]
        self.assertEqual(self.Sample._ingest(rows[:3] + later + later), 2)
        self.assertEqual(self._count(), 23)
        stored = self.Sample.search([("device_id", "in", ("ut-store-1", "Router-store-1"))])
        self.assertEqual(len(stored), 23)
        self.assertEqual(stored.terminal_id, self.terminal)

    def test_partitions_per_day_and_retention(self):
        today = fields.Date.today()
        old_day = datetime.combine(today - timedelta(days=3), datetime.min.time())
        self.Sample._ingest([sample("ut-store-1", old_day), sample("ut-store-1", self.now)])
        days = self.Sample._partition_days()
        self.assertIn(old_day.date(), days)
        self.assertIn(today, days)
        dropped = self.Sample._prune(retention_days=2)
        self.assertIn(old_day.date(), dropped)
        self.assertNotIn(old_day.date(), self.Sample._partition_days())
        self.assertEqual(self._count(), 1)

    def test_special_characters_survive_copy(self):
        tricky = "alert\twith\\tab\nand newline\rand\x00nul"
        self.Sample._ingest([sample("ut-store-1", self.now, alerts=tricky)])
        stored = self.Sample.search([("device_id", "=", "ut-store-1")])
        self.assertEqual(stored.alerts, "alert with\\tab and newline andnul")

    @mute_logger("odoo.addons.starlink_telemetry.models.starlink_telemetry_sample")
    def test_decoded_batch_ingested_old_rows_refused(self):
        too_old = self.now - timedelta(days=30)
        payload = {
            "data": {
                "columnNamesByDeviceType": {
                    "u": ["DeviceType", "UtcTimestampNs", "DeviceId", "PingLatencyMsAvg",
                          "DownlinkThroughput", "UplinkThroughput", "ActiveAlert"],
                },
                "values": [
                    ["u", _ns(self.now), "utut-store-1", 31.5, 120.0, 12.0, [64]],
                    ["u", _ns(too_old), "utut-store-1", 31.5, 120.0, 12.0, []],
                    ["u", "not a timestamp", "utut-store-1", 1, 1, 1, []],
                ],
            },
            "metadata": {"enums": {"AlertsByDeviceType": {"u": {"64": "high_sky_obstruction"}}}},
        }  # fmt: skip
        received, skipped, message = self.Sample._ingest_batch(decode_columns(payload))
        self.assertEqual((received, skipped), (3, 2))
        self.assertIn("older than the retention", message)
        stored = self.Sample.search([("device_id", "=", "ut-store-1")])
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored.alerts, "high_sky_obstruction")
        self.assertAlmostEqual(stored.downlink_mbps, 120.0, places=3)

    @mute_logger("odoo.addons.starlink_telemetry.models.starlink_telemetry_sample")
    def test_answer_stored_in_parts_as_whole(self):
        """``_ingest_payload`` decodes an answer part by part while the last part is stored:
        the same samples, skipped rows and counts as the whole answer at once, a sample
        repeated in two parts stored once, and the answer again stores nothing."""
        columns = ["DeviceType", "UtcTimestampNs", "DeviceId", "PingLatencyMsAvg",
                   "DownlinkThroughput", "UplinkThroughput", "ActiveAlert"]  # fmt: skip
        rows = [
            ["u", _ns(self.now - timedelta(seconds=15 * i)), "utut-store-1", 30.0 + i, 100.0,
             10.0, [64] if i % 5 == 0 else []]
            for i in range(30)
        ]  # fmt: skip
        rows.insert(11, ["u", "not a timestamp", "utut-store-1", 1, 1, 1, []])
        rows.append(list(rows[2]))  # the same sample again, in another part
        payload = {
            "data": {"columnNamesByDeviceType": {"u": columns}, "values": rows},
            "metadata": {"enums": {"AlertsByDeviceType": {"u": {"64": "high_sky_obstruction"}}}},
        }
        whole = decode_columns(payload)
        self.patch(type(self.Sample), "_ingest_part_rows", 7)
        batch, (received, skipped, message) = self.Sample._ingest_payload(payload)
        self.assertEqual((received, skipped), (32, 1))
        self.assertEqual(
            [(row.index, row.reason) for row in batch.skipped],
            [(row.index, row.reason) for row in whole.skipped],
        )
        self.assertTrue(message.startswith("30 new samples, 1 already stored"), message)
        self.assertEqual(self._count(), 30)
        stored = self.Sample.search([("device_id", "=", "ut-store-1")], order="ts desc")
        self.assertEqual(stored.mapped("latency_ms"), [30.0 + i for i in range(30)])
        self.assertEqual(stored[5].alerts, "high_sky_obstruction")
        self.assertFalse(stored[6].alerts)
        _batch, (_received, _skipped, message) = self.Sample._ingest_payload(payload)
        self.assertTrue(message.startswith("0 new samples, 31 already stored"), message)
        self.assertEqual(self._count(), 30)

    def test_hourly_rollup_figures(self):
        hour = self.now.replace(minute=0, second=0) - timedelta(hours=1)
        rows = [
            sample("ut-store-1", hour + timedelta(seconds=15 * i), latency=float(10 + i))
            for i in range(100)
        ]
        self.Sample._ingest(rows)
        self.env["starlink.telemetry.hourly"]._rollup(hour)
        rollup = self.env["starlink.telemetry.hourly"].search(
            [("terminal_id", "=", self.terminal.id), ("hour", "=", hour)]
        )
        self.assertEqual(rollup.sample_count, 100)
        self.assertAlmostEqual(rollup.latency_avg_ms, 59.5, places=3)
        self.assertAlmostEqual(rollup.latency_min_ms, 10.0)
        self.assertAlmostEqual(rollup.latency_max_ms, 109.0)
        self.assertAlmostEqual(rollup.latency_p95_ms, 104.05, places=2)
        self.assertAlmostEqual(rollup.uptime_percent, 100.0 * 100 / 240, places=3)
        # Re-rolling the same hour after more samples updates the row in place.
        self.Sample._ingest([sample("ut-store-1", hour + timedelta(minutes=59), latency=10.0)])
        self.env["starlink.telemetry.hourly"]._rollup(hour)
        rollup.invalidate_recordset()
        self.assertEqual(rollup.sample_count, 101)


def _ns(moment):
    return int((moment - datetime(1970, 1, 1)).total_seconds()) * 10**9
