from odoo.tests import Form, tagged

from .common import ReportsCase


@tagged("post_install", "-at_install")
class TestAnalysis(ReportsCase):
    """The overview's figures and the capacity planning of lines projected over their limit."""

    def test_capacity_planning_suggests_the_cheaper_plan(self):
        big = self.env["product.product"].create(
            {"name": "Report Plan 500 GB", "type": "service", "is_starlink_plan": True,
             "starlink_data_limit_gb": 500.0, "starlink_overage_price_gb": 1.0,
             "list_price": 150.0}
        )  # fmt: skip
        self.line.write(
            {"forecast_over_limit": True, "forecast_total_gb": 160.0, "forecast_overage_gb": 60.0}
        )
        self.assertEqual(self.line.forecast_overage_amount, 120.0)
        self.assertEqual(self.line.capacity_plan_id, big, "150 < 120 + 60 GB x 2")
        self.assertFalse(self.second_line.capacity_plan_id)
        action = self.env.ref("starlink_reports.starlink_service_line_action_capacity")
        lines = self.env["starlink.service.line"].search(eval(action.domain))  # noqa: S307
        self.assertIn(self.line, lines)
        self.assertNotIn(self.second_line, lines)

    def test_overview_figures(self):
        viewer = self._user("sl_overview", "starlink_base.starlink_base_group_viewer")
        action = self.env["starlink.analysis.overview"].with_user(viewer)._action_open()
        overview = Form(self.env[action["res_model"]].with_user(viewer).browse(action["res_id"]))
        self.assertGreaterEqual(overview.active_line_count, 3)
        self.assertGreaterEqual(overview.client_count, 2)
        self.assertIn("<svg", overview.usage_chart)
        self.assertIn("<table", overview.top_client_html)
