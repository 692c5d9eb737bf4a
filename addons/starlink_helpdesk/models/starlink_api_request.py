from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

TECHNICIAN_GROUP = "starlink_base.starlink_base_group_technician"
# The context key that ties the requests of a device action to the ticket it was started from.
TICKET_CONTEXT_KEY = "starlink_helpdesk_ticket_id"


class StarlinkApiRequest(models.Model):
    """Requests started from a ticket: the ticket is kept on them and hears their outcome;
    the terminal swap (RMA) is a request of its own kind, run by its wizard."""

    _inherit = "starlink.api.request"

    kind = fields.Selection(
        selection_add=[("swap_terminal", "Terminal Swap")],
        ondelete={"swap_terminal": "cascade"},
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Ticket",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The helpdesk ticket this request was sent from; its outcome is posted there.",
    )
    replacement_terminal_id = fields.Many2one(
        "starlink.terminal",
        string="Replacement Terminal",
        readonly=True,
        ondelete="restrict",
        help="Terminal swap: the kit that takes the place of the terminal on the line.",
    )

    # ------------------------------------------------------------------ CRUD

    @api.model
    def _create_request(self, kind, account, target, payload=None, **values):
        ticket_id = self.env.context.get(TICKET_CONTEXT_KEY)
        if ticket_id and "ticket_id" not in values:
            values["ticket_id"] = ticket_id
        return super()._create_request(kind, account, target, payload, **values)

    # ------------------------------------------------------------------ outcome

    def _post_outcome(self, note=None):
        super()._post_outcome(note)
        if self.ticket_id:
            self.ticket_id.sudo().message_post(body=self._outcome_message(note))

    # ------------------------------------------------------------------ checks

    @api.model
    def _check_kind_access(self, kind):
        if kind != "swap_terminal":
            return super()._check_kind_access(kind)
        if not self.env.su and not self.env.user.has_group(TECHNICIAN_GROUP):
            raise AccessError(self.env._("Only Technicians swap terminals."))

    def _check_not_wizard_kind(self):
        if self.kind == "swap_terminal":
            raise UserError(
                self.env._(
                    "%s is resumed from its ticket: run Swap Terminal again, it re-reads "
                    "Starlink first and continues from the last step done.",
                    self.display_name,
                )
            )
        return super()._check_not_wizard_kind()

    def _settle_by_hand(self, state, note):
        if state == "confirmed" and "swap_terminal" in self.mapped("kind"):
            raise UserError(
                self.env._(
                    "A terminal swap is finished by running Swap Terminal again from its "
                    "ticket: it reads Starlink and completes the stock moves."
                )
            )
        return super()._settle_by_hand(state, note)
