"""The prorated plan-change quote of the portal (starlink_portal/lib/requests.py) on the days
where billing cycles are easy to get wrong: a month's last day, a billing day, the day before
one, February, the 31st. Pure Python: the day is an argument, each case names its own.

An upgrade bills the price difference for the rest of the current cycle, the day of the
change included (starlink_portal README / lib/requests.py): ``difference × days left / days
of the cycle``. A cycle starts on its billing day, clamped to the month's last day, and ends
the day before the next one starts (starlink_base/lib/billing_cycle.py).
"""

import calendar
from datetime import date, timedelta

import pytest
from starlink_base_lib.billing import prorated_price
from starlink_base_lib.billing_cycle import cycle_bounds, days_left
from starlink_portal_lib.requests import plan_change_quote

OLD, NEW = 100.0, 250.0  # a difference of 150.00 a month

# (billing day, day of the change, cycle start, cycle end, days billed, days of the cycle,
#  amount), every figure worked out by hand from the calendar.
CASES = [
    # A month's last day (30 November, a 30-day month): the cycle 6 November - 5 December
    # has 30 days, 6 of them left (30 November - 5 December): 150 × 6 / 30 = 30.00.
    pytest.param(6, date(2026, 11, 30), date(2026, 11, 6), date(2026, 12, 5), 6, 30, 30.0,
                 id="month-end-30th"),
    # Billed on the 31st, 30 November is its (clamped) billing day: a whole cycle,
    # 30 November - 30 December (31 days).
    pytest.param(31, date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 30), 31, 31, 150.0,
                 id="month-end-clamped-billing-day"),
    pytest.param(30, date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 29), 30, 30, 150.0,
                 id="month-end-is-billing-day"),
    # 31 December, billed on the 1st: the last day of the cycle, 1 of 31 days: 4.84.
    pytest.param(1, date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), 1, 31, 4.84,
                 id="month-end-last-day-of-cycle"),
    # On a billing day: the whole cycle at the difference.
    pytest.param(15, date(2027, 3, 15), date(2027, 3, 15), date(2027, 4, 14), 31, 31, 150.0,
                 id="billing-day"),
    # The day before a billing day: the cycle's last day. 15 February - 14 March is 28 days:
    # 150 / 28 = 5.357… → 5.36.
    pytest.param(15, date(2027, 3, 14), date(2027, 2, 15), date(2027, 3, 14), 1, 28, 5.36,
                 id="day-before-billing-day"),
    pytest.param(6, date(2026, 12, 5), date(2026, 11, 6), date(2026, 12, 5), 1, 30, 5.0,
                 id="day-before-billing-day-30-day-cycle"),
    # February: billed on the 1st, 10 February: 19 of 28 days, 150 × 19 / 28 = 101.79.
    pytest.param(1, date(2027, 2, 10), date(2027, 2, 1), date(2027, 2, 28), 19, 28, 101.79,
                 id="february"),
    # Billed on the 31st: 28 February is the clamped billing day, the cycle runs to 30 March.
    pytest.param(31, date(2027, 2, 28), date(2027, 2, 28), date(2027, 3, 30), 31, 31, 150.0,
                 id="february-clamped-billing-day"),
    # ... and 27 February is the last day of the cycle that started on 31 January.
    pytest.param(31, date(2027, 2, 27), date(2027, 1, 31), date(2027, 2, 27), 1, 28, 5.36,
                 id="february-day-before-clamped-billing-day"),
    # A leap year: billed on the 29th, 28 February 2028 ends the cycle from 29 January (31
    # days); 29 February starts the next one (29 February - 28 March, 29 days).
    pytest.param(29, date(2028, 2, 28), date(2028, 1, 29), date(2028, 2, 28), 1, 31, 4.84,
                 id="february-leap-day-before"),
    pytest.param(29, date(2028, 2, 29), date(2028, 2, 29), date(2028, 3, 28), 29, 29, 150.0,
                 id="february-leap-billing-day"),
    # On the 31st: billed on the 5th, 31 December: 5 of 31 days, 150 × 5 / 31 = 24.19.
    pytest.param(5, date(2026, 12, 31), date(2026, 12, 5), date(2027, 1, 4), 5, 31, 24.19,
                 id="31st"),
    # Billed on the 31st, 31 January: a whole cycle of 28 days (to 27 February).
    pytest.param(31, date(2027, 1, 31), date(2027, 1, 31), date(2027, 2, 27), 28, 28, 150.0,
                 id="31st-billing-day"),
    # Billed on the 30th, 31 March: cycle 30 March - 29 April (31 days), 30 left: 145.16.
    pytest.param(30, date(2027, 3, 31), date(2027, 3, 30), date(2027, 4, 29), 30, 31, 145.16,
                 id="31st-day-after-billing-day"),
]  # fmt: skip


