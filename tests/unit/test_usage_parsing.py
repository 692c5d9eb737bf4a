"""Data usage: parsing the simulator's answers and hand-made edge cases."""

from datetime import date

import pytest
import requests
from starlink_simulator.fleet import ARCHETYPE_OVERAGE, ARCHETYPE_THROTTLED
from starlink_telemetry_lib.usage import CYCLE_FIELDS, DAILY_FIELDS, parse_data_usage

DAILY_LAYOUT = (
    "service_line_number",
    "date",
    "priority_gb",
    "opt_in_priority_gb",
    "standard_gb",
    "non_billable_gb",
)


def _faults(simulator, **faults):
    assert requests.post(simulator.url + "/_sim/faults", json=faults, timeout=5).ok


def _line(simulator, index):
    return simulator.simulator.fleet.terminal(index).service_line_number


def test_layout():
    assert DAILY_FIELDS == DAILY_LAYOUT
    assert CYCLE_FIELDS[:3] == ("service_line_number", "start_date", "end_date")


def test_daily_rows_and_cycle_totals(simulator, make_client):
    numbers = [_line(simulator, i) for i in range(10)]
    results = make_client().query_data_usage(numbers, previous_billing_cycles=2)
    batch = parse_data_usage(results)
    assert batch.skipped == [] and batch.duplicates == 0
    assert {row.service_line_number for row in batch.daily} == set(numbers) - {
        t.service_line_number for t in simulator.simulator.fleet.terminals() if not t.active
    }
    assert max(row.date for row in batch.daily) == date(2026, 7, 19)  # data lags one day
    assert len({(r.service_line_number, r.date) for r in batch.daily}) == len(batch.daily)
    for cycle in batch.cycles:
        days = [
            r
            for r in batch.daily
            if r.service_line_number == cycle.service_line_number
            and cycle.start_date <= r.date <= cycle.end_date
        ]
        assert cycle.priority_gb == pytest.approx(sum(r.priority_gb for r in days), abs=0.02)
        assert cycle.standard_gb == pytest.approx(sum(r.standard_gb for r in days), abs=0.02)
        assert cycle.start_date < cycle.end_date
    heavy = [c for c in batch.cycles if c.service_line_number == numbers[ARCHETYPE_OVERAGE]]
    assert heavy[0].overage_gb > 0 and heavy[0].usage_limit_gb == 50.0
    assert heavy[0].overage_price == pytest.approx(heavy[0].overage_gb * 1.0, abs=0.02)
    throttled = [c for c in batch.cycles if c.service_line_number == numbers[ARCHETYPE_THROTTLED]]
    assert throttled[0].standard_gb > 0 and throttled[0].overage_gb == 0.0


def test_several_overage_lines_are_summed(simulator, make_client):
    _faults(simulator, overage_lines=3)
    results = make_client().query_data_usage(
        [_line(simulator, ARCHETYPE_OVERAGE)], previous_billing_cycles=3
    )
    cycles = results[0]["billingCycles"]
    assert [len(c["overageLines"]) for c in cycles[:-1]] == [3, 3, 3]
    parsed = parse_data_usage(results)
    for raw, cycle in zip(cycles, parsed.cycles, strict=True):
        opt_in = sum(d["optInPriorityGB"] for d in raw["dailyDataUsage"])
        if raw["overageLines"]:
            assert cycle.overage_line_count == 3
            assert cycle.overage_gb == pytest.approx(opt_in, abs=0.01)
            assert cycle.overage_gb == pytest.approx(raw["totalOptInPriorityGB"], abs=0.01)
            assert cycle.overage_gb > max(line["overageAmountGB"] for line in raw["overageLines"])


def test_malformed_usage_rows_are_skipped(simulator, make_client):
    client = make_client()
    numbers = [_line(simulator, i) for i in range(30)]
    clean = parse_data_usage(client.query_data_usage(numbers))
    _faults(simulator, malformed_usage_rate=0.1)
    dirty = parse_data_usage(client.query_data_usage(numbers))
    assert 0.05 * len(clean.daily) < dirty.skipped_count < 0.15 * len(clean.daily)
    assert len(dirty.daily) + dirty.skipped_count == len(clean.daily)
    assert set(dirty.daily) < set(clean.daily)
    reasons = {s.reason.split(":")[1].strip() for s in dirty.skipped}
    assert reasons == {
        "date is missing",
        "date is not ISO 8601",
        "priorityGB is not a number",
        "standardGB is negative",
        "entry is not an object",
    }


def test_same_seed_same_usage(simulator, make_client):
    numbers = [_line(simulator, i) for i in range(5)]
    first = make_client().query_data_usage(numbers, previous_billing_cycles=1)
    second = make_client().query_data_usage(numbers, previous_billing_cycles=1)
    assert first == second


def _answer(*cycles, number="AST-1", limit=50.0):
    return {
        "content": {
            "results": [
                {
                    "serviceLineNumber": number,
                    "billingCycles": list(cycles),
                    "servicePlan": {"usageLimitGB": limit},
                }
            ]
        }
    }


