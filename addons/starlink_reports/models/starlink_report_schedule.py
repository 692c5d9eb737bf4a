from collections import Counter
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.exceptions import ValidationError

from ..lib import schedule as schedule_rules


class StarlinkReportSchedule(models.Model):
    """A client's usage report mailed every week, billing cycle or number of days."""

    _name = "starlink.report.schedule"
    _description = "Starlink Scheduled Report"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "next_date, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True, readonly=False, precompute=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        tracking=True,
        index=True,
        domain="[('is_company', '=', True)]",
    )
    template_id = fields.Many2one(
        "starlink.report.template",
        required=True,
        tracking=True,
        domain="[('company_id', 'in', (False, company_id))]",
    )
    frequency = fields.Selection(
        [("weekly", "Weekly"), ("monthly", "Monthly (billing cycle)"), ("custom", "Custom")],
        compute="_compute_frequency",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
    )
    interval_days = fields.Integer(
        string="Every (days)",
        compute="_compute_frequency",
        store=True,
        readonly=False,
        precompute=True,
    )
    billing_day = fields.Integer(
        compute="_compute_billing_day",
        store=True,
        readonly=False,
        precompute=True,
        help="Day the client's billing cycle starts (most of his lines' billing day).",
    )
    recipient_ids = fields.Many2many(
        "res.partner",
        string="Recipients",
        compute="_compute_recipient_ids",
        store=True,
        readonly=False,
        help="Who receives the report; by default the client's contacts with an email.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        help="Told when a report cannot be sent after its retries.",
    )
    next_date = fields.Date(
        string="Next Send",
        compute="_compute_next_date",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Day the next report is sent; it covers the period that ended the day before "
        "yesterday (usage reaches Starlink's API a day late).",
    )
    next_period_start = fields.Date(compute="_compute_next_period")
    next_period_end = fields.Date(compute="_compute_next_period")
    last_sent_date = fields.Datetime(string="Last Sent", readonly=True)
    retry_date = fields.Datetime(
        readonly=True, help="A failed report is tried again after this moment."
    )
    last_error = fields.Text(readonly=True)
    delivery_ids = fields.One2many("starlink.report.delivery", "schedule_id")
    delivery_count = fields.Integer(compute="_compute_delivery_count")

    _sql_constraints = [
        ("billing_day_range", "CHECK(billing_day BETWEEN 1 AND 31)", "Billing day: 1 to 31."),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends("partner_id", "template_id")
    def _compute_name(self):
        for schedule in self:
            schedule.name = " – ".join(
                part for part in (schedule.template_id.name, schedule.partner_id.name) if part
            )

    @api.depends("template_id")
    def _compute_frequency(self):
        for schedule in self:
            schedule.frequency = schedule.template_id.period or schedule.frequency or "monthly"
            schedule.interval_days = schedule.template_id.interval_days or 7

    @api.depends("partner_id")
    def _compute_billing_day(self):
        for schedule in self:
            lines = self.env["starlink.service.line"].search(
                [
                    ("partner_id", "child_of", schedule.partner_id.commercial_partner_id.id),
                    ("state", "in", ("active", "suspended")),
                ]
            )
            days = Counter(day for day in lines.mapped("billing_day") if 1 <= day <= 31)
            schedule.billing_day = days.most_common(1)[0][0] if days else 1

    @api.depends("partner_id")
    def _compute_recipient_ids(self):
        for schedule in self:
            client = schedule.partner_id.commercial_partner_id
            contacts = (client | client.child_ids).filtered("email")
            schedule.recipient_ids = contacts.filtered(lambda p: p.type != "invoice") or contacts

    @api.depends("frequency", "billing_day", "interval_days")
    def _compute_next_date(self):
        today = fields.Date.context_today(self)
        for schedule in self:
            if schedule.frequency and not (schedule.last_sent_date and schedule.next_date):
                schedule.next_date = schedule_rules.first_send_date(
                    schedule.frequency, today, **schedule._period_rule()
                )

    @api.depends("next_date", "frequency", "billing_day", "interval_days")
    def _compute_next_period(self):
        for schedule in self:
            if schedule.next_date and schedule.frequency:
                start, end = schedule._report_period()
            else:
                start = end = False
            schedule.next_period_start, schedule.next_period_end = start, end

    def _compute_delivery_count(self):
        counts = dict(
            self.env["starlink.report.delivery"]._read_group(
                [("schedule_id", "in", self.ids)], ["schedule_id"], ["__count"]
            )
        )
        for schedule in self:
            schedule.delivery_count = counts.get(schedule, 0)

    @api.constrains("frequency", "interval_days")
    def _check_interval(self):
        for schedule in self:
            if schedule.frequency == "custom" and schedule.interval_days < 1:
                raise ValidationError(self.env._("A custom period lasts at least one day."))

    @api.constrains("recipient_ids")
    def _check_recipients(self):
        for schedule in self:
            missing = schedule.recipient_ids.filtered(lambda p: not p.email)
            if missing:
                raise ValidationError(
                    self.env._(
                        "These recipients have no email address: %s",
                        ", ".join(missing.mapped("display_name")),
                    )
                )

    # ------------------------------------------------------------------ periods

    def _period_rule(self):
        self.ensure_one()
        return {
            "billing_day": self.billing_day or 1,
            "interval_days": self.interval_days or 7,
            "cycle_bounds": cycle_bounds,
        }

    def _report_period(self):
        """``(start, end)`` of the report due on ``next_date``."""
        self.ensure_one()
        return schedule_rules.report_period(self.frequency, self.next_date, **self._period_rule())

    def _rewind_to_last_period(self, today=None):
        """Make the last complete period due now (``next_date`` = its send date): e.g. a new
        schedule whose client wants the report of the period that just ended."""
        today = today or fields.Date.context_today(self)
        for schedule in self:
            start, end = schedule_rules.report_period(
                schedule.frequency, today, **schedule._period_rule()
            )
            due = end + timedelta(days=schedule_rules.LAG_DAYS + 1)
            if due > today:  # the period holding the day before yesterday is not over
                due = start + timedelta(days=schedule_rules.LAG_DAYS)
            schedule.next_date = due

    def _following_send_date(self, period_end):
        self.ensure_one()
        return schedule_rules.send_date_after(self.frequency, period_end, **self._period_rule())

    # ------------------------------------------------------------------ actions

    def action_view_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_reports.starlink_report_delivery_action"
        )
        action["domain"] = [("schedule_id", "=", self.id)]
        action["context"] = {"default_schedule_id": self.id}
        return action

    def action_send_now(self):
        """Run the scheduled action now: it sends the reports whose day has come, in its own
        transactions (a mail is recorded before it is sent)."""
        self.env.ref("starlink_reports.ir_cron_send_reports")._trigger()
        return True
