import lxml.html

from odoo import Command
from odoo.addons.starlink_portal.tests.common import StarlinkPortalCase


class StarlinkHelpdeskPortalCase(StarlinkPortalCase):
    """starlink_portal's two clients, plus Support: ticket categories (one offered in the
    portal, one not), a knowledge base (published articles suggested by a terminal alert, a
    rule type and a category; a draft that matches everything), client A's terminal
    reporting an obstruction, and a ticket of client B whose title and number must never
    show on A's pages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only this case's knowledge base (the demo's articles answer the same alerts).
        cls.env["starlink.kb.article"].search([]).active = False
        cls.env["starlink.kb.category"].search([]).active = False
        Category = cls.env["helpdesk.ticket.category"]
        cls.env["helpdesk.ticket.category"].search([]).show_in_portal = False
        cls.cat_connection = Category.create({"name": "Portal connection", "show_in_portal": True})
        cls.cat_billing = Category.create({"name": "Portal billing", "show_in_portal": True})
        cls.cat_internal = Category.create({"name": "Staff only", "show_in_portal": False})
        cls.kb_equipment = cls.env["starlink.kb.category"].create({"name": "Dish KB"})
        cls.kb_billing = cls.env["starlink.kb.category"].create({"name": "Billing KB"})
        cls.article_obstruction = cls._article(
            "Clear the view of your dish",
            cls.kb_equipment,
            terminal_alerts="high_sky_obstruction, high_time_obstruction",
            rule_types="obstruction",
            helpdesk_category_ids=[Command.set(cls.cat_connection.ids)],
            body="<p>Trim the branches north of the dish.</p>",
        )
        cls.article_outage = cls._article(
            "When nothing connects", cls.kb_equipment, rule_types="outage",
            body="<p>Check the router light.</p>",
        )  # fmt: skip
        cls.article_billing = cls._article(
            "Reading your invoice lines",
            cls.kb_billing,
            helpdesk_category_ids=[Command.set(cls.cat_billing.ids)],
            body="<p>Each invoice shows the plan fee and the overage.</p>",
        )
        cls.article_draft = cls._article(
            "Unreleased escalation notes",
            cls.kb_equipment,
            published=False,
            terminal_alerts="high_sky_obstruction",
            rule_types="obstruction, outage",
            helpdesk_category_ids=[Command.set((cls.cat_connection | cls.cat_billing).ids)],
            body="<p>Internal zebra procedure.</p>",
        )
        cls.terminal_a.active_alerts = "high_sky_obstruction"
        cls.terminal_a2 = cls._terminal(cls.line_a2, "UT-PORTAL-A2", "online")
        cls.ticket_b = cls.env["helpdesk.ticket"].create(
            {
                "name": "Bravo vessel radar fault",
                "description": "<p>Confidential Bravo text</p>",
                "partner_id": cls.user_b.partner_id.id,
                "service_line_id": cls.line_b.id,
                "terminal_id": cls.terminal_b.id,
            }
        )
        cls.ticket_a = cls.env["helpdesk.ticket"].create(
            {
                "name": "Alpha farm drop-outs",
                "description": "<p>Alpha text</p>",
                "partner_id": cls.user_a2.partner_id.id,
                "service_line_id": cls.line_a.id,
                "terminal_id": cls.terminal_a.id,
            }
        )

    @classmethod
    def _article(cls, name, category, published=True, **values):
        return cls.env["starlink.kb.article"].create(
            {"name": name, "category_id": category.id, "is_published": published, **values}
        )

    # ------------------------------------------------------------------ helpers

    def ticket_form_url(self, line, suffix="", **query):
        return self.line_url(line, "/ticket" + suffix, **query)

    @staticmethod
    def form_values(html, form_id):
        doc = lxml.html.fromstring(html)
        form = doc.get_element_by_id(form_id)
        return {field.get("name"): field.get("value") for field in form.xpath(".//input")}

    @staticmethod
    def suggestion_titles(html):
        """Titles of the suggested articles in a form page or a suggestions answer."""
        doc = lxml.html.fromstring(html)
        return [
            " ".join(el.text_content().split())
            for el in doc.xpath(
                "//details[contains(@class, 'o_starlink_suggestion')]/summary/span[1]"
            )
        ]

    def csrf_token(self, line=None):
        response = self.get(self.ticket_form_url(line or self.line_a))
        self.assertEqual(response.status_code, 200, response.text[:300])
        return self.form_values(response.text, "o_starlink_ticket_form")["csrf_token"]

    def submit(self, line, files=None, **data):
        data.setdefault("csrf_token", self.csrf_token())
        return self.url_open(
            self.ticket_form_url(line), data=data, files=files, allow_redirects=False
        )

    def tickets_of(self, line):
        return self.env["helpdesk.ticket"].search([("service_line_id", "=", line.id)])