def quote_on(billing_day, today):
    """The quote of an upgrade on ``today`` of a line invoiced in advance to its cycle's end,
    put together as ``starlink.service.line._portal_plan_change_quote`` does it."""
    cycle = cycle_bounds(billing_day, today)
    return plan_change_quote(
        OLD,
        NEW,
        today,
        cycle,
        cycle[1] + timedelta(days=1),
        lambda price, first, last: prorated_price(price, billing_day, first, last),
    )


def reference_cycle(billing_day, day):
    """``(start, end)`` of the cycle holding ``day``, found by walking the calendar one day
    at a time: a cycle starts on a day that is its month's billing day, clamped."""

    def starts_a_cycle(d):
        return d.day == min(billing_day, calendar.monthrange(d.year, d.month)[1])

    start = day
    while not starts_a_cycle(start):
        start -= timedelta(days=1)
    end = day + timedelta(days=1)
    while not starts_a_cycle(end):
        end += timedelta(days=1)
    return start, end - timedelta(days=1)


@pytest.mark.parametrize(
    ("billing_day", "today", "start", "end", "days", "cycle_days", "amount"), CASES
)
def test_upgrade_quote_on_hand_checked_days(
    billing_day, today, start, end, days, cycle_days, amount
):
    assert cycle_bounds(billing_day, today) == (start, end)
    assert days_left(billing_day, today) == days
    quote = quote_on(billing_day, today)
    assert quote.upgrade and quote.effective_date == today
    assert (quote.first_day, quote.last_day) == (today, end)
    assert (quote.days, quote.cycle_days) == (days, cycle_days)
    assert round(quote.amount_now, 2) == amount
    if days == cycle_days:
        assert quote.amount_now == NEW - OLD  # a whole cycle is exactly the difference


@pytest.mark.parametrize(
    ("billing_day", "today", "start", "end", "days", "cycle_days", "amount"), CASES
)
def test_hand_checked_days_match_the_calendar(
    billing_day, today, start, end, days, cycle_days, amount
):
    """The expected figures themselves, read again off the calendar."""
    assert reference_cycle(billing_day, today) == (start, end)
    assert days == (end - today).days + 1
    assert cycle_days == (end - start).days + 1
    assert amount == round((NEW - OLD) * days / cycle_days, 2)


@pytest.mark.parametrize("billing_day", range(1, 32))
def test_upgrade_quote_on_every_day_of_four_years(billing_day):
    """Every day of 2026-2029 (a leap year among them), every billing day: the days billed
    run from the day of the change, included, to the end of the cycle holding it."""
    day = date(2026, 1, 1)
    while day < date(2030, 1, 1):
        start, end = reference_cycle(billing_day, day)
        quote = quote_on(billing_day, day)
        expected_days, expected_cycle = (end - day).days + 1, (end - start).days + 1
        assert (quote.first_day, quote.last_day) == (day, end), (billing_day, day)
        assert (quote.days, quote.cycle_days) == (expected_days, expected_cycle), (
            billing_day,
            day,
        )
        assert days_left(billing_day, day) == expected_days
        assert quote.amount_now == pytest.approx((NEW - OLD) * expected_days / expected_cycle)
        day += timedelta(days=1)
