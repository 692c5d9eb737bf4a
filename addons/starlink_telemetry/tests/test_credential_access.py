"""Who may use the Starlink API credentials, and who may read them.

Every public method is an RPC endpoint (``/web/dataset/call_kw``): the tests call them as
that route does, whatever the views show. Organization Admins use the credentials (test
the connection, synchronise) without ever reading them; only Settings administrators
(``base.group_system``) read them.
"""

import json

from odoo import api
from odoo.exceptions import AccessError
from odoo.models import check_method_name
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SIM_CLIENT_ID, SIM_CLIENT_SECRET, StarlinkSimulatorCase

GROUP = "starlink_base.starlink_base_group_"
LOWER_ROLES = ("viewer", "technician", "sales")
MODELS_LOGGER = "odoo.addons.starlink_telemetry"  # models and API client warnings
WRONG_SECRET = "a-wrong-secret-value"


class CredentialUsersMixin:
    """A user per role in ``cls.company``, and the check that an answer holds no credential."""

    credentials = (SIM_CLIENT_ID, SIM_CLIENT_SECRET)

    @classmethod
    def _create_role_users(cls):
        cls.users = {
            role: new_test_user(
                cls.env,
                login=f"sl_cred_{role}",
                groups=group,
                company_id=cls.company.id,
                company_ids=[cls.company.id],
            )
            for role, group in (
                ("viewer", GROUP + "viewer"),
                ("technician", GROUP + "technician"),
                ("sales", GROUP + "sales"),
                ("admin", GROUP + "admin"),
                ("system", "base.group_system"),
            )
        }

    def rpc(self, user, model, method, *args, **kwargs):
        """Call ``method`` as ``/web/dataset/call_kw`` does for ``user``."""
        check_method_name(method)
        records = self.env[model].with_user(user)
        return api.call_kw(records, method, list(args), kwargs)

    def assertNoCredential(self, answer, where="the answer"):
        text = answer if isinstance(answer, str) else json.dumps(answer, default=str)
        for credential in self.credentials:
            self.assertNotIn(credential, text, f"a credential in {where}")


