"""Column-wise decoding of telemetry stream answers, straight into a COPY buffer.

The row decoder of :mod:`.telemetry` builds one typed record per row; at fleet scale
(10,000 terminals and their routers: 115 million rows a day) that costs more than storing
them. Here each answer is cut by device type, then decoded one column at a time: a value of
the expected type and range takes a fast path, anything else goes through the row decoder's
own converter, which raises the same :class:`~.telemetry.BadRow` with the same reason. A
row's reason is the first failing column in the row decoder's order, so the bad-row
accounting is the same as :func:`.telemetry.decode_stream`'s.

The decoded columns are then written as PostgreSQL ``COPY`` text, column by column, in the
store's narrow shape (device key, timestamp, measures in their storage units, alerts as a
bit mask): see :func:`copy_text` and :data:`STORE_COLUMNS`.
"""

import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .telemetry import (
    _MAX_TS_NS,
    _MIN_TS_NS,
    ALERT_COLUMNS,
    DECODERS,
    TERMINAL_PREFIX,
    BadRow,
    SkippedRow,
    _alerts,
    _device_id,
    _integer,
    _number,
    _short,
    _stream_data,
    _text,
    _timestamp,
    alert_names,
)

_EPOCH = datetime(1970, 1, 1)
NULL = r"\N"

# Store columns, in COPY order, with their scale: a value is stored as round(value * scale)
# in a smallint when a scale is given (ping drop 0-1 in 1/10,000; obstruction 0-100 % in
# 1/100 %), as it is otherwise.
STORE_COLUMNS = (
    "device", "ts", "downlink_mbps", "uplink_mbps", "latency_ms", "signal_quality",
    "uptime_s", "alerts", "ping_drop", "obstruction",
)  # fmt: skip
PING_DROP_SCALE = 10_000
OBSTRUCTION_SCALE = 100

# Measures per device type: (column name in the answer, key, low, high, scale at decoding).
TERMINAL_MEASURES = (
    ("DownlinkThroughput", "downlink", 0, None, 1.0),
    ("UplinkThroughput", "uplink", 0, None, 1.0),
    ("PingDropRateAvg", "ping_drop", 0, 1, 1.0),
    ("PingLatencyMsAvg", "latency", 0, None, 1.0),
    ("ObstructionPercentTime", "obstruction", 0, 100, 1.0),
)
ROUTER_MEASURES = (
    ("InternetPingDropRate", "ping_drop", 0, 1, 1.0),
    ("InternetPingLatencyMs", "latency", 0, None, 1.0),
    ("WifiPopPingDropRate", None, 0, 1, 1.0),
    ("WifiPopPingLatencyMs", None, 0, None, 1.0),
)
MEASURE_KEYS = ("downlink", "uplink", "ping_drop", "latency", "obstruction", "signal")


@dataclass
class ColumnBatch:
    """A decoded answer: per device type (``u``, ``r``) a dict of equal-length columns.

    Columns: ``device`` (terminal: userTerminalId, router: routerId), ``ts_ms`` (ms since
    the epoch, UTC), ``downlink``/``uplink`` (Mbps, as the API sends them), ``ping_drop``
    (0-1), ``latency`` (ms), ``obstruction`` (%), ``signal``, ``uptime`` (s), ``alerts``
    (tuples of names). Absent measures are None. ``software_versions`` maps a terminal to
    the latest version it reported; ``ip_allocations`` are typed records (few, row-wise).
    """

    columns: dict = field(default_factory=dict)
    ip_allocations: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)
    software_versions: dict = field(default_factory=dict)
    row_count: int = 0

    @property
    def skipped_count(self):
        return len(self.skipped)

    def count(self, kind):
        """Number of decoded samples of a device type."""
        return len(self.columns.get(kind, {}).get("device", ()))

    @property
    def sample_count(self):
        return self.count("u") + self.count("r")

    def skipped_reasons(self):
        """``Counter`` of skip reasons (values stripped), for logs."""
        return Counter(row.reason.split(":")[0] for row in self.skipped)

    def drop_older_than(self, oldest_ms):
        """Remove the samples older than ``oldest_ms``; returns how many were removed."""
        removed = 0
        for kind, columns in self.columns.items():
            keep = [i for i, ts in enumerate(columns["ts_ms"]) if ts >= oldest_ms]
            if len(keep) != len(columns["ts_ms"]):
                removed += len(columns["ts_ms"]) - len(keep)
                self.columns[kind] = {k: [v[i] for i in keep] for k, v in columns.items()}
        return removed


# ---------------------------------------------------------------- column converters
def _fail(bad, position, error):
    bad.setdefault(position, str(error))


def _column(rows, index, name):
    position = index.get(name)
    if position is None:
        return [None] * len(rows)
    return [row[position] for row in rows]


