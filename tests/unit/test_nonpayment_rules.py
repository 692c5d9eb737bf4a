"""Suspension for non-payment: when an invoice suspends its lines, what resuming undoes."""

from datetime import date

import pytest
from starlink_telemetry_lib.nonpayment import (
    NEW_ACTIVATION,
    RESUME,
    RESUME_OPT_IN,
    WAIT_FOR_CHECK,
    WITHDRAW_AND_RESUME,
    is_overdue,
    is_settled,
    overdue_before,
    resume_step,
    suspension_date,
)

DUE = date(2026, 7, 1)


@pytest.mark.parametrize(
    ("state", "payment_state", "settled"),
    [
        ("posted", "not_paid", False),
        ("posted", "partial", False),
        ("posted", "in_payment", True),
        ("posted", "paid", True),
        ("posted", "reversed", True),
        ("draft", "not_paid", True),
        ("cancel", "not_paid", True),
    ],
)
def test_settled_invoices(state, payment_state, settled):
    assert is_settled(state, payment_state) is settled


def test_suspended_the_day_after_the_grace_days():
    assert suspension_date(DUE, 15) == date(2026, 7, 17)
    assert not is_overdue(DUE, 15, date(2026, 7, 16))
    assert is_overdue(DUE, 15, date(2026, 7, 17))
    # no grace: the day after the due date
    assert not is_overdue(DUE, 0, DUE)
    assert is_overdue(DUE, 0, date(2026, 7, 2))
    assert suspension_date(DUE, -3) == date(2026, 7, 2), "a negative grace counts as none"
    # the search bound agrees: due before it is overdue
    today = date(2026, 7, 17)
    assert overdue_before(today, 15) == date(2026, 7, 2)
    assert suspension_date(overdue_before(today, 15), 15) == date(2026, 7, 18)


def test_settled_or_undated_invoices_never_suspend():
    late = date(2026, 12, 31)
    assert not is_overdue(DUE, 15, late, payment_state="paid")
    assert not is_overdue(DUE, 15, late, payment_state="in_payment")
    assert not is_overdue(DUE, 15, late, payment_state="reversed")
    assert not is_overdue(DUE, 15, late, state="draft")
    assert not is_overdue(None, 15, late)
    assert is_overdue(DUE, 15, late, payment_state="partial"), "a part payment is not payment"


def test_grace_ignored_when_suspended_by_hand():
    assert is_overdue(DUE, None, date(2026, 7, 2))
    assert not is_overdue(DUE, None, DUE)


@pytest.mark.parametrize(
    ("action", "request_state", "was_opted_in", "step"),
    [
        ("none", None, None, RESUME),
        ("opt_out", "confirmed", True, RESUME_OPT_IN),
        ("opt_out", "confirmed", False, RESUME),  # it was out already: nothing to undo
        ("opt_out", "unknown", True, RESUME_OPT_IN),  # opting in again is harmless
        ("opt_out", "failed", True, RESUME),  # refused: nothing was applied
        ("opt_out", "to_send", True, WITHDRAW_AND_RESUME),
        ("cancel", "confirmed", None, NEW_ACTIVATION),
        ("cancel", "unknown", None, WAIT_FOR_CHECK),
        ("cancel", "sending", None, WAIT_FOR_CHECK),
        ("cancel", "failed", None, RESUME),
        ("cancel", "to_send", None, WITHDRAW_AND_RESUME),
        ("cancel", None, None, RESUME),
    ],
)
def test_resume_step(action, request_state, was_opted_in, step):
    assert resume_step(action, request_state, was_opted_in) == step


def test_unknown_action_is_an_error():
    with pytest.raises(ValueError, match="unknown non-payment action"):
        resume_step("pause", "confirmed", None)
