import logging
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .cron_utils import run_in_batches
from .starlink_telemetry_sample import RAW_RETENTION_DAYS

_logger = logging.getLogger(__name__)


class StarlinkTelemetrySample(models.Model):
    """Partitions of the telemetry store and retention: raw samples by hour, compacted
    hours by day; retention drops whole days of both."""

    _inherit = "starlink.telemetry.sample"

    @api.model
    def _split_day_partitions(self):
        """Raw partitions by day (the first builds of this store) become hourly ones."""
        cr = self.env.cr
        cr.execute(
            r"""SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = 'starlink_telemetry_raw'::regclass
                   AND c.relname ~ '_p\d{8}$'"""
        )
        for (name,) in cr.fetchall():
            day = datetime.strptime(name[-8:], "%Y%m%d").date()
            table = SQL.identifier(name)
            cr.execute(SQL("ALTER TABLE starlink_telemetry_raw DETACH PARTITION %s", table))
            self._ensure_partitions({day})
            cr.execute(SQL("INSERT INTO starlink_telemetry_raw SELECT * FROM %s", table))
            cr.execute(SQL("DROP TABLE %s", table))

    # ------------------------------------------------------------------ partitions

    @api.model
    def _partition_name(self, moment, table="starlink_telemetry_raw"):
        """Raw samples are partitioned by hour (a compacted hour's partition is dropped:
        nothing left for VACUUM), compacted hours by day."""
        if table == "starlink_telemetry_raw":
            return f"{table}_p{moment:%Y%m%d%H}"
        return f"{table}_p{moment:%Y%m%d}"

    @api.model
    def _ensure_partitions(self, moments, table="starlink_telemetry_raw"):
        """Create the partitions of ``table`` that do not exist yet for ``moments``: hours
        (datetimes) of raw samples, each hour of a day given as a date, or days."""
        raw = table == "starlink_telemetry_raw"
        step = timedelta(hours=1) if raw else timedelta(days=1)
        starts = set()
        for moment in moments:
            if not isinstance(moment, datetime):
                moment = datetime.combine(moment, datetime.min.time())
                starts.update(moment + step * n for n in range(24 if raw else 1))
            else:
                starts.add(
                    moment.replace(minute=0, second=0, microsecond=0, hour=moment.hour * raw)
                )
        existing = set(self._partitions(table))
        for start in sorted(starts - existing):
            self.env.cr.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM (%s) TO (%s)",
                    SQL.identifier(self._partition_name(start, table)),
                    SQL.identifier(table),
                    start,
                    start + step,
                )
            )

    @api.model
    def _partitions(self, table="starlink_telemetry_raw"):
        """Start (datetime) of each partition of ``table``."""
        self.env.cr.execute(
            SQL(
                """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    WHERE i.inhparent = %s::regclass""",
                table,
            )
        )
        pattern = "%Y%m%d%H" if table == "starlink_telemetry_raw" else "%Y%m%d"
        return sorted(
            datetime.strptime(name.rsplit("_p", 1)[1], pattern)
            for (name,) in self.env.cr.fetchall()
        )

    @api.model
    def _partition_days(self, table="starlink_telemetry_raw"):
        """Days that have partitions in ``table``."""
        return sorted({start.date() for start in self._partitions(table)})

    @api.model
    def _prune(self, retention_days=None, today=None, failures=None, commit=False):
        """Drop the days older than the retention, raw and compacted. Returns the days.

        Each day is dropped in its own savepoint: one that cannot be dropped (e.g. a lock)
        is logged with the reason and appended to ``failures`` (``[(label, error)]``), the
        others are dropped (and committed one by one, with ``commit``).
        """
        run = run_in_batches(
            self.env, self._get_expired_partition_days(retention_days, today),
            lambda days: self._drop_partitions(days), batch_size=1, commit=commit,
            logger=_logger, what="Starlink raw telemetry partition of",
        )  # fmt: skip
        if failures is not None:
            failures.extend(
                (self.env._("raw telemetry of %(day)s", day=day), error)
                for day, error in run.failed
            )
        return run.done

    @api.model
    def _get_expired_partition_days(self, retention_days=None, today=None):
        if retention_days is None:
            retention_days = self._retention_days()
        limit = (today or fields.Date.today()) - timedelta(days=retention_days)
        days = set(self._partition_days()) | set(self._partition_days("starlink_telemetry_compact"))
        return sorted(day for day in days if day < limit)

    @api.model
    def _drop_partitions(self, days):
        for day in days:
            start = datetime.combine(day, datetime.min.time())
            names = [self._partition_name(start + timedelta(hours=h)) for h in range(24)]
            names.append(self._partition_name(day, "starlink_telemetry_compact"))
            for name in names:
                self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
            self.env.cr.execute(
                "DELETE FROM starlink_telemetry_compacted_hour WHERE hour >= %s AND hour < %s",
                [day, day + timedelta(days=1)],
            )

    @api.model
    def _retention_days(self):
        params = self.env["ir.config_parameter"].sudo()
        return int(params.get_param("starlink_telemetry.raw_retention_days", RAW_RETENTION_DAYS))
