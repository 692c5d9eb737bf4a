"""Suspension for non-payment: when an invoice makes a line overdue, and what resuming undoes.

Plain rules, no Odoo import (the models call them with field values):

- an invoice is *settled* once it is paid, in payment or reversed (a credit note), or when it
  is no longer a posted invoice (reset to draft, cancelled);
- it *suspends* its service lines once its due date plus the company's grace days is past:
  due on 1 July with 15 grace days, the line is still served on 16 July and suspended on the
  17th;
- resuming undoes the action taken at Starlink when it can (see :func:`resume_step`).
"""

from datetime import timedelta

# Odoo's payment states of an invoice that owes nothing more.
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")

# What is done at Starlink when a line is suspended for non-payment.
ACTION_NONE = "none"
ACTION_OPT_OUT = "opt_out"
ACTION_CANCEL = "cancel"
ACTIONS = (ACTION_NONE, ACTION_OPT_OUT, ACTION_CANCEL)

# What resuming does with the action taken at suspension (see resume_step).
RESUME = "resume"  # the line is active again, nothing to undo at Starlink
RESUME_OPT_IN = "resume_opt_in"  # active again, and opted in again at Starlink
WITHDRAW_AND_RESUME = "withdraw_and_resume"  # the action never left: it is dropped
WAIT_FOR_CHECK = "wait_for_check"  # the action may have been applied: check it first
NEW_ACTIVATION = "new_activation"  # cancelled at Starlink: cannot be resumed


def is_settled(state, payment_state):
    """True when an invoice owes nothing more (or is no longer a posted invoice)."""
    return state != "posted" or payment_state in SETTLED_PAYMENT_STATES


def overdue_before(today, grace_days):
    """Invoices due before this day suspend their lines on ``today`` (when unsettled)."""
    return today - timedelta(days=max(grace_days or 0, 0))


def suspension_date(due_date, grace_days):
    """The first day a line is suspended for an invoice due on ``due_date``."""
    return due_date + timedelta(days=max(grace_days or 0, 0) + 1)


def is_overdue(due_date, grace_days, today, state="posted", payment_state="not_paid"):
    """True when an invoice suspends its lines on ``today``: unsettled, and its due date plus
    ``grace_days`` is past. ``grace_days=None`` ignores the grace (past its due date only)."""
    if not due_date or is_settled(state, payment_state):
        return False
    return due_date < overdue_before(today, grace_days)


def resume_step(action, request_state, was_opted_in):
    """What resuming a line does, given the action taken when it was suspended.

    :param action: ``none``, ``opt_out`` or ``cancel`` (the action chosen at suspension)
    :param request_state: the state of the Starlink request of that action (``to_send``,
        ``sending``, ``confirmed``, ``failed``, ``unknown``), or None when there is none
    :param was_opted_in: whether Starlink showed the line opted into priority data just
        before the opt-out was sent (None: not read)

    - no action, or an action refused by Starlink (``failed``): resume;
    - an action never sent (``to_send``): drop it, resume;
    - an opt-out: resume and opt in again, only when the line was opted in before it
      (an opt-out of a line already out changed nothing);
    - a cancellation confirmed by Starlink: never resumed (a new activation is needed);
      one whose outcome is not known yet (``sending``, ``unknown``): check it at Starlink
      first. An opt-out with an unknown outcome is undone all the same: opting in again is
      harmless when it was not applied.
    """
    if action == ACTION_NONE or not request_state or request_state == "failed":
        return RESUME
    if request_state == "to_send":
        return WITHDRAW_AND_RESUME
    if action == ACTION_CANCEL:
        return NEW_ACTIVATION if request_state == "confirmed" else WAIT_FOR_CHECK
    if action == ACTION_OPT_OUT:
        return RESUME_OPT_IN if was_opted_in else RESUME
    raise ValueError(f"unknown non-payment action {action!r}")
