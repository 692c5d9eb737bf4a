"""The steps of a suspension for non-payment and of a resumption, and the buttons of
Organization Admins (see the docstring of ``starlink_service_line_nonpayment``)."""

import json
from datetime import timedelta

from odoo import Command, _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_amount, format_date

from ..lib.nonpayment import (
    NEW_ACTIVATION,
    RESUME_OPT_IN,
    WAIT_FOR_CHECK,
    WITHDRAW_AND_RESUME,
    resume_step,
)
from .starlink_api_request import PENDING_STATES
from .starlink_api_request_nonpayment import NONPAYMENT_GROUP, NONPAYMENT_KINDS

SUSPENDED_TEMPLATE = "starlink_telemetry.mail_template_starlink_nonpayment_suspended"
RESUMED_TEMPLATE = "starlink_telemetry.mail_template_starlink_nonpayment_resumed"
# The Starlink request that carries each action at suspension.
ACTION_KINDS = {"opt_out": "opt_out", "cancel": "cancel"}
# What a cancellation asks of Starlink: the service ends today, with the reason.
CANCEL_PAYLOAD = {"endNow": True, "reason": "Non-payment"}


class StarlinkServiceLine(models.Model):
    _inherit = "starlink.service.line"

    # ------------------------------------------------------------------ buttons

    def action_suspend_nonpayment(self):
        """Organization Admins: suspend active lines for their unpaid invoices past their due
        date (grace days or not), as the scheduled action does, and send the Starlink
        action at once."""
        self._check_nonpayment_access()
        self._check_state(["active"], _("suspend for non-payment"))
        today = self._starlink_today()
        lines = self.sudo()
        overdue = lines._nonpayment_overdue_invoices(today, ignore_grace=True)
        unpaid = lines.filtered(lambda line: not overdue.get(line.id))
        if unpaid:
            raise UserError(
                _("%s has no unpaid invoice past its due date: use Suspend to suspend it for "
                  "another reason.", ", ".join(unpaid.mapped("display_name")))
            )  # fmt: skip
        for line in lines:
            line.with_company(line.company_id)._nonpayment_suspend(
                overdue[line.id], today, by_hand=True
            )
        return lines._nonpayment_send_now()

    def action_suspend(self):
        self._check_nonpayment_access()
        return super().action_suspend()

    def action_resume(self):
        """Organization Admins: resume suspended lines. A line suspended for non-payment is
        resumed as payment would (its Starlink action undone, the client mailed), even
        unpaid: it is then not suspended again before a new grace period is over."""
        self._check_nonpayment_access()
        nonpayment = self.filtered("nonpayment_date")
        others = self - nonpayment
        result = super(StarlinkServiceLine, others).action_resume() if others else True
        if not nonpayment:
            return result
        nonpayment._check_state(["suspended"], _("resume"))
        today = self._starlink_today()
        lines = nonpayment.sudo()
        for line in lines:
            line.with_company(line.company_id)._nonpayment_resume(today, by_hand=True)
        return lines._nonpayment_send_now()

    def _check_nonpayment_access(self):
        if not self.env.su and not self.env.user.has_group(NONPAYMENT_GROUP):
            raise AccessError(_("Only Organization Admins suspend or resume service lines."))
        self.check_access("write")

    def _nonpayment_send_now(self):
        """Commit, then send the lines' requests waiting to be sent; tell the user."""
        self.env["starlink.account"]._commit()
        requests = self.env["starlink.api.request"].sudo().search(
            [("service_line_id", "in", self.ids), ("state", "=", "to_send"),
             ("kind", "in", NONPAYMENT_KINDS)]
        )  # fmt: skip
        self._nonpayment_send(requests)
        if requests:
            return requests._outcome_notification()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    # ------------------------------------------------------------------ suspension

    def _nonpayment_suspend(self, invoices, today, by_hand=False):
        """Suspend this active line for ``invoices`` (unpaid): state, request, mail, note.
        Only database writes: the mail is queued and the request recorded ``to_send``."""
        self.ensure_one()
        company = self.company_id
        action = company.starlink_nonpayment_action or "none"
        self.write(
            {
                "state": "suspended",
                "nonpayment_date": today,
                "nonpayment_invoice_ids": [Command.set(invoices.ids)],
                "nonpayment_summary": self._nonpayment_invoice_summary(invoices, today),
                "nonpayment_action": action,
                "nonpayment_request_id": False,
                "nonpayment_mailed": False,
                "nonpayment_error": False,
                "nonpayment_exempt_until": False,
            }
        )
        request = self.env["starlink.api.request"]
        if action in ACTION_KINDS:
            payload = CANCEL_PAYLOAD if action == "cancel" else {}
            request = self._nonpayment_request(ACTION_KINDS[action], payload)
            self.nonpayment_request_id = request
        mailed = company.starlink_nonpayment_mail and self._nonpayment_mail(SUSPENDED_TEMPLATE)
        self.nonpayment_mailed = bool(mailed)
        self.message_post(body=self._nonpayment_suspended_note(request, mailed, by_hand))

    def _nonpayment_suspended_note(self, request, mailed, by_hand):
        labels = dict(self._fields["nonpayment_action"]._description_selection(self.env))
        who = _("by %s", self.env.user.name) if by_hand else _("by the daily check")
        parts = [
            _("Suspended for non-payment (%(who)s). Unpaid invoices: %(invoices)s.",
              who=who, invoices=(self.nonpayment_summary or "").replace("\n", "; ")),
            _("Action at Starlink: %(action)s%(request)s.",
              action=labels.get(self.nonpayment_action, self.nonpayment_action),
              request=_(" (request %s recorded, sent next)", request.display_name)
              if request else ""),
            _("The client was mailed: %s.", mailed.email_formatted) if mailed
            else _("The client was not mailed."),
            _("The line resumes once they are paid."),
        ]  # fmt: skip
        return " ".join(parts)

    def _nonpayment_invoice_summary(self, invoices, today):
        """One line per invoice: number, due date, what is left to pay, days late."""
        return "\n".join(
            _("%(name)s, due %(due)s (%(days)s days ago), %(amount)s left to pay",
              name=invoice.name, due=format_date(self.env, invoice.invoice_date_due),
              days=(today - invoice.invoice_date_due).days,
              amount=format_amount(self.env, invoice.amount_residual, invoice.currency_id))
            for invoice in invoices.sorted("invoice_date_due")
        )  # fmt: skip

    def _nonpayment_request(self, kind, payload=None):
        """The line's request of ``kind``, recorded ``to_send`` (not committed: the batch
        commits it); a pending one of the same kind is reused, never doubled."""
        self.ensure_one()
        Request = self.env["starlink.api.request"].sudo()
        pending = Request.search(
            [("kind", "=", kind), ("account_id", "=", self.account_id.id),
             ("target", "=", self.service_line_number), ("state", "in", PENDING_STATES)],
            limit=1,
        )  # fmt: skip
        if pending:
            return pending
        return Request.create(
            {
                "kind": kind,
                "account_id": self.account_id.id,
                "target": self.service_line_number,
                "service_line_id": self.id,
                "payload": json.dumps(payload or {}, sort_keys=True),
                "requested_by_id": self.env.user.id,
            }
        )

    def _nonpayment_mail(self, template_xmlid):
        """Queue the mail of ``template_xmlid`` to the client; return who gets it (or an
        empty recordset: nobody to mail)."""
        self.ensure_one()
        recipient = self._nonpayment_recipients()
        if recipient:
            self.env.ref(template_xmlid).sudo().send_mail(
                self.id, force_send=False, email_layout_xmlid="mail.mail_notification_light"
            )
        return recipient

    def _nonpayment_recipients(self):
        """Who is mailed: the line's client contact, or its company."""
        self.ensure_one()
        partner = self.partner_id
        return partner if partner.email else partner.commercial_partner_id.filtered("email")

    # ------------------------------------------------------------------ resumption

    def _nonpayment_resume(self, today, by_hand=False):
        """Resume this line suspended for non-payment: undo the Starlink action when it
        can, mail the client, clear the suspension. A line cancelled at Starlink stays
        cancelled (see the class docstring). Returns True when the suspension is over."""
        self.ensure_one()
        request = self.nonpayment_request_id
        step = resume_step(
            self.nonpayment_action or "none", request.state or None, request._was_opted_in()
        )
        if self.state == "cancelled":
            step = NEW_ACTIVATION
        if step == WAIT_FOR_CHECK:
            return self._nonpayment_wait_for_check(by_hand)
        if step == NEW_ACTIVATION:
            return self._nonpayment_close_cancelled(today, by_hand)
        if step == WITHDRAW_AND_RESUME:
            request.write(
                {"state": "failed", "date_done": fields.Datetime.now(),
                 "error": _("Not sent: the line resumed before it left.")}
            )  # fmt: skip
            request.message_post(body=_("Withdrawn: the line resumed before it was sent."))
        undo = self.env["starlink.api.request"]
        if step == RESUME_OPT_IN:
            undo = self._nonpayment_request("opt_in")
        self.write({"state": "active"})
        mailed = self.company_id.starlink_nonpayment_mail and self.with_context(
            starlink_nonpayment_by_hand=by_hand
        )._nonpayment_mail(RESUMED_TEMPLATE)
        self.message_post(body=self._nonpayment_resumed_note(undo, mailed, by_hand))
        self._nonpayment_clear(today, by_hand)
        return True

    def _nonpayment_resumed_note(self, undo, mailed, by_hand):
        why = (
            _("Resumed by %s before payment.", self.env.user.name)
            if by_hand
            else _("Resumed: the overdue invoices are paid.")
        )
        if undo:
            starlink = _("Opting in to priority data again at Starlink (request %s, sent next).",
                         undo.display_name)  # fmt: skip
        else:
            starlink = _("Nothing to undo at Starlink.")
        client = (
            _("The client was mailed: %s.", mailed.email_formatted)
            if mailed
            else _("The client was not mailed.")
        )
        return f"{why} {starlink} {client}"

    def _nonpayment_wait_for_check(self, by_hand):
        message = _(
            "The overdue invoices are paid, but Starlink's answer to the cancellation was "
            "lost: use Check at Starlink on the request %s. If the line was not cancelled "
            "there, resume it by hand.",
            self.nonpayment_request_id.display_name,
        )
        if by_hand:
            raise UserError(message)
        if self.nonpayment_error != message:
            self.nonpayment_error = message
            self.message_post(body=message, subtype_xmlid="mail.mt_note")
        return False

    def _nonpayment_close_cancelled(self, today, by_hand):
        """The invoices of a line cancelled at Starlink are paid: it stays cancelled; Sales
        are asked to offer a new activation, the client is told."""
        if by_hand:
            raise UserError(
                _("%s was cancelled at Starlink: it cannot be resumed. Sell a new activation.",
                  self.display_name)
            )  # fmt: skip
        if self.state != "cancelled":
            self.action_cancel()
        mailed = self.company_id.starlink_nonpayment_mail and self._nonpayment_mail(
            RESUMED_TEMPLATE
        )
        note = _(
            "The overdue invoices are paid, but this line was cancelled at Starlink for "
            "non-payment: it cannot be resumed. A new activation is needed."
        )
        self.message_post(body=note)
        self.with_context(mail_notify_force_send=False).activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Offer a new activation"),
            note=note + " " + (
                _("The client was mailed: %s.", mailed.email_formatted) if mailed else ""
            ),
            user_id=self._nonpayment_sales_user().id,
        )  # fmt: skip
        self._nonpayment_clear(today, by_hand)
        return True

    def _nonpayment_sales_user(self):
        """Who offers a new activation: the salesperson of the line's order or client, else
        an Organization Admin of the company."""
        user = self.sale_order_id.user_id or self.partner_id.commercial_partner_id.user_id
        if user:
            return user
        admins = (
            self.env.ref(NONPAYMENT_GROUP)
            .sudo()
            .users.filtered(lambda u: self.company_id in u.company_ids and not u.share)
        )
        return admins.sorted("id")[:1] or self.env.user

    def _nonpayment_clear(self, today, by_hand):
        grace = self.company_id.starlink_nonpayment_grace_days
        self.write(
            {
                "nonpayment_date": False,
                "nonpayment_invoice_ids": [Command.clear()],
                "nonpayment_summary": False,
                "nonpayment_action": False,
                "nonpayment_request_id": False,
                "nonpayment_mailed": False,
                "nonpayment_error": False,
                "nonpayment_exempt_until": today + timedelta(days=grace) if by_hand else False,
            }
        )

    def _nonpayment_cancelled_at_starlink(self, request):
        """Starlink confirmed the cancellation: the line is cancelled in Odoo too (its
        billing ends). Starlink applied it already: a failure here is only noted."""
        self.ensure_one()
        if self.state == "cancelled":
            return
        self = self.with_company(self.company_id)
        try:
            with self.env.cr.savepoint():
                self.action_cancel()
                self.message_post(
                    body=_("Cancelled at Starlink for non-payment (%s): the line cannot be "
                           "resumed.", request.display_name)
                )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - Starlink applied it: never undone here
            self.message_post(
                body=_("Cancelled at Starlink, but Odoo could not cancel the line: %s. Cancel "
                       "it by hand.", error)
            )  # fmt: skip
        self.env["starlink.account"]._commit()
