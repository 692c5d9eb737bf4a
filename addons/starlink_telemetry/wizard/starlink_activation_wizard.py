"""Activate a draft service line at Starlink, or link it to a line that exists there.

Starlink's activation is four writes without an idempotency key (DESIGN §5): an address,
the service line (billable), the terminal onto the account, the terminal onto the line.
The run is one ``starlink.api.request`` of kind ``activation``, committed before the first
call; each call is marked sent (committed) before it leaves and its result is stored
(committed) as soon as it is answered. A refused or lost call stops the run with a clear
error; the Odoo line stays a draft, and running the wizard again resumes from the last step
done. A step whose call was sent before is first looked up at Starlink (the address by our
reference in its metadata, the line by its address, the terminal by its serial), so a lost
answer never opens a second address or a second billable line.
"""

import json

from odoo import _, api, fields, models
from odoo.addons.starlink_base.models.starlink_service_line import PLACEHOLDER_PREFIX
from odoo.exceptions import AccessError, UserError

from ..lib.exceptions import StarlinkError, StarlinkNotFoundError

SALES_GROUP = "starlink_base.starlink_base_group_sales"


class StarlinkActivationWizard(models.TransientModel):
    _name = "starlink.activation.wizard"
    _description = "Activate a Service Line at Starlink"

    service_line_id = fields.Many2one("starlink.service.line", required=True, readonly=True)
    company_id = fields.Many2one(related="service_line_id.company_id")
    mode = fields.Selection(
        [("create", "Create the line at Starlink"), ("link", "Link a line that exists there")],
        default="create",
        required=True,
    )
    address_mode = fields.Selection(
        [("create", "Create it from the line's address"),
         ("existing", "An address known to Starlink")],
        string="Service Address", compute="_compute_address_mode", store=True, readonly=False,
    )  # fmt: skip
    address_reference = fields.Char(
        string="Starlink Address",
        compute="_compute_address_reference",
        store=True,
        readonly=False,
        help="The addressReferenceId of an address Starlink already has.",
    )
    latitude = fields.Float(
        compute="_compute_coordinates", store=True, readonly=False, digits=(10, 6)
    )
    longitude = fields.Float(
        compute="_compute_coordinates", store=True, readonly=False, digits=(10, 6)
    )
    address_found = fields.Char(
        string="Address at Starlink", readonly=True, help="The address Starlink has under it."
    )
    product_id = fields.Many2one(
        "product.product",
        string="Plan",
        domain=[("is_starlink_plan", "=", True)],
        compute="_compute_product_id",
        store=True,
        readonly=False,
    )
    product_reference = fields.Char(
        related="product_id.starlink_product_reference", string="Starlink Product"
    )
    terminal_id = fields.Many2one(
        "starlink.terminal",
        string="Terminal",
        compute="_compute_terminal_id",
        store=True,
        readonly=False,
        domain="[('company_id', '=', company_id), '|', ('service_line_id', '=', service_line_id),"
        " '&', ('service_line_id', '=', False), ('inventory_state', 'in', ('in_stock', False))]",
        help="One of the line's terminals, or a kit in stock (its kit serial is sent).",
    )
    link_number = fields.Char(
        string="Service Line Number", help="The number of the line at Starlink, e.g. AST-..."
    )
    resume_note = fields.Text(compute="_compute_resume_note")

    # One compute per field: a value given for one of them leaves the others computed.
    @api.depends("service_line_id")
    def _compute_address_mode(self):
        for wizard in self:
            wizard.address_mode = (
                "existing" if wizard.service_line_id.address_reference else "create"
            )

    @api.depends("service_line_id")
    def _compute_coordinates(self):
        for wizard in self:
            wizard.latitude = wizard.service_line_id.latitude
            wizard.longitude = wizard.service_line_id.longitude

    @api.depends("service_line_id")
    def _compute_address_reference(self):
        for wizard in self:
            wizard.address_reference = wizard.service_line_id.address_reference

    @api.depends("service_line_id")
    def _compute_product_id(self):
        for wizard in self:
            wizard.product_id = wizard.service_line_id.product_id

    @api.depends("service_line_id")
    def _compute_terminal_id(self):
        for wizard in self:
            wizard.terminal_id = wizard.service_line_id.terminal_ids[:1]

    @api.depends("service_line_id")
    def _compute_resume_note(self):
        for wizard in self:
            request = wizard._previous_request()
            progress = json.loads(request.progress or "{}") if request else {}
            done = [
                _("address %s", progress["addressReferenceId"])
                if progress.get("addressReferenceId") else None,
                _("service line %s", progress["serviceLineNumber"])
                if progress.get("serviceLineNumber") else None,
            ]  # fmt: skip
            done = [item for item in done if item]
            wizard.resume_note = (
                _("An earlier run stopped (%(error)s). Already at Starlink: %(done)s. "
                  "Activating again continues from there.",
                  error=request.error or request.state, done=", ".join(done) or _("nothing"))
                if request else False
            )  # fmt: skip

    # ------------------------------------------------------------------ actions

    def action_confirm(self):
        self._check_role()
        self.ensure_one()
        self._check_line()
        if self.mode == "link":
            self._link()
        else:
            self._activate()
        return {"type": "ir.actions.act_window_close"}

    def action_lookup_address(self):
        """Read the address reference at Starlink and show its address (a read only)."""
        self._check_role()
        self.ensure_one()
        reference = (self.address_reference or "").strip()
        if not reference:
            raise UserError(_("Enter the Starlink address reference."))
        client = self.service_line_id.account_id._starlink_client()
        try:
            known = client.find_addresses(address_ids=[reference])
        except StarlinkError as error:
            raise UserError(_("Starlink could not be read: %s", error)) from error
        found = next((a for a in known if a.get("addressReferenceId") == reference), None)
        if not found:
            raise UserError(_("Starlink has no address %s.", reference))
        self.address_found = found.get("formattedAddress") or ", ".join(
            found.get("addressLines") or []
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------ checks

    @api.model
    def _check_role(self):
        if not self.env.su and not self.env.user.has_group(SALES_GROUP):
            raise AccessError(_("Only Sales & Support activates service lines at Starlink."))

    def _check_line(self):
        line = self.service_line_id
        line.check_access("write")
        if line.state != "draft":
            raise UserError(_("Only a draft line is activated (%s).", line.display_name))
        if not line.account_id:
            raise UserError(_("%s is not linked to a Starlink account.", line.display_name))

    def _check_activation(self):
        """Everything Odoo can check before the first call."""
        line, terminal = self.service_line_id, self.terminal_id
        if not self.product_reference:
            raise UserError(_("Choose a plan that has a Starlink product reference."))
        if not terminal:
            raise UserError(_("Choose the terminal (kit) to activate."))
        other = terminal.service_line_id
        if other and other != line and other.state != "cancelled":
            raise UserError(
                _("Terminal %(terminal)s is already on service line %(line)s.",
                  terminal=terminal.display_name, line=other.display_name)
            )  # fmt: skip
        if not self._device_id():
            raise UserError(_("Terminal %s has no kit serial.", terminal.display_name))
        if self.address_mode == "existing" and not (self.address_reference or "").strip():
            raise UserError(_("Enter the Starlink address reference."))
        if self.address_mode == "create":
            if not line.street:
                raise UserError(_("Enter the street of %s first.", line.display_name))
            if not (self.latitude or self.longitude):
                raise UserError(
                    _("Enter the latitude and longitude of %s first: Starlink places the "
                      "service address by its coordinates.", line.display_name)
                )  # fmt: skip

    def _device_id(self):
        """The terminal id once Starlink gave one, else the kit serial."""
        terminal = self.terminal_id
        if terminal.user_terminal_id and not terminal.user_terminal_id.startswith(
            PLACEHOLDER_PREFIX
        ):
            return terminal.user_terminal_id
        return terminal.kit_serial

    # ------------------------------------------------------------------ link

    def _link(self):
        line = self.service_line_id
        number = (self.link_number or "").strip()
        if not number or number.startswith(PLACEHOLDER_PREFIX):
            raise UserError(_("Enter the service line number Starlink gave."))
        twin = self.env["starlink.service.line"].search(
            [("account_id", "=", line.account_id.id), ("service_line_number", "=", number),
             ("id", "!=", line.id)], limit=1,
        )  # fmt: skip
        if twin:
            raise UserError(_("%(number)s is already in Odoo: %(line)s.", number=number,
                              line=twin.display_name))  # fmt: skip
        client = line.account_id._starlink_client()
        try:
            payload = client.get_service_line(number)
            found = list(client.iter_user_terminals(service_line_numbers=[number]))
        except StarlinkNotFoundError:
            raise UserError(_("Starlink has no service line %s.", number)) from None
        except StarlinkError as error:
            raise UserError(_("Starlink could not be read: %s", error)) from error
        if payload.get("endDate") and not payload.get("active"):
            raise UserError(_("Service line %s has ended at Starlink.", number))
        line._starlink_activated(payload, self._match_terminals(found))
        line.message_post(body=_("Linked to service line %s at Starlink.", number))

    def _match_terminals(self, found):
        """Odoo terminals of Starlink's ``found`` ones (by terminal id or kit serial)."""
        Terminal = self.env["starlink.terminal"]
        pairs = []
        for item in found:
            terminal = Terminal.search(
                [("company_id", "=", self.company_id.id), "|",
                 ("user_terminal_id", "=", item.get("userTerminalId")),
                 ("kit_serial", "=", item.get("kitSerialNumber") or "-")], limit=1,
            )  # fmt: skip
            other = terminal.service_line_id
            if terminal and other and other != self.service_line_id and other.state != "cancelled":
                raise UserError(
                    _("Terminal %(terminal)s is on service line %(line)s in Odoo.",
                      terminal=terminal.display_name, line=other.display_name)
                )  # fmt: skip
            if terminal:
                pairs.append((terminal, item))
        return pairs

    # ------------------------------------------------------------------ activation

    def _previous_request(self):
        """The activation of this line that did not finish, if any."""
        if not self.service_line_id:
            return self.env["starlink.api.request"]
        return self.env["starlink.api.request"].sudo().search(
            [("kind", "=", "activation"), ("service_line_id", "=", self.service_line_id.id),
             ("state", "!=", "confirmed")], order="id desc", limit=1,
        )  # fmt: skip

    def _activation_request(self):
        """The run's request (an unfinished one resumed, else a new one), committed in
        ``sending`` before any call."""
        line = self.service_line_id
        Request = self.env["starlink.api.request"]
        Request._check_kind_access("activation")
        request = self._previous_request()
        if request.state == "sending" and not request._is_checkable():
            raise UserError(_("%s is being activated right now.", line.display_name))
        if not request:
            request = Request._create_request(
                "activation", line.account_id, line.service_line_number,
                {"productReferenceId": self.product_reference, "deviceId": self._device_id()},
                service_line_id=line.id, terminal_id=self.terminal_id.id,
            )  # fmt: skip
        request.write(
            {"state": "sending", "error": False, "date_sent": fields.Datetime.now(),
             "attempt_count": request.attempt_count + 1, "terminal_id": self.terminal_id.id}
        )  # fmt: skip
        request._commit()
        return request

    def _activate(self):
        self._check_activation()
        line = self.service_line_id
        request = self._activation_request()
        progress = json.loads(request.progress or "{}")
        client = request._starlink_client()
        try:
            device = self._device_id()
            found = client.find_user_terminal(device)
            number = progress.get("serviceLineNumber")
            if found and found.get("serviceLineNumber") not in (None, number):
                raise UserError(
                    _("Terminal %(device)s is on service line %(line)s at Starlink.",
                      device=device, line=found["serviceLineNumber"])
                )  # fmt: skip
            if not progress.get("addressReferenceId"):
                self._step_address(client, request, progress)
            if not number:
                number = self._step_service_line(client, request, progress)
            if not found:
                found = self._step_add_terminal(client, request, progress, device)
            if found.get("serviceLineNumber") != number:
                self._before_call(request, progress, "attachSent")
                client.attach_user_terminal(number, found["userTerminalId"])
                found = client.find_user_terminal(found["userTerminalId"]) or found
            payload = client.get_service_line(number)
        except (StarlinkError, UserError) as error:
            self._stop(request, error)
        try:
            with self.env.cr.savepoint():
                line._starlink_activated(payload, [(self.terminal_id, found)])
        except Exception as error:  # noqa: BLE001 - the run is recorded stopped, then shown
            self._stop(request, UserError(str(error)))
        request.write({"state": "confirmed", "date_done": fields.Datetime.now(),
                       "response": json.dumps(payload, sort_keys=True)[:10000]})  # fmt: skip
        message = _("Activated at Starlink: service line %s.", number)
        request.message_post(body=message)
        line.message_post(body=message)
        request._commit()

    def _step_address(self, client, request, progress):
        """The service address: an existing one (checked), or ours, looked up before it is
        created again."""
        line = self.service_line_id
        if self.address_mode == "existing":
            reference = self.address_reference.strip()
            known = client.find_addresses(address_ids=[reference])
            if not any(a.get("addressReferenceId") == reference for a in known):
                raise UserError(_("Starlink has no address %s.", reference))
            progress["linesBefore"] = [
                item.get("serviceLineNumber")
                for item in client.iter_service_lines(address_reference_id=reference)
            ]
        else:
            key = self._address_metadata()
            known = client.find_addresses(metadata=key) if progress.get("addressSent") else []
            if known:
                reference = known[0].get("addressReferenceId")
            else:
                self._before_call(request, progress, "addressSent")
                reference = client.create_address(**self._prepare_address(key)).get(
                    "addressReferenceId"
                )
            if not reference:
                raise UserError(_("Starlink gave no reference for the new address."))
            progress["linesBefore"] = []
            line.write({"latitude": self.latitude, "longitude": self.longitude})
        progress["addressReferenceId"] = reference
        line.address_reference = reference
        self._save(request, progress, _("Starlink service address: %s.", reference))

    def _step_service_line(self, client, request, progress):
        """``POST /service-lines``; after a call whose answer may be lost, the line is first
        looked for at the address (lines there before the call, or known to Odoo, excluded)."""
        address = progress["addressReferenceId"]
        payload = None
        if progress.get("lineSent"):
            Line = self.env["starlink.service.line"].sudo()
            before = set(progress.get("linesBefore") or [])
            new = [
                item for item in client.iter_service_lines(address_reference_id=address)
                if item.get("serviceLineNumber") not in before and not item.get("endDate")
                and not Line.search_count([("account_id", "=", request.account_id.id),
                                           ("service_line_number", "=", item["serviceLineNumber"])])
            ]  # fmt: skip
            if len(new) > 1:
                raise UserError(
                    _("Starlink shows several new lines at address %(address)s (%(lines)s): "
                      "link the right one instead.", address=address,
                      lines=", ".join(item["serviceLineNumber"] for item in new))
                )  # fmt: skip
            payload = new[0] if new else None
        if payload is None:
            self._before_call(request, progress, "lineSent")
            payload = client.create_service_line(address, self.product_reference)
        number = payload.get("serviceLineNumber")
        if not number:
            raise UserError(_("Starlink gave no number for the new service line."))
        progress["serviceLineNumber"] = number
        request.reference = number
        self._save(request, progress, _("Service line %s created at Starlink.", number))
        return number

    def _step_add_terminal(self, client, request, progress, device):
        """``POST /user-terminals``: the kit onto the account (its answer has no id: the
        terminal is read back)."""
        self._before_call(request, progress, "terminalSent")
        client.add_user_terminal(device)
        found = client.find_user_terminal(device)
        if not found:
            raise UserError(_("Starlink does not list terminal %s after adding it.", device))
        self._save(request, progress)
        return found

    def _address_metadata(self):
        """Our reference on the address, to find it again at Starlink."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"odoo:{uuid[:8]}:starlink.service.line:{self.service_line_id.id}"

    def _prepare_address(self, metadata):
        line = self.service_line_id
        lines = [text for text in (line.street, line.street2) if text]
        city = " ".join(text for text in (line.zip, line.city) if text)
        formatted = ", ".join(
            text for text in (*lines, city, line.state_id.name, line.country_id.name) if text
        )
        return {
            "address_lines": lines,
            "formatted_address": formatted,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "locality": line.city or None,
            "administrative_area": line.state_id.name or None,
            "region": line.country_id.code or None,
            "postal_code": line.zip or None,
            "metadata": metadata,
        }

    # ------------------------------------------------------------------ progress

    @staticmethod
    def _before_call(request, progress, flag):
        """Mark a write as sent, committed before it leaves: a later run re-reads first."""
        progress[flag] = True
        request._save_progress(progress)

    def _save(self, request, progress, note=None):
        if note:
            self.service_line_id.message_post(body=note)
        request._save_progress(progress)

    def _stop(self, request, error):
        """Record why the run stopped (committed), then show it."""
        lost = isinstance(error, StarlinkError) and error.possibly_applied
        text = str(error.args[0] if isinstance(error, UserError) else error)
        request.write({"state": "unknown" if lost else "failed", "error": text})
        if lost:
            message = _(
                "Activation of %(line)s stopped: the answer of Starlink was lost (%(error)s). "
                "Starlink may have done that step: run Activate at Starlink again, it is "
                "looked up at Starlink before anything is sent again.",
                line=self.service_line_id.display_name,
                error=text,
            )
        else:
            message = _(
                "Activation of %(line)s stopped: %(error)s. What was done at Starlink is "
                "kept on the line; run Activate at Starlink again to continue.",
                line=self.service_line_id.display_name,
                error=text,
            )
        request.message_post(body=message)
        self.service_line_id.message_post(body=message)
        request._commit()
        raise UserError(message) from error
