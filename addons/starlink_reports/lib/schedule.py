"""When a scheduled report is sent and which period it covers (no ``odoo`` import).

A report goes out ``lag_days`` days after its period ends (Starlink's usage lags about a
day), so that its last day is complete. The period of a send date is therefore fixed by the
date alone: a run that is retried, or resumed after a crash, computes the same period and the
same delivery key, and never sends a second report for it.
"""

from datetime import timedelta

FREQUENCIES = ("weekly", "monthly", "custom")
LAG_DAYS = 1
# Retries of a failed render or mail: 15 min, 30 min, 1 h, 2 h, then reported.
RETRY_BASE_MINUTES = 15
RETRY_CAP_MINUTES = 12 * 60
MAX_ATTEMPTS = 5


def report_period(frequency, send_date, billing_day=1, interval_days=7, cycle_bounds=None,
                  lag_days=LAG_DAYS):  # fmt: skip
    """``(start, end)`` of the complete period a report sent on ``send_date`` covers.

    ``weekly``: the ISO week (Monday to Sunday) holding ``send_date - lag - 1``;
    ``monthly``: the billing cycle holding that day (``cycle_bounds(billing_day, day)``);
    ``custom``: the ``interval_days`` days ending on that day.
    """
    last = send_date - timedelta(days=lag_days + 1)
    if frequency == "weekly":
        start = last - timedelta(days=last.weekday())
        return start, start + timedelta(days=6)
    if frequency == "monthly":
        if cycle_bounds is None:
            raise ValueError("a monthly report needs the billing cycle rule")
        return cycle_bounds(billing_day, last)
    if frequency == "custom":
        if not interval_days or interval_days < 1:
            raise ValueError("a custom report needs a period of at least one day")
        return last - timedelta(days=interval_days - 1), last
    raise ValueError(f"unknown frequency {frequency!r}")


def send_date_after(frequency, period_end, billing_day=1, interval_days=7, cycle_bounds=None,
                    lag_days=LAG_DAYS):  # fmt: skip
    """The send date of the period following the one ending on ``period_end``."""
    next_start = period_end + timedelta(days=1)
    if frequency == "weekly":
        next_end = next_start + timedelta(days=6)
    elif frequency == "monthly":
        next_end = cycle_bounds(billing_day, next_start)[1]
    else:
        next_end = period_end + timedelta(days=interval_days)
    return next_end + timedelta(days=lag_days + 1)


def first_send_date(frequency, today, billing_day=1, interval_days=7, cycle_bounds=None,
                    lag_days=LAG_DAYS):  # fmt: skip
    """The first send date on or after ``today``: today when a period's report is due today,
    else the send date of the period under way."""
    _start, end = report_period(
        frequency, today, billing_day, interval_days, cycle_bounds, lag_days
    )
    due = end + timedelta(days=lag_days + 1)
    if due >= today:
        return due
    return send_date_after(frequency, end, billing_day, interval_days, cycle_bounds, lag_days)


def delivery_key(schedule_id, start, end):
    """What makes a delivery unique: one report per schedule and period."""
    return f"{schedule_id}:{start.isoformat()}:{end.isoformat()}"


def retry_delay_minutes(attempt, base=RETRY_BASE_MINUTES, cap=RETRY_CAP_MINUTES):
    """Minutes to wait after the ``attempt``-th failure (1-based): doubling, capped."""
    return min(cap, base * 2 ** max(0, attempt - 1))


def gives_up(attempt, max_attempts=MAX_ATTEMPTS):
    """Whether the ``attempt``-th failure is the last one tried (then it is reported)."""
    return attempt >= max_attempts
