from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common_sale import StarlinkSaleCase


@tagged("post_install", "-at_install")
class TestStarlinkSaleFlow(StarlinkSaleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_user = new_test_user(
            cls.env,
            login="kits_sales",
            groups="sales_team.group_sale_salesman,starlink_base.starlink_base_group_sales",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.viewer_user = new_test_user(
            cls.env,
            login="kits_viewer",
            groups="sales_team.group_sale_salesman,starlink_base.starlink_base_group_viewer",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def test_confirm_creates_draft_lines(self):
        order = self._order(plan_qty=2)
        order.action_confirm()
        lines = order.starlink_service_line_ids.sorted("id")
        self.assertEqual(len(lines), 2)
        self.assertEqual(order.starlink_service_line_count, 2)
        self.assertEqual(
            lines.mapped("service_line_number"), [f"NEW-{order.name}-1", f"NEW-{order.name}-2"]
        )
        plan_line = order.order_line.filtered(lambda line: line.product_id == self.plan)
        for line in lines:
            self.assertEqual(line.state, "draft")
            self.assertEqual(line.partner_id, self.client)
            self.assertEqual(line.product_id, self.plan)
            self.assertEqual(line.sale_order_id, order)
            self.assertEqual(line.sale_line_id, plan_line)
            self.assertEqual(line.account_id, self.account)
            self.assertEqual(line.company_id, self.company)
            self.assertEqual(
                (line.street, line.city, line.zip), ("1 Barn Road", "Livingston", "59047")
            )
            self.assertEqual(line.nickname, "North Barn")
        # confirming does not double the lines when asked again
        self.assertFalse(order._starlink_create_service_lines())
        self.assertEqual(len(order.starlink_service_line_ids), 2)
        # the smart buttons lead from one to the other
        action = order.action_view_starlink_service_lines()
        self.assertEqual(action["domain"], [("sale_order_id", "=", order.id)])
        self.assertEqual(lines[0].action_view_sale_order()["res_id"], order.id)

    def test_cancelled_order_cancels_its_draft_lines(self):
        order = self._order()
        order.action_confirm()
        first = order.starlink_service_line_ids
        order._action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(first.service_line_number, f"NEW-{order.name}-1")
        order.action_draft()
        order.action_confirm()
        second = order.starlink_service_line_ids - first
        self.assertEqual(len(second), 1)
        self.assertEqual(second.state, "draft")
        self.assertEqual(second.service_line_number, f"NEW-{order.name}-2")

    def test_order_without_plan_creates_no_line(self):
        order = self._order()
        order.order_line.filtered(lambda line: line.product_id == self.plan).unlink()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.starlink_service_line_ids)

    def test_delivery_assigns_the_terminal(self):
        self._receive(["KSN-100", "KSN-101"])
        order = self._order()
        order.action_confirm()
        line = order.starlink_service_line_ids
        self._deliver(order.picking_ids, ["KSN-101"])
        self.assertEqual(order.picking_ids.state, "done")
        terminal = self._terminal("KSN-101")
        self.assertEqual(terminal.service_line_id, line)
        self.assertEqual(terminal.partner_id, self.client)
        self.assertEqual(terminal.account_id, self.account)
        self.assertEqual(terminal.inventory_state, "deployed")
        self.assertEqual(line.terminal_ids, terminal)
        self.assertFalse(self._terminal("KSN-100").service_line_id)
        self.assertEqual(self._terminal("KSN-100").inventory_state, "in_stock")

    def test_returned_kit_is_sold_again_once_its_line_is_cancelled(self):
        self._receive(["KSN-500"])
        first = self._order()
        first.action_confirm()
        delivery = first.picking_ids
        self._deliver(delivery, ["KSN-500"])
        terminal = self._terminal("KSN-500")
        first_line = first.starlink_service_line_ids
        self.assertEqual(terminal.service_line_id, first_line)
        # the client sends the kit back (Odoo's return of the delivery)
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1
        back = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        self._deliver(back, ["KSN-500"])
        self.assertEqual(back.state, "done")
        self.assertEqual(terminal.inventory_state, "returned")
        self.assertEqual(terminal.service_line_id, first_line)
        self.assertEqual(
            self.env["starlink.terminal"].search_count([("lot_id", "=", terminal.lot_id.id)]), 1
        )
        # sold again: refused while the first line may still use it, then accepted
        second = self._order()
        second.action_confirm()
        with self.assertRaisesRegex(UserError, "already on the service line"):
            self._deliver(second.picking_ids, ["KSN-500"])
        self.env.invalidate_all(flush=False)  # drop the values of the refused transfer
        self.assertEqual(second.picking_ids.state, "assigned")
        first_line.action_cancel()
        self._deliver(second.picking_ids, ["KSN-500"])
        self.assertEqual(terminal.service_line_id, second.starlink_service_line_ids)
        self.assertEqual(terminal.inventory_state, "deployed")

    def test_terminal_on_another_line_is_refused(self):
        self._receive(["KSN-200"])
        terminal = self._terminal("KSN-200")
        other = self.env["starlink.service.line"].create(
            {
                "service_line_number": "SL-OTHER-1",
                "account_id": self.account.id,
                "partner_id": self.client.id,
                "state": "active",
            }
        )
        terminal.service_line_id = other
        order = self._order()
        order.action_confirm()
        picking = order.picking_ids
        with self.assertRaisesRegex(UserError, "already on the service line SL-OTHER-1"):
            self._deliver(picking, ["KSN-200"])
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(terminal.service_line_id, other)
        self.assertEqual(terminal.inventory_state, "in_stock")
        self.assertFalse(order.starlink_service_line_ids.terminal_ids)

    def test_company_without_account_is_refused(self):
        self.account.active = False
        order = self._order()
        with self.assertRaisesRegex(UserError, "Reseller Kits has no Starlink account"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.starlink_service_line_ids)

    def test_placeholder_number_stays_draft(self):
        order = self._order()
        order.action_confirm()
        line = order.starlink_service_line_ids
        with self.assertRaisesRegex(ValidationError, "is not at Starlink yet"):
            line.action_activate()
        # the failed write is rolled back (the savepoint); drop its cached values too
        self.env.invalidate_all(flush=False)
        self.assertEqual(line.state, "draft")
        line.service_line_number = "SL-4321-1"
        line.action_activate()
        self.assertEqual(line.state, "active")

    def test_sales_user_sells(self):
        self._receive(["KSN-300"])
        order = self._order(env=self.env(user=self.sales_user))
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        line = order.starlink_service_line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual(line.create_uid, self.sales_user)
        self.assertEqual(line.partner_id, self.client)

    def test_warehouse_user_receives_and_delivers(self):
        """Warehouse staff without a Starlink role: the terminals follow their transfers."""
        stock_user = new_test_user(
            self.env,
            login="kits_stock",
            groups="stock.group_stock_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        stock_env = self.env(user=stock_user)
        self._receive(["KSN-400"], env=stock_env)
        terminal = self._terminal("KSN-400")
        self.assertEqual(terminal.inventory_state, "in_stock")
        order = self._order(env=self.env(user=self.sales_user))
        order.action_confirm()
        self._deliver(order.picking_ids, ["KSN-400"], env=stock_env)
        self.assertEqual(terminal.service_line_id, order.starlink_service_line_ids)
        self.assertEqual(terminal.inventory_state, "deployed")

    def test_viewer_cannot_sell_plans(self):
        order = self._order(env=self.env(user=self.viewer_user))
        with self.assertRaises(AccessError):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertEqual(
            self.env["starlink.service.line"].search_count([("sale_order_id", "=", order.id)]), 0
        )
