from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import StarlinkLineCase

TODAY = date(2026, 5, 20)
NOW = datetime(2026, 5, 20, 12, 0, 0)


@tagged("post_install", "-at_install")
class TestAlerts(StarlinkLineCase):
    line_number = "AST-AL-1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Alert = cls.env["starlink.alert"]
        cls.big_plan = cls._plan("1 TB", 1024, list_price=120)
        cls.rule_80 = cls._rule("usage", 80)
        cls.rule_90 = cls._rule("usage", 90)

    def _use(self, gb, day=date(2026, 5, 2)):
        super()._use(day, gb)

    def _evaluate(self, today=TODAY, now=NOW):
        """The alerts of this test's account raised by an evaluation (a database with demo
        data may raise others on its own lines)."""
        alerts = self.Alert._cron_evaluate(today=today, now=now)
        return alerts.filtered(lambda alert: alert.service_line_id.account_id == self.account)

    def _alerts(self, rule):
        return self.Alert.search([("rule_id", "=", rule.id)])

    def _mails(self, alerts):
        return self.env["mail.mail"].search(
            [("model", "=", "starlink.alert"), ("res_id", "in", alerts.ids)]
        )

    def test_threshold_boundaries(self):
        self._use(79.99)
        self.assertFalse(self._evaluate())
        self._use(80.0)
        created = self._evaluate()
        self.assertEqual(created.rule_id, self.rule_80)
        self.assertEqual(created.key, "cycle:2026-05-01")
        self.assertAlmostEqual(created.value, 80.0)
        self._use(90.0)
        self.assertEqual(self._evaluate().rule_id, self.rule_90)

    def test_one_alert_per_rule_line_and_cycle(self):
        self._use(85.0)
        self._evaluate()
        self._use(88.0)
        self.assertFalse(self._evaluate(), "no second alert in the same cycle")
        alert = self._alerts(self.rule_80)
        self.assertEqual(len(alert), 1)
        self.assertAlmostEqual(alert.value, 88.0)
        self.assertEqual(len(self._mails(alert)), 1, "the client is mailed once")

    def test_resolves_when_condition_clears_and_new_cycle_alerts_again(self):
        self._use(85.0)
        self._evaluate()
        alert = self._alerts(self.rule_80)
        self.line.product_id = self.big_plan  # upgraded: 85 GB is 8% of 1 TB
        self._evaluate()
        self.assertEqual(alert.state, "resolved")
        self.assertEqual(alert.date_resolved, NOW)
        self.line.product_id = self.plan
        self.assertFalse(self._evaluate(), "reopened, not created again")
        self.assertEqual(alert.state, "open")
        # Next cycle: the old cycle's alert resolves; a new one opens when crossing again.
        self._use(81.0, day=date(2026, 6, 3))
        created = self._evaluate(today=date(2026, 6, 5))
        self.assertEqual(alert.state, "resolved")
        self.assertEqual(created.key, "cycle:2026-06-01")

    def test_client_mail_content(self):
        self._use(92.5)
        alerts = self._evaluate()
        self.assertEqual(len(alerts), 2)
        # Both thresholds passed at once: one mail, for the highest.
        mail = self._mails(alerts)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.res_id, alerts.filtered(lambda a: a.rule_id == self.rule_90).id)
        self.assertIn(self.client, mail.recipient_ids)
        self.assertIn("passed 90% of its 100 GB", mail.subject)
        self.assertIn("(92%)", mail.body_html)
        self.assertIn("92.5 GB of 100 GB", mail.body_html)
        self.assertIn("AST-AL-1", mail.body_html)
        self.assertIn("12 days left", mail.body_html)
        self.assertEqual(alerts.mapped("client_mailed").count(True), 1)

    def test_staff_get_an_activity_and_a_note(self):
        self._use(80.0)
        alert = self._evaluate()
        activity = self.line.activity_ids.filtered(lambda a: a.summary == alert.name)
        self.assertEqual(len(activity), 1)
        self.assertTrue(any(alert.message in str(m.body) for m in self.line.message_ids))

    def test_preferences_mail_off_and_muted_rule(self):
        self.client.starlink_alert_mail = False
        self._use(95.0)
        alerts = self._evaluate()
        self.assertEqual(len(alerts), 2)
        self.assertFalse(self._mails(alerts))
        self.assertTrue(self.line.activity_ids, "staff are still told")
        self.client.starlink_alert_mail = True
        self.client.starlink_muted_rule_ids = self.rule_90
        rule_100 = self._rule("usage", 95)
        created = self._evaluate()
        self.assertEqual(created.rule_id, rule_100)
        self.assertEqual(len(self._mails(created)), 1)
        self._use(99.0)
        self.assertFalse(self._mails(self._alerts(self.rule_90)), "muted rule: never mailed")

    def test_rule_scope_by_plan(self):
        scoped = self._rule("usage", 50, product_ids=[(6, 0, self.big_plan.ids)])
        self._use(60.0)
        self._evaluate()
        self.assertFalse(self._alerts(scoped))

    def test_capacity_warning_with_projected_date_and_cheaper_plan(self):
        rule = self._rule("capacity", 100)
        self._use(40.0)
        self.line.write(
            {"forecast_date": TODAY, "forecast_total_gb": 160.0,
             "forecast_limit_date": date(2026, 5, 27)}
        )  # fmt: skip
        alert = self._evaluate()
        self.assertEqual(alert.rule_id, rule)
        self.assertEqual(alert.projected_date, date(2026, 5, 27))
        # 50 + 60 GB x 2 = 170 of overage cost against 120 for the 1 TB plan.
        self.assertEqual(alert.suggested_product_id, self.big_plan)
        self.assertIn("1 TB", alert.message)
        self.line.forecast_total_gb = 90.0
        self._evaluate()
        self.assertEqual(alert.state, "resolved")

    def test_no_cheaper_plan_when_overage_is_small(self):
        self.assertFalse(self.line._cheaper_plan_for(110.0))  # 50 + 20 < 120
        self.assertEqual(self.line._cheaper_plan_for(200.0), self.big_plan)

    def test_outage_episodes(self):
        rule = self._rule("outage", 30)
        terminal = self.env["starlink.terminal"].create(
            {"user_terminal_id": "ut-al-1", "service_line_id": self.line.id,
             "last_seen": NOW - timedelta(minutes=29)}
        )  # fmt: skip
        self.assertFalse(self._evaluate())
        terminal.last_seen = NOW - timedelta(minutes=45)
        first = self._evaluate()
        self.assertEqual(first.rule_id, rule)
        self.assertEqual(first.terminal_id, terminal)
        terminal.last_seen = NOW
        self._evaluate()
        self.assertEqual(first.state, "resolved")
        terminal.last_seen = NOW - timedelta(hours=2)
        second = self._evaluate()
        self.assertTrue(second)
        self.assertNotEqual(second, first, "a new outage is a new alert")

    def test_obstruction_and_data_limit_alerts(self):
        self._rule("obstruction", 10)
        self._rule("data_limit", 0)
        self.env["starlink.terminal"].create(
            {"user_terminal_id": "ut-al-2", "service_line_id": self.line.id,
             "obstruction_percent": 12.5, "active_alerts": "data_overage_rate_limited"}
        )  # fmt: skip
        types = set(self._evaluate().mapped("rule_type"))
        self.assertEqual(types, {"obstruction", "data_limit"})

    def test_plan_end_approaching(self):
        rule = self._rule("plan_end", 14)
        self.line.date_end = TODAY + timedelta(days=15)
        self.assertFalse(self._evaluate())
        self.line.date_end = TODAY + timedelta(days=14)
        self.assertEqual(self._evaluate().rule_id, rule)

    def test_portal_client_sees_own_client_alerts_only(self):
        staff_only = self._rule("usage", 70, notify_client=False)
        self._use(85.0)
        self._evaluate()
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        other_line = self.line.copy({"service_line_number": "AST-AL-2", "partner_id": other.id})
        super()._use(date(2026, 5, 3), 85.0, line=other_line)
        self._evaluate()
        contact = self.env["res.partner"].create({"name": "C", "parent_id": self.client.id})
        portal = new_test_user(self.env, "alert_portal", groups="base.group_portal",
                               partner_id=contact.id)  # fmt: skip
        visible = self.Alert.with_user(portal).search([])
        self.assertEqual(visible.service_line_id, self.line)
        self.assertNotIn(staff_only, visible.rule_id)
        hidden = self._alerts(staff_only).filtered(lambda a: a.service_line_id == self.line)
        with self.assertRaises(AccessError):
            hidden.with_user(portal).read(["name"])

    # ------------------------------------------------------------------ who may run them

    def test_evaluate_now_as_organization_admin(self):
        """Evaluating by hand opens alerts and mails clients: Organization Admin, like the
        rules (the scheduled action runs as root)."""
        self._use(85.0)
        admin = self._user("admin")
        with freeze_time(NOW):
            self.rule_80.with_user(admin).action_evaluate()
        alert = self._alerts(self.rule_80).filtered(lambda a: a.service_line_id == self.line)
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.notify_state, "done")
        self.assertEqual(len(self._mails(alert)), 1)
        self.assertEqual(self.rule_80.last_run, NOW)
        self.assertFalse(self._alerts(self.rule_90), "only the rule asked for")
        self.assertEqual(alert.create_uid.login, "ast-al-1_admin")

    def test_evaluate_now_refused_below_organization_admin(self):
        self._use(85.0)
        for role in ("viewer", "technician", "sales"):
            with freeze_time(NOW), self.assertRaises(AccessError, msg=role):
                self.rule_80.with_user(self._user(role)).action_evaluate()
        self.assertFalse(self._alerts(self.rule_80))
        self.assertFalse(self.rule_80.last_run)

    def test_staff_handle_alerts_viewers_only_read_them(self):
        self._use(85.0)
        alert = self._evaluate()
        alert.write({"notify_state": "failed", "notify_error": "SMTP refused"})
        viewer, technician = self._user("viewer"), self._user("technician")
        self.assertEqual(alert.with_user(viewer).read(["notify_error"])[0]["notify_error"],
                         "SMTP refused")  # fmt: skip
        with self.assertRaises(AccessError):
            alert.with_user(viewer).action_retry_notification()
        with self.assertRaises(AccessError):
            alert.with_user(viewer).action_resolve()
        self.assertEqual((alert.notify_state, alert.state), ("failed", "open"))
        alert.with_user(technician).action_retry_notification()
        self.assertEqual(alert.notify_state, "pending")
        alert.with_user(technician).action_resolve()
        self.assertEqual(alert.state, "resolved")


