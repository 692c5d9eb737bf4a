"""Decoding of ``POST /public/v2/telemetry/stream`` answers.

Rows are arrays whose element 0 is the device type (``u`` user terminal,
``r`` router, ``i`` IP allocation); their columns are named per device type in
``data.columnNamesByDeviceType``, re-read on every answer because the order
changes. Alert codes (column ``ActiveAlert``, or ``ActiveAlerts``) are named
through ``metadata.enums.AlertsByDeviceType``.

A malformed row never stops the decoding: it is skipped and reported with its
reason in :attr:`TelemetryBatch.skipped`. Decoding is deterministic, so a
re-delivered batch decodes to the same records (duplicates are left to the
storage, keyed on ``(device_id, ts)``).
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

ALERT_COLUMNS = ("ActiveAlert", "ActiveAlerts")
TERMINAL_PREFIX = "ut"
_EPOCH = datetime(1970, 1, 1)
_MIN_TS_NS = 946684800 * 10**9  # 2000-01-01
_MAX_TS_NS = 4102444800 * 10**9  # 2100-01-01
# Fallback names when an answer has no metadata (the answer's enums win).
DEFAULT_TERMINAL_ALERTS = {
    50: "ethernet_slow_10mbps", 51: "ethernet_slow_100mbps",
    52: "power_supply_thermal_throttling", 53: "actuator_motor_stuck", 54: "mast_not_vertical",
    55: "disabled_no_active_account", 56: "disabled_too_far_from_service_address",
    57: "disabled_no_service_in_ocean", 58: "disabled_invalid_country",
    59: "moving_while_not_mobile", 60: "disabled_moving_too_fast",
    61: "power_disconnect_detected", 62: "pop_change", 63: "unable_to_align",
    64: "high_sky_obstruction", 65: "high_sky_obstruction_mobile", 66: "high_time_obstruction",
    67: "high_time_obstruction_mobile", 79: "software_update_reboot_pending",
    80: "thermal_shutdown", 81: "thermal_throttling", 83: "disabled_blocked_country",
    84: "disabled_data_usage_exceeded_quota", 89: "disabled_cell_is_disabled",
    92: "disabled_unlicensed_country", 93: "disabled_roam_restricted",
    94: "disabled_unknown_location", 95: "disabled_account_disabled",
    96: "disabled_unsupported_version", 97: "data_overage_rate_limited",
}  # fmt: skip


class TerminalSample(NamedTuple):
    """One 15-second user terminal sample, in bulk-insert order.

    ``device_id`` is the ``userTerminalId`` (the stream's ``ut`` prefix
    removed); ``ts`` a naive UTC datetime; throughput in bits per second
    (the API sends Mbps); ``ping_drop`` 0-1; ``obstruction`` the
    ``ObstructionPercentTime`` value; ``uptime`` seconds; ``alerts`` names.
    """

    device_id: str
    ts: datetime
    downlink_bps: float
    uplink_bps: float
    ping_drop: float
    latency_ms: float
    obstruction: float
    uptime: int
    signal_quality: float
    software_version: str
    alerts: tuple


class RouterSample(NamedTuple):
    """One 15-second router sample (``dish_id``: the terminal's userTerminalId)."""

    device_id: str
    ts: datetime
    dish_id: str
    uptime: int
    software_version: str
    internet_ping_drop: float
    internet_latency_ms: float
    pop_ping_drop: float
    pop_latency_ms: float
    clients: int
    wan_rx_bytes: int
    wan_tx_bytes: int
    alerts: tuple


class IpAllocation(NamedTuple):
    """Public IP addresses of a terminal (empty tuples: tombstone)."""

    device_id: str
    ts: datetime
    account_number: str
    ipv4: tuple
    ipv6_ue: tuple
    ipv6_cpe: tuple


class SkippedRow(NamedTuple):
    """A row left out, with its index in ``data.values`` and the reason."""

    index: int
    device_type: object
    reason: str


TERMINAL_FIELDS = TerminalSample._fields
ROUTER_FIELDS = RouterSample._fields
IP_ALLOCATION_FIELDS = IpAllocation._fields


@dataclass
class TelemetryBatch:
    """Decoded answer: typed records per device type and the skipped rows."""

    terminals: list = field(default_factory=list)
    routers: list = field(default_factory=list)
    ip_allocations: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)
    row_count: int = 0

    @property
    def skipped_count(self):
        """Number of malformed rows."""
        return len(self.skipped)

    @property
    def record_count(self):
        """Number of decoded records."""
        return len(self.terminals) + len(self.routers) + len(self.ip_allocations)

    def skipped_reasons(self):
        """``Counter`` of skip reasons (values stripped), for logs."""
        return Counter(row.reason.split(":")[0] for row in self.skipped)


