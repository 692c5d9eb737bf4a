import logging
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module

from ..lib.client import StarlinkClient
from ..lib.exceptions import StarlinkError
from ..lib.telemetry import decode_stream
from ..lib.usage import parse_data_usage

_logger = logging.getLogger(__name__)

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
    last_sync_date = fields.Datetime(compute="_compute_last_sync", store=False)
    last_sync_status = fields.Selection(compute="_compute_last_sync", store=False)
    last_sync_message = fields.Text(compute="_compute_last_sync", store=False)
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
        )

    # ------------------------------------------------------------------ actions

    def action_test_connection(self):
        self.ensure_one()
        try:
            info = self._starlink_client().test_connection()
        except StarlinkError as error:
            return self._notify(_("Connection failed: %s", error), "danger")
        name = info.get("accountName") if isinstance(info, dict) else ""
        return self._notify(_("Connected to Starlink account %s.", name or self.account_number))

    def action_sync_now(self):
        for account in self:
            account._sync_inventory()
            account._sync_usage()
            account._poll_telemetry(polls=1)
        failed = self.sync_status_ids.filtered(lambda s: s.state == "error")
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
        """Hourly: roll the last hours up, drop expired raw partitions and old rollups."""
        since = fields.Datetime.subtract(fields.Datetime.now(), hours=3)
        self.env["starlink.telemetry.hourly"]._rollup(since)
        self.env["starlink.telemetry.sample"]._prune()
        self.env["starlink.telemetry.hourly"]._prune()
        self._commit()

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

    def _poll_telemetry(self, polls=None):
        """Poll the telemetry stream; each batch is stored and committed before the next.

        Starlink lingers up to ``telemetry_linger_ms`` to fill a batch; a full batch means a
        backlog, polled again at once, otherwise calls are paced to about four a minute.
        """
        self.ensure_one()
        polls = polls or self.telemetry_polls_per_run
        for poll in range(polls):
            started = time.monotonic()
            result = self._run_stream("telemetry", self._poll_telemetry_once)
            if result is None:
                return
            # Health and last seen follow each batch, not just each run.
            self.terminal_ids._update_health()
            self._commit()
            if result[0] < self.telemetry_batch_size and poll + 1 < polls:
                self._pace(started, seconds=15)

    @api.model
    def _pace(self, started, seconds):
        wait = seconds - (time.monotonic() - started)
        if wait > 0 and not odoo_module.current_test:
            time.sleep(wait)

    def _poll_telemetry_once(self, client):
        payload = client.telemetry_stream(self.telemetry_batch_size, self.telemetry_linger_ms)
        batch = decode_stream(payload)
        return self.env["starlink.telemetry.sample"]._ingest_batch(batch)

    def _run_stream(self, stream, method):
        """Run one sync step in a savepoint and record its status; never raises.

        Returns what the step returned (``(count, errors, message)``) or None on failure.
        """
        self.ensure_one()
        values = {"last_run": fields.Datetime.now()}
        result = None
        try:
            with self.env.cr.savepoint():
                result = method(self._starlink_client())
        except (StarlinkError, UserError) as error:
            _logger.warning("Starlink %s sync of %s failed: %s", stream, self.display_name, error)
            values.update(state="error", message=str(error), record_count=0, error_count=0)
        except Exception as error:
            _logger.exception("Starlink %s sync of %s crashed", stream, self.display_name)
            values.update(state="error", message=repr(error), record_count=0, error_count=0)
        else:
            count, errors, message = result
            values.update(
                state="warning" if errors else "ok",
                last_success=values["last_run"],
                record_count=count,
                error_count=errors,
                message=message or False,
            )
        self._set_sync_status(stream, values)
        self._commit()
        return result

    def _set_sync_status(self, stream, values):
        status = self.sync_status_ids.filtered(lambda s: s.stream == stream)
        if status:
            status.write(values)
        else:
            self.env["starlink.sync.status"].create(
                dict(values, account_id=self.id, stream=stream)
            )

    @api.model
    def _commit(self):
        """Commit the work done so far, except inside tests (one transaction per test)."""
        if not odoo_module.current_test:
            self.env.cr.commit()
