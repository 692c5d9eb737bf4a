"""Portal: "Report a problem" on a service line, and tickets as clients see them.

The line is checked with ``_document_check_access`` (starlink_portal's
``_starlink_line_check_access``) before anything is read in sudo mode; the terminal and the
category are then checked to be the line's and offered in the portal by the model
(``helpdesk.ticket._portal_line_ticket_errors``), which also creates the ticket.
"""

from odoo import http
from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController
from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk
from odoo.addons.starlink_portal.controllers.portal import StarlinkPortal
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

TICKET_FORM_URL = "/my/starlink/lines/<int:line_id>/ticket"


def _int(value):
    return int(value) if value and str(value).isdigit() else 0


class StarlinkHelpdeskPortal(StarlinkPortal):
    _starlink_ticket_suggestion_limit = 5
    _starlink_line_ticket_limit = 10

    # ------------------------------------------------------------------ values

    def _prepare_starlink_line_values(self, line_sudo, access_token=None, **kwargs):
        values = super()._prepare_starlink_line_values(
            line_sudo, access_token=access_token, **kwargs
        )
        values["tickets"] = self._starlink_line_tickets(line_sudo)
        return values

    def _starlink_line_tickets(self, line_sudo):
        """The line's latest support tickets the user may open himself, open ones first
        (none for a share link): searched as the user (the helpdesk's portal rules)."""
        Ticket = request.env["helpdesk.ticket"]
        if request.env.user._is_public() or not Ticket.has_access("read"):
            return Ticket
        return Ticket.search(
            [("service_line_id", "=", line_sudo.id)],
            order="closed, create_date desc, id desc",
            limit=self._starlink_line_ticket_limit,
        )

    def _starlink_ticket_choices(self, line_sudo, terminal=None, category=None):
        """The terminal and category chosen in the form, as records of the line's offer
        (empty when the id is not one of them: the model reports it on submit)."""
        Ticket = request.env["helpdesk.ticket"]
        terminals = Ticket._portal_line_ticket_terminals(line_sudo)
        categories = Ticket._portal_line_ticket_categories(line_sudo)
        terminal_id, category_id = _int(terminal), _int(category)
        if terminal_id:
            chosen_terminal = terminals.filtered(lambda t: t.id == terminal_id)
        else:
            chosen_terminal = terminals if len(terminals) == 1 else terminals.browse()
        chosen_category = categories.filtered(lambda c: c.id == category_id)
        return terminals, categories, chosen_terminal, chosen_category

    def _starlink_ticket_suggestions(self, line_sudo, terminal, category):
        """Published articles for the line's situation, read as the visitor (record rules)."""
        return request.env["starlink.kb.article"]._suggest_for_line(
            line_sudo, terminal or None, category or None, self._starlink_ticket_suggestion_limit
        )

    def _prepare_starlink_ticket_form_values(
        self, line_sudo, terminal=None, category=None, subject="", description="",
        errors=None, **kwargs,
    ):  # fmt: skip
        terminals, categories, chosen_terminal, chosen_category = self._starlink_ticket_choices(
            line_sudo, terminal, category
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_line_ticket",
                "line": line_sudo,
                "terminals": terminals,
                "categories": categories,
                "terminal": chosen_terminal,
                "category": chosen_category,
                "subject": subject or "",
                "description": description or "",
                "errors": errors or {},
                "suggestions": self._starlink_ticket_suggestions(
                    line_sudo, chosen_terminal, chosen_category
                ),
                "max_upload_size": request.env["ir.http"].session_info()["max_file_upload_size"],
            }
        )
        return values

    # ------------------------------------------------------------------ routes

    @http.route([TICKET_FORM_URL], type="http", auth="user", methods=["GET", "POST"], website=True)
    def portal_starlink_line_ticket(self, line_id, **kwargs):
        """The form (GET, also to refresh the suggestions without JavaScript) and its
        submission (POST, CSRF checked by Odoo)."""
        try:
            line_sudo = self._starlink_line_check_access(line_id)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        if request.httprequest.method == "POST":
            return self._starlink_ticket_submit(line_sudo, **kwargs)
        values = self._prepare_starlink_ticket_form_values(line_sudo, **kwargs)
        return request.render("starlink_helpdesk.portal_starlink_line_ticket_form", values)

    @http.route(
        [f"{TICKET_FORM_URL}/suggestions"], type="http", auth="user", website=True, readonly=True
    )
    def portal_starlink_line_ticket_suggestions(self, line_id, terminal=None, category=None, **kw):
        """The suggested articles for another terminal or category (HTML of the form's box)."""
        try:
            line_sudo = self._starlink_line_check_access(line_id)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        _terminals, _categories, chosen_terminal, chosen_category = self._starlink_ticket_choices(
            line_sudo, terminal, category
        )
        values = {
            "line": line_sudo,
            "suggestions": self._starlink_ticket_suggestions(
                line_sudo, chosen_terminal, chosen_category
            ),
        }
        return request.render("starlink_helpdesk.portal_starlink_ticket_suggestions", values)

    def _starlink_ticket_submit(self, line_sudo, terminal=None, category=None, subject="",
                                description="", **kwargs):  # fmt: skip
        if kwargs.get("refresh"):  # "Show articles for my choices" without JavaScript
            values = self._prepare_starlink_ticket_form_values(
                line_sudo, terminal=terminal, category=category, subject=subject,
                description=description,
            )  # fmt: skip
            return request.render("starlink_helpdesk.portal_starlink_line_ticket_form", values)
        Ticket = request.env["helpdesk.ticket"]
        terminals = Ticket._portal_line_ticket_terminals(line_sudo)
        categories = Ticket._portal_line_ticket_categories(line_sudo)
        # Read as the offered choices are (the line checked above); unknown ids stay as given,
        # not dropped: the model refuses them with a message.
        terminal_rec = terminals.browse(_int(terminal) or []).exists()
        category_rec = categories.browse(_int(category) or []).exists()
        errors = Ticket._portal_line_ticket_errors(
            line_sudo, terminal_rec, category_rec, subject, description
        )
        files = [f for f in request.httprequest.files.getlist("attachment") if f.filename]
        if errors:
            if files:
                errors["attachment"] = request.env._("Please choose your files again.")
            values = self._prepare_starlink_ticket_form_values(
                line_sudo, terminal=terminal, category=category, subject=subject,
                description=description, errors=errors,
            )  # fmt: skip
            return request.render(
                "starlink_helpdesk.portal_starlink_line_ticket_form", values, status=400
            )
        ticket = Ticket._portal_create_from_line(
            line_sudo,
            terminal_rec,
            category_rec,
            subject,
            description,
            request.env.user.partner_id,
            attachments=[(f.filename, f.read()) for f in files],
        )
        return request.redirect(f"/my/ticket/{ticket.id}")


