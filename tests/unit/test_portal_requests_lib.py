"""Quotes of the portal's plan change and top-up requests, alert preferences and form
helpers (starlink_portal/lib/requests.py, pure Python), with billing's own proration."""

from datetime import date
from functools import partial

import pytest
from starlink_base_lib.billing import prorated_price
from starlink_portal_lib.requests import (
    CLIENT_STATES,
    MAX_PORTAL_BLOCKS,
    client_state,
    is_form_token,
    muted_rules,
    new_form_token,
    parse_blocks,
    parse_id,
    plan_change_quote,
    safe_redirect,
    top_up_amount,
)

# Billing day 1: January's cycle is 1-31 January (31 days).
JANUARY = (date(2027, 1, 1), date(2027, 1, 31))
PRORATE_DAY_1 = partial(prorated_price, billing_day=1)


def prorate(price, first, last):
    return PRORATE_DAY_1(price, first=first, last=last)


def test_upgrade_invoiced_in_advance_is_the_prorated_difference():
    # 100 → 200 on 11 January: 21 of the 31 days left, 100 × 21 / 31 = 67.7419… → 67.74.
    quote = plan_change_quote(100.0, 200.0, date(2027, 1, 11), JANUARY, date(2027, 2, 1), prorate)
    assert quote.upgrade
    assert quote.effective_date == date(2027, 1, 11)
    assert (quote.first_day, quote.last_day) == (date(2027, 1, 11), date(2027, 1, 31))
    assert (quote.days, quote.cycle_days) == (21, 31)
    assert round(quote.amount_now, 2) == 67.74
    assert quote.difference == 100.0


def test_upgrade_on_the_first_day_is_the_whole_difference():
    quote = plan_change_quote(89.0, 209.0, date(2027, 1, 1), JANUARY, date(2027, 2, 1), prorate)
    assert quote.amount_now == 120.0
    assert quote.days == 31


def test_upgrade_on_the_last_day_is_one_day():
    quote = plan_change_quote(100.0, 131.0, date(2027, 1, 31), JANUARY, date(2027, 2, 1), prorate)
    assert quote.days == 1
    assert quote.amount_now == pytest.approx(1.0)


def test_upgrade_before_the_cycle_is_invoiced_bills_the_unbilled_days():
    # Invoiced to 31 December: the next invoice bills January at the new plan, i.e. the whole
    # cycle's difference over the old price.
    quote = plan_change_quote(100.0, 200.0, date(2027, 1, 11), JANUARY, date(2027, 1, 1), prorate)
    assert quote.first_day == date(2027, 1, 1)
    assert quote.amount_now == 100.0
    # A line started on 20 January, never invoiced: its first period 20-31 January.
    quote = plan_change_quote(100.0, 200.0, date(2027, 1, 25), JANUARY, date(2027, 1, 20), prorate)
    assert quote.days == 12
    assert round(quote.amount_now, 2) == round(100 * 12 / 31, 2)


def test_upgrade_of_a_line_not_billed_charges_nothing():
    quote = plan_change_quote(100.0, 200.0, date(2027, 1, 11), JANUARY, None, prorate)
    assert quote.upgrade and quote.amount_now == 0.0 and quote.days == 0


def test_downgrade_waits_for_the_next_cycle_and_charges_nothing():
    quote = plan_change_quote(200.0, 100.0, date(2027, 1, 11), JANUARY, date(2027, 2, 1), prorate)
    assert not quote.upgrade
    assert quote.effective_date == date(2027, 2, 1)
    assert quote.amount_now == 0.0
    # Same price: not an upgrade either (billing's rule), at the next cycle.
    same = plan_change_quote(100.0, 100.0, date(2027, 1, 11), JANUARY, None, prorate)
    assert not same.upgrade and same.effective_date == date(2027, 2, 1)


def test_quote_day_must_be_in_the_cycle():
    with pytest.raises(ValueError):
        plan_change_quote(1.0, 2.0, date(2027, 2, 1), JANUARY, None, prorate)


def test_short_cycle_proration_uses_billings_days():
    # Billing day 31 in February: the cycle is 28 February - 30 March (31 days).
    cycle = (date(2027, 2, 28), date(2027, 3, 30))
    quote = plan_change_quote(
        50.0, 81.0, date(2027, 3, 20), cycle, date(2027, 3, 31),
        lambda price, first, last: prorated_price(price, 31, first, last),
    )  # fmt: skip
    assert (quote.days, quote.cycle_days) == (11, 31)
    assert quote.amount_now == pytest.approx(31 * 11 / 31)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), ("10", 10), (3, 3), (" 2 ", 2), ("0", None), ("11", None), ("-1", None),
     ("2.5", None), ("", None), (None, None), ("abc", None)],
)  # fmt: skip
def test_parse_blocks(value, expected):
    assert parse_blocks(value) == expected
    assert MAX_PORTAL_BLOCKS == 10


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (7, 7), ("0", None), ("-3", None), ("1e3", None), ("", None),
     (None, None), ("99999999999", None)],
)  # fmt: skip
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_top_up_amount():
    assert top_up_amount(25.0, 3) == 75.0


def test_form_tokens_are_unique_and_checked():
    tokens = {new_form_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(is_form_token(token) for token in tokens)
    for bad in (None, "", "short", "x" * 31, "x" * 33, "a" * 31 + "!", 42):
        assert not is_form_token(bad)


@pytest.mark.parametrize(
    ("state", "sent", "upgrade", "expected"),
    [
        ("to_approve", None, True, "waiting"),
        ("approved", None, True, "in_progress"),
        ("approved", "to_send", True, "in_progress"),
        ("approved", "sending", True, "in_progress"),
        ("approved", "unknown", True, "in_progress"),
        ("approved", "confirmed", True, "done"),
        ("approved", "confirmed", False, "scheduled"),
        ("approved", "failed", True, "failed"),
        ("refused", None, True, "refused"),
        ("cancelled", None, True, "cancelled"),
    ],
)
def test_client_state(state, sent, upgrade, expected):
    assert client_state(state, sent, upgrade) == expected
    assert expected in CLIENT_STATES


def test_muted_rules_touch_only_the_offered_ones():
    # Offered 1, 2, 3; the client wants 1 and 3; rule 9 (not offered) was muted: kept.
    assert muted_rules({1, 2, 3}, {1, 3}, {9, 1}) == {2, 9}
    assert muted_rules({1, 2}, {1, 2}, set()) == set()
    assert muted_rules({1, 2}, set(), set()) == {1, 2}
    # Wanting a rule that is not offered does not unmute it.
    assert muted_rules({1}, {1, 9}, {9}) == {9}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/my/starlink/alerts", "/my/starlink/alerts"),
        ("/my/starlink/alerts?filterby=all", "/my/starlink/alerts?filterby=all"),
        ("https://evil.example.com/", "/my"),
        ("//evil.example.com/my/", "/my"),
        ("/web/login", "/my"),
        ("/my/\\evil", "/my"),
        ("/my/x\r\nSet-Cookie: a=b", "/my"),
        (None, "/my"),
    ],
)
def test_safe_redirect(url, expected):
    assert safe_redirect(url, "/my") == expected
