"""How usage counts against a plan's limit, worked out by hand from the V2 spec's definitions.

``optInPriorityGB`` is a subset of ``priorityGB`` ("not additive"); ``usageLimitGB`` is the
plan's included priority data; overage is the opt-in priority data beyond that limit.
"""

import pytest
from starlink_base_lib.usage_rules import counted_gb, overage_gb, total_gb
from starlink_telemetry_lib.usage import ServicePlan, parse_data_usage


def test_total_never_adds_opt_in_twice():
    # 117 GB priority (17 of them opt-in), 15 standard, 1.2 non-billable.
    assert total_gb(117.0, 15.0, 1.2) == pytest.approx(133.2)


@pytest.mark.parametrize(
    ("basis", "expected"),
    [("priority", 117.0), ("priority_standard", 132.0), ("all", 133.2), (False, 117.0)],
)
def test_counted_by_basis(basis, expected):
    assert counted_gb(basis, 117.0, 15.0, 1.2) == pytest.approx(expected)


def test_overage_opt_in_accrued_past_the_limit():
    # Reading 1: opt-in priority only accrues once the 100 GB are used: 100 + 17.
    assert overage_gb("priority", 100.0, 117.0, 17.0, 117.0) == pytest.approx(17.0)


def test_overage_line_opted_in_all_cycle():
    # Reading 2: opted in from day one, all 130 GB of priority are opt-in; only the
    # 30 GB past the limit are overage.
    assert overage_gb("priority", 100.0, 130.0, 130.0, 130.0) == pytest.approx(30.0)
    # ... and under the limit there is none, however much of it is opt-in.
    assert overage_gb("priority", 100.0, 80.0, 80.0, 80.0) == 0.0


def test_no_overage_without_opt_in():
    # Not opted in: Starlink moves the line to standard data at the limit.
    assert overage_gb("priority", 100.0, 100.0, 0.0, 100.0) == 0.0


def test_standard_data_is_no_overage_by_starlink_rule():
    assert overage_gb("priority", 100.0, 50.0, 0.0, 50.0) == 0.0


def test_reseller_basis_counts_everything_beyond_the_limit():
    counted = counted_gb("priority_standard", 50.0, 60.0, 2.0)
    assert overage_gb("priority_standard", 100.0, 50.0, 0.0, counted) == pytest.approx(10.0)


def test_unlimited_plan_has_no_overage():
    assert overage_gb("priority", 0.0, 500.0, 400.0, 500.0) == 0.0


def test_service_plan_parsed_per_line():
    batch = parse_data_usage(
        [
            {
                "serviceLineNumber": "SL-1",
                "servicePlan": {"productId": "PLAN-100", "usageLimitGB": 100.0},
                "billingCycles": [],
            },
            {"serviceLineNumber": "SL-2", "servicePlan": None, "billingCycles": []},
            {
                "serviceLineNumber": "SL-3",
                "servicePlan": {"productId": "PLAN-0", "usageLimitGB": "lots"},
                "billingCycles": [],
            },
        ]
    )
    assert batch.plans == [
        ServicePlan("SL-1", "PLAN-100", 100.0),
        ServicePlan("SL-3", "PLAN-0", 0.0),
    ]
