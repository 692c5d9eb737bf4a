"""The record rules on tickets: a client reads his own commercial entity's tickets only (not a
sub-company's, not another client's he follows); Starlink Viewers read every ticket of their
companies and change none."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTicketRules(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.client = Partner.create({"name": "Rule Client", "is_company": True})
        cls.contact = Partner.create({"name": "Rule Contact", "parent_id": cls.client.id})
        cls.colleague = Partner.create({"name": "Rule Colleague", "parent_id": cls.client.id})
        cls.subsidiary = Partner.create(
            {"name": "Rule Subsidiary", "is_company": True, "parent_id": cls.client.id}
        )
        cls.stranger = Partner.create({"name": "Rule Stranger", "is_company": True})
        cls.portal = new_test_user(
            cls.env, "rule_portal", groups="base.group_portal", partner_id=cls.contact.id
        )
        cls.viewer = new_test_user(
            cls.env, "rule_viewer", groups="starlink_base.starlink_base_group_viewer"
        )
        Ticket = cls.env["helpdesk.ticket"]

        def ticket(name, partner):
            return Ticket.create({"name": name, "description": name, "partner_id": partner.id})

        cls.own = ticket("Own", cls.contact)
        cls.colleagues = ticket("Colleague's", cls.colleague)
        cls.subsidiarys = ticket("Subsidiary's", cls.subsidiary)
        cls.strangers = ticket("Stranger's", cls.stranger)
        cls.strangers.message_subscribe(partner_ids=cls.contact.ids)

    def test_portal_reads_its_commercial_entity_only(self):
        visible = self.env["helpdesk.ticket"].with_user(self.portal).search(
            [("id", "in", (self.own | self.colleagues | self.subsidiarys | self.strangers).ids)]
        )
        self.assertEqual(visible, self.own | self.colleagues)
        with self.assertRaises(AccessError):
            self.subsidiarys.with_user(self.portal).read(["name"])
        with self.assertRaises(AccessError):
            self.strangers.with_user(self.portal).read(["name"])

    def test_viewer_reads_every_ticket_and_changes_none(self):
        tickets = self.own | self.strangers
        self.assertEqual(
            self.env["helpdesk.ticket"].with_user(self.viewer).search([("id", "in", tickets.ids)]),
            tickets,
        )
        with self.assertRaises(AccessError):
            self.strangers.with_user(self.viewer).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket"].with_user(self.viewer).create(
                {"name": "New", "description": "New"}
            )
