"""One money or device action sent to Starlink (DESIGN §7: recorded before it is sent).

Starlink's writes have no idempotency key and a data top-up charges on every call. Each
action is therefore a record, committed in state ``to_send`` and again in ``sending``
before the call is made. A call whose answer was lost (``possibly_applied``) leaves the
request ``unknown``: it is never sent again before Starlink has been re-read
(:meth:`action_check_starlink`, also the first step of :meth:`action_retry`).
"""

import json
import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.exceptions import StarlinkError
from .starlink_api_request_follow_up import TOP_UP_GB  # noqa: F401 - used by the wizard

_logger = logging.getLogger(__name__)

KINDS = [
    ("top_up", "Data Top-Up"),
    ("plan_change", "Plan Change"),
    ("reboot_terminal", "Terminal Reboot"),
    ("reboot_router", "Router Reboot"),
    ("activation", "Service Line Activation"),
]
STATES = [
    ("to_send", "To Send"),
    ("sending", "Sending"),
    ("confirmed", "Confirmed"),
    ("failed", "Failed"),
    ("unknown", "Unknown"),
]
# A request in one of these states blocks a second one for the same thing.
PENDING_STATES = ("to_send", "sending", "unknown")
# The lowest Starlink role that may ask for each kind of action.
KIND_GROUPS = {
    "top_up": "starlink_base.starlink_base_group_sales",
    "plan_change": "starlink_base.starlink_base_group_sales",
    "reboot_terminal": "starlink_base.starlink_base_group_technician",
    "reboot_router": "starlink_base.starlink_base_group_technician",
    "activation": "starlink_base.starlink_base_group_sales",
}
# Kinds made of several calls, sent and resumed by their own wizard (not by the actions here).
WIZARD_KINDS = ("activation",)
# A request still "sending" after this long was cut off (a crash, a killed worker): it may be
# checked at Starlink like an unknown one.
STALE_SENDING = timedelta(minutes=10)
ADMIN_GROUP = "starlink_base.starlink_base_group_admin"


