import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.telemetry_copy import (
    LATENCY_SCALE,
    OBSTRUCTION_SCALE,
    PING_DROP_SCALE,
    SIGNAL_SCALE,
    SMALLINT_MAX,
)
from .cron_utils import run_in_batches
from .starlink_telemetry_sample import COMPACT_UNNEST, COMPACT_UPTIME, SAMPLE_STEP_MS

_logger = logging.getLogger(__name__)

# Hours after which a closed hour is compacted (setting
# ``starlink_telemetry.compact_after_hours``): at most the hour being written and the one
# before it stay raw, so the hot day is mostly compacted. A sample delivered after its hour
# was compacted (a backlog after the poller was down; the stream keeps 8 hours) is merged
# into the compacted rows at the next run.
COMPACT_AFTER_HOURS = 1
LEGACY_TABLE = "starlink_telemetry_raw_legacy"


def _array(column):
    """``array_agg`` in time order, NULL when every element is NULL (e.g. a router's)."""
    return SQL(
        """CASE WHEN count(%(c)s) = 0 THEN NULL
                ELSE array_agg(%(c)s ORDER BY ms) END""",
        c=SQL(column),
    )


def _scaled(column, scale):
    """SQL of a measure in its storage unit, as ``lib.telemetry_copy`` writes it:
    round(value * scale), at most SMALLINT_MAX (NULL stays NULL)."""
    return SQL(
        "CASE WHEN %(c)s * %(scale)s > %(max)s THEN %(max)s ELSE round(%(c)s * %(scale)s) END",
        c=SQL(column),
        scale=scale,
        max=SMALLINT_MAX,
    )


