"""Terminal swap (RMA) from a ticket (issue 10, part 3): at Starlink the old terminal off the
line and the new kit on it, each call sent once even when an answer is lost; in Inventory the
old serial back to stock and the new one delivered, both transfers on the ticket."""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .technician_common import TechnicianCase

REQUEST_LOGGER = "odoo.addons.starlink_telemetry.models.starlink_api_request"
CLIENT_LOGGER = "odoo.addons.starlink_telemetry.lib.client"
NEW_KIT = "KITSWAP00001"


@tagged("post_install", "-at_install")
class TestTicketSwap(TechnicianCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kit_product = cls.env["product.product"].create(
            {"name": "Starlink Standard Kit", "is_starlink_kit": True, "is_storable": True,
             "tracking": "serial", "type": "consu"}
        )  # fmt: skip
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        lot = cls.env["stock.lot"].create(
            {"name": NEW_KIT, "product_id": cls.kit_product.id, "company_id": cls.company.id}
        )
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            {"product_id": cls.kit_product.id, "location_id": cls.warehouse.lot_stock_id.id,
             "lot_id": lot.id, "inventory_quantity": 1}
        ).action_apply_inventory()  # fmt: skip
        cls.new_terminal = lot.starlink_terminal_ids
        cls.old_serial = cls.terminal.kit_serial

    def setUp(self):
        super().setUp()
        self.assertTrue(self.warehouse, "the company has its warehouse")
        self.assertEqual(self.new_terminal.inventory_state, "in_stock")
        self.assertTrue(self.new_terminal.user_terminal_id.startswith("NEW-"))

    # ------------------------------------------------------------------ helpers

    def swap(self, ticket, user="technician", kit=None):
        wizard = (
            self.env["starlink.terminal.swap.wizard"]
            .with_user(self.users[user])
            .with_context(**ticket.action_swap_terminal()["context"])
            .create({"new_terminal_id": (kit or self.new_terminal).id})
        )
        return wizard.action_confirm()

    def starlink_terminals(self, **filters):
        client = self.account._starlink_client()
        return {t["userTerminalId"]: t for t in client.iter_user_terminals(**filters)}

    def swap_request(self):
        return self.Request.search(
            [("kind", "=", "swap_terminal"), ("service_line_id", "=", self.line.id)]
        )

    def assert_swapped(self, ticket):
        number, old_id = self.line.service_line_number, self.terminal.user_terminal_id
        on_line = self.starlink_terminals(service_line_numbers=[number])
        [new_id] = on_line
        self.assertEqual(on_line[new_id]["kitSerialNumber"], NEW_KIT)
        self.assertIsNone(self.starlink_terminals(user_terminal_ids=[old_id])[old_id][
            "serviceLineNumber"], "the old terminal is off the line at Starlink")  # fmt: skip
        operations = self.operations()
        removals = operations["terminal_removals"]
        self.assertEqual(
            [(r["serviceLineNumber"], r["userTerminalId"]) for r in removals],
            [(number, old_id)], "taken off once",
        )  # fmt: skip
        self.assertEqual([a["userTerminalId"] for a in operations["terminal_attachments"]],
                         [new_id], "put on once")  # fmt: skip
        self.assertEqual(operations["account_terminals"].count(new_id), 1)
        # Odoo: the terminals swapped on the line and on the ticket.
        old, new = self.terminal, self.new_terminal
        self.assertFalse(old.service_line_id)
        self.assertEqual(old.inventory_state, "returned")
        self.assertEqual(old.lot_id.name, self.old_serial)
        self.assertEqual(new.service_line_id, self.line)
        self.assertEqual(new.user_terminal_id, new_id)
        self.assertEqual(new.account_id, self.account)
        self.assertEqual(new.inventory_state, "deployed")
        self.assertEqual(self.line.terminal_ids, new)
        self.assertEqual(ticket.terminal_id, new)
        # Inventory: a receipt of the old serial from the client, a delivery of the new one.
        pickings = ticket.sudo().picking_ids
        self.assertEqual(len(pickings), 2)
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        receipt = pickings.filtered(lambda p: p.picking_type_code == "incoming")
        delivery = pickings.filtered(lambda p: p.picking_type_code == "outgoing")
        self.assertEqual(receipt.move_line_ids.lot_id.name, self.old_serial)
        self.assertEqual(receipt.location_id.usage, "customer")
        self.assertEqual(receipt.location_dest_id, self.warehouse.lot_stock_id)
        self.assertEqual(delivery.move_line_ids.lot_id.name, NEW_KIT)
        self.assertEqual(delivery.location_dest_id.usage, "customer")
        self.assertEqual(pickings.partner_id, self.client)
        self.assertEqual(ticket.picking_count, 2)
        request = self.swap_request()
        self.assertEqual(request.state, "confirmed")
        self.assertEqual(request.ticket_id, ticket)
        self.assertTrue(self.posted(ticket, "Terminal swapped", self.old_serial, NEW_KIT))
        return request

    # ------------------------------------------------------------------ tests

    def test_technician_swaps_the_terminal(self):
        ticket = self.ticket()
        self.swap(ticket)
        request = self.assert_swapped(ticket)
        self.assertEqual(request.attempt_count, 1)
        self.assertEqual(request.requested_by_id, self.users["technician"])
        progress = json.loads(request.progress)
        self.assertTrue(progress["removeSent"] and progress["addSent"] and progress["attachSent"])
        self.assertTrue(self.posted(ticket, "taken off", "at Starlink"))

    @mute_logger(REQUEST_LOGGER, CLIENT_LOGGER)
    def test_lost_answer_is_resumed_without_a_second_call(self):
        ticket = self.ticket()
        number, old_id = self.line.service_line_number, self.terminal.user_terminal_id
        path = f"/public/v2/service-lines/{number}/user-terminals/{old_id}"
        self.simulator.faults(slow_answer=1, slow_seconds=3, path=path)
        with self.read_timeout(0.5), self.assertRaisesRegex(UserError, "answer .* was lost"):
            self.swap(ticket)
        request = self.swap_request()
        self.assertEqual(request.state, "unknown")
        self.assertEqual(len(self.operations()["terminal_removals"]), 1, "Starlink applied it")
        self.assertEqual(self.operations()["terminal_attachments"], [])
        self.assertTrue(self.posted(ticket, "stopped", "was lost"))
        self.assertEqual(self.terminal.service_line_id, self.line, "Odoo unchanged so far")
        self.assertFalse(ticket.sudo().picking_ids)
        # Nothing sends it from the request itself, and the wizard offers to resume.
        with self.assertRaisesRegex(UserError, "resumed from its ticket"):
            request.with_user(self.users["technician"]).action_retry()
        with self.assertRaises(UserError):
            request.with_user(self.users["admin"]).action_mark_confirmed()
        self.swap(ticket)
        self.assertEqual(self.assert_swapped(ticket), request)
        self.assertEqual(request.attempt_count, 2)

    @mute_logger(REQUEST_LOGGER, CLIENT_LOGGER)
    def test_refused_call_fails_then_resumes(self):
        ticket = self.ticket()
        number = self.line.service_line_number
        path = f"/public/v2/service-lines/{number}/user-terminals/{self.terminal.user_terminal_id}"
        self.simulator.faults(envelope_errors=1, path=path)
        with self.assertRaisesRegex(UserError, "stopped"):
            self.swap(ticket)
        self.assertEqual(self.swap_request().state, "failed")
        self.assertEqual(self.operations()["terminal_removals"], [])
        self.assertIn(self.terminal.user_terminal_id,
                      self.starlink_terminals(service_line_numbers=[number]))  # fmt: skip
        self.swap(ticket)
        self.assert_swapped(ticket)

    def test_wrong_kits_are_refused_before_any_call(self):
        ticket = self.ticket()
        with self.assertRaisesRegex(UserError, "faulty terminal itself"):
            self.swap(ticket, kit=self.terminal)
        other = self.env["starlink.terminal"].search(
            [("account_id", "=", self.account.id),
             ("service_line_id", "not in", [False, self.line.id])], limit=1,
        )  # fmt: skip
        with self.assertRaises(UserError):
            self.swap(ticket, kit=other)
        self.assertFalse(self.swap_request())
        self.assertEqual(self.operations()["terminal_removals"], [])

    def test_viewer_and_sales_cannot_swap(self):
        ticket = self.ticket()
        for role in ("viewer", "sales"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                self.swap(ticket.with_user(self.users[role]), user=role)
        self.assertFalse(self.swap_request())
        self.assertEqual(self.operations()["terminal_removals"], [])
