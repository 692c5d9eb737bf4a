from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    starlink_portal_offered = fields.Boolean(
        string="Offered in the Portal",
        help="Clients may ask from the portal to change one of their lines to this plan "
        "(sales approve the request before it is sent to Starlink).",
    )
    starlink_top_up_block = fields.Boolean(
        string="Starlink Data Block",
        help="Clients may buy this product from the portal as a Starlink top-up: one 50 GB "
        "block of priority data added to the line's current cycle, invoiced once at this "
        "product's sales price (sales approve the request before it is sent to Starlink).",
    )
