import hmac
import os

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..lib import ops_status

_lt = LazyTranslate(__name__)

STATUS_TOKEN_ENV = "STARLINK_STATUS_TOKEN"
STATUS_TOKEN_PARAM = "starlink_telemetry.status_token"
FAILURE_MINUTES_PARAM = "starlink_telemetry.stream_failure_minutes"
FAILURE_MINUTES = 60
# a scheduled action is late once its next call is this far in the past
CRON_GRACE_MINUTES = 15
# the banner's durations (lib/ops_status.DURATION_FORMATS), in the user's language
DURATION_FORMATS = {
    "minutes": _lt("%(minutes)s min"),
    "hours": _lt("%(hours)s h"),
    "hours_minutes": _lt("%(hours)s h %(minutes)s min"),
    "days": _lt("%(days)s d"),
    "days_hours": _lt("%(days)s d %(hours)s h"),
}


class StarlinkOpsStatus(models.AbstractModel):
    """The synchronisation's operational status: for uptime monitors (the token-protected
    ``/starlink/status``) and for staff (the backend banner of failing streams)."""

    _name = "starlink.ops.status"
    _description = "Starlink Operations Status"

    # ------------------------------------------------------------------ settings
    @api.model
    def _status_token(self):
        """The monitors' token: the environment's (Docker secret), else the system parameter."""
        return os.environ.get(STATUS_TOKEN_ENV) or (
            self.env["ir.config_parameter"].sudo().get_param(STATUS_TOKEN_PARAM) or ""
        )

    @api.model
    def _check_status_token(self, token):
        """True when ``token`` is the configured one; never without a configured token."""
        expected = self._status_token()
        return bool(expected and token) and hmac.compare_digest(
            expected.encode(), str(token).encode()
        )

    @api.model
    def _status_report_for_token(self, token):
        """The status report for the token-protected route (which has no user), or None
        when ``token`` is not the configured one: the token is the access check."""
        if not self._check_status_token(token):
            return None
        return self.sudo()._status_report()

    @api.model
    def _failure_threshold_seconds(self):
        params = self.env["ir.config_parameter"].sudo()
        return 60 * int(params.get_param(FAILURE_MINUTES_PARAM, FAILURE_MINUTES))

    # ------------------------------------------------------------------ status report
    @api.model
    def _status_report(self, now=None):
        """The JSON-ready status of every active account and of the scheduled actions.

        Reads everything (called by the token-protected route, which has no user): the
        caller is responsible for having checked the token.
        """
        now = now or fields.Datetime.now()
        threshold = self._failure_threshold_seconds()
        accounts = self.env["starlink.account"].sudo().search([])
        lags = self._telemetry_latest(accounts)
        reports = [
            self._prepare_account_report(account, lags.get(account.id), now, threshold)
            for account in accounts
        ]
        crons = self._prepare_cron_report(now)
        verdicts = [s["verdict"] for report in reports for s in report["streams"].values()]
        return {
            "status": ops_status.overall_status(verdicts, len(crons["late"])),
            "time": fields.Datetime.to_string(now),
            "failure_threshold_minutes": threshold // 60,
            "accounts": reports,
            "crons": crons,
        }

    @api.model
    def _telemetry_latest(self, accounts):
        """Latest telemetry sample time per account, from its terminals' last seen."""
        groups = (
            self.env["starlink.terminal"]
            .sudo()
            ._read_group(
                [("account_id", "in", accounts.ids), ("last_seen", "!=", False)],
                ["account_id"],
                ["last_seen:max"],
            )
        )
        return {account.id: latest for account, latest in groups}

    @api.model
    def _prepare_account_report(self, account, telemetry_latest, now, threshold):
        streams = {
            status.stream: self._prepare_stream_report(status, now, threshold)
            for status in account.sync_status_ids
        }
        return {
            "id": account.id,
            "name": account.name,
            "account_number": account.account_number,
            "company": account.company_id.name,
            "status": ops_status.overall_status(s["verdict"] for s in streams.values()),
            "telemetry_last_sample": fields.Datetime.to_string(telemetry_latest) or None,
            "telemetry_lag_seconds": ops_status.lag_seconds(telemetry_latest, now),
            "streams": streams,
        }

    @api.model
    def _prepare_stream_report(self, status, now, threshold):
        failing = ops_status.failing_seconds(
            status.state, status.last_success, status.create_date, now
        )
        return {
            "state": status.state or None,
            "verdict": ops_status.stream_verdict(status.state, failing, threshold),
            "last_run": fields.Datetime.to_string(status.last_run) or None,
            "last_success": fields.Datetime.to_string(status.last_success) or None,
            "failing_seconds": failing,
            "records": status.record_count,
            "errors": status.error_count,
            "message": status.message or None,
        }

    @api.model
    def _prepare_cron_report(self, now):
        """Active scheduled actions due long ago, and triggers waiting for a cron thread."""
        grace = CRON_GRACE_MINUTES * 60
        crons = self.env["ir.cron"].sudo().search([("active", "=", True)])
        lateness = {cron: ops_status.late_seconds(cron.nextcall, now, grace) for cron in crons}
        late = [
            {"name": cron.cron_name, "late_seconds": seconds}
            for cron, seconds in lateness.items()
            if seconds
        ]
        pending = self.env["ir.cron.trigger"].sudo().search_count([("call_at", "<=", now)])
        return {
            "active": len(crons),
            "late": sorted(late, key=lambda c: -c["late_seconds"]),
            "pending_triggers": pending,
        }

    # ------------------------------------------------------------------ staff banner
    @api.model
    def get_stream_banner(self):
        """The streams that have been failing past the threshold, for the backend banner.

        Called by the web client of every internal user: answers only for those who read
        synchronisation statuses, and within their companies (record rules apply).
        """
        Status = self.env["starlink.sync.status"]
        if not self.env.user._is_internal() or not Status.has_access("read"):
            return []
        now = fields.Datetime.now()
        threshold = self._failure_threshold_seconds()
        streams = dict(Status._fields["stream"]._description_selection(self.env))
        durations = {shape: self.env._(text) for shape, text in DURATION_FORMATS.items()}
        banner = []
        for status in Status.search([("state", "=", "error"), ("account_id.active", "=", True)]):
            failing = ops_status.failing_seconds(
                status.state, status.last_success, status.create_date, now
            )
            if ops_status.stream_verdict(status.state, failing, threshold) != "failing":
                continue
            banner.append(
                {
                    "id": status.id,
                    "account_id": status.account_id.id,
                    "account": status.account_id.display_name,
                    "stream": streams.get(status.stream, status.stream),
                    "duration": ops_status.format_duration(failing, durations),
                    "message": (status.message or "")[:200],
                }
            )
        return banner
