"""Monitoring (issue 13): the token-protected status of uptime monitors refuses a request
without its token and reports a stream that has been failing at the simulator as failing; the
staff banner lists such streams for staff of the account's company only, and shows in the
backend (a tour in Chromium)."""

import os
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.starlink_ops_status import (
    FAILURE_MINUTES_PARAM,
    STATUS_TOKEN_ENV,
    STATUS_TOKEN_PARAM,
)
from .common import StarlinkSimulatorCase

TOKEN = "status-token-of-the-tests-9c41"
GROUP = "starlink_base.starlink_base_group_"


@tagged("post_install", "-at_install")
class TestOpsStatus(StarlinkSimulatorCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer = new_test_user(
            cls.env, "ops_viewer", groups="base.group_user," + GROUP + "viewer",
            company_id=cls.company.id, company_ids=[cls.company.id],
        )  # fmt: skip
        cls.employee = new_test_user(
            cls.env, "ops_employee", groups="base.group_user",
            company_id=cls.company.id, company_ids=[cls.company.id],
        )  # fmt: skip
        other = cls.env["res.company"].create({"name": "Other Reseller"})
        cls.other_viewer = new_test_user(
            cls.env, "ops_other_viewer", groups="base.group_user," + GROUP + "viewer",
            company_id=other.id, company_ids=[other.id],
        )  # fmt: skip

    def setUp(self):
        super().setUp()
        # the server's environment holds no token in the tests: the system parameter does
        environ = patch.dict(os.environ, {STATUS_TOKEN_ENV: ""})
        environ.start()
        self.addCleanup(environ.stop)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(STATUS_TOKEN_PARAM, TOKEN)
        params.set_param(FAILURE_MINUTES_PARAM, 60)

    def _get_status(self, token=None, query=False):
        self.env.flush_all()
        if query:
            return self.url_open(f"/starlink/status?token={token}")
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.url_open("/starlink/status", headers=headers)

    def _fail_terminals(self, hours):
        """A good inventory sync, then the terminals stream failing at the simulator; its last
        success is then put ``hours`` back, as if the fault had lasted that long."""
        self.account._sync_inventory()
        self.assertEqual(self.status("terminals").state, "ok")
        self.simulator.faults(envelope_errors=-1, path="/public/v2/user-terminals")
        with mute_logger("odoo.addons.starlink_telemetry.models.starlink_account"):
            self.account._sync_inventory()
        status = self.status("terminals")
        self.assertEqual(status.state, "error")
        self.assertEqual(self.status("products").state, "ok")
        status.last_success = fields.Datetime.now() - timedelta(hours=hours)
        return status

    def _account_report(self, report):
        return next(a for a in report["accounts"] if a["id"] == self.account.id)

    def test_refused_without_its_token(self):
        self._fail_terminals(hours=2)
        for answer in (
            self._get_status(),
            self._get_status("not-the-token"),
            self._get_status("not-the-token", query=True),
        ):
            self.assertEqual(answer.status_code, 401)
            self.assertEqual(answer.headers["WWW-Authenticate"], "Bearer")
            self.assertEqual(set(answer.json()), {"error"})
            self.assertNotIn(self.account.account_number, answer.text)
        # without a configured token nothing opens it, not even an empty one
        self.env["ir.config_parameter"].sudo().set_param(STATUS_TOKEN_PARAM, False)
        self.assertEqual(self._get_status("").status_code, 401)
        self.assertEqual(self._get_status(TOKEN).status_code, 401)
        # the server's environment (a Docker secret) takes precedence over the parameter
        with patch.dict(os.environ, {STATUS_TOKEN_ENV: "from-the-environment"}):
            self.assertEqual(self._get_status("from-the-environment").status_code, 503)

    def test_reports_a_failing_stream_as_failing(self):
        self.account._sync_inventory()
        self.account._poll_telemetry(polls=1)
        self.account.terminal_ids._update_health()
        self._fail_terminals(hours=0)
        # failed a moment ago: in error, the installation degraded, monitors not paged
        answer = self._get_status(TOKEN)
        self.assertEqual(answer.status_code, 200)
        account = self._account_report(answer.json())
        self.assertEqual(account["streams"]["terminals"]["verdict"], "error")
        self.assertEqual(account["streams"]["products"]["verdict"], "ok")
        self.assertEqual(account["status"], "degraded")
        # failing for two hours, past the hour of the threshold
        self.status("terminals").last_success = fields.Datetime.now() - timedelta(hours=2)
        answer = self._get_status(TOKEN, query=True)
        self.assertEqual(answer.status_code, 503)
        report = answer.json()
        self.assertEqual(report["status"], "failing")
        self.assertEqual(report["failure_threshold_minutes"], 60)
        account = self._account_report(report)
        self.assertEqual(account["account_number"], self.account.account_number)
        self.assertEqual(account["status"], "failing")
        terminals = account["streams"]["terminals"]
        self.assertEqual(terminals["verdict"], "failing")
        self.assertEqual(terminals["state"], "error")
        self.assertGreaterEqual(terminals["failing_seconds"], 2 * 3600)
        self.assertTrue(terminals["message"])
        self.assertTrue(account["streams"]["products"]["last_success"])
        self.assertTrue(account["streams"]["telemetry"]["last_success"])
        # the telemetry lag: the latest sample of the account's terminals
        self.assertIsNotNone(account["telemetry_lag_seconds"])
        self.assertGreaterEqual(account["telemetry_lag_seconds"], 0)
        self.assertNotIn("client_secret", answer.text)

    def test_cron_backlog(self):
        cron = self.env.ref("starlink_telemetry.ir_cron_starlink_sync_inventory")
        cron.nextcall = fields.Datetime.now() - timedelta(hours=2)
        report = self.env["starlink.ops.status"]._status_report()
        late = {c["name"]: c["late_seconds"] for c in report["crons"]["late"]}
        self.assertIn(cron.cron_name, late)
        self.assertGreaterEqual(late[cron.cron_name], 3600)
        self.assertIn(report["status"], ("degraded", "failing"))
        cron.nextcall = fields.Datetime.now() + timedelta(hours=1)
        report = self.env["starlink.ops.status"]._status_report()
        self.assertNotIn(cron.cron_name, {c["name"] for c in report["crons"]["late"]})

    def test_banner_lists_failing_streams_to_their_staff(self):
        status = self._fail_terminals(hours=0)
        Ops = self.env["starlink.ops.status"]
        self.assertFalse(Ops.with_user(self.viewer).get_stream_banner(), "not failing long yet")
        status.last_success = fields.Datetime.now() - timedelta(hours=3, minutes=20)
        self.env.flush_all()
        banner = Ops.with_user(self.viewer).get_stream_banner()
        self.assertEqual(len(banner), 1)
        self.assertEqual(banner[0]["account_id"], self.account.id)
        self.assertEqual(banner[0]["stream"], "Terminals")
        self.assertEqual(banner[0]["duration"], "3 h 20 min")
        # not for employees outside Starlink, nor for another company's staff
        for user in (self.employee, self.other_viewer):
            ops = Ops.with_user(user).with_context(allowed_company_ids=user.company_ids.ids)
            self.assertEqual(ops.get_stream_banner(), [], user.login)

    def test_banner_speaks_the_staff_language(self):
        """The banner's durations and stream names in French for French staff; the web
        client's translations of the banner's heading too."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["starlink_telemetry"], ["fr_FR"])
        status = self._fail_terminals(hours=0)
        Ops = self.env["starlink.ops.status"].with_user(self.viewer)
        for failing, english, french in (
            (timedelta(days=2, hours=4, minutes=5), "2 d 4 h", "2 j 4 h"),
            (timedelta(days=3, minutes=5), "3 d", "3 j"),
            (timedelta(hours=3, minutes=20), "3 h 20 min", "3 h 20 min"),
        ):
            status.last_success = fields.Datetime.now() - failing
            self.env.flush_all()
            banner = Ops.with_context(lang="en_US").get_stream_banner()
            self.assertEqual((banner[0]["stream"], banner[0]["duration"]), ("Terminals", english))
            banner = Ops.with_context(lang="fr_FR").get_stream_banner()
            self.assertEqual((banner[0]["stream"], banner[0]["duration"]), ("Terminaux", french))
        translations, _lang = self.env["ir.http"].get_translations_for_webclient(
            ["starlink_telemetry"], "fr_FR"
        )
        messages = {
            message["id"]: message["string"]
            for message in translations["starlink_telemetry"]["messages"]
        }
        self.assertEqual(
            messages.get("Starlink synchronisation failing:"), "Synchronisation Starlink en échec :"
        )

    def test_banner_shows_in_the_backend(self):
        self._fail_terminals(hours=2)
        self.env.flush_all()
        self.start_tour("/odoo", "starlink_stream_banner", login="ops_viewer")
