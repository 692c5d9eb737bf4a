"""Recurring billing arithmetic of a service line (no ``odoo`` import).

A service line is billed per billing cycle (see :mod:`.billing_cycle`): the plan fee in
advance, for the period from the line's start (or the day after the last billed period) to the
end of that cycle, capped at the line's end date; a period shorter than its cycle is prorated
by days. The overage is billed in arrears: with each period, the overage of the cycle before it.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from .billing_cycle import cycle_bounds
from .usage_rules import overage_gb

# Invoice quantities of GB are kept to Odoo's unit-of-measure precision.
GB_DIGITS = 2


def period_end(billing_day, period_start, date_end=None):
    """Last day billed with a period starting on ``period_start``: its cycle's end, or
    ``date_end`` when the line ends before."""
    end = cycle_bounds(billing_day, period_start)[1]
    return min(end, date_end) if date_end else end


def period_days(billing_day, first, last):
    """``(days billed, days of the cycle)`` of the period ``first``-``last`` (inclusive).

    The period must lie within one cycle.
    """
    start, end = cycle_bounds(billing_day, first)
    if last < first or last > end:
        raise ValueError(f"period {first}-{last} is not within the cycle {start}-{end}")
    return (last - first).days + 1, (end - start).days + 1


def prorated_price(price, billing_day, first, last):
    """The plan fee for the period ``first``-``last``: ``price`` × days / days of the cycle
    (not rounded; a full cycle is exactly ``price``)."""
    days, cycle_days = period_days(billing_day, first, last)
    if days == cycle_days:
        return price
    return price * days / cycle_days


def previous_cycle(billing_day, period_start):
    """``(start, end)`` of the cycle before the one ``period_start`` lies in: the cycle whose
    overage is billed with that period."""
    start = cycle_bounds(billing_day, period_start)[0]
    return cycle_bounds(billing_day, start - datetime.timedelta(days=1))


def round_gb(value, digits=GB_DIGITS):
    """``value`` rounded half up to ``digits`` decimals (not banker's rounding)."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def overage_quantity(basis, limit, priority, opt_in_priority, counted):
    """GB to bill as overage for one cycle's usage sums, rounded to the invoice precision."""
    return round_gb(overage_gb(basis, limit, priority, opt_in_priority, counted))


def format_gb(value, min_decimals=0):
    """GB as invoices show them: ``1000`` → ``"1,000"``; ``17`` with ``min_decimals=1`` →
    ``"17.0"``; ``17.25`` → ``"17.25"``."""
    text = f"{value:,.{GB_DIGITS}f}"
    whole, _dot, decimals = text.partition(".")
    decimals = decimals.rstrip("0")
    if len(decimals) < min_decimals:
        decimals = decimals.ljust(min_decimals, "0")
    return f"{whole}.{decimals}" if decimals else whole


def short_date_format(date_format):
    """A date format without its year: ``"%m/%d/%Y"`` → ``"%m/%d"``, ``"%Y-%m-%d"`` →
    ``"%m-%d"``."""
    text = re.sub(r"%[Yy]", "", date_format or "%m/%d/%Y")
    text = re.sub(r"([/.\- ])\1+", r"\1", text)
    return text.strip(" /.-,") or "%m/%d"


def period_label(first, last, date_format):
    """``06/05–05/06``: the period's first and last day in the short form of ``date_format``
    (one day when they are the same)."""
    short = short_date_format(date_format)
    if first == last:
        return first.strftime(short)
    return f"{first.strftime(short)}\u2013{last.strftime(short)}"
