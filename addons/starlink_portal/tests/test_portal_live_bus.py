import json

from odoo import fields
from odoo.addons.starlink_telemetry.lib.telemetry_columns import ColumnBatch
from odoo.addons.starlink_telemetry.tests.common import StarlinkSimulatorCase
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPortalLiveBus(StarlinkSimulatorCase):
    """A telemetry poll of a real simulator tells the portal users of the clients whose
    lines changed, through the bus, which of their own lines did: client A (two portal
    users, and an employee among its contacts who is no portal user), client B (one portal
    user), client C (no portal user). Messages are read from ``bus.bus``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._sync_inventory()
        terminals = cls.env["starlink.terminal"].search(
            [("account_id", "=", cls.account.id), ("service_line_id", "!=", False)],
            order="user_terminal_id",
        )
        cls.terminal_a, cls.terminal_b, cls.terminal_c = terminals[:3]
        cls.client_a = cls._client("Live Client Alpha")
        cls.client_b = cls._client("Live Client Bravo")
        cls.client_c = cls._client("Live Client Charlie")
        cls.line_a = cls.terminal_a.service_line_id
        cls.line_b = cls.terminal_b.service_line_id
        cls.line_c = cls.terminal_c.service_line_id
        cls.line_a.partner_id = cls.client_a
        cls.line_b.partner_id = cls.client_b
        cls.line_c.partner_id = cls.client_c
        # every other line of the account belongs to nobody with a portal access
        (
            terminals[3:].service_line_id - cls.line_a - cls.line_b - cls.line_c
        ).partner_id = cls.client_c
        cls.user_a = cls._user("sl_live_a", cls.client_a, "base.group_portal")
        cls.user_a2 = cls._user("sl_live_a2", cls.client_a, "base.group_portal")
        cls.user_b = cls._user("sl_live_b", cls.client_b, "base.group_portal")
        cls.employee_a = cls._user("sl_live_staff", cls.client_a, "base.group_user")
        cls.archived_b = cls._user("sl_live_b_old", cls.client_b, "base.group_portal")
        cls.archived_b.active = False

    @classmethod
    def _client(cls, name):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "company_id": cls.company.id}
        )

    @classmethod
    def _user(cls, login, client, group):
        contact = cls.env["res.partner"].create({"name": login, "parent_id": client.id})
        return new_test_user(
            cls.env,
            login=login,
            groups=group,
            partner_id=contact.id,
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _last_bus_id(self):
        self.env.cr.precommit.run()
        return self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id

    def _live_messages(self, after_id):
        """``{partner id: [line ids of each message]}`` of the live messages since
        ``after_id``; also checks that each went to a partner's own channel."""
        self.env.cr.precommit.run()  # the bus writes its rows when the transaction commits
        messages = {}
        for row in self.env["bus.bus"].sudo().search([("id", ">", after_id)], order="id"):
            message = json.loads(row.message)
            if message["type"] != "starlink/live":
                continue
            dbname, model, partner_id = json.loads(row.channel)
            self.assertEqual((dbname, model), (self.env.cr.dbname, "res.partner"))
            self.assertEqual(set(message["payload"]), {"line_ids"})
            messages.setdefault(partner_id, []).append(message["payload"]["line_ids"])
        return messages

    def _report_now(self, *terminals):
        """A sample of each terminal at this very moment, as a poll would store it: the
        simulator's terminals have outages (up to 40 minutes) at times of day fixed by its
        seed, and these tests must not depend on the hour they run at."""
        now = fields.Datetime.now()
        self.env["starlink.telemetry.sample"]._ingest(
            [
                (terminal.user_terminal_id, "u", now, 120.0, 11.0, 0.0, 31.0, 0.1, 900, 0.9,
                 None)
                for terminal in terminals
            ]
        )  # fmt: skip

    def _refresh_only(self, terminal):
        """Make the stored live values of ``terminal`` stale, then let the account follow
        the batch again: the telemetry is the same, so only that terminal changes."""
        self.env.cr.execute(
            "UPDATE starlink_terminal SET last_seen = last_seen - interval '1 hour',"
            " latency_ms = -1 WHERE id = %s",
            [terminal.id],
        )
        terminal.invalidate_recordset()
        last = self._last_bus_id()
        self.account._after_telemetry_batch(ColumnBatch())
        return self._live_messages(last)

    def test_poll_notifies_each_client_of_its_own_lines(self):
        self._report_now(self.terminal_a, self.terminal_b, self.terminal_c)
        last = self._last_bus_id()
        self.account._poll_telemetry(polls=1)
        self.assertTrue(self.terminal_a.last_seen and self.terminal_b.last_seen)
        a, b = [self.line_a.id], [self.line_b.id]
        # one message per portal user's partner, never to an employee, an archived user
        # or a client without portal users (C)
        self.assertEqual(
            self._live_messages(last),
            {
                self.user_a.partner_id.id: [a],
                self.user_a2.partner_id.id: [a],
                self.user_b.partner_id.id: [b],
            },
        )

    def test_only_the_changed_client_is_notified(self):
        self._report_now(self.terminal_a, self.terminal_b)
        self.account._poll_telemetry(polls=1)
        self.assertEqual(
            self._refresh_only(self.terminal_a),
            {
                self.user_a.partner_id.id: [[self.line_a.id]],
                self.user_a2.partner_id.id: [[self.line_a.id]],
            },
        )
        self.assertEqual(
            self._refresh_only(self.terminal_b), {self.user_b.partner_id.id: [[self.line_b.id]]}
        )

    def test_nothing_sent_without_portal_user_or_change(self):
        self._report_now(self.terminal_c)
        self.account._poll_telemetry(polls=1)
        self.assertTrue(self.terminal_c.last_seen)
        self.assertEqual(self._refresh_only(self.terminal_c), {}, "client C has no portal user")
        last = self._last_bus_id()
        self.account._after_telemetry_batch(ColumnBatch())
        self.assertEqual(self._live_messages(last), {}, "nothing changed")
        self.assertEqual(self.account._portal_live_recipients([self.line_c.id]), {})
