"""Billing-cycle arithmetic of starlink_base (pure Python, no Odoo)."""

from datetime import date, timedelta

import pytest
from starlink_base_lib.billing_cycle import (
    anchor_date,
    billing_day_of_cycle,
    cycle_bounds,
    days_left,
)


@pytest.mark.parametrize(
    ("billing_day", "on_date", "start", "end"),
    [
        (1, date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31)),
        (1, date(2026, 1, 31), date(2026, 1, 1), date(2026, 1, 31)),
        (15, date(2026, 3, 14), date(2026, 2, 15), date(2026, 3, 14)),
        (31, date(2026, 2, 27), date(2026, 1, 31), date(2026, 2, 27)),
        (31, date(2026, 2, 28), date(2026, 2, 28), date(2026, 3, 30)),
        (31, date(2026, 4, 30), date(2026, 4, 30), date(2026, 5, 30)),
        (30, date(2028, 2, 29), date(2028, 2, 29), date(2028, 3, 29)),
        (29, date(2028, 2, 28), date(2028, 1, 29), date(2028, 2, 28)),
        (29, date(2028, 2, 29), date(2028, 2, 29), date(2028, 3, 28)),
        (29, date(2027, 2, 28), date(2027, 2, 28), date(2027, 3, 28)),
        (31, date(2027, 1, 5), date(2026, 12, 31), date(2027, 1, 30)),
        (5, date(2026, 12, 31), date(2026, 12, 5), date(2027, 1, 4)),
    ],
)
def test_cycle_bounds(billing_day, on_date, start, end):
    assert cycle_bounds(billing_day, on_date) == (start, end)


@pytest.mark.parametrize("billing_day", [1, 15, 28, 29, 30, 31])
def test_cycles_tile_the_calendar(billing_day):
    """Every day of four years is in exactly one cycle, and cycles follow each other."""
    day, previous_end = date(2025, 1, 1), None
    while day < date(2029, 1, 1):
        start, end = cycle_bounds(billing_day, day)
        assert start <= day <= end
        assert 28 <= (end - start).days + 1 <= 31
        if previous_end is not None:
            assert start == previous_end + timedelta(days=1)
        previous_end, day = end, end + timedelta(days=1)


def test_anchor_date_clamps_to_month_end():
    assert anchor_date(2026, 2, 31) == date(2026, 2, 28)
    assert anchor_date(2028, 2, 31) == date(2028, 2, 29)
    assert anchor_date(2026, 6, 31) == date(2026, 6, 30)


def test_days_left_counts_today():
    assert days_left(1, date(2026, 1, 31)) == 1
    assert days_left(1, date(2026, 1, 1)) == 31


@pytest.mark.parametrize("billing_day", [0, 32, -1])
def test_invalid_billing_day(billing_day):
    with pytest.raises(ValueError, match="between 1 and 31"):
        cycle_bounds(billing_day, date(2026, 1, 1))


@pytest.mark.parametrize("billing_day", range(1, 32))
@pytest.mark.parametrize(
    "on_date",
    [
        date(2026, 1, 15),
        date(2026, 2, 10),
        date(2028, 2, 27),
        date(2026, 4, 29),
        date(2026, 12, 31),
    ],
)
def test_billing_day_of_cycle_reads_back_every_cycle(billing_day, on_date):
    start, end = cycle_bounds(billing_day, on_date)
    assert billing_day_of_cycle(start, end) == billing_day


def test_billing_day_of_cycle_with_the_end_read_as_the_next_start():
    """The other reading of ``endDate`` (the next cycle's start) gives the same day whenever
    the cycle does not start on a month's last day."""
    assert billing_day_of_cycle(date(2026, 7, 10), date(2026, 8, 10)) == 10
    assert billing_day_of_cycle(date(2026, 1, 1), date(2026, 2, 1)) == 1
