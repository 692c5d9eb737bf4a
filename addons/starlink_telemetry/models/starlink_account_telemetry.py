import logging
import time

from odoo import api, fields, models
from odoo.modules import module as odoo_module

from ..lib.telemetry import stream_row_count

_logger = logging.getLogger(__name__)


class StarlinkAccount(models.Model):
    """The telemetry stream's poller of an account: answers stored and committed one by one,
    a backlog caught up with the next answer fetched while the last is stored."""

    _inherit = "starlink.account"

    def _poll_telemetry(self, polls=None):
        """Poll the telemetry stream; each answer is stored and committed on its own.

        Starlink keeps one read position per account and never re-sends a delivered answer:
        one poller at a time (a second one skips, it does not queue), and each answer is
        committed on its own before the status and health are written. Starlink lingers up
        to ``telemetry_linger_ms`` to fill an answer; a full answer means a backlog, polled
        again at once (see ``_poll_telemetry_backlog``), otherwise calls are paced to about
        four a minute. Returns False when another poller had the stream.
        """
        self.ensure_one()
        polls = polls or self.telemetry_polls_per_run
        with self._stream_lock("telemetry") as locked:
            if not locked:
                _logger.info(
                    "Starlink telemetry of %s: another poller has the stream, skipped",
                    self.display_name,
                )
                return False
            while polls > 0:
                calls = []
                if not self._poll_telemetry_backlog(polls, calls):
                    break
                polls -= len(calls)
                started, rows = calls[-1]
                if rows < self.telemetry_batch_size and polls > 0:
                    self._pace(started, seconds=15)
        return True

    def _poll_telemetry_backlog(self, polls, calls):
        """Poll the stream until an answer is not full (at most ``polls`` calls, each added
        to ``calls`` as ``(start, rows)``); returns False on failure, its status written.

        Each answer is committed on its own, then its status and health are written. While
        the last answer of a backlog is stored, the next one is fetched and decoded
        (``starlink.telemetry.sample._ingest_payloads``): catching up goes faster, and should
        the process die at that moment, both answers are lost instead of one.
        """
        Sample = self.env["starlink.telemetry.sample"]
        try:
            with self._starlink_client() as client:
                answers = self._telemetry_answers(
                    client, polls, calls, self.telemetry_batch_size, self.telemetry_linger_ms
                )
                for batch, result in Sample._ingest_payloads(answers):
                    self._commit()
                    values = self._stream_success_values(fields.Datetime.now(), result)
                    self._record_stream_status("telemetry", values)
                    self._safely("telemetry follow-up", self._after_telemetry_batch, batch)
        except Exception as error:  # noqa: BLE001 - recorded on the status, never raised
            values = self._stream_error_values("telemetry", fields.Datetime.now(), error)
            self._record_stream_status("telemetry", values)
            return False
        return True

    @api.model
    def _telemetry_answers(self, client, polls, calls, batch_size, linger_ms):
        """Stream answers, the next one fetched only after a full one (a backlog).

        Runs while the answer before is stored (see ``_ingest_payloads``): it must not use
        the database cursor, hence the settings given as values.
        """
        for _call in range(polls):
            started = time.monotonic()
            payload = client.telemetry_stream(batch_size, linger_ms)
            calls.append((started, stream_row_count(payload)))
            yield payload
            if calls[-1][1] < batch_size:
                return

    @api.model
    def _pace(self, started, seconds):
        wait = seconds - (time.monotonic() - started)
        if wait > 0 and not odoo_module.current_test:
            time.sleep(wait)

    def _after_telemetry_batch(self, batch):
        """After a batch is committed: software versions, health and last seen follow it."""
        self.env["starlink.telemetry.sample"]._update_software_versions(
            batch.software_versions
        )
        self.terminal_ids._update_health()
