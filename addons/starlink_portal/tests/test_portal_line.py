import re
from datetime import datetime, time, timedelta

from odoo import Command
from odoo.tests import tagged

from .common import StarlinkPortalCase


@tagged("post_install", "-at_install")
class TestPortalLinePage(StarlinkPortalCase):
    """/my/starlink/lines/<id>: the client's own line only, or anyone with its share link."""

    def test_own_line_page(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a))
        self.assertEqual(response.status_code, 200)
        self.assertIn("SLP-A-0001", response.text)
        self.assertIn("Farm house", response.text)
        for anchor in (
            "o_starlink_line_header",
            "o_starlink_line_summary",
            "o_starlink_line_usage",
            "o_starlink_line_usage_chart",
            "o_starlink_line_performance",
            "o_starlink_line_terminals",
            "o_starlink_line_plan",
            "o_starlink_line_actions",
            "o_starlink_line_alerts",
        ):
            self.assertIn(f'id="{anchor}"', response.text)
        self.assertNotIn("SLP-B-0001", response.text)

    def test_other_contact_of_the_client_sees_the_line(self):
        """Every portal user of the client's commercial entity sees the same lines."""
        self.authenticate("sl_portal_a2", "sl_portal_a2")
        response = self.get(self.line_url(self.line_a))
        self.assertEqual(response.status_code, 200)
        self.assertIn("SLP-A-0001", response.text)

    def test_other_client_line_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_b))
        self.assertRefused(response, "SLP-B-0001", "Secret vessel")
        followed = self.url_open(self.line_url(self.line_b))
        self.assertNotIn("SLP-B-0001", followed.text)
        self.assertNotIn("Secret vessel", followed.text)

    def test_missing_line_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertRefused(self.get("/my/starlink/lines/987654321"))

    def test_anonymous_goes_to_login(self):
        response = self.get(self.line_url(self.line_a))
        self.assertLoginRedirect(response)
        self.assertNotIn("SLP-A-0001", response.text)
        self.assertNotIn("Farm house", response.text)

    def test_share_link(self):
        token = self.line_b._portal_ensure_token()
        response = self.get(self.line_url(self.line_b, access_token=token))
        self.assertEqual(response.status_code, 200)
        self.assertIn("SLP-B-0001", response.text)
        # A wrong token gives nothing, logged in or not.
        response = self.get(self.line_url(self.line_b, access_token="0" * len(token)))
        self.assertLoginRedirect(response)
        self.assertNotIn("Secret vessel", response.text)
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_b, access_token="wrong"))
        self.assertRefused(response, "SLP-B-0001", "Secret vessel")

    def test_usage_table_by_day_week_month(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        start = self.usage_start + timedelta(days=10)
        end = start + timedelta(days=20)
        response = self.get(
            self.line_url(self.line_a, date_from=start.isoformat(), date_to=end.isoformat())
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count("o_starlink_usage_row"), 21)
        self.assertIn(f'data-date="{start.isoformat()}"', response.text)
        self.assertNotIn(f'data-date="{(start - timedelta(days=1)).isoformat()}"', response.text)
        response = self.get(
            self.line_url(
                self.line_a,
                date_from=start.isoformat(),
                date_to=end.isoformat(),
                grouping="week",
            )
        )
        weeks = {
            (start + timedelta(days=i) - timedelta(days=(start + timedelta(days=i)).weekday()))
            for i in range(21)
        }
        self.assertEqual(response.text.count("o_starlink_usage_row"), len(weeks))
        response = self.get(
            self.line_url(
                self.line_a,
                date_from=start.isoformat(),
                date_to=end.isoformat(),
                grouping="month",
            )
        )
        months = {(start + timedelta(days=i)).replace(day=1) for i in range(21)}
        self.assertEqual(response.text.count("o_starlink_usage_row"), len(months))

    def test_usage_table_in_the_visitors_language(self):
        """The table's figures and days as Odoo formats them in the visitor's language."""
        self.env["res.lang"]._activate_lang("de_DE")
        self.user_a.lang = "de_DE"
        day = self.usage_start - timedelta(days=1)
        self.env["starlink.usage.daily"]._upsert([(self.line_a.id, day, 1234.5, 0.0, 0.125, 0.0)])
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(
            self.line_url(self.line_a, date_from=day, date_to=day), allow_redirects=True
        )
        self.assertEqual(response.status_code, 200)
        row = response.text.split(f'data-date="{day.isoformat()}"')[1].split("</tr>")[0]
        lang = self.env["res.lang"]._lang_get("de_DE")
        cells = re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", row)
        expected = [lang.format("%.2f", value, grouping=True) for value in (1234.5, 0.0, 0.125)]
        self.assertEqual(cells[0], "1.234,50")
        self.assertEqual([cells[0], cells[1], cells[2]], expected)
        self.assertIn(day.strftime(lang.date_format), row)

    def test_bad_range_falls_back_to_the_cycle(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a, date_from="yesterday", date_to="2026-13-45"))
        self.assertEqual(response.status_code, 200)
        cycle_start = self.line_a.cycle_start_date.isoformat()
        field = re.search(r'<input [^>]*id="o_starlink_date_from"[^>]*>', response.text).group(0)
        self.assertIn(f'value="{cycle_start}"', field)

    def test_alerts_only_those_for_the_client(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a))
        self.assertIn("Farm house passed 80% of its data", response.text)
        self.assertNotIn("Internal anomaly note", response.text)
        self.assertNotIn("Secret vessel passed 90%", response.text)

    def test_performance_from_hourly_rollups(self):
        start = datetime.combine(self.today - timedelta(days=5), time())
        self._hourly(self.terminal_a, start, 48, latency=42.0)
        self._hourly(self.terminal_b, start, 48, latency=999.0)
        self.authenticate("sl_portal_a", "sl_portal_a")
        day = start.date()
        response = self.get(
            self.line_url(
                self.line_a,
                date_from=day.isoformat(),
                date_to=(day + timedelta(days=1)).isoformat(),
            )
        )
        self.assertEqual(response.status_code, 200)
        section = response.text.split('id="o_starlink_line_performance"')[1]
        section = section.split("</section>")[0]
        self.assertIn("42 ms", section)
        self.assertNotIn("999", section)
        self.assertIn("100.0 %", section)  # availability: every hour full

    def test_forecast_and_cheaper_plan(self):
        self.line_a.write(
            {
                "forecast_date": self.today,
                "forecast_total_gb": 180.0,
                "forecast_lower_gb": 160.0,
                "forecast_upper_gb": 210.0,
                "forecast_overage_gb": 80.0,
                "forecast_over_limit": True,
            }
        )
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a))
        self.assertIn("180 GB", response.text)
        self.assertIn("160–210 GB", response.text)
        self.assertIn('id="o_starlink_line_suggestion"', response.text)
        self.assertIn("Portal Plan 500 GB", response.text)

    def test_no_suggestion_without_overage(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a))
        self.assertNotIn('id="o_starlink_line_suggestion"', response.text)

    def test_terminal_health_shown(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a))
        section = response.text.split('id="o_starlink_line_terminals"')[1].split("</section>")[0]
        self.assertIn("UT-PORTAL-A", section)
        self.assertIn('data-health="online"', section)
        self.assertNotIn("UT-PORTAL-B", response.text)


