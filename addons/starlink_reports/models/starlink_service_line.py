from odoo import fields, models


class StarlinkServiceLine(models.Model):
    """Capacity planning figures of a line: its projected overage and the cheaper plan."""

    _inherit = "starlink.service.line"

    forecast_overage_amount = fields.Monetary(
        string="Projected Overage Cost",
        compute="_compute_capacity",
        currency_field="capacity_currency_id",
        help="Projected overage of the cycle at the plan's overage price.",
    )
    capacity_currency_id = fields.Many2one("res.currency", compute="_compute_capacity")
    capacity_plan_id = fields.Many2one(
        "product.product",
        string="Cheaper Plan",
        compute="_compute_capacity",
        help="A bigger plan that costs less than this plan plus its projected overage.",
    )

    def _compute_capacity(self):
        for line in self:
            line.capacity_currency_id = line.company_id.currency_id
            line.forecast_overage_amount = (
                line.forecast_overage_gb * line.product_id.starlink_overage_price_gb
            )
            line.capacity_plan_id = (
                line._cheaper_plan_for(line.forecast_total_gb)
                if line.forecast_over_limit
                else False
            )

    def _report_portal_pdf(self, start, end):
        """``(PDF bytes, file name)`` of this line's usage report from ``start`` to ``end``,
        in its client's language (the visitor's access is checked by the caller)."""
        self.ensure_one()
        client = self.partner_id.commercial_partner_id
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_context(lang=client.lang or "en_US")
            ._render_qweb_pdf(
                "starlink_reports.starlink_usage_report_action",
                client.ids,
                data={
                    "date_from": start.isoformat(),
                    "date_to": end.isoformat(),
                    "line_ids": self.ids,
                },
            )
        )
        number = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.service_line_number)
        return pdf, f"report-{number}-{start.isoformat()}-{end.isoformat()}.pdf"
