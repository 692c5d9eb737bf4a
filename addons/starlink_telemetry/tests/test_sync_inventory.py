from odoo.tests import tagged

from .common import StarlinkSimulatorCase


@tagged("post_install", "-at_install")
class TestSyncInventory(StarlinkSimulatorCase):
    def test_products_lines_terminals_created_once(self):
        self.account._sync_inventory()
        lines = self.env["starlink.service.line"].search([("account_id", "=", self.account.id)])
        terminals = self.env["starlink.terminal"].search([("account_id", "=", self.account.id)])
        self.assertEqual(len(lines), self.simulator_terminals)
        self.assertEqual(len(terminals), self.simulator_terminals)
        self.assertTrue(all(lines.mapped("product_id.is_starlink_plan")))
        self.assertTrue(all(terminals.mapped("service_line_id")))
        self.assertTrue(all(t.router_ids for t in terminals))
        self.assertTrue(all(line.city and line.latitude for line in lines))
        plans = self.env["product.template"].search(
            [("starlink_product_reference", "in", ("SL-LP-50GB", "SL-LP-1TB", "SL-LP-2TB"))]
        )
        self.assertEqual(len(plans), 3)
        self.assertEqual(
            plans.filtered(lambda p: p.starlink_product_reference == "SL-LP-50GB")
            .starlink_data_limit_gb,
            50.0,
        )
        for stream in ("products", "service_lines", "terminals"):
            self.assertEqual(self.status(stream).state, "ok", stream)
        self.assertEqual(self.status("service_lines").record_count, self.simulator_terminals)

        # A second run updates in place: no duplicate anywhere.
        self.account._sync_inventory()
        self.assertEqual(
            self.env["starlink.service.line"].search_count([("account_id", "=", self.account.id)]),
            self.simulator_terminals,
        )
        self.assertEqual(
            self.env["starlink.terminal"].search_count([("account_id", "=", self.account.id)]),
            self.simulator_terminals,
        )
        self.assertEqual(len(self.account.sync_status_ids), 3)

    def test_new_line_linked_to_client_by_name(self):
        with self.account._starlink_client() as api:
            nickname = next(iter(api.iter_service_lines()))["nickname"]
        partner = self.env["res.partner"].create(
            {"name": nickname.split()[0], "is_company": True, "company_id": self.company.id}
        )
        self.account.client_match = "name"
        self.account._sync_inventory()
        line = self.env["starlink.service.line"].search([("nickname", "=", nickname)])
        self.assertEqual(line.partner_id, partner)
        self.assertEqual(line.terminal_ids.partner_id, partner)

    def test_explicit_link_and_suspension_survive_a_sync(self):
        self.account._sync_inventory()
        line = self.env["starlink.service.line"].search(
            [("account_id", "=", self.account.id), ("state", "=", "active")], limit=1
        )
        client = self.env["res.partner"].create({"name": "Linked by hand", "is_company": True})
        line.partner_id = client
        line.action_suspend()
        self.account._sync_inventory()
        self.assertEqual(line.partner_id, client)
        self.assertEqual(line.state, "suspended")

    def test_line_keeps_its_own_product_of_the_same_reference(self):
        """A reseller may sell one Starlink plan as several products (e.g. at two prices)."""
        self.account._sync_inventory()
        line = self.env["starlink.service.line"].search(
            [("account_id", "=", self.account.id), ("state", "=", "active")], limit=1
        )
        plan = line.product_id
        own = plan.copy(
            {
                "name": "Same plan, client price",
                "list_price": plan.list_price + 20,
                "starlink_product_reference": plan.starlink_product_reference,
            }
        )
        line.product_id = own
        self.account._sync_inventory()
        self.assertEqual(line.product_id, own)

    def test_gone_lines_cancelled_and_terminals_archived(self):
        self.account._sync_inventory()
        ghost_line = self.env["starlink.service.line"].create(
            {
                "service_line_number": "AST-GONE",
                "account_id": self.account.id,
                "company_id": self.company.id,
                "state": "active",
            }
        )
        ghost_terminal = self.env["starlink.terminal"].create(
            {
                "user_terminal_id": "ghost-terminal",
                "account_id": self.account.id,
                "company_id": self.company.id,
            }
        )
        self.account._sync_inventory()
        self.assertEqual(ghost_line.state, "cancelled")
        self.assertFalse(ghost_terminal.active)

    def test_kit_serial_linked_to_inventory_lot(self):
        with self.account._starlink_client() as api:
            kit_serial = next(iter(api.iter_user_terminals()))["kitSerialNumber"]
        kit = self.env["product.product"].create(
            {"name": "Kit", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        lot = self.env["stock.lot"].create(
            {"name": kit_serial, "product_id": kit.id, "company_id": self.company.id}
        )
        self.account._sync_inventory()
        terminal = self.env["starlink.terminal"].search([("kit_serial", "=", kit_serial)])
        self.assertEqual(terminal.lot_id, lot)

    def test_action_test_connection(self):
        action = self.account.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(self.sim_config["account_name"], action["params"]["message"])

    def test_kit_received_in_odoo_takes_its_starlink_id(self):
        """A kit received into stock before Starlink knew it (``NEW-<serial>``) is the same
        terminal once the sync sees its serial: adopted, never created twice."""
        with self.account._starlink_client() as api:
            seen = next(iter(api.iter_user_terminals()))
        kit = seen["kitSerialNumber"]
        received = self.env["starlink.terminal"].create(
            {"user_terminal_id": f"NEW-{kit}", "kit_serial": kit, "company_id": self.company.id}
        )
        self.account._sync_inventory()
        self.assertEqual(self.status("terminals").state, "ok", self.status("terminals").message)
        twins = self.env["starlink.terminal"].with_context(active_test=False).search(
            [("kit_serial", "=", kit)]
        )
        self.assertEqual(twins, received)
        self.assertEqual(received.user_terminal_id, seen["userTerminalId"])
        self.assertEqual(received.account_id, self.account)
        self.assertTrue(received.service_line_id)
