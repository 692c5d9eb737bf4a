"""Column-wise decoding of telemetry stream answers, straight into a COPY buffer.

The row decoder of :mod:`.telemetry` builds one typed record per row; at fleet scale
(10,000 terminals and their routers: 115 million rows a day) that costs more than storing
them. Here each answer is cut by device type, then decoded one column at a time: a value of
the expected type and range takes a fast path, anything else goes through the row decoder's
own converter, which raises the same :class:`~.telemetry.BadRow` with the same reason (a
column whose values are all of the expected type and range is checked and converted at once,
with builtins and numpy, without a Python loop per value). A
row's reason is the first failing column in the row decoder's order, so the bad-row
accounting is the same as :func:`.telemetry.decode_stream`'s.

The decoded columns are written for PostgreSQL's ``COPY`` by :mod:`.telemetry_copy`.
"""

import operator
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain, compress

import numpy as np

from .telemetry import (
    _MAX_TS_NS,
    _MIN_TS_NS,
    ALERT_COLUMNS,
    DECODERS,
    TERMINAL_PREFIX,
    BadRow,
    IpAllocation,
    SkippedRow,
    _alerts,
    _device_id,
    _integer,
    _number,
    _stream_data,
    _strings,
    _text,
    _timestamp,
    alert_names,
    row_kind,
)

_EPOCH = datetime(1970, 1, 1)

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
# IP allocation columns holding lists of addresses: (column name in the answer, key).
IP_LIST_COLUMNS = (("Ipv4", "ipv4"), ("Ipv6Ue", "ipv6_ue"), ("Ipv6Cpe", "ipv6_cpe"))


