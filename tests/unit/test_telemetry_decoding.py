"""Telemetry stream: read index, faults and decoding into typed records."""

from datetime import datetime, timedelta

import pytest
import requests
from starlink_telemetry_lib.telemetry import (
    TERMINAL_FIELDS,
    RouterSample,
    TerminalSample,
    decode_stream,
)

TERMINAL_LAYOUT = (
    "device_id",
    "ts",
    "downlink_bps",
    "uplink_bps",
    "ping_drop",
    "latency_ms",
    "obstruction",
    "uptime",
    "signal_quality",
    "software_version",
    "alerts",
)


def _faults(simulator, **faults):
    assert requests.post(simulator.url + "/_sim/faults", json=faults, timeout=5).ok


def _rewind(simulator):
    """Forget the read index (same clock): the next read returns the same samples."""
    simulator.simulator.stream.reset()


def _keys(batch):
    return {(r.device_id, r.ts) for r in batch.terminals + batch.routers}


def test_record_layout():
    assert TERMINAL_FIELDS == TERMINAL_LAYOUT


def test_stream_decodes_terminals_and_routers(simulator, make_client):
    batch = decode_stream(make_client().telemetry_stream(batch_size=65000, max_linger_ms=0))
    size = simulator.simulator.config.terminals
    assert batch.skipped == []
    # 120 s backlog = 8 slots per device, minus outages
    assert 7 * size <= len(batch.terminals) <= 8 * size
    assert 7 * size <= len(batch.routers) <= 8 * size
    assert batch.ip_allocations and all(ip.ipv4 for ip in batch.ip_allocations)
    sample = batch.terminals[0]
    assert isinstance(sample, TerminalSample) and isinstance(batch.routers[0], RouterSample)
    fleet_ids = {t.user_terminal_id for t in simulator.simulator.fleet.terminals()}
    assert {s.device_id for s in batch.terminals} <= fleet_ids
    assert {r.dish_id for r in batch.routers} <= fleet_ids
    assert datetime(2026, 7, 20, 11, 58) <= sample.ts
    assert max(s.ts for s in batch.terminals) <= datetime(2026, 7, 20, 12, 0)  # none in the future
    assert all(0 <= s.ping_drop <= 1 and s.latency_ms > 15 for s in batch.terminals)
    assert all(s.downlink_bps >= 0 and s.software_version for s in batch.terminals)
    assert len(_keys(batch)) == len(batch.terminals) + len(batch.routers)


