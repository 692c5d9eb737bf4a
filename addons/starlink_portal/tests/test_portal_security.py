from odoo import Command
from odoo.tests import JsonRpcException, get_db_name, tagged
from odoo.tools import mute_logger

from .common import StarlinkPortalCase


@tagged("post_install", "-at_install")
class TestPortalAccountSecurity(StarlinkPortalCase):
    """Two-factor authentication offered to clients; the login cooldown kept on."""

    def test_portal_user_reaches_two_factor_setup(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get("/my/security")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Two-factor authentication", response.text)
        self.assertIn('id="auth_totp_portal_enable"', response.text)

    def test_account_page_reachable(self):
        self.authenticate("sl_portal_a2", "sl_portal_a2")
        response = self.get("/my/account")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Arthur Alpha", response.text)

    def _login(self, password):
        return self.make_jsonrpc_request(
            "/web/session/authenticate",
            {"db": get_db_name(), "login": "sl_portal_a", "password": password},
        )

    @mute_logger("odoo.http")
    def test_login_cooldown_after_repeated_failures(self):
        params = self.env["ir.config_parameter"].sudo()
        after = int(params.get_param("base.login_cooldown_after", 5))
        duration = int(params.get_param("base.login_cooldown_duration", 60))
        self.assertGreater(after, 0, "the login cooldown is switched off")
        self.assertGreater(duration, 0, "the login cooldown is switched off")
        self.addCleanup(lambda: getattr(self.registry, "_login_failures", {}).clear())
        getattr(self.registry, "_login_failures", {}).clear()

        self.assertEqual(self._login("sl_portal_a")["uid"], self.user_a.id)
        self.url_open("/web/session/logout")
        with mute_logger("odoo.addons.base.models.res_users"):
            for _attempt in range(after):
                with self.assertRaises(JsonRpcException) as caught:
                    self._login("wrong password")
                self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessDenied")
        # On cooldown: even the right password is refused, and the attempt is not checked.
        with (
            self.assertLogs("odoo.addons.base.models.res_users", "WARNING") as logs,
            self.assertRaises(JsonRpcException) as caught,
        ):
            self._login("sl_portal_a")
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessDenied")
        self.assertIn("Login attempt ignored", logs.output[0])


@tagged("post_install", "-at_install")
class TestPortalLineInvoices(StarlinkPortalCase):
    """The line page lists the posted invoices that bill the line, linked to /my/invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contract = cls.env["contract.contract"].create(
            {
                "name": "Portal test contract",
                "partner_id": cls.client_a.id,
                "company_id": cls.company.id,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.plan.id,
                            "name": "Plan fee",
                            "quantity": 1,
                            "price_unit": 120.0,
                            "starlink_service_line_id": cls.line_a.id,
                        }
                    )
                ],
            }
        )
        cls.invoice = cls._invoice(cls.client_a, contract.contract_line_ids)
        cls.other_line_invoice = cls._invoice(cls.client_a, cls.env["contract.line"])

    @classmethod
    def _invoice(cls, partner, contract_line):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.plan.id,
                            "quantity": 1,
                            "price_unit": 120.0,
                            "contract_line_id": contract_line.id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def test_invoices_of_the_line(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a))
        self.assertEqual(response.status_code, 200)
        section = response.text.split('id="o_starlink_line_invoices"')[1].split("</section>")[0]
        self.assertIn(f'href="/my/invoices/{self.invoice.id}"', section)
        self.assertIn(self.invoice.name, section)
        self.assertNotIn(f"/my/invoices/{self.other_line_invoice.id}", section)
        self.assertEqual(self.get(f"/my/invoices/{self.invoice.id}").status_code, 200)

    def test_share_link_shows_no_invoice(self):
        token = self.line_a._portal_ensure_token()
        response = self.get(self.line_url(self.line_a, access_token=token))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(self.invoice.name, response.text)
        self.assertNotIn('id="o_starlink_line_invoices"', response.text)
