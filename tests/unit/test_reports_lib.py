"""Figures, periods and retry delays of the usage reports (starlink_reports/lib, pure Python)."""

import io
from datetime import date, timedelta

import pytest
import xlsxwriter
from openpyxl import load_workbook
from starlink_base_lib.billing_cycle import cycle_bounds
from starlink_base_lib.usage_rules import overage_gb
from starlink_reports_lib import schedule
from starlink_reports_lib.report_data import build_report, csv_rows
from starlink_reports_lib.xlsx_report import LABEL_KEYS, sheet_names, write_report

START, END = date(2026, 10, 5), date(2026, 11, 4)


def usage(line_id, day, priority, opt_in=0.0, standard=0.0):
    return {"line_id": line_id, "date": day, "priority_gb": priority,
            "opt_in_priority_gb": opt_in, "standard_gb": standard, "non_billable_gb": 0.0,
            "counted_gb": priority, "total_gb": priority + standard}  # fmt: skip


def lines():
    return [
        {"id": 1, "number": "SL-1", "name": "SL-1", "limit_gb": 100.0,
         "limit_basis": "priority", "overage_price": 2.0},
        {"id": 2, "number": "SL-2", "name": "SL-2", "limit_gb": 0.0, "overage_price": 0.0},
    ]  # fmt: skip


def test_report_totals_percent_and_overage():
    rows = [usage(1, START + timedelta(days=i), 5.0, opt_in=2.0 if i > 25 else 0.0)
            for i in range(31)]  # fmt: skip
    rows.append(usage(1, END + timedelta(days=1), 99.0))  # outside the period
    rows.append(usage(2, START, 1.5, standard=1.0))
    report = build_report(lines(), rows, START, END, overage=overage_gb)
    first, second = report["lines"]
    assert first["totals"]["counted_gb"] == 155.0
    assert first["percent"] == pytest.approx(155.0)
    assert first["overage_gb"] == 10.0  # 5 days of 2 GB opt-in, all beyond the limit
    assert first["overage_amount"] == 20.0
    assert first["days_reported"] == 31
    assert second["percent"] is None  # unlimited
    assert second["daily"][1]["counted_gb"] is None  # no row that day
    assert report["totals"]["total_gb"] == 155.0 + 2.5
    assert report["summary"] == {
        "line_count": 2, "over_limit_count": 1, "overage_gb": 10.0, "overage_amount": 20.0
    }  # fmt: skip
    assert report["daily_totals"][0]["priority_gb"] == 6.5
    assert len(csv_rows(report)) == 32


def test_report_refuses_a_reversed_period():
    with pytest.raises(ValueError):
        build_report(lines(), [], END, START)


@pytest.mark.parametrize(
    ("frequency", "send", "period"),
    [
        ("weekly", date(2026, 11, 10), (date(2026, 11, 2), date(2026, 11, 8))),
        ("monthly", date(2026, 11, 6), (date(2026, 10, 5), date(2026, 11, 4))),
        ("custom", date(2026, 11, 6), (date(2026, 10, 22), date(2026, 11, 4))),
    ],
)
def test_period_of_a_send_date(frequency, send, period):
    rule = {"billing_day": 5, "interval_days": 14, "cycle_bounds": cycle_bounds}
    assert schedule.report_period(frequency, send, **rule) == period
    following = schedule.send_date_after(frequency, period[1], **rule)
    next_period = schedule.report_period(frequency, following, **rule)
    assert next_period[0] == period[1] + timedelta(days=1), "periods follow each other"


def test_first_send_date_and_month_ends():
    rule = {"billing_day": 31, "cycle_bounds": cycle_bounds}
    # Cycle of 31 January - 27 February 2026 (the next starts on 28 February): sent 1 March.
    assert schedule.first_send_date("monthly", date(2026, 2, 10), **rule) == date(2026, 3, 1)
    assert schedule.report_period("monthly", date(2026, 3, 1), **rule) == (
        date(2026, 1, 31), date(2026, 2, 27)
    )  # fmt: skip
    assert schedule.first_send_date("weekly", date(2026, 11, 10)) == date(2026, 11, 10)


def test_key_and_backoff():
    assert schedule.delivery_key(7, START, END) == "7:2026-10-05:2026-11-04"
    assert [schedule.retry_delay_minutes(n) for n in range(1, 8)] == [
        15, 30, 60, 120, 240, 480, 720
    ]  # fmt: skip
    assert not schedule.gives_up(4) and schedule.gives_up(5)
    with pytest.raises(ValueError):
        schedule.report_period("yearly", START)


def test_sheet_names_are_unique_and_valid():
    names = sheet_names(["A/B", "x" * 40, "x" * 40, "Summary"], reserved=["Summary"])
    assert names[0] == "A_B"
    assert len(set(names)) == 4 and all(len(name) <= 31 for name in names)


def test_workbook_cells():
    rows = [usage(1, START + timedelta(days=i), 4.0, standard=1.0) for i in range(31)]
    report = build_report(lines(), rows, START, END, overage=overage_gb)
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    write_report(workbook, report, {key: key.title() for key in LABEL_KEYS}, "Client")
    workbook.close()
    book = load_workbook(io.BytesIO(output.getvalue()))
    assert book.sheetnames == ["Summary", "SL-1", "SL-2"]
    assert book["Summary"]["G6"].value == 124.0
    assert book["Summary"]["G8"].value == "=SUM(G6:G7)"
    assert book["SL-1"]["B36"].value == 4.0
    assert book["SL-1"]["B37"].value == "=SUM(B6:B36)"
