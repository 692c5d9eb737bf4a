import io
import logging
from datetime import datetime, timedelta

import numpy as np
import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.telemetry_copy import (
    BINARY_HEADER,
    BINARY_TRAILER,
    STORE_COLUMNS,
    copy_binary,
    copy_text,
)

_logger = logging.getLogger(__name__)

# Days raw samples are kept (setting ``starlink_telemetry.raw_retention_days``).
RAW_RETENTION_DAYS = 8
EPOCH = datetime(1970, 1, 1)
# Bits of an alert mask (``integer``): the alert names of a device type get one on first sight.
ALERT_BITS = 31
# A regular compacted hour has a sample every 15 s (no timestamp array stored).
SAMPLE_STEP_MS = 15_000

# The samples of a compacted row ``c`` (``u``: its arrays, unnested with ordinality ``n``).
COMPACT_UNNEST = """
    CROSS JOIN LATERAL unnest(c.offsets_ms, c.downlink_mbps, c.uplink_mbps, c.latency,
        c.signal, c.uptime_s, c.alerts, c.ping_drop, c.obstruction)
        WITH ORDINALITY AS u(offset_ms, downlink_mbps, uplink_mbps, latency, signal,
                             uptime_s, alerts, ping_drop, obstruction, n)
    CROSS JOIN LATERAL (SELECT coalesce(u.offset_ms, c.first_ms + (u.n::integer - 1) * 15000)
                               AS ms) o
"""
COMPACT_TS = "c.hour + o.ms * interval '1 millisecond'"
COMPACT_UPTIME = "u.uptime_s + o.ms / 1000"


def _ms(moment):
    return (moment - EPOCH) // timedelta(milliseconds=1)


def clean_alert_name(name):
    """An alert name as stored (no tab, line break or NUL)."""
    return name.replace("\t", " ").replace("\n", " ").replace("\r", " ").replace("\x00", "")


def rows_to_columns(rows):
    """``_ingest`` tuples (see ``_ingest``) as the column dicts of the COPY writer, per type."""
    by_kind = {}
    for device, kind, ts, down, up, drop, latency, obstruction, uptime, quality, alerts in rows:
        columns = by_kind.get(kind)
        if columns is None:
            columns = by_kind[kind] = {
                key: []
                for key in ("device", "ts_ms", "downlink", "uplink", "ping_drop", "latency",
                            "obstruction", "uptime", "signal", "alerts")
            }  # fmt: skip
        columns["device"].append(device)
        columns["ts_ms"].append(_ms(ts))
        columns["downlink"].append(down)
        columns["uplink"].append(up)
        columns["ping_drop"].append(drop)
        columns["latency"].append(latency)
        columns["obstruction"].append(obstruction)
        columns["uptime"].append(uptime)
        columns["signal"].append(quality)
        columns["alerts"].append(
            tuple(name for name in alerts.split(",") if name) if alerts else ()
        )
    return by_kind


