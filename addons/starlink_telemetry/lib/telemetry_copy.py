"""The store's ``COPY`` data from decoded telemetry columns (:mod:`.telemetry_columns`).

Samples are written in the store's narrow shape (device key, timestamp, measures in their
storage units, alerts as a bit mask), column by column: in PostgreSQL's binary ``COPY``
format when every column is either full or empty (:func:`copy_binary`, the stream's case),
else as ``COPY`` text (:func:`copy_text`).
"""

import numpy as np

NULL = r"\N"

# Store columns, in COPY order. Measures with a scale are stored as round(value * scale) in
# a smallint (at most SMALLINT_MAX: a larger value is kept as that maximum): latency in
# 0.1 ms (up to 3,276.7 ms), signal quality (0-1) and ping drop (0-1) in 1/10,000,
# obstruction (0-100 %) in 1/100 %. Throughput (Mbps) is stored as a ``real``.
STORE_COLUMNS = (
    "device", "ts", "downlink_mbps", "uplink_mbps", "latency", "signal",
    "uptime_s", "alerts", "ping_drop", "obstruction",
)  # fmt: skip
LATENCY_SCALE = 10
SIGNAL_SCALE = 10_000
PING_DROP_SCALE = 10_000
OBSTRUCTION_SCALE = 100
SMALLINT_MAX = 32_767


# ---------------------------------------------------------------- COPY text
def _ts_texts(values):
    """ISO 8601 ``YYYY-MM-DDTHH:MM:SS.mmm`` from ms since the epoch (numpy, in C)."""
    return np.datetime_as_string(np.array(values, dtype="datetime64[ms]"), unit="ms").tolist()


def _float_texts(values):
    if values.count(None) == len(values):  # e.g. a router's throughput
        return [NULL] * len(values)
    if None not in values:
        return list(map(repr, values))
    return [NULL if value is None else repr(value) for value in values]


def _scaled_texts(values, scale):
    if values.count(None) == len(values):
        return [NULL] * len(values)
    if None not in values:  # numpy rounds half to even, as round() does
        return list(map(str, _scaled(np.array(values, dtype=np.float64), scale).tolist()))
    return [NULL if value is None else str(min(round(value * scale), SMALLINT_MAX))
            for value in values]  # fmt: skip


def _scaled(array, scale):
    """Values of a scaled measure in their storage unit (see :data:`STORE_COLUMNS`)."""
    return np.minimum(np.rint(array * scale), SMALLINT_MAX).astype(np.int64)


def _int_texts(values):
    if None not in values:
        return list(map(str, values))
    return [NULL if value is None else str(value) for value in values]


def _alert_masks(columns, alert_bits):
    if not any(columns):
        return ["0"] * len(columns)
    masks = []
    for alerts in columns:
        mask = 0
        for name in alerts:
            mask |= alert_bits.get(name, 0)
        masks.append(str(mask))
    return masks


def copy_text(columns, device_keys, alert_bits):
    """COPY text of one device type's columns in :data:`STORE_COLUMNS` order.

    ``device_keys`` maps a device id to its integer key; ``alert_bits`` an alert name to its
    bit (``1 << n``). Each column is formatted on its own, then the lines are joined.
    """
    if not columns or not len(columns["device"]):
        return ""
    columns = {
        name: values.tolist() if isinstance(values, np.ndarray) else values
        for name, values in columns.items()
    }
    keys = {device: str(key) for device, key in device_keys.items()}
    lines = zip(
        map(keys.__getitem__, columns["device"]),
        _ts_texts(columns["ts_ms"]),
        _float_texts(columns["downlink"]),
        _float_texts(columns["uplink"]),
        _scaled_texts(columns["latency"], LATENCY_SCALE),
        _scaled_texts(columns["signal"], SIGNAL_SCALE),
        _int_texts(columns["uptime"]),
        _alert_masks(columns["alerts"], alert_bits),
        _scaled_texts(columns["ping_drop"], PING_DROP_SCALE),
        _scaled_texts(columns["obstruction"], OBSTRUCTION_SCALE),
        strict=True,
    )
    return "\n".join(map("\t".join, lines)) + "\n"


