"""Who does what on tickets: Viewers read every ticket and change none; Technicians and
Sales & Support handle them (assign, stage, create)."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTicketRoles(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Ticket = cls.env["helpdesk.ticket"]
        cls.team = cls.env.ref("starlink_helpdesk.helpdesk_ticket_team_starlink")
        cls.client = cls.env["res.partner"].create({"name": "Roles Client", "is_company": True})
        cls.users = {
            role: new_test_user(
                cls.env, f"ticket_roles_{role}", groups=f"starlink_base.starlink_base_group_{role}"
            )
            for role in ("viewer", "technician", "sales")
        }
        cls.tickets = cls.Ticket.create(
            [{"name": f"Ticket {i}", "description": "Slow", "partner_id": cls.client.id,
              "team_id": cls.team.id if i else False, "user_id": False} for i in range(3)]
        )  # fmt: skip
        cls.stage = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")

    def values(self):
        return {"name": "Dish obstructed", "description": "Trees", "partner_id": self.client.id,
                "team_id": self.team.id}  # fmt: skip

    def test_viewer_reads_every_ticket_and_changes_none(self):
        viewer = self.users["viewer"]
        Ticket = self.Ticket.with_user(viewer)
        self.assertEqual(Ticket.search([("partner_id", "=", self.client.id)]), self.tickets)
        self.assertEqual(Ticket.search_count([]), self.Ticket.search_count([]))
        ticket = self.tickets[0].with_user(viewer)
        self.assertEqual(ticket.name, "Ticket 0")
        with self.assertRaises(AccessError):
            ticket.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            ticket.write({"stage_id": self.stage.id})
        with self.assertRaises(AccessError):
            ticket.assign_to_me()
        with self.assertRaises(AccessError):
            Ticket.create(self.values())
        self.assertEqual(self.tickets[0].name, "Ticket 0")
        self.assertFalse(self.tickets[0].user_id)

    def test_technician_and_sales_handle_tickets(self):
        for role in ("technician", "sales"):
            with self.subTest(role=role):
                user = self.users[role]
                ticket = self.Ticket.with_user(user).create(self.values())
                ticket.assign_to_me()
                ticket.write({"stage_id": self.stage.id, "priority": "2"})
                ticket.message_post(body="Asked the client to reboot the router.")
                self.assertEqual(ticket.user_id, user)
                self.assertEqual(ticket.stage_id, self.stage)
                # The new priority's SLA, though helpdesk users may not delete SLA lines.
                self.assertAlmostEqual(ticket.sla_deadline, ticket.create_date + timedelta(hours=8),
                                       delta=timedelta(seconds=1))  # fmt: skip
                other = self.tickets[1].with_user(user)
                other.assign_to_me()
                self.assertEqual(other.user_id, user, "any ticket, not only his team's")
