from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.requests import CLIENT_STATES, client_state, is_form_token
from .starlink_api_request import PORTAL_REQUEST_KEY

KINDS = [("plan_change", "Plan Change"), ("top_up", "Data Top-Up")]
STATES = [
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("cancelled", "Cancelled"),
]
CLIENT_STATE_LABELS = {
    "waiting": "Waiting for approval",
    "in_progress": "In progress",
    "done": "Done",
    "scheduled": "Scheduled",
    "failed": "Not done yet",
    "refused": "Declined",
    "cancelled": "Cancelled",
}
SALES_GROUP = "starlink_base.starlink_base_group_sales"
# Amounts are compared at the currency's precision: an approval never charges more than the
# client saw.
AMOUNT_TOLERANCE = 0.005


class StarlinkPortalRequest(models.Model):
    """A plan change or data top-up a client asked for in the portal.

    Decision: a portal request is **not** sent to Starlink at once; it waits, "to approve",
    until a salesperson approves it in the backend with one click (``action_approve``), which
    sends it through the backend wizards' path (``starlink.top.up.wizard`` /
    ``starlink.plan.change.wizard``: a ``starlink.api.request`` recorded and committed before
    it is sent, never sent twice). Why: a top-up charges at Starlink on every call and a plan
    change moves the reseller's costs; neither can be taken back. A click by mistake, a shared
    or stolen portal login, or a client whose invoices are overdue should be caught by a person
    who knows the client, not by Starlink's invoice. The client sees the quote before confirming
    and follows the request's state on the line page; the salesperson gets an activity and a
    note on the line.

    The quote is recorded with the request. An approval is refused when it no longer holds
    (the line's plan changed, or the amount charged now would exceed what the client saw):
    sales then refuse the request and the client asks again. An upgrade is sent to apply at
    once and a downgrade at the next cycle, the way the client was told and billing bills it
    (by the client's prices), whatever Starlink's own price order.

    A double submit of one confirmation form creates one request: each form carries a one-time
    token (unique in the database); a second form for a line with a request of the same kind
    still to approve is refused (a partial unique index, like Starlink requests').
    """

    _name = "starlink.portal.request"
    _description = "Client Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    state = fields.Selection(
        STATES, default="to_approve", required=True, readonly=True, tracking=True, copy=False,
        index=True,
    )  # fmt: skip
    client_state = fields.Selection(
        [(state, CLIENT_STATE_LABELS[state]) for state in CLIENT_STATES],
        string="Status for the Client",
        compute="_compute_client_state",
        store=True,
        help="What the client sees in the portal.",
    )
    service_line_id = fields.Many2one(
        "starlink.service.line", required=True, readonly=True, index=True, ondelete="restrict",
        check_company=True,
    )  # fmt: skip
    company_id = fields.Many2one(related="service_line_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, readonly=True, index=True,
        help="The client (commercial entity) the line belonged to when the request was made.",
    )  # fmt: skip
    requested_by_id = fields.Many2one("res.users", string="Requested By", readonly=True)
    date_requested = fields.Datetime(
        string="Requested On", readonly=True, default=fields.Datetime.now
    )
    current_product_id = fields.Many2one("product.product", string="Plan When Asked", readonly=True)
    product_id = fields.Many2one(
        "product.product", string="Product", required=True, readonly=True,
        help="Plan change: the new plan; top-up: the data block the client is invoiced for.",
    )  # fmt: skip
    product_name = fields.Char(
        related="product_id.name", string="Product Name",
        help="Name of the product, readable by the line's clients.",
    )  # fmt: skip
    block_count = fields.Integer(string="Blocks", readonly=True)
    data_gb = fields.Float(string="Data (GB)", readonly=True)
    is_upgrade = fields.Boolean(string="Upgrade", readonly=True)
    effective_date = fields.Date(
        readonly=True, help="When the change applies: today for an upgrade, the next cycle "
        "for a downgrade.",
    )  # fmt: skip
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    old_price = fields.Monetary(string="Current Monthly Fee", readonly=True)
    price = fields.Monetary(
        readonly=True, help="Plan change: the new monthly fee; top-up: the price per block."
    )
    amount_now = fields.Monetary(
        string="Charged Now",
        readonly=True,
        help="Quoted to the client: an upgrade's prorated difference for the rest of the "
        "cycle, or the top-up's price; nothing for a downgrade.",
    )
    form_token = fields.Char(readonly=True, copy=False, groups="base.group_user")
    approved_by_id = fields.Many2one("res.users", string="Approved By", readonly=True)
    date_approved = fields.Datetime(string="Approved On", readonly=True, copy=False)
    refuse_reason = fields.Text(
        string="Reason", tracking=True, help="Why the request was declined (the client sees it)."
    )
    api_request_ids = fields.One2many(
        "starlink.api.request", "portal_request_id", string="Starlink Requests",
        groups="base.group_user",
    )  # fmt: skip
    api_request_id = fields.Many2one(
        "starlink.api.request", string="Starlink Request", compute="_compute_api_request_id",
        groups="base.group_user",
    )  # fmt: skip

    _sql_constraints = [
        ("form_token_uniq", "unique(form_token)", "This form was submitted already."),
        ("block_count_range", "CHECK(block_count >= 0)", "A top-up has a number of blocks."),
    ]

    def init(self):
        # One request of each kind to approve per line: a second insert waits for the first
        # commit, then fails.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS starlink_portal_request_to_approve_uniq
                ON starlink_portal_request (service_line_id, kind)
             WHERE state = 'to_approve'
            """
        )

    # ------------------------------------------------------------------ computes

    @api.depends("kind", "product_id", "block_count", "is_upgrade", "service_line_id")
    def _compute_name(self):
        for request in self:
            number = request.service_line_id.service_line_number or ""
            if request.kind == "top_up":
                request.name = self.env._(
                    "%(line)s: top-up %(count)s × 50 GB", line=number, count=request.block_count
                )
            elif request.is_upgrade:
                request.name = self.env._(
                    "%(line)s: upgrade to %(plan)s", line=number, plan=request.product_id.name
                )
            else:
                request.name = self.env._(
                    "%(line)s: change to %(plan)s", line=number, plan=request.product_id.name
                )

    @api.depends("state", "is_upgrade", "kind", "api_request_ids.state")
    def _compute_client_state(self):
        for request in self:
            sent = request.api_request_ids[:1]
            upgrade = request.kind == "top_up" or request.is_upgrade
            request.client_state = client_state(request.state, sent.state or None, upgrade)

    @api.depends("api_request_ids")
    def _compute_api_request_id(self):
        for request in self:
            request.api_request_id = request.api_request_ids[:1]

    # ------------------------------------------------------------------ CRUD

    @api.model
    def _portal_create(self, line, kind, product, form_token, block_count=0):
        """Record what the current (portal) user asked on ``line``; return the request.

        Run as the superuser by the controller, after its access check on ``line``; every
        choice is checked again here (a plan offered to the line, 1 to 10 blocks) and the
        quote is computed here, never taken from the form. A form submitted twice returns the
        request of its first submission.
        """
        if not is_form_token(form_token):
            raise UserError(self.env._("This form has expired: open it again."))
        existing = self._portal_request_for_token(form_token, line)
        if existing:
            return existing
        line._portal_check_request(kind)
        values = line._portal_request_values(kind, product, block_count)
        user = self.env.user
        values.update(
            kind=kind,
            service_line_id=line.id,
            partner_id=line.partner_id.commercial_partner_id.id,
            requested_by_id=user.id,
            form_token=form_token,
        )
        try:
            with self.env.cr.savepoint():
                request = self.sudo().create(values)
                request.flush_recordset()
        except pg_errors.UniqueViolation:
            existing = self._portal_request_for_token(form_token, line)
            if existing:
                return existing
            raise UserError(line._portal_pending_message(kind)) from None
        request._notify_sales()
        return request

    @api.model
    def _portal_request_for_token(self, form_token, line):
        """The request made with ``form_token``, when it was for ``line`` by this user."""
        request = self.sudo().search([("form_token", "=", form_token)], limit=1)
        if request and (
            request.service_line_id != line or request.requested_by_id != self.env.user
        ):
            raise AccessError(self.env._("This form belongs to another request."))
        return request

    # ------------------------------------------------------------------ actions

    def action_approve(self):
        """Sales approve: the request goes to Starlink through the backend wizard's path
        (recorded, committed, sent once); billing follows once Starlink confirms."""
        self._check_sales()
        notification = True
        for request in self:
            if request.state != "to_approve":
                raise UserError(self.env._("%s is not waiting for approval.", request.display_name))
            timing = request._check_quote_holds()
            request.write(
                {
                    "state": "approved",
                    "approved_by_id": self.env.user.id,
                    "date_approved": fields.Datetime.now(),
                }
            )
            request._close_activities(self.env._("Approved by %s.", self.env.user.name))
            wizard = request._prepare_wizard(timing)
            notification = wizard.with_context(**{PORTAL_REQUEST_KEY: request.id}).action_confirm()
        return notification

    def action_refuse(self):
        """Sales decline: nothing is sent; the client sees the request declined (with the
        reason written on it)."""
        self._check_sales()
        for request in self:
            if request.state != "to_approve":
                raise UserError(self.env._("%s is not waiting for approval.", request.display_name))
            request.state = "refused"
            note = self.env._("Declined by %s.", self.env.user.name)
            if request.refuse_reason:
                note += " " + request.refuse_reason
            request._close_activities(note)
            request.service_line_id.sudo().message_post(
                body=self.env._("Client request declined: %(name)s. %(note)s",
                                name=request.name, note=note),
                subtype_xmlid="mail.mt_note",
            )  # fmt: skip
        return True

    def _portal_cancel(self):
        """The client withdraws a request still to approve (run as the superuser after the
        controller's access check)."""
        self.ensure_one()
        if self.state != "to_approve":
            raise UserError(self.env._("Only a request waiting for approval can be cancelled."))
        self.state = "cancelled"
        note = self.env._("Cancelled by %s in the portal.", self.env.user.name)
        self._close_activities(note)
        self.service_line_id.message_post(
            body=self.env._("Client request cancelled: %(name)s.", name=self.name),
            subtype_xmlid="mail.mt_note",
        )

    def action_view_api_request(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "starlink.api.request",
            "res_id": self.api_request_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------ business

    def _check_sales(self):
        if not (self.env.su or self.env.user.has_group(SALES_GROUP)):
            raise AccessError(self.env._("Only Starlink Sales approve or decline client requests."))
        self.check_access("write")

    def _check_quote_holds(self):
        """The wizard timing of a plan change (None for a top-up); raise when the quote the
        client confirmed no longer holds."""
        self.ensure_one()
        line = self.service_line_id
        if self.kind == "top_up":
            amount = line._portal_top_up_amount(self.product_id, self.block_count)
            timing = None
        else:
            if line.product_id != self.current_product_id:
                raise UserError(
                    self.env._(
                        "%(line)s is on %(plan)s since the client asked: decline this request, "
                        "the client can ask again.",
                        line=line.display_name,
                        plan=line.product_id.display_name,
                    )
                )
            quote = line._portal_plan_change_quote(self.product_id)
            if quote.upgrade != self.is_upgrade:
                raise UserError(
                    self.env._("The prices changed since the client asked: decline this request.")
                )
            amount = quote.amount_now
            timing = "now" if quote.upgrade else "next_cycle"
        if amount > self.amount_now + AMOUNT_TOLERANCE:
            raise UserError(
                self.env._(
                    "Approving now would charge %(amount).2f, more than the %(quoted).2f the "
                    "client confirmed: decline this request, the client can ask again.",
                    amount=amount,
                    quoted=self.amount_now,
                )
            )
        return timing

    def _prepare_wizard(self, timing):
        """The backend wizard that sends this request, as sales would fill it in."""
        self.ensure_one()
        if self.kind == "top_up":
            return self.env["starlink.top.up.wizard"].create(
                {
                    "service_line_id": self.service_line_id.id,
                    "block_count": self.block_count,
                    "product_id": self.product_id.id,
                }
            )
        return self.env["starlink.plan.change.wizard"].create(
            {
                "service_line_id": self.service_line_id.id,
                "product_id": self.product_id.id,
                "timing": timing,
            }
        )

    def _sales_user(self):
        """Who is told: the client's salesperson, else the line's creator, else the admin."""
        self.ensure_one()
        line = self.service_line_id
        candidates = (
            self.partner_id.user_id
            | line.partner_id.user_id
            | line.create_uid
            | self.env.ref("base.user_admin", raise_if_not_found=False)
        )
        users = candidates.filtered(lambda user: user.active and not user.share)
        return users[:1]

    def _notify_sales(self):
        """An activity for the salesperson on the request, a note on the line."""
        self.ensure_one()
        sales = self._sales_user()
        summary = self.env._("Client request to approve: %s", self.name)
        if sales:
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=self._describe_quote(),
                user_id=sales.id,
            )
        self.service_line_id.sudo().message_post(
            body=self.env._(
                "%(user)s asked in the portal: %(name)s. %(quote)s Approve it from Starlink > "
                "Client Requests.",
                user=self.env.user.name,
                name=self.name,
                quote=self._describe_quote(),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _describe_quote(self):
        self.ensure_one()
        money = self.currency_id.format
        if self.kind == "top_up":
            return self.env._(
                "%(count)s × 50 GB at %(price)s: %(amount)s charged once.",
                count=self.block_count, price=money(self.price), amount=money(self.amount_now),
            )  # fmt: skip
        if self.is_upgrade:
            return self.env._(
                "From %(old)s to %(new)s a month, at once: %(amount)s for the rest of the cycle.",
                old=money(self.old_price), new=money(self.price), amount=money(self.amount_now),
            )  # fmt: skip
        return self.env._(
            "From %(old)s to %(new)s a month, from %(date)s: nothing charged now.",
            old=money(self.old_price), new=money(self.price), date=self.effective_date,
        )  # fmt: skip

    def _close_activities(self, feedback):
        self.sudo().activity_ids.action_feedback(feedback=feedback)