@tagged("post_install", "-at_install")
class TestAlertTranslation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["starlink_telemetry"], ["fr_FR"])
        cls.env["starlink.alert.rule"].search([]).active = False

    def test_client_mail_in_the_client_language(self):
        rule = self.env["starlink.alert.rule"].create(
            {"name": "90", "rule_type": "usage", "threshold": 90, "company_id": False}
        )
        plan = self.env["product.product"].create(
            {"name": "50 GB", "type": "service", "is_starlink_plan": True,
             "starlink_data_limit_gb": 50}
        )  # fmt: skip
        client = self.env["res.partner"].create(
            {"name": "Client FR", "is_company": True, "email": "fr@example.com", "lang": "fr_FR"}
        )
        account = self.env["starlink.account"].create({"name": "T", "account_number": "ACC-T"})
        line = self.env["starlink.service.line"].create(
            {"service_line_number": "AST-FR-1", "account_id": account.id, "state": "active",
             "partner_id": client.id, "product_id": plan.id, "billing_day": 1}
        )  # fmt: skip
        self.env["starlink.usage.daily"]._upsert([(line.id, TODAY, 46.0, 0, 0, 0)])
        alert = self.env["starlink.alert"]._cron_evaluate(today=TODAY, now=NOW)
        self.assertEqual(alert.rule_id, rule)
        self.assertEqual(alert.name, "AST-FR-1 a dépassé 90 % de ses 50 Go")
        mail = self.env["mail.mail"].search(
            [("model", "=", "starlink.alert"), ("res_id", "=", alert.id)]
        )
        self.assertEqual(mail.subject, alert.name)
        self.assertIn("Bonjour", mail.body_html)
        self.assertIn("46.0 Go sur 50 Go utilisés", mail.body_html)
        self.assertIn("jours restants dans le cycle", mail.body_html)
