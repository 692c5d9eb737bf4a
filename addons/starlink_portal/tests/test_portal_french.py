from odoo.tests import tagged

from .common import StarlinkPortalCase


@tagged("post_install", "-at_install")
class TestPortalFrench(StarlinkPortalCase):
    """A client whose language is French reads the portal in French (i18n/fr.po)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["starlink_portal"], ["fr_FR"])
        cls.user_a.lang = "fr_FR"

    def page(self, url):
        # The website sends a French visitor to the /fr/ address of the page.
        response = self.get(url, allow_redirects=True)
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.text

    def assertPageSays(self, url, french, english):
        self.assertSays(self.page(url), french, english)

    def test_dashboard_in_french(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertPageSays(
            "/my/starlink",
            french=("Lignes de service", "jours restants", "Consommé sur ce cycle",
                    "Tous les forfaits", "Appliquer", "Détails"),
            english=("days left", "Used this cycle", "All plans", "Service Lines"),
        )  # fmt: skip

    def test_line_page_in_french(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertPageSays(
            self.line_url(self.line_a),
            french=("Jours restants", "Données prioritaires", "Jour de début du cycle",
                    "Changer de forfait ou ajouter des données", "Dernier signal :",
                    "Go par cycle"),
            english=("Days left", "Priority data", "Change plan or add data", "GB per cycle"),
        )  # fmt: skip

    def test_english_client_unchanged(self):
        self.authenticate("sl_portal_b", "sl_portal_b")
        html = self.page("/my/starlink")
        self.assertIn("days left", html)
        self.assertNotIn("jours restants", html)
