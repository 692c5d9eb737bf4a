"""Alerts count a line's billing day in its company's time zone, whoever evaluates or sends
them: on 30 November 2026 at 11:30 UTC it is already 1 December (00:30) in Auckland, still
30 November (12:30) in Brussels."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import StarlinkLineCase

INSTANT = datetime(2026, 11, 30, 11, 30)
COMPANY_DAY = date(2026, 12, 1)  # Pacific/Auckland, UTC+13
USERS_DAY = date(2026, 11, 30)  # Europe/Brussels


@tagged("post_install", "-at_install")
class TestAlertBillingDayTimeZone(StarlinkLineCase):
    line_number = "AST-TZ-1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Alert = cls.env["starlink.alert"]
        cls.company = cls.line.company_id
        cls.company.partner_id.tz = "Pacific/Auckland"
        cls.rule = cls._rule("usage", 80)
        cls.admin = new_test_user(
            cls.env,
            "ast-tz-1_admin",
            tz="Europe/Brussels",
            groups="starlink_base.starlink_base_group_admin",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def setUp(self):
        super().setUp()
        # 85 GB on the company's 1 December: over 80% of the cycle that starts that day,
        # nothing in the user's cycle (1-30 November).
        self._use(COMPANY_DAY, 85.0)

    def _utc_line(self):
        """A line of the client in a second company, on UTC."""
        utc = self.env["res.company"].create({"name": "Reseller on UTC"})
        utc.partner_id.tz = "UTC"
        account = self.env["starlink.account"].create(
            {"name": "UTC account", "account_number": "ACC-TZ-UTC", "company_id": utc.id}
        )
        return self._line(
            "AST-TZ-UTC", company_id=utc.id, account_id=account.id, partner_id=self.client.id
        )

    def _alert(self):
        return self.Alert.search(
            [("rule_id", "=", self.rule.id), ("service_line_id", "=", self.line.id)]
        )

    def _mail(self, alert):
        return self.env["mail.mail"].search(
            [("model", "=", "starlink.alert"), ("res_id", "=", alert.id)]
        )

    def test_evaluate_button_counts_the_company_day(self):
        with freeze_time(INSTANT):
            self.rule.with_user(self.admin).with_context(tz="Europe/Brussels").action_evaluate()
        alert = self._alert()
        self.assertEqual(len(alert), 1, "the cycle of 1 December passed 80%")
        self.assertEqual(alert.key, f"cycle:{COMPANY_DAY}")
        self.assertIn("31 days left in the cycle", self._mail(alert).body_html)

    def test_notification_counts_the_line_company_day(self):
        """Evaluated earlier, notified by a scheduled action whose user is in Brussels: the
        mail's cycle figures are those of the line's company's day."""
        alerts = self.Alert._evaluate_rules(self.rule, COMPANY_DAY, INSTANT, commit=False)
        alert = alerts.filtered(lambda a: a.service_line_id == self.line)
        self.assertEqual(alert.notify_state, "pending")
        self.env.invalidate_all()
        with freeze_time(INSTANT):
            sender = self.Alert.with_user(self.admin).with_context(tz="Europe/Brussels")
            sender.sudo()._cron_notify()
        self.assertEqual(alert.notify_state, "done")
        body = self._mail(alert).body_html
        self.assertIn("Usage this cycle: 85.0 GB", body)
        self.assertIn("31 days left in the cycle", body)

    def test_scheduled_evaluation_counts_each_line_company_day(self):
        """A rule of no company watches a line in Auckland and one on UTC: at the same
        instant the first is in its cycle of 1 December, the second still in November's."""
        utc_line = self._utc_line()
        self._use(USERS_DAY, 85.0, line=utc_line)  # 85 GB on its 30 November
        with freeze_time(INSTANT):
            self.Alert._cron_evaluate(now=INSTANT)
        alerts = self.Alert.search([("rule_id", "=", self.rule.id)])
        keys = {alert.service_line_id: alert.key for alert in alerts}
        self.assertEqual(keys.get(self.line), f"cycle:{COMPANY_DAY}")
        self.assertEqual(keys.get(utc_line), "cycle:2026-11-01")

    def test_forecasts_run_on_each_line_company_day(self):
        utc_line = self._utc_line()
        lines = self.line | utc_line
        lines.forecast_run_date = False
        with freeze_time(INSTANT):
            self.env["starlink.service.line"]._cron_refresh_forecasts()
        self.assertEqual(self.line.forecast_run_date, COMPANY_DAY)
        self.assertEqual(utc_line.forecast_run_date, USERS_DAY)  # 30 November on UTC
