from odoo import fields, models


class StarlinkServiceLine(models.Model):
    _inherit = "starlink.service.line"

    ticket_ids = fields.One2many("helpdesk.ticket", "service_line_id", string="Tickets")
    ticket_count = fields.Integer(
        compute="_compute_ticket_count", help="Tickets about this line still being worked on."
    )

    def _compute_ticket_count(self):
        counts = dict(
            self.env["helpdesk.ticket"]._read_group(
                [("service_line_id", "in", self.ids), ("stage_id.closed", "=", False)],
                ["service_line_id"],
                ["__count"],
            )
        )
        for line in self:
            line.ticket_count = counts.get(line, 0)

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        action["domain"] = [("service_line_id", "=", self.id)]
        action["context"] = {
            "default_service_line_id": self.id,
            "default_partner_id": self.partner_id.id,
            "search_default_open": 1,
        }
        return action
