from odoo.tests import tagged

from .common_portal import StarlinkHelpdeskPortalCase


@tagged("post_install", "-at_install")
class TestHelpdeskPortalFrench(StarlinkHelpdeskPortalCase):
    """A client whose language is French reads Support's portal pages in French
    (starlink_helpdesk's i18n/fr.po), and the line and terminal badges too (starlink_base's)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["starlink_base", "starlink_portal", "starlink_helpdesk"], ["fr_FR"]
        )
        cls.user_a.lang = "fr_FR"

    def test_dashboard_cards_and_badges_in_french(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        html = self.url_open("/my/starlink").text
        self.assertSays(
            html,
            present=("Signaler un problème", "En ligne", "data-health=\"online\""),
            absent=("Report a problem", "Online"),
        )

    def test_ticket_form_and_its_errors_in_french(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        html = self.url_open(self.ticket_form_url(self.line_a)).text
        self.assertSays(
            html,
            present=("Que se passe-t-il ?", "Envoyer à l", "Photos ou fichiers", "Choisir…"),
            absent=("What happens?", "Send to support", "Photos or files"),
        )
        # the website keeps a French visitor on the /fr/ addresses: the form posts there
        response = self.url_open(
            "/fr" + self.ticket_form_url(self.line_a),
            data={"csrf_token": self.form_values(html, "o_starlink_ticket_form")["csrf_token"],
                  "subject": "", "description": "Gardé", "category": str(self.cat_connection.id)},
            allow_redirects=False,
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertSays(
            response.text,
            present=("Donnez un titre court à votre problème.", "Gardé"),
            absent=("Please give your problem a short title.",),
        )

    def test_new_ticket_form_line_choice_in_french(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertSays(
            self.url_open("/fr/new/ticket").text,
            present=("Ligne de service", "Sans rapport avec une ligne de service",
                     "<em>Signaler un problème</em> sur la page"),
            absent=("Service line", "Not about a service line", "For a problem with"),
        )  # fmt: skip

    def test_line_page_tickets_in_french(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertSays(
            self.url_open(self.line_url(self.line_a)).text,
            present=("Tickets d'assistance", "Tous les tickets", "Ouvert le",
                    "Signaler un problème"),
            absent=("Support tickets", "All tickets", "Report a problem"),
        )

    def test_help_pages_in_french(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertSays(
            self.url_open("/my/help").text,
            present=("Rechercher dans l", "Catégories d"),
            absent=("Search the help pages", "Help categories"),
        )
