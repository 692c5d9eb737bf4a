from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestTerminalHealth(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Terminal = cls.env["starlink.terminal"]
        cls.thresholds = cls.Terminal._health_thresholds()
        cls.now = fields.Datetime.now().replace(microsecond=0)

    def _health(self, seconds_ago=10, latency=30.0, ping_drop=0.0, obstruction=0.0, alerts=""):
        stats = {
            "last_seen": self.now - timedelta(seconds=seconds_ago),
            "latency": latency,
            "ping_drop": ping_drop,
            "obstruction": obstruction,
            "alerts": alerts,
        }
        return self.Terminal._classify_health(stats, self.thresholds, self.now)

    def test_classification(self):
        self.assertEqual(self._health(), "online")
        self.assertEqual(self.Terminal._classify_health(None, self.thresholds, self.now), "offline")
        self.assertEqual(self._health(seconds_ago=301), "offline")
        self.assertEqual(self._health(seconds_ago=299), "online")
        self.assertEqual(self._health(latency=100.0), "degraded")
        self.assertEqual(self._health(latency=99.9), "online")
        self.assertEqual(self._health(ping_drop=0.05), "degraded")
        self.assertEqual(self._health(obstruction=10.0), "obstructed")
        self.assertEqual(self._health(alerts="high_sky_obstruction"), "obstructed")
        self.assertEqual(self._health(alerts="disabled_no_active_account"), "offline")
        self.assertEqual(self._health(alerts="thermal_shutdown,pop_change"), "offline")

    def test_chart_hours_in_the_users_time_zone(self):
        terminal = self.Terminal.create({"user_terminal_id": "ut-chart-tz"})
        with freeze_time("2026-07-20 10:00:00"):
            self.env.user.tz = "UTC"
            self.assertIn(">10:00<", terminal.telemetry_chart)
            self.env.user.tz = "Asia/Kolkata"
            terminal.invalidate_recordset(["telemetry_chart"])
            self.assertIn(">15:30<", terminal.telemetry_chart)
            self.assertNotIn(">10:00<", terminal.telemetry_chart)

    def test_thresholds_are_configurable(self):
        self.env["ir.config_parameter"].set_param(
            "starlink_telemetry.health_degraded_latency_ms", "200"
        )
        thresholds = self.Terminal._health_thresholds()
        self.assertEqual(
            self.Terminal._classify_health(
                {"last_seen": self.now, "latency": 150.0, "ping_drop": 0, "obstruction": 0,
                 "alerts": ""},
                thresholds,
                self.now,
            ),
            "online",
        )  # fmt: skip

    def test_update_health_from_samples_tracks_changes(self):
        online, silent, in_stock = self.Terminal.create(
            [
                {"user_terminal_id": "ut-health-1"},
                {"user_terminal_id": "ut-health-2", "last_seen": self.now - timedelta(hours=2)},
                {"user_terminal_id": "ut-health-3"},
            ]
        )
        self.env["starlink.telemetry.sample"]._ingest(
            [
                ("ut-health-1", "u", self.now - timedelta(seconds=s), 150.0, 12.0, 0.0, 28.0,
                 0.2, 500, 0.95, None)
                for s in (15, 30, 45)
            ]
        )  # fmt: skip
        (online | silent | in_stock)._update_health(now=self.now)
        self.assertEqual(online.health, "online")
        self.assertEqual(online.last_seen, self.now - timedelta(seconds=15))
        self.assertAlmostEqual(online.downlink_mbps, 150.0)
        self.assertAlmostEqual(online.latency_ms, 28.0)
        self.assertEqual(silent.health, "offline", "seen before, silent now")
        self.assertEqual(silent.last_seen, self.now - timedelta(hours=2))
        self.assertEqual(in_stock.health, "unknown", "never reported: not called offline")
        self.assertFalse(in_stock.last_seen)

    def test_terminal_heard_only_before_the_window_is_offline_and_last_seen(self):
        """A backlog brings the samples of a terminal gone silent half an hour ago: it was
        seen then (not "never"), and it is offline now."""
        gone, stale, later = self.Terminal.create(
            [
                {"user_terminal_id": "ut-health-4"},
                {"user_terminal_id": "ut-health-5", "last_seen": self.now - timedelta(hours=2)},
                {"user_terminal_id": "ut-health-6", "last_seen": self.now - timedelta(minutes=9)},
            ]
        )
        self.env["starlink.telemetry.sample"]._ingest(
            [
                (device, "u", self.now - timedelta(minutes=minutes), 150.0, 12.0, 0.0, 28.0,
                 0.2, 500, 0.95, None)
                for device in ("ut-health-4", "ut-health-5", "ut-health-6")
                for minutes in (30, 31)
            ]
        )  # fmt: skip
        (gone | stale | later)._update_health(now=self.now)
        for terminal in gone | stale | later:
            self.assertEqual(terminal.health, "offline")
        for terminal in gone | stale:
            self.assertEqual(terminal.last_seen, self.now - timedelta(minutes=30))
        self.assertEqual(later.last_seen, self.now - timedelta(minutes=9), "never set back")