class StarlinkTelemetrySample(models.Model):
    """Compaction of closed hours, and the move of the store of version 18.0.1.0.0.

    A compacted hour is one row per device in ``starlink_telemetry_compact``: the hour,
    the offset of its first sample (ms), the offsets of every sample only when they are not
    15 s apart, and one array per measure (``lz4``-compressed; uptime stored as uptime minus
    the sample's offset, a constant while the device is up). What TimescaleDB's
    compression does, in plain PostgreSQL.
    """

    _inherit = "starlink.telemetry.sample"

    @api.model
    def _compact(self, before=None, failures=None, commit=False):
        """Compact every hour of the raw store that ended before ``before``.

        Hour by hour, each in its own savepoint (and committed, with ``commit``): a failing
        hour is logged and appended to ``failures``, its raw rows stay in place. Idempotent:
        a compacted hour is recorded and not compacted again. Returns the hours compacted.
        """
        before = before or self._compaction_horizon()
        run = run_in_batches(
            self.env, self._get_compactable_hours(before),
            lambda hours: [self._compact_hour(hour) for hour in hours], batch_size=1,
            commit=commit, logger=_logger, what="Starlink telemetry compaction of",
        )  # fmt: skip
        if failures is not None:
            failures.extend(
                (self.env._("telemetry compaction of %(hour)s", hour=hour), error)
                for hour, error in run.failed
            )
        return run.done

    @api.model
    def _compaction_horizon(self):
        params = self.env["ir.config_parameter"].sudo()
        hours = int(params.get_param("starlink_telemetry.compact_after_hours", COMPACT_AFTER_HOURS))
        return (fields.Datetime.now() - timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )

    @api.model
    def _get_compactable_hours(self, before):
        """The hours of raw samples (hourly partitions) ending before ``before``; days past
        the retention are left to ``_prune``."""
        expired = set(self._get_expired_partition_days())
        return [
            hour
            for hour in self._partitions()
            if hour + timedelta(hours=1) <= before and hour.date() not in expired
        ]

    @api.model
    def _compact_hour(self, hour):
        """Move the raw samples of ``hour`` into one compacted row per device, atomically.

        The compacted rows are written from the hour's partition, which is then dropped, in
        one transaction: a crash leaves the raw rows in place, and the space of the raw rows
        is free at once (no dead rows for VACUUM, nor for readers to skip). Samples that
        arrived late for an hour already compacted are merged into its rows. Returns the
        number of devices compacted.
        """
        cr = self.env.cr
        if hour not in self._partitions():
            return 0
        partition = SQL.identifier(self._partition_name(hour))
        self._ensure_partitions({hour.date()}, "starlink_telemetry_compact")
        measures = ("downlink_mbps", "uplink_mbps", "latency", "signal", "alerts", "ping_drop",
                    "obstruction")  # fmt: skip
        cr.execute(
            SQL(
                f"""
            WITH reopened AS (
                DELETE FROM starlink_telemetry_compact c
                 WHERE c.hour = %(hour)s AND c.device IN (SELECT device FROM %(partition)s)
                RETURNING c.*
            ), samples AS (
                SELECT device, (extract(epoch FROM ts - %(hour)s) * 1000)::integer AS ms,
                       uptime_s, %(measures)s
                  FROM %(partition)s
                UNION ALL
                SELECT c.device, o.ms, {COMPACT_UPTIME}, %(unnested)s
                  FROM reopened c {COMPACT_UNNEST}
            ), grouped AS (
                SELECT device, count(*)::integer AS n, array_agg(ms ORDER BY ms) AS offsets,
                       %(arrays)s, %(uptime)s AS uptime_s
                  FROM samples GROUP BY device
            ), done AS (
                INSERT INTO starlink_telemetry_compacted_hour VALUES (%(hour)s)
                ON CONFLICT DO NOTHING
            )
            INSERT INTO starlink_telemetry_compact
                   (hour, device, first_ms, offsets_ms, uptime_s, %(measures)s)
            SELECT %(hour)s, device, offsets[1],
                   CASE WHEN offsets = ARRAY(SELECT offsets[1] + %(step)s * g
                                               FROM generate_series(0, n - 1) g)
                        THEN NULL ELSE offsets END,
                   uptime_s, %(measures)s
              FROM grouped
            """,
                hour=hour,
                partition=partition,
                step=SAMPLE_STEP_MS,
                measures=SQL(", ").join(SQL.identifier(m) for m in measures),
                unnested=SQL(", ").join(SQL(f"u.{m}") for m in measures),
                arrays=SQL(", ").join(
                    SQL("%s AS %s", _array(m), SQL.identifier(m)) for m in measures
                ),
                uptime=_array("uptime_s - ms / 1000"),
            )
        )
        count = cr.rowcount
        self._drop_compacted_partition(hour)
        return count

    @api.model
    def _drop_compacted_partition(self, hour):
        """The raw partition of a compacted hour goes (in the compaction's transaction)."""
        self.env.cr.execute(SQL("DROP TABLE %s", SQL.identifier(self._partition_name(hour))))

    # ------------------------------------------------------------------ migration

    @api.model
    def _migrate_legacy_store(self, table=LEGACY_TABLE):
        """Move the samples of the store of 18.0.1.0.0 (one wide row per sample, renamed to
        ``table`` before the update) into the narrow store, day by day, then drop it.

        Returns the number of samples moved.
        """
        cr = self.env.cr
        cr.execute("SELECT to_regclass(%s)", [table])
        if not cr.fetchone()[0]:
            return 0
        legacy = SQL.identifier(table)
        cr.execute(
            SQL(
                """INSERT INTO starlink_telemetry_device (device_id, device_type, terminal_id)
                   SELECT DISTINCT ON (device_id) device_id, device_type, terminal_id
                     FROM %s ORDER BY device_id, ts DESC
                   ON CONFLICT (device_id) DO NOTHING""",
                legacy,
            )
        )
        cr.execute(
            SQL(
                """SELECT DISTINCT device_type, name
                     FROM %s, unnest(string_to_array(alerts, ',')) AS name
                    WHERE alerts IS NOT NULL AND name <> ''""",
                legacy,
            )
        )
        names = {}
        for kind, name in cr.fetchall():
            names.setdefault(kind, set()).add(name)
        for kind, kind_names in names.items():
            self._alert_bits(kind, kind_names)
        cr.execute(SQL("SELECT DISTINCT ts::date FROM %s ORDER BY 1", legacy))
        days = [day for (day,) in cr.fetchall()]
        self._ensure_partitions(days)
        moved = 0
        for day in days:
            cr.execute(
                SQL(
                    """
                INSERT INTO starlink_telemetry_raw
                       (ts, device, downlink_mbps, uplink_mbps, latency, signal, uptime_s,
                        alerts, ping_drop, obstruction)
                SELECT date_trunc('milliseconds', l.ts), d.id, l.downlink_mbps, l.uplink_mbps,
                       %(latency)s, %(signal)s, l.uptime_s,
                       coalesce((SELECT bit_or(1 << a.bit)
                                   FROM unnest(string_to_array(l.alerts, ',')) AS n(name)
                                   JOIN starlink_telemetry_alert_name a
                                     ON a.device_type = l.device_type AND a.name = n.name), 0),
                       %(ping_drop)s, %(obstruction)s
                  FROM %(legacy)s l JOIN starlink_telemetry_device d ON d.device_id = l.device_id
                 WHERE l.ts >= %(day)s AND l.ts < %(next_day)s
                ON CONFLICT (device, ts) DO NOTHING
                """,
                    latency=_scaled("l.latency_ms", LATENCY_SCALE),
                    signal=_scaled("l.signal_quality", SIGNAL_SCALE),
                    ping_drop=_scaled("l.ping_drop_rate", PING_DROP_SCALE),
                    obstruction=_scaled("l.obstruction_percent", OBSTRUCTION_SCALE),
                    legacy=legacy,
                    day=day,
                    next_day=day + timedelta(days=1),
                )
            )
            moved += cr.rowcount
        cr.execute(SQL("DROP TABLE %s CASCADE", legacy))
        _logger.info("Starlink telemetry: %d samples moved to the narrow store", moved)
        return moved
