from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.starlink_api_request import TOP_UP_GB


class StarlinkTopUpWizard(models.TransientModel):
    _name = "starlink.top.up.wizard"
    _description = "Top Up Data"

    service_line_id = fields.Many2one("starlink.service.line", required=True, readonly=True)
    plan_id = fields.Many2one(related="service_line_id.product_id", string="Plan")
    product_id = fields.Many2one(
        "product.product",
        string="Invoiced As",
        domain=[("type", "=", "service"), ("is_starlink_plan", "=", False)],
        help="The product the client is invoiced for each block (its sales price).",
    )
    block_count = fields.Integer(
        string="Blocks", default=1, required=True, help="Blocks of 50 GB, 1 to 100."
    )
    data_gb = fields.Float(string="Data (GB)", compute="_compute_price")
    currency_id = fields.Many2one("res.currency", compute="_compute_price", string="Currency")
    price_unit = fields.Monetary(string="Price per Block", compute="_compute_price")
    amount = fields.Monetary(string="Price", compute="_compute_price")

    request_id = fields.Many2one(
        "starlink.api.request",
        readonly=True,
        help="The request this wizard sent: confirming it again sends nothing.",
    )

    @api.depends("product_id", "block_count", "service_line_id")
    def _compute_price(self):
        for wizard in self:
            company = wizard.service_line_id.company_id or self.env.company
            wizard.currency_id = company.currency_id
            wizard.data_gb = TOP_UP_GB * wizard.block_count
            wizard.price_unit = wizard.product_id.lst_price
            wizard.amount = wizard.price_unit * wizard.block_count

    def action_confirm(self):
        self.ensure_one()
        Request = self.env["starlink.api.request"]
        Request._check_kind_access("top_up")
        if self.request_id:
            raise UserError(
                _("%s was sent already: it is never sent twice.", self.request_id.display_name)
            )
        line = self.service_line_id
        if not 1 <= self.block_count <= 100:
            raise UserError(_("Order between 1 and 100 blocks of 50 GB."))
        if line.state != "active":
            raise UserError(_("Only an active line can be topped up (%s).", line.display_name))
        reference = line.product_id.starlink_product_reference
        if not reference:
            raise UserError(_("The plan of %s has no Starlink reference.", line.display_name))
        request = Request._create_request(
            "top_up",
            line.account_id,
            line.service_line_number,
            self._prepare_payload(reference),
            service_line_id=line.id,
            amount=self.amount,
            currency_id=self.currency_id.id,
            product_id=self.product_id.id,
        )
        self.request_id = request
        return request.action_send()

    def _prepare_payload(self, plan_reference):
        """``AddDataBlockRequest``: the plan's top-up product, the number of blocks."""
        return {"productId": f"{plan_reference}-TOPUP", "count": self.block_count}
