"""Recurring billing arithmetic of starlink_base (pure Python, no Odoo)."""

from datetime import date

import pytest
from starlink_base_lib.billing import (
    format_gb,
    overage_quantity,
    period_days,
    period_end,
    period_label,
    previous_cycle,
    prorated_price,
    round_gb,
    short_date_format,
)


@pytest.mark.parametrize(
    ("billing_day", "start", "date_end", "end"),
    [
        # Started mid-cycle: billed to the end of its first cycle (6 June - 5 July).
        (6, date(2026, 6, 20), None, date(2026, 7, 5)),
        # A full cycle.
        (6, date(2026, 7, 6), None, date(2026, 8, 5)),
        # Ends before its cycle does: capped at the end date.
        (6, date(2026, 8, 6), date(2026, 8, 20), date(2026, 8, 20)),
        # Billing day 31 in February: the cycle starts on 28 February, ends 30 March.
        (31, date(2026, 2, 28), None, date(2026, 3, 30)),
        (31, date(2026, 2, 10), None, date(2026, 2, 27)),
        # Billing day 29 in a leap February.
        (29, date(2028, 2, 29), None, date(2028, 3, 28)),
    ],
)
def test_period_end(billing_day, start, date_end, end):
    assert period_end(billing_day, start, date_end) == end


def test_period_days_and_proration():
    # 20 June - 5 July = 16 days of the 30-day cycle 6 June - 5 July: 99 × 16 / 30 = 52.80.
    assert period_days(6, date(2026, 6, 20), date(2026, 7, 5)) == (16, 30)
    assert prorated_price(99.0, 6, date(2026, 6, 20), date(2026, 7, 5)) == pytest.approx(52.8)
    # Billing day 31, from 10 February: cycle 31 January - 27 February is 28 days, 18 billed:
    # 70 × 18 / 28 = 45.
    assert prorated_price(70.0, 31, date(2026, 2, 10), date(2026, 2, 27)) == pytest.approx(45.0)
    # Last period 6 - 20 August (15 days) of the 31-day cycle 6 August - 5 September:
    # 62 × 15 / 31 = 30.
    assert prorated_price(62.0, 6, date(2026, 8, 6), date(2026, 8, 20)) == pytest.approx(30.0)
    # A full cycle is the price itself, whatever its length (28 February - 30 March: 31 days).
    assert prorated_price(99.0, 31, date(2026, 2, 28), date(2026, 3, 30)) == 99.0


def test_period_days_refuses_a_period_across_cycles():
    with pytest.raises(ValueError):
        period_days(6, date(2026, 6, 20), date(2026, 7, 6))
    with pytest.raises(ValueError):
        period_days(6, date(2026, 6, 20), date(2026, 6, 19))


def test_previous_cycle():
    # The period starting 6 July bills the overage of 6 June - 5 July.
    assert previous_cycle(6, date(2026, 7, 6)) == (date(2026, 6, 6), date(2026, 7, 5))
    # Billing day 31: the cycle before 31 March - 29 April is 28 February - 30 March.
    assert previous_cycle(31, date(2026, 3, 31)) == (date(2026, 2, 28), date(2026, 3, 30))
    # A period starting mid-cycle (a first period) looks at the cycle before its own.
    assert previous_cycle(6, date(2026, 6, 20)) == (date(2026, 5, 6), date(2026, 6, 5))


def test_overage_quantity_starlink_rule():
    # Limit 1,000 GB, 1,050 GB priority of which 17 GB opt-in: min(17, 50) = 17 GB.
    assert overage_quantity("priority", 1000.0, 1050.0, 17.0, 1050.0) == 17.0
    # Opted in for the whole cycle (60 GB opt-in): only the 50 GB past the limit.
    assert overage_quantity("priority", 1000.0, 1050.0, 60.0, 1050.0) == 50.0
    # Standard data never makes overage under Starlink's rule; under the reseller basis
    # priority + standard it does: 980 + 40 = 1,020 counted, 20 GB beyond.
    assert overage_quantity("priority", 1000.0, 980.0, 0.0, 980.0) == 0.0
    assert overage_quantity("priority_standard", 1000.0, 980.0, 0.0, 1020.0) == 20.0
    # Unlimited plan: none.
    assert overage_quantity("priority", 0.0, 5000.0, 500.0, 5000.0) == 0.0


def test_round_gb_half_up():
    assert round_gb(0.125) == 0.13
    assert round_gb(17.004) == 17.0
    assert round_gb(2.675) == 2.68


def test_format_gb():
    assert format_gb(1000.0) == "1,000"
    assert format_gb(17.0, 1) == "17.0"
    assert format_gb(17.25, 1) == "17.25"
    assert format_gb(1234.5) == "1,234.5"


def test_period_label():
    assert short_date_format("%m/%d/%Y") == "%m/%d"
    assert short_date_format("%Y-%m-%d") == "%m-%d"
    assert short_date_format("%d.%m.%Y") == "%d.%m"
    assert period_label(date(2026, 5, 6), date(2026, 6, 5), "%d/%m/%Y") == "06/05\u201305/06"
    assert period_label(date(2026, 5, 6), date(2026, 6, 5), "%m/%d/%Y") == "05/06\u201306/05"
    assert period_label(date(2026, 7, 12), date(2026, 7, 12), "%m/%d/%Y") == "07/12"
