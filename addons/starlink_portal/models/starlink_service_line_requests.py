from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.starlink_base.lib.billing import prorated_price
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.addons.starlink_telemetry.models.starlink_api_request import PENDING_STATES, TOP_UP_GB
from odoo.exceptions import UserError

from ..lib.requests import MAX_PORTAL_BLOCKS, parse_blocks, plan_change_quote, top_up_amount


class StarlinkServiceLine(models.Model):
    """Plan changes and top-ups a client asks for in the portal: what is offered, at which
    price, and the quote as billing will bill it (``starlink.portal.request`` records it)."""

    _inherit = "starlink.service.line"

    portal_request_ids = fields.One2many(
        "starlink.portal.request", "service_line_id", string="Client Requests"
    )
    portal_request_count = fields.Integer(
        string="Client Request Count", compute="_compute_portal_request_count",
        groups="base.group_user",
    )  # fmt: skip

    def _compute_portal_request_count(self):
        counts = dict(
            self.env["starlink.portal.request"]._read_group(
                [("service_line_id", "in", self.ids)], ["service_line_id"], ["__count"]
            )
        )
        for line in self:
            line.portal_request_count = counts.get(line, 0)

    def action_view_portal_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_portal.starlink_portal_request_action"
        )
        action["domain"] = [("service_line_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ prices

    def _portal_request_currency(self):
        """The currency of the client's prices: his contract's (see ``_portal_fee``)."""
        return self._portal_fee()[1]

    def _portal_plan_price(self, plan):
        """The client's monthly fee for ``plan``, priced as billing prices a plan change
        (``contract.line._starlink_change_plan``): the contract's pricelist, else the
        client's, else the plan's sales price."""
        self.ensure_one()
        main = self.contract_line_id.sudo()
        if main:
            pricelist = main.contract_id.pricelist_id
        elif self.env["product.pricelist"]._starlink_portal_has_pricelist(self.company_id.id):
            client = self.partner_id.commercial_partner_id.sudo().with_company(self.company_id)
            pricelist = client.property_product_pricelist
        else:  # no active pricelist: no client has one (saves looking his up)
            pricelist = False
        return pricelist._get_product_price(plan, 1.0) if pricelist else plan.lst_price

    def _portal_current_price(self):
        """What the client pays a month now: his contract line's price (billing's old price)."""
        self.ensure_one()
        if not self.contract_line_id:
            return self._portal_plan_price(self.product_id)
        return self._portal_fee()[0]

    def _portal_first_unbilled(self):
        """The first day whose plan fee is not invoiced yet; None when the line is not billed."""
        self.ensure_one()
        main = self.contract_line_id.sudo()
        if not main:
            return None
        if main.last_date_invoiced:
            return main.last_date_invoiced + timedelta(days=1)
        return main.date_start or self.date_start

    def _portal_plan_change_quote(self, plan):
        """The quote (``lib.requests.PlanChangeQuote``) of changing to ``plan`` today."""
        self.ensure_one()
        today = self._starlink_today()
        billing_day = self.billing_day
        return plan_change_quote(
            self._portal_current_price(),
            self._portal_plan_price(plan),
            today,
            cycle_bounds(billing_day, today),
            self._portal_first_unbilled(),
            lambda price, first, last: prorated_price(price, billing_day, first, last),
        )

    def _portal_offered_products(self):
        """``(plans, data block)`` clients of this line may ask for, read in one query: the
        plans marked offered (other than the line's own) and the company's cheapest data
        block. None for a line whose plan Starlink does not know (no product reference):
        neither a plan change nor a top-up can be sent for it."""
        self.ensure_one()
        Product = self.env["product.product"]
        if not self.product_id.starlink_product_reference:
            return Product, Product
        products = (
            self.env["product.product"]
            .sudo()
            .search(
                [
                    ("sale_ok", "=", True),
                    ("company_id", "in", [False, self.company_id.id]),
                    "|",
                    ("starlink_top_up_block", "=", True),
                    "&",
                    ("is_starlink_plan", "=", True),
                    "&",
                    ("starlink_portal_offered", "=", True),
                    ("starlink_product_reference", "!=", False),
                ],
                order="list_price, id",
            )
        )
        plans = products.filtered(
            lambda p: p.is_starlink_plan and p.starlink_portal_offered and p != self.product_id
        )
        blocks = products.filtered(lambda p: p.starlink_top_up_block and not p.is_starlink_plan)
        return plans, blocks[:1]

    def _portal_top_up_product(self):
        """The data block clients of this line's company buy as a top-up (the cheapest)."""
        return self._portal_offered_products()[1]

    @api.model
    def _portal_top_up_amount(self, block, blocks):
        """A top-up's price, as the backend top-up wizard prices it (the block's sales price
        per block) and billing bills it (once)."""
        return top_up_amount(block.lst_price, blocks)

    def _portal_offered_plans(self):
        """The plans this line may change to from the portal."""
        return self._portal_offered_products()[0]

    def _portal_plan_options(self, plans=None):
        """``[{plan, quote, amount_now}]`` of the offered plans (or ``plans``), cheapest first."""
        self.ensure_one()
        currency = self._portal_request_currency()
        options = []
        for plan in self._portal_offered_plans() if plans is None else plans:
            quote = self._portal_plan_change_quote(plan)
            options.append(
                {"plan": plan, "quote": quote, "amount_now": currency.round(quote.amount_now)}
            )
        return sorted(options, key=lambda option: (option["quote"].new_price, option["plan"].id))

    # ------------------------------------------------------------------ checks

    def _portal_can_change_plan(self):
        self.ensure_one()
        return self.state in ("active", "suspended") and bool(
            self.product_id.starlink_product_reference
        )

    def _portal_can_top_up(self, block=None):
        """Whether the line can be topped up (with ``block``, the data block offered, when the
        caller read it already)."""
        self.ensure_one()
        return (
            self.state == "active"
            and bool(self.product_id.starlink_product_reference)
            and bool(block if block is not None else self._portal_top_up_product())
        )

    def _portal_pending_request(self, kind):
        """The request of ``kind`` on this line that is not settled yet: the client's (to
        approve or being sent) or one sales sent from the backend."""
        self.ensure_one()
        request = (
            self.env["starlink.portal.request"]
            .sudo()
            .search(
                [
                    ("service_line_id", "=", self.id),
                    ("kind", "=", kind),
                    ("client_state", "in", ("waiting", "in_progress")),
                ],
                limit=1,
            )
        )
        if request:
            return request
        return (
            self.env["starlink.api.request"]
            .sudo()
            .search(
                [
                    ("service_line_id", "=", self.id),
                    ("kind", "=", kind),
                    ("state", "in", PENDING_STATES),
                ],
                limit=1,
            )
        )

    def _portal_requests(self, client, limit=5):
        """The latest requests ``client`` made on this line (one query; the caller checked
        the user is a contact of ``client``)."""
        self.ensure_one()
        return (
            self.env["starlink.portal.request"]
            .sudo()
            .search(
                [("service_line_id", "=", self.id), ("partner_id", "=", client.id)], limit=limit
            )
        )

    def _portal_pending_message(self, kind):
        if kind == "top_up":
            return self.env._(
                "A top-up of %s is already waiting for approval or being processed.",
                self.display_name,
            )
        return self.env._(
            "A plan change of %s is already waiting for approval or being processed.",
            self.display_name,
        )

    def _portal_check_request(self, kind):
        """Raise when the client cannot ask for ``kind`` on this line now."""
        self.ensure_one()
        if kind == "plan_change":
            allowed = self._portal_can_change_plan()
        elif kind == "top_up":
            allowed = self._portal_can_top_up()
        else:
            allowed = False
        if not allowed:
            raise UserError(self.env._("This request is not available for %s.", self.display_name))
        if self._portal_pending_request(kind):
            raise UserError(self._portal_pending_message(kind))

    def _portal_request_values(self, kind, plan=None, block_count=0):
        """Values of a ``starlink.portal.request``: what the client chose and its quote."""
        self.ensure_one()
        currency = self._portal_request_currency()
        values = {
            "currency_id": currency.id,
            "current_product_id": self.product_id.id,
            "old_price": self._portal_current_price(),
        }
        if kind == "top_up":
            blocks = parse_blocks(block_count)
            if not blocks:
                raise UserError(
                    self.env._("Choose between 1 and %s blocks of 50 GB.", MAX_PORTAL_BLOCKS)
                )
            block = self._portal_top_up_product()
            values.update(
                product_id=block.id,
                block_count=blocks,
                data_gb=TOP_UP_GB * blocks,
                price=block.lst_price,
                amount_now=currency.round(self._portal_top_up_amount(block, blocks)),
                effective_date=self._starlink_today(),
            )
            return values
        if not plan or plan not in self._portal_offered_plans():
            raise UserError(self.env._("This plan is not offered for %s.", self.display_name))
        quote = self._portal_plan_change_quote(plan)
        values.update(
            product_id=plan.id,
            is_upgrade=quote.upgrade,
            effective_date=quote.effective_date,
            old_price=quote.old_price,
            price=quote.new_price,
            amount_now=currency.round(quote.amount_now),
        )
        return values
