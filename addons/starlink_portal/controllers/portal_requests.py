"""Plan change and data top-up requests from a service line's page.

* ``GET /my/starlink/lines/<id>/plan-change?plan_id=`` and ``.../top-up?blocks=``: the review
  page, with the price and what is charged now, and the confirmation form (CSRF token and a
  one-time form token);
* ``POST`` on the same paths: records the request (``starlink.portal.request``), which waits
  for sales' approval; back to the line page, which shows its state;
* ``POST /my/starlink/requests/<id>/cancel``: the client withdraws a request still to approve.

Only logged-in users of the line's client (commercial entity): the access check on the line
comes before anything else; share-link visitors and staff browsing the portal see no form.
"""

from odoo import http
from odoo.addons.starlink_telemetry.models.starlink_api_request import TOP_UP_GB
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import format_amount

from ..lib.requests import MAX_PORTAL_BLOCKS, new_form_token, parse_blocks, parse_id
from .portal import StarlinkPortal

LINE_REQUESTS_ANCHOR = "o_starlink_line_requests"
# Notices shown on the line page after a form (?request_notice=...).
REQUEST_NOTICES = ("sent", "cancelled", "pending")


class StarlinkPortalRequests(StarlinkPortal):
    # ------------------------------------------------------------------ access

    def _starlink_is_client_line(self, line_sudo):
        """Whether the logged-in user is a contact of the line's client."""
        user = request.env.user
        if user._is_public():
            return False
        client = user.partner_id.commercial_partner_id
        return line_sudo.partner_id.commercial_partner_id == client

    def _starlink_request_line(self, line_id):
        """The line (sudo) when the logged-in user may ask for it; raises otherwise."""
        line_sudo = self._starlink_line_check_access(line_id)
        if not self._starlink_is_client_line(line_sudo):
            raise AccessError(request.env._("Only the line's client can ask for changes."))
        return line_sudo

    def _starlink_line_requests_url(self, line_sudo, notice=None):
        query = f"?request_notice={notice}" if notice else ""
        return f"/my/starlink/lines/{line_sudo.id}{query}#{LINE_REQUESTS_ANCHOR}"

    # ------------------------------------------------------------------ line page

    def _prepare_starlink_line_values(self, line_sudo, access_token=None, **kwargs):
        values = super()._prepare_starlink_line_values(
            line_sudo, access_token=access_token, **kwargs
        )
        values.update(self._prepare_starlink_request_values(line_sudo, **kwargs))
        return values

    def _prepare_starlink_request_values(self, line_sudo, request_notice=None, **kwargs):
        """What the line page's request section shows: offered plans with their quotes, the
        top-up choices, pending requests and the latest requests with their state."""
        if not self._starlink_is_client_line(line_sudo):
            return {"can_request": False}
        env = request.env
        currency = line_sudo._portal_request_currency()

        def money(amount):
            return format_amount(env, amount, currency)

        plans, block = line_sudo._portal_offered_products()
        can_change_plan = line_sudo._portal_can_change_plan()
        can_top_up = line_sudo._portal_can_top_up(block)
        # The latest requests, and among them those not settled: enough to show the forms or
        # not (a pending request of a kind refuses a new one when it is submitted anyway).
        recent = line_sudo._portal_requests(env.user.partner_id.commercial_partner_id, limit=10)
        pending = set(
            recent.filtered(lambda r: r.client_state in ("waiting", "in_progress")).mapped("kind")
        )
        plan_options = line_sudo._portal_plan_options(plans) if can_change_plan else []
        return {
            "can_request": True,
            "request_money": money,
            "request_notice": request_notice if request_notice in REQUEST_NOTICES else None,
            "can_change_plan": can_change_plan,
            "plan_options": plan_options,
            # shown with the plans offered only (a line without contract: a pricelist lookup)
            "current_price": line_sudo._portal_current_price() if plan_options else False,
            "pending_plan_change": "plan_change" in pending,
            "can_top_up": can_top_up,
            "top_up_choices": [
                (count, money(line_sudo._portal_top_up_amount(block, count)))
                for count in range(1, MAX_PORTAL_BLOCKS + 1)
            ]
            if can_top_up
            else [],
            "pending_top_up": "top_up" in pending,
            "line_requests": recent[:5],
        }

    # ------------------------------------------------------------------ review pages

    def _prepare_starlink_review_values(self, line_sudo, kind, plan=None, blocks=None, **extra):
        currency = line_sudo._portal_request_currency()
        env = request.env
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_request_review",
                "line": line_sudo,
                "kind": kind,
                "currency": currency,
                "request_money": lambda amount: format_amount(env, amount, currency),
                "form_token": new_form_token(),
                "current_price": line_sudo._portal_current_price(),
                "error": None,
            }
        )
        if kind == "plan_change":
            quote = line_sudo._portal_plan_change_quote(plan)
            values.update(plan=plan, quote=quote, amount_now=currency.round(quote.amount_now))
        else:
            block = line_sudo._portal_top_up_product()
            values.update(
                block=block,
                blocks=blocks,
                data_gb=TOP_UP_GB * blocks,
                amount_now=currency.round(line_sudo._portal_top_up_amount(block, blocks)),
            )
        values.update(extra)
        return values

    def _starlink_review_choice(self, line_sudo, kind, plan_id=None, blocks=None):
        """The plan or number of blocks asked for, checked against what the line offers;
        raises UserError otherwise."""
        line_sudo._portal_check_request(kind)
        if kind == "plan_change":
            plan = line_sudo._portal_offered_plans().filtered(lambda p: p.id == parse_id(plan_id))
            if not plan:
                raise UserError(request.env._("Choose one of the plans offered for this line."))
            return plan, None
        count = parse_blocks(blocks)
        if not count:
            raise UserError(
                request.env._("Choose between 1 and %s blocks of 50 GB.", MAX_PORTAL_BLOCKS)
            )
        return None, count

    def _starlink_review_page(self, line_id, kind, plan_id=None, blocks=None):
        try:
            line_sudo = self._starlink_request_line(line_id)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        try:
            plan, count = self._starlink_review_choice(line_sudo, kind, plan_id, blocks)
        except UserError:
            notice = "pending" if line_sudo._portal_pending_request(kind) else None
            return request.redirect(self._starlink_line_requests_url(line_sudo, notice))
        values = self._prepare_starlink_review_values(line_sudo, kind, plan=plan, blocks=count)
        return request.render("starlink_portal.portal_starlink_request_review", values)

    def _starlink_confirm(self, line_id, kind, form_token, amount_shown, plan_id=None, blocks=None):
        """Record the request confirmed on the review page (once per form)."""
        try:
            line_sudo = self._starlink_request_line(line_id)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        # The model reads and records as the superuser, for this user and this checked line.
        Request = request.env["starlink.portal.request"]
        try:
            existing = Request._portal_request_for_token(form_token, line_sudo)
        except AccessError:
            return self._starlink_access_denied()
        if existing:  # the same form submitted again
            return request.redirect(self._starlink_line_requests_url(line_sudo, "sent"))
        try:
            plan, count = self._starlink_review_choice(line_sudo, kind, plan_id, blocks)
        except UserError:
            notice = "pending" if line_sudo._portal_pending_request(kind) else None
            return request.redirect(self._starlink_line_requests_url(line_sudo, notice))
        values = self._prepare_starlink_review_values(line_sudo, kind, plan=plan, blocks=count)
        try:
            shown = float(amount_shown)
        except (TypeError, ValueError):
            shown = None
        if shown is None or values["amount_now"] > shown + 0.005:
            # The amount moved since the page was shown (or the form was tampered with): show
            # the new amount and ask again.
            values["error"] = request.env._(
                "The amount changed since you opened this page: please check it and confirm again."
            )
            return request.render("starlink_portal.portal_starlink_request_review", values)
        try:
            Request._portal_create(line_sudo, kind, plan, form_token, block_count=count or 0)
        except UserError as error:
            values["error"] = str(error)
            return request.render("starlink_portal.portal_starlink_request_review", values)
        return request.redirect(self._starlink_line_requests_url(line_sudo, "sent"))

    # ------------------------------------------------------------------ routes

    @http.route(
        "/my/starlink/lines/<int:line_id>/plan-change", type="http", auth="user",
        methods=["GET"], website=True,
    )  # fmt: skip
    def portal_starlink_plan_change_review(self, line_id, plan_id=None, **kwargs):
        return self._starlink_review_page(line_id, "plan_change", plan_id=plan_id)

    @http.route(
        "/my/starlink/lines/<int:line_id>/plan-change", type="http", auth="user",
        methods=["POST"], website=True,
    )  # fmt: skip
    def portal_starlink_plan_change_confirm(
        self, line_id, plan_id=None, form_token=None, amount_shown=None, **kwargs
    ):
        return self._starlink_confirm(
            line_id, "plan_change", form_token, amount_shown, plan_id=plan_id
        )

    @http.route(
        "/my/starlink/lines/<int:line_id>/top-up", type="http", auth="user",
        methods=["GET"], website=True,
    )  # fmt: skip
    def portal_starlink_top_up_review(self, line_id, blocks=None, **kwargs):
        return self._starlink_review_page(line_id, "top_up", blocks=blocks)

    @http.route(
        "/my/starlink/lines/<int:line_id>/top-up", type="http", auth="user",
        methods=["POST"], website=True,
    )  # fmt: skip
    def portal_starlink_top_up_confirm(
        self, line_id, blocks=None, form_token=None, amount_shown=None, **kwargs
    ):
        return self._starlink_confirm(line_id, "top_up", form_token, amount_shown, blocks=blocks)

    @http.route(
        "/my/starlink/requests/<int:request_id>/cancel", type="http", auth="user",
        methods=["POST"], website=True,
    )  # fmt: skip
    def portal_starlink_request_cancel(self, request_id, **kwargs):
        try:
            request_sudo = self._document_check_access("starlink.portal.request", request_id)
            line_sudo = self._starlink_request_line(request_sudo.service_line_id.id)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        try:
            request_sudo._portal_cancel()
        except UserError:
            return request.redirect(self._starlink_line_requests_url(line_sudo))
        return request.redirect(self._starlink_line_requests_url(line_sudo, "cancelled"))
