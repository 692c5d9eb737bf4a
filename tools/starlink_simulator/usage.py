"""Daily data usage and billing cycles of the simulated service lines.

Daily totals follow a per-line level, a weekly pattern (homes peak at the
weekend, businesses on weekdays), a slow trend and log-normal noise. Priority
data is consumed up to the plan limit per billing cycle; beyond it opted-in
lines consume opt-in priority data (billed as overage), the others fall back
to standard data. Data lags one day: the current cycle stops yesterday.
"""

import calendar
from datetime import date, datetime, timedelta, timezone

from .rand import Draws, unit

WEEKLY_HOME = (0.93, 0.93, 0.93, 0.95, 1.0, 1.2, 1.25)
WEEKLY_BUSINESS = (1.15, 1.15, 1.15, 1.15, 1.1, 0.65, 0.55)
MAX_PREVIOUS_CYCLES = 24
# DataBucketType / DataOverageType codes of the OpenAPI enums.
BUCKET_FIXED_RESTRICTED, BUCKET_FIXED_UNRESTRICTED = 3, 4
OVERAGE_PRIORITY_PER_GB = 1


def iso(day):
    """Midnight UTC of ``day`` as an ISO 8601 date-time string."""
    return (
        datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        .isoformat()
        .replace("+00:00", "Z")
    )


def iso_end(day):
    """Last second of ``day`` (UTC) as an ISO 8601 date-time string."""
    return "%sT23:59:59Z" % day.isoformat()


def billing_date(year, month, billing_day):
    """The billing date of a month: the month's last day when it has no ``billing_day``."""
    return date(year, month, min(billing_day, calendar.monthrange(year, month)[1]))