@dataclass
class ColumnBatch:
    """A decoded answer: per device type (``u``, ``r``) a dict of equal-length columns.

    Columns: ``device`` (terminal: userTerminalId, router: routerId), ``ts_ms`` (ms since
    the epoch, UTC), ``downlink``/``uplink`` (Mbps, as the API sends them), ``ping_drop``
    (0-1), ``latency`` (ms), ``obstruction`` (%), ``signal``, ``uptime`` (s), ``alerts``
    (tuples of names). Absent measures are None. ``software_versions`` maps a terminal to
    the latest version it reported; ``ip_allocations`` are typed records (decoded column by
    column too, then made records: a few per terminal and hour).
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

    def add(self, part):
        """Count the rows of ``part`` (another part of the same answer) in this batch: rows,
        skipped and ignored rows, IP allocations and software versions; not its samples."""
        self.row_count += part.row_count
        self.skipped.extend(part.skipped)
        self.ignored.update(part.ignored)
        self.ip_allocations.extend(part.ip_allocations)
        self.software_versions.update(part.software_versions)

    def skipped_reasons(self):
        """``Counter`` of skip reasons (values stripped), for logs."""
        return Counter(row.reason.split(":")[0] for row in self.skipped)

    def drop_older_than(self, oldest_ms):
        """Remove the samples older than ``oldest_ms``; returns how many were removed."""
        removed = 0
        for kind, columns in self.columns.items():
            stamps = np.asarray(columns["ts_ms"])
            if not len(stamps) or stamps.min() >= oldest_ms:
                continue
            keep = np.flatnonzero(stamps >= oldest_ms)
            removed += len(stamps) - len(keep)
            self.columns[kind] = {key: _take(values, keep) for key, values in columns.items()}
        return removed


def _take(values, positions):
    """The values at ``positions`` (a numpy array stays one)."""
    if isinstance(values, np.ndarray):
        return values[positions]
    return list(map(values.__getitem__, positions.tolist()))


# ---------------------------------------------------------------- column converters
def _fail(bad, position, error):
    bad.setdefault(position, str(error))


def _per_value(values, convert, name, bad, failed=None):
    """``convert(value, name)`` of each value (the row decoder's converter); a value it
    refuses is recorded in ``bad`` and gives ``failed``."""
    out = []
    for i, value in enumerate(values):
        try:
            out.append(convert(value, name))
        except BadRow as error:
            _fail(bad, i, error)
            out.append(failed)
    return out


_NUMBER_TYPES = frozenset((float, int))
_TEXT_TYPES = frozenset((str, type(None)))
_NONE_TYPE = {type(None)}


def _devices(values, name, bad, strip_prefix):
    if set(map(type, values)) == {str}:
        unique = {}
        for value in set(values):
            device = value.strip()
            if not device or device != value:
                break
            if strip_prefix and device.startswith(TERMINAL_PREFIX):
                device = device[len(TERMINAL_PREFIX) :]
            unique[value] = device
        else:
            return list(map(unique.__getitem__, values))
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


def _clean_stamps(values):
    """The column as an int64 array of nanoseconds when every value is an integer within
    the accepted range (the fast path); None otherwise."""
    if set(map(type, values)) != {int}:
        return None
    try:
        stamps = np.array(values, dtype=np.int64)
    except OverflowError:
        return None
    if stamps.min() >= _MIN_TS_NS and stamps.max() < _MAX_TS_NS:
        return stamps
    return None


def _timestamps(values, name, bad):
    stamps = _clean_stamps(values)
    if stamps is not None:
        return stamps // 1_000_000
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


def _datetimes(values, name, bad):
    """Naive UTC datetimes (to the microsecond) from nanoseconds since the epoch."""
    stamps = _clean_stamps(values)
    if stamps is not None:
        return (stamps // 1000).astype("datetime64[us]").tolist()
    return _per_value(values, _timestamp, name, bad)


def _string_lists(values, name, bad):
    """Tuples of strings from lists of strings (None: empty)."""
    if set(map(type, values)) <= {list, type(None)}:
        items = chain.from_iterable(filter(None, values))
        if set(map(type, items)) <= {str}:
            return [() if value is None else tuple(value) for value in values]
    return _per_value(values, _strings, name, bad, failed=())


def _numbers(values, name, bad, low, high, scale):
    kinds = set(map(type, values))
    if kinds == _NONE_TYPE:  # an absent column
        return list(values)
    if kinds <= _NUMBER_TYPES:  # float64 at once; NaN, infinity or a bad range: per value
        array = np.array(values, dtype=np.float64)
        if (
            np.isfinite(array).all()
            and array.min() >= low
            and (high is None or array.max() <= high)
        ):
            return array * scale if scale != 1.0 else array
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
    kinds = set(map(type, values))
    if kinds == _NONE_TYPE:
        return list(values)
    if kinds == {int}:
        try:
            array = np.array(values, dtype=np.int64)
        except OverflowError:  # past 64 bits: per value
            array = None
        if array is not None and array.min() >= 0:
            return array
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
    if set(map(type, values)) <= _TEXT_TYPES:
        return list(values)
    return _per_value(values, _text, name, bad)


def _alert_column(values, names, bad):
    if set(map(type, values)) <= {list, type(None)} and not any(values):
        return [()] * len(values)  # no alert in the whole column: the common case
    out = []
    cache = {}
    for i, value in enumerate(values):
        if value is None or value == []:
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
def _decode_kind(kind, positions, rows, columns, names, batch):
    """Decode the rows of one device type (at ``positions`` of the answer) column by column."""
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
    if set(map(len, rows)) != {width}:
        for i, row in enumerate(rows):
            if len(row) != width:
                bad.setdefault(i, "expected %d values, got %d" % (width, len(row)))
        rows = [row if len(row) == width else [None] * width for row in rows]
    decoded = {}
    if len(bad) < len(rows):
        decoded = _decode_columns(kind, rows, index, names, bad)
    for i in sorted(bad):
        batch.skipped.append(SkippedRow(positions[i], kind, bad[i]))
    if not decoded:
        return
    if bad:
        keep = np.array([i for i in range(len(rows)) if i not in bad], dtype=np.intp)
        decoded = {key: _take(column, keep) for key, column in decoded.items()}
    if kind == "i":
        batch.ip_allocations.extend(map(IpAllocation._make, zip(*decoded.values())))
        return
    decoded["ts_ms"] = np.asarray(decoded["ts_ms"], dtype=np.int64)
    versions = decoded.pop("software_version")
    if kind == "u":
        batch.software_versions.update(compress(zip(decoded["device"], versions), versions))
    batch.columns[kind] = decoded


def _decode_columns(kind, rows, index, names, bad):
    """Columns of one device type; bad values recorded in ``bad`` (first reason wins)."""
    none = (None,) * len(rows)

    def column(name):
        position = index.get(name)
        return none if position is None else list(map(operator.itemgetter(position), rows))

    if kind == "i":  # the fields of an IpAllocation, in its order
        result = {
            "device": _devices(column("DeviceId"), "DeviceId", bad, strip_prefix=True),
            "ts": _datetimes(column("UtcTimestampNs"), "UtcTimestampNs", bad),
            "account_number": _texts(column("AccountNumber"), "AccountNumber", bad),
        }
        for name, key in IP_LIST_COLUMNS:
            result[key] = _string_lists(column(name), name, bad)
        return result
    result = {
        "device": _devices(column("DeviceId"), "DeviceId", bad, strip_prefix=kind == "u"),
        "ts_ms": _timestamps(column("UtcTimestampNs"), "UtcTimestampNs", bad),
    }
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
        result["downlink"] = result["uplink"] = result["obstruction"] = list(none)
        result["signal"] = list(none)
    result["alerts"] = _alert_column(column("ActiveAlert"), names, bad)
    return result


def _group_rows(values, columns, groups, batch, start=0):
    """Rows by device type: ``groups[kind] = (positions, rows)``, positions counted from
    ``start``; the others are counted on ``batch``."""
    adders = {kind: (positions.append, rows.append) for kind, (positions, rows) in groups.items()}
    for position, row in enumerate(values, start):
        adder = adders.get(row[0]) if type(row) is list and row and type(row[0]) is str else None
        if adder is None:
            kind = row_kind(batch, position, row, groups, columns)
            if kind is None:
                continue
            adder = adders[kind]
        adder[0](position)
        adder[1](row)


def decode_columns(payload):
    """Decode a telemetry stream answer into a :class:`ColumnBatch`.

    Same rules as :func:`.telemetry.decode_stream`: the same rows are kept, skipped (with
    the same reasons) or ignored, and IP allocations are the same records.
    """
    (batch,) = decode_parts(payload)
    return batch


def decode_parts(payload, part_rows=None):
    """Decode a telemetry stream answer in parts of ``part_rows`` rows (one part when None):
    yields a :class:`ColumnBatch` per part, each decoded when asked for, its skipped rows
    numbered by their position in the whole answer."""
    data = _stream_data(payload)
    columns = data.get("columnNamesByDeviceType") or {}
    names = alert_names(payload if isinstance(payload, dict) else {})
    values = data.get("values") or []
    known = {
        kind: names_ for kind, names_ in columns.items()
        if kind in DECODERS and isinstance(names_, list)
    }  # fmt: skip
    step = part_rows or len(values) or 1
    for start in range(0, max(len(values), 1), step):
        yield _decode_part(values[start : start + step], start, columns, known, names)


def _decode_part(values, start, columns, known, names):
    """The :class:`ColumnBatch` of the rows ``values``, the first at position ``start``."""
    batch = ColumnBatch()
    batch.row_count = len(values)
    groups = {kind: ([], []) for kind in known}
    _group_rows(values, columns, groups, batch, start)
    for kind, (positions, rows) in groups.items():
        if not rows:
            continue
        _decode_kind(kind, positions, rows, known[kind], names.get(kind, {}), batch)
    batch.skipped.sort(key=lambda row: row.index)
    return batch
