"""Series of the portal's charts (no ``odoo`` import): usage by period, the cumulative usage
of the cycle with its forecast band, performance by hour/day/week/month, and colours.

Every function returns plain lists and dicts (dates as ``date``/``datetime``) that the
controller turns into JSON; a missing value is ``None`` (a gap in the chart, never a 0).
"""

from datetime import datetime, time, timedelta

from .performance import METRICS, summarize
from .periods import group_rows, period_end, period_start

# A range of at most this many days shows its performance hour by hour.
HOURLY_MAX_DAYS = 2
PERFORMANCE_SERIES = (*METRICS, "uptime_percent")


# --------------------------------------------------------------------------- periods


def period_starts(start, end, grouping):
    """First day of every period (day, ISO week or month) touching [start, end]."""
    starts = []
    current = period_start(start, grouping)
    while current <= end:
        starts.append(current)
        current = period_end(current, grouping) + timedelta(days=1)
    return starts


def shown_end(start, end, today):
    """Last day a chart of [start, end] shows: ``end``, or ``today`` when the range goes on
    into the future (nothing to show there), never before ``start``."""
    return min(end, max(start, today))


def performance_bucket(start, end, grouping):
    """Bucket of the performance charts: ``hour`` for a short range, else the grouping."""
    if (end - start).days + 1 <= HOURLY_MAX_DAYS:
        return "hour"
    return grouping


def bucket_starts(start, end, bucket):
    """Start (naive UTC ``datetime``) of every bucket of [start, end] (days, inclusive)."""
    if bucket == "hour":
        first = datetime.combine(start, time())
        hours = ((end - start).days + 1) * 24
        return [first + timedelta(hours=h) for h in range(hours)]
    return [datetime.combine(day, time()) for day in period_starts(start, end, bucket)]


def bucket_end(bucket_start, bucket):
    """End (exclusive) of the bucket starting at ``bucket_start``."""
    if bucket == "hour":
        return bucket_start + timedelta(hours=1)
    last = period_end(bucket_start.date(), bucket)
    return datetime.combine(last + timedelta(days=1), time())


# --------------------------------------------------------------------------- usage


def usage_series(rows, start, end, grouping, columns):
    """Daily usage ``rows`` summed by period, one point per period of [start, end].

    ``rows``: dicts with a ``date`` and the numeric ``columns`` (rows outside the range are
    ignored). Returns ``{"periods": [{"start", "end", "days"}], "series": {column: [GB or
    None]}, "totals": {column: GB}}``: a period without any row is ``None`` in every series
    (nothing reported), periods are clipped to the range.
    """
    rows = [row for row in rows if start <= row["date"] <= end]
    grouped = {
        period["start"]: period for period in group_rows(rows, grouping, columns, start, end)
    }
    periods, series = [], {column: [] for column in columns}
    for first in period_starts(start, end, grouping):
        clipped = max(first, start)
        period = grouped.get(clipped)
        periods.append(
            {
                "start": clipped,
                "end": min(period_end(first, grouping), end),
                "days": period["days"] if period else 0,
            }
        )
        for column in columns:
            series[column].append(round(period[column], 3) if period else None)
    totals = {column: round(sum(v or 0.0 for v in series[column]), 3) for column in columns}
    return {"periods": periods, "series": series, "totals": totals}


def peak(values, labels):
    """``(value, label)`` of the highest value, or ``(None, None)`` when there is none."""
    points = [(value, label) for value, label in zip(values, labels) if value is not None]
    if not points:
        return None, None
    return max(points, key=lambda point: point[0])


# --------------------------------------------------------------------------- forecast


def cycle_forecast(actual, forecast, cycle_start, cycle_end, today):
    """Cumulative usage of the cycle, then its forecast with the band, day by day.

    ``actual``: ``{date: counted GB}`` of the cycle; ``forecast``: ``{date: (predicted,
    lower, upper)}`` daily GB of the rest of the cycle. The actual line runs to the last
    reported day before ``today``; the forecast and its band start from that point (the
    usage to date) and add up the daily forecasts to the cycle end. Returns ``{"days",
    "actual", "predicted", "lower", "upper"}`` (lists as long as the cycle, None where a
    series has no point).
    """
    days = [cycle_start + timedelta(days=i) for i in range((cycle_end - cycle_start).days + 1)]
    reported = [day for day in actual if cycle_start <= day <= cycle_end and day < today]
    last_actual = max(reported, default=None)
    out = {"days": days, "actual": [], "predicted": [], "lower": [], "upper": []}
    total = 0.0
    for day in days:
        if last_actual and day <= last_actual:
            total += actual.get(day) or 0.0
            out["actual"].append(round(total, 3))
        else:
            out["actual"].append(None)
    predicted = lower = upper = total
    started = False
    for day, value in zip(days, out["actual"]):
        row = forecast.get(day)
        if row and (last_actual is None or day > last_actual):
            predicted, lower, upper = predicted + row[0], lower + row[1], upper + row[2]
            started = True
        anchor = value is not None and day == last_actual and bool(forecast)
        if started or anchor:
            out["predicted"].append(round(predicted, 3))
            out["lower"].append(round(lower, 3))
            out["upper"].append(round(upper, 3))
        else:
            for key in ("predicted", "lower", "upper"):
                out[key].append(None)
    return out