def add_month(day, billing_day):
    """The billing date one month after ``day``."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return billing_date(year, month, billing_day)


def cycle_start(day, billing_day):
    """Start of the billing cycle containing ``day``."""
    start = billing_date(day.year, day.month, billing_day)
    if day >= start:
        return start
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return billing_date(year, month, billing_day)


def daily_total_gb(seed, terminal, day, anchor):
    """Total GB used by the line on ``day`` (0.0 for days without usage)."""
    if day < terminal.start_date or (terminal.end_date and day > terminal.end_date):
        return 0.0
    draws = Draws(seed, 40, terminal.index, day.toordinal())
    if draws.uniform() < 0.01:
        return 0.0
    weekly = (WEEKLY_BUSINESS if terminal.business else WEEKLY_HOME)[day.weekday()]
    trend = max(0.3, 1.0 + terminal.trend_per_month * (day - anchor).days / 30.4)
    return terminal.level_gb * weekly * trend * draws.lognormal(0.22)


def billing_cycles(terminal, last_day, previous, query_start=None):
    """``(start, end)`` pairs of the cycles to report (end: next cycle's start)."""
    current = cycle_start(last_day, terminal.billing_day)
    cycles = [(current, add_month(current, terminal.billing_day))]
    limit = MAX_PREVIOUS_CYCLES if query_start else previous
    while len(cycles) <= limit:
        if cycles[0][0] <= terminal.start_date or (query_start and cycles[0][0] <= query_start):
            break
        start = cycle_start(cycles[0][0] - timedelta(days=1), terminal.billing_day)
        cycles.insert(0, (start, cycles[0][0]))
    if query_start:
        cycles = [(max(start, query_start), end) for start, end in cycles if end > query_start]
    return cycles


class UsageModel:
    """Builds DataUsage API payloads for service lines."""

    def __init__(self, fleet, faults):
        self.fleet = fleet
        self.faults = faults

    def service_line_usage(self, terminal, today, previous=1, query_start=None):
        """One ``ServiceLineDataUsageForBillingCycles`` object."""
        last_day = today - timedelta(days=1)
        if terminal.end_date and terminal.end_date < last_day:
            last_day = terminal.end_date
        cycles = [
            self._cycle(terminal, start, end, last_day)
            for start, end in billing_cycles(terminal, last_day, previous, query_start)
        ]
        current_overage = cycles[-1]["overageLines"] if cycles else []
        return {
            "accountNumber": self.fleet.account_number,
            "serviceLineNumber": terminal.service_line_number,
            "startDate": cycles[0]["startDate"] if cycles else None,
            "endDate": cycles[-1]["endDate"] if cycles else None,
            "billingCycles": cycles,
            "servicePlan": self._service_plan(terminal, current_overage),
            "lastUpdated": iso(today).replace("T00:00:00", "T03:00:00"),
        }

    # ------------------------------------------------------------------ cycles
    def _cycle(self, terminal, start, end, last_day):
        """One ``DataUsageBillingCycleV2`` object."""
        plan = terminal.plan
        used_priority = 0.0
        daily = []
        totals = {"priority": 0.0, "opt_in": 0.0, "standard": 0.0, "non_billable": 0.0}
        day = max(start, terminal.start_date)
        while day < end and day <= last_day:
            total = daily_total_gb(self.fleet.seed, terminal, day, self.fleet.anchor)
            if total > 0:
                entry = self._split_day(terminal, day, total, plan.limit_gb - used_priority)
                used_priority += entry["priorityGB"] - entry["optInPriorityGB"]
                for key, field in (
                    ("priority", "priorityGB"),
                    ("opt_in", "optInPriorityGB"),
                    ("standard", "standardGB"),
                    ("non_billable", "nonBillableGB"),
                ):
                    totals[key] += entry[field]
                daily.append(self._maybe_corrupt(terminal, day, entry))
            day += timedelta(days=1)
        return {
            "startDate": iso(start),
            "endDate": iso_end(end - timedelta(days=1)),
            "dailyDataUsage": daily,
            "overageLines": self._overage_lines(terminal, start, totals),
            "dataPoolUsage": [],
            "totalPriorityGB": round(totals["priority"], 2),
            "totalStandardGB": round(totals["standard"], 2),
            "totalOptInPriorityGB": round(totals["opt_in"], 2),
            "totalNonBillableGB": round(totals["non_billable"], 2),
        }

    @staticmethod
    def _split_day(terminal, day, total, remaining_priority):
        """Split a day's total into the API's data categories."""
        non_billable = round(total * 0.01, 3)
        billable = total - non_billable
        priority = min(billable, max(remaining_priority, 0.0))
        rest = billable - priority
        opt_in = rest if terminal.opted_in else 0.0
        standard = 0.0 if terminal.opted_in else rest
        return {
            "date": iso(day),
            "priorityGB": round(priority + opt_in, 3),
            "optInPriorityGB": round(opt_in, 3),
            "standardGB": round(standard, 3),
            "nonBillableGB": non_billable,
        }

    def _overage_lines(self, terminal, start, totals):
        """Overage lines of a cycle; several on a (simulated) mid-cycle change."""
        overage = round(totals["opt_in"], 3)
        if overage <= 0:
            return []
        plan = terminal.plan
        count = self.faults.get("overage_lines") or (
            2 if unit(self.fleet.seed, 41, terminal.index, start.toordinal()) < 0.15 else 1
        )
        draws = Draws(self.fleet.seed, 42, terminal.index, start.toordinal())
        weights = [draws.uniform(0.2, 1.0) for _ in range(count)]
        parts = [round(overage * w / sum(weights), 3) for w in weights[:-1]]
        parts.append(round(overage - sum(parts), 3))
        consumed = round(min(totals["priority"] - totals["opt_in"], plan.limit_gb), 3)
        return [
            {
                "restricted": BUCKET_FIXED_RESTRICTED,
                "unrestricted": BUCKET_FIXED_UNRESTRICTED,
                "pricePerGB": plan.overage_price_per_gb,
                "usageLimitGB": plan.limit_gb,
                "overageAmountGB": part,
                "consumedAmountGB": consumed if position == 0 else 0.0,
                "overagePrice": round(part * plan.overage_price_per_gb, 2),
                "productId": plan.overage_product_id,
                "dataOverageType": OVERAGE_PRIORITY_PER_GB,
                "activeFrom": iso(start + timedelta(days=position * 7)),
            }
            for position, part in enumerate(parts)
        ]

    def _service_plan(self, terminal, overage_lines):
        """The ``DataServicePlan`` block of a service line."""
        plan = terminal.plan
        return {
            "isoCurrencyCode": "USD",
            "isMobilePlan": False,
            "activeFrom": iso(terminal.start_date),
            "subscriptionActiveFrom": iso(terminal.start_date),
            "subscriptionEndDate": iso(terminal.end_date) if terminal.end_date else None,
            "overageName": "Priority data overage",
            "overageDescription": "Priority data beyond the plan limit, billed per GB",
            "isOptedIntoOverage": terminal.opted_in,
            "overageLineDeactivatedDate": None,
            "overageLine": overage_lines[-1] if overage_lines else None,
            "productId": plan.ref,
            "usageLimitGB": plan.limit_gb,
            "dataCategoryMapping": {},
        }

    def _maybe_corrupt(self, terminal, day, entry):
        """Return ``entry``, or a malformed variant when the fault says so."""
        rate = self.faults.get("malformed_usage_rate")
        if rate <= 0 or unit(self.fleet.seed, 43, terminal.index, day.toordinal()) >= rate:
            return entry
        variant = int(unit(self.fleet.seed, 44, terminal.index, day.toordinal()) * 5)
        bad = dict(entry)
        if variant == 0:
            del bad["date"]
        elif variant == 1:
            bad["date"] = "not-a-date"
        elif variant == 2:
            bad["priorityGB"] = "n/a"
        elif variant == 3:
            bad["standardGB"] = -5.0
        else:
            return ["not", "an", "object"]
        return bad
