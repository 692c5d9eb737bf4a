from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import StarlinkLineCase

TODAY = date(2026, 5, 16)


@tagged("post_install", "-at_install")
class TestForecast(StarlinkLineCase):
    line_number = "AST-F-1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 120 days of a steady weekly pattern: 3 GB on weekdays, 6 GB at the weekend.
        rows = []
        for back in range(1, 121):
            day = TODAY - timedelta(days=back)
            gb = 6.0 if day.weekday() >= 5 else 3.0
            rows.append((cls.line.id, day, gb, 0.0, 0.0, 0.0))
        cls.env["starlink.usage.daily"]._upsert(rows)
        cls.expected_total = sum(
            6.0 if (date(2026, 5, 1) + timedelta(days=i)).weekday() >= 5 else 3.0 for i in range(31)
        )

    def test_forecast_stored_on_line_and_daily(self):
        self.assertEqual(self.line._refresh_forecasts(TODAY), 1)
        line = self.line.with_context(starlink_date=TODAY)
        self.assertEqual(line.forecast_date, TODAY)
        self.assertAlmostEqual(line.forecast_total_gb, self.expected_total, delta=2.0)
        self.assertLessEqual(line.forecast_lower_gb, line.forecast_total_gb)
        self.assertGreaterEqual(line.forecast_upper_gb, line.forecast_total_gb)
        self.assertTrue(line.forecast_method)
        self.assertLess(line.forecast_mape, 10.0)
        # 114 GB projected on a 100 GB plan: crossed in the last days of May.
        self.assertTrue(line.forecast_over_limit)
        self.assertAlmostEqual(line.forecast_overage_gb, self.expected_total - 100, delta=2.0)
        self.assertTrue(date(2026, 5, 24) <= line.forecast_limit_date <= date(2026, 5, 31))
        daily = line.forecast_ids
        current = daily.filtered(lambda f: f.cycle == "current")
        self.assertEqual(min(current.mapped("date")), TODAY)
        self.assertEqual(max(current.mapped("date")), date(2026, 5, 31))
        self.assertEqual(max(daily.mapped("date")), date(2026, 6, 30))
        saturday = current.filtered(lambda f: f.date == date(2026, 5, 23))
        monday = current.filtered(lambda f: f.date == date(2026, 5, 25))
        self.assertGreater(saturday.predicted_gb, monday.predicted_gb)
        chart = line.forecast_chart
        self.assertIn("<svg", chart)
        self.assertIn("polygon", chart)

    def test_forecast_chart_days_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.line._refresh_forecasts(TODAY)
        line = self.line.with_context(starlink_date=TODAY)
        self.assertIn(">1 May<", line.forecast_chart)
        french = line.with_context(lang="fr_FR")
        french.invalidate_recordset(["forecast_chart"])
        self.assertIn(">1 mai<", french.forecast_chart)

    def test_refresh_replaces_previous_forecast(self):
        self.line._refresh_forecasts(TODAY)
        first = self.line.forecast_ids
        self.line._refresh_forecasts(TODAY + timedelta(days=1))
        self.assertFalse(first.exists())
        self.assertEqual(min(self.line.forecast_ids.mapped("date")), TODAY + timedelta(days=1))

    def test_capacity_alert_from_forecast(self):
        rule = self.env["starlink.alert.rule"].create(
            {"name": "cap", "rule_type": "capacity", "threshold": 100, "company_id": False}
        )
        self.line._refresh_forecasts(TODAY)
        alert = self.env["starlink.alert"]._cron_evaluate(today=TODAY)
        self.assertEqual(alert.rule_id, rule)
        self.assertEqual(alert.projected_date, self.line.forecast_limit_date)

    def test_anomaly_alerts_staff(self):
        rule = self.env["starlink.alert.rule"].create(
            {"name": "anomaly", "rule_type": "anomaly", "threshold": 4, "company_id": False,
             "notify_client": False}
        )  # fmt: skip
        self.assertFalse(self.env["starlink.alert"]._cron_evaluate(today=TODAY))
        spike_day = TODAY - timedelta(days=1)
        self._use(spike_day, 60.0)
        alert = self.env["starlink.alert"]._cron_evaluate(today=TODAY)
        self.assertEqual(alert.rule_id, rule)
        self.assertEqual(alert.key, f"day:{spike_day}")
        self.assertGreater(alert.value, 4)
        self.assertFalse(alert.client_mailed)
        self.assertTrue(self.line.activity_ids)

    # ------------------------------------------------------------------ who may run them

    def test_refresh_by_hand_as_sales_and_support(self):
        """Whoever may edit the line may refresh its forecast (the scheduled action runs as
        root): Sales & Support, the lowest role that writes service lines."""
        with freeze_time("2026-05-16 10:00:00"):
            self.assertTrue(self.line.with_user(self._user("sales")).action_refresh_forecast())
        self.assertEqual(self.line.forecast_date, TODAY)
        self.assertEqual(self.line.forecast_run_date, TODAY)
        self.assertAlmostEqual(self.line.forecast_total_gb, self.expected_total, delta=2.0)

    def test_refresh_by_hand_refused_to_viewer_and_technician(self):
        viewer = self._user("viewer")
        for user in (viewer, self._user("technician")):
            with freeze_time("2026-05-16 10:00:00"), self.assertRaises(AccessError):
                self.line.with_user(user).action_refresh_forecast()
        self.assertFalse(self.line.forecast_date)
        self.assertFalse(self.line.forecast_ids)
        # They read what the scheduled action made.
        self.env["starlink.service.line"]._cron_refresh_forecasts(TODAY)
        line = self.line.with_user(viewer)
        self.assertEqual(line.forecast_date, TODAY)
        self.assertEqual(line.forecast_ids.mapped("date")[0], TODAY)