class BadRow(ValueError):
    """Raised by the converters for a malformed value."""


# ---------------------------------------------------------------- converters
def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _timestamp(value, name):
    """Naive UTC datetime from nanoseconds since the epoch."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRow("%s is not a number: %s" % (name, _short(value)))
    if not _MIN_TS_NS <= value < _MAX_TS_NS:
        raise BadRow("%s is out of range: %s" % (name, _short(value)))
    return _EPOCH + timedelta(microseconds=int(value) // 1000)


def _number(value, name, low=None, high=None, scale=1.0):
    """Float (None stays None); non-finite values become None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRow("%s is not a number: %s" % (name, _short(value)))
    if not math.isfinite(value):
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        raise BadRow("%s is out of range: %s" % (name, _short(value)))
    return float(value) * scale


def _integer(value, name):
    """Non-negative int (None stays None)."""
    number = _number(value, name, low=0)
    return None if number is None else int(number)


def _text(value, name):
    """String (None stays None)."""
    if value is None or isinstance(value, str):
        return value
    raise BadRow("%s is not a string: %s" % (name, _short(value)))


def _device_id(value, name):
    """Required, non-empty device id."""
    if not isinstance(value, str) or not value.strip():
        raise BadRow("%s is missing" % name)
    return value.strip()


def _terminal_id(device_id):
    """userTerminalId from a stream device id (``ut`` prefix removed)."""
    if device_id and device_id.startswith(TERMINAL_PREFIX):
        return device_id[len(TERMINAL_PREFIX) :]
    return device_id


def _strings(value, name):
    """Tuple of strings from a list (None: empty)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRow("%s is not a list of strings: %s" % (name, _short(value)))
    return tuple(value)


def _alerts(value, names):
    """Alert names from a list of codes, via the answer's enum."""
    if value is None:
        return ()
    if isinstance(value, int | str) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        raise BadRow("ActiveAlert is not a list: %s" % _short(value))
    result = []
    for code in value:
        key = _alert_key(code)
        if key is None:
            raise BadRow("ActiveAlert has a bad code: %s" % _short(code))
        result.append(names.get(key) or (key if isinstance(key, str) else "unknown_%d" % key))
    return tuple(result)


def _alert_key(code):
    """Alert code as int (numeric) or str (already a name); None when bad."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip():
        return int(code) if code.strip().isdigit() else code.strip()
    return None


def alert_names(payload):
    """``{device_type: {code: name}}`` from an answer's metadata."""
    enums = ((payload or {}).get("metadata") or {}).get("enums") or {}
    result = {}
    for kind, mapping in (enums.get("AlertsByDeviceType") or {}).items():
        if isinstance(mapping, dict):
            result[kind] = {_alert_key(code): str(name) for code, name in mapping.items()}
    if "u" not in result:
        result["u"] = dict(DEFAULT_TERMINAL_ALERTS)
    return result


# ---------------------------------------------------------------- row decoders
class _RowDecoder:
    """Decoder of one device type for one answer's column order."""

    REQUIRED = ("DeviceId", "UtcTimestampNs")

    def __init__(self, columns, names):
        self.width = len(columns)
        self.index = {name: position for position, name in enumerate(columns)}
        for alias in ALERT_COLUMNS:
            if alias in self.index:
                self.index.setdefault("ActiveAlert", self.index[alias])
        self.names = names
        self.missing = [name for name in self.REQUIRED if name not in self.index]

    def value(self, row, name):
        """Value of column ``name`` in ``row`` (None when the column is absent)."""
        position = self.index.get(name)
        return None if position is None else row[position]

    def decode(self, row):
        """Typed record, or :class:`BadRow`."""
        if self.missing:
            raise BadRow("column %s is missing" % self.missing[0])
        if len(row) != self.width:
            raise BadRow("expected %d values, got %d" % (self.width, len(row)))
        return self.build(row)

    def build(self, row):
        raise NotImplementedError


class _TerminalDecoder(_RowDecoder):
    def build(self, row):
        get = self.value
        return TerminalSample(
            _terminal_id(_device_id(get(row, "DeviceId"), "DeviceId")),
            _timestamp(get(row, "UtcTimestampNs"), "UtcTimestampNs"),
            _number(get(row, "DownlinkThroughput"), "DownlinkThroughput", low=0, scale=1e6),
            _number(get(row, "UplinkThroughput"), "UplinkThroughput", low=0, scale=1e6),
            _number(get(row, "PingDropRateAvg"), "PingDropRateAvg", low=0, high=1),
            _number(get(row, "PingLatencyMsAvg"), "PingLatencyMsAvg", low=0),
            _number(get(row, "ObstructionPercentTime"), "ObstructionPercentTime", low=0, high=100),
            _integer(get(row, "Uptime"), "Uptime"),
            _number(get(row, "SignalQuality"), "SignalQuality", low=0),
            _text(get(row, "RunningSoftwareVersion"), "RunningSoftwareVersion"),
            _alerts(get(row, "ActiveAlert"), self.names),
        )


