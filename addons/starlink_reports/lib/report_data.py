"""The figures of a client's usage report over a period (no ``odoo`` import).

A report covers the client's service lines from ``start`` to ``end`` (inclusive): per line its
daily usage (every day of the period, ``None`` where Starlink reported nothing), its totals,
the share of its plan's limit and its overage; then the client's totals.
"""

from collections import defaultdict
from datetime import timedelta

COLUMNS = (
    "priority_gb",
    "opt_in_priority_gb",
    "standard_gb",
    "non_billable_gb",
    "counted_gb",
    "total_gb",
)


def days_in(start, end):
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _no_overage(_basis, _limit, _priority, _opt_in, _counted):
    return 0.0


def line_report(line, rows, days, overage=_no_overage):
    """One line's part of the report.

    ``line``: dict with ``limit_gb``, ``limit_basis``, ``overage_price`` (and anything else,
    kept); ``rows``: its usage dicts ``{date, <COLUMNS>}``; ``days``: the period's days;
    ``overage``: ``usage_rules.overage_gb`` (the plan's rule). Returns ``line`` extended with
    ``daily`` (one dict per day, values None when no row), ``totals``, ``days_reported``,
    ``percent`` (of the limit, None when unlimited), ``overage_gb`` and ``overage_amount``.
    """
    by_day = {row["date"]: row for row in rows}
    daily = []
    for day in days:
        row = by_day.get(day)
        daily.append({"date": day, **{c: (row.get(c) or 0.0) if row else None for c in COLUMNS}})
    totals = {c: sum(row.get(c) or 0.0 for row in rows) for c in COLUMNS}
    limit = line.get("limit_gb") or 0.0
    over = overage(
        line.get("limit_basis") or "priority",
        limit,
        totals["priority_gb"],
        totals["opt_in_priority_gb"],
        totals["counted_gb"],
    )
    return {
        **line,
        "daily": daily,
        "totals": totals,
        "days_reported": len(by_day),
        "percent": 100.0 * totals["counted_gb"] / limit if limit else None,
        "overage_gb": over,
        "overage_amount": over * (line.get("overage_price") or 0.0),
    }


def build_report(lines, rows, start, end, overage=_no_overage):
    """The whole report: ``{start, end, days, lines, totals, daily_totals, summary}``.

    ``lines``: dicts with at least ``id``; ``rows``: usage dicts with ``line_id`` and
    ``date``, of any line and day (others are ignored). ``daily_totals`` sums every line per
    day (None on a day without any row); ``summary`` counts lines, lines over their limit and
    the overage (GB and amount).
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    days = days_in(start, end)
    by_line = defaultdict(list)
    for row in rows:
        if start <= row["date"] <= end:
            by_line[row["line_id"]].append(row)
    reports = [line_report(line, by_line.get(line["id"], []), days, overage) for line in lines]
    totals = {c: sum(report["totals"][c] for report in reports) for c in COLUMNS}
    daily_totals = []
    for index, day in enumerate(days):
        values = [report["daily"][index] for report in reports]
        seen = [value for value in values if value["counted_gb"] is not None]
        daily_totals.append(
            {"date": day, **{c: sum(v[c] for v in seen) if seen else None for c in COLUMNS}}
        )
    summary = {
        "line_count": len(reports),
        "over_limit_count": sum(
            1 for report in reports if report["percent"] is not None and report["percent"] > 100
        ),
        "overage_gb": sum(report["overage_gb"] for report in reports),
        "overage_amount": sum(report["overage_amount"] for report in reports),
    }
    return {
        "start": start,
        "end": end,
        "days": days,
        "lines": reports,
        "totals": totals,
        "daily_totals": daily_totals,
        "summary": summary,
    }


def csv_rows(report):
    """Every line's days with usage as flat rows (``service_line_number``, ``date``, columns)."""
    return [
        {"service_line_number": line["number"], **day}
        for line in report["lines"]
        for day in line["daily"]
        if day["counted_gb"] is not None
    ]
