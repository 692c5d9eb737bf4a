from odoo import models
from odoo.exceptions import UserError


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        self._starlink_check_kit_deliveries()
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        done = moves.filtered(lambda move: move.state == "done" and move.product_id.is_starlink_kit)
        if done:
            done._starlink_receive_kits()
            done._starlink_assign_terminals()
            terminals = (
                done.move_line_ids.lot_id.sudo()
                .with_context(active_test=False)
                .starlink_terminal_ids
            )
            self.env.add_to_compute(terminals._fields["inventory_state"], terminals)
        return moves

    # ------------------------------------------------------------------ receipts

    def _starlink_receive_kits(self):
        """Create the terminals of kit serials received into stock (once per serial).

        Kits come in by an incoming transfer (a receipt, a client's return) or are found at an
        inventory count (e.g. the kits on the shelf when the reseller starts with Odoo).
        """
        receipts = self.filtered(
            lambda move: move.location_dest_id.usage == "internal"
            and (move.picking_code == "incoming" or move.location_id.usage == "inventory")
        )
        terminals = self.env["starlink.terminal"]
        for move in receipts:
            terminals |= move.move_line_ids.lot_id._starlink_terminals(move.company_id)
        return terminals

    # ------------------------------------------------------------------ deliveries

    def _starlink_kit_deliveries(self):
        """Moves delivering kits of a sale order to the client."""
        return self.filtered(
            lambda move: move.product_id.is_starlink_kit
            and move.sale_line_id
            and move.location_dest_id.usage == "customer"
        )

    def _starlink_delivered_lots(self):
        self.ensure_one()
        move_lines = self.move_line_ids
        if self.picked:
            move_lines = move_lines.filtered("picked")
        return move_lines.lot_id

    def _starlink_check_kit_deliveries(self):
        """Refuse to deliver a kit whose terminal serves another client's line.

        Runs before the moves are done, so that nothing changes when it refuses. A terminal
        of a cancelled line is free again.
        """
        for move in self._starlink_kit_deliveries():
            order_lines = move.sale_line_id.order_id.sudo().starlink_service_line_ids
            terminals = (
                move._starlink_delivered_lots()
                .sudo()
                .with_context(active_test=False)
                .starlink_terminal_ids
            )
            for terminal in terminals:
                line = terminal.service_line_id
                if line and line not in order_lines and line.state != "cancelled":
                    raise UserError(
                        self.env._(
                            "The kit %(serial)s cannot be delivered for %(order)s: its terminal "
                            "%(terminal)s is already on the service line %(line)s of "
                            "%(client)s. Deliver another serial, or take the terminal off "
                            "that line first.",
                            serial=terminal.kit_serial or terminal.lot_id.name,
                            order=move.sale_line_id.order_id.name,
                            terminal=terminal.user_terminal_id,
                            line=line.display_name,
                            client=line.partner_id.display_name or "-",
                        )
                    )

    def _starlink_assign_terminals(self):
        """Put the delivered kits' terminals on the order's service lines that have none.

        Each terminal goes to the first line of its order without a terminal; a terminal
        already on one of the order's lines stays there. Kits beyond the order's lines stay
        unassigned.
        """
        for move in self._starlink_kit_deliveries():
            order = move.sale_line_id.order_id
            lines = order.sudo().starlink_service_line_ids.sorted("id")
            lots = move._starlink_delivered_lots()
            for terminal in lots._starlink_terminals(move.company_id):
                if terminal.service_line_id in lines:
                    continue
                free = lines.filtered(lambda line: not line.terminal_ids)[:1]
                if not free:
                    break
                terminal.write({"service_line_id": free.id, "account_id": free.account_id.id})
                free.message_post(
                    body=self.env._(
                        "Kit %(serial)s delivered by %(picking)s: terminal assigned.",
                        serial=terminal.kit_serial,
                        picking=move.picking_id.name or move.reference,
                    )
                )
