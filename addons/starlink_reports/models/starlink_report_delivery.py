from odoo import api, fields, models

MAIL_STATUSES = [
    ("none", "Not sent"),
    ("ready", "Queued"),
    ("sent", "Sent"),
    ("bounce", "Bounced"),
    ("exception", "Exception"),
    ("canceled", "Cancelled"),
]
# The worst status of a delivery's recipients wins.
_STATUS_ORDER = ("exception", "bounce", "canceled", "ready", "process", "pending", "sent")


class StarlinkReportDelivery(models.Model):
    """One report of one period for one schedule: reserved before it is rendered, its mail
    recorded before it is sent, so that a period is never mailed twice (``key`` is unique).

    The delivery log: the mail's recipients and their status come from Odoo's own
    ``mail.notification`` (sent, bounced, exception), the mail itself from ``mail.mail``.
    """

    _name = "starlink.report.delivery"
    _description = "Starlink Report Delivery"
    _inherit = ["mail.thread"]
    _order = "period_end desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    key = fields.Char(required=True, readonly=True, copy=False, index=True)
    schedule_id = fields.Many2one(
        "starlink.report.schedule", ondelete="set null", readonly=True, index=True,
        check_company=True,
    )  # fmt: skip
    template_id = fields.Many2one("starlink.report.template", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    period_start = fields.Date(required=True, readonly=True)
    period_end = fields.Date(required=True, readonly=True)
    state = fields.Selection(
        [
            ("pending", "To render"),
            ("queued", "Mail recorded"),
            ("sent", "Sent"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        readonly=True,
        tracking=True,
        help="To render: reserved for its period. Mail recorded: the PDF and its mail exist, "
        "the mail is handed to the mail server. Sent: the mail left. Failed: given up after "
        "its retries (the schedule's followers were told).",
    )
    attempt_count = fields.Integer(string="Failed Attempts", readonly=True)
    next_attempt_date = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    date_sent = fields.Datetime(readonly=True)
    attachment_id = fields.Many2one("ir.attachment", string="PDF", readonly=True)
    report_message_id = fields.Many2one("mail.message", string="Mail", readonly=True)
    notification_ids = fields.One2many(
        related="report_message_id.notification_ids", string="Recipients"
    )
    mail_status = fields.Selection(
        MAIL_STATUSES,
        compute="_compute_mail_status",
        store=True,
        help="The worst status among the mail's recipients (Odoo's notifications).",
    )

    _sql_constraints = [
        ("key_uniq", "unique(key)", "A report is delivered once per schedule and period.")
    ]

    @api.depends("partner_id", "period_start", "period_end")
    def _compute_name(self):
        for delivery in self:
            delivery.name = self.env._(
                "%(client)s, %(start)s – %(end)s",
                client=delivery.partner_id.display_name or "",
                start=delivery.period_start or "",
                end=delivery.period_end or "",
            )

    @api.depends("report_message_id.notification_ids.notification_status")
    def _compute_mail_status(self):
        for delivery in self:
            statuses = set(
                delivery.report_message_id.notification_ids.mapped("notification_status")
            )
            worst = next((s for s in _STATUS_ORDER if s in statuses), None)
            if worst in ("process", "pending"):
                worst = "ready"
            delivery.mail_status = worst or "none"

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=False):
        """No button to the backend record in the client's mail: the PDF is attached and the
        history is on the portal."""
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        for _name, _check, data in groups:
            data["has_button_access"] = False
        return groups

    # ------------------------------------------------------------------ actions

    def action_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }

    def _report_mails(self):
        """The ``mail.mail`` records of the delivery's mail (kept after sending)."""
        self.ensure_one()
        if not self.report_message_id:
            return self.env["mail.mail"].sudo()
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", self.report_message_id.id)])
        )

    def _portal_download_url(self):
        self.ensure_one()
        return f"/my/starlink/reports/{self.id}/download"

    def _portal_attachment(self):
        """The PDF of this delivery for a user who may read the delivery (his record rules:
        a client's own reports); raises ``AccessError`` or ``MissingError`` otherwise."""
        self.ensure_one()
        self.check_access("read")
        return self.exists().sudo().attachment_id
