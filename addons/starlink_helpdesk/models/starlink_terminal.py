from odoo import fields, models


class StarlinkTerminal(models.Model):
    _inherit = "starlink.terminal"

    ticket_ids = fields.One2many("helpdesk.ticket", "terminal_id", string="Tickets")
    ticket_count = fields.Integer(
        compute="_compute_ticket_count", help="Tickets about this terminal still being worked on."
    )

    def _compute_ticket_count(self):
        counts = dict(
            self.env["helpdesk.ticket"]._read_group(
                [("terminal_id", "in", self.ids), ("stage_id.closed", "=", False)],
                ["terminal_id"],
                ["__count"],
            )
        )
        for terminal in self:
            terminal.ticket_count = counts.get(terminal, 0)

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        action["domain"] = [("terminal_id", "=", self.id)]
        action["context"] = {
            "default_terminal_id": self.id,
            "default_service_line_id": self.service_line_id.id,
            "default_partner_id": self.partner_id.id,
            "search_default_open": 1,
        }
        return action