class StarlinkHelpdeskTicketPortal(CustomerPortalHelpdesk):
    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        """The ticket page links to the line page for the client's own contacts (not to
        a visitor holding the ticket's share link)."""
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        user = request.env.user
        values["starlink_show_line_link"] = bool(
            not user._is_public()
            and ticket.service_line_id
            and ticket.commercial_partner_id == user.commercial_partner_id
        )
        return values


class StarlinkHelpdeskTicketController(HelpdeskTicketController):
    # ------------------------------------------------------------------ new ticket (/new/ticket)

    def _starlink_ticket_lines(self):
        """The service lines the visitor may name on a new ticket: his commercial entity's
        lines but drafts, searched as him (record rules; staff see only their own
        company's lines too, not every client's)."""
        Line = request.env["starlink.service.line"]
        if not Line.has_access("read"):
            return Line
        client = request.env.user.commercial_partner_id
        return Line.search(
            [("partner_id", "child_of", client.id), ("state", "!=", "draft")]
        )

    def _get_create_new_ticket_values(self, **kw):
        values = super()._get_create_new_ticket_values(**kw)
        values["starlink_lines"] = self._starlink_ticket_lines()
        values["starlink_line_id"] = _int(kw.get("line"))
        return values

    def _prepare_submit_ticket_vals(self, **kw):
        """The service line chosen on the form, when it is one the visitor may name (another
        id is refused: the form only offers his own); the ticket then belongs to the line's
        company unless its category has one, and names the line's terminal when it has only
        one (as *Report a problem* preselects it)."""
        vals = super()._prepare_submit_ticket_vals(**kw)
        line_id = _int(kw.get("line"))
        if line_id:
            line = self._starlink_ticket_lines().filtered(lambda line: line.id == line_id)
            if not line:
                raise AccessError(request.env._("This service line is not one of yours."))
            vals["service_line_id"] = line.id
            terminals = request.env["helpdesk.ticket"]._portal_line_ticket_terminals(line)
            if len(terminals) == 1:
                vals["terminal_id"] = terminals.id
            if not request.env["helpdesk.ticket.category"].browse(vals["category_id"]).company_id:
                vals["company_id"] = line.company_id.id
        return vals

    # ------------------------------------------------------------------ close
    @http.route()
    def support_ticket_close(self, **kw):
        """Helpdesk closes the ticket of any id it is given (read in sudo): only a ticket the
        visitor may read (his commercial entity's) is closed here; others go back to /my."""
        ticket_id = _int(kw.get("ticket_id"))
        ticket = request.env["helpdesk.ticket"].browse(ticket_id)
        try:
            ticket.check_access("read")
            ticket.ensure_one()
        except (AccessError, MissingError, ValueError):
            return request.redirect("/my")
        return super().support_ticket_close(**kw)
