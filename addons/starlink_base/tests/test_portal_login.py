from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import StarlinkCase

PORTAL_MODELS = ("starlink.service.line", "starlink.terminal", "starlink.usage.daily")


@tagged("post_install", "-at_install")
class TestPortalLogin(HttpCase, StarlinkCase):
    """A client logged in over HTTP reads his commercial entity's Starlink records only.

    Through the JSON-RPC route the web client uses (``/web/dataset/call_kw``): what the
    portal pages will show is bounded by what this route gives.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._user(
            "sl_portal_http",
            "base.group_portal",
            partner_id=cls.client_contact.id,
            password="sl_portal_http",
        )

    def call_kw(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_portal_user_reads_own_records_over_http(self):
        self.authenticate("sl_portal_http", "sl_portal_http")
        session = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(session["uid"], self.portal_user.id)
        own = {
            "starlink.service.line": self.line,
            "starlink.terminal": self.terminal,
            "starlink.usage.daily": self.usage,
        }
        for model in PORTAL_MODELS:
            with self.subTest(model=model):
                rows = self.call_kw(model, "search_read", [], ["display_name"])
                self.assertEqual([row["id"] for row in rows], own[model].ids)
        rows = self.call_kw("starlink.service.line", "search_read", [], ["partner_id"])
        self.assertEqual({row["partner_id"][0] for row in rows}, {self.client.id})

    @mute_logger("odoo.http")
    def test_portal_user_reads_no_other_client_record_over_http(self):
        self.authenticate("sl_portal_http", "sl_portal_http")
        others = {
            "starlink.service.line": self.other_line | self.foreign_line,
            "starlink.terminal": self.other_terminal | self.foreign_terminal,
            "starlink.usage.daily": self.other_usage | self.foreign_usage,
        }
        for model in PORTAL_MODELS:
            for record in others[model]:
                with self.subTest(model=model, record=record.id):
                    with self.assertRaises(JsonRpcException) as caught:
                        self.call_kw(model, "read", [record.id], ["display_name"])
                    self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
                    found = self.call_kw(model, "search", [("id", "=", record.id)])
                    self.assertEqual(found, [])
        with self.assertRaises(JsonRpcException) as caught:
            self.call_kw("starlink.account", "search_read", [], ["name"])
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")

    @mute_logger("odoo.http")
    def test_portal_user_changes_nothing_over_http(self):
        self.authenticate("sl_portal_http", "sl_portal_http")
        with self.assertRaises(JsonRpcException) as caught:
            self.call_kw("starlink.service.line", "write", [self.line.id], {"nickname": "Mine"})
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        self.assertFalse(self.line.nickname)

    def test_anonymous_visitor_reads_nothing(self):
        for model in PORTAL_MODELS:
            with self.subTest(model=model):
                with self.assertRaises(JsonRpcException) as caught:
                    self.call_kw(model, "search_read", [], ["display_name"])
                self.assertEqual(caught.exception.args[0], "odoo.http.SessionExpiredException")
