import logging

from odoo import api, fields, models

from .cron_utils import error_text, report_progress, run_in_batches

# Alerts log under one name, evaluated or notified.
_logger = logging.getLogger(f"{__package__}.starlink_alert")

# Alerts notified per batch (one commit each) and per run of the scheduled action.
NOTIFY_BATCH_SIZE = 50
NOTIFY_BATCHES_PER_RUN = 10
NOTIFY_STATES = [
    ("pending", "To Notify"),
    ("done", "Notified"),
    ("superseded", "Superseded"),
    ("failed", "Failed"),
]


class StarlinkAlertNotification(models.AbstractModel):
    """How an alert is told: an activity and a note for staff, a mail for the client; in
    batches that survive a failing alert, recorded before it is sent, never sent twice.
    Inherited by ``starlink.alert``."""

    _name = "starlink.alert.notification"
    _description = "Starlink Alert Notification"

    client_mailed = fields.Boolean(readonly=True, copy=False)
    notify_state = fields.Selection(
        NOTIFY_STATES, string="Notification", readonly=True, copy=False, index=True,
        help="To Notify: staff and client are told by the next run of the notification "
        "action. Superseded: a higher usage threshold of the same cycle was told instead. "
        "Failed: see the reason; fix it, then retry.",
    )  # fmt: skip
    notify_error = fields.Text(string="Notification Error", readonly=True, copy=False)

    # ------------------------------------------------------------------ notifications

    @api.model
    def _cron_notify(self, batch_size=NOTIFY_BATCH_SIZE, max_batches=NOTIFY_BATCHES_PER_RUN):
        """Scheduled action: tell staff and clients about the alerts waiting to be notified.

        After ``max_batches`` the run stops, reports its progress and triggers itself for
        the rest (see ``_notify_pending``).
        """
        run, remaining = self._notify_pending(batch_size, max_batches)
        report_progress(
            self.env, "starlink_telemetry.ir_cron_starlink_alert_notify",
            done=run.count, remaining=remaining,
        )  # fmt: skip
        return run

    @api.model
    def _notify_pending(
        self, batch_size=NOTIFY_BATCH_SIZE, max_batches=NOTIFY_BATCHES_PER_RUN, commit=True
    ):
        """Notify up to ``max_batches`` batches of waiting alerts; return ``(run, remaining)``.

        One alert is one unit: its staff activity, chatter note, client mail (queued) and
        ``client_mailed`` are written together in a savepoint, so a mail is recorded before
        it is sent, and never sent twice; a commit follows each batch (with ``commit``). An
        alert whose notification fails (e.g. its mail template raises for this client) is
        marked failed with the reason and does not stop the others. The mail shows the
        line's cycle figures as of ``starlink_date`` in the context (default: the line's
        company's today).
        """
        domain = self._get_alerts_to_notify_domain()
        alerts = self.search(domain, limit=batch_size * max_batches, order="id")
        alerts = alerts._with_superseded_siblings()
        run = run_in_batches(
            self.env, alerts._notification_units(), self._notify_batch,
            batch_size=batch_size, on_failure=self._notify_failed, commit=commit, logger=_logger,
            what="Starlink alert notification of", describe=lambda unit: unit._describe(),
        )  # fmt: skip
        return run, self.search_count(domain)

    @api.model
    def _get_alerts_to_notify_domain(self):
        return [("notify_state", "=", "pending")]

    def _with_superseded_siblings(self):
        """These alerts and the pending usage alerts they may supersede (same line and cycle)."""
        usage = self.filtered(lambda alert: alert.rule_type == "usage")
        if not usage:
            return self
        siblings = self.search(
            self._get_alerts_to_notify_domain()
            + [("rule_type", "=", "usage"), ("service_line_id", "in", usage.service_line_id.ids),
               ("key", "in", list(set(usage.mapped("key"))))]
        )  # fmt: skip
        return self | siblings

    def _notification_units(self):
        """The alerts in notification units: each alert alone, except usage alerts of one line
        and cycle, told together (only the highest threshold is told)."""
        units, seen = [], {}
        for alert in self.sorted("id"):
            if alert.rule_type != "usage":
                units.append(alert)
                continue
            ident = (alert.service_line_id.id, alert.key)
            if ident in seen:
                units[seen[ident]] |= alert
            else:
                seen[ident] = len(units)
                units.append(alert)
        return units

    def _describe(self):
        return ", ".join(f"{alert.name} [{alert.id}]" for alert in self)

    @api.model
    def _notify_batch(self, units):
        for unit in units:
            unit._notify()

    @api.model
    def _notify_failed(self, unit, error):
        unit.write({"notify_state": "failed", "notify_error": error_text(error)})
        for alert in unit:
            alert.message_post(
                body=self.env._("The notification failed: %(reason)s", reason=error_text(error)),
                subtype_xmlid="mail.mt_note",
            )

    def _notify(self):
        """Tell staff (activity + chatter) and the client (mail) about these new alerts.

        When a line passes several usage thresholds at once, only the highest one is told;
        the others are marked superseded.
        """
        told = self._to_notify()
        (self - told).write({"notify_state": "superseded", "notify_error": False})
        # Unless the caller pins starlink_date, each line's cycle figures count from its own
        # company's day (starlink.service.line._starlink_today), not the sender's.
        for alert in told:
            rule, line = alert.rule_id, alert.service_line_id
            if rule.notify_staff:
                alert._notify_staff()
            mailed = False
            if rule.notify_client and alert._client_wants_mail():
                template = rule.mail_template_id or self.env.ref(
                    "starlink_telemetry.mail_template_starlink_alert"
                )
                template.send_mail(
                    alert.id, force_send=False, email_layout_xmlid="mail.mail_notification_light"
                )
                mailed = True
            alert.write({"notify_state": "done", "notify_error": False, "client_mailed": mailed})
            _logger.info("Starlink alert opened: %s (%s)", alert.name, line.service_line_number)

    def _to_notify(self):
        usage = self.filtered(lambda a: a.rule_type == "usage")
        highest = {}
        for alert in usage:
            known = highest.get(alert.service_line_id)
            if not known or alert.threshold > known.threshold:
                highest[alert.service_line_id] = alert
        return (self - usage) | self.browse(alert.id for alert in highest.values())

    def _notify_staff(self):
        self.ensure_one()
        line = self.service_line_id
        user = (
            self.rule_id.responsible_id
            or line.partner_id.user_id
            or self.rule_id.create_uid
            or self.env.user
        )
        line.with_context(mail_notify_force_send=False).activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.name,
            note=self.message,
            user_id=user.id,
        )
        line.message_post(body=self.message, subject=self.name, subtype_xmlid="mail.mt_note")

    def _client_wants_mail(self):
        self.ensure_one()
        client = self.partner_id.commercial_partner_id
        return bool(
            client
            and client.starlink_alert_mail
            and self.rule_id not in client.starlink_muted_rule_ids
            and self._mail_recipients()
        )

    def _mail_recipients(self):
        """Who receives the client mail: the line's client contact, or its company."""
        self.ensure_one()
        partner = self.partner_id
        return partner if partner.email else partner.commercial_partner_id.filtered("email")

    def action_retry_notification(self):
        """Notify these failed alerts again (after the cause was fixed), in the next run."""
        self.check_access("write")
        failed = self.filtered(lambda alert: alert.notify_state == "failed")
        failed.write({"notify_state": "pending", "notify_error": False})
        if failed:
            self.env.ref("starlink_telemetry.ir_cron_starlink_alert_notify")._trigger()
        return True
