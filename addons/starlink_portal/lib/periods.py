"""Date ranges chosen on the portal and the grouping of daily usage by day, week or month."""

from collections import OrderedDict
from datetime import date, timedelta

GROUPINGS = ("day", "week", "month")
# Longest range a page or an export reads: 13 months of rollups and more of usage.
MAX_RANGE_DAYS = 800


def parse_date(text):
    """``YYYY-MM-DD`` as a date, or None when missing or not a valid date."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def parse_range(date_from, date_to, default_from, default_to, max_days=MAX_RANGE_DAYS):
    """The range a visitor asked for, made safe: ``(first day, last day)`` inclusive.

    Missing or invalid bounds take the defaults (e.g. the current billing cycle); swapped
    bounds are put in order; a range longer than ``max_days`` keeps its last day and is cut
    to ``max_days`` days.
    """
    start = parse_date(date_from) or default_from
    end = parse_date(date_to) or default_to
    if start is None or end is None:
        start, end = start or end, end or start
    if start is None:
        return None, None
    if end < start:
        start, end = end, start
    if (end - start).days + 1 > max_days:
        start = end - timedelta(days=max_days - 1)
    return start, end


def parse_grouping(grouping, default="day"):
    return grouping if grouping in GROUPINGS else default


def days_in(start, end):
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def period_start(day, grouping):
    """First day of the period of ``day``: itself, its ISO week's Monday, its month's 1st."""
    if grouping == "week":
        return day - timedelta(days=day.weekday())
    if grouping == "month":
        return day.replace(day=1)
    return day


def period_end(start, grouping):
    """Last day of the period starting on ``start``."""
    if grouping == "week":
        return start + timedelta(days=6)
    if grouping == "month":
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return start


def group_rows(rows, grouping, columns, range_start=None, range_end=None):
    """Sum daily rows by period.

    ``rows``: dicts with a ``date`` and the numeric ``columns``, in any order. Returns a list
    of dicts sorted by period, each with ``start`` and ``end`` (clipped to the range when
    given), ``days`` (rows summed) and the sums of ``columns``.
    """
    periods = OrderedDict()
    for row in sorted(rows, key=lambda row: row["date"]):
        start = period_start(row["date"], grouping)
        period = periods.get(start)
        if period is None:
            end = period_end(start, grouping)
            period = periods[start] = {
                "start": max(start, range_start) if range_start else start,
                "end": min(end, range_end) if range_end else end,
                "days": 0,
                **dict.fromkeys(columns, 0.0),
            }
        period["days"] += 1
        for column in columns:
            period[column] += row.get(column) or 0.0
    return list(periods.values())


def totals(rows, columns):
    """Sums of ``columns`` over ``rows``."""
    return {column: sum(row.get(column) or 0.0 for row in rows) for column in columns}
