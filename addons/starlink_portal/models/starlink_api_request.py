from odoo import api, fields, models

PORTAL_REQUEST_KEY = "starlink_portal_request_id"


class StarlinkApiRequest(models.Model):
    """A Starlink request remembers the client's portal request it was sent for.

    The link is written in the same insert as the request (which is committed before it is
    sent), from the context key ``starlink_portal_request_id`` set by
    ``starlink.portal.request.action_approve``: a crash between the two cannot leave an
    approved portal request without its Starlink request.
    """

    _inherit = "starlink.api.request"

    portal_request_id = fields.Many2one(
        "starlink.portal.request",
        string="Client Request",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        help="The request the client made in the portal, approved by sales.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        portal_request_id = self.env.context.get(PORTAL_REQUEST_KEY)
        if portal_request_id:
            for vals in vals_list:
                vals.setdefault("portal_request_id", portal_request_id)
        return super().create(vals_list)
