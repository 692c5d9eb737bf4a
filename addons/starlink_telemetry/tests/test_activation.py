"""Activation of a draft service line at Starlink (issue 8, build item 3; DESIGN §5, §7).

The simulator is the judge: ``GET /_sim/operations`` lists the addresses, service lines and
account terminals created through the API. A run that stops raises a UserError after its
progress was committed: the tests catch it with ``unittest``'s own ``assertRaises`` (no
savepoint), so the test transaction keeps what a real run commits.
"""

import json
import unittest
from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..lib.client import StarlinkClient
from ..lib.exceptions import StarlinkTimeoutError
from .common import StarlinkSimulatorCase
from .test_cron_failures import CronTestMixin

CLIENT_LOGGER = "odoo.addons.starlink_telemetry.lib.client"
KIT = "KIT77000001"


@tagged("post_install", "-at_install")
class TestActivation(CronTestMixin, StarlinkSimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.plan = Product.search([("starlink_product_reference", "=", "SL-LP-50GB")], limit=1)
        if not cls.plan:
            cls.plan = Product.create(
                {"name": "Starlink 50 GB", "type": "service", "is_starlink_plan": True,
                 "starlink_product_reference": "SL-LP-50GB", "starlink_data_limit_gb": 50}
            )  # fmt: skip
        cls.client_partner = cls.env["res.partner"].create(
            {"name": "Tundra Lodge", "is_company": True}
        )
        cls.line = cls.env["starlink.service.line"].create(
            {"service_line_number": "NEW-S00001-1", "account_id": cls.account.id,
             "company_id": cls.company.id, "partner_id": cls.client_partner.id,
             "product_id": cls.plan.id, "street": "1 Lake Road", "city": "Talkeetna",
             "zip": "99676", "country_id": cls.env.ref("base.us").id,
             "latitude": 62.3209, "longitude": -150.1094}
        )  # fmt: skip
        cls.terminal = cls.env["starlink.terminal"].create(
            {"user_terminal_id": f"NEW-{KIT}", "kit_serial": KIT, "company_id": cls.company.id,
             "service_line_id": cls.line.id}
        )  # fmt: skip
        cls.users = {
            role: new_test_user(
                cls.env,
                f"activation_{role}",
                groups=f"starlink_base.starlink_base_group_{role}",
                company_id=cls.company.id,
                company_ids=[cls.company.id],
            )  # fmt: skip
            for role in ("viewer", "technician", "sales")
        }

    # ------------------------------------------------------------------ helpers

    def operations(self):
        return self.simulator.control("GET", "operations")

    def api_calls(self):
        return self.simulator.control("GET", "stats")["api_requests"]

    def wizard(self, user="sales", **values):
        return (
            self.env["starlink.activation.wizard"]
            .with_user(self.users[user])
            .create({"service_line_id": self.line.id, **values})
        )

    def request(self):
        return self.env["starlink.api.request"].search(
            [("kind", "=", "activation"), ("service_line_id", "=", self.line.id)]
        )

    def stopped(self, wizard, text):
        """Run ``wizard`` and expect it to stop with ``text``, keeping what it committed."""
        with unittest.TestCase.assertRaises(self, UserError) as caught:
            wizard.action_confirm()
        self.assertIn(text, str(caught.exception))

    def starlink_terminal(self, device):
        client = self.account._starlink_client()
        return next(t for t in client.iter_user_terminals(search=device) if device in t.values())

    @contextmanager
    def read_timeout(self, seconds):
        """Every Starlink client reads answers for ``seconds`` at most."""
        model = type(self.env["starlink.account"])
        original = model._starlink_client

        def client(account):
            result = original(account)
            result.timeout = (5.0, seconds)
            return result

        with patch.object(model, "_starlink_client", client):
            yield

    def assert_activated(self, number):
        line, terminal = self.line, self.terminal
        self.assertEqual(line.state, "active")
        self.assertEqual(line.service_line_number, number)
        self.assertTrue(line.date_start)
        self.assertEqual(line.billing_day, line.date_start.day)
        self.assertFalse(terminal.user_terminal_id.startswith("NEW-"))
        self.assertEqual(terminal.account_id, self.account)
        self.assertEqual(terminal.service_line_id, line)
        at_starlink = self.starlink_terminal(KIT)
        self.assertEqual(at_starlink["userTerminalId"], terminal.user_terminal_id)
        self.assertEqual(at_starlink["serviceLineNumber"], number)
        self.assertEqual(self.request().state, "confirmed")

    # ------------------------------------------------------------------ tests

    def test_full_activation(self):
        self.line.write({"latitude": 0.0, "longitude": 0.0})
        with self.assertRaisesRegex(UserError, "latitude and longitude"):
            self.wizard().action_confirm()
        self.assertEqual(self.api_calls(), 0)
        self.wizard(latitude=62.3209, longitude=-150.1094).action_confirm()
        self.assertEqual((self.line.latitude, self.line.longitude), (62.3209, -150.1094))
        operations = self.operations()
        self.assertEqual(len(operations["addresses"]), 1)
        self.assertEqual(len(operations["created_service_lines"]), 1)
        number = operations["created_service_lines"][0]
        self.assert_activated(number)
        self.assertEqual(self.line.address_reference, operations["addresses"][0])
        self.assertEqual(self.request().reference, number)

    def test_each_write_is_committed_as_sent_before_it_leaves(self):
        def snapshot():
            self.env.cr.execute(
                "SELECT state, progress FROM starlink_api_request WHERE service_line_id = %s",
                [self.line.id],
            )
            state, progress = self.env.cr.fetchone()
            progress = json.loads(progress or "{}")
            operations = self.operations()
            return (
                state,
                sorted(key for key, value in progress.items() if value is True),
                bool(progress.get("serviceLineNumber")),
                len(operations["addresses"]),
                len(operations["created_service_lines"]),
                len(operations["account_terminals"]),
            )

        with self.count_commits(snapshot) as commits:
            self.wizard().action_confirm()
        sent = ["addressSent", "lineSent", "terminalSent", "attachSent"]
        self.assertEqual(
            commits,
            [
                ("to_send", [], False, 0, 0, 0),
                ("sending", [], False, 0, 0, 0),
                ("sending", sent[:1], False, 0, 0, 0),  # address marked sent, not created
                ("sending", sent[:1], False, 1, 0, 0),  # its reference stored
                ("sending", sent[:2], False, 1, 0, 0),  # line marked sent, not created
                ("sending", sent[:2], True, 1, 1, 0),  # its number stored
                ("sending", sent[:3], True, 1, 1, 0),
                ("sending", sent[:3], True, 1, 1, 1),
                ("sending", sorted(sent), True, 1, 1, 1),
                ("confirmed", sorted(sent), True, 1, 1, 1),
            ],
        )

    def test_terminal_on_a_line_at_starlink_is_refused_before_any_write(self):
        client = self.account._starlink_client()
        taken = next(iter(client.iter_user_terminals()))
        self.terminal.write({"user_terminal_id": taken["userTerminalId"], "kit_serial": False})
        self.stopped(self.wizard(), "is on service line")
        operations = self.operations()
        self.assertEqual(
            (operations["addresses"], operations["created_service_lines"],
             operations["account_terminals"]), ([], [], []),
        )  # fmt: skip
        self.assertEqual(self.line.state, "draft")
        self.assertEqual(self.request().state, "failed")

    @mute_logger(CLIENT_LOGGER)
    def test_failed_attach_then_resume(self):
        # The first call under /service-lines/ is the attach (the new line's answer is used).
        self.simulator.faults(envelope_errors=1, path="/public/v2/service-lines/")
        self.stopped(self.wizard(), "Activation of")
        self.assertEqual(self.line.state, "draft")
        self.assertEqual(self.line.service_line_number, "NEW-S00001-1")
        self.assertEqual(self.terminal.user_terminal_id, f"NEW-{KIT}")
        self.assertEqual(self.request().state, "failed")
        created = self.operations()["created_service_lines"]
        self.assertEqual(len(created), 1)
        self.assertEqual(self.request().reference, created[0], "the new line is known to Odoo")
        self.assertTrue(self.line.address_reference)
        self.assertIn(created[0], self.wizard().resume_note)

        self.wizard().action_confirm()
        operations = self.operations()
        self.assertEqual(operations["created_service_lines"], created, "no second line")
        self.assertEqual(len(operations["addresses"]), 1, "no second address")
        self.assert_activated(created[0])
        self.assertEqual(len(self.request()), 1)
        self.assertEqual(self.request().attempt_count, 2)

    @mute_logger(CLIENT_LOGGER)
    def test_lost_service_line_answer_is_looked_up_not_resent(self):
        self.simulator.faults(slow_answer=1, slow_seconds=3, path="/public/v2/service-lines")
        with self.read_timeout(0.5):
            self.stopped(self.wizard(), "answer of Starlink was lost")
        self.assertEqual(self.request().state, "unknown")
        self.assertEqual(self.line.state, "draft")
        created = self.operations()["created_service_lines"]
        self.assertEqual(len(created), 1, "Starlink applied it")
        # Neither the generic retry nor a plain send of the request resends it.
        with self.assertRaises(UserError):
            self.request().with_user(self.users["sales"]).action_retry()
        self.wizard().action_confirm()
        self.assertEqual(self.operations()["created_service_lines"], created, "no second line")
        self.assert_activated(created[0])

    @mute_logger(CLIENT_LOGGER)
    def test_existing_address_and_lost_line_answer(self):
        """At an address that already has a line, the line of a lost answer is told apart
        from the lines that were there before the call."""
        client = self.account._starlink_client()
        address = next(iter(client.iter_service_lines()))["addressReferenceId"]
        wizard = self.wizard(address_mode="existing", address_reference=address)
        wizard.action_lookup_address()
        self.assertTrue(wizard.address_found)
        original = StarlinkClient.create_service_line

        def lost(starlink, *args, **kwargs):
            original(starlink, *args, **kwargs)
            raise StarlinkTimeoutError("read timed out", possibly_applied=True)

        with patch.object(StarlinkClient, "create_service_line", lost):
            self.stopped(wizard, "answer of Starlink was lost")
        created = self.operations()["created_service_lines"]
        self.assertEqual(len(created), 1)
        self.wizard(address_mode="existing", address_reference=address).action_confirm()
        operations = self.operations()
        self.assertEqual(operations["created_service_lines"], created, "no second line")
        self.assertEqual(operations["addresses"], [], "no address created")
        self.assert_activated(created[0])
        self.assertEqual(self.line.address_reference, address)

    def test_link_existing_line(self):
        client = self.account._starlink_client()
        existing = next(item for item in client.iter_service_lines() if item.get("active"))
        number = existing["serviceLineNumber"]
        found = next(iter(client.iter_user_terminals(service_line_numbers=[number])))
        kit = self.env["starlink.terminal"].create(
            {"user_terminal_id": f"NEW-{found['kitSerialNumber']}", "company_id": self.company.id,
             "kit_serial": found["kitSerialNumber"], "service_line_id": self.line.id}
        )  # fmt: skip
        with self.assertRaisesRegex(UserError, "has no service line"):
            self.wizard(mode="link", link_number="AST-000000-00000-00").action_confirm()
        self.wizard(mode="link", link_number=number).action_confirm()
        self.assertEqual(self.line.service_line_number, number)
        self.assertEqual(self.line.state, "active")
        self.assertEqual(self.line.address_reference, existing["addressReferenceId"])
        self.assertEqual(str(self.line.date_start), existing["startDate"][:10])
        self.assertEqual(kit.user_terminal_id, found["userTerminalId"])
        self.assertEqual(kit.account_id, self.account)
        operations = self.operations()
        self.assertEqual(operations["created_service_lines"], [], "nothing written at Starlink")
        self.assertEqual(operations["account_terminals"], [])

    def test_terminal_on_another_line_is_refused_before_any_call(self):
        other = self.env["starlink.service.line"].create(
            {"service_line_number": "AST-OTHER-1", "account_id": self.account.id,
             "company_id": self.company.id, "state": "active"}
        )  # fmt: skip
        self.terminal.service_line_id = other
        calls = self.api_calls()
        with self.assertRaisesRegex(UserError, "already on service line"):
            self.wizard(terminal_id=self.terminal.id).action_confirm()
        self.assertEqual(self.api_calls(), calls, "no call reached Starlink")
        self.assertFalse(self.request())
        self.assertEqual(self.line.state, "draft")

    def test_viewer_and_technician_cannot_activate(self):
        wizard = self.wizard()
        for role in ("viewer", "technician"):
            with self.assertRaises(AccessError):
                self.wizard(user=role)
            with self.assertRaises(AccessError):
                wizard.with_user(self.users[role]).action_confirm()
        self.assertEqual(self.api_calls(), 0)
        self.assertEqual(self.line.state, "draft")
