"""Record rules and access rights of client requests: a client's contacts read their own
client's requests and write none; staff of another company see none."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common_requests import StarlinkPortalRequestCase


@tagged("post_install", "-at_install")
class TestPortalRequestRules(StarlinkPortalRequestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        values = cls.line_q._portal_request_values("top_up", block_count=1)
        values.update(
            kind="top_up", service_line_id=cls.line_q.id, partner_id=cls.client_a.id,
            requested_by_id=cls.user_a.id,
        )  # fmt: skip
        cls.request_a = cls.Request.create(values)
        cls.other_company = cls.env["res.company"].create({"name": "Other Reseller Co"})
        cls.other_sales = new_test_user(
            cls.env, login="sl_portal_other_sales",
            groups="starlink_base.starlink_base_group_sales",
            company_id=cls.other_company.id, company_ids=[cls.other_company.id],
        )  # fmt: skip

    def test_portal_rule_own_clients_requests_only(self):
        for user in (self.user_a, self.user_a2):
            self.assertEqual(self.Request.with_user(user).search([]), self.request_a)
            self.request_a.with_user(user).read(["name", "client_state", "amount_now"])
        self.assertFalse(self.Request.with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            self.request_a.with_user(self.user_b).read(["name"])

    def test_portal_users_write_nothing(self):
        with self.assertRaises(AccessError):
            self.request_a.with_user(self.user_a).write({"state": "cancelled"})
        with self.assertRaises(AccessError):
            self.Request.with_user(self.user_a).create(
                {"kind": "top_up", "service_line_id": self.line_q.id,
                 "partner_id": self.client_a.id, "product_id": self.block.id,
                 "currency_id": self.company.currency_id.id}
            )  # fmt: skip
        with self.assertRaises(AccessError):
            self.request_a.with_user(self.user_a).read(["form_token"])
        with self.assertRaises(AccessError):
            self.alert_a.with_user(self.user_a).read(["portal_read_user_ids"])

    def test_company_rule_other_company_sees_nothing(self):
        self.assertIn(self.request_a, self.Request.with_user(self.sales).search([]))
        self.assertFalse(self.Request.with_user(self.other_sales).search([]))
        with self.assertRaises(AccessError):
            self.request_a.with_user(self.other_sales).read(["name"])
        with self.assertRaises(AccessError):
            self.request_a.with_user(self.other_sales).action_approve()
        self.assertEqual(self.request_a.state, "to_approve")
