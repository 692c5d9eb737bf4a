"""Reboots from a ticket (issue 10, part 3): through ``starlink.api.request``, sent once,
the request and its outcome in the ticket's chatter; the simulator is the judge."""

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .technician_common import TechnicianCase

REQUEST_LOGGER = "odoo.addons.starlink_telemetry.models.starlink_api_request"
CLIENT_LOGGER = "odoo.addons.starlink_telemetry.lib.client"


@tagged("post_install", "-at_install")
class TestTicketReboot(TechnicianCase):
    def test_technician_reboots_terminal_and_router_from_the_ticket(self):
        ticket = self.ticket()
        ticket.action_reboot_terminal()
        ticket.action_reboot_router()
        reboots = self.operations()["reboots"]
        router = self.terminal.router_ids.split(",")[0]
        self.assertEqual(
            [(r["deviceId"], r["kind"]) for r in reboots],
            [(self.terminal.user_terminal_id, "userTerminal"), (router, "router")],
            "exactly one reboot of each",
        )
        requests = ticket.api_request_ids
        self.assertEqual(sorted(requests.mapped("kind")), ["reboot_router", "reboot_terminal"])
        self.assertEqual(set(requests.mapped("state")), {"confirmed"})
        self.assertEqual(requests.requested_by_id, self.users["technician"])
        self.assertEqual(ticket.api_request_count, 2)
        self.assertTrue(self.posted(ticket, "Terminal Reboot", "done at Starlink"))
        self.assertTrue(self.posted(ticket, "Router Reboot", router, "done at Starlink"))
        # Still on the terminal's own chatter, as for a reboot from the terminal.
        self.assertTrue(self.posted(self.terminal, "Terminal Reboot", "done at Starlink"))
        action = ticket.action_view_api_requests()
        self.assertEqual(self.Request.search(action["domain"]), requests)

    @mute_logger(REQUEST_LOGGER, CLIENT_LOGGER)
    def test_failed_reboot_lands_as_failed_in_the_chatter(self):
        ticket = self.ticket()
        path = f"/public/v2/user-terminals/{self.terminal.user_terminal_id}/reboot"
        self.simulator.faults(envelope_errors=1, path=path)
        ticket.action_reboot_terminal()
        request = ticket.api_request_ids
        self.assertEqual(request.state, "failed")
        self.assertEqual(self.operations()["reboots"], [])
        self.assertTrue(self.posted(ticket, "Terminal Reboot", "refused or failed"))
        # A failed reboot blocks nothing: the next one is sent.
        ticket.action_reboot_terminal()
        self.assertEqual(len(self.operations()["reboots"]), 1)
        self.assertTrue(self.posted(ticket, "Terminal Reboot", "done at Starlink"))

    def test_viewer_and_sales_cannot_reboot(self):
        for role in ("viewer", "sales"):
            ticket = self.ticket().with_user(self.users[role])
            with self.subTest(role=role):
                with self.assertRaises(AccessError):
                    ticket.action_reboot_terminal()
                with self.assertRaises(AccessError):
                    ticket.action_reboot_router()
        self.assertEqual(self.operations()["reboots"], [])
        self.assertFalse(self.Request.search([("account_id", "=", self.account.id)]))
