from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import StarlinkCase

GROUP = "starlink_base.starlink_base_group_"


@tagged("post_install", "-at_install")
class TestCompanyRules(StarlinkCase):
    """One test per company rule: a user of company A never reads company B's records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_a = cls._user("sl_admin_a", GROUP + "admin")

    def _assert_isolated(self, own, foreign):
        Model = self.env[own._name].with_user(self.admin_a)
        found = Model.search([("id", "in", (own | foreign).ids)])
        self.assertEqual(found, own.with_user(self.admin_a))
        with self.assertRaises(AccessError):
            foreign.with_user(self.admin_a).read(["display_name"])

    def test_account_rule_company(self):
        self._assert_isolated(self.account, self.other_account)

    def test_service_line_rule_company(self):
        self._assert_isolated(self.line, self.foreign_line)

    def test_terminal_rule_company(self):
        self._assert_isolated(self.terminal, self.foreign_terminal)

    def test_usage_daily_rule_company(self):
        self._assert_isolated(self.usage, self.foreign_usage)

    def test_user_of_both_companies_reads_both(self):
        both = self._user("sl_admin_ab", GROUP + "admin")
        both.company_ids = self.company | self.other_company
        Line = self.env["starlink.service.line"].with_user(both).with_context(
            allowed_company_ids=[self.company.id, self.other_company.id]
        )
        found = Line.search([("id", "in", (self.line | self.foreign_line).ids)])
        self.assertEqual(len(found), 2)

    def test_cannot_link_line_to_other_company_account(self):
        with self.assertRaises(Exception):  # noqa: B017 - UserError from _check_company
            self._create_line(self.other_account, self.client, "SL-X", company_id=self.company.id)


@tagged("post_install", "-at_install")
class TestPortalRules(StarlinkCase):
    """One test per portal rule: a client reads his commercial entity's records only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._user(
            "sl_portal", "base.group_portal", partner_id=cls.client_contact.id
        )

    def _assert_own_only(self, own, others, field):
        Model = self.env[own._name].with_user(self.portal_user)
        found = Model.search([("id", "in", (own | others).ids)])
        self.assertEqual(found.ids, own.ids)
        own.with_user(self.portal_user).read(["display_name"])
        for record in others:
            with self.assertRaises(AccessError):
                record.with_user(self.portal_user).read(["display_name"])
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).write({field: own[field]})

    def test_service_line_rule_portal(self):
        self._assert_own_only(self.line, self.other_line | self.foreign_line, "nickname")

    def test_terminal_rule_portal(self):
        self._assert_own_only(
            self.terminal, self.other_terminal | self.foreign_terminal, "software_version"
        )

    def test_usage_daily_rule_portal(self):
        self._assert_own_only(self.usage, self.other_usage | self.foreign_usage, "standard_gb")

    def test_portal_user_reads_no_account(self):
        with self.assertRaises(AccessError):
            self.account.with_user(self.portal_user).read(["display_name"])
