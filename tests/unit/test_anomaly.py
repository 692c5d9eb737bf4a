"""Usage anomaly detection of starlink_telemetry (pure Python, no Odoo)."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from starlink_simulator.fleet import Fleet
from starlink_simulator.usage import WEEKLY_BUSINESS, WEEKLY_HOME, daily_total_gb
from starlink_telemetry_lib.anomaly import detect_anomalies, robust_scores
from starlink_telemetry_lib.forecast import UsageMatrix

FIRST = np.datetime64("2026-01-01")
DAYS = 120
WEEKDAY = ((FIRST + np.arange(DAYS)).view("int64") + 3) % 7  # Monday = 0


def matrix(rows):
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    return UsageMatrix(np.arange(len(rows)), FIRST, rows)


def weekly_lines(count, noise, seed=1):
    """Home and business weekly patterns of the simulator, with normal noise."""
    rng = np.random.default_rng(seed)
    home = 12.0 * np.array(WEEKLY_HOME)[WEEKDAY]
    business = 30.0 * np.array(WEEKLY_BUSINESS)[WEEKDAY]
    base = np.where((np.arange(count) % 2 == 0)[:, None], home, business)
    return base * rng.normal(1.0, noise, size=(count, DAYS))


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_normal_weekly_variation_is_not_flagged(noise):
    assert detect_anomalies(matrix(weekly_lines(40, noise))).empty


def test_strong_weekly_pattern_needs_the_weekday_baseline():
    quiet_weekend = np.array([4.0, 4, 4, 4, 4, 20, 20])[WEEKDAY]
    assert detect_anomalies(matrix([quiet_weekend])).empty
    plain = detect_anomalies(matrix([quiet_weekend]), weekly=False)
    assert not plain.empty  # the plain median/MAD calls every weekend a spike


def test_injected_spike_is_found_on_its_day():
    rows = weekly_lines(20, 0.05, seed=4)
    rows[7, 90] *= 3.0
    rows[12, 60] = 0.0  # a day without usage (outage)
    found = detect_anomalies(matrix(rows))
    assert list(zip(found.line_id, found.date, strict=True)) == [
        (7, FIRST + 90),
        (12, FIRST + 60),
    ]
    spike = found.iloc[0]
    assert spike.value == pytest.approx(rows[7, 90]) and spike.z > 10
    assert spike["median"] == pytest.approx(rows[7, 90] / 3.0, rel=0.15)
    assert found.iloc[1].z < -4
    high = detect_anomalies(matrix(rows), direction="high")
    assert list(high.line_id) == [7]
    assert detect_anomalies(matrix(rows), since=date(2026, 3, 15)).line_id.tolist() == [7]


def test_constant_history_has_no_division_by_zero():
    rows = np.full((3, DAYS), 10.0)
    rows[1, 100] = 25.0
    rows[2] = 0.0
    rows[2, 110] = 1.0
    with np.errstate(all="raise"):
        z, _median, scale, _known = robust_scores(rows)
        found = detect_anomalies(matrix(rows))
    assert (scale[np.isfinite(scale)] > 0).all()
    assert np.nanmax(np.abs(z[0])) == 0.0
    assert list(zip(found.line_id, found.date, strict=True)) == [
        (1, FIRST + 100),
        (2, FIRST + 110),
    ]
    assert np.isfinite(found.z).all()


def test_short_histories_and_unknown_days_are_ignored():
    rows = np.full((2, DAYS), np.nan)
    rows[0, -10:] = 5.0
    rows[0, -1] = 500.0  # 9 days of history only: not tested
    rows[1] = 5.0 + 0.1 * (np.arange(DAYS) % 3)
    rows[1, 50:60] = np.nan  # unknown days are neither tested nor counted
    rows[1, 80] = 50.0
    found = detect_anomalies(matrix(rows))
    assert list(zip(found.line_id, found.date, strict=True)) == [(1, FIRST + 80)]


def test_simulator_histories_spikes_found_few_false_alarms():
    anchor = date(2026, 7, 20)
    fleet = Fleet(42, 120, anchor)
    first = anchor - timedelta(days=DAYS)
    terminals = [t for t in fleet.terminals() if t.end_date is None and t.start_date <= first]
    rows = np.array(
        [
            [daily_total_gb(42, t, first + timedelta(days=d), anchor) for d in range(DAYS)]
            for t in terminals
        ]
    )
    rng = np.random.default_rng(9)
    spike_days = rng.integers(40, DAYS, size=len(rows))
    rows[np.arange(len(rows)), spike_days] = 4.0 * np.median(rows, axis=1)
    usage = UsageMatrix(np.arange(len(rows)), np.datetime64(first), rows)
    found = detect_anomalies(usage, direction="high")
    offsets = (found.date - np.datetime64(first)) // np.timedelta64(1, "D")
    hits = set(zip(found.line_id, offsets, strict=True))
    spikes = set(zip(range(len(rows)), spike_days.tolist(), strict=True))
    assert spikes <= hits  # every spike, on its day
    tested_days = len(rows) * (DAYS - 21)
    print("false alarms: %d in %d line-days" % (len(hits - spikes), tested_days))
    # log-normal daily noise has a heavy upper tail: a few normal days pass |z| > 4
    assert len(hits - spikes) / tested_days < 0.01
    assert isinstance(found, pd.DataFrame) and list(found.columns) == [
        "line_id", "date", "value", "z", "median", "scale",
    ]  # fmt: skip
