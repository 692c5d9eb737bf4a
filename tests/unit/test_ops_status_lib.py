"""Verdicts of the synchronisation's operational status (starlink_telemetry lib/ops_status)."""

from datetime import datetime, timedelta

from starlink_telemetry_lib import ops_status

NOW = datetime(2026, 7, 20, 12, 0, 0)


def test_failing_since_the_last_success_or_the_first_run():
    two_hours = NOW - timedelta(hours=2)
    assert ops_status.failing_seconds("error", two_hours, NOW - timedelta(days=9), NOW) == 7200
    assert ops_status.failing_seconds("error", None, two_hours, NOW) == 7200
    assert ops_status.failing_seconds("ok", two_hours, two_hours, NOW) == 0
    assert ops_status.failing_seconds("warning", None, two_hours, NOW) == 0


def test_stream_verdict_and_overall_status():
    assert ops_status.stream_verdict("error", 3599, 3600) == "error"
    assert ops_status.stream_verdict("error", 3600, 3600) == "failing"
    assert ops_status.stream_verdict("warning", 99999, 3600) == "warning"
    assert ops_status.stream_verdict(None, 0, 3600) == "ok"
    assert ops_status.overall_status(["ok", "ok"]) == "ok"
    assert ops_status.overall_status(["ok", "warning"]) == "degraded"
    assert ops_status.overall_status(["ok"], late_crons=1) == "degraded"
    assert ops_status.overall_status(["error", "failing", "ok"]) == "failing"
    assert ops_status.overall_status([]) == "ok"


def test_lag_lateness_and_durations():
    assert ops_status.lag_seconds(None, NOW) is None
    assert ops_status.lag_seconds(NOW - timedelta(minutes=3), NOW) == 180
    assert ops_status.late_seconds(NOW - timedelta(minutes=10), NOW, 900) == 0
    assert ops_status.late_seconds(NOW - timedelta(minutes=20), NOW, 900) == 300
    assert ops_status.format_duration(59) == "0 min"
    assert ops_status.format_duration(45 * 60) == "45 min"
    assert ops_status.format_duration(3 * 3600) == "3 h"
    assert ops_status.format_duration(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert ops_status.format_duration(52 * 3600) == "2 d 4 h"
