"""Column-wise decoding into the COPY buffer: same rows, values and bad rows as the row decoder."""

import math
import struct
from datetime import datetime, timedelta

import numpy as np
import pytest
import requests
from starlink_telemetry_lib.telemetry import decode_stream
from starlink_telemetry_lib.telemetry_columns import decode_columns
from starlink_telemetry_lib.telemetry_copy import (
    OBSTRUCTION_SCALE,
    PING_DROP_SCALE,
    STORE_COLUMNS,
    copy_binary,
    copy_text,
)

EPOCH = datetime(1970, 1, 1)


def _faults(simulator, **faults):
    assert requests.post(simulator.url + "/_sim/faults", json=faults, timeout=5).ok


def _ms(moment):
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def assert_same_as_row_decoder(payload):
    """Every column of ``decode_columns`` matches the row decoder's records."""
    rows = decode_stream(payload)
    cols = decode_columns(payload)
    assert cols.row_count == rows.row_count
    assert [(s.index, s.device_type, s.reason) for s in cols.skipped] == [
        (s.index, s.device_type, s.reason) for s in rows.skipped
    ]
    assert cols.ignored == rows.ignored
    assert cols.ip_allocations == rows.ip_allocations
    terminals = cols.columns.get("u", {"device": []})
    assert len(terminals["device"]) == len(rows.terminals)
    for i, sample in enumerate(rows.terminals):
        assert terminals["device"][i] == sample.device_id
        assert terminals["ts_ms"][i] == _ms(sample.ts)
        assert _same(terminals["downlink"][i], sample.downlink_bps and sample.downlink_bps / 1e6)
        assert _same(terminals["uplink"][i], sample.uplink_bps and sample.uplink_bps / 1e6)
        assert _same(terminals["ping_drop"][i], sample.ping_drop)
        assert _same(terminals["latency"][i], sample.latency_ms)
        assert _same(terminals["obstruction"][i], sample.obstruction)
        assert _same(terminals["signal"][i], sample.signal_quality)
        assert terminals["uptime"][i] == sample.uptime
        assert terminals["alerts"][i] == sample.alerts
    routers = cols.columns.get("r", {"device": []})
    assert len(routers["device"]) == len(rows.routers)
    for i, sample in enumerate(rows.routers):
        assert routers["device"][i] == sample.device_id
        assert routers["ts_ms"][i] == _ms(sample.ts)
        assert _same(routers["ping_drop"][i], sample.internet_ping_drop)
        assert _same(routers["latency"][i], sample.internet_latency_ms)
        assert routers["uptime"][i] == sample.uptime
        assert routers["alerts"][i] == sample.alerts
    latest = {}
    for sample in rows.terminals:
        if sample.software_version:
            latest[sample.device_id] = sample.software_version
    assert cols.software_versions == latest
    return cols


def test_simulator_answers_decode_alike(simulator, make_client):
    client = make_client()
    cols = assert_same_as_row_decoder(client.telemetry_stream(65000, 0))
    assert cols.count("u") > 100 and cols.count("r") > 100


def test_malformed_rows_same_reasons(simulator, make_client):
    _faults(simulator, malformed_telemetry_rate=0.1)
    cols = assert_same_as_row_decoder(make_client().telemetry_stream(65000, 0))
    assert cols.skipped_count > 10
    assert {"row is not an array", "DeviceId is missing"} <= set(cols.skipped_reasons())


def test_reordered_columns_and_duplicates(simulator, make_client):
    _faults(simulator, reorder_columns=True, alerts_column="ActiveAlerts", duplicate_rows_rate=0.2)
    cols = assert_same_as_row_decoder(make_client().telemetry_stream(65000, 0))
    assert cols.count("u")


