"""Knowledge base: suggested while a client writes a ticket, published in the portal, and
its access rules (staff by Starlink role, clients published articles only)."""

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common_portal import StarlinkHelpdeskPortalCase


@tagged("post_install", "-at_install")
class TestPortalKbSuggestions(StarlinkHelpdeskPortalCase):
    def test_obstructed_terminal_suggests_the_obstruction_article(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.ticket_form_url(self.line_a))
        titles = self.suggestion_titles(response.text)
        self.assertEqual(titles[:1], ["Clear the view of your dish"])
        self.assertNotIn("Reading your invoice lines", titles)
        self.assertIn("Trim the branches north of the dish.", response.text)  # readable in place
        self.assertIn(f'href="/my/help/{self.article_obstruction.id}"', response.text)

    def test_line_without_alerts_suggests_nothing_until_a_category(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.ticket_form_url(self.line_a2))
        self.assertEqual(self.suggestion_titles(response.text), [])
        self.assertIn("o_starlink_no_suggestion", response.text)
        # The category chosen: its articles, in the page (GET) and from the JSON-less route.
        for url in (
            self.ticket_form_url(self.line_a2, category=self.cat_billing.id),
            self.ticket_form_url(self.line_a2, "/suggestions", category=self.cat_billing.id),
        ):
            with self.subTest(url=url):
                response = self.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(
                    self.suggestion_titles(response.text), ["Reading your invoice lines"]
                )

    def test_open_alert_rule_type_suggests(self):
        rule = self.env["starlink.alert.rule"].create(
            {"name": "Portal outage rule", "rule_type": "outage", "threshold": 30,
             "notify_client": True, "company_id": self.company.id}
        )  # fmt: skip
        self._alert(rule, self.line_a2, "Barn offline")
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.ticket_form_url(self.line_a2))
        self.assertEqual(self.suggestion_titles(response.text), ["When nothing connects"])

    def test_terminal_choice_changes_suggestions(self):
        """Another terminal of the line, without alerts: no obstruction article."""
        other = self._terminal(self.line_a, "UT-PORTAL-A3", "online")
        self.authenticate("sl_portal_a", "sl_portal_a")
        url = self.ticket_form_url(self.line_a, "/suggestions", terminal=other.id)
        self.assertEqual(self.suggestion_titles(self.get(url).text), [])
        url = self.ticket_form_url(self.line_a, "/suggestions", terminal=self.terminal_a.id)
        self.assertEqual(
            self.suggestion_titles(self.get(url).text), ["Clear the view of your dish"]
        )

    def test_unpublished_article_never_suggested(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        for url in (
            self.ticket_form_url(self.line_a),
            self.ticket_form_url(self.line_a, category=self.cat_connection.id),
            self.ticket_form_url(self.line_a, "/suggestions", category=self.cat_billing.id),
        ):
            with self.subTest(url=url):
                response = self.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("Unreleased escalation notes", response.text)
                self.assertNotIn("zebra", response.text)


@tagged("post_install", "-at_install")
class TestPortalKbPages(StarlinkHelpdeskPortalCase):
    def test_help_lists_published_articles_by_category(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get("/my/help")
        self.assertEqual(response.status_code, 200)
        for text in (
            "Dish KB",
            "Billing KB",
            "Clear the view of your dish",
            "Reading your invoice lines",
        ):
            self.assertIn(text, response.text)
        response = self.get(f"/my/help?category={self.kb_billing.id}")
        self.assertIn("Reading your invoice lines", response.text)
        self.assertNotIn("Clear the view of your dish", response.text)

    def test_help_search_and_article_page(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get("/my/help?search=overage")
        self.assertIn("Reading your invoice lines", response.text)
        self.assertNotIn("Clear the view of your dish", response.text)
        response = self.get(f"/my/help/{self.article_obstruction.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Trim the branches north of the dish.", response.text)
        self.assertIn("When nothing connects", response.text)  # more in the category

    def test_unpublished_article_never_in_the_portal(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        for url in ("/my/help", f"/my/help?category={self.kb_equipment.id}",
                    f"/my/help/{self.article_obstruction.id}"):  # fmt: skip
            with self.subTest(url=url):
                response = self.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("Unreleased escalation notes", response.text)
                self.assertNotIn("zebra", response.text)
        for word in ("zebra", "Unreleased"):
            response = self.get(f"/my/help?search={word}")
            self.assertIn("0 article(s) found", response.text)
            self.assertNotIn("Unreleased escalation notes", response.text)
            self.assertNotIn(f'href="/my/help/{self.article_draft.id}"', response.text)
        response = self.get(f"/my/help/{self.article_draft.id}")
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(response.headers["Location"].endswith("/my/help"))

    def test_help_needs_login(self):
        self.assertLoginRedirect(self.get("/my/help"))
        self.assertLoginRedirect(self.get(f"/my/help/{self.article_obstruction.id}"))


@tagged("post_install", "-at_install")
class TestKbAccess(StarlinkHelpdeskPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "starlink_base.starlink_base_group_%s"
        cls.viewer = new_test_user(cls.env, "kb_viewer", groups=groups % "viewer")
        cls.technician = new_test_user(cls.env, "kb_technician", groups=groups % "technician")
        cls.admin = new_test_user(cls.env, "kb_admin", groups=groups % "admin")
        cls.other_company = cls.env["res.company"].create({"name": "KB Other Reseller"})
        cls.article_other_company = cls._article(
            "Other reseller article", cls.kb_equipment, company_id=cls.other_company.id
        )

    def test_portal_reads_published_articles_of_his_company_only(self):
        Article = self.env["starlink.kb.article"].with_user(self.user_a)
        visible = Article.search([])
        self.assertIn(self.article_obstruction, visible)
        self.assertNotIn(self.article_draft, visible)
        self.assertNotIn(self.article_other_company, visible)
        with self.assertRaises(AccessError):
            self.article_draft.with_user(self.user_a).read(["name"])
        with self.assertRaises(AccessError):
            self.article_obstruction.with_user(self.user_a).write({"name": "Hacked"})
        with self.assertRaises(AccessError):
            Article.create({"name": "Client article", "category_id": self.kb_equipment.id})

    def test_other_company_article_page_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(f"/my/help/{self.article_other_company.id}")
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn("Other reseller article", response.text)
        self.assertNotIn("Other reseller article", self.get("/my/help").text)

    def test_viewer_reads_only(self):
        Article = self.env["starlink.kb.article"].with_user(self.viewer)
        self.assertIn(self.article_draft, Article.search([]))
        with self.assertRaises(AccessError):
            self.article_obstruction.with_user(self.viewer).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            Article.create({"name": "Viewer article", "category_id": self.kb_equipment.id})

    def test_technician_writes_admin_deletes(self):
        Article = self.env["starlink.kb.article"].with_user(self.technician)
        article = Article.create(
            {"name": "Mount in the wind", "category_id": self.kb_equipment.id,
             "terminal_alerts": " Mast_Not_Vertical,mast_not_vertical ", "rule_types": "outage"}
        )  # fmt: skip
        self.assertEqual(article.terminal_alerts, "mast_not_vertical")
        article.action_publish()
        self.assertTrue(article.is_published)
        with self.assertRaises(AccessError):
            article.unlink()
        article.with_user(self.admin).unlink()
        self.assertFalse(article.exists())

    def test_codes_validated(self):
        with self.assertRaises(ValidationError):
            self.article_outage.rule_types = "outage, thunderstorm"
        with self.assertRaises(ValidationError):
            self.article_outage.terminal_alerts = "high sky!"

    def test_suggest_as_staff_gives_published_only(self):
        articles = (
            self.env["starlink.kb.article"]
            .with_user(self.viewer)
            ._suggest(
                terminal_alerts={"high_sky_obstruction"},
                categories=self.cat_connection | self.cat_billing,
            )
        )
        self.assertEqual(articles[:1], self.article_obstruction)
        self.assertNotIn(self.article_draft, articles)
        self.assertIn(self.article_billing, articles)

    def test_category_counts(self):
        # Obstruction, outage and the other company's article; and the draft.
        self.assertEqual(self.kb_equipment.published_count, 3)
        self.assertEqual(self.kb_equipment.article_count, 4)
        self.kb_billing.article_ids = [Command.create({"name": "Draft billing"})]
        self.assertEqual(self.kb_billing.article_count, 2)
