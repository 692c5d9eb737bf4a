"""A client's path through the portal in Chromium (issue 9, "Done when"): the tour
``starlink_portal_client_path`` (static/tests/tours/) logs in as a portal user, goes from
``/my`` to the dashboard and a line, changes the date range, exports it as CSV and asks for an
upgrade; the request it leaves is checked here."""

from odoo.tests import tagged

from .common_browser import StarlinkPortalBrowserCase


@tagged("post_install", "-at_install")
class TestPortalClientPath(StarlinkPortalBrowserCase):
    def test_client_path(self):
        # The quote of the client's day (his time zone), as the portal computes it.
        quote = self.harbour.with_user(self.user_a).sudo()._portal_plan_change_quote(self.big)
        self.assertTrue(quote.upgrade and quote.amount_now > 0, "the fixture's is an upgrade")
        self.assertFalse(self.requests(self.harbour))

        self.start_tour("/my", "starlink_portal_client_path", login="sl_portal_a")

        request = self.requests(self.harbour)
        self.assertEqual(len(request), 1, "one request for one confirmation")
        self.assertRecordValues(
            request,
            [
                {
                    "kind": "plan_change",
                    "state": "to_approve",
                    "client_state": "waiting",
                    "product_id": self.big.id,
                    "current_product_id": self.small.id,
                    "partner_id": self.client_a.id,
                    "requested_by_id": self.user_a.id,
                    "is_upgrade": True,
                    "old_price": 100.0,
                    "price": 200.0,
                    "amount_now": self.harbour._portal_request_currency().round(quote.amount_now),
                }
            ],
        )
        self.assertEqual(self.harbour.product_id, self.small, "nothing changes before approval")
        self.assertFalse(self.requests(), "no request on the client's other lines")
