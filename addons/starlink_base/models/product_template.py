from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.usage_rules import DEFAULT_LIMIT_BASIS, LIMIT_BASES


class ProductTemplate(models.Model):
    _inherit = "product.template"

    is_starlink_plan = fields.Boolean(
        string="Starlink Plan",
        help="This product is a Starlink service plan sold to clients as a monthly subscription.",
    )
    is_starlink_kit = fields.Boolean(
        string="Starlink Kit",
        help="This product is a Starlink kit (dish and router): storable and tracked by serial. "
        "Receiving a serial creates its terminal; delivering it to a client assigns the "
        "terminal to the client's service line.",
    )
    starlink_product_reference = fields.Char(
        string="Starlink Product Reference",
        help="The productReferenceId of this plan in the Starlink API.",
        copy=False,
    )
    starlink_data_limit_gb = fields.Float(
        string="Data Limit (GB)",
        help="Data included in one billing cycle, counted by the limit basis. 0 means "
        "unlimited. Plans synchronised from Starlink take Starlink's usage limit (the plan's "
        "included priority data).",
    )
    starlink_limit_basis = fields.Selection(
        selection=list(LIMIT_BASES),
        string="Limit Counts",
        default=DEFAULT_LIMIT_BASIS,
        required=True,
        help="Which data counts against the data limit. Starlink's rule: priority data (opt-in "
        "priority included; standard and non-billable data are shown apart) and the overage "
        "is the opt-in priority data beyond the limit. A reseller plan may count standard "
        "(and non-billable) data too; its overage is then everything counted beyond the limit.",
    )
    starlink_overage_price_gb = fields.Float(
        string="Overage Price per GB",
        digits="Product Price",
        help="Price charged per GB used above the data limit in a billing cycle.",
    )
    starlink_data_type = fields.Selection(
        selection=[("priority", "Priority Data"), ("standard", "Standard Data")],
        string="Data Type",
        default="standard",
        help="Priority data keeps precedence on a congested cell; standard data does not.",
    )
    starlink_service_line_count = fields.Integer(compute="_compute_starlink_service_line_count")

    _sql_constraints = [
        (
            "starlink_data_limit_positive",
            "CHECK(starlink_data_limit_gb >= 0)",
            "The data limit of a Starlink plan cannot be negative.",
        ),
        (
            "starlink_overage_price_positive",
            "CHECK(starlink_overage_price_gb >= 0)",
            "The overage price of a Starlink plan cannot be negative.",
        ),
    ]

    @api.depends("product_variant_ids")
    def _compute_starlink_service_line_count(self):
        counts = dict(
            self.env["starlink.service.line"]._read_group(
                [("product_id.product_tmpl_id", "in", self.ids)],
                ["product_id"],
                ["__count"],
            )
        )
        for template in self:
            template.starlink_service_line_count = sum(
                count for product, count in counts.items() if product.product_tmpl_id == template
            )

    @api.onchange("is_starlink_kit")
    def _onchange_is_starlink_kit(self):
        if self.is_starlink_kit:
            self.update({"type": "consu", "is_storable": True, "tracking": "serial"})

    @api.constrains("is_starlink_kit", "is_storable", "tracking")
    def _check_starlink_kit(self):
        for template in self.filtered("is_starlink_kit"):
            if not template.is_storable or template.tracking != "serial":
                raise ValidationError(
                    self.env._(
                        "The Starlink kit %s must be storable and tracked by serial number.",
                        template.display_name,
                    )
                )

    def action_view_starlink_service_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_base.starlink_service_line_action"
        )
        action["domain"] = [("product_id.product_tmpl_id", "=", self.id)]
        action["context"] = {"default_product_id": self.product_variant_id.id}
        return action
