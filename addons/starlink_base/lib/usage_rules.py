"""How Starlink usage counts against a plan's data limit (no ``odoo`` import).

Starlink's definitions (``DataUsageDailyV2``, ``DataUsageOverageLine``, ``DataServicePlan``):

* ``priorityGB`` is all priority data of the day, **opt-in priority included**;
* ``optInPriorityGB`` is the part of it consumed while opted into overage: a *subset* of
  ``priorityGB``, never added to it;
* ``standardGB`` (deprioritised) and ``nonBillableGB`` are separate categories;
* a plan's ``usageLimitGB`` is its included *priority* data, and the overage is the opt-in
  priority data consumed beyond that limit.

A reseller may sell its own plans with another rule, chosen per plan by the *limit basis*:

* ``priority`` (default, Starlink's rule): priority data counts, overage is opt-in priority
  beyond the limit;
* ``priority_standard``: priority and standard data count, overage is everything counted
  beyond the limit;
* ``all``: every category counts (non-billable included), overage as above.
"""

LIMIT_BASES = (
    ("priority", "Priority data (Starlink's rule)"),
    ("priority_standard", "Priority and standard data"),
    ("all", "All data, non-billable included"),
)
DEFAULT_LIMIT_BASIS = "priority"


def total_gb(priority, standard, non_billable):
    """Every gigabyte moved: opt-in priority is inside ``priority`` already."""
    return priority + standard + non_billable


def counted_gb(basis, priority, standard, non_billable):
    """The gigabytes that count against the plan's limit under ``basis``."""
    if basis == "priority_standard":
        return priority + standard
    if basis == "all":
        return priority + standard + non_billable
    return priority


def overage_gb(basis, limit, priority, opt_in_priority, counted):
    """Gigabytes beyond the plan's ``limit`` in one cycle (0 for an unlimited plan).

    Under Starlink's rule only opt-in priority data is overage: the opt-in priority data
    that lies beyond the limit. ``min(opt-in, priority - limit)`` gives the right figure
    under both readings of the spec: opt-in data accrued only once the limit is passed
    (then it equals the opt-in total) and a line opted in for the whole cycle (then only
    the part past the limit is overage). Other bases count everything beyond the limit.
    """
    if not limit or limit <= 0:
        return 0.0
    if basis in ("priority_standard", "all"):
        return max(0.0, counted - limit)
    return max(0.0, min(opt_in_priority, priority - limit))
