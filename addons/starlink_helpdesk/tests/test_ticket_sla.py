"""SLA by team and priority (OCA helpdesk_mgmt_sla, configured for the Starlink support team):
the deadline of each priority, a change of priority, the breached and at-risk filters."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

# The shipped service level of the Starlink support team (data/helpdesk_sla_data.xml).
HOURS = {"3": 4, "2": 8, "1": 24, "0": 72}


@tagged("post_install", "-at_install")
class TestTicketSla(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env.ref("starlink_helpdesk.helpdesk_ticket_team_starlink")
        cls.other_team = cls.env["helpdesk.ticket.team"].create({"name": "Back Office"})
        cls.Ticket = cls.env["helpdesk.ticket"]
        cls.client = cls.env["res.partner"].create({"name": "SLA Client", "is_company": True})
        cls.done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")

    def ticket(self, priority="3", team=None, name="No service"):
        return self.Ticket.create(
            {"name": name, "description": name, "partner_id": self.client.id,
             "team_id": (team or self.team).id, "priority": priority}
        )  # fmt: skip

    def assert_deadline(self, ticket, hours):
        """The deadline ``hours`` after the ticket's creation (to the second: the calendar
        counts in floating hours)."""
        self.assertAlmostEqual(
            ticket.sla_deadline, ticket.create_date + timedelta(hours=hours),
            delta=timedelta(seconds=1),
        )  # fmt: skip

    def search(self, domain):
        return self.Ticket.search(domain + [("partner_id", "=", self.client.id)])

    def test_deadline_by_team_and_priority(self):
        self.assertTrue(self.team.use_sla)
        for priority, hours in HOURS.items():
            with self.subTest(priority=priority):
                ticket = self.ticket(priority)
                self.assertEqual(len(ticket.ticket_sla_ids), 1)
                self.assert_deadline(ticket, hours)
        self.assertFalse(self.ticket("3", team=self.other_team).sla_deadline, "no SLA there")

    def test_a_new_priority_brings_its_deadline(self):
        ticket = self.ticket("0")
        self.assert_deadline(ticket, 72)
        ticket.priority = "3"
        self.assert_deadline(ticket, 4)
        self.assertEqual(ticket.ticket_sla_ids.sla_id.name, "Very High priority: 4 h")
        ticket.team_id = self.other_team
        self.assertFalse(ticket.sla_deadline)

    def test_breached_and_at_risk_filters(self):
        urgent = self.ticket("3", name="Urgent")
        relaxed = self.ticket("0", name="Relaxed")
        solved = self.ticket("3", name="Solved")
        start = urgent.create_date
        breached = [("sla_expired", "=", True), ("closed", "=", False)]
        at_risk = [("sla_at_risk", "=", True)]
        with freeze_time(start + timedelta(hours=1)):
            self.assertFalse(self.search(breached) | self.search(at_risk))
            solved.stage_id = self.done
        with freeze_time(start + timedelta(hours=3, minutes=30)):
            self.assertEqual(self.search(at_risk), urgent, "less than an hour of four left")
            self.assertTrue(urgent.sla_at_risk)
            self.assertFalse(self.search(breached))
        with freeze_time(start + timedelta(hours=5)):
            self.assertEqual(self.search(breached), urgent)
            self.assertTrue(urgent.sla_expired)
            self.assertFalse(self.search(at_risk))
            self.assertEqual(self.search([("sla_deadline", "<", start + timedelta(hours=5))]),
                             urgent)  # fmt: skip
        with freeze_time(start + timedelta(hours=60)):
            self.assertEqual(self.search(at_risk), relaxed, "12 h of 72 left")
            self.assertEqual(self.search(breached), urgent, "a solved ticket is not breached")
