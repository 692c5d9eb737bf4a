"""Parsing of ``POST /public/v2/data-usage/query`` results.

Each result is a service line with ``billingCycles[]``; each cycle has
``dailyDataUsage[]`` and ``overageLines[]`` (several per cycle since 2026-04,
e.g. on a mid-cycle plan change: they are summed). Bad entries are skipped and
reported; the rest is returned as tuples ready for a bulk upsert.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import NamedTuple

DAILY_FIELDS_API = ("priorityGB", "optInPriorityGB", "standardGB", "nonBillableGB")
TOTAL_FIELDS_API = (
    "totalPriorityGB",
    "totalOptInPriorityGB",
    "totalStandardGB",
    "totalNonBillableGB",
)


class DailyUsage(NamedTuple):
    """One day of one service line (unique on service line and date)."""

    service_line_number: str
    date: date
    priority_gb: float
    opt_in_priority_gb: float
    standard_gb: float
    non_billable_gb: float


class CycleUsage(NamedTuple):
    """Totals of one billing cycle (``end_date``: its last day, as sent)."""

    service_line_number: str
    start_date: date
    end_date: date
    priority_gb: float
    opt_in_priority_gb: float
    standard_gb: float
    non_billable_gb: float
    overage_gb: float
    overage_price: float
    overage_line_count: int
    usage_limit_gb: float


class OverageLine(NamedTuple):
    """One ``DataUsageOverageLine`` of a cycle (``position``: its place in the cycle's list).

    ``overage_gb`` is the opt-in priority data beyond ``usage_limit_gb`` (only opt-in
    priority data counts toward overage); ``consumed_gb`` the priority data up to the limit.
    """

    service_line_number: str
    cycle_start: date
    cycle_end: date
    position: int
    overage_gb: float
    consumed_gb: float
    usage_limit_gb: float
    price_per_gb: float
    overage_price: float
    product_id: object
    overage_type: object
    active_from: object


class ServicePlan(NamedTuple):
    """``servicePlan`` of a service line: the plan's product id and its priority data limit."""

    service_line_number: str
    product_id: str
    usage_limit_gb: float


class SkippedUsage(NamedTuple):
    """An entry left out, with the reason."""

    service_line_number: object
    reason: str


DAILY_FIELDS = DailyUsage._fields
CYCLE_FIELDS = CycleUsage._fields

# ``DataOverageType``: an integer enum, its names accepted too; anything else is kept as None.
OVERAGE_TYPES = ("none", "priority_per_gb", "deprioritized_per_gb", "limit_no_overage")
OVERAGE_TYPE_NAMES = {
    "None": "none",
    "PriorityPerGb": "priority_per_gb",
    "DeprioritizedPerGb": "deprioritized_per_gb",
    "LimitWithNoOverageData": "limit_no_overage",
}


@dataclass
class UsageBatch:
    """Parsed usage: daily rows, cycle totals, overage lines, service plans, skipped entries."""

    daily: list = field(default_factory=list)
    cycles: list = field(default_factory=list)
    overage_lines: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    duplicates: int = 0

    @property
    def skipped_count(self):
        """Number of entries left out."""
        return len(self.skipped)


class BadEntry(ValueError):
    """Raised for a malformed entry."""


def parse_day(value):
    """UTC date from an ISO date or date-time string."""
    if not isinstance(value, str) or not value.strip():
        raise BadEntry("date is missing")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadEntry("date is not ISO 8601: %r" % text[:40]) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def _gb(entry, name, required=False):
    """Non-negative GB value (missing: 0.0 unless required)."""
    value = entry.get(name)
    if value is None:
        if required:
            raise BadEntry("%s is missing" % name)
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadEntry("%s is not a number: %r" % (name, value))
    if value < 0:
        raise BadEntry("%s is negative: %r" % (name, value))
    return float(value)


def _results(data):
    """Service line objects from a list, a page ``content`` or a whole answer."""
    if isinstance(data, dict):
        content = data.get("content") if "content" in data else data
        return (content or {}).get("results") or []
    return data or []


def parse_data_usage(data):
    """Parse data usage results into a :class:`UsageBatch`.

    ``data``: an iterable of ``ServiceLineDataUsageForBillingCycles`` objects,
    or a whole answer / ``content`` page. Days repeated for one service line
    keep their last value (counted in ``duplicates``).
    """
    batch = UsageBatch()
    daily = {}
    for line in _results(data):
        number = line.get("serviceLineNumber") if isinstance(line, dict) else None
        if not isinstance(number, str) or not number:
            batch.skipped.append(SkippedUsage(None, "service line without serviceLineNumber"))
            continue
        plan_limit = _plan_limit(line)
        plan = line.get("servicePlan")
        if isinstance(plan, dict) and isinstance(plan.get("productId"), str):
            batch.plans.append(ServicePlan(number, plan["productId"], plan_limit))
        for cycle in line.get("billingCycles") or []:
            _parse_cycle(batch, daily, number, cycle, plan_limit)
    batch.daily = list(daily.values())
    return batch


def _plan_limit(line):
    """``servicePlan.usageLimitGB`` or 0.0."""
    plan = line.get("servicePlan")
    value = plan.get("usageLimitGB") if isinstance(plan, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _parse_cycle(batch, daily, number, cycle, plan_limit):
    """Add one cycle's days and totals to the batch."""
    try:
        if not isinstance(cycle, dict):
            raise BadEntry("billing cycle is not an object")
        start = parse_day(cycle.get("startDate"))
        end = parse_day(cycle.get("endDate"))
    except BadEntry as exc:
        batch.skipped.append(SkippedUsage(number, "billing cycle: %s" % exc))
        return
    days = {}
    for entry in cycle.get("dailyDataUsage") or []:
        try:
            row = _parse_day_entry(number, entry)
        except BadEntry as exc:
            batch.skipped.append(SkippedUsage(number, "daily usage: %s" % exc))
            continue
        key = (number, row.date)
        if key in daily:
            batch.duplicates += 1
        daily[key] = days[row.date] = row
    sums = [sum(row[2 + position] for row in days.values()) for position in range(4)]
    totals = [_total(cycle, name, sums[position]) for position, name in enumerate(TOTAL_FIELDS_API)]
    overage_gb, overage_price, count, limit = _overage(batch, number, cycle, plan_limit, start, end)
    batch.cycles.append(
        CycleUsage(number, start, end, *totals, overage_gb, overage_price, count, limit)
    )


def _parse_day_entry(number, entry):
    """One ``DataUsageDailyV2`` object as a :class:`DailyUsage`."""
    if not isinstance(entry, dict):
        raise BadEntry("entry is not an object")
    day = parse_day(entry.get("date"))
    values = [_gb(entry, name, required=(name == "priorityGB")) for name in DAILY_FIELDS_API]
    return DailyUsage(number, day, *values)


def _total(cycle, name, fallback):
    """A cycle total from the API, or the sum of the valid days."""
    value = cycle.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return round(fallback, 3)


def _overage(batch, number, cycle, plan_limit, start, end):
    """Summed ``(overage_gb, overage_price, line_count, usage_limit_gb)``; each valid line
    is kept in ``batch.overage_lines``, a bad one is skipped and reported."""
    amount = price = 0.0
    count = 0
    limit = plan_limit
    for position, line in enumerate(cycle.get("overageLines") or []):
        try:
            row = _parse_overage_line(number, start, end, position, line)
        except BadEntry as exc:
            batch.skipped.append(SkippedUsage(number, "overage line: %s" % exc))
            continue
        batch.overage_lines.append(row)
        amount += row.overage_gb
        price += row.overage_price
        limit = row.usage_limit_gb or limit
        count += 1
    return round(amount, 3), round(price, 2), count, limit


def _parse_overage_line(number, start, end, position, line):
    """One ``DataUsageOverageLine`` object as an :class:`OverageLine`."""
    if not isinstance(line, dict):
        raise BadEntry("overage line is not an object")
    product = line.get("productId")
    active_from = line.get("activeFrom")
    return OverageLine(
        number,
        start,
        end,
        position,
        _gb(line, "overageAmountGB"),
        _gb(line, "consumedAmountGB"),
        _gb(line, "usageLimitGB"),
        _gb(line, "pricePerGB"),
        _gb(line, "overagePrice"),
        product if isinstance(product, str) and product else None,
        _overage_type(line.get("dataOverageType")),
        parse_day(active_from) if active_from is not None else None,
    )


def _overage_type(value):
    """``DataOverageType`` (integer or name) as a key of ``OVERAGE_TYPES``, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(OVERAGE_TYPES):
        return OVERAGE_TYPES[value]
    return OVERAGE_TYPE_NAMES.get(value) if isinstance(value, str) else None