def _devices(values, name, bad, strip_prefix):
    out = []
    for i, value in enumerate(values):
        if type(value) is str and value and not value[0].isspace() and not value[-1].isspace():
            device = value
        else:
            try:
                device = _device_id(value, name)
            except BadRow as error:
                _fail(bad, i, error)
                out.append(None)
                continue
        if strip_prefix and device.startswith(TERMINAL_PREFIX):
            device = device[len(TERMINAL_PREFIX) :]
        out.append(device)
    return out


def _timestamps(values, name, bad):
    out = []
    for i, value in enumerate(values):
        if type(value) is int and _MIN_TS_NS <= value < _MAX_TS_NS:
            out.append(value // 1_000_000)
            continue
        try:
            moment = _timestamp(value, name)
        except BadRow as error:
            _fail(bad, i, error)
            out.append(None)
            continue
        out.append((moment - _EPOCH) // timedelta(milliseconds=1))
    return out


def _numbers(values, name, bad, low, high, scale):
    out = []
    top = sys.float_info.max if high is None else high  # inf and NaN take the slow path
    for i, value in enumerate(values):
        kind = type(value)
        if (kind is float or kind is int) and low <= value <= top:
            out.append(float(value) * scale if scale != 1.0 else float(value))
        elif value is None:
            out.append(None)
        else:
            try:
                out.append(_number(value, name, low, high, scale))
            except BadRow as error:
                _fail(bad, i, error)
                out.append(None)
    return out


def _integers(values, name, bad):
    out = []
    for i, value in enumerate(values):
        if type(value) is int and value >= 0:
            out.append(value)
        elif value is None:
            out.append(None)
        else:
            try:
                out.append(_integer(value, name))
            except BadRow as error:
                _fail(bad, i, error)
                out.append(None)
    return out


def _texts(values, name, bad):
    out = []
    for i, value in enumerate(values):
        try:
            out.append(_text(value, name))
        except BadRow as error:
            _fail(bad, i, error)
            out.append(None)
    return out


def _alert_column(values, names, bad):
    out = []
    cache = {}
    for i, value in enumerate(values):
        if not value:  # None or [] (no alert): the common case
            out.append(())
            continue
        key = tuple(value) if type(value) is list else value
        try:
            hit = cache.get(key)
        except TypeError:  # an unhashable element: the converter says why
            key = hit = None
        if hit is None:
            try:
                hit = _alerts(value, names)
            except BadRow as error:
                _fail(bad, i, error)
                out.append(())
                continue
            if key is not None:
                cache[key] = hit
        out.append(hit)
    return out


# ---------------------------------------------------------------- decoding
def _decode_kind(kind, rows, columns, names, batch):
    """Decode the rows ``[(position, row)]`` of one device type column by column."""
    index = {name: position for position, name in enumerate(columns)}
    for alias in ALERT_COLUMNS:
        if alias in index:
            index.setdefault("ActiveAlert", index[alias])
    bad = {}
    missing = [name for name in ("DeviceId", "UtcTimestampNs") if name not in index]
    if missing:
        for i in range(len(rows)):
            bad[i] = "column %s is missing" % missing[0]
    width = len(columns)
    for i, (_position, row) in enumerate(rows):
        if len(row) != width:
            bad.setdefault(i, "expected %d values, got %d" % (width, len(row)))
    if len(bad) == len(rows):
        values = [row for _position, row in rows]
        decoded = {}
    else:
        values = [row if len(row) == width else [None] * width for _position, row in rows]
        decoded = _decode_columns(kind, values, index, names, bad)
    for i in sorted(bad):
        batch.skipped.append(SkippedRow(rows[i][0], kind, bad[i]))
    if not decoded:
        return
    keep = [i for i in range(len(rows)) if i not in bad] if bad else None
    if keep is not None:
        decoded = {key: [column[i] for i in keep] for key, column in decoded.items()}
    versions = decoded.pop("software_version")
    if kind == "u":
        for device, version in zip(decoded["device"], versions, strict=True):
            if version:
                batch.software_versions[device] = version
    batch.columns[kind] = decoded


def _decode_columns(kind, values, index, names, bad):
    """Columns of one device type; bad values recorded in ``bad`` (first reason wins)."""

    def column(name):
        return _column(values, index, name)

    result = {
        "device": _devices(column("DeviceId"), "DeviceId", bad, strip_prefix=kind == "u"),
        "ts_ms": _timestamps(column("UtcTimestampNs"), "UtcTimestampNs", bad),
    }
    none = [None] * len(values)
    if kind == "u":
        for name, key, low, high, scale in TERMINAL_MEASURES:
            result[key] = _numbers(column(name), name, bad, low, high, scale)
        result["uptime"] = _integers(column("Uptime"), "Uptime", bad)
        result["signal"] = _numbers(column("SignalQuality"), "SignalQuality", bad, 0, None, 1.0)
        result["software_version"] = _texts(
            column("RunningSoftwareVersion"), "RunningSoftwareVersion", bad
        )
    else:
        # The row decoder's order: DishId, WifiUptimeS, WifiSoftwareVersion, then measures.
        _texts(column("DishId"), "DishId", bad)
        result["uptime"] = _integers(column("WifiUptimeS"), "WifiUptimeS", bad)
        result["software_version"] = _texts(
            column("WifiSoftwareVersion"), "WifiSoftwareVersion", bad
        )
        for name, key, low, high, scale in ROUTER_MEASURES:
            converted = _numbers(column(name), name, bad, low, high, scale)
            if key:
                result[key] = converted
        for name in ("Clients", "WanRxBytes", "WanTxBytes"):
            _integers(column(name), name, bad)
        result["downlink"] = result["uplink"] = result["obstruction"] = none
        result["signal"] = none
    result["alerts"] = _alert_column(column("ActiveAlert"), names, bad)
    return result


def decode_columns(payload):
    """Decode a telemetry stream answer into a :class:`ColumnBatch`.

    Same rules as :func:`.telemetry.decode_stream`: the same rows are kept, skipped (with
    the same reasons) or ignored; IP allocations are decoded row by row (one every few
    minutes per terminal).
    """
    data = _stream_data(payload)
    columns = data.get("columnNamesByDeviceType") or {}
    names = alert_names(payload if isinstance(payload, dict) else {})
    batch = ColumnBatch()
    values = data.get("values") or []
    batch.row_count = len(values)
    known = {
        kind: names_ for kind, names_ in columns.items()
        if kind in DECODERS and isinstance(names_, list)
    }  # fmt: skip
    groups = {kind: [] for kind in known}
    for position, row in enumerate(values):
        if not isinstance(row, list) or not row:
            batch.skipped.append(SkippedRow(position, None, "row is not an array"))
            continue
        kind = row[0]
        group = groups.get(kind) if isinstance(kind, str) else None
        if group is None:
            if isinstance(kind, str) and kind in columns:
                batch.ignored[kind] += 1
            else:
                batch.skipped.append(
                    SkippedRow(position, kind, "unknown device type: %s" % _short(kind))
                )
            continue
        group.append((position, row))
    for kind, rows in groups.items():
        if not rows:
            continue
        if kind == "i":
            decoder = DECODERS["i"][0](known[kind], names.get(kind, {}))
            for position, row in rows:
                try:
                    batch.ip_allocations.append(decoder.decode(row))
                except BadRow as exc:
                    batch.skipped.append(SkippedRow(position, kind, str(exc)))
            continue
        _decode_kind(kind, rows, known[kind], names.get(kind, {}), batch)
    batch.skipped.sort(key=lambda row: row.index)
    return batch


# ---------------------------------------------------------------- COPY text
def _ts_texts(values):
    """``YYYY-MM-DD HH:MM:SS.mmm`` from ms since the epoch (seconds formatted once)."""
    seconds = {}
    out = []
    for value in values:
        second, ms = divmod(value, 1000)
        text = seconds.get(second)
        if text is None:
            text = seconds[second] = (_EPOCH + timedelta(seconds=second)).isoformat(" ")
        out.append(f"{text}.{ms:03d}")
    return out


def _float_texts(values):
    return [NULL if value is None else repr(value) for value in values]


def _scaled_texts(values, scale):
    return [NULL if value is None else str(round(value * scale)) for value in values]


def _int_texts(values):
    return [NULL if value is None else str(value) for value in values]


def copy_text(columns, device_keys, alert_bits):
    """COPY text of one device type's columns in :data:`STORE_COLUMNS` order.

    ``device_keys`` maps a device id to its integer key; ``alert_bits`` an alert name to its
    bit (``1 << n``). Each column is formatted on its own, then the lines are joined.
    """
    if not columns or not columns["device"]:
        return ""
    keys = [str(device_keys[device]) for device in columns["device"]]
    masks = []
    for alerts in columns["alerts"]:
        mask = 0
        for name in alerts:
            mask |= alert_bits.get(name, 0)
        masks.append(str(mask))
    lines = zip(
        keys,
        _ts_texts(columns["ts_ms"]),
        _float_texts(columns["downlink"]),
        _float_texts(columns["uplink"]),
        _float_texts(columns["latency"]),
        _float_texts(columns["signal"]),
        _int_texts(columns["uptime"]),
        masks,
        _scaled_texts(columns["ping_drop"], PING_DROP_SCALE),
        _scaled_texts(columns["obstruction"], OBSTRUCTION_SCALE),
        strict=True,
    )
    return "\n".join(map("\t".join, lines)) + "\n"