class _RouterDecoder(_RowDecoder):
    def build(self, row):
        get = self.value
        return RouterSample(
            _device_id(get(row, "DeviceId"), "DeviceId"),
            _timestamp(get(row, "UtcTimestampNs"), "UtcTimestampNs"),
            _terminal_id(_text(get(row, "DishId"), "DishId")),
            _integer(get(row, "WifiUptimeS"), "WifiUptimeS"),
            _text(get(row, "WifiSoftwareVersion"), "WifiSoftwareVersion"),
            _number(get(row, "InternetPingDropRate"), "InternetPingDropRate", low=0, high=1),
            _number(get(row, "InternetPingLatencyMs"), "InternetPingLatencyMs", low=0),
            _number(get(row, "WifiPopPingDropRate"), "WifiPopPingDropRate", low=0, high=1),
            _number(get(row, "WifiPopPingLatencyMs"), "WifiPopPingLatencyMs", low=0),
            _integer(get(row, "Clients"), "Clients"),
            _integer(get(row, "WanRxBytes"), "WanRxBytes"),
            _integer(get(row, "WanTxBytes"), "WanTxBytes"),
            _alerts(get(row, "ActiveAlert"), self.names),
        )


class _IpDecoder(_RowDecoder):
    def build(self, row):
        get = self.value
        return IpAllocation(
            _terminal_id(_device_id(get(row, "DeviceId"), "DeviceId")),
            _timestamp(get(row, "UtcTimestampNs"), "UtcTimestampNs"),
            _text(get(row, "AccountNumber"), "AccountNumber"),
            _strings(get(row, "Ipv4"), "Ipv4"),
            _strings(get(row, "Ipv6Ue"), "Ipv6Ue"),
            _strings(get(row, "Ipv6Cpe"), "Ipv6Cpe"),
        )


DECODERS = {"u": (_TerminalDecoder, "terminals"), "r": (_RouterDecoder, "routers"),
            "i": (_IpDecoder, "ip_allocations")}  # fmt: skip


def _stream_data(payload):
    """``data`` of an answer (also accepted inside an envelope ``content``)."""
    if not isinstance(payload, dict):
        return {}
    data = payload.get("data")
    if data is None and isinstance(payload.get("content"), dict):
        data = payload["content"].get("data")
    return data if isinstance(data, dict) else {}


def stream_row_count(payload):
    """Number of rows of a stream answer (``data.values``)."""
    values = _stream_data(payload).get("values")
    return len(values) if isinstance(values, list) else 0


def row_kind(batch, position, row, known, columns):
    """The device type of stream row ``row`` when it is one of ``known``; otherwise None, the
    row counted on ``batch``: ignored for a type the answer names but we do not store (IP
    allocations), skipped with its reason when it is no array or of an unknown type."""
    if not isinstance(row, list) or not row:
        batch.skipped.append(SkippedRow(position, None, "row is not an array"))
        return None
    kind = row[0]
    if isinstance(kind, str) and kind in known:
        return kind
    if isinstance(kind, str) and kind in columns:
        batch.ignored[kind] += 1
    else:
        batch.skipped.append(SkippedRow(position, kind, "unknown device type: %s" % _short(kind)))
    return None


def decode_stream(payload):
    """Decode a telemetry stream answer into a :class:`TelemetryBatch`."""
    data = _stream_data(payload)
    columns = data.get("columnNamesByDeviceType") or {}
    names = alert_names(payload if isinstance(payload, dict) else {})
    decoders = {}
    for kind, column_names in columns.items():
        if kind in DECODERS and isinstance(column_names, list):
            decoder_class, target = DECODERS[kind]
            decoders[kind] = (decoder_class(column_names, names.get(kind, {})), target)
    batch = TelemetryBatch()
    values = data.get("values") or []
    batch.row_count = len(values)
    for position, row in enumerate(values):
        kind = row_kind(batch, position, row, decoders, columns)
        if kind is None:
            continue
        decoder, target = decoders[kind]
        try:
            getattr(batch, target).append(decoder.decode(row))
        except BadRow as exc:
            batch.skipped.append(SkippedRow(position, kind, str(exc)))
    return batch
