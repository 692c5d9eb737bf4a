"""Client portal helpers of starlink_portal (pure Python, no Odoo): ranges, grouping,
performance summaries and export files."""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from starlink_portal_lib.export import to_csv, to_xlsx
from starlink_portal_lib.performance import expected_hours, summarize
from starlink_portal_lib.periods import (
    days_in,
    group_rows,
    parse_date,
    parse_grouping,
    parse_range,
    period_end,
    period_start,
    totals,
)

CYCLE = (date(2026, 11, 6), date(2026, 12, 5))


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        (None, None, CYCLE),
        ("2026-10-01", "2026-10-31", (date(2026, 10, 1), date(2026, 10, 31))),
        ("2026-10-31", "2026-10-01", (date(2026, 10, 1), date(2026, 10, 31))),  # swapped
        ("yesterday", "2026-13-45", CYCLE),  # invalid: defaults
        ("2026-11-20", "", (date(2026, 11, 20), CYCLE[1])),
        ("", "2026-11-01", (date(2026, 11, 1), CYCLE[0])),  # ends before the default start
        ("2026-11-10T08:00:00", None, (date(2026, 11, 10), CYCLE[1])),
    ],
)
def test_parse_range(date_from, date_to, expected):
    start, end = parse_range(date_from, date_to, *CYCLE)
    assert (start, end) == tuple(sorted(expected))


def test_parse_range_caps_the_length_keeping_the_last_day():
    start, end = parse_range("2000-01-01", "2026-11-30", *CYCLE, max_days=400)
    assert end == date(2026, 11, 30)
    assert (end - start).days + 1 == 400


def test_parse_range_without_any_date():
    assert parse_range(None, None, None, None) == (None, None)


def test_parse_date_and_grouping():
    assert parse_date("2026-02-28") == date(2026, 2, 28)
    assert parse_date("2026-02-30") is None
    assert parse_date(None) is None
    assert parse_date(date(2026, 1, 1)) == date(2026, 1, 1)
    assert parse_grouping("week") == "week"
    assert parse_grouping("year") == "day"
    assert parse_grouping(None, default="month") == "month"


