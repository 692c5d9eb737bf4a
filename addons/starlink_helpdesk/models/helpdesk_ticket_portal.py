from odoo import api, models
from odoo.tools import plaintext2html

SUBJECT_MAX_LENGTH = 200


class HelpdeskTicket(models.Model):
    """Tickets that a client opens from a service line page of the portal.

    The controller checks that the line is the client's (``_document_check_access``) and
    calls these methods; they check the rest (terminal on the line, category offered in the
    portal, subject and description given) and create the ticket.
    """

    _inherit = "helpdesk.ticket"

    @api.model
    def _portal_line_ticket_categories(self, line):
        """The ticket categories a client may choose for a line (shown in the portal)."""
        return (
            self.env["helpdesk.ticket.category"]
            .sudo()
            .search(
                [
                    ("show_in_portal", "=", True),
                    ("company_id", "in", [False, line.company_id.id]),
                ]
            )
        )

    @api.model
    def _portal_line_ticket_terminals(self, line):
        """The line's active terminals, which a client may name in a ticket."""
        return line.sudo().terminal_ids.filtered("active")

    @api.model
    def _portal_line_ticket_errors(self, line, terminal, category, subject, description):
        """What is wrong with a ticket a client submits: {field: message} (empty: fine)."""
        _ = self.env._
        errors = {}
        if not (subject or "").strip():
            errors["subject"] = _("Please give your problem a short title.")
        elif len(subject) > SUBJECT_MAX_LENGTH:
            errors["subject"] = _(
                "Please keep the title under %(size)s characters.", size=SUBJECT_MAX_LENGTH
            )
        if not (description or "").strip():
            errors["description"] = _("Please describe the problem.")
        if terminal and terminal not in self._portal_line_ticket_terminals(line):
            errors["terminal"] = _("This terminal is not on the service line.")
        categories = self._portal_line_ticket_categories(line)
        if category and category not in categories:
            errors["category"] = _("Please choose one of the categories offered.")
        elif not category and categories and line.company_id.sudo()[
                "helpdesk_mgmt_portal_category_id_required"]:  # fmt: skip
            errors["category"] = _("Please choose a category.")
        return errors

    @api.model
    def _portal_prepare_line_ticket_values(
        self, line, terminal, category, subject, description, partner
    ):
        channel = self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_web", False)
        no_team = self.env["helpdesk.ticket.team"].with_company(line.company_id)
        return {
            "company_id": line.company_id.id,
            "name": subject.strip(),
            "description": plaintext2html(description.strip()),
            "category_id": category.id,
            "channel_id": channel.id if channel else False,
            "partner_id": partner.id,
            "partner_name": partner.name,
            "partner_email": partner.email,
            "service_line_id": line.id,
            "terminal_id": terminal.id,
            "user_id": False,
            # As Helpdesk's own portal form: the first stage, so that its mail goes out.
            "stage_id": no_team._get_applicable_stages()[:1].id,
        }

    @api.model
    def _portal_create_from_line(
        self, line, terminal, category, subject, description, partner, attachments=()
    ):
        """Create the ticket (as the superuser: clients cannot create tickets themselves),
        subscribe the client and attach his files. ``attachments``: (name, bytes) pairs.
        """
        values = self._portal_prepare_line_ticket_values(
            line, terminal, category, subject, description, partner
        )
        ticket = self.sudo().create(values)
        ticket.message_subscribe(partner_ids=partner.ids)
        files = [(name, data) for name, data in attachments if name]
        if files:
            self.env["ir.attachment"].sudo().create(
                [
                    {"name": name, "raw": data, "res_model": ticket._name, "res_id": ticket.id}
                    for name, data in files
                ]
            )
        return ticket
