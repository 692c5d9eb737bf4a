"""The Starlink API simulator over real HTTP: shapes, auth, control endpoints, data."""

import json
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from starlink_simulator import Simulator, SimulatorConfig
from starlink_simulator import api as api_module
from starlink_simulator.fleet import ARCHETYPE_FLAKY, ARCHETYPE_OBSTRUCTED, ARCHETYPE_OVERAGE

ENVELOPE_KEYS = {"errors", "warnings", "information", "isValid", "content"}


def _token(simulator):
    config = simulator.simulator.config
    answer = requests.post(
        simulator.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": config.client_id,
            "client_secret": config.client_secret,
        },
        timeout=5,
    )
    assert answer.status_code == 200
    return answer.json()


def _get(simulator, path, token, **params):
    return requests.get(
        simulator.base_url + path,
        params=params,
        headers={"Authorization": "Bearer " + token},
        timeout=5,
    )


def test_token_endpoint(simulator):
    client_id, secret = (
        simulator.simulator.config.client_id,
        simulator.simulator.config.client_secret,
    )
    payload = _token(simulator)
    assert set(payload) >= {"access_token", "expires_in", "token_type"}
    assert payload["token_type"] == "Bearer"
    assert payload["expires_in"] == 900
    wrong = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"}
    answer = requests.post(simulator.token_url, data=wrong, timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_client"})
    answer = requests.post(
        simulator.token_url,
        data={"grant_type": "client_credentials"},
        auth=(client_id, "wrong"),
        timeout=5,
    )
    assert answer.status_code == 401
    answer = requests.post(
        simulator.token_url,
        data={"grant_type": "password"},
        auth=(client_id, secret),
        timeout=5,
    )
    assert answer.json() == {"error": "unsupported_grant_type"}


def test_bearer_token_required(simulator):
    assert requests.get(simulator.base_url + "/public/v2/account", timeout=5).status_code == 401
    assert _get(simulator, "/public/v2/account", "not-a-token").status_code == 401
    token = _token(simulator)["access_token"]
    answer = _get(simulator, "/public/v2/account", token)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == ENVELOPE_KEYS and body["isValid"] is True
    assert body["content"]["accountNumber"] == simulator.simulator.fleet.account_number


def test_paginated_envelope(simulator):
    size = simulator.simulator.config.terminals
    token = _token(simulator)["access_token"]
    last = _get(simulator, "/public/v2/user-terminals", token, page=2).json()["content"]
    assert last["pageIndex"] == 2 and last["limit"] == 100
    assert last["totalCount"] == size
    assert last["isLastPage"] is True
    assert len(last["results"]) == size - 200
    terminal = last["results"][0]
    assert terminal["routers"][0]["userTerminalId"] == terminal["userTerminalId"]
    assert terminal["kitSerialNumber"].startswith("KIT")
    first = _get(simulator, "/public/v2/service-lines", token, page=0).json()["content"]
    assert first["isLastPage"] is False and len(first["results"]) == 100
    starts = [line["startDate"] for line in first["results"]]
    assert starts == sorted(starts, reverse=True)
    bad = _get(simulator, "/public/v2/service-lines", token, page="x")
    assert bad.status_code == 400 and bad.json()["errors"][0]["memberNames"] == ["page"]


def test_products_have_three_plans(simulator):
    token = _token(simulator)["access_token"]
    products = _get(simulator, "/public/v2/products", token).json()["content"]["results"]
    limits = {
        p["productReferenceId"]: p["dataProducts"]["dataBlockProducts"][0]["dataAmount"]
        for p in products
    }
    assert limits == {"SL-LP-50GB": 50.0, "SL-LP-1TB": 1000.0, "SL-LP-2TB": 2000.0}


def test_unknown_path_and_method(simulator):
    token = _token(simulator)["access_token"]
    answer = _get(simulator, "/public/v2/nothing-here", token)
    assert answer.status_code == 404 and answer.json()["isValid"] is False
    answer = _get(simulator, "/public/v2/service-lines/AST-000000-00000-00", token)
    assert answer.status_code == 404 and answer.json()["errors"][0]["errorMessage"] == "not_found"


def test_control_endpoints(simulator):
    url = simulator.url
    assert requests.get(url + "/_sim/health", timeout=5).json() == {"ok": True}
    answer = requests.post(
        url + "/_sim/faults", json={"server_errors": 2, "slow_seconds": "1.5"}, timeout=5
    )
    assert answer.status_code == 200
    assert answer.json()["server_errors"] == 2 and answer.json()["slow_seconds"] == 1.5
    answer = requests.post(url + "/_sim/faults", json={"no_such_fault": 1}, timeout=5)
    assert answer.status_code == 400 and "no_such_fault" in answer.json()["error"]
    token = _token(simulator)["access_token"]
    statuses = [_get(simulator, "/public/v2/account", token).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    stats = requests.get(url + "/_sim/stats", timeout=5).json()
    assert stats["by_route"]["GET /public/v2/account"] == 3
    assert stats["token_requests"] == 1
    assert stats["faults_fired"] == {"server_errors": 2}
    assert [entry["status"] for entry in stats["log"]][-3:] == [503, 503, 200]
    config = requests.get(url + "/_sim/config", timeout=5).json()
    assert (
        config["terminals"] == simulator.simulator.config.terminals
        and "client_secret" not in config
    )
    clock = requests.post(url + "/_sim/clock", json={"advance_s": 60}, timeout=5).json()
    assert clock["iso"] == "2026-07-20T12:01:00Z"
    assert requests.post(url + "/_sim/reset", timeout=5).json() == {"ok": True}
    stats = requests.get(url + "/_sim/stats", timeout=5).json()
    assert stats["requests_total"] == 0
    assert requests.get(url + "/_sim/faults", timeout=5).json()["server_errors"] == 0
    # reset also forgets issued tokens
    assert _get(simulator, "/public/v2/account", token).status_code == 401


def test_expire_tokens_fault(simulator):
    token = _token(simulator)["access_token"]
    assert _get(simulator, "/public/v2/account", token).status_code == 200
    requests.post(simulator.url + "/_sim/faults", json={"expire_tokens": True}, timeout=5)
    assert _get(simulator, "/public/v2/account", token).status_code == 401
    assert _get(simulator, "/public/v2/account", _token(simulator)["access_token"]).ok


def test_account_rate_limit(simulator):
    simulator.simulator.faults.update({"rate_limit_per_min": 3})
    token = _token(simulator)["access_token"]
    statuses = [_get(simulator, "/public/v2/account", token).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def _snapshot(seed, terminals=30, today=date(2026, 7, 20)):
    """Fleet, usage and telemetry values of an in-process simulator."""
    sim = Simulator(
        SimulatorConfig(
            seed=seed,
            terminals=terminals,
            clock_start=today.isoformat() + "T12:00:00Z",
            clock_speed=0,
        )
    )
    fleet = [sim.fleet.terminal(i) for i in range(terminals)]
    usage = [sim.usage.service_line_usage(t, today, previous=2) for t in fleet]
    body = sim.stream.read("acc", sim.clock.now(), 5000)
    return fleet, usage, body["data"]["values"]


def test_same_seed_same_data():
    first, second = _snapshot(7), _snapshot(7)
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert first[2] == second[2] and len(first[2]) > 1000
    other = _snapshot(8)
    assert [t.service_line_number for t in other[0]] != [t.service_line_number for t in first[0]]
    assert other[2] != first[2]


def test_usage_shapes_and_patterns():
    today = date(2026, 7, 20)
    sim = Simulator(
        SimulatorConfig(seed=42, terminals=40, clock_start="2026-07-20T12:00:00Z", clock_speed=0)
    )
    heavy = sim.fleet.terminal(ARCHETYPE_OVERAGE)
    line = sim.usage.service_line_usage(heavy, today, previous=3)
    cycles = line["billingCycles"]
    assert len(cycles) == 4
    days = [d["date"] for c in cycles for d in c["dailyDataUsage"]]
    assert days == sorted(days) and len(days) == len(set(days))
    assert days[-1] == "2026-07-19T00:00:00Z"  # data lags one day
    for cycle in cycles[:-1]:
        daily = cycle["dailyDataUsage"]
        assert cycle["totalPriorityGB"] == pytest.approx(
            sum(d["priorityGB"] for d in daily), abs=0.02
        )
        overage = sum(o["overageAmountGB"] for o in cycle["overageLines"])
        assert overage == pytest.approx(cycle["totalOptInPriorityGB"], abs=0.02)
        assert overage > 0  # the overage archetype always exceeds its 50 GB
        assert cycle["totalPriorityGB"] - cycle["totalOptInPriorityGB"] == pytest.approx(
            50, abs=0.05
        )
    # weekly pattern: over many lines, homes use more at the weekend than midweek
    weekend = weekday = 0.0
    for index in range(40):
        terminal = sim.fleet.terminal(index)
        if terminal.business:
            continue
        for cycle in sim.usage.service_line_usage(terminal, today, previous=2)["billingCycles"]:
            for entry in cycle["dailyDataUsage"]:
                total = entry["priorityGB"] + entry["standardGB"] + entry["nonBillableGB"]
                dow = datetime.fromisoformat(entry["date"][:10]).weekday()
                weekend += total if dow >= 5 else 0.0
                weekday += total if dow in (1, 2) else 0.0
    assert weekend > weekday * 1.1


def test_telemetry_stream_retention_and_outages():
    sim = Simulator(
        SimulatorConfig(
            seed=3,
            terminals=10,
            clock_start="2026-07-20T12:00:00Z",
            clock_speed=0,
            stream_backlog_s=12 * 3600,
        )
    )
    now = sim.clock.now()
    body = sim.stream.read("acc", now, 65000)
    rows = body["data"]["values"]
    oldest = min(row[1] for row in rows) / 1e9
    assert now - 8 * 3600 < oldest < now - 8 * 3600 + 30  # 8 h retention, not 12 h of backlog
    per_device = {}
    for row in rows:
        if row[0] == "u":
            per_device.setdefault(row[2], []).append(row[1])
    flaky = sim.fleet.terminal(ARCHETYPE_FLAKY).telemetry_id
    expected = 8 * 3600 // 15
    stamps = per_device[flaky] + [int(now * 1e9)]
    assert len(stamps) < expected - 8  # outages leave gaps (at least 2 minutes)
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) == 15 * 10**9 and max(gaps) >= 120 * 10**9
    healthy = [len(v) for k, v in per_device.items() if k != flaky]
    assert max(healthy) == expected
    assert sim.stream.read("acc", now, 65000)["data"]["values"] == []
    assert (
        len(
            sim.stream.read("acc", now + timedelta(minutes=1).total_seconds(), 65000)["data"][
                "values"
            ]
        )
        >= 4 * 10
    )


def test_telemetry_patterns():
    sim = Simulator(
        SimulatorConfig(seed=5, terminals=12, clock_start="2026-07-20T12:00:00Z", clock_speed=0)
    )
    model = sim.telemetry
    start_slot = int(sim.clock.now() // 15) - 5760  # the last 24 hours, one sample a minute
    evening, night, obstructed_share = [], [], {}
    for terminal in sim.fleet.terminals():
        alerts = samples = 0
        for slot in range(start_slot, start_slot + 5760, 4):
            state = model.state(terminal, slot)
            if state is None:
                continue
            values = model.terminal_values(terminal, slot, state)
            samples += 1
            alerts += 66 in values["ActiveAlert"]
            if not terminal.business and 19.5 <= state["hour"] <= 21.5:
                evening.append(values["DownlinkThroughput"])
            elif not terminal.business and 3 <= state["hour"] <= 5:
                night.append(values["DownlinkThroughput"])
        obstructed_share[terminal.index] = alerts / samples
    assert sum(evening) / len(evening) > 2.5 * sum(night) / len(night)  # diurnal pattern
    assert obstructed_share[ARCHETYPE_OBSTRUCTED] > 0.15
    assert sorted(obstructed_share.values())[6] < 0.05  # most dishes are rarely obstructed


def test_stream_lingers_with_a_running_clock():
    sim = Simulator(
        SimulatorConfig(
            seed=1,
            terminals=3,
            clock_start="2026-07-20T12:00:01Z",
            clock_speed=0,
            stream_backlog_s=60,
        )
    )
    assert sim.stream.read("acc", sim.clock.now(), 1000)["data"]["values"]
    sim.clock.set(speed=1)  # next slot in 14 s: the call lingers, then answers empty
    started = time.monotonic()
    status, body = api_module.telemetry_stream(sim, _StreamRequest(300), "acc")
    assert status == 200 and body["data"]["values"] == []
    assert time.monotonic() - started >= 0.29
    sim.clock.set("2026-07-20T12:00:14.8Z", speed=1)  # next slot in 0.2 s: answered early
    started = time.monotonic()
    status, body = api_module.telemetry_stream(sim, _StreamRequest(5000), "acc")
    assert body["data"]["values"] and time.monotonic() - started < 2.0


class _StreamRequest:
    """Minimal request object for calling the stream handler in-process."""

    def __init__(self, linger_ms):
        self._body = json.dumps({"batchSize": 1000, "maxLingerMs": linger_ms}).encode()

    def get_data(self, cache=True):
        return self._body


def test_command_line_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tools = Path(__file__).resolve().parents[2] / "tools"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "starlink_simulator",
            "--port",
            str(port),
            "--terminals",
            "5",
            "--seed",
            "9",
            "--fault",
            "server_errors=1",
            "--log-level",
            "WARNING",
        ],
        cwd=tools,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = "http://127.0.0.1:%d" % port
        for _ in range(200):
            try:
                if requests.get(url + "/_sim/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        config = requests.get(url + "/_sim/config", timeout=5).json()
        assert (config["terminals"], config["seed"]) == (5, 9)
        assert requests.get(url + "/_sim/faults", timeout=5).json()["server_errors"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