# ---------------------------------------------------------------- COPY binary
PG_EPOCH_MS = 946_684_800_000  # 2000-01-01, PostgreSQL's epoch for binary timestamps
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
BINARY_TRAILER = b"\xff\xff"
_INT4_MAX = 2**31 - 1


def _binary_field(values, dtype, scale=None):
    """``(numpy array or None for NULL, dtype)``; False when NULLs and values mix."""
    if not isinstance(values, np.ndarray):
        nulls = values.count(None)
        if nulls == len(values):
            return None, dtype
        if nulls:
            return False, dtype
    array = np.asarray(values, dtype=np.float64 if scale else None)
    if scale:
        array = _scaled(array, scale)
    return array, dtype


def _alert_mask_array(columns, alert_bits):
    """The alert masks of a column of alert-name tuples, as a numpy array (one per tuple)."""
    if not any(columns):
        return np.zeros(len(columns), dtype=np.int32)
    masks = {}
    for alerts in set(columns):
        mask = 0
        for name in alerts:
            mask |= alert_bits.get(name, 0)
        masks[alerts] = mask
    return np.fromiter(map(masks.__getitem__, columns), dtype=np.int64, count=len(columns))


def _device_time_order(keys, stamps):
    """Positions of the samples sorted by device, then time (stable: of two samples of a
    device at the same time, the first one received stays first)."""
    first = int(stamps.min())
    span = int(stamps.max()) - first + 1
    if int(keys.max()) < 2**62 // span:  # one 64-bit sort key: about twice as fast
        return np.argsort(keys * span + (stamps - first), kind="stable")
    return np.lexsort((stamps, keys))


def copy_binary(columns, device_keys, alert_bits):
    """The tuples of one device type in PostgreSQL's binary COPY format (no header), in
    :data:`STORE_COLUMNS` order, sorted by device and time; None when a column mixes values
    and NULLs or a value does not fit its type (:func:`copy_text` then: PostgreSQL says what
    is wrong).

    Every tuple has the same layout, so the tuples are one numpy structured array (field
    count, then length and big-endian value of each field; length -1 for NULL), written at
    once: no formatting per value, and nothing for the server to parse. Sorted tuples reach
    the primary key's pages in order, which costs the server less than a random order.
    """
    count = len(columns["device"]) if columns else 0
    if not count:
        return b""
    uptime = columns["uptime"]
    if not isinstance(uptime, np.ndarray) and uptime.count(None) == 0:
        uptime = np.array(uptime, dtype=np.int64)
    if isinstance(uptime, np.ndarray) and uptime.max() > _INT4_MAX:
        return None
    keys = np.fromiter(map(device_keys.__getitem__, columns["device"]), np.int64, count)
    stamps = (np.asarray(columns["ts_ms"], dtype=np.int64) - PG_EPOCH_MS) * 1000
    order = _device_time_order(keys, stamps)
    fields = [
        (keys, ">i4"),
        (stamps, ">i8"),
        _binary_field(columns["downlink"], ">f4"),
        _binary_field(columns["uplink"], ">f4"),
        _binary_field(columns["latency"], ">i2", LATENCY_SCALE),
        _binary_field(columns["signal"], ">i2", SIGNAL_SCALE),
        _binary_field(uptime, ">i4"),
        (_alert_mask_array(columns["alerts"], alert_bits), ">i4"),
        _binary_field(columns["ping_drop"], ">i2", PING_DROP_SCALE),
        _binary_field(columns["obstruction"], ">i2", OBSTRUCTION_SCALE),
    ]
    if any(values is False for values, _dtype in fields):
        return None
    layout = [("count", ">i2")]
    for position, (values, dtype) in enumerate(fields):
        layout.append((f"l{position}", ">i4"))
        if values is not None:
            layout.append((f"v{position}", dtype))
    tuples = np.empty(count, dtype=np.dtype(layout))
    tuples["count"] = len(fields)
    for position, (values, dtype) in enumerate(fields):
        if values is None:
            tuples[f"l{position}"] = -1
        else:
            tuples[f"l{position}"] = np.dtype(dtype).itemsize
            tuples[f"v{position}"] = values[order]
    return tuples.tobytes()
