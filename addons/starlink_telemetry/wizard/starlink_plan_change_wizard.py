from odoo import _, api, fields, models
from odoo.exceptions import UserError

TIMINGS = [
    ("starlink", "As Starlink does it (upgrade now, downgrade at the next cycle)"),
    ("now", "Now"),
    ("next_cycle", "At the next billing cycle"),
]
DELAY_UPDATE = {"starlink": None, "now": False, "next_cycle": True}


class StarlinkPlanChangeWizard(models.TransientModel):
    _name = "starlink.plan.change.wizard"
    _description = "Change Plan"

    service_line_id = fields.Many2one("starlink.service.line", required=True, readonly=True)
    current_product_id = fields.Many2one(
        related="service_line_id.product_id", string="Current Plan"
    )
    product_id = fields.Many2one(
        "product.product",
        string="New Plan",
        required=True,
        domain="[('is_starlink_plan', '=', True), ('starlink_product_reference', '!=', False),"
        " ('id', '!=', current_product_id)]",
    )
    timing = fields.Selection(TIMINGS, default="starlink", required=True)
    is_upgrade = fields.Boolean(compute="_compute_is_upgrade")

    request_id = fields.Many2one(
        "starlink.api.request",
        readonly=True,
        help="The request this wizard sent: confirming it again sends nothing.",
    )

    @api.depends("product_id", "current_product_id")
    def _compute_is_upgrade(self):
        for wizard in self:
            # Starlink compares its own prices: the plan's cost is Starlink's price.
            wizard.is_upgrade = (
                wizard.product_id.standard_price > wizard.current_product_id.standard_price
            )

    def action_confirm(self):
        self.ensure_one()
        Request = self.env["starlink.api.request"]
        Request._check_kind_access("plan_change")
        if self.request_id:
            raise UserError(
                _("%s was sent already: it is never sent twice.", self.request_id.display_name)
            )
        line = self.service_line_id
        if line.state not in ("active", "suspended"):
            raise UserError(_("Only a running line can change plan (%s).", line.display_name))
        if self.product_id == line.product_id:
            raise UserError(_("%s is already on this plan.", line.display_name))
        request = Request._create_request(
            "plan_change",
            line.account_id,
            line.service_line_number,
            self._prepare_payload(),
            service_line_id=line.id,
            product_id=self.product_id.id,
        )
        self.request_id = request
        return request.action_send()

    def _prepare_payload(self):
        """``UpdateServiceLineProductRequest``: ``delayUpdate`` null lets Starlink decide."""
        return {
            "productReferenceId": self.product_id.starlink_product_reference,
            "delayUpdate": DELAY_UPDATE[self.timing],
        }
