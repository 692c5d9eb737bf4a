"""Test base of the technician workflow: a Starlink account on a fresh simulator, its lines
and terminals synchronised into Odoo, a client, a support team and one user per role."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.starlink_telemetry.tests.common import StarlinkSimulatorCase
from odoo.tests import new_test_user

ROLES = ("viewer", "technician", "sales", "admin")


class TechnicianCase(StarlinkSimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._sync_inventory()
        cls.Request = cls.env["starlink.api.request"]
        cls.Ticket = cls.env["helpdesk.ticket"]
        cls.client = cls.env["res.partner"].create(
            {"name": "Ridge Farm", "is_company": True, "email": "farm@example.com"}
        )
        cls.line = cls.env["starlink.service.line"].search(
            [("account_id", "=", cls.account.id), ("state", "=", "active")], limit=1
        )
        cls.line.partner_id = cls.client
        cls.terminal = cls.line.terminal_ids[:1]
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Sim Support", "company_id": cls.company.id}
        )
        cls.users = {
            role: new_test_user(
                cls.env,
                f"technician_case_{role}",
                groups=f"starlink_base.starlink_base_group_{role}",
                company_id=cls.company.id,
                company_ids=[cls.company.id],
            )
            for role in ROLES
        }

    def setUp(self):
        super().setUp()
        self.assertTrue(self.line and self.terminal, "the simulator gave an active line")

    # ------------------------------------------------------------------ helpers

    def ticket(self, user="technician", **values):
        return (
            self.Ticket.with_user(self.users[user])
            .create(
                {
                    "name": "No internet at the farm",
                    "description": "Down since this morning",
                    "partner_id": self.client.id,
                    "team_id": self.team.id,
                    "service_line_id": self.line.id,
                    "terminal_id": self.terminal.id,
                    **values,
                }
            )  # fmt: skip
            .with_user(self.users[user])
        )

    def operations(self):
        return self.simulator.control("GET", "operations")

    @staticmethod
    def posted(record, *texts):
        """The bodies of ``record``'s messages holding every one of ``texts``."""
        return [
            body
            for body in record.message_ids.mapped("body")
            if all(text in (body or "") for text in texts)
        ]

    @contextmanager
    def read_timeout(self, seconds):
        """The Starlink client of every request reads answers for ``seconds`` at most."""
        model = type(self.Request)
        original = model._starlink_client

        def client(request):
            result = original(request)
            result.timeout = (5.0, seconds)
            return result

        with patch.object(model, "_starlink_client", client):
            yield
