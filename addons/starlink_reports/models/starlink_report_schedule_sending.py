"""Scheduled reports: the cron that renders and mails them, never twice for one period.

Each report goes through steps, each in its own savepoint and committed apart outside tests::

    _cron_send_reports()             the due schedules, a batch per run, progress, trigger
      _send_report(now)              one schedule's due report
        _reserve_delivery()          the delivery of (schedule, period): unique key, committed
        _prepare_delivery_mail()     PDF rendered and attached, mail recorded, committed
        _send_delivery_mail()        the recorded mail handed to the mail server
        _report_done()               delivery sent, schedule moved to the next period
        _report_failed()             retry later with backoff, or give up and tell staff

A crash after the mail left and before ``_report_done`` leaves the delivery with its mail
already sent: the next run finds it by its key, sends nothing, and only records it.
"""

import base64
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.starlink_telemetry.models.cron_utils import error_text, report_progress

from ..lib import schedule as schedule_rules

_logger = logging.getLogger(__name__)
CRON_XMLID = "starlink_reports.ir_cron_send_reports"
BATCH_SIZE = 20


class StarlinkReportSchedule(models.Model):
    _inherit = "starlink.report.schedule"

    @api.model
    def _cron_send_reports(self, batch_size=BATCH_SIZE, now=None, commit=True):
        now = now or fields.Datetime.now()
        due = self.search(self._get_due_reports_domain(now), limit=batch_size + 1)
        todo = due[:batch_size]
        for schedule in todo:
            try:
                schedule._send_report(now, commit=commit)
            except Exception:  # noqa: BLE001 - one schedule never stops the others
                _logger.warning("Scheduled report %s stopped", schedule.display_name, exc_info=True)
                if commit:
                    self.env.cr.rollback()
        report_progress(self.env, CRON_XMLID, len(todo), len(due) - len(todo))
        return len(todo)

    def _get_due_reports_domain(self, now):
        today = fields.Date.context_today(self, now)
        return [
            ("active", "=", True),
            ("next_date", "<=", today),
            "|",
            ("retry_date", "=", False),
            ("retry_date", "<=", now),
        ]

    def _commit(self, commit):
        if commit:
            self.env["starlink.account"]._commit()

    def _send_report(self, now, commit=True):
        """Render, record, send and log the report due for this schedule's ``next_date``."""
        self.ensure_one()
        delivery = self._reserve_delivery()
        self._commit(commit)
        if delivery.state in ("sent", "failed"):
            # Recorded in a run that stopped before moving the schedule on: only move it.
            with self.env.cr.savepoint():
                self._advance(delivery.period_end)
            self._commit(commit)
            return delivery
        try:
            with self.env.cr.savepoint():
                if delivery.state == "pending":
                    self._prepare_delivery_mail(delivery)
        except Exception as error:  # noqa: BLE001 - a failed render is retried
            _logger.warning("Report %s not rendered: %s", delivery.key, error_text(error))
            with self.env.cr.savepoint():
                self._report_failed(delivery, error, now)
            self._commit(commit)
            return delivery
        self._commit(commit)
        self._send_delivery_mail(delivery, commit)
        failed = delivery._report_mails().filtered(lambda mail: mail.state == "exception")
        with self.env.cr.savepoint():
            if failed:
                reason = failed[0].failure_reason or failed[0].failure_type or "exception"
                self._report_failed(delivery, reason, now)
            else:
                self._report_done(delivery, now)
        self._commit(commit)
        return delivery

    def _reserve_delivery(self):
        """The delivery of the period due: found by its key, or created (and so reserved)."""
        self.ensure_one()
        start, end = self._report_period()
        key = schedule_rules.delivery_key(self.id, start, end)
        Delivery = self.env["starlink.report.delivery"].sudo()
        delivery = Delivery.search([("key", "=", key)], limit=1)
        if delivery:
            return delivery
        return Delivery.create(self._prepare_delivery_values(key, start, end))

    def _prepare_delivery_values(self, key, start, end):
        return {
            "key": key,
            "schedule_id": self.id,
            "template_id": self.template_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "company_id": self.company_id.id,
            "period_start": start,
            "period_end": end,
        }

    def _render_report_pdf(self, delivery):
        """The PDF of the delivery's period, in the client's language."""
        client = delivery.partner_id
        report = self.env["ir.actions.report"].with_context(lang=client.lang or "en_US")
        pdf, _type = report._render_qweb_pdf(
            "starlink_reports.starlink_usage_report_action",
            client.ids,
            data={
                "date_from": delivery.period_start.isoformat(),
                "date_to": delivery.period_end.isoformat(),
                "template_id": delivery.template_id.id,
            },
        )
        return pdf

    def _prepare_delivery_mail(self, delivery):
        """Render the PDF, attach it to the delivery and record its mail (not sent yet)."""
        pdf = self._render_report_pdf(delivery)
        template = self.env.ref("starlink_reports.mail_template_usage_report")
        rendered = {
            field: template._render_field(field, delivery.ids, compute_lang=True)[delivery.id]
            for field in ("subject", "body_html")
        }
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.with_context(lang=delivery.partner_id.lang)._report_filename(delivery),
                "type": "binary",
                "datas": base64.b64encode(pdf),
                "mimetype": "application/pdf",
                "res_model": delivery._name,
                "res_id": delivery.id,
            }
        )
        message = delivery.message_notify(
            partner_ids=self.recipient_ids.ids,
            subject=rendered["subject"],
            body=rendered["body_html"],
            attachment_ids=attachment.ids,
            email_layout_xmlid="mail.mail_notification_light",
            force_send=False,
            force_email_lang=delivery.partner_id.lang,
            mail_auto_delete=False,
        )
        delivery.write(
            {
                "state": "queued",
                "attachment_id": attachment.id,
                "report_message_id": message.id,
                "error": False,
            }
        )

    def _report_filename(self, delivery):
        return self.env._(
            "Usage report %(start)s to %(end)s.pdf",
            start=delivery.period_start.isoformat(),
            end=delivery.period_end.isoformat(),
        )

    def _send_delivery_mail(self, delivery, commit=True):
        """Hand the delivery's recorded mails to the mail server: the outgoing ones, and those
        a former attempt left in exception (they did not leave). A sent mail is never sent
        again."""
        mails = delivery._report_mails().filtered(lambda m: m.state in ("outgoing", "exception"))
        if not mails:
            return
        mails.filtered(lambda m: m.state == "exception").write(
            {"state": "outgoing", "failure_reason": False, "failure_type": False}
        )
        mails.send(auto_commit=commit, raise_exception=False)
        delivery.invalidate_recordset()

    def _report_done(self, delivery, now):
        delivery.write({"state": "sent", "date_sent": now, "error": False})
        self.write({"last_sent_date": now})
        self._advance(delivery.period_end)

    def _advance(self, period_end):
        """Move the schedule to the period after ``period_end``."""
        self.write(
            {
                "next_date": self._following_send_date(period_end),
                "retry_date": False,
                "last_error": False,
            }
        )

    def _report_failed(self, delivery, error, now):
        """Retry later (doubling delays), or give up: the delivery fails, the responsible is
        told, and the schedule goes on with its next period."""
        attempt = delivery.attempt_count + 1
        reason = error if isinstance(error, str) else error_text(error)
        if schedule_rules.gives_up(attempt):
            delivery.write(
                {"state": "failed", "attempt_count": attempt, "error": reason,
                 "next_attempt_date": False}
            )  # fmt: skip
            self._notify_failure(delivery, reason)
            self._advance(delivery.period_end)
            return
        retry = now + timedelta(minutes=schedule_rules.retry_delay_minutes(attempt))
        delivery.write({"attempt_count": attempt, "error": reason, "next_attempt_date": retry})
        self.write({"retry_date": retry, "last_error": reason})

    def _notify_failure(self, delivery, reason):
        message = self.env._(
            "The report of %(start)s to %(end)s could not be sent after %(count)s attempts: "
            "%(reason)s",
            start=delivery.period_start,
            end=delivery.period_end,
            count=delivery.attempt_count,
            reason=reason,
        )
        self.message_post(body=message)
        self.activity_schedule(
            "mail.mail_activity_data_warning",
            summary=self.env._("Report not sent"),
            note=message,
            user_id=(self.user_id or self.env.user).id,
        )
        self.write({"last_error": reason})
