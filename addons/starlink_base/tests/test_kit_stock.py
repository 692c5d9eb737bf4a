from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common_sale import StarlinkSaleCase


@tagged("post_install", "-at_install")
class TestStarlinkKitStock(StarlinkSaleCase):
    def test_receipt_creates_terminals_once(self):
        self._receive(["KSN-001", "KSN-002"])
        terminals = self.env["starlink.terminal"].search([("product_id", "=", self.kit.id)])
        self.assertEqual(len(terminals), 2)
        first = self._terminal("KSN-001")
        self.assertEqual(first.user_terminal_id, "NEW-KSN-001")
        self.assertEqual(first.kit_serial, "KSN-001")
        self.assertEqual(first.lot_id.name, "KSN-001")
        self.assertEqual(first.product_id, self.kit)
        self.assertEqual(first.company_id, self.company)
        self.assertFalse(first.account_id)
        self.assertFalse(first.service_line_id)
        self.assertEqual(first.inventory_state, "in_stock")
        self.assertEqual(first.lot_id.action_view_starlink_terminals()["res_id"], first.id)

        # the serial leaves and comes back: still the same terminal, no second one
        self._ship_to_customer(["KSN-001"])
        self._receive(["KSN-001"], source=self.customer_location)
        terminals = self.env["starlink.terminal"].search([("product_id", "=", self.kit.id)])
        self.assertEqual(len(terminals), 2)
        self.assertEqual(self._terminal("KSN-001"), first)

    def test_inventory_state_follows_the_moves(self):
        self._receive(["KSN-010"])
        terminal = self._terminal("KSN-010")
        self.assertEqual(terminal.inventory_state, "in_stock")
        self._ship_to_customer(["KSN-010"])
        self.assertEqual(terminal.inventory_state, "deployed")
        self._receive(["KSN-010"], source=self.customer_location)
        self.assertEqual(terminal.inventory_state, "returned")
        self._move(["KSN-010"], self.stock_location, self.shelf)
        self.assertEqual(terminal.inventory_state, "returned")
        self._move(["KSN-010"], self.shelf, self.stock_location)
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.kit.id,
                "lot_id": terminal.lot_id.id,
                "scrap_qty": 1,
                "location_id": self.stock_location.id,
                "company_id": self.company.id,
            }
        )
        scrap.do_scrap()
        self.assertEqual(scrap.state, "done")
        self.assertEqual(terminal.inventory_state, "retired")
        self.assertEqual(
            self.env["starlink.terminal"].search_count([("inventory_state", "=", "retired")]), 1
        )

    def test_kit_sent_back_to_the_vendor_is_returned(self):
        self._receive(["KSN-015"])
        self._move(["KSN-015"], self.stock_location, self.supplier_location)
        self.assertEqual(self._terminal("KSN-015").inventory_state, "returned")

    def test_kit_found_at_a_count_gets_its_terminal(self):
        lot = self.env["stock.lot"].create({"name": "KSN-040", "product_id": self.kit.id})
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.kit.id,
                "location_id": self.stock_location.id,
                "lot_id": lot.id,
                "inventory_quantity": 1,
            }
        ).action_apply_inventory()
        terminal = self._terminal("KSN-040")
        self.assertEqual(terminal.user_terminal_id, "NEW-KSN-040")
        self.assertEqual(terminal.company_id, self.company)
        self.assertEqual(terminal.inventory_state, "in_stock")

    def test_terminal_known_by_serial_gets_the_lot(self):
        known = self.env["starlink.terminal"].create(
            {
                "user_terminal_id": "ut-known-1",
                "kit_serial": "KSN-020",
                "company_id": self.company.id,
            }
        )
        self._receive(["KSN-020"])
        self.assertEqual(self._terminal("KSN-020"), known)
        self.assertEqual(known.lot_id.name, "KSN-020")
        self.assertEqual(known.user_terminal_id, "ut-known-1")
        self.assertEqual(known.inventory_state, "in_stock")
        self.assertEqual(
            self.env["starlink.terminal"].search_count([("kit_serial", "=", "KSN-020")]), 1
        )

    def test_other_products_create_no_terminal(self):
        other = self.env["product.product"].create(
            {"name": "Cable kit", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        count = self.env["starlink.terminal"].search_count([])
        picking = self._receive(["KSN-030"])
        self.assertEqual(picking.state, "done")
        self.assertEqual(self.env["starlink.terminal"].search_count([]), count + 1)
        other_lot = self.env["stock.lot"].create({"name": "CBL-1", "product_id": other.id})
        self.assertFalse(other_lot._starlink_terminals())

    def test_kit_must_be_tracked_by_serial(self):
        with self.assertRaisesRegex(ValidationError, "must be storable and tracked by serial"):
            self.kit.product_tmpl_id.tracking = "none"
