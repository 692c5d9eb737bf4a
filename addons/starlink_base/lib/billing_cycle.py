"""Billing-cycle arithmetic for Starlink service lines.

A service line is billed monthly on its *billing day* (1-31). In a month that has no such day
(day 29-31 in February, day 31 in 30-day months) the cycle starts on the month's last day
instead. A cycle ends the day before the next one starts.
"""

import calendar
import datetime


def anchor_date(year, month, billing_day):
    """Return the cycle start in ``year``/``month``: ``billing_day`` clamped to the month."""
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(billing_day, last_day))


def _shift_month(year, month, delta):
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def cycle_bounds(billing_day, on_date):
    """Return ``(start, end)`` of the billing cycle containing ``on_date`` (both inclusive)."""
    if not 1 <= int(billing_day) <= 31:
        raise ValueError(f"billing day must be between 1 and 31, got {billing_day!r}")
    start = anchor_date(on_date.year, on_date.month, billing_day)
    if on_date < start:
        start = anchor_date(*_shift_month(on_date.year, on_date.month, -1), billing_day)
    next_start = anchor_date(*_shift_month(start.year, start.month, 1), billing_day)
    return start, next_start - datetime.timedelta(days=1)


def days_left(billing_day, on_date):
    """Days from ``on_date`` to the end of its cycle, ``on_date`` included."""
    return (cycle_bounds(billing_day, on_date)[1] - on_date).days + 1


def billing_day_of_cycle(start, end):
    """The billing day of a cycle running from ``start`` to its last day ``end``.

    A cycle starts on its billing day, clamped to the month's last day. A cycle that starts
    on another day than its month's last tells its billing day at once (whether ``end`` is
    read as the last day or as the next cycle's start). One that starts on a month's last
    day may belong to a later billing day, clamped: the next cycle's start, the day after
    ``end``, tells it (30 November - 30 December is a line billed on the 31st).
    """
    last_of_month = calendar.monthrange(start.year, start.month)[1]
    if start.day < last_of_month:
        return start.day
    return max(start.day, (end + datetime.timedelta(days=1)).day)
