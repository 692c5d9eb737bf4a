from odoo import models
from odoo.exceptions import UserError

from ..lib.xlsx_report import write_report


class StarlinkUsageReportXlsx(models.AbstractModel):
    """The usage report as an XLSX workbook (OCA ``report_xlsx``): a summary sheet and a
    sheet per service line, with number formats, formulas and native charts."""

    _name = "report.starlink_reports.usage_report_xlsx"
    _description = "Starlink Usage Report (XLSX)"
    _inherit = "report.report_xlsx.abstract"

    def generate_xlsx_report(self, workbook, data, partners):
        if len(partners) != 1:
            raise UserError(self.env._("An XLSX usage report covers one client."))
        partner = partners.commercial_partner_id
        builder = self.env["report.starlink_reports.usage_report"].with_context(
            lang=partner.lang or self.env.lang or "en_US"
        )
        start, end = builder._report_range(partner, data or {})
        _lines, report = builder._report_data(partner, start, end)
        currency = (_lines[:1].company_id or self.env.company).currency_id
        write_report(
            workbook,
            report,
            builder._report_xlsx_labels(),
            partner.display_name,
            currency_format=self._report_xlsx_currency_format(currency),
        )
