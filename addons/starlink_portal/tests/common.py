import csv
import io
from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user


class StarlinkPortalCase(HttpCase):
    """Two clients of one reseller with portal users, lines, usage, telemetry and alerts.

    Client A (two portal users: two contacts of one company) has an active line with usage,
    hourly rollups, alerts and an invoice, a second active line and a cancelled one; client B
    (one portal user) has a line whose number must never show on A's pages.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One day for the whole fixture, at any hour: a line's days are counted in its
        # company's time zone (none here: UTC), the fixture's in the superuser's (OdooBot's
        # is Europe/Brussels, already on the next day from 22:00 or 23:00 UTC). The users
        # created below take this context's time zone.
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        cls.company = cls.env.company
        cls.today = fields.Date.context_today(cls.env["starlink.service.line"])
        cls.account = cls.env["starlink.account"].create(
            {
                "name": "Portal Test Account",
                "account_number": "ACC-PORTAL",
                "company_id": cls.company.id,
            }
        )
        cls.plan = cls._plan("Portal Plan 100 GB", 100.0, 120.0, overage=2.0)
        cls.big_plan = cls._plan("Portal Plan 500 GB", 500.0, 150.0, overage=1.0)
        cls.client_a = cls._client("Portal Client Alpha")
        cls.client_b = cls._client("Portal Client Bravo")
        cls.user_a = cls._portal_user("sl_portal_a", cls.client_a, "Alice Alpha")
        cls.user_a2 = cls._portal_user("sl_portal_a2", cls.client_a, "Arthur Alpha")
        cls.user_b = cls._portal_user("sl_portal_b", cls.client_b, "Bob Bravo")
        # Billing day = today's day: the current cycle starts today, whatever today is.
        day = min(cls.today.day, 28)
        cls.line_a = cls._line("SLP-A-0001", cls.client_a, "Farm house", billing_day=day)
        cls.line_a2 = cls._line("SLP-A-0002", cls.client_a, "Barn", billing_day=day)
        cls.line_a3 = cls._line("SLP-A-0003", cls.client_a, "Old shed", state="cancelled")
        cls.line_b = cls._line("SLP-B-0001", cls.client_b, "Secret vessel", billing_day=day)
        cls.terminal_a = cls._terminal(cls.line_a, "UT-PORTAL-A", "online")
        cls.terminal_b = cls._terminal(cls.line_b, "UT-PORTAL-B", "offline")
        # 60 days of usage up to yesterday; B's figures differ from A's.
        cls.usage_start = cls.today - timedelta(days=60)
        rows = []
        for i in range(60):
            day_ = cls.usage_start + timedelta(days=i)
            rows.append((cls.line_a.id, day_, 1.0 + i / 100, 0.0, 0.5, 0.01))
            rows.append((cls.line_b.id, day_, 7.0, 0.25, 3.0, 0.02))
        cls.env["starlink.usage.daily"]._upsert(rows)
        cls.alert_rule = cls._alert_rule("Portal usage rule", notify_client=True)
        cls.staff_rule = cls._alert_rule("Portal staff-only rule", notify_client=False)
        cls.alert_a = cls._alert(cls.alert_rule, cls.line_a, "Farm house passed 80% of its data")
        cls.staff_alert_a = cls._alert(cls.staff_rule, cls.line_a, "Internal anomaly note")
        cls.alert_b = cls._alert(cls.alert_rule, cls.line_b, "Secret vessel passed 90%")

    # ------------------------------------------------------------------ factories

    @classmethod
    def _plan(cls, name, limit, price, overage):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "is_starlink_plan": True,
                "starlink_data_limit_gb": limit,
                "starlink_overage_price_gb": overage,
                "list_price": price,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _client(cls, name):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "company_id": cls.company.id}
        )

    @classmethod
    def _portal_user(cls, login, client, name):
        contact = cls.env["res.partner"].create(
            {"name": name, "parent_id": client.id, "email": f"{login}@example.com"}
        )
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            password=login,
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    @classmethod
    def _line(cls, number, client, nickname, state="active", **values):
        return cls.env["starlink.service.line"].create(
            {
                "service_line_number": number,
                "nickname": nickname,
                "account_id": cls.account.id,
                "company_id": cls.company.id,
                "partner_id": client.id,
                "product_id": cls.plan.id,
                "state": state,
                **values,
            }
        )

    @classmethod
    def _terminal(cls, line, terminal_id, health):
        return cls.env["starlink.terminal"].create(
            {
                "user_terminal_id": terminal_id,
                "service_line_id": line.id,
                "account_id": cls.account.id,
                "company_id": cls.company.id,
                "health": health,
                "last_seen": datetime(2026, 1, 1, 12, 0),
            }
        )

    @classmethod
    def _alert_rule(cls, name, notify_client):
        return cls.env["starlink.alert.rule"].create(
            {
                "name": name,
                "rule_type": "usage",
                "threshold": 80,
                "notify_client": notify_client,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _alert(cls, rule, line, name, state="open"):
        return cls.env["starlink.alert"].create(
            {
                "name": name,
                "rule_id": rule.id,
                "service_line_id": line.id,
                "key": f"test:{name}",
                "state": state,
            }
        )

    @classmethod
    def _hourly(cls, terminal, start, hours, samples=240, latency=40.0):
        rows = [
            {
                "terminal_id": terminal.id,
                "hour": start + timedelta(hours=h),
                "sample_count": samples,
                "latency_avg_ms": latency,
                "ping_drop_avg": 0.5,
                "downlink_avg_mbps": 120.0,
                "uplink_avg_mbps": 15.0,
                "obstruction_avg": 1.5,
                "uptime_percent": 100.0 * samples / 240,
            }
            for h in range(hours)
        ]
        return cls.env["starlink.telemetry.hourly"].create(rows)

    # ------------------------------------------------------------------ helpers

    def line_url(self, line, suffix="", **query):
        url = f"/my/starlink/lines/{line.id}{suffix}"
        if query:
            url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        return url

    def assertSays(self, html, present, absent):
        """``html`` holds every text of ``present`` and none of ``absent`` (e.g. a page's
        words in the client's language and their English originals)."""
        for text in present:
            self.assertIn(text, html)
        for text in absent:
            self.assertNotIn(text, html)

    def get(self, url, **kwargs):
        return self.url_open(url, allow_redirects=kwargs.pop("allow_redirects", False), **kwargs)

    def assertRefused(self, response, *secrets):
        """Redirected away (login or /my) or refused, with none of ``secrets`` in the body."""
        self.assertIn(response.status_code, (303, 302, 403, 404), response.text[:300])
        if response.is_redirect:
            location = response.headers["Location"]
            self.assertTrue(
                "/web/login" in location or location.rstrip("/").endswith("/my"), location
            )
        for secret in secrets:
            self.assertNotIn(secret, response.text)

    def assertLoginRedirect(self, response):
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    @staticmethod
    def parse_csv(content):
        text = content.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    @staticmethod
    def days(start, end):
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]

    @staticmethod
    def iso(day):
        return day.isoformat() if isinstance(day, date) else day
