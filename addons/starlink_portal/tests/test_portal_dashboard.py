import re
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import StarlinkPortalCase

CARD = re.compile(r'class="card h-100 o_starlink_line_card" data-line-id="(\d+)"')


@tagged("post_install", "-at_install")
class TestPortalDashboard(StarlinkPortalCase):
    """/my/starlink: the client's lines as cards, filtered, sorted, searched and paged."""

    def cards(self, url):
        response = self.get(url)
        self.assertEqual(response.status_code, 200, response.text[:300])
        return [int(line_id) for line_id in CARD.findall(response.text)], response

    def test_own_lines_only(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        ids, response = self.cards("/my/starlink")
        self.assertEqual(ids, [self.line_a.id, self.line_a2.id])  # cancelled hidden
        self.assertIn("SLP-A-0001", response.text)
        self.assertNotIn("SLP-B-0001", response.text)
        self.assertNotIn("Secret vessel", response.text)

    def test_every_contact_of_the_client_sees_the_same_lines(self):
        self.authenticate("sl_portal_a2", "sl_portal_a2")
        ids, _response = self.cards("/my/starlink?filterby=all")
        self.assertEqual(ids, [self.line_a.id, self.line_a2.id, self.line_a3.id])
        self.authenticate("sl_portal_b", "sl_portal_b")
        ids, response = self.cards("/my/starlink?filterby=all")
        self.assertEqual(ids, [self.line_b.id])
        self.assertNotIn("SLP-A-0001", response.text)

    def test_anonymous_goes_to_login(self):
        self.assertLoginRedirect(self.get("/my/starlink"))
        self.assertLoginRedirect(self.get("/my/starlink/alerts"))

    def test_filters(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertEqual(self.cards("/my/starlink?filterby=cancelled")[0], [self.line_a3.id])
        self.line_a2.state = "suspended"
        self.assertEqual(self.cards("/my/starlink?filterby=suspended")[0], [self.line_a2.id])
        self.assertEqual(self.cards("/my/starlink?filterby=active")[0], [self.line_a.id])
        self.line_a2.product_id = self.big_plan
        self.assertEqual(
            self.cards(f"/my/starlink?filterby=all&plan={self.big_plan.id}")[0], [self.line_a2.id]
        )
        self.line_a.forecast_over_limit = True
        self.assertEqual(self.cards("/my/starlink?over=1")[0], [self.line_a.id])
        # Another client's plan id or garbage changes nothing about whose lines show.
        self.assertEqual(
            self.cards("/my/starlink?plan=abc&filterby=zzz")[0], [self.line_a.id, self.line_a2.id]
        )

    def test_search(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.assertEqual(self.cards("/my/starlink?search=barn")[0], [self.line_a2.id])
        self.assertEqual(self.cards("/my/starlink?search=A-0001")[0], [self.line_a.id])
        self.assertEqual(self.cards("/my/starlink?search=SLP-B")[0], [])

    def test_sortings(self):
        self.line_a.write({"forecast_total_gb": 50.0})
        self.line_a2.write({"forecast_total_gb": 90.0})
        # Today's usage counts in the current cycle (it starts today): A2 uses more.
        self.env["starlink.usage.daily"]._upsert(
            [
                (self.line_a.id, self.today, 10.0, 0, 0, 0),
                (self.line_a2.id, self.today, 60.0, 0, 0, 0),
            ]
        )
        self.authenticate("sl_portal_a", "sl_portal_a")
        a, a2 = self.line_a.id, self.line_a2.id
        self.assertEqual(self.cards("/my/starlink?sortby=number")[0], [a, a2])
        self.assertEqual(self.cards("/my/starlink?sortby=nickname")[0], [a2, a])  # Barn first
        self.assertEqual(self.cards("/my/starlink?sortby=projected")[0], [a2, a])
        self.assertEqual(self.cards("/my/starlink?sortby=usage")[0], [a2, a])
        self.env["starlink.usage.daily"]._upsert([(self.line_a.id, self.today, 95.0, 0, 0, 0)])
        self.assertEqual(self.cards("/my/starlink?sortby=usage")[0], [a, a2])

    def test_paging(self):
        lines = self.env["starlink.service.line"]
        for i in range(30):
            lines |= self._line(f"SLP-A-1{i:03d}", self.client_a, f"Buoy {i:02d}")
        self.authenticate("sl_portal_a", "sl_portal_a")
        page1, response = self.cards("/my/starlink?sortby=number")
        self.assertEqual(len(page1), 24)
        self.assertIn("/my/starlink/page/2", response.text)
        page2, _response = self.cards("/my/starlink/page/2?sortby=number")
        expected = (self.line_a | self.line_a2 | lines).sorted("service_line_number").ids
        self.assertEqual(page1 + page2, expected)
        page2_usage, _response = self.cards("/my/starlink/page/2?sortby=usage")
        self.assertEqual(len(page2_usage), 8)

    def test_card_content(self):
        self.line_a.write(
            {
                "forecast_date": self.today,
                "forecast_total_gb": 123.0,
                "forecast_lower_gb": 110.0,
                "forecast_upper_gb": 140.0,
            }
        )
        self.authenticate("sl_portal_a", "sl_portal_a")
        _ids, response = self.cards("/my/starlink")
        card = response.text.split(f'data-line-id="{self.line_a.id}"')[1].split("</article>")[0]
        self.assertIn("123 GB", card)
        self.assertIn("110–140 GB", card)
        self.assertIn('data-health="online"', card)
        self.assertIn("days left", card)
        self.assertIn('aria-valuenow="', card)
        # One client-visible open alert (the staff-only one is not counted).
        alerts = card.split("o_starlink_card_alerts")[1].split("</dd>")[0]
        self.assertIn(">1<", alerts)


@tagged("post_install", "-at_install")
class TestPortalAlerts(StarlinkPortalCase):
    """/my/starlink/alerts: the client's own alerts meant for clients."""

    def test_alert_list(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get("/my/starlink/alerts")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Farm house passed 80% of its data", response.text)
        self.assertNotIn("Internal anomaly note", response.text)
        self.assertNotIn("Secret vessel", response.text)
        self.alert_a.action_resolve()
        response = self.get("/my/starlink/alerts")
        self.assertNotIn("Farm house passed 80% of its data", response.text)
        response = self.get("/my/starlink/alerts?filterby=all")
        self.assertIn("Farm house passed 80% of its data", response.text)


@tagged("post_install", "-at_install")
class TestPortalHome(StarlinkPortalCase):
    """/my: the service lines entry and the open alerts counter."""

    def test_home_entries_and_counters(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn('href="/my/starlink"', response.text)
        self.assertIn('data-placeholder_count="starlink_line_count"', response.text)
        self.assertIn('data-placeholder_count="starlink_alert_count"', response.text)
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {
                "counters": [
                    "starlink_line_count",
                    "starlink_alert_count",
                    "starlink_alert_history_count",
                ]
            },
        )
        self.assertEqual(counters["starlink_line_count"], 3)
        self.assertEqual(counters["starlink_alert_count"], 1)
        self.assertEqual(counters["starlink_alert_history_count"], 1)
        self.authenticate("sl_portal_b", "sl_portal_b")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["starlink_line_count", "starlink_alert_count"]}
        )
        self.assertEqual(counters, {"starlink_line_count": 1, "starlink_alert_count": 1})


@tagged("post_install", "-at_install")
class TestPortalQueries(StarlinkPortalCase):
    """The pages read in a fixed number of queries, whatever the number of lines or days."""

    def _queries(self, url):
        self.get(url)  # warm the caches (templates, assets, routing)
        before = self.cr.sql_log_count
        response = self.get(url)
        self.assertEqual(response.status_code, 200)
        return self.cr.sql_log_count - before

    def test_dashboard_queries_do_not_grow_with_the_cards(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        few = {
            sortby: self._queries(f"/my/starlink?sortby={sortby}") for sortby in ("number", "usage")
        }
        for i in range(22):
            line = self._line(f"SLP-A-2{i:03d}", self.client_a, f"Tank {i:02d}")
            self._terminal(line, f"UT-PORTAL-Q{i:03d}", "degraded")
            self._alert(self.alert_rule, line, f"Tank {i:02d} alert")
        many = {
            sortby: self._queries(f"/my/starlink?sortby={sortby}") for sortby in ("number", "usage")
        }
        self.assertGreater(few["number"], 10)  # the server's queries are counted
        self.assertEqual(many, few)

    def test_line_page_queries_do_not_grow_with_the_days(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        start = self.usage_start
        short = self._queries(
            self.line_url(self.line_a, date_from=start.isoformat(), date_to=start.isoformat())
        )
        long = self._queries(
            self.line_url(self.line_a, date_from=start.isoformat(), date_to=self.today.isoformat())
        )
        self.assertEqual(long, short)
        self.assertGreater(long, 10)  # the server's queries are counted
        self.assertLessEqual(long, 30)

    def _bill(self, line, invoices=3):
        """Bill ``line`` as Starlink billing does (the client's contract, a contract line
        priced by the pricelist) with ``invoices`` posted monthly invoices."""
        line.date_start = self.today - timedelta(days=90)
        Contract = self.env["contract.contract"]
        contract = Contract.create(
            Contract._prepare_starlink_contract_values(self.client_a, self.company)
        )
        ContractLine = self.env["contract.line"]
        line.contract_line_id = ContractLine.create(
            ContractLine._prepare_starlink_values(line, contract)
        )
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.client_a.id,
                    "invoice_date": self.today - timedelta(days=30 * month),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": line.product_id.id,
                                "quantity": 1,
                                "price_unit": 120.0,
                                "contract_line_id": line.contract_line_id.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for month in range(invoices)
            ]
        )
        moves.action_post()
        return moves

    def test_line_page_of_a_billed_line_in_30_queries(self):
        """DESIGN §6: the page of a line with its contract (the fee it bills) and invoices in
        at most 30 queries, on its cycle as on 13 months by day."""
        invoices = self._bill(self.line_a)
        self.authenticate("sl_portal_a", "sl_portal_a")
        year = {
            "date_from": (self.today - timedelta(days=394)).isoformat(),
            "date_to": self.today.isoformat(),
        }
        queries = {
            "cycle": self._queries(self.line_url(self.line_a)),
            "13 months": self._queries(self.line_url(self.line_a, **year)),
        }
        page = self.get(self.line_url(self.line_a)).text
        plan = page.split('id="o_starlink_line_plan"')[1].split("</section>")[0]
        self.assertIn("Monthly fee", plan)
        self.assertIn("120.00", plan, "the plan's price, through the contract line")
        listed = page.split('id="o_starlink_line_invoices"')[1].split("</section>")[0]
        for invoice in invoices:
            self.assertIn(f'href="/my/invoices/{invoice.id}"', listed)
        self.assertGreater(min(queries.values()), 10)  # the server's queries are counted
        self.assertLessEqual(max(queries.values()), 30, queries)
