from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import StarlinkCase

GROUP = "starlink_base.starlink_base_group_"


@tagged("post_install", "-at_install")
class TestCompanyRules(StarlinkCase):
    """One test per company rule: a user of company A never reads company B's records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Viewer: the lowest role that reads every Starlink record of its companies.
        cls.viewer_a = cls._user("sl_viewer_a", GROUP + "viewer")
        cls.admin_a = cls._user("sl_admin_a", GROUP + "admin")

    def _assert_isolated(self, own, foreign, values):
        """``viewer_a`` finds exactly ``own``; nobody of company A reads or changes ``foreign``."""
        Model = self.env[own._name].with_user(self.viewer_a)
        self.assertEqual(Model.search([]).ids, own.sorted().ids)
        self.assertEqual(Model.search_count([("id", "=", foreign.id)]), 0)
        groups = Model.read_group([], ["company_id"], ["company_id"])
        self.assertEqual([g["company_id"][0] for g in groups], [self.company.id])
        with self.assertRaises(AccessError):
            foreign.with_user(self.viewer_a).read(["display_name"])
        with self.assertRaises(AccessError):
            foreign.with_user(self.admin_a).write(values)
        with self.assertRaises(AccessError):
            foreign.with_user(self.admin_a).unlink()
        # Allowing a company the user does not belong to changes nothing.
        with self.assertRaises(AccessError):
            Model.with_context(allowed_company_ids=[self.other_company.id]).search([])

    def test_account_rule_company(self):
        self._assert_isolated(self.account, self.other_account, {"name": "x"})

    def test_service_line_rule_company(self):
        self._assert_isolated(self.line | self.other_line, self.foreign_line, {"nickname": "x"})

    def test_terminal_rule_company(self):
        self._assert_isolated(
            self.terminal | self.other_terminal, self.foreign_terminal, {"software_version": "x"}
        )

    def test_usage_daily_rule_company(self):
        self._assert_isolated(self.usage | self.other_usage, self.foreign_usage, {"standard_gb": 1})

    def test_rules_follow_the_companies_selected(self):
        both = self._user("sl_viewer_ab", GROUP + "viewer")
        both.company_ids = self.company | self.other_company
        Line = self.env["starlink.service.line"].with_user(both)
        lines = self.line | self.other_line | self.foreign_line
        selected_both = Line.with_context(
            allowed_company_ids=[self.company.id, self.other_company.id]
        )
        self.assertEqual(selected_both.search([("id", "in", lines.ids)]), lines)
        selected_b = Line.with_context(allowed_company_ids=[self.other_company.id])
        self.assertEqual(selected_b.search([("id", "in", lines.ids)]), self.foreign_line)

    def test_cannot_link_line_to_other_company_account(self):
        with self.assertRaises(UserError), self.cr.savepoint():
            self._create_line(self.other_account, self.client, "SL-X", company_id=self.company.id)
        found = self.env["starlink.service.line"].search([("service_line_number", "=", "SL-X")])
        self.assertFalse(found)

    def test_cannot_move_terminal_to_other_company_line(self):
        with self.assertRaises(UserError), self.cr.savepoint():
            self.terminal.service_line_id = self.foreign_line
        self.terminal.invalidate_recordset()
        self.assertEqual(self.terminal.service_line_id, self.line)


@tagged("post_install", "-at_install")
class TestPortalRules(StarlinkCase):
    """One test per portal rule: a client reads his commercial entity's records only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._user(
            "sl_portal", "base.group_portal", partner_id=cls.client_contact.id
        )
        # A line sold to another contact of the same client: the client's too.
        cls.sibling = cls.env["res.partner"].create(
            {"name": "Contact Two", "parent_id": cls.client.id}
        )
        cls.sibling_line = cls._create_line(cls.account, cls.sibling, "SL-A-3")
        cls.sibling_terminal = cls._create_terminal(cls.sibling_line, "UT-A-3")
        cls.sibling_usage = cls.env["starlink.usage.daily"].create(
            {"service_line_id": cls.sibling_line.id, "date": "2026-03-01"}
        )

    def _assert_own_only(self, own, others, values):
        Model = self.env[own._name].with_user(self.portal_user)
        self.assertEqual(Model.search([]).ids, own.sorted().ids)
        own.with_user(self.portal_user).read(["display_name"])
        for record in others:
            with self.subTest(record=record.display_name), self.assertRaises(AccessError):
                record.with_user(self.portal_user).read(["display_name"])
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).write(values)
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).unlink()

    def test_service_line_rule_portal(self):
        self._assert_own_only(
            self.line | self.sibling_line, self.other_line | self.foreign_line, {"nickname": "x"}
        )

    def test_terminal_rule_portal(self):
        self._assert_own_only(
            self.terminal | self.sibling_terminal,
            self.other_terminal | self.foreign_terminal,
            {"software_version": "x"},
        )

    def test_usage_daily_rule_portal(self):
        self._assert_own_only(
            self.usage | self.sibling_usage,
            self.other_usage | self.foreign_usage,
            {"standard_gb": 1},
        )

    def test_portal_user_reads_no_account(self):
        with self.assertRaises(AccessError):
            self.account.with_user(self.portal_user).read(["display_name"])
        with self.assertRaises(AccessError):
            self.env["starlink.account"].with_user(self.portal_user).search([])
