from datetime import datetime, time, timedelta

from odoo.tests import tagged

from .common import StarlinkPortalCase

SECRETS = ("SLP-B-0001", "Secret vessel", "UT-PORTAL-B")


@tagged("post_install", "-at_install")
class TestPortalCharts(StarlinkPortalCase):
    """/my/starlink/lines/<id>/charts: the series of the line page's charts, for the line's
    client or its share link only."""

    def charts(self, line, **query):
        response = self.get(self.line_url(line, "/charts", **query))
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        return response.json()

    def daily_rows(self, line, start, end):
        return self.env["starlink.usage.daily"].search_read(
            [("service_line_id", "=", line.id), ("date", ">=", start), ("date", "<=", end)],
            ["date", "priority_gb", "standard_gb", "non_billable_gb", "total_gb"],
        )

    # ------------------------------------------------------------------ usage

    def test_usage_series_sum_to_the_daily_rows(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        start = self.usage_start + timedelta(days=9)
        end = start + timedelta(days=40)
        rows = self.daily_rows(self.line_a, start, end)
        self.assertEqual(len(rows), 41)
        expected_periods = {
            "day": 41,
            "week": len({(start + timedelta(days=i)).isocalendar()[:2] for i in range(41)}),
            "month": len({(start + timedelta(days=i)).replace(day=1) for i in range(41)}),
        }
        for grouping, count in expected_periods.items():
            data = self.charts(
                self.line_a,
                date_from=start.isoformat(),
                date_to=end.isoformat(),
                grouping=grouping,
            )
            usage = data["usage"]
            self.assertEqual(data["range"]["grouping"], grouping)
            self.assertEqual(len(usage["labels"]), count, grouping)
            self.assertEqual(len(usage["periods"]), count, grouping)
            self.assertEqual(usage["periods"][0][0], start.isoformat())
            self.assertEqual(usage["periods"][-1][1], end.isoformat())
            datasets = {dataset["key"]: dataset for dataset in usage["datasets"]}
            self.assertEqual(list(datasets), ["priority_gb", "standard_gb", "non_billable_gb"])
            for column in ("priority_gb", "standard_gb", "non_billable_gb"):
                self.assertEqual(len(datasets[column]["data"]), count)
                self.assertAlmostEqual(
                    sum(v or 0.0 for v in datasets[column]["data"]),
                    sum(row[column] for row in rows),
                    places=2,
                    msg=f"{grouping} {column}",
                )
            self.assertAlmostEqual(
                usage["totals"]["total_gb"], sum(row["total_gb"] for row in rows), places=2
            )
            self.assertIn("GB", usage["aria_label"])

    def test_usage_priority_and_standard_split_by_day(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        day = self.usage_start + timedelta(days=3)
        data = self.charts(self.line_a, date_from=day.isoformat(), date_to=day.isoformat())
        datasets = {dataset["key"]: dataset["data"] for dataset in data["usage"]["datasets"]}
        # line A's rows: priority 1.0 + i/100, standard 0.5, non-billable 0.01
        self.assertEqual(datasets["priority_gb"], [1.03])
        self.assertEqual(datasets["standard_gb"], [0.5])
        self.assertEqual(datasets["non_billable_gb"], [0.01])

    def test_usage_day_without_row_is_a_gap(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        start = self.usage_start - timedelta(days=2)  # two days before the first row
        data = self.charts(
            self.line_a, date_from=start.isoformat(), date_to=self.usage_start.isoformat()
        )
        priority = data["usage"]["datasets"][0]["data"]
        self.assertEqual(priority, [None, None, 1.0])

    # ------------------------------------------------------------------ forecast

    def test_forecast_band_from_today_to_the_cycle_end(self):
        line = self.line_a2
        start, end = line.cycle_start_date, line.cycle_end_date
        # usage of the cycle before today, then a daily forecast from today to the end
        self.env["starlink.usage.daily"]._upsert(
            [
                (line.id, start + timedelta(days=i), 2.0, 0.0, 1.0, 0.0)
                for i in range((self.today - start).days)
            ]
        )
        forecast_days = [self.today + timedelta(days=i) for i in range((end - self.today).days + 1)]
        self.env["starlink.usage.forecast"]._replace(
            [line.id],
            [
                (line.id, day, "current", 3.0, 1.0, 6.0, "run_rate", "test", 5.0)
                for day in forecast_days
            ],
        )
        line.write({"forecast_date": self.today, "forecast_total_gb": 90.0})
        self.authenticate("sl_portal_a", "sl_portal_a")
        forecast = self.charts(line)["forecast"]
        self.assertTrue(forecast["has_forecast"])
        self.assertEqual(forecast["days"][0], start.isoformat())
        self.assertEqual(forecast["days"][-1], end.isoformat())
        self.assertEqual(forecast["limit_gb"], 100.0)
        sets = forecast["datasets"]
        days_before = (self.today - start).days
        used = 2.0 * days_before  # counted: priority only
        actual = sets["actual"]["data"]
        self.assertTrue(all(v is not None for v in actual[:days_before]))
        self.assertTrue(all(v is None for v in actual[days_before:]))
        today_index = days_before
        predicted, lower, upper = (sets[key]["data"] for key in ("predicted", "lower", "upper"))
        # no band point before the last reported day; every day from today to the end has one
        anchor = today_index - 1 if days_before else today_index
        self.assertTrue(all(v is None for v in predicted[:anchor]))
        for key in ("predicted", "lower", "upper"):
            self.assertTrue(all(v is not None for v in sets[key]["data"][today_index:]), key)
        count = len(forecast_days)
        self.assertAlmostEqual(predicted[-1], used + 3.0 * count, places=2)
        self.assertAlmostEqual(lower[-1], used + 1.0 * count, places=2)
        self.assertAlmostEqual(upper[-1], used + 6.0 * count, places=2)
        for low, mid, high in zip(
            lower[today_index:], predicted[today_index:], upper[today_index:]
        ):
            self.assertLessEqual(low, mid)
            self.assertLessEqual(mid, high)

    def test_no_forecast_no_band(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        forecast = self.charts(self.line_a)["forecast"]
        self.assertFalse(forecast["has_forecast"])
        self.assertTrue(all(v is None for v in forecast["datasets"]["predicted"]["data"]))
        self.assertIn("no forecast yet", forecast["aria_label"])

    # ------------------------------------------------------------------ performance

    def test_performance_from_the_line_terminals_only(self):
        start = datetime.combine(self.today - timedelta(days=6), time())
        self._hourly(self.terminal_a, start, 48, latency=42.0)
        self._hourly(self.terminal_b, start, 48, latency=999.0)
        self.authenticate("sl_portal_a", "sl_portal_a")
        day = start.date()
        # two days: hour by hour
        data = self.charts(
            self.line_a, date_from=day.isoformat(), date_to=(day + timedelta(days=1)).isoformat()
        )
        performance = data["performance"]
        self.assertEqual(performance["bucket"], "hour")
        self.assertEqual(len(performance["labels"]), 48)
        self.assertEqual(performance["series"]["latency_ms"], [42.0] * 48)
        self.assertEqual(performance["series"]["uptime_percent"], [100.0] * 48)
        self.assertEqual(performance["series"]["downlink_mbps"], [120.0] * 48)
        keys = [chart["key"] for chart in performance["charts"]]
        self.assertEqual(keys, ["latency", "throughput", "availability", "quality"])
        # a week by day: the two days with rollups, then days without any sample
        data = self.charts(
            self.line_a,
            date_from=day.isoformat(),
            date_to=(day + timedelta(days=4)).isoformat(),
            grouping="day",
        )
        series = data["performance"]["series"]
        self.assertEqual(data["performance"]["bucket"], "day")
        self.assertEqual(series["latency_ms"], [42.0, 42.0, None, None, None])
        self.assertEqual(series["uptime_percent"], [100.0, 100.0, 0.0, 0.0, 0.0])
        self.assertEqual(series["obstruction_percent"][:2], [1.5, 1.5])
        self.assertNotIn("999", str(data["performance"]))

    def test_company_colours_readable(self):
        self.company.write({"primary_color": "#875A7B", "secondary_color": "#ffd966"})
        self.authenticate("sl_portal_a", "sl_portal_a")
        data = self.charts(self.line_a)
        self.assertEqual(data["colors"]["primary"], "#875a7b")
        self.assertEqual(data["usage"]["datasets"][0]["color"], "#875a7b")
        # too light on white: darkened until it reads (3:1)
        secondary = data["colors"]["secondary"]
        self.assertNotEqual(secondary, "#ffd966")
        self.assertEqual(data["usage"]["datasets"][1]["color"], secondary)

    def test_range_in_the_future_stops_at_today(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        end = self.today + timedelta(days=20)
        start = self.today - timedelta(days=9)
        data = self.charts(self.line_a, date_from=start.isoformat(), date_to=end.isoformat())
        self.assertEqual(data["range"]["date_to"], end.isoformat())
        self.assertEqual(data["range"]["shown_to"], self.today.isoformat())
        self.assertEqual(len(data["usage"]["labels"]), 10)
        self.assertEqual(len(data["performance"]["labels"]), 10)

    # ------------------------------------------------------------------ access

    def test_other_client_line_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        for suffix in ("/charts", "/live"):
            response = self.get(self.line_url(self.line_b, suffix))
            self.assertEqual(response.status_code, 404, suffix)
            self.assertEqual(response.json(), {"error": "not_found"})
            for secret in SECRETS:
                self.assertNotIn(secret, response.text)

    def test_missing_line_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get("/my/starlink/lines/987654321/charts")
        self.assertEqual(response.status_code, 404)

    def test_anonymous_refused(self):
        for suffix in ("/charts", "/live"):
            response = self.get(self.line_url(self.line_a, suffix))
            self.assertEqual(response.status_code, 403, suffix)
            self.assertEqual(response.json(), {"error": "login_required"})
            self.assertNotIn("SLP-A-0001", response.text)
        response = self.get(f"/my/starlink/live?line_ids={self.line_a.id}")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("SLP-A-0001", response.text)

    def test_share_token(self):
        token = self.line_b._portal_ensure_token()
        data = self.charts(self.line_b, access_token=token)
        self.assertEqual(data["usage"]["datasets"][0]["key"], "priority_gb")
        self.assertTrue(any(data["usage"]["datasets"][0]["data"]) or data["usage"]["labels"])
        response = self.get(self.line_url(self.line_b, "/live", access_token=token))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["line"]["id"], self.line_b.id)
        # a wrong token gives nothing
        response = self.get(self.line_url(self.line_b, "/charts", access_token="0" * len(token)))
        self.assertEqual(response.status_code, 403)
        for secret in SECRETS:
            self.assertNotIn(secret, response.text)
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_b, "/charts", access_token="wrong"))
        self.assertEqual(response.status_code, 404)


@tagged("post_install", "-at_install")
class TestPortalLive(StarlinkPortalCase):
    """Live values of the line page (/my/starlink/lines/<id>/live) and of the dashboard's
    cards (/my/starlink/live): the figures, and the sections rendered again."""

    def test_line_live_values(self):
        self.env["starlink.usage.daily"]._upsert([(self.line_a.id, self.today, 12.5, 0, 3, 0)])
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a, "/live"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        data = response.json()
        line = data["line"]
        self.assertEqual(line["id"], self.line_a.id)
        self.env.invalidate_all()
        used = self.line_a.cycle_usage_gb  # today's 12.5 GB and the cycle's days before
        self.assertGreaterEqual(used, 12.5)
        self.assertAlmostEqual(line["usage_gb"], used, places=3)
        self.assertAlmostEqual(line["usage_percent"], used, places=1)  # of 100 GB
        self.assertEqual(line["limit_gb"], 100.0)
        self.assertEqual(line["health"], "online")
        self.assertEqual(
            line["terminals"],
            [{"id": self.terminal_a.id, "health": "online", "last_seen": "2026-01-01T12:00:00"}],
        )
        summary = data["sections"]["o_starlink_line_summary"]
        self.assertIn('id="o_starlink_line_summary"', summary)
        self.assertIn(f'aria-valuenow="{round(used)}"', summary)
        self.assertIn(f"{used:.1f}", summary)
        terminals = data["sections"]["o_starlink_line_terminals"]
        self.assertIn('data-health="online"', terminals)
        self.assertIn("UT-PORTAL-A", terminals)

    def test_dashboard_live_values_only_own_lines(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        ids = f"{self.line_a.id},{self.line_b.id},{self.line_a2.id},abc"
        response = self.get(f"/my/starlink/live?line_ids={ids}")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(
            sorted(line["id"] for line in data["lines"]), sorted([self.line_a.id, self.line_a2.id])
        )
        self.assertEqual(set(data["cards"]), {str(self.line_a.id), str(self.line_a2.id)})
        self.assertIn("o_starlink_card_usage", data["cards"][str(self.line_a.id)])
        for secret in SECRETS:
            self.assertNotIn(secret, response.text)
        # no ids: nothing
        self.assertEqual(self.get("/my/starlink/live").json()["lines"], [])

    def test_pages_carry_the_chart_and_live_hooks(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(self.line_url(self.line_a)).text
        self.assertIn(f'data-charts-url="/my/starlink/lines/{self.line_a.id}/charts"', page)
        self.assertIn(f'data-starlink-live-url="/my/starlink/lines/{self.line_a.id}/live"', page)
        for key in ("usage", "forecast"):
            self.assertIn(
                f'<canvas class="o_starlink_chart_canvas" role="img" data-chart="{key}"', page
            )
        self.assertIn("o_starlink_live_refresh", page)
        dashboard = self.get("/my/starlink").text
        self.assertIn('data-starlink-live-url="/my/starlink/live"', dashboard)
        # a share link keeps its token in the live url
        token = self.line_b._portal_ensure_token()
        self.authenticate(None, None)
        page = self.get(self.line_url(self.line_b, access_token=token)).text
        self.assertIn(f"/live?access_token={token}", page)
        self.assertIn(f'data-access-token="{token}"', page)