@tagged("post_install", "-at_install")
class TestPortalLineFee(StarlinkPortalCase):
    """The monthly fee the portal shows (and quotes from) is what the contract line bills:
    OCA ``contract``'s ``price_unit`` in the contract's currency, with or without
    pricelists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.line_a.date_start = cls.today - timedelta(days=90)
        Contract = cls.env["contract.contract"]
        cls.contract = Contract.create(
            Contract._prepare_starlink_contract_values(cls.client_a, cls.company)
        )
        ContractLine = cls.env["contract.line"]
        cls.main = ContractLine.create(
            ContractLine._prepare_starlink_values(cls.line_a, cls.contract)
        )
        cls.line_a.contract_line_id = cls.main

    def _pricelist(self, name, price):
        return self.env["product.pricelist"].create(
            {
                "name": name,
                "company_id": self.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.plan.id,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                ],
            }
        )

    def assertFeeBilled(self, expected):
        self.env.invalidate_all()
        fee, currency = self.line_a.with_user(self.user_a).sudo()._portal_fee()
        self.env.invalidate_all()
        self.assertAlmostEqual(fee, self.main.price_unit)
        self.assertEqual(currency, self.main.currency_id)
        self.assertAlmostEqual(fee, expected)

    def test_fee_is_what_the_contract_line_bills(self):
        self.contract.pricelist_id = False
        self.env["product.pricelist"].search([]).action_archive()
        self.assertTrue(self.main.automatic_price)
        self.assertFeeBilled(120.0)  # no pricelist: the plan's sales price
        client_pricelist = self._pricelist("Portal client prices", 99.0)
        self.client_a.with_company(self.company).property_product_pricelist = client_pricelist
        self.assertFeeBilled(99.0)  # the contract has none: the client's
        self.contract.pricelist_id = self._pricelist("Portal contract prices", 88.0)
        self.assertFeeBilled(88.0)  # the contract's
        self.main.write({"automatic_price": False, "specific_price": 77.0})
        self.assertFeeBilled(77.0)  # the line's own price
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(self.line_url(self.line_a)).text
        plan = page.split('id="o_starlink_line_plan"')[1].split("</section>")[0]
        self.assertIn("77.00", plan)

    def test_pricelist_cache_follows_the_pricelists(self):
        Pricelist = self.env["product.pricelist"]
        Pricelist.search([]).action_archive()
        self.assertFalse(Pricelist._starlink_portal_has_pricelist(self.company.id))
        pricelist = self._pricelist("Portal new prices", 50.0)
        self.assertTrue(Pricelist._starlink_portal_has_pricelist(self.company.id))
        pricelist.action_archive()
        self.assertFalse(Pricelist._starlink_portal_has_pricelist(self.company.id))


@tagged("post_install", "-at_install")
class TestPortalLineFormats(StarlinkPortalCase):
    """Days, moments and times on the portal in the visitor's format and time zone; alert
    titles on a line's own page without the line's number and name."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a.tz = "Europe/Brussels"
        cls.usage_alert = cls._alert(
            cls.alert_rule, cls.line_a, f"{cls.line_a.display_name} passed 80% of its 100 GB"
        )
        cls.usage_alert.message = "81.0 GB used since 2026-11-06; the cycle ends on 2026-12-05."
        cls.offline_alert = cls._alert(
            cls.alert_rule, cls.line_a, "UT-PORTAL-A is offline", state="resolved"
        )
        cls.offline_alert.message = "No telemetry from UT-PORTAL-A since 2026-11-30 12:55:06 UTC."
        cls.anomaly_alert = cls._alert(
            cls.alert_rule, cls.line_a, f"Unusual usage on {cls.line_a.display_name} on 2026-11-20"
        )

    def alert_row(self, html, alert):
        return html.split(f'data-alert-id="{alert.id}"')[1].split("</tr>")[0]

    def test_alert_dates_and_titles(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(self.line_url(self.line_a)).text
        row = self.alert_row(page, self.usage_alert)
        self.assertIn(">Passed 80% of its 100 GB<", row)
        self.assertNotIn("SLP-A-0001", row)
        self.assertIn("since 11/06/2026; the cycle ends on 12/05/2026.", row)
        row = self.alert_row(page, self.offline_alert)
        self.assertIn(">UT-PORTAL-A is offline<", row)  # a terminal's title: as it is
        self.assertIn("since 11/30/2026 13:55.", row)  # Brussels, no seconds
        row = self.alert_row(page, self.anomaly_alert)
        self.assertIn(">Portal usage rule<", row)  # the line in the middle: the rule's name
        # The alert list shows the line in its own column, and the full title.
        listing = self.get("/my/starlink/alerts?filterby=all").text
        row = self.alert_row(listing, self.usage_alert)
        self.assertIn(f"{self.line_a.display_name} passed 80% of its 100 GB", row)
        self.assertIn("since 11/06/2026", row)
        page = self.get(f"/my/starlink/alerts/{self.offline_alert.id}").text
        self.assertIn("since 11/30/2026 13:55.", page)
        self.assertNotIn("2026-11-30", page)
        # Without a time zone, a moment stays in UTC and says so.
        self.user_a.tz = False
        alert = self.offline_alert.with_user(self.user_a).with_context(tz=False)
        self.assertEqual(
            alert._portal_text(alert.message),
            "No telemetry from UT-PORTAL-A since 11/30/2026 12:55 UTC.",
        )
        self.assertEqual(alert._portal_text("on 2026-13-45"), "on 2026-13-45")

    def test_times_in_one_format(self):
        """The live values' time and the terminals' last seen: the visitor's time format,
        without seconds, in his time zone."""
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(self.line_url(self.line_a)).text
        terminals = page.split('id="o_starlink_line_terminals"')[1].split("</section>")[0]
        self.assertIn("01/01/2026 13:00", terminals)  # 12:00 UTC in Brussels
        self.assertNotIn("13:00:00", terminals)
        live_time = re.search(
            r'<time class="o_starlink_live_time"[^>]*>\s*([^<]*?)\s*</time>', page
        )
        self.assertRegex(live_time[1], r"^\d\d:\d\d$")
        data = self.get(self.line_url(self.line_a, "/live")).json()
        self.assertRegex(data["refreshed_label"], r"^\d\d:\d\d$")
        self.assertIn("01/01/2026 13:00", data["sections"]["o_starlink_line_terminals"])
        self.assertRegex(self.get("/my/starlink/live").json()["refreshed_label"], r"^\d\d:\d\d$")