def test_handmade_bad_values_first_reason_wins():
    columns = ["DeviceType", "DeviceId", "UtcTimestampNs", "DownlinkThroughput",
               "PingDropRateAvg", "Uptime", "SignalQuality", "ActiveAlerts"]  # fmt: skip
    ts = 1_784_548_800_123_456_789
    values = [
        ["u", "ut01-a", ts, 12.5, 0.01, 10, 0.9, [50, "66", 999]],
        ["u", " ut01-b ", ts, float("inf"), None, 3.0, float("nan"), None],
        ["u", "ut01-c", "soon", -3.0, 2.0, -1, 0.9, {"bad": 1}],
        ["u", "", ts, 1.0, True, 1, 1.0, []],
        ["u", "ut01-e", ts, 1.0, 0.5, "1", 1.0, [[1]]],
        ["u", "ut01-f", ts, 1.0, 0.5, 1, 1.0],
        ["r", "Router-1", ts],
        ["i"],
        [],
    ]
    payload = {
        "data": {"columnNamesByDeviceType": {"u": columns}, "values": values},
        "metadata": {"enums": {"AlertsByDeviceType": {"u": {"50": "eth_slow"}}}},
    }
    cols = assert_same_as_row_decoder(payload)
    terminals = cols.columns["u"]
    assert terminals["device"] == ["01-a", "01-b"]
    assert terminals["downlink"][1] is None and terminals["signal"][1] is None
    assert terminals["alerts"][0] == ("eth_slow", "unknown_66", "unknown_999")
    assert [s.reason for s in cols.skipped][:4] == [
        "UtcTimestampNs is not a number: 'soon'",
        "DeviceId is missing",
        "Uptime is not a number: '1'",
        "expected 8 values, got 7",
    ]


IP_COLUMNS = ["DeviceType", "UtcTimestampNs", "DeviceId", "AccountNumber", "Ipv4", "Ipv6Ue",
              "Ipv6Cpe"]  # fmt: skip


def test_ip_allocations_column_by_column():
    ts = 1_784_548_800_123_456_789
    clean = [
        ["i", ts, "ut01-a", "ACC-1", ["100.64.0.1"], ["2605::/64"], ["2605::/56", "2605::1"]],
        ["i", ts + 1000, "ut01-b", None, None, [], None],  # a tombstone
    ]
    payload = {"data": {"columnNamesByDeviceType": {"i": IP_COLUMNS}, "values": clean}}
    cols = assert_same_as_row_decoder(payload)  # every column clean: converted at once
    first, tombstone = cols.ip_allocations
    assert first.device_id == "01-a" and first.account_number == "ACC-1"
    assert first.ts == datetime(2026, 7, 20, 12, 0, 0, 123456)
    assert first.ipv4 == ("100.64.0.1",) and first.ipv6_cpe == ("2605::/56", "2605::1")
    assert tombstone.ipv4 == tombstone.ipv6_ue == tombstone.ipv6_cpe == ()
    assert tombstone.account_number is None and cols.sample_count == 0


def test_ip_allocations_bad_values_first_reason_wins():
    ts = 1_784_548_800_123_456_789
    values = [
        ["i", ts, "ut01-a", "ACC-1", ["100.64.0.1"], None, None],
        ["i", ts, "ut01-c", "ACC-1", "100.64.0.2", None, None],
        ["i", ts, "ut01-d", "ACC-1", ["100.64.0.3"], [7], None],
        ["i", "soon", "ut01-e", 5, None, None, None],
        ["i", ts, "ut01-f", 5, None, None, None],
        ["i", float(ts), " ut01-g ", "ACC-2", [], [], []],  # a float time, a padded id: kept
        ["i", ts, "ut01-h", "ACC-2", None, None],
    ]
    payload = {"data": {"columnNamesByDeviceType": {"i": IP_COLUMNS}, "values": values}}
    cols = assert_same_as_row_decoder(payload)
    assert [a.device_id for a in cols.ip_allocations] == ["01-a", "01-g"]
    assert [(s.index, s.reason) for s in cols.skipped] == [
        (1, "Ipv4 is not a list of strings: '100.64.0.2'"),
        (2, "Ipv6Ue is not a list of strings: [7]"),
        (3, "UtcTimestampNs is not a number: 'soon'"),
        (4, "AccountNumber is not a string: 5"),
        (6, "expected 7 values, got 6"),
    ]


def test_missing_required_column_and_empty_answers():
    payload = {"data": {"columnNamesByDeviceType": {"u": ["DeviceType", "DeviceId"]},
                        "values": [["u", "ut1"], ["u", "ut2"]]}}  # fmt: skip
    cols = assert_same_as_row_decoder(payload)
    assert cols.sample_count == 0 and cols.skipped[0].reason == "column UtcTimestampNs is missing"
    for empty in ({}, None, {"data": None}, {"data": {"values": []}}):
        assert decode_columns(empty).sample_count == 0


