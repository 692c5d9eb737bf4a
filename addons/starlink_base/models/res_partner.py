from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    starlink_service_line_ids = fields.One2many(
        "starlink.service.line", "partner_id", string="Starlink Service Lines"
    )
    starlink_service_line_count = fields.Integer(
        string="Service Lines", compute="_compute_starlink_counts"
    )
    starlink_terminal_count = fields.Integer(
        string="Terminals", compute="_compute_starlink_counts"
    )

    def _compute_starlink_counts(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            if not commercial.id:
                partner.starlink_service_line_count = partner.starlink_terminal_count = 0
                continue
            domain = [("partner_id", "child_of", commercial.id)]
            partner.starlink_service_line_count = self.env[
                "starlink.service.line"
            ].search_count(domain)
            partner.starlink_terminal_count = self.env["starlink.terminal"].search_count(domain)

    def _starlink_action(self, xml_id):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_view_starlink_service_lines(self):
        return self._starlink_action("starlink_base.starlink_service_line_action")

    def action_view_starlink_terminals(self):
        return self._starlink_action("starlink_base.starlink_terminal_action")
