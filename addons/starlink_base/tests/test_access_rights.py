from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import StarlinkCase

GROUP = "starlink_base.starlink_base_group_"


@tagged("post_install", "-at_install")
class TestAccessRights(StarlinkCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.internal = cls._user("sl_internal", "base.group_user")
        cls.viewer = cls._user("sl_viewer", GROUP + "viewer")
        cls.technician = cls._user("sl_technician", GROUP + "technician")
        cls.sales = cls._user("sl_sales", GROUP + "sales")
        cls.org_admin = cls._user("sl_admin", GROUP + "admin")
        cls.system = cls._user("sl_system", "base.group_system")

    def _new_line_values(self, number):
        return {
            "service_line_number": number,
            "account_id": self.account.id,
            "partner_id": self.client.id,
            "product_id": self.plan.id,
        }

    def test_internal_user_without_role_reads_nothing(self):
        for record in (self.account, self.line, self.terminal, self.usage):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(self.internal).read(["display_name"])

    def test_viewer_reads_everything_changes_nothing(self):
        for record in (self.account, self.line, self.terminal, self.usage):
            record.with_user(self.viewer).read(["display_name"])
        with self.assertRaises(AccessError):
            self.line.with_user(self.viewer).write({"nickname": "x"})
        with self.assertRaises(AccessError):
            self.terminal.with_user(self.viewer).write({"software_version": "x"})
        with self.assertRaises(AccessError):
            self.usage.with_user(self.viewer).write({"standard_gb": 1})
        with self.assertRaises(AccessError):
            self.line.with_user(self.viewer).action_activate()

    def test_technician_manages_terminals_only(self):
        terminal = self.terminal.with_user(self.technician)
        terminal.write({"software_version": "2026.11.1"})
        self.assertEqual(self.terminal.software_version, "2026.11.1")
        self.env["starlink.terminal"].with_user(self.technician).create(
            {"user_terminal_id": "UT-TECH", "company_id": self.company.id}
        )
        with self.assertRaises(AccessError):
            terminal.unlink()
        with self.assertRaises(AccessError):
            self.line.with_user(self.technician).write({"nickname": "x"})
        with self.assertRaises(AccessError):
            self.env["starlink.account"].with_user(self.technician).create(
                {"name": "X", "account_number": "X"}
            )

    def test_sales_manages_service_lines(self):
        Line = self.env["starlink.service.line"].with_user(self.sales)
        line = Line.create(self._new_line_values("SL-SALES"))
        line.action_activate()
        self.assertEqual(line.state, "active")
        self.terminal.with_user(self.sales).write({"service_line_id": line.id})
        self.assertEqual(self.terminal.partner_id, self.client)
        with self.assertRaises(AccessError):
            line.unlink()
        with self.assertRaises(AccessError):
            self.env["starlink.terminal"].with_user(self.sales).create(
                {"user_terminal_id": "UT-SALES"}
            )
        with self.assertRaises(AccessError):
            self.account.with_user(self.sales).write({"name": "x"})

    def test_organization_admin_does_everything_but_read_secrets(self):
        Account = self.env["starlink.account"].with_user(self.org_admin)
        account = Account.create({"name": "New", "account_number": "ACC-NEW"})
        line = (
            self.env["starlink.service.line"]
            .with_user(self.org_admin)
            .create({**self._new_line_values("SL-ADM"), "account_id": account.id})
        )
        line.unlink()
        self.terminal.with_user(self.org_admin).unlink()
        self.usage.with_user(self.org_admin).write({"standard_gb": 2.0})
        with self.assertRaises(AccessError):
            self.account.with_user(self.org_admin).read(["client_secret"])
        with self.assertRaises(AccessError):
            self.account.with_user(self.org_admin).read(["client_id"])

    def test_only_settings_users_read_api_secrets(self):
        for user in (self.viewer, self.technician, self.sales):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.account.with_user(user).read(["client_secret"])
        values = self.account.with_user(self.system).read(["client_secret"])[0]
        self.assertEqual(values["client_secret"], "secret-ACC-A")
        self.assertTrue(self.system.has_group(GROUP + "admin"))

    def test_each_role_searches_its_company_records(self):
        expected = {
            "starlink.account": self.account,
            "starlink.service.line": self.line | self.other_line,
            "starlink.terminal": self.terminal | self.other_terminal,
            "starlink.usage.daily": self.usage | self.other_usage,
        }
        roles = (self.viewer, self.technician, self.sales, self.org_admin, self.system)
        for user in roles:
            for model, records in expected.items():
                with self.subTest(user=user.login, model=model):
                    found = self.env[model].with_user(user).search([])
                    self.assertEqual(found.ids, records.sorted().ids)
        for model in expected:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.internal).search([])

    def test_secret_not_in_search_results(self):
        for user in (self.viewer, self.technician, self.sales, self.org_admin):
            Account = self.env["starlink.account"].with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    Account.search([("client_secret", "=", "secret-ACC-A")])
                rows = Account.search_read([("id", "=", self.account.id)])
                self.assertEqual([row["id"] for row in rows], self.account.ids)
                self.assertNotIn("client_secret", rows[0])
                self.assertNotIn("client_id", rows[0])
                self.assertFalse(Account.name_search("secret-ACC-A"))
        found = (
            self.env["starlink.account"]
            .with_user(self.system)
            .search([("client_secret", "=", "secret-ACC-A")])
        )
        self.assertEqual(found, self.account)

    def test_secret_not_in_tracking(self):
        self.env.cr.precommit.run()  # end the creation transaction: changes are tracked after
        self.account.with_user(self.system).write(
            {"client_secret": "rotated-secret", "client_id": "rotated-id", "name": "Renamed"}
        )
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit time
        tracked = self.account.message_ids.tracking_value_ids
        # The tracking works (the name change is there), the credentials are not in it.
        self.assertIn("Renamed", tracked.mapped("new_value_char"))
        texts = " ".join(
            filter(None, self.account.message_ids.mapped("body") + tracked.mapped("new_value_char"))
        )
        self.assertNotIn("rotated-secret", texts)
        self.assertNotIn("rotated-id", texts)

    def test_organization_admin_cannot_redirect_credentials(self):
        account = self.account.with_user(self.org_admin)
        for field in ("api_base_url", "token_url"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                account.write({field: "https://collector.example.com/"})
        self.assertEqual(self.account.token_url, "https://starlink.com/api/auth/connect/token")
        # Writing the same values (a form saved as is) is no change.
        account.write({"api_base_url": self.account.api_base_url, "name": "Same endpoints"})
        self.assertTrue(account.has_credentials)

    def test_endpoints_without_credentials_or_by_settings_users(self):
        bare = (
            self.env["starlink.account"]
            .with_user(self.org_admin)
            .create({"name": "Bare", "account_number": "ACC-BARE"})
        )
        self.assertFalse(bare.has_credentials)
        bare.write({"api_base_url": "http://127.0.0.1:8000/api"})
        self.assertEqual(bare.api_base_url, "http://127.0.0.1:8000/api")
        self.account.with_user(self.system).write({"token_url": "http://127.0.0.1:8000/token"})
        self.assertEqual(self.account.token_url, "http://127.0.0.1:8000/token")
