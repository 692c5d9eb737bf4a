import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.websocket import WebsocketConnectionHandler
from odoo.tests import tagged

from .common import StarlinkPortalCase

TOUR_CHANNEL = "starlink_portal_live_tour"  # joined by the tour once it saw the old values


@tagged("post_install", "-at_install")
class TestPortalLiveBusBrowser(StarlinkPortalCase):
    """In Chromium (static/tests/tours/starlink_portal_live_bus_tour.js): a line page
    updates its live values when a ``starlink/live`` notification arrives through the
    websocket, without waiting for its poll (five minutes while the bus is connected)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo refuses websockets while tests run unless told otherwise, as its own bus
        # tests do.
        cls.startClassPatcher(
            patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True)
        )
        cls.channel = hashable(channel_with_db(cls.registry.db_name, cls.user_a.partner_id))
        cls.tour_channel = hashable(channel_with_db(cls.registry.db_name, TOUR_CHANNEL))

    def _push_when_listening(self, stop):
        try:
            self._push(stop)
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.push_error = error

    def _push(self, stop):
        """Once the tour saw the old values with the page's websocket connected (it joins
        ``TOUR_CHANNEL``): the terminal is obstructed in the database and the line's
        notification is sent, as after a telemetry batch."""
        channel = self.channel
        deadline = time.monotonic() + 60
        while not dispatch._channels_to_ws.get(self.tour_channel):
            if stop.wait(0.2) or time.monotonic() > deadline:
                return
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["starlink.terminal"].browse(self.terminal_a.id).health = "obstructed"
            env["starlink.account"]._portal_live_notify([self.line_a.id])
        # The test cursor's commit wrote the bus rows (pre-commit) but never runs the
        # post-commit NOTIFY that wakes the websockets: wake them as it would.
        for websocket in list(dispatch._channels_to_ws.get(channel, ())):
            websocket.trigger_notification_dispatching()

    def test_line_page_follows_a_bus_notification(self):
        self.push_error = None
        stop = threading.Event()
        pusher = threading.Thread(target=self._push_when_listening, args=(stop,))
        pusher.start()
        try:
            self.start_tour(
                self.line_url(self.line_a), "starlink_portal_live_bus", login="sl_portal_a"
            )
        finally:
            stop.set()
            pusher.join()
            # the browser is gone: let its websocket's server side end before the rollback
            deadline = time.monotonic() + 10
            while dispatch._channels_to_ws.get(self.channel) and time.monotonic() < deadline:
                time.sleep(0.1)
        self.assertIsNone(self.push_error)
        self.assertEqual(self.terminal_a.health, "obstructed")