def test_copy_text_in_store_units():
    columns = {
        "device": ["a", "b"],
        "ts_ms": [_ms(datetime(2026, 7, 20, 12, 0, 1, 250000)), _ms(datetime(2026, 7, 20))],
        "downlink": [12.5, None],
        "uplink": [0.05, None],
        "latency": [31.25, 4000.0],
        "signal": [0.9, None],
        "uptime": [3600, None],
        "alerts": [("x", "y"), ()],
        "ping_drop": [0.0123, 1.0],
        "obstruction": [0.127, None],
    }
    text = copy_text(columns, {"a": 7, "b": 8}, {"x": 1, "y": 4})
    lines = [line.split("\t") for line in text.splitlines()]
    assert len(lines[0]) == len(STORE_COLUMNS)
    # latency in 0.1 ms (rounded half to even), signal quality in 1/10,000
    assert lines[0] == ["7", "2026-07-20T12:00:01.250", "12.5", "0.05", "312", "9000", "3600",
                        "5", str(round(0.0123 * PING_DROP_SCALE)),
                        str(round(0.127 * OBSTRUCTION_SCALE))]  # fmt: skip
    # a latency past the smallint range is kept as its maximum (3,276.7 ms)
    assert lines[1] == ["8", "2026-07-20T00:00:00.000", r"\N", r"\N", "32767", r"\N", r"\N",
                        "0", "10000", r"\N"]  # fmt: skip
    mixed = {**columns, "latency": [5000.0, None], "signal": [None, 3.5]}
    lines = [line.split("\t") for line in copy_text(mixed, {"a": 7, "b": 8}, {}).splitlines()]
    assert [line[4:6] for line in lines] == [["32767", r"\N"], [r"\N", "32767"]]
    assert copy_text({"device": []}, {}, {}) == ""


def test_clean_columns_are_numpy_and_mixed_ones_go_to_copy_text():
    """A clean column is decoded into a numpy array; a column holding a null stays a list,
    and the answer then goes to COPY text (binary COPY has one layout for every tuple)."""
    stamp = 1_784_548_800 * 10**9
    cols = decode_columns(
        {
            "data": {
                "columnNamesByDeviceType": {
                    "u": ["DeviceType", "DeviceId", "UtcTimestampNs", "PingLatencyMsAvg",
                          "DownlinkThroughput"],
                },
                "values": [
                    ["u", "ut1", stamp, 31.5, 100.0],
                    ["u", "ut2", stamp + 15 * 10**9, None, 90.0],
                ],
            }
        }  # fmt: skip
    ).columns["u"]
    assert isinstance(cols["ts_ms"], np.ndarray) and isinstance(cols["downlink"], np.ndarray)
    assert cols["latency"] == [31.5, None]
    keys = {"1": 7, "2": 8}
    assert copy_binary(cols, keys, {}) is None
    lines = [line.split("\t") for line in copy_text(cols, keys, {}).splitlines()]
    assert [line[:5] for line in lines] == [
        ["7", "2026-07-20T12:00:00.000", "100.0", r"\N", "315"],
        ["8", "2026-07-20T12:00:15.000", "90.0", r"\N", r"\N"],
    ]


def test_copy_binary_sorts_by_device_and_time():
    columns = {
        "device": ["b", "a", "b", "a"],
        "ts_ms": np.array([3_000, 2_000, 1_000, 4_000]),
        "downlink": [1.0, 2.0, 3.0, 4.0],
        "uplink": [None] * 4,
        "latency": [1.0, 2.0, 3.0, 4.0],
        "signal": [None] * 4,
        "uptime": [1, 2, 3, 4],
        "alerts": [()] * 4,
        "ping_drop": [None] * 4,
        "obstruction": [None] * 4,
    }
    tuples = _parse_binary(copy_binary(columns, {"a": 1, "b": 2}, {}))
    order = [(struct.unpack(">i", t[0])[0], struct.unpack(">f", t[2])[0]) for t in tuples]
    assert order == [(1, 2.0), (1, 4.0), (2, 3.0), (2, 1.0)]
    # the same sample twice: the first one received stays first
    columns["ts_ms"] = np.array([3_000, 2_000, 3_000, 2_000])
    tuples = _parse_binary(copy_binary(columns, {"a": 1, "b": 2}, {}))
    order = [(struct.unpack(">i", t[0])[0], struct.unpack(">f", t[2])[0]) for t in tuples]
    assert order == [(1, 2.0), (1, 4.0), (2, 1.0), (2, 3.0)]
    # keys and times too wide for one 64-bit sort key: sorted alike
    columns["ts_ms"] = np.array([3_000, 2_000, 1_000, 4_000]) * 10_000_000
    big = {"a": 2**31 - 2, "b": 2**31 - 1}
    tuples = _parse_binary(copy_binary(columns, big, {}))
    order = [(struct.unpack(">i", t[0])[0], struct.unpack(">f", t[2])[0]) for t in tuples]
    assert order == [(2**31 - 2, 2.0), (2**31 - 2, 4.0), (2**31 - 1, 3.0), (2**31 - 1, 1.0)]


