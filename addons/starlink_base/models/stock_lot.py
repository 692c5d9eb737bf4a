from odoo import fields, models

from .starlink_service_line import PLACEHOLDER_PREFIX


def inventory_state_of_move(source, destination):
    """The inventory state a kit takes when moved from ``source`` to ``destination``.

    ``None`` when the move says nothing about it (between internal locations, into transit):
    the kit keeps the state of its previous move.
    """
    if destination.usage == "customer":
        return "deployed"
    if destination.usage == "supplier":
        return "returned"  # sent back to the vendor (RMA)
    if destination.scrap_location or destination.usage in ("inventory", "production"):
        return "retired"  # scrapped, lost at an inventory count or consumed
    if destination.usage == "internal":
        if source.usage == "customer":
            return "returned"
        if source.usage in ("supplier", "inventory", "production"):
            return "in_stock"
    return None


class StockLot(models.Model):
    _inherit = "stock.lot"

    starlink_terminal_ids = fields.One2many(
        "starlink.terminal", "lot_id", string="Starlink Terminals", readonly=True
    )

    def action_view_starlink_terminals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_base.starlink_terminal_action"
        )
        action["domain"] = [("lot_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.starlink_terminal_ids) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = self.starlink_terminal_ids.id
        return action

    def _starlink_inventory_states(self):
        """``{lot id: inventory state}`` from the latest telling done move of each lot.

        Lots without such a move are left out.
        """
        lots = self.filtered("id")
        if not lots:
            return {}
        move_lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [("lot_id", "in", lots.ids), ("state", "=", "done")],
                order="date desc, id desc",
            )
        )
        states = {}
        for move_line in move_lines:
            if move_line.lot_id.id in states:
                continue
            state = inventory_state_of_move(move_line.location_id, move_line.location_dest_id)
            if state:
                states[move_line.lot_id.id] = state
        return states

    def _starlink_terminals(self, company=None):
        """The terminals of these kit serials, created where missing (one per serial).

        New terminals belong to the lot's company, else to ``company`` (the company of the
        move: Odoo's serials are shared by the companies unless the product belongs to one).

        A terminal known by its kit serial alone (e.g. read from Starlink) gets linked to the
        lot instead of a second terminal being created. A new terminal is not at Starlink yet:
        its user terminal ID is ``NEW-<serial>`` until the activation gives the real one, and
        it has no Starlink account (so the synchronisation of an account never archives it).
        """
        Terminal = self.env["starlink.terminal"].sudo().with_context(active_test=False)
        lots = self.filtered(lambda lot: lot.product_id.is_starlink_kit)
        if not lots:
            return Terminal
        terminals = Terminal.search([("lot_id", "in", lots.ids)])
        missing = lots - terminals.lot_id
        company = company or self.env.company

        def company_of(lot):
            return lot.company_id or company

        if missing:
            by_serial = Terminal.search(
                [
                    ("lot_id", "=", False),
                    ("kit_serial", "in", missing.mapped("name")),
                    ("company_id", "in", [company_of(lot).id for lot in missing]),
                ]
            )
            for lot in missing:
                known = by_serial.filtered(
                    lambda t, lot=lot: t.kit_serial == lot.name and t.company_id == company_of(lot)
                )[:1]
                if known:
                    known.lot_id = lot
                    terminals |= known
                    by_serial -= known
            missing -= terminals.lot_id
        if missing:
            terminals |= Terminal.create(
                [
                    {
                        "user_terminal_id": f"{PLACEHOLDER_PREFIX}{lot.name}",
                        "lot_id": lot.id,
                        "product_id": lot.product_id.id,
                        "company_id": company_of(lot).id,
                    }
                    for lot in missing
                ]
            )
        return terminals
