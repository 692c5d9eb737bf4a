"""Tickets opened by outages before the client calls (issue 10, part 2): one ticket per
episode, a note when it clears, closed after the quiet time, the same ticket for a flapping
terminal, the client told once."""

from datetime import date, datetime, timedelta

from odoo.addons.starlink_telemetry.tests.common import StarlinkLineCase
from odoo.exceptions import ValidationError
from odoo.tests import tagged

TODAY = date(2026, 5, 20)
NOW = datetime(2026, 5, 20, 12, 0, 0)


@tagged("post_install", "-at_install")
class TestAlertTickets(StarlinkLineCase):
    line_number = "AST-HD-1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Ticket = cls.env["helpdesk.ticket"]
        cls.rule = cls._rule(
            "outage", 30, severity="danger", ticket_mode="ticket", ticket_quiet_minutes=60
        )
        cls.terminal = cls.env["starlink.terminal"].create(
            {"user_terminal_id": "ut-hd-1", "service_line_id": cls.line.id,
             "last_seen": NOW - timedelta(minutes=5), "health": "online",
             "latency_ms": 41.0, "downlink_mbps": 87.5}
        )  # fmt: skip

    def _evaluate(self, now):
        rules = self.env["starlink.alert.rule"].search([("id", "=", self.rule.id)])
        self.env["starlink.alert"]._evaluate_rules(rules, now.date(), now, commit=False)

    def _down(self, since, now):
        """The terminal last reported at ``since``; the rule is evaluated at ``now``."""
        self.terminal.write({"last_seen": since, "health": "offline"})
        self._evaluate(now)

    def _up(self, now):
        self.terminal.write({"last_seen": now, "health": "online"})
        self._evaluate(now)

    def _tickets(self):
        return self.Ticket.with_context(active_test=False).search(
            [("service_line_id", "=", self.line.id)]
        )

    def _notes(self, ticket, text):
        return ticket.message_ids.filtered(lambda m: text in (m.body or ""))

    def test_outage_opens_one_ticket_with_its_telemetry(self):
        self._evaluate(NOW)
        self.assertFalse(self._tickets(), "online: no ticket")
        self._down(NOW - timedelta(minutes=45), NOW)
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.terminal_id, self.terminal)
        self.assertEqual(ticket.partner_id, self.client)
        self.assertEqual(ticket.team_id, self.rule.ticket_team_id)
        self.assertEqual(ticket.priority, "3", "a critical rule: very high priority")
        self.assertEqual(ticket.alert_rule_id, self.rule)
        self.assertFalse(ticket.user_id, "unassigned, for the team to take")
        self.assertEqual(ticket.name, "Farm: terminal ut-hd-1 offline")
        self.assertIn("87.5 / 0.0 Mbps", ticket.description)
        self.assertIn("Offline", ticket.description)
        self.assertEqual(ticket.alert_ids.ticket_id, ticket)
        self.assertEqual(ticket.terminal_health, "offline")
        self.assertIn(ticket.alert_ids, ticket.open_alert_ids)
        # The same outage evaluated again and again: still one ticket.
        for minutes in (5, 10, 15):
            self._evaluate(NOW + timedelta(minutes=minutes))
        self.assertEqual(self._tickets(), ticket)
        self.assertEqual(len(ticket.alert_ids), 1)

    def test_clear_note_then_closed_after_the_quiet_time(self):
        self._down(NOW - timedelta(minutes=45), NOW)
        ticket = self._tickets()
        back = NOW + timedelta(minutes=20)
        self._up(back)
        self.assertEqual(ticket.alert_ids.state, "resolved")
        self.assertEqual(ticket.alert_cleared_date, back)
        self.assertEqual(len(self._notes(ticket, "The condition cleared")), 1)
        self.assertFalse(ticket.closed)
        self._up(back + timedelta(minutes=30))
        self.assertFalse(ticket.closed, "not yet quiet for 60 minutes")
        self.assertEqual(len(self._notes(ticket, "The condition cleared")), 1, "one note")
        self._up(back + timedelta(minutes=61))
        self.assertTrue(ticket.closed)
        self.assertEqual(len(self._notes(ticket, "Closed automatically")), 1)
        self._up(back + timedelta(minutes=90))
        self.assertEqual(len(self._notes(ticket, "Closed automatically")), 1)

    def test_left_for_a_person(self):
        self.rule.ticket_close = "manual"
        self._down(NOW - timedelta(minutes=45), NOW)
        ticket = self._tickets()
        self._up(NOW + timedelta(minutes=10))
        self._up(NOW + timedelta(hours=5))
        self.assertFalse(ticket.closed)
        self.assertTrue(self._notes(ticket, "left open for a person"))

    def test_flapping_terminal_reopens_the_same_ticket(self):
        self._down(NOW - timedelta(minutes=45), NOW)
        ticket = self._tickets()
        self._up(NOW + timedelta(minutes=10))
        # Down again 40 minutes after it came back (within the 60-minute quiet time).
        self._down(NOW + timedelta(minutes=15), NOW + timedelta(minutes=50))
        self.assertEqual(self._tickets(), ticket)
        self.assertEqual(len(ticket.alert_ids), 2, "two episodes, one ticket")
        self.assertFalse(ticket.alert_cleared_date)
        self.assertTrue(self._notes(ticket, "The condition is back"))
        # A person closed it right after the next clearing; it flaps again: reopened.
        self._up(NOW + timedelta(minutes=60))
        ticket.stage_id = ticket._starlink_closed_stage()
        self._down(NOW + timedelta(minutes=65), NOW + timedelta(minutes=100))
        self.assertEqual(self._tickets(), ticket)
        self.assertFalse(ticket.closed)
        self.assertTrue(self._notes(ticket, "Reopened"))

    def test_new_outage_after_the_quiet_time_is_a_new_ticket(self):
        self._down(NOW - timedelta(minutes=45), NOW)
        first = self._tickets()
        self._up(NOW + timedelta(minutes=10))
        self._up(NOW + timedelta(minutes=80))
        self.assertTrue(first.closed)
        self._down(NOW + timedelta(hours=3), NOW + timedelta(hours=4))
        second = self._tickets() - first
        self.assertEqual(len(second), 1)
        self.assertTrue(first.closed, "the old ticket stays closed")

    def test_closed_by_a_person_while_down_stays_closed(self):
        self._down(NOW - timedelta(minutes=45), NOW)
        ticket = self._tickets()
        ticket.stage_id = ticket._starlink_closed_stage()
        self._evaluate(NOW + timedelta(minutes=10))
        self.assertTrue(ticket.closed)
        self.assertEqual(self._tickets(), ticket)

    def test_rule_off_opens_no_ticket(self):
        self.rule.ticket_mode = "off"
        self._down(NOW - timedelta(minutes=45), NOW)
        self.assertTrue(self.env["starlink.alert"].search([("rule_id", "=", self.rule.id)]))
        self.assertFalse(self._tickets())

    def test_ticket_and_mail_tells_the_client_once(self):
        self.rule.ticket_mode = "ticket_mail"
        self._down(NOW - timedelta(minutes=45), NOW)
        ticket = self._tickets()
        mails = self.env["mail.mail"].search(
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(len(mails), 1)
        self.assertIn(self.client, mails.recipient_ids)
        self.assertIn(ticket.number, mails.subject)
        self.assertTrue(ticket.alert_client_mailed)
        self.assertIn(self.client, ticket.message_partner_ids)
        told = ticket.message_ids.filtered(lambda m: m.subject == mails.subject)
        self.assertEqual(told.subtype_id, self.env.ref("mail.mt_comment"), "seen in the portal")
        self.assertIn("You do not need to call us", str(told.body))
        self._up(NOW + timedelta(minutes=10))
        self._down(NOW + timedelta(minutes=15), NOW + timedelta(minutes=50))
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id),
                 ("subject", "=", mails.subject)]
            ),
            1,
            "the flap reopens the ticket without a second mail",
        )  # fmt: skip

    def test_silent_close_for_a_client_never_told(self):
        self._down(NOW - timedelta(minutes=45), NOW)
        ticket = self._tickets()
        self._up(NOW + timedelta(minutes=10))
        self._up(NOW + timedelta(minutes=80))
        self.assertTrue(ticket.closed)
        closing = self.env["mail.mail"].search(
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertFalse(closing, "Helpdesk's 'ticket closed' mail is not sent")

    def test_ticket_in_the_lines_company(self):
        branch = self.env["res.company"].create({"name": "Highlands branch"})
        self.env.user.company_ids |= branch
        account = self.env["starlink.account"].create(
            {"name": "Branch", "account_number": "ACC-HD-BRANCH", "company_id": branch.id}
        )
        line = self._line("AST-HD-BR", account_id=account.id, company_id=branch.id,
                          partner_id=self.client.id)  # fmt: skip
        self.env["starlink.terminal"].create(
            {"user_terminal_id": "ut-hd-br", "service_line_id": line.id, "company_id": branch.id,
             "account_id": account.id, "last_seen": NOW - timedelta(hours=1)}
        )  # fmt: skip
        self._evaluate(NOW)
        ticket = self.Ticket.search([("service_line_id", "=", line.id)])
        self.assertEqual(ticket.company_id, branch)

    def test_only_terminal_problems_open_tickets(self):
        with self.assertRaises(ValidationError):
            self._rule("usage", 80, ticket_mode="ticket")
        with self.assertRaises(ValidationError):
            self.rule.ticket_quiet_minutes = -5


@tagged("post_install", "-at_install")
class TestAlertTicketTranslation(StarlinkLineCase):
    line_number = "AST-HD-FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["starlink_helpdesk"], ["fr_FR"])
        cls.client.lang = "fr_FR"
        cls.rule = cls._rule("outage", 30, ticket_mode="ticket_mail")
        cls.env["starlink.terminal"].create(
            {"user_terminal_id": "ut-hd-fr", "service_line_id": cls.line.id,
             "kit_serial": "KIT-FR-1", "last_seen": NOW - timedelta(hours=1)}
        )  # fmt: skip

    def test_the_client_reads_his_ticket_in_his_language(self):
        self.env["starlink.alert"]._evaluate_rules(self.rule, NOW.date(), NOW, commit=False)
        ticket = self.env["helpdesk.ticket"].search([("service_line_id", "=", self.line.id)])
        self.assertEqual(ticket.name, "Farm : terminal KIT-FR-1 hors ligne")
        self.assertIn("Ouvert automatiquement par la règle d'alerte", str(ticket.description))
        self.assertIn("Dernier signal (UTC)", str(ticket.description))
        comment = self.env.ref("mail.mt_comment")
        told = ticket.message_ids.filtered(lambda m: m.subtype_id == comment)
        self.assertIn("Notre supervision a détecté un problème", str(told.body))
        self.assertIn("Inutile de nous appeler", str(told.body))