def test_drop_older_than():
    cols = decode_columns(
        {
            "data": {
                "columnNamesByDeviceType": {"u": ["DeviceType", "DeviceId", "UtcTimestampNs"]},
                "values": [
                    ["u", "ut1", 1_784_548_800 * 10**9],
                    ["u", "ut2", 1_784_548_900 * 10**9],
                ],
            }
        }  # fmt: skip
    )
    assert cols.drop_older_than(1_784_548_850 * 1000) == 1
    assert cols.columns["u"]["device"] == ["2"]


def _parse_binary(data):
    """Tuples of a binary COPY stream body (no header): lists of raw field bytes or None."""
    rows, offset = [], 0
    while offset < len(data):
        (count,) = struct.unpack_from(">h", data, offset)
        offset += 2
        fields = []
        for _ in range(count):
            (length,) = struct.unpack_from(">i", data, offset)
            offset += 4
            if length < 0:
                fields.append(None)
            else:
                fields.append(data[offset : offset + length])
                offset += length
        rows.append(fields)
    return rows


def test_copy_binary_in_store_types():
    ts = datetime(2026, 7, 20, 12, 0, 1, 250000)
    columns = {
        "device": ["a", "b"],
        "ts_ms": [_ms(ts), _ms(datetime(2000, 1, 1))],
        "downlink": [12.5, 0.0],
        "uplink": [0.05, 3.0],
        "latency": [31.25, 4000.0],
        "signal": [0.8765, 1.0],
        "uptime": [3600, 0],
        "alerts": [("x", "y"), ()],
        "ping_drop": [0.0123, 1.0],
        "obstruction": [0.127, 100.0],
    }
    first, second = _parse_binary(copy_binary(columns, {"a": 7, "b": 8}, {"x": 1, "y": 4}))
    assert len(first) == len(STORE_COLUMNS)
    device, stamp, down, up, latency, signal, uptime, alerts, drop, obstruction = first
    assert struct.unpack(">i", device) == (7,)
    micros = struct.unpack(">q", stamp)[0]
    assert datetime(2000, 1, 1) + timedelta(microseconds=micros) == ts
    assert struct.unpack(">f", down)[0] == 12.5
    assert struct.unpack(">f", up)[0] == pytest.approx(0.05)
    assert struct.unpack(">h", latency) == (312,) and struct.unpack(">h", signal) == (8765,)
    assert struct.unpack(">h", second[4]) == (32767,) and struct.unpack(">h", second[5]) == (10000,)
    assert struct.unpack(">i", uptime) == (3600,) and struct.unpack(">i", alerts) == (5,)
    assert struct.unpack(">h", drop) == (123,) and struct.unpack(">h", obstruction) == (13,)
    assert struct.unpack(">q", second[1]) == (0,) and struct.unpack(">h", second[8]) == (10000,)
    # a column mixing values and NULLs, or an uptime past the integer range: text instead
    assert copy_binary({**columns, "latency": [1.0, None]}, {"a": 7, "b": 8}, {}) is None
    keys = {"a": 7, "b": 8}
    assert _parse_binary(copy_binary({**columns, "signal": [None, None]}, keys, {}))[0][5] is None
    assert copy_binary({**columns, "uptime": [2**31, 1]}, {"a": 7, "b": 8}, {}) is None
    assert copy_binary({"device": []}, {}, {}) == b""
