import logging
import zlib
from collections import Counter
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.modules import module as odoo_module
from odoo.tools import SQL

from ..lib.client import StarlinkClient
from ..lib.exceptions import StarlinkError
from ..lib.usage import parse_data_usage
from .cron_utils import run_in_batches, summarise
from .starlink_sync_status import SYNC_STATES

_logger = logging.getLogger(__name__)

REQUESTS_PER_MINUTE = 240  # under Starlink's 250 requests/min per account

CLIENT_MATCH = [
    ("none", "Do not link automatically"),
    ("ref", "Nickname starts with the client's reference"),
    ("name", "Nickname starts with the client's name"),
]


class StarlinkAccount(models.Model):
    _inherit = "starlink.account"

    sync_status_ids = fields.One2many(
        "starlink.sync.status", "account_id", string="Synchronisation", readonly=True
    )
    # Summaries of the per-stream statuses: computed, so that streams synchronised in
    # parallel (one scheduled action each) never write the same account row.
    last_sync_date = fields.Datetime(
        string="Last Sync", compute="_compute_last_sync", help="Latest run of any stream."
    )
    last_sync_status = fields.Selection(
        selection=SYNC_STATES,
        string="Sync Status",
        compute="_compute_last_sync",
        search="_search_last_sync_status",
        help="The worst state of the streams' last runs.",
    )
    last_sync_message = fields.Text(string="Sync Problems", compute="_compute_last_sync")
    client_match = fields.Selection(
        CLIENT_MATCH,
        string="Link New Lines To Clients",
        default="ref",
        required=True,
        help="How a service line seen for the first time is linked to a client when nobody "
        "linked it explicitly: by the client's internal reference or name at the start of "
        "the line's nickname (e.g. 'ACME - Farm gate').",
    )
    telemetry_batch_size = fields.Integer(
        default=65000, help="Rows asked per telemetry stream call (at most 65000)."
    )
    telemetry_linger_ms = fields.Integer(
        string="Telemetry Linger (ms)",
        default=15000,
        help="How long Starlink may wait to fill a telemetry batch (at most 65000).",
    )
    telemetry_polls_per_run = fields.Integer(
        default=4, help="Telemetry stream calls per run of the one-minute scheduled action."
    )

    _sql_constraints = [
        (
            "telemetry_batch_size_range",
            "CHECK(telemetry_batch_size BETWEEN 1 AND 65000)",
            "The telemetry batch size must be between 1 and 65000.",
        ),
        (
            "telemetry_linger_range",
            "CHECK(telemetry_linger_ms BETWEEN 0 AND 65000)",
            "The telemetry linger must be between 0 and 65000 ms.",
        ),
    ]

    @api.depends("sync_status_ids.last_run", "sync_status_ids.state")
    def _compute_last_sync(self):
        rank = {"ok": 0, "warning": 1, "error": 2}
        for account in self:
            statuses = account.sync_status_ids.filtered("last_run")
            worst = max(statuses.mapped("state"), key=lambda s: rank.get(s, 0), default=False)
            account.last_sync_date = max(statuses.mapped("last_run"), default=False)
            account.last_sync_status = worst
            account.last_sync_message = "\n".join(
                f"{dict(s._fields['stream'].selection)[s.stream]}: {s.message}"
                for s in statuses
                if s.state in ("warning", "error") and s.message
            ) or False

    def _search_last_sync_status(self, operator, value):
        """Accounts by their worst stream state (``=`` and ``in`` only)."""
        if operator not in ("=", "in"):
            raise UserError(_("Search the sync status with = or in only."))
        wanted = {value} if operator == "=" else set(value)
        Status = self.env["starlink.sync.status"].sudo()
        failed = set(Status.search([("state", "=", "error")]).account_id.ids)
        partial = set(Status.search([("state", "=", "warning")]).account_id.ids) - failed
        synced = set(Status.search([("state", "=", "ok")]).account_id.ids) - failed - partial
        ids = set()
        for state, accounts in (("error", failed), ("warning", partial), ("ok", synced)):
            if state in wanted:
                ids |= accounts
        return [("id", "in", list(ids))]

    # ------------------------------------------------------------------ client

    def _starlink_client(self):
        self.ensure_one()
        account = self.sudo()
        if not account.client_id or not account.client_secret:
            raise UserError(_("Set the client id and secret of %s first.", self.display_name))
        return StarlinkClient(
            base_url=account.api_base_url,
            token_url=account.token_url,
            client_id=account.client_id,
            client_secret=account.client_secret,
            account_number=account.account_number,
            timeout=(5.0, 30.0),
            rate_limit_per_min=self._requests_per_minute(),
        )

    @api.model
    def _requests_per_minute(self):
        """This process's share of Starlink's 250 requests/min per account (system parameter
        ``starlink_telemetry.requests_per_minute``, default 240): divide it by the number of
        server processes that run the Starlink scheduled actions."""
        value = self.env["ir.config_parameter"].sudo().get_param(
            "starlink_telemetry.requests_per_minute", REQUESTS_PER_MINUTE
        )
        return int(value)

    # ------------------------------------------------------------------ actions

    def _check_starlink_admin(self):
        """Raise AccessError unless the user may call Starlink with these accounts' credentials.

        Organization Admins may, on the accounts they may change (their companies'); the
        credentials themselves stay readable by Settings administrators only. Called first
        by every public method that uses the credentials: buttons are also RPC endpoints.
        """
        if self.env.su:
            return
        if not self.env.user.has_group("starlink_base.starlink_base_group_admin"):
            raise AccessError(
                _("Only Organization Admins can connect Odoo to a Starlink account.")
            )
        self.check_access("write")

    def action_test_connection(self):
        self.ensure_one()
        self._check_starlink_admin()
        try:
            info = self._starlink_client().test_connection()
        except StarlinkError as error:
            return self._notify(_("Connection failed: %s", error), "danger")
        name = info.get("accountName") if isinstance(info, dict) else ""
        return self._notify(_("Connected to Starlink account %s.", name or self.account_number))

    def action_sync_now(self):
        self._check_starlink_admin()
        # Checked: the sync runs as the scheduled actions do, with every right on what it
        # stores (plans, lines, terminals, usage).
        accounts = self.sudo()
        for account in accounts:
            account._sync_inventory()
            account._sync_usage()
            account._poll_telemetry(polls=1)
        # Starlink's invoices (many calls on the first run) follow in the background.
        self.env.ref("starlink_telemetry.ir_cron_starlink_sync_costs").sudo()._trigger()
        failed = accounts.sync_status_ids.filtered(lambda s: s.state == "error")
        if failed:
            return self._notify(
                _("Synchronisation finished with errors: %s", "; ".join(failed.mapped("message"))),
                "warning",
            )
        return self._notify(_("Synchronisation finished."))

    def _notify(self, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------ crons

    @api.model
    def _sync_accounts(self):
        """Accounts the scheduled actions synchronise: those with API credentials."""
        return self.sudo().search([("client_id", "!=", False), ("client_secret", "!=", False)])

    @api.model
    def _cron_sync_inventory(self):
        accounts = self._sync_accounts()
        for done, account in enumerate(accounts, 1):
            account._sync_inventory()
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(accounts) - done)

    @api.model
    def _cron_sync_usage(self):
        accounts = self._sync_accounts()
        for done, account in enumerate(accounts, 1):
            account._sync_usage()
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(accounts) - done)

    @api.model
    def _cron_poll_telemetry(self):
        for account in self._sync_accounts():
            account._poll_telemetry()

    @api.model
    def _cron_telemetry_maintenance(self):
        """Scheduled action: roll the last hours up, drop expired raw partitions, compact
        closed hours, drop expired rollups.

        Unit by unit (terminal batches, one partition, one hour, the rollup retention), each in a
        savepoint and committed: a failing unit is logged and the others go on. The outcome
        lands on each synchronised account's Telemetry Maintenance status: the failures of
        its own terminals and those of the shared store.
        """
        now = fields.Datetime.now()
        hourly = self.env["starlink.telemetry.hourly"]
        rollup = hourly._rollup_in_batches(fields.Datetime.subtract(now, hours=3), commit=True)
        store_failures = []
        samples = self.env["starlink.telemetry.sample"]
        samples._prune(failures=store_failures, commit=True)
        samples._compact(failures=store_failures, commit=True)
        retention = run_in_batches(
            self.env, [_("hourly rollups past the retention")], lambda units: hourly._prune(),
            batch_size=1, logger=_logger, what="Starlink telemetry maintenance:",
        )  # fmt: skip
        store_failures += retention.failed
        self._record_maintenance(now, rollup, store_failures)

    @api.model
    def _record_maintenance(self, now, rollup, store_failures):
        """Write each account's maintenance status from the rollup run and the store's
        failures (``[(label, error)]``), account by account."""
        rolled_up = Counter(terminal.account_id.id for terminal in rollup.done)
        run_in_batches(
            self.env, self._sync_accounts(),
            lambda accounts: accounts._write_maintenance_status(
                now, rolled_up, rollup.failed, store_failures
            ),
            batch_size=1, logger=_logger, what="Starlink maintenance status of",
        )  # fmt: skip

    def _write_maintenance_status(self, now, rolled_up, rollup_failures, store_failures):
        for account in self:
            account._set_sync_status(
                "maintenance",
                account._prepare_maintenance_status(
                    now, rolled_up, rollup_failures, store_failures
                ),
            )

    def _prepare_maintenance_status(self, now, rolled_up, rollup_failures, store_failures):
        self.ensure_one()
        failures = [
            (terminal.display_name, error)
            for terminal, error in rollup_failures
            if terminal.account_id == self
        ] + store_failures
        return {
            "last_run": now,
            "last_success": now,
            "state": "warning" if failures else "ok",
            "record_count": rolled_up[self.id],
            "error_count": len(failures),
            "message": summarise(failures) or False,
        }

    # ------------------------------------------------------------------ sync steps

    def _sync_inventory(self):
        self.ensure_one()
        self._run_stream("products", self._sync_products)
        self._run_stream("service_lines", self._sync_service_lines)
        self._run_stream("terminals", self._sync_terminals)

    def _sync_products(self, client):
        products = list(client.iter_products())
        return self.env["product.template"]._starlink_sync_products(self, products)

    def _sync_service_lines(self, client):
        addresses = {a.get("addressReferenceId"): a for a in client.iter_addresses()}
        lines = list(client.iter_service_lines())
        return self.env["starlink.service.line"]._starlink_sync(self, lines, addresses)

    def _sync_terminals(self, client):
        terminals = list(client.iter_user_terminals())
        return self.env["starlink.terminal"]._starlink_sync(self, terminals)

    def _sync_usage(self):
        self.ensure_one()
        self._run_stream("usage", self._sync_usage_from)

    def _sync_usage_from(self, client):
        lines = self.env["starlink.service.line"].search(
            [("account_id", "=", self.id), ("state", "in", ("active", "suspended"))]
        )
        if not lines:
            return 0, 0, _("No active service line.")
        # The current and the previous cycle: Starlink revises the last days (about one day
        # of lag), and the upsert overwrites them.
        batch = parse_data_usage(
            list(
                client.iter_data_usage(
                    lines.mapped("service_line_number"),
                    previous_billing_cycles=1,
                    active_only=False,
                )
            )
        )
        return self.env["starlink.usage.daily"]._starlink_sync(self, batch)

    def _run_stream(self, stream, method):
        """Run one sync step and record its status; never raises.

        The step runs in a savepoint and is committed at once; its status is written
        afterwards in its own savepoint and commit, so that a failing status write (e.g. a
        serialization failure against a concurrent sync) never rolls the step's data back.
        A second run of the same stream of this account while one runs skips.
        ``method(client)`` returns ``(count, errors, message)``; so does this method, or
        None on failure or skip.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        with self._stream_lock(stream) as locked:
            if not locked:
                _logger.info("Starlink %s of %s is running: skipped", stream, self.display_name)
                return None
            try:
                with self.env.cr.savepoint(), self._starlink_client() as client:
                    result = method(client)
            except Exception as error:  # noqa: BLE001 - recorded on the status, never raised
                self._record_stream_status(stream, self._stream_error_values(stream, now, error))
                return None
            self._commit()
            self._record_stream_status(stream, self._stream_success_values(now, result))
        return result

    def _stream_error_values(self, stream, now, error):
        if isinstance(error, StarlinkError | UserError):
            _logger.warning("Starlink %s sync of %s failed: %s", stream, self.display_name, error)
            message = str(error)
        else:
            _logger.exception("Starlink %s sync of %s crashed", stream, self.display_name)
            message = repr(error)
        return {
            "last_run": now,
            "state": "error",
            "message": message,
            "record_count": 0,
            "error_count": 0,
        }

    @api.model
    def _stream_success_values(self, now, result):
        count, errors, message = result
        return {
            "last_run": now,
            "last_success": now,
            "state": "warning" if errors else "ok",
            "record_count": count,
            "error_count": errors,
            "message": message or False,
        }

    def _record_stream_status(self, stream, values):
        self._safely(f"{stream} status", self._set_sync_status, stream, values)

    def _safely(self, what, method, *args):
        """Run ``method`` in its own savepoint and commit; a failure is logged, not raised.

        Returns whether it worked.
        """
        try:
            with self.env.cr.savepoint():
                method(*args)
            self._commit()
        except Exception:  # noqa: BLE001 - the data before it is committed already
            _logger.exception("Starlink %s of %s failed", what, self.display_name)
            self._rollback()
            return False
        return True

    def _set_sync_status(self, stream, values):
        status = self.sync_status_ids.filtered(lambda s: s.stream == stream)
        if status:
            status.write(values)
        else:
            self.env["starlink.sync.status"].create(
                dict(values, account_id=self.id, stream=stream)
            )

    @contextmanager
    def _stream_lock(self, stream, cr=None):
        """Hold the lock of one stream of this account; yields False when it is taken.

        A PostgreSQL session advisory lock on ``cr``'s connection (default: this
        environment's): it holds across the commits of a run, is seen by every Odoo process
        on the database, is never waited for, and goes with the connection if the process
        dies. Taken again by the same run, it nests.
        """
        self.ensure_one()
        key = (zlib.crc32(f"starlink.sync.{stream}".encode()) & 0x7FFFFFFF, self.id)
        cr = cr or self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", *key))
        locked = cr.fetchone()[0]
        try:
            yield locked
        finally:
            if locked:
                cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", *key))

    @api.model
    def _commit(self):
        """Commit the work done so far, except inside tests (one transaction per test)."""
        if not odoo_module.current_test:
            self.env.cr.commit()

    @api.model
    def _rollback(self):
        """Roll a failed commit back (outside tests, where the savepoint did it already)."""
        if not odoo_module.current_test:
            self.env.cr.rollback()
