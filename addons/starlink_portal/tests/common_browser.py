from datetime import datetime, time, timedelta

from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds

from .common_requests import StarlinkPortalRequestCase


class StarlinkPortalBrowserCase(StarlinkPortalRequestCase):
    """Client A's line "Harbour office" (SLP-A-0020) as a client sees it in Chromium, on the
    real date: the 100 GB plan at 100.00 a month, ten days into its cycle, invoiced to the
    cycle's end (an upgrade charges the rest of the cycle now); 120 days of daily usage up to
    yesterday, a terminal with three days of hourly rollups, an open alert for the client.
    Offered plans and data block: those of ``StarlinkPortalRequestCase``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.today
        billing_day = min((today - timedelta(days=10)).day, 28)
        cls.cycle_start, cls.cycle_end = cycle_bounds(billing_day, today)
        cls.harbour = cls._line(
            "SLP-A-0020", cls.client_a, "Harbour office", billing_day=billing_day,
            date_start=today - timedelta(days=200), product_id=cls.small.id,
        )  # fmt: skip
        cls._bill(cls.harbour, 100.0, cls.cycle_end)
        first = today - timedelta(days=120)
        cls.env["starlink.usage.daily"]._upsert(
            [
                (cls.harbour.id, first + timedelta(days=i), 0.8 + (i % 7) / 10, 0.0, 0.3, 0.0)
                for i in range(120)
            ]
        )
        cls.harbour_terminal = cls._terminal(cls.harbour, "UT-PORTAL-HARBOUR", "online")
        cls._hourly(cls.harbour_terminal, datetime.combine(today - timedelta(days=3), time()), 72)
        cls.harbour_alert = cls._alert(cls.alert_rule, cls.harbour, "Harbour office passed 80%")
