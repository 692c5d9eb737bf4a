"""Series of the portal's charts (starlink_portal/lib/charts.py, pure Python)."""

from datetime import date, datetime, timedelta

import pytest
from starlink_portal_lib.charts import (
    DEFAULT_COLORS,
    bucket_end,
    bucket_starts,
    contrast_ratio,
    cycle_forecast,
    palette,
    peak,
    performance_bucket,
    performance_series,
    period_starts,
    readable,
    series_summary,
    shown_end,
    usage_series,
)

COLUMNS = ("priority_gb", "standard_gb")


def daily(start, days, priority=1.0, standard=0.5, skip=()):
    return [
        {"date": start + timedelta(days=i), "priority_gb": priority + i, "standard_gb": standard}
        for i in range(days)
        if i not in skip
    ]


# --------------------------------------------------------------------------- periods


def test_period_starts_cover_the_range():
    assert period_starts(date(2026, 3, 30), date(2026, 4, 2), "day") == [
        date(2026, 3, 30),
        date(2026, 3, 31),
        date(2026, 4, 1),
        date(2026, 4, 2),
    ]
    # 2026-03-04 is a Wednesday: its week starts on Monday 2 March.
    assert period_starts(date(2026, 3, 4), date(2026, 3, 17), "week") == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
    ]
    assert period_starts(date(2025, 12, 15), date(2026, 2, 1), "month") == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


@pytest.mark.parametrize(
    ("start", "end", "grouping", "expected"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), "day", "hour"),
        (date(2026, 3, 1), date(2026, 3, 2), "week", "hour"),
        (date(2026, 3, 1), date(2026, 3, 3), "day", "day"),
        (date(2026, 1, 1), date(2026, 6, 30), "month", "month"),
    ],
)
def test_performance_bucket(start, end, grouping, expected):
    assert performance_bucket(start, end, grouping) == expected


def test_bucket_starts_and_ends():
    hours = bucket_starts(date(2026, 3, 1), date(2026, 3, 2), "hour")
    assert len(hours) == 48
    assert hours[0] == datetime(2026, 3, 1)
    assert hours[-1] == datetime(2026, 3, 2, 23)
    assert bucket_end(hours[-1], "hour") == datetime(2026, 3, 3)
    weeks = bucket_starts(date(2026, 3, 4), date(2026, 3, 10), "week")
    assert weeks == [datetime(2026, 3, 2), datetime(2026, 3, 9)]
    assert bucket_end(weeks[0], "week") == datetime(2026, 3, 9)
    assert bucket_end(datetime(2026, 2, 1), "month") == datetime(2026, 3, 1)


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize("grouping", ["day", "week", "month"])
def test_usage_series_sum_to_the_daily_rows(grouping):
    start, end = date(2026, 1, 20), date(2026, 3, 10)
    rows = daily(date(2026, 1, 1), 90, skip={30, 31})
    shaped = usage_series(rows, start, end, grouping, COLUMNS)
    in_range = [row for row in rows if start <= row["date"] <= end]
    for column in COLUMNS:
        expected = sum(row[column] for row in in_range)
        assert sum(v or 0.0 for v in shaped["series"][column]) == pytest.approx(expected)
        assert shaped["totals"][column] == pytest.approx(expected, abs=1e-3)
    periods = shaped["periods"]
    assert periods[0]["start"] == start  # clipped to the range
    assert periods[-1]["end"] == end
    assert sum(p["days"] for p in periods) == len(in_range)
    assert len(periods) == len(shaped["series"]["priority_gb"])


def test_usage_series_gap_is_none_not_zero():
    start = date(2026, 1, 1)
    rows = daily(start, 5, skip={2})
    shaped = usage_series(rows, start, start + timedelta(days=4), "day", COLUMNS)
    assert shaped["series"]["priority_gb"] == [1.0, 2.0, None, 4.0, 5.0]
    assert shaped["periods"][2] == {"start": date(2026, 1, 3), "end": date(2026, 1, 3), "days": 0}


def test_usage_series_weeks_split_priority_and_standard():
    # Monday 5 Jan 2026 to Sunday 18 Jan: two whole weeks.
    start = date(2026, 1, 5)
    rows = daily(start, 14, priority=2.0, standard=1.0)
    shaped = usage_series(rows, start, start + timedelta(days=13), "week", COLUMNS)
    first, second = sum(2.0 + i for i in range(7)), sum(2.0 + i for i in range(7, 14))
    assert shaped["series"]["priority_gb"] == [first, second]
    assert shaped["series"]["standard_gb"] == [7.0, 7.0]


def test_peak():
    assert peak([1.0, None, 3.0, 2.0], ["a", "b", "c", "d"]) == (3.0, "c")
    assert peak([None, None], ["a", "b"]) == (None, None)


# --------------------------------------------------------------------------- forecast


def test_cycle_forecast_starts_from_the_usage_to_date():
    start, end, today = date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 6)
    actual = {start + timedelta(days=i): 2.0 for i in range(5)}  # 1-5 March
    forecast = {today + timedelta(days=i): (3.0, 1.0, 5.0) for i in range(5)}  # 6-10 March
    shaped = cycle_forecast(actual, forecast, start, end, today)
    assert shaped["days"][0] == start and shaped["days"][-1] == end
    assert shaped["actual"] == [2.0, 4.0, 6.0, 8.0, 10.0, None, None, None, None, None]
    # anchored on the last reported day, then the daily forecasts add up
    assert shaped["predicted"] == [None] * 4 + [10.0, 13.0, 16.0, 19.0, 22.0, 25.0]
    assert shaped["lower"][-1] == 15.0
    assert shaped["upper"][-1] == 35.0
    for low, mid, high in zip(shaped["lower"][4:], shaped["predicted"][4:], shaped["upper"][4:]):
        assert low <= mid <= high