class StarlinkTelemetrySample(models.Model):
    """15-second telemetry samples of terminals and routers, raw or compacted.

    The store (created in ``init``), built for fleets of 10,000 terminals and more:

    * ``starlink_telemetry_device``: one row per terminal or router, created on first sight
      (integer key, device id, type, terminal);
    * ``starlink_telemetry_alert_name``: the alert names of a device type, one bit each;
    * ``starlink_telemetry_raw``: one narrow row per sample (device key, timestamp, measures
      in their smallest type, alerts as a bit mask), partitioned by hour; its primary key
      (device, timestamp) is its only index. Ingestion is a COPY (one transaction per
      batch): a re-delivered batch never duplicates, a failed batch leaves nothing behind;
    * ``starlink_telemetry_compact``: closed hours, one row per device and hour holding
      arrays (see ``starlink_telemetry_sample_compaction.py``), partitioned by day.
    Stream answers are stored by ``_ingest_payloads`` (``starlink_telemetry_sample_stream.py``).

    The model reads both shapes through the view ``starlink_telemetry_sample``; readers
    that filter on ``ts`` also filter on ``hour`` so that compacted rows are skipped whole.
    """

    _name = "starlink.telemetry.sample"
    _description = "Starlink Telemetry Sample"
    _auto = False
    _log_access = False
    _order = "ts desc"
    _rec_name = "ts"

    device_id = fields.Char(string="Device", readonly=True)
    device_type = fields.Selection(
        [("u", "Terminal"), ("r", "Router")], readonly=True, string="Device Type"
    )
    terminal_id = fields.Many2one("starlink.terminal", readonly=True)
    ts = fields.Datetime(string="Time", readonly=True)
    hour = fields.Datetime(readonly=True)
    downlink_mbps = fields.Float(string="Downlink (Mbps)", readonly=True, aggregator="avg")
    uplink_mbps = fields.Float(string="Uplink (Mbps)", readonly=True, aggregator="avg")
    ping_drop_rate = fields.Float(
        string="Ping Drop Rate", readonly=True, aggregator="avg", digits=(10, 4),
        help="Share of pings lost over the 15 seconds (0-1), kept to 1/10,000.",
    )  # fmt: skip
    latency_ms = fields.Float(
        string="Latency (ms)", readonly=True, aggregator="avg", digits=(10, 1),
        help="Average ping latency over the 15 seconds, kept to 0.1 ms; a latency above "
        "3,276.7 ms is kept as 3,276.7 ms.",
    )  # fmt: skip
    obstruction_percent = fields.Float(
        string="Obstruction (%)", readonly=True, aggregator="avg",
        help="Moving average of the time obstructed, kept to 0.01 %.",
    )  # fmt: skip
    uptime_s = fields.Integer(string="Uptime (s)", readonly=True, aggregator="max")
    signal_quality = fields.Float(
        readonly=True, aggregator="avg", digits=(10, 4),
        help="Signal-to-noise ratio normalised 0-1 across 0-10 dB, kept to 1/10,000 (a "
        "value above 3.2767 is kept as 3.2767).",
    )  # fmt: skip
    alerts = fields.Char(readonly=True)
    compacted = fields.Boolean(readonly=True)

    # Rows of a stream answer decoded at a time by ``_ingest_payload`` (up to 65,000 a call).
    _ingest_part_rows = 32_768

    def init(self):
        cr = self.env.cr
        cr.execute(
            """
            CREATE TABLE IF NOT EXISTS starlink_telemetry_device (
                id serial PRIMARY KEY,
                device_id varchar NOT NULL UNIQUE,
                device_type char(1) NOT NULL,
                terminal_id integer REFERENCES starlink_terminal (id) ON DELETE SET NULL
            );
            CREATE INDEX IF NOT EXISTS starlink_telemetry_device_terminal_idx
                ON starlink_telemetry_device (terminal_id);
            CREATE TABLE IF NOT EXISTS starlink_telemetry_alert_name (
                device_type char(1) NOT NULL,
                bit smallint NOT NULL,
                name varchar NOT NULL,
                PRIMARY KEY (device_type, bit),
                UNIQUE (device_type, name)
            );
            CREATE TABLE IF NOT EXISTS starlink_telemetry_raw (
                ts timestamp NOT NULL,
                device integer NOT NULL,
                downlink_mbps real,
                uplink_mbps real,
                latency smallint,
                signal smallint,
                uptime_s integer,
                alerts integer NOT NULL DEFAULT 0,
                ping_drop smallint,
                obstruction smallint,
                PRIMARY KEY (device, ts)
            ) PARTITION BY RANGE (ts);
            CREATE TABLE IF NOT EXISTS starlink_telemetry_compact (
                hour timestamp NOT NULL,
                device integer NOT NULL,
                first_ms integer NOT NULL,
                offsets_ms integer[] COMPRESSION lz4,
                downlink_mbps real[] COMPRESSION lz4,
                uplink_mbps real[] COMPRESSION lz4,
                latency smallint[] COMPRESSION lz4,
                signal smallint[] COMPRESSION lz4,
                uptime_s integer[] COMPRESSION lz4,
                alerts integer[] COMPRESSION lz4,
                ping_drop smallint[] COMPRESSION lz4,
                obstruction smallint[] COMPRESSION lz4,
                PRIMARY KEY (device, hour)
            ) PARTITION BY RANGE (hour);
            CREATE TABLE IF NOT EXISTS starlink_telemetry_compacted_hour (
                hour timestamp PRIMARY KEY
            );
            CREATE OR REPLACE FUNCTION starlink_telemetry_alert_names(char, integer)
                RETURNS varchar LANGUAGE sql STABLE AS $$
                SELECT CASE WHEN $2 = 0 THEN NULL ELSE (
                    SELECT string_agg(name, ',' ORDER BY bit) FROM starlink_telemetry_alert_name
                     WHERE device_type = $1 AND $2 & (1 << bit) <> 0) END
            $$;
            """
        )
        cr.execute(
            f"""
            DROP VIEW IF EXISTS starlink_telemetry_sample;
            CREATE VIEW starlink_telemetry_sample AS
            SELECT (r.device::bigint << 32) + floor(extract(epoch FROM r.ts))::bigint AS id,
                   d.device_id, d.device_type, d.terminal_id, r.ts,
                   date_trunc('hour', r.ts) AS hour, r.downlink_mbps,
                   r.uplink_mbps,
                   r.ping_drop::float8 / 10000 AS ping_drop_rate,
                   r.latency::float8 / 10 AS latency_ms,
                   r.obstruction::float8 / 100 AS obstruction_percent, r.uptime_s,
                   r.signal::float8 / 10000 AS signal_quality,
                   starlink_telemetry_alert_names(d.device_type, r.alerts) AS alerts,
                   false AS compacted
              FROM starlink_telemetry_raw r
              JOIN starlink_telemetry_device d ON d.id = r.device
            UNION ALL
            SELECT (c.device::bigint << 32)
                       + floor(extract(epoch FROM {COMPACT_TS}))::bigint AS id,
                   d.device_id, d.device_type, d.terminal_id, {COMPACT_TS} AS ts, c.hour,
                   u.downlink_mbps, u.uplink_mbps,
                   u.ping_drop::float8 / 10000, u.latency::float8 / 10,
                   u.obstruction::float8 / 100, {COMPACT_UPTIME},
                   u.signal::float8 / 10000,
                   starlink_telemetry_alert_names(d.device_type, u.alerts), true
              FROM starlink_telemetry_compact c
              JOIN starlink_telemetry_device d ON d.id = c.device
              {COMPACT_UNNEST}
            """
        )

        self._split_day_partitions()

    # ------------------------------------------------------------------ ingestion

    @api.model
    def _ingest(self, rows):
        """Store samples given as tuples; return the number of new rows.

        ``rows``: ``(device_id, device_type, ts, downlink_mbps, uplink_mbps, ping_drop_rate,
        latency_ms, obstruction_percent, uptime_s, signal_quality, alerts)``, ``ts`` a naive
        UTC datetime (kept to the millisecond), ``alerts`` names joined by commas or None.
        Rows already stored (same device and timestamp) are ignored. Runs in the caller's
        transaction: the caller commits once the whole batch is in.
        """
        return self._store_columns(rows_to_columns(rows)) if rows else 0

    @api.model
    def _store_columns(self, by_kind, known=None):
        """Store decoded columns (``{device type: columns}``, see ``lib.telemetry_columns``).

        ``known``: what earlier parts of the same answer settled (see ``_prepare_copy``).
        Returns the number of new samples.
        """
        copy = self._prepare_copy(by_kind, known)
        return self._write_copy(copy) if copy else 0

    @api.model
    def _prepare_copy(self, by_kind, known=None):
        """What ``_write_copy`` needs to store decoded columns: their devices and alert names
        known, their partitions created, their ``COPY`` data. None when there is no sample.

        ``known`` (a dict, completed here) keeps what is settled for the parts of one answer,
        so that each part queries only what is new: device keys (``keys``), alert bits per
        device type (``bits``), partitions (``hours``) and the end of the compacted hours.
        """
        by_kind = {kind: columns for kind, columns in by_kind.items() if len(columns["device"])}
        if not by_kind:
            return None
        known = {} if known is None else known
        keys = known.setdefault("keys", {})
        devices = {}
        for kind, columns in by_kind.items():
            devices.update(dict.fromkeys(columns["device"], kind))
        unknown = {device: kind for device, kind in devices.items() if device not in keys}
        if unknown:
            keys.update(self._device_keys(unknown))
        bits, hours, oldest = {}, set(), None
        for kind, columns in by_kind.items():
            kind_bits = known.setdefault("bits", {}).setdefault(kind, {})
            names = {name for alerts in set(columns["alerts"]) for name in alerts}
            if not names <= kind_bits.keys():
                kind_bits.update(self._alert_bits(kind, names))
            bits[kind] = kind_bits
            stamps = np.asarray(columns["ts_ms"], dtype=np.int64)
            first, last = int(stamps.min()), int(stamps.max())
            oldest = first if oldest is None else min(oldest, first)
            for ms in range(first - first % 3_600_000, last + 1, 3_600_000):
                hours.add(EPOCH + timedelta(milliseconds=ms))
        settled = known.setdefault("hours", set())
        if not hours <= settled:
            self._ensure_partitions(hours - settled)
            settled |= hours
        if "compacted_until" not in known:
            known["compacted_until"] = _ms(self._compacted_until())
        buffer, binary = self._copy_buffer(by_kind, keys, bits)
        return {
            "buffer": buffer,
            "binary": binary,
            "count": sum(len(columns["device"]) for columns in by_kind.values()),
            "late": oldest < known["compacted_until"],
        }

    @api.model
    def _write_copy(self, copy):
        """Store a ``_prepare_copy`` result; returns the number of new samples."""
        cr = self.env.cr
        buffer = copy["buffer"]
        columns = SQL(", ").join(SQL.identifier(column) for column in STORE_COLUMNS)
        options = SQL(" WITH (FORMAT binary)") if copy["binary"] else SQL()
        if not copy["late"]:
            # Fast path: COPY straight into the store. A row already there (a re-delivered
            # batch, or a duplicate inside the batch) makes the whole COPY fail: the
            # savepoint undoes it and the staging path below skips the known rows.
            try:
                with cr.savepoint(flush=False):
                    sql = SQL("COPY starlink_telemetry_raw (%s) FROM STDIN%s", columns, options)
                    # the whole buffer in one read: the server is waited on without the GIL
                    cr.copy_expert(sql.code, buffer, size=max(len(buffer.getvalue()), 8192))
                return copy["count"]
            except psycopg2.errors.UniqueViolation:
                buffer.seek(0)
        return self._store_staged(buffer, SQL("(%s) FROM STDIN%s", columns, options), copy["late"])

    @api.model
    def _copy_buffer(self, by_kind, keys, bits):
        """``(file, binary)``: the samples in PostgreSQL's binary COPY format, or in its text
        format when a column mixes values and NULLs (a batch of hand-made rows)."""
        parts = [copy_binary(columns, keys, bits[kind]) for kind, columns in by_kind.items()]
        if all(part is not None for part in parts):
            return io.BytesIO(b"".join([BINARY_HEADER, *parts, BINARY_TRAILER])), True
        text = "".join(copy_text(columns, keys, bits[kind]) for kind, columns in by_kind.items())
        return io.StringIO(text), False

    @api.model
    def _store_staged(self, buffer, copy_from, late):
        """COPY into a staging table, then insert the rows not stored yet (raw or compacted)."""
        cr = self.env.cr
        cr.execute(
            """CREATE TEMP TABLE IF NOT EXISTS starlink_telemetry_staging
                   (LIKE starlink_telemetry_raw) ON COMMIT DELETE ROWS"""
        )
        cr.execute("TRUNCATE starlink_telemetry_staging")
        cr.copy_expert(SQL("COPY starlink_telemetry_staging %s", copy_from).code, buffer)
        not_compacted = SQL(
            f"""WHERE NOT EXISTS (
                   SELECT 1 FROM starlink_telemetry_compact c {COMPACT_UNNEST}
                    WHERE c.device = s.device AND c.hour = date_trunc('hour', s.ts)
                      AND {COMPACT_TS} = s.ts)"""
            if late
            else ""
        )
        cr.execute(
            SQL(
                """INSERT INTO starlink_telemetry_raw SELECT s.* FROM starlink_telemetry_staging s
                   %s ON CONFLICT (device, ts) DO NOTHING""",
                not_compacted,
            )
        )
        return cr.rowcount

    @api.model
    def _compacted_until(self):
        """End of the latest compacted hour (samples before it may be stored compacted)."""
        self.env.cr.execute("SELECT max(hour) FROM starlink_telemetry_compacted_hour")
        hour = self.env.cr.fetchone()[0]
        return hour + timedelta(hours=1) if hour else EPOCH

    @api.model
    def _ingest_batch(self, batch):
        """Store a decoded stream answer (``lib.telemetry_columns.ColumnBatch``).

        Returns ``(rows received, rows skipped, message)``; skipped rows (malformed, or older
        than the raw retention) are logged with their reasons, the rest is stored.
        """
        too_old = batch.drop_older_than(_ms(self._oldest_accepted()))
        new = self._store_columns(batch.columns)
        return self._ingest_result(batch, batch.sample_count, new, too_old)

    @api.model
    def _ingest_result(self, batch, samples, new, too_old):
        """``(rows received, rows skipped, message)`` of an answer; skipped rows are logged."""
        skipped = batch.skipped_count + too_old
        message = f"{new} new samples, {samples - new} already stored"
        if skipped:
            reasons = dict(batch.skipped_reasons())
            if too_old:
                reasons["older than the retention"] = too_old
            message += "; skipped: " + ", ".join(f"{k} ({v})" for k, v in reasons.items())
            _logger.warning("Starlink telemetry: %d rows skipped: %s", skipped, reasons)
        return batch.row_count, skipped, message

    @api.model
    def _update_software_versions(self, versions):
        """The terminals run the software version their latest samples report.

        ``versions``: ``{userTerminalId: version}``.
        """
        if versions:
            self.env.cr.execute_values(
                """UPDATE starlink_terminal t SET software_version = v.version
                     FROM (VALUES %s) AS v(device_id, version)
                    WHERE t.user_terminal_id = v.device_id
                      AND t.software_version IS DISTINCT FROM v.version""",
                list(versions.items()),
            )
            self.env["starlink.terminal"].invalidate_model(["software_version"])

    @api.model
    def _oldest_accepted(self):
        """Samples older than the retention are refused (they would be pruned at once)."""
        return datetime.combine(
            fields.Date.today() - timedelta(days=self._retention_days()), datetime.min.time()
        )