class StarlinkApiRequest(models.Model):
    _name = "starlink.api.request"
    _description = "Starlink Request"
    _inherit = ["starlink.api.request.follow.up", "mail.thread"]
    _order = "id desc"

    kind = fields.Selection(KINDS, required=True, readonly=True)
    state = fields.Selection(
        STATES, default="to_send", required=True, readonly=True, tracking=True, copy=False
    )
    account_id = fields.Many2one(
        "starlink.account", string="Starlink Account", required=True, readonly=True,
        ondelete="restrict", index=True,
    )  # fmt: skip
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    service_line_id = fields.Many2one(
        "starlink.service.line", readonly=True, index=True, ondelete="restrict"
    )
    terminal_id = fields.Many2one(
        "starlink.terminal", readonly=True, index=True, ondelete="restrict"
    )
    target = fields.Char(
        required=True,
        readonly=True,
        help="What the request acts on at Starlink: the service line number, the terminal "
        "id or the router id.",
    )
    payload = fields.Text(readonly=True, help="The body sent to Starlink (JSON).")
    before_snapshot = fields.Text(
        string="Before Sending",
        readonly=True,
        copy=False,
        help="What Starlink showed just before the call (JSON); compared with a new "
        "reading to tell whether a call with a lost answer was applied.",
    )
    response = fields.Text(string="Starlink Answer", readonly=True, copy=False)
    reference = fields.Char(string="Starlink Reference", readonly=True, copy=False)
    error = fields.Text(readonly=True, copy=False)
    requested_by_id = fields.Many2one(
        "res.users", string="Requested By", readonly=True, default=lambda self: self.env.user
    )
    date_requested = fields.Datetime(
        string="Requested On", readonly=True, default=fields.Datetime.now
    )
    date_sent = fields.Datetime(string="Last Sent On", readonly=True, copy=False)
    date_done = fields.Datetime(string="Settled On", readonly=True, copy=False)
    attempt_count = fields.Integer(string="Attempts", readonly=True, copy=False)
    amount = fields.Monetary(
        readonly=True, help="What the client is charged for it (top-ups), for information."
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    product_id = fields.Many2one(
        "product.product",
        readonly=True,
        help="Top-up: the product the client is invoiced as; plan change: the new plan. Once "
        "Starlink confirms, the line's recurring billing follows (see _apply_confirmed).",
    )
    progress = fields.Text(
        readonly=True,
        copy=False,
        help="Activation: what each step did at Starlink so far (JSON: address, service line "
        "number, calls sent). A new run resumes from it and re-reads Starlink first.",
    )

    def init(self):
        # Two transactions cannot both hold a pending request for the same thing: the
        # second insert waits for the first commit, then fails.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS starlink_api_request_pending_uniq
                ON starlink_api_request (account_id, kind, target)
             WHERE state IN ('to_send', 'sending', 'unknown')
            """
        )

    @api.depends("kind", "target")
    def _compute_display_name(self):
        kinds = dict(KINDS)
        for request in self:
            request.display_name = f"{kinds.get(request.kind, '')} {request.target or ''}".strip()

    # ------------------------------------------------------------------ CRUD

    @api.model
    def _create_request(self, kind, account, target, payload=None, **values):
        """Record a request (checked: the user's role, nothing pending) and commit it.

        Runs under sudo: the role is checked here, the credentials are read by
        ``account._starlink_client()`` as the scheduled actions do.
        """
        self._check_kind_access(kind)
        if not account:
            raise UserError(_("%s is not linked to a Starlink account.", target))
        account.check_access("read")
        self._check_not_pending(kind, account, target)
        try:
            with self.env.cr.savepoint():
                request = self.sudo().create(
                    {
                        "kind": kind,
                        "account_id": account.id,
                        "target": target,
                        "payload": json.dumps(payload or {}, sort_keys=True),
                        "requested_by_id": self.env.user.id,
                        **values,
                    }
                )
                request.flush_recordset()
        except pg_errors.UniqueViolation:
            raise UserError(self._pending_message(kind, target)) from None
        self._commit()
        return request

    # ------------------------------------------------------------------ actions

    def action_send(self):
        """Send requests waiting in ``to_send``."""
        for request in self:
            request._check_kind_access(request.kind)
            request._check_not_wizard_kind()
            if request.state != "to_send":
                raise UserError(_("%s is not waiting to be sent.", request.display_name))
            request.sudo()._send()
        return self._outcome_notification()

    def action_check_starlink(self):
        """Re-read Starlink for ``unknown`` requests (and ``sending`` ones cut off by a
        crash): confirmed if applied, else sendable."""
        for request in self:
            request._check_kind_access(request.kind)
            request._check_not_wizard_kind()
            if not request._is_checkable():
                raise UserError(
                    _("Only unknown requests, or requests cut off while sending, are checked.")
                )
            request.sudo()._check_at_starlink()
        return self._outcome_notification()

    def action_mark_confirmed(self):
        """Organization Admins settle by hand what they verified at Starlink: applied."""
        self._settle_by_hand(
            "confirmed", _("Marked applied at Starlink by %s.", self.env.user.name)
        )

    def action_mark_not_applied(self):
        """Organization Admins settle by hand what they verified at Starlink: not applied,
        so that it may be sent again."""
        self._settle_by_hand(
            "to_send", _("Marked not applied at Starlink by %s.", self.env.user.name)
        )

    def action_retry(self):
        """Send again: an ``unknown`` request only once Starlink shows it was not applied."""
        for request in self:
            request._check_kind_access(request.kind)
            request._check_not_wizard_kind()
            if request.state != "failed" and not request._is_checkable():
                raise UserError(_("Only failed or unknown requests can be sent again."))
            request = request.sudo()
            if request.state == "failed":
                request._check_not_pending(request.kind, request.account_id, request.target)
                request.write({"state": "to_send", "error": False})
                request._commit()
            elif not request._check_at_starlink():
                continue
            if request.state == "to_send":
                request._send()
        return self._outcome_notification()

    # ------------------------------------------------------------------ sending

    def _send(self):
        """Make the call: the request is committed in ``sending`` before it leaves.

        Two workers sending the same request: the second one's write of ``sending``
        fails on the first one's committed update (REPEATABLE READ, the request is
        retried by Odoo and then refused: no longer ``to_send``), so one call leaves.
        """
        self.ensure_one()
        client = self._starlink_client()
        try:
            snapshot = self._read_before_sending(client)
        except StarlinkError as error:
            self._settle("failed", error=_("Starlink could not be read before sending: %s", error))
            return
        done_already = self._done_already(snapshot)
        if done_already:
            self.before_snapshot = json.dumps(snapshot, sort_keys=True)
            self._settle("confirmed", note=done_already)
            return
        self.write(
            {
                "state": "sending",
                "date_sent": fields.Datetime.now(),
                "attempt_count": self.attempt_count + 1,
                "before_snapshot": json.dumps(snapshot, sort_keys=True)
                if snapshot is not None
                else self.before_snapshot,
            }
        )
        self._commit()
        try:
            answer = self._call_starlink(client)
        except StarlinkError as error:
            if error.possibly_applied:
                _logger.warning("Starlink request %s: answer lost (%s)", self.id, error)
                self._settle("unknown", error=str(error))
            else:
                self._settle("failed", error=str(error))
            return
        self._settle("confirmed", answer=answer)

    def _starlink_client(self):
        return self.account_id._starlink_client()

    def _payload(self):
        return json.loads(self.payload or "{}")

    def _call_starlink(self, client):
        """The call of each kind; return Starlink's answer."""
        payload = self._payload()
        if self.kind == "top_up":
            return client.top_up_data(self.target, payload["productId"], payload["count"])
        if self.kind == "plan_change":
            return client.update_service_line_product(
                self.target, payload["productReferenceId"], delay_update=payload.get("delayUpdate")
            )
        if self.kind == "reboot_terminal":
            return client.reboot_user_terminal(self.target)
        if self.kind == "reboot_router":
            return client.reboot_router(self.target)
        raise UserError(_("No Starlink call is known for requests of kind %s.", self.kind))

    def _read_before_sending(self, client):
        """What a later check compares with (None: nothing to read for this kind)."""
        if self.kind == "top_up":
            return self._line_top_ups(client)
        return None

    def _done_already(self, snapshot):
        """A note when the reading before sending shows nothing left to do (nothing is
        sent then), else None."""
        return None

    def _is_checkable(self):
        if self.state == "unknown":
            return True
        return self.state == "sending" and (
            not self.date_sent or self.date_sent < fields.Datetime.now() - STALE_SENDING
        )

    # ------------------------------------------------------------------ checking

    def _check_at_starlink(self):
        """Re-read Starlink; return True when the request may be sent again."""
        self.ensure_one()
        client = self._starlink_client()
        try:
            applied = self._applied_at_starlink(client)
        except StarlinkError as error:
            raise UserError(
                _("Starlink could not be read, the request stays unknown: %s", error)
            ) from error
        if applied:
            self._settle("confirmed", note=_("Starlink shows the request applied."))
            return False
        self.write({"state": "to_send", "error": False})
        self.message_post(
            body=_("Starlink does not show the request applied: it may be sent again.")
        )
        self._commit()
        return True

    def _applied_at_starlink(self, client):
        """True when Starlink shows the request applied, False otherwise."""
        payload = self._payload()
        if self.kind == "top_up":
            before = json.loads(self.before_snapshot or "{}")
            now = self._line_top_ups(client)
            if before.get("cycleStart") != now["cycleStart"]:
                # The line's top-ups are listed per cycle: once the cycle changed, this
                # reading cannot tell. Someone checks Starlink's invoices and settles it.
                raise UserError(
                    _(
                        "The billing cycle of %s changed since the top-up was sent: check "
                        "Starlink's top-up invoices, then mark the request applied or not.",
                        self.target,
                    )
                )
            matching = [b for b in now["topUps"] if b == payload]
            return len(matching) > len([b for b in before.get("topUps") or [] if b == payload])
        if self.kind == "plan_change":
            line = client.get_service_line(self.target)
            wanted = payload["productReferenceId"]
            return wanted in (line.get("productReferenceId"), line.get("delayedProductId"))
        # Starlink keeps no trace of a reboot that can be read back; sending one twice
        # only restarts the device again.
        return False

    def _line_top_ups(self, client):
        """The line's one-time top-ups of the current cycle and the cycle's start:
        ``{"topUps": [{productId, count}], "cycleStart": ...}``."""
        line = client.get_service_line(self.target)
        blocks = line.get("dataBlocks") or {}
        cycle = (blocks.get("recurringBlocksCurrentBillingCycle") or [{}])[0]
        return {
            "topUps": [
                {"productId": b.get("productId"), "count": b.get("count")}
                for b in blocks.get("topUpBlocksOneTimePurchase") or []
            ],
            "cycleStart": cycle.get("startDate"),
        }

    # ------------------------------------------------------------------ outcome

    def _settle(self, state, answer=None, error=None, note=None):
        values = {"state": state, "error": error or False}
        if state in ("confirmed", "failed"):
            values["date_done"] = fields.Datetime.now()
        if answer is not None:
            values["response"] = json.dumps(answer, sort_keys=True)[:10000]
            content = answer.get("content") if isinstance(answer, dict) else None
            if isinstance(content, dict):
                values["reference"] = content.get("id") or content.get("chargeId") or False
        self.write(values)
        self._post_outcome(note)
        self._commit()
        if state == "confirmed":
            self._apply_confirmed()

    def _outcome_message(self, note=None):
        messages = {
            "confirmed": _("%s: done at Starlink.", self.display_name),
            "failed": _("%(name)s: refused or failed, nothing was applied: %(error)s",
                        name=self.display_name, error=self.error),
            "unknown": _("%(name)s: the answer was lost (%(error)s). Starlink may have applied "
                         "it: use Check at Starlink before sending it again.",
                         name=self.display_name, error=self.error),
        }  # fmt: skip
        message = messages.get(self.state, self.display_name)
        return f"{message} {note}" if note else message

    def _post_outcome(self, note=None):
        """The outcome in the chatter of the request and of the terminal or line."""
        message = self._outcome_message(note)
        self.message_post(body=message)
        record = self.terminal_id or self.service_line_id
        if record:
            record.message_post(body=message)

    def _outcome_notification(self):
        failed = self.filtered(lambda r: r.state in ("failed", "unknown"))
        message = "\n".join(r._outcome_message() for r in (failed or self))
        kind = (
            "danger"
            if failed.filtered(lambda r: r.state == "failed")
            else ("warning" if failed else "success")
        )
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

    def _settle_by_hand(self, state, note):
        if not self.env.su and not self.env.user.has_group(ADMIN_GROUP):
            raise AccessError(_("Only Organization Admins settle a Starlink request by hand."))
        for request in self:
            if not request._is_checkable():
                raise UserError(_("%s is not waiting for a check.", request.display_name))
            request = request.sudo()
            if state == "confirmed":
                request._settle("confirmed", note=note)
            else:
                request.write({"state": "to_send", "error": False})
                request.message_post(body=note)
                request._commit()

    # ------------------------------------------------------------------ helpers

    def _save_progress(self, progress):
        """Record a multi-call request's progress (JSON) and commit: a run cut off later
        resumes from it, and re-reads Starlink before any write marked sent."""
        self.ensure_one()
        self.write({"progress": json.dumps(progress, sort_keys=True)})
        self._commit()

    @api.model
    def _check_kind_access(self, kind):
        """AccessError unless the user holds the lowest role that may ask for ``kind``."""
        if self.env.su:
            return
        group = KIND_GROUPS.get(kind)
        if not group or not self.env.user.has_group(group):
            raise AccessError(
                _("You are not allowed to send this request to Starlink (%s).",
                  dict(KINDS).get(kind, kind))
            )  # fmt: skip

    def _check_not_wizard_kind(self):
        if self.kind in WIZARD_KINDS:
            raise UserError(
                _("%s is resumed from its service line: run Activate at Starlink again, it "
                  "re-reads Starlink first and continues from the last step done.",
                  self.display_name)
            )  # fmt: skip

    @api.model
    def _check_not_pending(self, kind, account, target):
        pending = self.sudo().search_count(
            [("kind", "=", kind), ("account_id", "=", account.id), ("target", "=", target),
             ("state", "in", PENDING_STATES)]
        )  # fmt: skip
        if pending:
            raise UserError(self._pending_message(kind, target))

    @api.model
    def _pending_message(self, kind, target):
        return _(
            "A %(kind)s for %(target)s is already being sent or waits for a check at "
            "Starlink: it is not sent twice.",
            kind=dict(KINDS).get(kind, kind),
            target=target,
        )

    @api.model
    def _commit(self):
        self.env["starlink.account"]._commit()
