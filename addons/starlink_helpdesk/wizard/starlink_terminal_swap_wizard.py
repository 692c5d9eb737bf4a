"""Swap the terminal of a ticket's service line for a kit in stock (RMA).

At Starlink the faulty terminal leaves the line (``DELETE .../user-terminals/{id}``), the new
kit goes onto the account (``POST /user-terminals``) and onto the line. Those writes have no
idempotency key: the run is one ``starlink.api.request`` of kind ``swap_terminal``, committed
before the first call; each call is marked sent (committed) before it leaves, and every step
first reads Starlink, so a run resumed after a refusal or a lost answer skips what Starlink
shows done and never sends a call twice. In Inventory the old serial comes back to stock (a
receipt from the client) and the new one is delivered to him; both transfers are linked to
the ticket. A failure half-way stops the run with its reason in the ticket's chatter; Swap
Terminal again continues from the last step done.
"""

import json

from odoo import Command, api, fields, models
from odoo.addons.starlink_base.models.starlink_service_line import PLACEHOLDER_PREFIX
from odoo.addons.starlink_telemetry.lib.exceptions import StarlinkError
from odoo.exceptions import AccessError, UserError

TECHNICIAN_GROUP = "starlink_base.starlink_base_group_technician"


class StarlinkTerminalSwapWizard(models.TransientModel):
    _name = "starlink.terminal.swap.wizard"
    _description = "Swap a Starlink Terminal (RMA)"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, readonly=True)
    company_id = fields.Many2one(related="ticket_id.company_id")
    service_line_id = fields.Many2one(related="ticket_id.service_line_id")
    old_terminal_id = fields.Many2one(
        "starlink.terminal", string="Faulty Terminal", required=True, readonly=True
    )
    new_terminal_id = fields.Many2one(
        "starlink.terminal",
        string="Replacement Kit",
        compute="_compute_new_terminal_id",
        store=True,
        readonly=False,
        domain="[('company_id', '=', company_id), ('inventory_state', '=', 'in_stock'), "
        "('lot_id', '!=', False), ('service_line_id', '=', False)]",
        help="A Starlink kit in stock in the company's warehouse; it is delivered to the client.",
    )
    resume_note = fields.Text(compute="_compute_resume_note")

    @api.depends("ticket_id")
    def _compute_new_terminal_id(self):
        for wizard in self:
            request = wizard._previous_request()
            wizard.new_terminal_id = request.replacement_terminal_id or wizard.new_terminal_id

    @api.depends("ticket_id")
    def _compute_resume_note(self):
        for wizard in self:
            request = wizard._previous_request()
            wizard.resume_note = (
                self.env._(
                    "An earlier swap to %(kit)s stopped (%(error)s). Swapping again reads "
                    "Starlink first and continues from the last step done.",
                    kit=request.replacement_terminal_id.display_name,
                    error=request.error or request.state,
                )
                if request
                else False
            )

    # ------------------------------------------------------------------ actions

    def action_confirm(self):
        self._check_role()
        self.ensure_one()
        self._check_swap()
        request = self._swap_request()
        progress = json.loads(request.progress or "{}")
        try:
            found = self._swap_at_starlink(request._starlink_client(), request, progress)
        except (StarlinkError, UserError) as error:
            self._stop(request, error)
        try:
            with self.env.cr.savepoint():
                self._swap_in_odoo(request, progress, found)
        except Exception as error:  # noqa: BLE001 - the run is recorded stopped, then shown
            self._stop(request, UserError(str(error.args[0] if error.args else error)))
        request.write({"state": "confirmed", "error": False, "date_done": fields.Datetime.now(),
                       "response": json.dumps(found, sort_keys=True)[:10000]})  # fmt: skip
        self._post(
            request,
            self.env._(
                "Terminal swapped on %(line)s: %(old)s returned to stock, %(new)s delivered.",
                line=self.service_line_id.display_name,
                old=self.old_terminal_id.kit_serial or self.old_terminal_id.user_terminal_id,
                new=self.new_terminal_id.kit_serial,
            ),
        )
        request._commit()
        return {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------------ checks

    @api.model
    def _check_role(self):
        if not self.env.su and not self.env.user.has_group(TECHNICIAN_GROUP):
            raise AccessError(self.env._("Only Technicians swap terminals."))

    def _check_swap(self):
        """Everything Odoo can check before the first call."""
        _ = self.env._
        ticket, line = self.ticket_id, self.service_line_id
        old, new = self.old_terminal_id, self.new_terminal_id
        ticket.check_access("write")
        if not line or line.state not in ("active", "suspended"):
            raise UserError(_("The ticket's service line must be active to swap its terminal."))
        if not line.account_id:
            raise UserError(_("%s is not linked to a Starlink account.", line.display_name))
        request = self._previous_request()
        if old.service_line_id != line and not request:
            raise UserError(
                _("Terminal %(terminal)s is not on %(line)s.", terminal=old.display_name,
                  line=line.display_name)
            )  # fmt: skip
        if not new:
            raise UserError(_("Choose the replacement kit."))
        if new == old:
            raise UserError(_("The replacement kit is the faulty terminal itself."))
        if request.replacement_terminal_id and new != request.replacement_terminal_id:
            raise UserError(
                _("A swap to %s was started: finish it with that kit.",
                  request.replacement_terminal_id.display_name)
            )  # fmt: skip
        if not (old.kit_serial or old.lot_id):
            raise UserError(_("Terminal %s has no kit serial to return.", old.display_name))
        if not request.progress or "inventoryDone" not in request.progress:
            if new.service_line_id and new.service_line_id != line:
                raise UserError(
                    _("Kit %(kit)s is on service line %(line)s.", kit=new.display_name,
                      line=new.service_line_id.display_name)
                )  # fmt: skip
            if not self._stock_location(new):
                raise UserError(_("Kit %s is not in stock.", new.display_name))

    # ------------------------------------------------------------------ request

    def _previous_request(self):
        """The swap of this ticket's line that did not finish, if any."""
        line = self.ticket_id.service_line_id
        if not line:
            return self.env["starlink.api.request"]
        return self.env["starlink.api.request"].sudo().search(
            [("kind", "=", "swap_terminal"), ("service_line_id", "=", line.id),
             ("state", "!=", "confirmed")], order="id desc", limit=1,
        )  # fmt: skip

    def _swap_request(self):
        """The run's request (an unfinished one resumed, else a new one), committed in
        ``sending`` before any call."""
        Request = self.env["starlink.api.request"]
        Request._check_kind_access("swap_terminal")
        line, old, new = self.service_line_id, self.old_terminal_id, self.new_terminal_id
        request = self._previous_request()
        if request.state == "sending" and not request._is_checkable():
            raise UserError(self.env._("The terminal of %s is being swapped right now.",
                                       line.display_name))  # fmt: skip
        if not request:
            request = Request._create_request(
                "swap_terminal", line.account_id, line.service_line_number,
                {"oldDeviceId": old.user_terminal_id, "newDeviceId": self._device_id(new)},
                service_line_id=line.id, terminal_id=old.id, ticket_id=self.ticket_id.id,
                replacement_terminal_id=new.id,
            )  # fmt: skip
        request.write(
            {"state": "sending", "error": False, "date_sent": fields.Datetime.now(),
             "attempt_count": request.attempt_count + 1}
        )  # fmt: skip
        request._commit()
        return request

    @staticmethod
    def _device_id(terminal):
        """The terminal id once Starlink gave one, else the kit serial."""
        if terminal.user_terminal_id and not terminal.user_terminal_id.startswith(
            PLACEHOLDER_PREFIX
        ):
            return terminal.user_terminal_id
        return terminal.kit_serial

    # ------------------------------------------------------------------ Starlink

    def _swap_at_starlink(self, client, request, progress):
        """Old terminal off the line, new one on the account and on the line; each write
        looked up at Starlink first. Returns the new terminal as Starlink lists it."""
        payload = request._payload()
        number = request.target
        old_id, new_device = payload["oldDeviceId"], payload["newDeviceId"]
        on_line = list(client.iter_user_terminals(service_line_numbers=[number]))
        if any(old_id == item.get("userTerminalId") for item in on_line):
            self._before_call(request, progress, "removeSent")
            client.remove_user_terminal(number, old_id)
            note = self.env._("Terminal %(old)s taken off %(line)s at Starlink.",
                              old=old_id, line=number)  # fmt: skip
            self._save(request, progress, note)
        found = client.find_user_terminal(new_device)
        if found and found.get("serviceLineNumber") not in (None, number):
            raise UserError(
                self.env._("Kit %(kit)s is on service line %(line)s at Starlink.",
                           kit=new_device, line=found["serviceLineNumber"])
            )  # fmt: skip
        if not found:
            self._before_call(request, progress, "addSent")
            client.add_user_terminal(new_device)
            found = client.find_user_terminal(new_device)
            if not found:
                raise UserError(
                    self.env._("Starlink does not list kit %s after adding it.", new_device)
                )
        if found.get("serviceLineNumber") != number:
            self._before_call(request, progress, "attachSent")
            client.attach_user_terminal(number, found["userTerminalId"])
            found = client.find_user_terminal(found["userTerminalId"]) or found
            note = self.env._("Terminal %(new)s put on %(line)s at Starlink.",
                              new=found["userTerminalId"], line=number)  # fmt: skip
            self._save(request, progress, note)
        return found

    # ------------------------------------------------------------------ Odoo

    def _swap_in_odoo(self, request, progress, found):
        """The old serial back to stock, the new one delivered, the terminals swapped on the
        line and on the ticket (each transfer made once: its id is kept in the progress)."""
        ticket, line = self.ticket_id, self.service_line_id
        old, new = self.old_terminal_id.sudo(), self.new_terminal_id.sudo()
        client = ticket.partner_id or line.partner_id
        if not progress.get("returnPickingId"):
            picking = self._return_old_kit(old, client)
            progress["returnPickingId"] = picking.id
        if not progress.get("deliveryPickingId"):
            picking = self._deliver_new_kit(new, client)
            progress["deliveryPickingId"] = picking.id
        if old.service_line_id == line:
            old.write({"service_line_id": False, "partner_id": False})
        new.write(
            {"user_terminal_id": found["userTerminalId"],
             "account_id": line.account_id.id,
             "service_line_id": line.id,
             "partner_id": line.partner_id.id,
             "dish_serial": found.get("dishSerialNumber") or new.dish_serial,
             "router_ids": ",".join(r["routerId"] for r in found.get("routers") or []
                                    if r.get("routerId")) or new.router_ids}
        )  # fmt: skip
        if ticket.terminal_id != new:
            ticket.sudo().terminal_id = new
        progress["inventoryDone"] = True
        request.write({"progress": json.dumps(progress, sort_keys=True)})

    def _warehouse(self):
        return (
            self.env["stock.warehouse"]
            .sudo()
            .search([("company_id", "=", self.company_id.id)], limit=1)
        )

    def _stock_location(self, terminal):
        """The internal location of the company where the kit is in stock (or nothing)."""
        quants = terminal.sudo().lot_id.quant_ids.filtered(
            lambda q: q.location_id.usage == "internal"
            and q.quantity > 0
            and q.location_id.company_id == self.company_id
        )
        return quants[:1].location_id

    def _return_old_kit(self, old, client):
        """A receipt of the old serial from the client into the warehouse (done)."""
        warehouse = self._warehouse()
        if not warehouse:
            raise UserError(self.env._("%s has no warehouse.", self.company_id.name))
        lot = old.lot_id
        if not lot:
            product = old.product_id if old.product_id.is_starlink_kit else False
            product = product or self.new_terminal_id.sudo().lot_id.product_id
            Lot = self.env["stock.lot"].sudo()
            lot = Lot.search(
                [("name", "=", old.kit_serial), ("product_id", "=", product.id)], limit=1
            ) or Lot.create(
                {"name": old.kit_serial, "product_id": product.id,
                 "company_id": self.company_id.id}
            )  # fmt: skip
            old.write({"lot_id": lot.id, "product_id": product.id})
        source = client.property_stock_customer or self.env.ref("stock.stock_location_customers")
        return self._transfer(warehouse.in_type_id, lot, source, warehouse.lot_stock_id, client)

    def _deliver_new_kit(self, new, client):
        """A delivery of the new serial to the client (done)."""
        warehouse = self._warehouse()
        source = self._stock_location(new)
        if not source:
            raise UserError(self.env._("Kit %s is not in stock.", new.display_name))
        destination = client.property_stock_customer or self.env.ref(
            "stock.stock_location_customers"
        )
        return self._transfer(warehouse.out_type_id, new.lot_id, source, destination, client)

    def _transfer(self, picking_type, lot, source, destination, client):
        """One serial from ``source`` to ``destination``, validated, linked to the ticket."""
        values = {"product_id": lot.product_id.id, "product_uom_qty": 1.0,
                  "product_uom": lot.product_id.uom_id.id, "location_id": source.id,
                  "location_dest_id": destination.id}  # fmt: skip
        picking = (
            self.env["stock.picking"]
            .sudo()
            .create(
                {
                    "picking_type_id": picking_type.id,
                    "partner_id": client.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "origin": self.ticket_id.number or self.ticket_id.display_name,
                    "helpdesk_ticket_id": self.ticket_id.id,
                    "company_id": self.company_id.id,
                    "move_ids": [Command.create({"name": lot.product_id.display_name, **values})],
                }
            )  # fmt: skip
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.write(
            {"move_line_ids": [Command.create(
                {"picking_id": picking.id, "lot_id": lot.id, "quantity": 1.0,
                 **{k: values[k] for k in ("product_id", "location_id", "location_dest_id")}}
            )], "picked": True}
        )  # fmt: skip
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        if picking.state != "done":
            raise UserError(self.env._("Transfer %s could not be validated.", picking.name))
        return picking

    # ------------------------------------------------------------------ progress

    @staticmethod
    def _before_call(request, progress, flag):
        """Mark a write as sent, committed before it leaves: a later run re-reads first."""
        progress[flag] = True
        request._save_progress(progress)

    def _save(self, request, progress, note=None):
        if note:
            self._post(request, note, ticket_only=True)
        request._save_progress(progress)

    def _post(self, request, message, ticket_only=False):
        self.ticket_id.sudo().message_post(body=message)
        if not ticket_only:
            request.message_post(body=message)
            self.service_line_id.sudo().message_post(body=message)

    def _stop(self, request, error):
        """Record why the run stopped (committed), then show it."""
        lost = isinstance(error, StarlinkError) and error.possibly_applied
        text = str(error.args[0] if isinstance(error, UserError) else error)
        request.write({"state": "unknown" if lost else "failed", "error": text})
        if lost:
            message = self.env._(
                "Terminal swap on %(line)s stopped: the answer of Starlink was lost "
                "(%(error)s). Starlink may have done that step: run Swap Terminal again, it "
                "is looked up at Starlink before anything is sent again.",
                line=self.service_line_id.display_name,
                error=text,
            )
        else:
            message = self.env._(
                "Terminal swap on %(line)s stopped: %(error)s. What was done is kept; run "
                "Swap Terminal again to continue.",
                line=self.service_line_id.display_name,
                error=text,
            )
        self._post(request, message)
        request._commit()
        raise UserError(message) from error
