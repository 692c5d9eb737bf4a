"""Suspension of service lines for non-payment (issue 8, DESIGN §5 and §7)."""

import logging

from odoo import _, api, fields, models

from ..lib.nonpayment import SETTLED_PAYMENT_STATES, is_settled, overdue_before
from .cron_utils import error_text, report_progress, run_in_batches
from .res_company import NONPAYMENT_ACTIONS
from .starlink_api_request_nonpayment import NONPAYMENT_KINDS

_logger = logging.getLogger(__name__)

# Lines suspended or resumed per batch (one commit each) and per run of the scheduled action.
NONPAYMENT_BATCH_SIZE = 50
NONPAYMENT_BATCHES_PER_RUN = 20
CRON_XMLID = "starlink_telemetry.ir_cron_starlink_nonpayment"


class StarlinkServiceLine(models.Model):
    """Suspension for non-payment.

    Each day (and by hand, for Organization Admins), an active line billed on a posted
    customer invoice still unpaid past its due date plus the company's grace days is
    suspended: the reseller-side state ``suspended``, a chatter note naming the overdue
    invoices, one mail to the client and the action the company chose at Starlink (none,
    opt out of priority data, cancel the line) as a ``starlink.api.request``. Everything of a
    line is written in one savepoint (the mail queued, the request recorded ``to_send``), a
    batch is committed, then the requests are sent: a mail or a request is recorded before
    it leaves and never sent twice. A line already suspended, by hand or for non-payment,
    is never suspended or mailed again; a failing line is left as it was, with the reason
    on it, and the others go on.

    Paying the overdue invoices (``account.move._invoice_paid_hook``, and the daily run as a
    safety net for credit notes and anything the hook missed) resumes the line: active
    again, the action undone (opted in again when it was opted in before the opt-out), the
    client mailed. Decisions:

    - A line cancelled at Starlink is never resumed: Starlink has no way back, and a new
      line means a new activation (a new service line number, terminal attached again,
      possibly new fees). Once paid, it stays cancelled; the chatter says so, Sales get an
      activity to offer a new activation and the client is told. The line is cancelled in
      Odoo as soon as Starlink confirms the cancellation, which ends its billing.
    - While the cancellation's outcome is unknown (answer lost), a paid line waits: someone
      checks the request at Starlink first (the reason shows on the line).
    - A request still waiting to be sent when the line is paid is withdrawn, never sent.
    - A suspended line is still billed (Starlink keeps billing the reseller for it).
    - An Organization Admin may resume a line before it is paid; it is then not suspended
      again for non-payment before a new grace period is over.
    """

    _inherit = "starlink.service.line"

    nonpayment_date = fields.Date(
        string="Suspended for Non-payment On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Day the line was suspended because invoices were left unpaid; cleared when it "
        "resumes. Lines suspended by hand for another reason have none.",
    )
    nonpayment_invoice_ids = fields.Many2many(
        "account.move",
        "starlink_service_line_nonpayment_invoice_rel",
        "service_line_id",
        "move_id",
        string="Overdue Invoices",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice",
        help="The unpaid invoices the line was suspended for: once they are all paid (and "
        "no other is overdue), the line resumes.",
    )
    nonpayment_summary = fields.Text(
        string="Unpaid Invoices",
        readonly=True,
        copy=False,
        help="The overdue invoices the line was suspended for, with their due dates and "
        "what was left to pay then.",
    )
    nonpayment_action = fields.Selection(
        NONPAYMENT_ACTIONS,
        string="Action at Starlink",
        readonly=True,
        copy=False,
        help="What was sent to Starlink when the line was suspended (the company's setting "
        "then); resuming undoes it when it can.",
    )
    nonpayment_request_id = fields.Many2one(
        "starlink.api.request",
        string="Starlink Request",
        readonly=True,
        copy=False,
        help="The request that carries the action at Starlink: see its state for whether "
        "Starlink applied it.",
    )
    nonpayment_request_state = fields.Selection(
        related="nonpayment_request_id.state", string="Request State", tracking=False
    )
    nonpayment_mailed = fields.Boolean(
        string="Client Mailed",
        readonly=True,
        copy=False,
        help="The client was mailed about this suspension (once per suspension).",
    )
    nonpayment_error = fields.Text(
        string="Non-payment Issue",
        readonly=True,
        copy=False,
        help="Why the last suspension or resumption of this line did not go through.",
    )
    nonpayment_exempt_until = fields.Date(
        string="Not Suspended Before",
        readonly=True,
        copy=False,
        help="Resumed by hand while unpaid: the line is not suspended for non-payment again "
        "before this day (a new grace period).",
    )

    # ------------------------------------------------------------------ scheduled action

    @api.model
    def _cron_suspend_overdue(
        self, date=None, batch_size=NONPAYMENT_BATCH_SIZE, max_batches=NONPAYMENT_BATCHES_PER_RUN
    ):
        """Scheduled action: resume the lines whose overdue invoices are paid, suspend the
        lines with invoices unpaid past the grace days, send their Starlink requests.

        ``date`` (or ``starlink_date`` in the context, else today) is the day it runs for.
        Returns ``{"resumed": n, "suspended": n, "failed": n}``.
        """
        today = fields.Date.to_date(date) or self._starlink_today()
        self = self.sudo().with_context(starlink_date=today)
        limit = batch_size * max_batches
        self._nonpayment_send_pending(limit)  # left by a crash, or by a payment
        resumed = self._nonpayment_resume_in_batches(
            self._get_nonpayment_resume_candidates(today, limit), today, batch_size
        )
        suspended = self._nonpayment_suspend_in_batches(
            self._get_nonpayment_suspend_candidates(today, limit), today, batch_size
        )
        self._nonpayment_send_pending(limit)
        remaining = len(self._get_nonpayment_suspend_candidates(today, limit)) + len(
            self._get_nonpayment_resume_candidates(today, limit)
        )
        report_progress(
            self.env, CRON_XMLID, done=resumed.count + suspended.count, remaining=remaining
        )
        return {
            "resumed": len(resumed.done),
            "suspended": len(suspended.done),
            "failed": len(resumed.failed) + len(suspended.failed),
        }

    @api.model
    def _get_nonpayment_suspend_candidates(self, today, limit=None):
        """Active lines of the companies that suspend, with an invoice overdue past grace."""
        lines = self.browse()
        companies = (
            self.env["res.company"].sudo().search([("starlink_nonpayment_enabled", "=", True)])
        )
        for company in companies:
            invoice_lines = self.env["account.move.line"].sudo().search(
                self._overdue_invoice_line_domain(
                    overdue_before(today, company.starlink_nonpayment_grace_days)
                )
                + [("contract_line_id.starlink_service_line_id.state", "=", "active"),
                   ("contract_line_id.starlink_service_line_id.company_id", "=", company.id)]
            )  # fmt: skip
            lines |= invoice_lines.contract_line_id.starlink_service_line_id
        lines = lines.filtered(
            lambda line: not line.nonpayment_exempt_until or line.nonpayment_exempt_until < today
        )
        return lines.sorted("id")[:limit] if limit else lines.sorted("id")

    @api.model
    def _get_nonpayment_resume_candidates(self, today, limit=None):
        """Lines suspended for non-payment that owe nothing past grace any more."""
        lines = self.search([("nonpayment_date", "!=", False)], order="id")
        owing = lines._nonpayment_overdue_invoices(today)
        lines = lines.filtered(lambda line: line._nonpayment_settled(owing.get(line.id)))
        return lines[:limit] if limit else lines

    @api.model
    def _overdue_invoice_line_domain(self, due_before):
        return [
            ("move_id.move_type", "=", "out_invoice"),
            ("move_id.state", "=", "posted"),
            ("move_id.payment_state", "not in", SETTLED_PAYMENT_STATES),
            ("move_id.invoice_date_due", "<", due_before),
            ("contract_line_id.starlink_service_line_id", "!=", False),
        ]

    def _nonpayment_overdue_invoices(self, today, ignore_grace=False):
        """``{line id: account.move}``: each line's unsettled invoices due before its
        company's grace (``ignore_grace``: due before today)."""
        result = {}
        for company in self.company_id:
            lines = self.filtered(lambda line, company=company: line.company_id == company)
            grace = None if ignore_grace else company.starlink_nonpayment_grace_days
            invoice_lines = (
                self.env["account.move.line"]
                .sudo()
                .search(
                    self._overdue_invoice_line_domain(overdue_before(today, grace))
                    + [("contract_line_id.starlink_service_line_id", "in", lines.ids)]
                )
            )
            for invoice_line in invoice_lines:
                line_id = invoice_line.contract_line_id.starlink_service_line_id.id
                result[line_id] = result.get(line_id, self.env["account.move"]) | (
                    invoice_line.move_id
                )
        return result

    def _nonpayment_settled(self, still_overdue):
        """True when the invoices the line was suspended for are settled and no other is
        overdue past grace (``still_overdue``)."""
        self.ensure_one()
        invoices = self.sudo().nonpayment_invoice_ids
        return not still_overdue and all(
            is_settled(invoice.state, invoice.payment_state) for invoice in invoices
        )

    # ------------------------------------------------------------------ batches

    def _nonpayment_suspend_in_batches(self, lines, today, batch_size, commit=True):
        return run_in_batches(
            self.env, lines, lambda batch: batch._nonpayment_suspend_batch(today),
            batch_size=batch_size, on_failure=self._nonpayment_failed, commit=commit,
            logger=_logger, what="Suspension for non-payment of line",
        )  # fmt: skip

    def _nonpayment_resume_in_batches(self, lines, today, batch_size, commit=True):
        return run_in_batches(
            self.env, lines, lambda batch: batch._nonpayment_resume_batch(today),
            batch_size=batch_size, on_failure=self._nonpayment_failed, commit=commit,
            logger=_logger, what="Resumption after payment of line",
        )  # fmt: skip

    def _nonpayment_suspend_batch(self, today):
        overdue = self._nonpayment_overdue_invoices(today)
        for line in self:
            # Suspended meanwhile (by hand, or by another run): never suspended twice.
            if line.state == "active" and overdue.get(line.id):
                line.with_company(line.company_id)._nonpayment_suspend(overdue[line.id], today)

    def _nonpayment_resume_batch(self, today):
        owing = self._nonpayment_overdue_invoices(today)
        for line in self:
            if line.nonpayment_date and line._nonpayment_settled(owing.get(line.id)):
                line.with_company(line.company_id)._nonpayment_resume(today)

    @api.model
    def _nonpayment_failed(self, line, error):
        """Show staff why the line was not suspended or resumed; the next run tries again."""
        line.nonpayment_error = error_text(error)
        line.message_post(
            body=_("Suspension for non-payment: this line could not be handled: %s",
                   error_text(error)),
            subtype_xmlid="mail.mt_note",
        )  # fmt: skip

    @api.model
    def _nonpayment_send_pending(self, limit=None):
        """Send the non-payment requests recorded and not sent yet, one by one (each is
        committed as sending before it leaves); a failure is kept on the request."""
        requests = self.env["starlink.api.request"].sudo().search(
            [("kind", "in", NONPAYMENT_KINDS), ("state", "=", "to_send")], order="id", limit=limit
        )  # fmt: skip
        return self._nonpayment_send(requests)

    @api.model
    def _nonpayment_send(self, requests):
        """Send ``requests`` one by one; one that cannot be sent (e.g. the account has no
        credentials) is marked failed with the reason, and the others go on."""
        for request in requests:
            try:
                request._send()
            except Exception as error:  # noqa: BLE001 - one request never stops the others
                _logger.warning("Starlink request %s failed: %s", request.id, error_text(error))
                self.env["starlink.account"]._rollback()
                request._settle("failed", error=error_text(error))
        return requests

    @api.model
    def _nonpayment_resume_for_invoices(self, invoices):
        """Resume the lines suspended for ``invoices`` once nothing of theirs is overdue
        (called when invoices become paid). Never stops the payment: a failing line keeps
        the reason and is tried again by the daily run. The requests are sent by the
        scheduled action, triggered now, after the payment is committed."""
        lines = self.sudo().search(
            [("nonpayment_date", "!=", False), ("nonpayment_invoice_ids", "in", invoices.ids)]
        )
        if not lines:
            return lines
        today = self._starlink_today()
        run = lines._nonpayment_resume_in_batches(lines, today, NONPAYMENT_BATCH_SIZE, commit=False)
        if run.done:
            self.env.ref(CRON_XMLID).sudo()._trigger()
        return lines
