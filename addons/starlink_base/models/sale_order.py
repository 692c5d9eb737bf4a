from odoo import api, fields, models
from odoo.exceptions import UserError

from .starlink_service_line import PLACEHOLDER_PREFIX


class SaleOrder(models.Model):
    _inherit = "sale.order"

    starlink_service_line_ids = fields.One2many(
        "starlink.service.line", "sale_order_id", string="Service Lines", readonly=True
    )
    starlink_service_line_count = fields.Integer(
        string="Service Line Count", compute="_compute_starlink_service_line_count"
    )

    @api.depends("starlink_service_line_ids")
    def _compute_starlink_service_line_count(self):
        counts = dict(
            self.env["starlink.service.line"]._read_group(
                [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
            )
        )
        for order in self:
            order.starlink_service_line_count = counts.get(order, 0)

    # ------------------------------------------------------------------ actions

    def action_confirm(self):
        self._starlink_check_service_lines()
        res = super().action_confirm()
        self._starlink_create_service_lines()
        return res

    def _action_cancel(self):
        """Cancelling an order cancels its service lines not activated yet."""
        res = super()._action_cancel()
        self.starlink_service_line_ids.filtered(lambda line: line.state == "draft").action_cancel()
        return res

    def action_view_starlink_service_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_base.starlink_service_line_action"
        )
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {"create": False}
        if self.starlink_service_line_count == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = self.starlink_service_line_ids.id
        return action

    # ------------------------------------------------------------------ business methods

    def _starlink_plan_lines(self):
        """Order lines selling a Starlink plan."""
        return self.order_line.filtered(
            lambda line: not line.display_type and line.product_id.is_starlink_plan
        )

    def _starlink_account(self):
        """The Starlink account the order's service lines are opened on: its company's."""
        self.ensure_one()
        return self.env["starlink.account"].search(
            [("company_id", "=", self.company_id.id)], order="id", limit=1
        )

    def _starlink_check_service_lines(self):
        """Refuse (before anything changes) an order whose service lines cannot be created."""
        orders = self.filtered(lambda order: order._starlink_plan_lines())
        if not orders:
            return
        self.env["starlink.service.line"].check_access("create")
        for order in orders:
            if not order._starlink_account():
                raise UserError(
                    self.env._(
                        "%(order)s sells a Starlink plan, but %(company)s has no Starlink "
                        "account to open its service line on. Add the company's account in "
                        "Starlink > Configuration > Accounts, then confirm the order again.",
                        order=order.name,
                        company=order.company_id.name,
                    )
                )

    def _starlink_create_service_lines(self):
        """Create the draft service lines of the orders: one per plan and unit sold.

        Lines already created for an order line (an order confirmed again) are not doubled;
        cancelled ones (the order was cancelled, then confirmed again) are replaced.
        """
        values = []
        for order in self:
            number = len(order.starlink_service_line_ids)
            existing = order.starlink_service_line_ids.filtered(
                lambda line: line.state != "cancelled"
            )
            for order_line in order._starlink_plan_lines():
                missing = round(order_line.product_uom_qty) - len(
                    existing.filtered(lambda line, ol=order_line: line.sale_line_id == ol)
                )
                for _index in range(max(missing, 0)):
                    number += 1
                    values.append(order._starlink_prepare_service_line(order_line, number))
        return self.env["starlink.service.line"].create(values)

    def _starlink_prepare_service_line(self, order_line, number):
        """Values of the ``number``-th service line of the order, for ``order_line``'s plan."""
        self.ensure_one()
        site = self.partner_shipping_id
        account = self._starlink_account()
        return {
            "service_line_number": f"{PLACEHOLDER_PREFIX}{self.name}-{number}",
            "nickname": site.name if site != self.partner_id else False,
            "account_id": account.id,
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "product_id": order_line.product_id.id,
            "sale_order_id": self.id,
            "sale_line_id": order_line.id,
            "installation_date": self.commitment_date and self.commitment_date.date(),
            "street": site.street,
            "street2": site.street2,
            "zip": site.zip,
            "city": site.city,
            "state_id": site.state_id.id,
            "country_id": site.country_id.id,
        }