def test_values_are_converted(simulator, make_client):
    payload = make_client().telemetry_stream(batch_size=1, max_linger_ms=0)
    columns = payload["data"]["columnNamesByDeviceType"]["u"]
    row = dict(zip(columns, payload["data"]["values"][0], strict=True))
    sample = decode_stream(payload).terminals[0]
    assert "ut" + sample.device_id == row["DeviceId"]
    microseconds = (sample.ts - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    assert microseconds == row["UtcTimestampNs"] // 1000
    assert sample.downlink_bps == pytest.approx(row["DownlinkThroughput"] * 1e6)
    assert sample.latency_ms == row["PingLatencyMsAvg"]
    assert sample.uptime == row["Uptime"]


def test_read_index_advances(simulator, make_client):
    client = make_client()
    first = decode_stream(client.telemetry_stream(batch_size=700, max_linger_ms=0))
    second = decode_stream(client.telemetry_stream(batch_size=65000, max_linger_ms=0))
    assert first.row_count == 700 and second.row_count > 0
    assert not _keys(first) & _keys(second)
    assert decode_stream(client.telemetry_stream(max_linger_ms=0)).row_count == 0  # caught up
    simulator.simulator.clock.advance(30)
    third = decode_stream(client.telemetry_stream(batch_size=65000, max_linger_ms=0))
    newest = max(s.ts for s in first.terminals + second.terminals)
    assert third.terminals and min(s.ts for s in third.terminals) > newest
    size = simulator.simulator.config.terminals
    assert len(third.terminals) <= 2 * size  # two new 15-second slots


def test_reordered_columns_and_active_alerts(simulator, make_client):
    client = make_client()
    clean = decode_stream(client.telemetry_stream(batch_size=65000, max_linger_ms=0))
    _rewind(simulator)
    _faults(simulator, reorder_columns=True, alerts_column="ActiveAlerts")
    payload = client.telemetry_stream(batch_size=65000, max_linger_ms=0)
    columns = payload["data"]["columnNamesByDeviceType"]["u"]
    assert "ActiveAlerts" in columns and "ActiveAlert" not in columns
    assert columns[0] == "DeviceType" and columns[1:] != sorted(columns[1:])
    assert decode_stream(payload).terminals == clean.terminals
    alerts = {a for s in clean.terminals for a in s.alerts}
    assert "high_time_obstruction" in alerts
    obstructed = [s for s in clean.terminals if "high_time_obstruction" in s.alerts]
    assert all(s.obstruction >= 2.0 and s.signal_quality <= 0.8 for s in obstructed)
    assert all(s.ping_drop >= 0.05 for s in obstructed)


def test_malformed_rows_skipped_and_counted(simulator, make_client):
    client = make_client()
    clean = decode_stream(client.telemetry_stream(batch_size=65000, max_linger_ms=0))
    _rewind(simulator)
    _faults(simulator, malformed_telemetry_rate=0.05)
    dirty = decode_stream(client.telemetry_stream(batch_size=65000, max_linger_ms=0))
    assert dirty.row_count == clean.row_count
    assert 0.02 * clean.row_count < dirty.skipped_count < 0.08 * clean.row_count
    assert dirty.record_count + dirty.skipped_count == clean.record_count
    assert set(dirty.terminals) <= set(clean.terminals)
    reasons = dirty.skipped_reasons()
    assert {"row is not an array", "DeviceId is missing", "unknown device type"} <= set(reasons)
    assert any(r.startswith("expected") for r in reasons)
    assert all(row.index < dirty.row_count for row in dirty.skipped)


def test_duplicate_batch_decodes_identically(simulator, make_client):
    client = make_client()
    _faults(simulator, duplicate_batches=1, duplicate_rows_rate=0.1)
    first = decode_stream(client.telemetry_stream(batch_size=500, max_linger_ms=0))
    again = decode_stream(client.telemetry_stream(batch_size=500, max_linger_ms=0))
    assert again == first  # re-sent batch: storage must dedupe on (device_id, ts)
    unique = len(set(first.terminals + first.routers + first.ip_allocations))
    assert first.record_count > unique  # duplicate rows inside the batch
    third = decode_stream(client.telemetry_stream(batch_size=500, max_linger_ms=0))
    assert not _keys(third) & _keys(first)


def _payload(columns, values, alerts=None):
    meta = {"enums": {"AlertsByDeviceType": {"u": alerts}}} if alerts is not None else {}
    return {"data": {"columnNamesByDeviceType": {"u": columns}, "values": values}, "metadata": meta}


def test_handmade_rows():
    columns = ["DeviceType", "DeviceId", "UtcTimestampNs", "DownlinkThroughput", "ActiveAlerts"]
    values = [
        ["u", "ut01-a", 1_784_548_800_123_456_789, 12.5, [50, "66", 999]],
        ["u", "ut01-b", 1_784_548_800_000_000_000, None, None],
        ["u", "ut01-c", 1_784_548_800_000_000_000, -3.0, []],
        ["u", "ut01-d", 12, 1.0, []],
        ["u", "ut01-e", 1_784_548_800_000_000_000, True, []],
        ["u", "ut01-f", 1_784_548_800_000_000_000, 1.0, {"bad": 1}],
        ["r", "Router-1", 1_784_548_800_000_000_000],
        {"not": "a row"},
    ]
    batch = decode_stream(_payload(columns, values, {"50": "eth_slow", "66": "obstructed"}))
    first, second = batch.terminals
    assert first.device_id == "01-a" and first.ts == datetime(2026, 7, 20, 12, 0, 0, 123456)
    assert first.downlink_bps == 12.5e6 and first.alerts == (
        "eth_slow",
        "obstructed",
        "unknown_999",
    )
    assert second.downlink_bps is None and second.alerts == () and second.latency_ms is None
    assert [(s.index, s.reason) for s in batch.skipped] == [
        (2, "DownlinkThroughput is out of range: -3.0"),
        (3, "UtcTimestampNs is out of range: 12"),
        (4, "DownlinkThroughput is not a number: True"),
        (5, "ActiveAlert is not a list: {'bad': 1}"),
        (6, "unknown device type: 'r'"),
        (7, "row is not an array"),
    ]
    # without metadata, the documented alert names are used
    assert decode_stream(_payload(columns, values[:1])).terminals[0].alerts == (
        "ethernet_slow_10mbps",
        "high_time_obstruction",
        "unknown_999",
    )


def test_missing_required_column_skips_every_row():
    batch = decode_stream(_payload(["DeviceType", "DeviceId"], [["u", "ut1"], ["u", "ut2"]]))
    assert batch.terminals == [] and batch.skipped_count == 2
    assert batch.skipped[0].reason == "column UtcTimestampNs is missing"


def test_payload_in_an_envelope_and_empty_answers():
    inner = _payload(
        ["DeviceType", "UtcTimestampNs", "DeviceId"], [["u", 1_784_548_800 * 10**9, "ut9"]]
    )
    assert decode_stream({"isValid": True, "content": inner}).terminals[0].device_id == "9"
    for empty in ({}, None, {"data": None}, {"data": {"values": []}}):
        batch = decode_stream(empty)
        assert batch.record_count == 0 and batch.skipped_count == 0


def test_telemetry_query_returns_latest_values(simulator, make_client):
    fleet = simulator.simulator.fleet
    wanted = [fleet.terminal(i).telemetry_id for i in range(5)]
    answer = make_client().telemetry_query(wanted + ["ut-unknown"])
    latest = answer["data"]["u"]
    assert set(latest) <= set(wanted) and len(latest) >= 4  # offline terminals are absent
    for device_id, values in latest.items():
        assert values["DeviceId"] == device_id
        assert values["UtcTimestampNs"] <= simulator.simulator.clock.now() * 1e9
    assert set(answer["data"]["r"]) <= {fleet.terminal(i).router_id for i in range(5)}
