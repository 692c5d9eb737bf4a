from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    helpdesk_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Ticket",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The helpdesk ticket this transfer was made for (e.g. a terminal swap).",
    )