def test_handmade_cycles():
    cycle = {
        "startDate": "2026-06-05T00:00:00Z",
        "endDate": "2026-07-04T23:59:59Z",
        "dailyDataUsage": [
            {"date": "2026-06-05T00:00:00Z", "priorityGB": 30.0, "standardGB": 1.0},
            {"date": "2026-06-06T00:00:00+00:00", "priorityGB": 40.5, "optInPriorityGB": 20.5},
            {"date": "2026-06-06", "priorityGB": 41.0, "optInPriorityGB": 21.0},
            {"date": "2026-06-07T00:00:00Z"},
            {"date": "2026-06-08T00:00:00Z", "priorityGB": float("nan")},
        ],
        "overageLines": [
            {"overageAmountGB": 12.0, "overagePrice": 6.0, "usageLimitGB": 50.0},
            {"overageAmountGB": 9.0, "overagePrice": 4.5, "usageLimitGB": 50.0},
            "junk",
        ],
    }
    batch = parse_data_usage(_answer(cycle))
    assert [(r.date.day, r.priority_gb, r.opt_in_priority_gb) for r in batch.daily] == [
        (5, 30.0, 0.0),
        (6, 41.0, 21.0),  # the repeated day keeps its last value
    ]
    assert batch.duplicates == 1
    (total,) = batch.cycles
    assert (total.start_date, total.end_date) == (date(2026, 6, 5), date(2026, 7, 4))
    assert (total.priority_gb, total.opt_in_priority_gb, total.standard_gb) == (71.0, 21.0, 1.0)
    assert (total.overage_gb, total.overage_price, total.overage_line_count) == (21.0, 10.5, 2)
    assert [s.reason for s in batch.skipped] == [
        "daily usage: priorityGB is missing",
        "daily usage: priorityGB is not a number: nan",
        "overage line: overage line is not an object",
    ]


def test_bad_service_lines_and_cycles():
    batch = parse_data_usage(
        [
            {"billingCycles": []},
            {"serviceLineNumber": "AST-2", "billingCycles": [{"startDate": "x", "endDate": "y"}]},
            {
                "serviceLineNumber": "AST-3",
                "billingCycles": [
                    {
                        "startDate": "2026-07-01",
                        "endDate": "2026-07-31",
                        "dailyDataUsage": [],
                        "totalPriorityGB": 5.5,
                    }
                ],
            },
        ]
    )
    assert [s.reason for s in batch.skipped] == [
        "service line without serviceLineNumber",
        "billing cycle: date is not ISO 8601: 'x'",
    ]
    assert batch.cycles[0].priority_gb == 5.5 and batch.cycles[0].overage_line_count == 0


def test_overage_lines_kept_one_by_one():
    cycle = {
        "startDate": "2026-06-05T00:00:00Z",
        "endDate": "2026-07-04T23:59:59Z",
        "overageLines": [
            {
                "overageAmountGB": 12.0,
                "consumedAmountGB": 50.0,
                "usageLimitGB": 50.0,
                "pricePerGB": 0.5,
                "overagePrice": 6.0,
                "productId": "OVG-1",
                "dataOverageType": 1,
                "activeFrom": "2026-06-05T00:00:00Z",
            },
            {"overageAmountGB": -1.0, "overagePrice": 4.5},
            {
                "overageAmountGB": 9.0,
                "overagePrice": 4.5,
                "dataOverageType": "DeprioritizedPerGb",
                "activeFrom": None,
            },
            {"overageAmountGB": 1.0, "activeFrom": "yesterday"},
        ],
    }
    batch = parse_data_usage(_answer(cycle))
    first, second = batch.overage_lines
    assert first == (
        "AST-1", date(2026, 6, 5), date(2026, 7, 4), 0, 12.0, 50.0, 50.0, 0.5, 6.0, "OVG-1",
        "priority_per_gb", date(2026, 6, 5),
    )  # fmt: skip
    assert (second.position, second.overage_gb, second.overage_type, second.active_from) == (
        2, 9.0, "deprioritized_per_gb", None,
    )  # fmt: skip
    assert [s.reason for s in batch.skipped] == [
        "overage line: overageAmountGB is negative: -1.0",
        "overage line: date is not ISO 8601: 'yesterday'",
    ]
    (total,) = batch.cycles
    assert (total.overage_gb, total.overage_price, total.overage_line_count) == (21.0, 10.5, 2)


def test_overage_lines_of_the_simulator(simulator, make_client):
    _faults(simulator, overage_lines=2)
    results = make_client().query_data_usage(
        [_line(simulator, ARCHETYPE_OVERAGE)], previous_billing_cycles=2
    )
    batch = parse_data_usage(results)
    assert batch.skipped == []
    raw = [line for cycle in results[0]["billingCycles"] for line in cycle["overageLines"]]
    assert len(batch.overage_lines) == len(raw) > 0
    for parsed, line in zip(batch.overage_lines, raw, strict=True):
        assert parsed.overage_gb == line["overageAmountGB"]
        assert parsed.price_per_gb == line["pricePerGB"]
        assert parsed.product_id == line["productId"]
        assert parsed.overage_type == "priority_per_gb"