def test_cycle_forecast_ignores_today_and_forecast_days_already_reported():
    start, end, today = date(2026, 3, 1), date(2026, 3, 4), date(2026, 3, 3)
    actual = {date(2026, 3, 1): 1.0, date(2026, 3, 2): 1.0, date(2026, 3, 3): 9.0}
    forecast = {date(2026, 3, 2): (5.0, 5.0, 5.0), date(2026, 3, 3): (1.0, 0.5, 2.0)}
    shaped = cycle_forecast(actual, forecast, start, end, today)
    assert shaped["actual"] == [1.0, 2.0, None, None]  # today's partial row is not shown
    # from the last day before today, the forecast of today on (its last day carries on)
    assert shaped["predicted"] == [None, 2.0, 3.0, 3.0]


def test_cycle_forecast_without_forecast_has_no_band():
    start = date(2026, 3, 1)
    shaped = cycle_forecast({start: 1.0}, {}, start, date(2026, 3, 3), date(2026, 3, 2))
    assert shaped["actual"] == [1.0, None, None]
    assert shaped["predicted"] == shaped["lower"] == shaped["upper"] == [None, None, None]


# --------------------------------------------------------------------------- performance


def _row(terminal, bucket, samples, latency=40.0):
    return {
        "terminal_id": terminal,
        "bucket": bucket,
        "samples": samples,
        "weight": samples,
        "latency_ms_sum": latency * samples,
        "ping_drop_percent_sum": 0.5 * samples,
        "downlink_mbps_sum": 100.0 * samples,
        "uplink_mbps_sum": 10.0 * samples,
        "obstruction_percent_sum": 1.0 * samples,
    }


def test_performance_series_by_day_weights_and_availability():
    day1, day2, day3 = datetime(2026, 3, 1), datetime(2026, 3, 2), datetime(2026, 3, 3)
    now = datetime(2026, 3, 2, 11, 30)  # the 3rd is in the future, the 2nd half gone
    rows = [
        _row(1, day1, 240 * 24, latency=40.0),
        _row(2, day1, 240 * 12, latency=70.0),  # terminal 2 silent half of the day
        _row(1, day2, 240 * 12, latency=50.0),
    ]
    first_hours = {1: datetime(2026, 1, 1), 2: datetime(2026, 1, 1)}
    series = performance_series(rows, first_hours, [day1, day2, day3], "day", now)
    assert series["latency_ms"][0] == pytest.approx((40.0 * 24 + 70.0 * 12) / 36, abs=0.01)
    assert series["uptime_percent"][0] == pytest.approx(75.0)  # 36 of 48 terminal-hours
    # day 2: 12 hours expected per terminal so far, terminal 2 sent nothing
    assert series["uptime_percent"][1] == pytest.approx(50.0)
    assert series["latency_ms"][1] == 50.0
    assert series["latency_ms"][2] is None and series["uptime_percent"][2] is None


def test_performance_series_new_terminal_and_clipped_week():
    week = datetime(2026, 3, 2)  # Monday; the range starts on Thursday the 5th
    rows = [_row(1, week, 240 * 24 * 4)]
    first_hours = {1: datetime(2026, 1, 1), 2: datetime(2026, 3, 20)}  # 2 did not exist yet
    series = performance_series(
        rows, first_hours, [week], "week", datetime(2026, 4, 1), datetime(2026, 3, 5),
        datetime(2026, 3, 9),
    )  # fmt: skip
    assert series["uptime_percent"] == [100.0]
    assert series["downlink_mbps"] == [100.0]


def test_series_summary():
    assert series_summary([None, 2.0, 4.0]) == {"min": 2.0, "max": 4.0, "avg": 3.0}
    assert series_summary([None]) == {"min": None, "max": None, "avg": None}


# --------------------------------------------------------------------------- colours


def test_default_colours_read_on_white():
    for color in DEFAULT_COLORS.values():
        assert contrast_ratio(color) >= 3.0, color


def test_contrast_ratio():
    assert contrast_ratio("#000000") == pytest.approx(21.0)
    assert contrast_ratio("#fff") == pytest.approx(1.0)
    assert contrast_ratio("not a colour") is None


def test_readable_darkens_light_colours_only():
    assert readable("#1f5fae") == "#1f5fae"
    light = readable("#ffd966")
    assert light != "#ffd966" and contrast_ratio(light) >= 3.0
    assert readable("") is None


def test_palette_uses_company_colours():
    assert palette() == DEFAULT_COLORS
    colors = palette("#875A7B", "#ffd966")
    assert colors["primary"] == "#875a7b"
    assert contrast_ratio(colors["secondary"]) >= 3.0
    same = palette("#123456", "#123456")
    assert same["secondary"] != same["primary"]


def test_shown_end_stops_at_today():
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    assert shown_end(start, end, date(2026, 3, 10)) == date(2026, 3, 10)
    assert shown_end(start, end, date(2026, 4, 10)) == end
    assert shown_end(start, end, date(2026, 2, 10)) == start  # a range in the future