# --------------------------------------------------------------------------- performance


def performance_series(rows, first_hours, starts, bucket, now, range_start=None, range_end=None):
    """Performance of a line's terminals bucket by bucket.

    ``rows``: dicts ``terminal_id, bucket`` (start of the bucket) with ``samples``,
    ``weight`` and the ``<metric>_sum`` of ``lib.performance``; ``first_hours``:
    ``{terminal_id: its first rollup ever}`` (every terminal of the line that ever reported);
    ``starts``: the bucket starts (``bucket_starts``), whose first and last buckets are cut
    to [range_start, range_end) when given. Each bucket is summarised like the whole range
    (``lib.performance.summarize``): a terminal silent during a bucket it could have
    reported in lowers the availability; a bucket in the future is None everywhere.
    Returns ``{metric: [value or None]}`` for ``PERFORMANCE_SERIES``.
    """
    by_bucket = {}
    for row in rows:
        by_bucket.setdefault(row["bucket"], {})[row["terminal_id"]] = row
    series = {metric: [] for metric in PERFORMANCE_SERIES}
    for start in starts:
        received = by_bucket.get(start, {})
        stats = [
            {"first_hour": first_hour, "samples": 0, "weight": 0, **received.get(terminal, {})}
            for terminal, first_hour in first_hours.items()
        ]
        window_start = max(start, range_start) if range_start else start
        window_end = bucket_end(start, bucket)
        window_end = min(window_end, range_end) if range_end else window_end
        summary = summarize(stats, window_start, window_end, now)
        for metric in PERFORMANCE_SERIES:
            value = summary[metric]
            series[metric].append(None if value is None else round(value, 2))
    return series


def series_summary(values):
    """``{"min", "max", "avg"}`` of the values that are not None (all None when empty)."""
    points = [value for value in values if value is not None]
    if not points:
        return {"min": None, "max": None, "avg": None}
    return {"min": min(points), "max": max(points), "avg": sum(points) / len(points)}


# --------------------------------------------------------------------------- colours

# Default colours of the series, each at least 3:1 against white (WCAG 1.4.11).
DEFAULT_COLORS = {
    "primary": "#1f5fae",  # priority data, actual usage, latency, download
    "secondary": "#b4510b",  # standard data, forecast, upload
    "neutral": "#5c6670",  # non-billable data
    "limit": "#3d4146",  # the plan's data limit (apart from the orange forecast)
    "good": "#16794c",  # availability
}
MIN_CONTRAST = 3.0


def _rgb(color):
    text = (color or "").strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        return None
    try:
        return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return None


def _luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(color, background="#ffffff"):
    """WCAG contrast ratio of two ``#rrggbb`` colours (None when one is not a colour)."""
    first, second = _rgb(color), _rgb(background)
    if first is None or second is None:
        return None
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(color, background="#ffffff", minimum=MIN_CONTRAST):
    """``color`` darkened just enough to reach ``minimum`` contrast on ``background``
    (``#rrggbb``), or None when it is not a colour."""
    rgb = _rgb(color)
    if rgb is None:
        return None
    for step in range(21):
        factor = 1 - step / 20
        shade = "#{:02x}{:02x}{:02x}".format(*(round(v * factor) for v in rgb))
        if contrast_ratio(shade, background) >= minimum:
            return shade
    return "#000000"


def palette(primary=None, secondary=None):
    """Colours of the series: the company's colours when set (darkened until they read on
    white), the defaults otherwise; the two series colours are never the same."""
    colors = dict(DEFAULT_COLORS)
    company_primary = readable(primary)
    company_secondary = readable(secondary)
    if company_primary:
        colors["primary"] = company_primary
    if company_secondary and company_secondary != colors["primary"]:
        colors["secondary"] = company_secondary
    if colors["secondary"] == colors["primary"]:
        colors["secondary"] = DEFAULT_COLORS["secondary"]
    return colors