@tagged("post_install", "-at_install")
class TestCredentialActions(CredentialUsersMixin, StarlinkSimulatorCase):
    """The actions that call Starlink with the account's credentials."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_role_users()
        cls.other_company = cls.env["res.company"].create({"name": "Other Reseller"})
        cls.other_admin = new_test_user(
            cls.env,
            login="sl_cred_other_admin",
            groups=GROUP + "admin",
            company_id=cls.other_company.id,
            company_ids=[cls.other_company.id],
        )

    def _requests_to_starlink(self):
        return self.simulator.control("GET", "stats")["requests_total"]

    def test_lower_roles_cannot_test_connection(self):
        for role in LOWER_ROLES:
            with self.subTest(role=role), self.assertRaises(AccessError) as caught:
                self.rpc(
                    self.users[role], "starlink.account", "action_test_connection",
                    self.account.ids,
                )  # fmt: skip
            self.assertNoCredential(str(caught.exception), "the error")
        self.assertEqual(self._requests_to_starlink(), 0, "Starlink was called")

    def test_lower_roles_cannot_sync_now(self):
        for role in LOWER_ROLES:
            with self.subTest(role=role), self.assertRaises(AccessError):
                self.rpc(self.users[role], "starlink.account", "action_sync_now", self.account.ids)
        self.assertEqual(self._requests_to_starlink(), 0, "Starlink was called")
        self.assertFalse(self.account.sync_status_ids, "a synchronisation ran")
        self.assertFalse(self.account.service_line_ids, "a synchronisation ran")

    def test_admin_of_another_company_cannot_use_the_account(self):
        for method in ("action_test_connection", "action_sync_now"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                self.rpc(self.other_admin, "starlink.account", method, self.account.ids)
        self.assertEqual(self._requests_to_starlink(), 0, "Starlink was called")

    def test_organization_admin_tests_the_connection(self):
        with self.assertLogs("odoo.addons.starlink_telemetry", level="DEBUG") as logs:
            action = self.rpc(
                self.users["admin"], "starlink.account", "action_test_connection",
                self.account.ids,
            )  # fmt: skip
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertIn("Connected to Starlink account", action["params"]["message"])
        self.assertGreater(self._requests_to_starlink(), 0)
        self.assertNoCredential(action, "the returned action")
        self.assertNoCredential("\n".join(logs.output), "the log")

    @mute_logger(MODELS_LOGGER)
    def test_failed_connection_tells_no_credential(self):
        bad = self._create_account("Bad secret", secret=WRONG_SECRET, account_number="ACC-BAD")
        action = self.rpc(
            self.users["admin"], "starlink.account", "action_test_connection", bad.ids
        )
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("rejected", action["params"]["message"])
        self.assertNoCredential(action, "the failure notification")
        self.assertNotIn(WRONG_SECRET, json.dumps(action))

    def test_organization_admin_syncs_now(self):
        last_message = self.env["mail.message"].search([], order="id desc", limit=1).id
        with self.assertLogs("odoo.addons.starlink_telemetry", level="DEBUG") as logs:
            action = self.rpc(
                self.users["admin"], "starlink.account", "action_sync_now", self.account.ids
            )
        statuses = self.account.sync_status_ids
        self.assertEqual(
            set(statuses.mapped("stream")),
            {"products", "service_lines", "terminals", "usage", "telemetry"},
        )
        self.assertEqual(set(statuses.mapped("state")), {"ok"}, statuses.mapped("message"))
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(self.account.terminal_ids), self.simulator_terminals)
        self.assertTrue(self.account.service_line_ids)
        self.assertNoCredential(action, "the returned action")
        self.assertNoCredential(statuses.mapped("message"), "the sync status messages")
        self.assertNoCredential("\n".join(logs.output), "the log")
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit time
        messages = self.env["mail.message"].sudo().search([("id", ">", last_message)])
        self.assertNoCredential(messages.mapped("body"), "the chatter")
        self.assertNoCredential(
            messages.tracking_value_ids.mapped(lambda v: [v.old_value_char, v.new_value_char]),
            "the tracking values",
        )

    @mute_logger(MODELS_LOGGER)
    def test_failed_sync_tells_no_credential(self):
        bad = self._create_account("Bad secret", secret=WRONG_SECRET, account_number="ACC-BAD")
        action = self.rpc(self.users["admin"], "starlink.account", "action_sync_now", bad.ids)
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(
            bad.sync_status_ids.filtered(lambda s: s.stream == "service_lines").state, "error"
        )
        answers = [action, bad.sync_status_ids.mapped("message"), bad.last_sync_message]
        self.assertNoCredential(answers, "the failure notification and statuses")
        self.assertNotIn(WRONG_SECRET, json.dumps(answers))


@tagged("post_install", "-at_install")
class TestCredentialReadPaths(CredentialUsersMixin, TransactionCase):
    """No RPC read path gives a credential to anyone but a Settings administrator."""

    fields = ["client_id", "client_secret"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Credential Reseller"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls._create_role_users()
        for role in ("admin", "system"):
            cls.users[role].groups_id += cls.env.ref("base.group_allow_export")
        cls.account = cls.env["starlink.account"].create(
            {
                "name": "Credential account",
                "account_number": "ACC-CRED-1",
                "company_id": cls.company.id,
                "client_id": SIM_CLIENT_ID,
                "client_secret": SIM_CLIENT_SECRET,
            }
        )
        cls.line = cls.env["starlink.service.line"].create(
            {"service_line_number": "SL-CRED-1", "account_id": cls.account.id}
        )

    def rpc(self, user, model, method, *args, **kwargs):
        # A superuser read earlier in the request (as the sync does) leaves the credentials
        # in the transaction's cache: every path must refuse them all the same.
        self.account.sudo().mapped("client_secret")
        cached = self.env.cache.get(self.account, self.account._fields["client_secret"])
        self.assertEqual(cached, SIM_CLIENT_SECRET)
        return super().rpc(user, model, method, *args, **kwargs)

    def _non_system_users(self):
        return [self.users[role] for role in (*LOWER_ROLES, "admin")]

    def _assert_refused_or_absent(self, call):
        for user in self._non_system_users():
            with self.subTest(user=user.login):
                try:
                    answer = call(user)
                except AccessError as error:
                    self.assertNoCredential(str(error), "the error")
                else:
                    self.assertNoCredential(answer)

    def test_read(self):
        for user in self._non_system_users():
            for field in self.fields:
                with self.subTest(user=user.login, field=field), self.assertRaises(AccessError):
                    self.rpc(user, "starlink.account", "read", self.account.ids, [field])
            values = self.rpc(user, "starlink.account", "read", self.account.ids)[0]
            self.assertFalse(set(self.fields) & values.keys())
            self.assertNoCredential(values)

    def test_search_read_and_web_read(self):
        spec = {field: {} for field in self.fields}
        for user in self._non_system_users():
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.rpc(user, "starlink.account", "search_read", [], self.fields)
                with self.assertRaises(AccessError):
                    self.rpc(user, "starlink.account", "web_search_read", [], spec)
                with self.assertRaises(AccessError):
                    self.rpc(user, "starlink.account", "web_read", self.account.ids, spec)
                rows = self.rpc(user, "starlink.account", "search_read", [])
                self.assertEqual([row["id"] for row in rows], self.account.ids)
                self.assertNoCredential(rows)

    def test_search_domain_and_order_are_no_oracle(self):
        for user in self._non_system_users():
            for field in self.fields:
                with self.subTest(user=user.login, field=field):
                    with self.assertRaises(AccessError):
                        self.rpc(user, "starlink.account", "search", [(field, "=like", "s%")])
                    with self.assertRaises(AccessError):
                        self.rpc(user, "starlink.account", "search_count", [(field, "!=", False)])
                    with self.assertRaises(AccessError):
                        self.rpc(user, "starlink.account", "search", [], order=field)
                    with self.assertRaises(AccessError):
                        self.rpc(
                            user, "starlink.service.line", "search_read",
                            [(f"account_id.{field}", "=like", "s%")], ["id"],
                        )  # fmt: skip

    def test_export_data(self):
        user = self.users["admin"]
        for path in (["client_secret"], ["name", "client_id"], ["client_secret", "name"]):
            with self.subTest(path=path), self.assertRaises(AccessError):
                self.rpc(user, "starlink.account", "export_data", self.account.ids, path)
        with self.assertRaises(AccessError):
            self.rpc(
                user, "starlink.service.line", "export_data", self.line.ids,
                ["service_line_number", "account_id/client_secret"],
            )  # fmt: skip
        rows = self.rpc(user, "starlink.account", "export_data", self.account.ids, ["name"])
        self.assertEqual(rows["datas"], [["Credential account"]])

    def test_read_group(self):
        for user in self._non_system_users():
            for field in self.fields:
                with self.subTest(user=user.login, field=field):
                    with self.assertRaises(AccessError):
                        self.rpc(user, "starlink.account", "read_group", [], [field], [field])
                    with self.assertRaises(AccessError):
                        self.rpc(
                            user, "starlink.account", "read_group",
                            [], [f"{field}:array_agg"], ["company_id"],
                        )  # fmt: skip
                    with self.assertRaises(AccessError):
                        self.rpc(user, "starlink.account", "web_read_group", [], [field], [field])

    def test_onchange_and_defaults(self):
        spec = {"name": {}, **{field: {} for field in self.fields}}
        for user in self._non_system_users():
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.rpc(user, "starlink.account", "onchange", self.account.ids, {}, [], spec)
                self.assertFalse(
                    set(self.fields) & self.rpc(user, "starlink.account", "fields_get").keys()
                )
                self.assertNoCredential(
                    self.rpc(user, "starlink.account", "default_get", self.fields)
                )
        self._assert_refused_or_absent(
            lambda user: self.rpc(user, "starlink.account", "onchange", [], {}, [], spec)
        )

    def test_views_name_search_and_copy(self):
        for user in self._non_system_users():
            with self.subTest(user=user.login):
                views = self.rpc(
                    user, "starlink.account", "get_views", [(False, "form"), (False, "list")]
                )
                for view in views["views"].values():
                    for field in self.fields:
                        self.assertNotIn(f'name="{field}"', view["arch"])
                self.assertFalse(
                    self.rpc(user, "starlink.account", "name_search", SIM_CLIENT_SECRET)
                )
                self.assertNoCredential(self.rpc(user, "starlink.account", "name_search", ""))
        copied = self.rpc(self.users["admin"], "starlink.account", "copy_data", self.account.ids)
        self.assertNoCredential(copied)
        copy = self.account.with_user(self.users["admin"]).copy({"account_number": "ACC-CRED-COPY"})
        self.assertFalse(copy.sudo().client_secret or copy.sudo().client_id)

    def test_organization_admin_sees_credentials_are_set(self):
        values = self.rpc(
            self.users["admin"], "starlink.account", "read", self.account.ids, ["has_credentials"]
        )
        self.assertTrue(values[0]["has_credentials"])
        self.account.sudo().client_secret = False
        self.assertFalse(self.account.with_user(self.users["admin"]).has_credentials)

    def test_settings_administrator_reads_credentials(self):
        system = self.users["system"]
        values = self.rpc(system, "starlink.account", "read", self.account.ids, self.fields)[0]
        self.assertEqual(
            (values["client_id"], values["client_secret"]), (SIM_CLIENT_ID, SIM_CLIENT_SECRET)
        )
        found = self.rpc(
            system, "starlink.account", "search", [("client_secret", "=", SIM_CLIENT_SECRET)]
        )
        self.assertEqual(found, self.account.ids)
        rows = self.rpc(system, "starlink.account", "export_data", self.account.ids, self.fields)
        self.assertEqual(rows["datas"], [[SIM_CLIENT_ID, SIM_CLIENT_SECRET]])
        self.assertIn("client_secret", self.rpc(system, "starlink.account", "fields_get"))
