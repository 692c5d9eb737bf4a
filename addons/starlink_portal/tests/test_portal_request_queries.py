"""The line page's request section reads in a bounded number of queries, whatever the
number of plans offered."""

from unittest.mock import patch

from odoo.addons.starlink_portal.controllers.portal_requests import StarlinkPortalRequests
from odoo.tests import tagged

from .common_requests import StarlinkPortalRequestCase


@tagged("post_install", "-at_install")
class TestPortalRequestQueries(StarlinkPortalRequestCase):
    def _queries(self, url):
        self.get(url)  # warm the caches (templates, assets, routing)
        before = self.cr.sql_log_count
        response = self.get(url)
        self.assertEqual(response.status_code, 200)
        return self.cr.sql_log_count - before

    def test_line_page_queries_do_not_grow_with_the_plans(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        url = self.line_url(self.line_q)
        few = self._queries(url)
        for i in range(6):
            self._offered_plan(f"Portal Extra {i}", f"SL-PT-X{i}", 300 + i, 250.0 + i)
        many = self._queries(url)
        page = self.get(url)
        self.assertIn("Portal Extra 5", page.text)
        self.assertEqual(many, few)
        # The section costs a few queries: the offered products (a search and their fields),
        # their prices and the latest requests.
        with patch.object(
            StarlinkPortalRequests,
            "_prepare_starlink_request_values",
            lambda self, line_sudo, **kwargs: {"can_request": False},
        ):
            without = self._queries(url)
        self.assertLessEqual(few - without, 6)
