from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPortalLogin(HttpCase):
    def test_portal_user_logs_in_to_my(self):
        client = self.env["res.partner"].create({"name": "Portal Client", "is_company": True})
        new_test_user(
            self.env,
            login="sl_portal_http",
            password="sl_portal_http",
            groups="base.group_portal",
            partner_id=self.env["res.partner"].create(
                {"name": "Portal Contact", "parent_id": client.id}
            ).id,
        )
        self.authenticate("sl_portal_http", "sl_portal_http")
        response = self.url_open("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/my/account", response.text)
        self.assertNotIn("/web/login", response.url)
