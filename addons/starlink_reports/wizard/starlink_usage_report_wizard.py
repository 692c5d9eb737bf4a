import base64
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.exceptions import UserError


class StarlinkUsageReportWizard(models.TransientModel):
    """Print a client's usage report for a week, a billing cycle or a chosen range."""

    _name = "starlink.usage.report.wizard"
    _description = "Print a Starlink Usage Report"

    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, domain="[('is_company', '=', True)]"
    )
    template_id = fields.Many2one("starlink.report.template")
    period = fields.Selection(
        [
            ("last_cycle", "Last billing cycle"),
            ("current_cycle", "Current billing cycle"),
            ("last_week", "Last week"),
            ("custom", "Custom range"),
        ],
        required=True,
        default="last_cycle",
    )
    date_from = fields.Date(compute="_compute_dates", store=True, readonly=False, required=True)
    date_to = fields.Date(compute="_compute_dates", store=True, readonly=False, required=True)

    @api.depends("period", "partner_id")
    def _compute_dates(self):
        today = fields.Date.context_today(self)
        Report = self.env["report.starlink_reports.usage_report"]
        for wizard in self:
            if wizard.period == "custom" and wizard.date_from and wizard.date_to:
                continue
            day = Report._report_billing_day(wizard.partner_id) if wizard.partner_id else 1
            if wizard.period == "last_week":
                start = today - timedelta(days=today.weekday() + 7)
                wizard.date_from, wizard.date_to = start, start + timedelta(days=6)
            elif wizard.period == "current_cycle":
                wizard.date_from, wizard.date_to = cycle_bounds(day, today)
            else:
                current = cycle_bounds(day, today)[0]
                wizard.date_from, wizard.date_to = cycle_bounds(day, current - timedelta(days=1))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise UserError(self.env._("The report period ends before it starts."))

    def _report_data(self):
        self.ensure_one()
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "template_id": self.template_id.id,
        }

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("starlink_reports.starlink_usage_report_action").report_action(
            self.partner_id, data=self._report_data()
        )

    def action_print_xlsx(self):
        self.ensure_one()
        return self.env.ref("starlink_reports.starlink_usage_report_xlsx_action").report_action(
            self.partner_id, data=self._report_data()
        )

    def action_export_csv(self):
        """The CSV as an attachment of the wizard, downloaded at once."""
        self.ensure_one()
        content = self.env["report.starlink_reports.usage_report"]._report_csv(
            self.partner_id, self.date_from, self.date_to
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"usage-{self.date_from}-{self.date_to}.csv",
                "type": "binary",
                "datas": base64.b64encode(content),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
