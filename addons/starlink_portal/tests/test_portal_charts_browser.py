from datetime import datetime, time, timedelta

from odoo.tests import tagged

from .common import StarlinkPortalCase


@tagged("post_install", "-at_install")
class TestPortalChartsBrowser(StarlinkPortalCase):
    """In Chromium (tours in static/tests/tours): a portal user opens a line page whose
    charts are drawn by Chart.js, refreshes its live values, then the dashboard's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        line = cls.line_a
        end = line.cycle_end_date
        days = [cls.today + timedelta(days=i) for i in range((end - cls.today).days + 1)]
        cls.env["starlink.usage.forecast"]._replace(
            [line.id],
            [(line.id, day, "current", 3.0, 1.0, 6.0, "run_rate", "test", 5.0) for day in days],
        )
        line.write({"forecast_date": cls.today, "forecast_total_gb": 3.0 * len(days)})
        cls.env["starlink.usage.daily"]._upsert([(line.id, cls.today, 20.0, 0.0, 2.0, 0.0)])
        cls.range_start = cls.today - timedelta(days=3)
        cls._hourly(cls.terminal_a, datetime.combine(cls.range_start, time()), 72)

    def test_line_charts_and_live_values(self):
        url = self.line_url(
            self.line_a,
            date_from=self.range_start.isoformat(),
            date_to=(self.today - timedelta(days=1)).isoformat(),
            grouping="day",
        )
        self.start_tour(url, "starlink_portal_line_charts", login="sl_portal_a")

    def test_dashboard_live_values(self):
        self.start_tour("/my/starlink", "starlink_portal_dashboard_live", login="sl_portal_a")
