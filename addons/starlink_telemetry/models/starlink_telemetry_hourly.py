import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .cron_utils import run_in_batches

_logger = logging.getLogger(__name__)

# Months hourly rollups are kept (setting ``starlink_telemetry.rollup_retention_months``).
ROLLUP_RETENTION_MONTHS = 13
# Terminals rolled up together (one statement, one savepoint, one commit).
ROLLUP_BATCH_SIZE = 1000


class StarlinkTelemetryHourly(models.Model):
    """Hourly rollup of a terminal's raw samples, kept for 13 months and more."""

    _name = "starlink.telemetry.hourly"
    _description = "Starlink Hourly Telemetry"
    _order = "hour desc"
    _rec_name = "hour"
    _log_access = False

    terminal_id = fields.Many2one(
        "starlink.terminal", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="terminal_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="terminal_id.partner_id", string="Client", store=True, index=True
    )
    hour = fields.Datetime(required=True, index=True, readonly=True)
    sample_count = fields.Integer(readonly=True, aggregator="sum")
    latency_avg_ms = fields.Float(string="Latency avg (ms)", readonly=True, aggregator="avg")
    latency_min_ms = fields.Float(string="Latency min (ms)", readonly=True, aggregator="min")
    latency_max_ms = fields.Float(string="Latency max (ms)", readonly=True, aggregator="max")
    latency_p95_ms = fields.Float(string="Latency p95 (ms)", readonly=True, aggregator="avg")
    ping_drop_avg = fields.Float(string="Ping drop avg (%)", readonly=True, aggregator="avg")
    downlink_avg_mbps = fields.Float(string="Downlink avg (Mbps)", readonly=True, aggregator="avg")
    downlink_max_mbps = fields.Float(string="Downlink max (Mbps)", readonly=True, aggregator="max")
    uplink_avg_mbps = fields.Float(string="Uplink avg (Mbps)", readonly=True, aggregator="avg")
    uplink_max_mbps = fields.Float(string="Uplink max (Mbps)", readonly=True, aggregator="max")
    obstruction_avg = fields.Float(string="Obstruction avg (%)", readonly=True, aggregator="avg")
    uptime_percent = fields.Float(
        string="Availability (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the hour's 240 expected 15-second samples that were received.",
    )

    _sql_constraints = [
        ("terminal_hour_uniq", "unique(terminal_id, hour)", "One rollup per terminal and hour."),
    ]

    @api.model
    def _rollup_in_batches(self, since, until=None, commit=False):
        """Roll [since, until) up terminal batch by terminal batch.

        A batch that fails is retried in halves down to the failing terminal, which is
        logged; the others are rolled up (and committed batch by batch, with ``commit``).
        Returns the ``BatchRun`` (terminals done, ``(terminal, error)`` failures).
        """
        until = until or fields.Datetime.now() + timedelta(hours=1)
        terminals = self.env["starlink.terminal"].with_context(active_test=False)
        terminals = terminals.search(self._get_rollup_terminals_domain(), order="id")
        return run_in_batches(
            self.env, terminals,
            lambda batch: self._rollup(since, until, terminal_ids=batch.ids),
            batch_size=ROLLUP_BATCH_SIZE, commit=commit, logger=_logger,
            what="Starlink hourly telemetry rollup of terminal",
        )  # fmt: skip

    @api.model
    def _get_rollup_terminals_domain(self):
        return []

    @api.model
    def _rollup(self, since, until=None, terminal_ids=None):
        """(Re)compute the rollups of every hour touching [since, until) from raw samples.

        Every terminal's, or only those of ``terminal_ids``. Returns the rows written.
        """
        until = until or fields.Datetime.now() + timedelta(hours=1)
        only_terminals = (
            SQL("AND s.terminal_id = ANY(%s)", list(terminal_ids))
            if terminal_ids is not None
            else SQL()
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO starlink_telemetry_hourly AS h (
                terminal_id, company_id, partner_id, hour, sample_count,
                latency_avg_ms, latency_min_ms, latency_max_ms, latency_p95_ms,
                ping_drop_avg, downlink_avg_mbps, downlink_max_mbps, uplink_avg_mbps,
                uplink_max_mbps, obstruction_avg, uptime_percent)
            SELECT s.terminal_id, t.company_id, t.partner_id, date_trunc('hour', s.ts), count(*),
                   avg(s.latency_ms), min(s.latency_ms), max(s.latency_ms),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY s.latency_ms),
                   100 * avg(s.ping_drop_rate), avg(s.downlink_mbps), max(s.downlink_mbps),
                   avg(s.uplink_mbps), max(s.uplink_mbps), avg(s.obstruction_percent),
                   least(100.0, 100.0 * count(*) / 240)
              FROM starlink_telemetry_sample s
              JOIN starlink_terminal t ON t.id = s.terminal_id
             WHERE s.device_type = 'u' AND s.ts >= date_trunc('hour', %(since)s::timestamp)
               AND s.ts < %(until)s %(only_terminals)s
               AND s.hour >= date_trunc('hour', %(since)s::timestamp) AND s.hour < %(until)s
             GROUP BY s.terminal_id, t.company_id, t.partner_id, date_trunc('hour', s.ts)
            ON CONFLICT (terminal_id, hour) DO UPDATE SET
                sample_count = EXCLUDED.sample_count,
                latency_avg_ms = EXCLUDED.latency_avg_ms,
                latency_min_ms = EXCLUDED.latency_min_ms,
                latency_max_ms = EXCLUDED.latency_max_ms,
                latency_p95_ms = EXCLUDED.latency_p95_ms,
                ping_drop_avg = EXCLUDED.ping_drop_avg,
                downlink_avg_mbps = EXCLUDED.downlink_avg_mbps,
                downlink_max_mbps = EXCLUDED.downlink_max_mbps,
                uplink_avg_mbps = EXCLUDED.uplink_avg_mbps,
                uplink_max_mbps = EXCLUDED.uplink_max_mbps,
                obstruction_avg = EXCLUDED.obstruction_avg,
                uptime_percent = EXCLUDED.uptime_percent
            """,
                since=since,
                until=until,
                only_terminals=only_terminals,
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _prune(self, months=None):
        """Delete rollups older than the retention (months). Returns the rows deleted."""
        if months is None:
            months = self._retention_months()
        self.env.cr.execute(
            SQL(
                "DELETE FROM starlink_telemetry_hourly "
                "WHERE hour < now() - %s * interval '1 month'",
                months,
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _retention_months(self):
        params = self.env["ir.config_parameter"].sudo()
        return int(
            params.get_param("starlink_telemetry.rollup_retention_months", ROLLUP_RETENTION_MONTHS)
        )