@pytest.mark.parametrize(
    ("day", "grouping", "start", "end"),
    [
        (date(2026, 11, 30), "day", date(2026, 11, 30), date(2026, 11, 30)),
        (date(2026, 11, 30), "week", date(2026, 11, 30), date(2026, 12, 6)),  # a Monday
        (date(2026, 12, 6), "week", date(2026, 11, 30), date(2026, 12, 6)),  # a Sunday
        (date(2026, 2, 14), "month", date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 2, 14), "month", date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 12, 31), "month", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_periods(day, grouping, start, end):
    assert period_start(day, grouping) == start
    assert period_end(start, grouping) == end


COLUMNS = ("priority_gb", "standard_gb")


def _rows(start, count):
    return [
        {"date": start + timedelta(days=i), "priority_gb": 1.0, "standard_gb": 0.5 * i}
        for i in range(count)
    ]


def test_group_by_day_keeps_each_day_in_order():
    rows = list(reversed(_rows(date(2026, 11, 1), 3)))
    grouped = group_rows(rows, "day", COLUMNS)
    assert [row["start"] for row in grouped] == days_in(date(2026, 11, 1), date(2026, 11, 3))
    assert [row["standard_gb"] for row in grouped] == [0.0, 0.5, 1.0]


def test_group_by_week_clips_to_the_range():
    start, end = date(2026, 11, 4), date(2026, 11, 20)  # Wednesday to Friday
    grouped = group_rows(_rows(start, 17), "week", COLUMNS, start, end)
    assert [(row["start"], row["end"], row["days"]) for row in grouped] == [
        (date(2026, 11, 4), date(2026, 11, 8), 5),
        (date(2026, 11, 9), date(2026, 11, 15), 7),
        (date(2026, 11, 16), date(2026, 11, 20), 5),
    ]
    assert sum(row["priority_gb"] for row in grouped) == 17.0


def test_group_by_month_and_totals():
    rows = _rows(date(2026, 10, 25), 20)
    grouped = group_rows(rows, "month", COLUMNS)
    assert [(row["start"], row["days"]) for row in grouped] == [
        (date(2026, 10, 1), 7),
        (date(2026, 11, 1), 13),
    ]
    assert totals(rows, COLUMNS) == {
        "priority_gb": 20.0,
        "standard_gb": sum(0.5 * i for i in range(20)),
    }
    assert group_rows([], "month", COLUMNS) == []


NOW = datetime(2026, 11, 30, 14, 20)


def test_expected_hours_from_first_rollup_and_up_to_now():
    start, end = datetime(2026, 11, 29), datetime(2026, 12, 1)
    assert expected_hours(datetime(2026, 1, 1), start, end, NOW) == 24 + 15
    assert expected_hours(datetime(2026, 11, 30, 10), start, end, NOW) == 5
    assert expected_hours(datetime(2026, 1, 1), start, datetime(2026, 11, 30), NOW) == 24
    assert expected_hours(datetime(2026, 12, 2), start, end, NOW) == 0


def test_summarize_weights_by_samples_and_counts_missing_hours():
    start, end = datetime(2026, 11, 1), datetime(2026, 11, 2)
    stats = [
        {
            "first_hour": datetime(2026, 10, 1),
            "samples": 240 * 12,  # 12 of 24 hours received
            "weight": 240 * 12,
            "latency_ms_sum": 40.0 * 240 * 12,
            "ping_drop_percent_sum": 0.0,
            "downlink_mbps_sum": 100.0 * 240 * 12,
            "uplink_mbps_sum": 10.0 * 240 * 12,
            "obstruction_percent_sum": 2.0 * 240 * 12,
        },
        {
            "first_hour": datetime(2026, 11, 1, 12),  # installed at noon: 12 hours expected
            "samples": 240 * 12,
            "weight": 240 * 12,
            "latency_ms_sum": 60.0 * 240 * 12,
            "ping_drop_percent_sum": 1.0 * 240 * 12,
            "downlink_mbps_sum": 200.0 * 240 * 12,
            "uplink_mbps_sum": 20.0 * 240 * 12,
            "obstruction_percent_sum": 0.0,
        },
    ]
    summary = summarize(stats, start, end, NOW)
    assert summary["hours"] == 36
    assert summary["uptime_percent"] == pytest.approx(100.0 * 24 / 36)
    assert summary["latency_ms"] == pytest.approx(50.0)
    assert summary["ping_drop_percent"] == pytest.approx(0.5)
    assert summary["downlink_mbps"] == pytest.approx(150.0)
    assert summary["obstruction_percent"] == pytest.approx(1.0)


def test_summarize_without_telemetry():
    summary = summarize([], datetime(2026, 11, 1), datetime(2026, 11, 2), NOW)
    assert summary["samples"] == 0
    assert summary["latency_ms"] is None
    assert summary["uptime_percent"] is None


EXPORT_COLUMNS = [
    ("number", "Service Line", "text"),
    ("date", "Date", "date"),
    ("priority_gb", "Priority (GB)", "gb"),
]
EXPORT_ROWS = [
    {"number": "SL-1", "date": date(2026, 11, 1), "priority_gb": 1.23456},
    {"number": "SL-1", "date": date(2026, 11, 2), "priority_gb": None},
]


def test_csv_has_a_header_iso_dates_and_dot_decimals():
    content = to_csv(EXPORT_COLUMNS, EXPORT_ROWS)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [
        ["Service Line", "Date", "Priority (GB)"],
        ["SL-1", "2026-11-01", "1.235"],
        ["SL-1", "2026-11-02", ""],
    ]


def test_xlsx_has_real_dates_numbers_and_a_total():
    content = to_xlsx(
        EXPORT_COLUMNS,
        EXPORT_ROWS,
        title="Usage of SL-1",
        header_lines=[("From", date(2026, 11, 1)), ("Plan", "Plan A")],
        total_label="Total",
    )
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Usage of SL-1"
    table = [row for row in values if row[0] == "SL-1"]
    assert table[0][1] == datetime(2026, 11, 1)
    assert table[0][2] == pytest.approx(1.23456)
    assert sheet.cell(row=len(values), column=1).value == "Total"
    assert sheet.cell(row=len(values), column=3).value.startswith("=SUM(")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
