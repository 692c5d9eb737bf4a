from odoo import api, fields, models
from odoo.exceptions import UserError

from .starlink_api_request import TICKET_CONTEXT_KEY


class HelpdeskTicket(models.Model):
    """The technician's device actions on a ticket: reboot the terminal or its router through
    Starlink, swap the terminal (RMA); the requests and the stock transfers they made."""

    _inherit = "helpdesk.ticket"

    api_request_ids = fields.One2many(
        "starlink.api.request", "ticket_id", string="Starlink Requests", readonly=True
    )
    api_request_count = fields.Integer(compute="_compute_api_request_count")
    picking_ids = fields.One2many(
        "stock.picking", "helpdesk_ticket_id", string="Transfers", readonly=True
    )
    picking_count = fields.Integer(compute="_compute_picking_count")

    @api.depends("api_request_ids")
    def _compute_api_request_count(self):
        counts = dict(
            self.env["starlink.api.request"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.api_request_count = counts.get(ticket, 0)

    @api.depends("picking_ids")
    def _compute_picking_count(self):
        # Technicians see the count without stock rights; the list needs them.
        counts = dict(
            self.env["stock.picking"]
            .sudo()
            ._read_group([("helpdesk_ticket_id", "in", self.ids)], ["helpdesk_ticket_id"],
                         ["__count"])
        )  # fmt: skip
        for ticket in self:
            ticket.picking_count = counts.get(ticket, 0)

    # ------------------------------------------------------------------ actions

    def action_reboot_terminal(self):
        """Reboot the ticket's terminal through Starlink; the outcome in the chatter."""
        return (
            self._ticket_terminal()
            .with_context(**{TICKET_CONTEXT_KEY: self.id})
            .action_reboot_terminal()
        )

    def action_reboot_router(self):
        """Reboot the router(s) of the ticket's terminal through Starlink."""
        return (
            self._ticket_terminal()
            .with_context(**{TICKET_CONTEXT_KEY: self.id})
            .action_reboot_router()
        )

    def action_swap_terminal(self):
        """Open the terminal swap (RMA) wizard."""
        terminal = self._ticket_terminal()
        self.env["starlink.terminal.swap.wizard"]._check_role()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Swap Terminal"),
            "res_model": "starlink.terminal.swap.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id, "default_old_terminal_id": terminal.id},
        }

    def action_view_api_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_telemetry.starlink_api_request_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_pickings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("helpdesk_ticket_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------ helpers

    def _ticket_terminal(self):
        """The ticket's terminal, once the user may work on the ticket."""
        self.ensure_one()
        self.check_access("write")
        if not self.terminal_id:
            raise UserError(self.env._("Ticket %s is about no terminal.", self.display_name))
        return self.terminal_id
