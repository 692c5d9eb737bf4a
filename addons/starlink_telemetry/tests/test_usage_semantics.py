"""Usage as Starlink counts it, from usage answers to cycle %, overage and alerts.

The figures are worked out by hand from the V2 spec: ``priorityGB`` includes the opt-in
priority data (``optInPriorityGB`` is a subset, "not additive"), the plan's
``usageLimitGB`` is its included priority data, and the overage is the opt-in priority
data beyond that limit. Standard and non-billable data never count against it.
"""

from datetime import date, datetime

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.usage import parse_data_usage
from .common import StarlinkLineCase

TODAY = date(2026, 5, 20)
NOW = datetime(2026, 5, 20, 12, 0, 0)


def _day(day, priority, opt_in=0.0, standard=0.0, non_billable=0.0):
    return {
        "date": f"2026-05-{day:02d}T00:00:00Z",
        "priorityGB": priority,
        "optInPriorityGB": opt_in,
        "standardGB": standard,
        "nonBillableGB": non_billable,
    }


def _answer(number, days, plan="SL-PLAN-100", limit=100.0):
    """One ``ServiceLineDataUsageForBillingCycles`` of the current cycle (May 2026)."""
    return {
        "serviceLineNumber": number,
        "servicePlan": {"productId": plan, "usageLimitGB": limit, "isOptedIntoOverage": True},
        "billingCycles": [
            {
                "startDate": "2026-05-01T00:00:00Z",
                "endDate": "2026-05-31T23:59:59Z",
                "dailyDataUsage": days,
                "overageLines": [],
            }
        ],
    }


@tagged("post_install", "-at_install")
class TestUsageSemantics(StarlinkLineCase):
    line_number = "SL-USAGE"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rules = {
            threshold: cls._rule("usage", threshold, notify_client=False)
            for threshold in (80, 90, 100)
        }
        # Created as the sync creates plans: no limit known yet.
        cls.plan = cls._plan(
            "Local Priority 100 GB", 0.0,
            starlink_product_reference="SL-PLAN-100", starlink_overage_price_gb=2.0,
        )  # fmt: skip
        cls.lines = {number: cls._line(number) for number in ("SL-A", "SL-B", "SL-C", "SL-D")}

    def _sync(self, *answers):
        batch = parse_data_usage(list(answers))
        return self.env["starlink.usage.daily"]._starlink_sync(self.account, batch)

    def _in_cycle(self, number):
        return self.lines[number].with_context(starlink_date=TODAY)

    def _open_usage_alerts(self, number):
        return self.env["starlink.alert"].search(
            [("service_line_id", "=", self.lines[number].id), ("rule_type", "=", "usage"),
             ("state", "=", "open")]
        )  # fmt: skip

    def test_plan_limit_filled_from_service_plan(self):
        self.assertEqual(self.plan.starlink_data_limit_gb, 0.0)
        self._sync(_answer("SL-A", [_day(1, 10.0)]))
        self.assertEqual(self.plan.starlink_data_limit_gb, 100.0)
        # A later answer of 0 (restricted by default) never erases the known limit.
        self._sync(_answer("SL-A", [_day(1, 10.0)], limit=0.0))
        self.assertEqual(self.plan.starlink_data_limit_gb, 100.0)

    def test_line_without_plan_gets_it_from_the_answer(self):
        line = self.lines["SL-D"]
        line.product_id = False
        self._sync(_answer("SL-D", [_day(1, 10.0)]))
        self.assertEqual(line.product_id, self.plan)

    @mute_logger("odoo.addons.starlink_telemetry.models.starlink_usage_daily")
    def test_unknown_plan_reported(self):
        count, errors, message = self._sync(_answer("SL-A", [_day(1, 1.0)], plan="SL-NOPE"))
        self.assertEqual((count, errors), (1, 1))
        self.assertIn("unknown plan SL-NOPE", message)

    def test_opt_in_accrued_past_the_limit(self):
        # 60 + 45 + 12 = 117 GB priority, of which 5 + 12 = 17 opt-in (after the 100 GB);
        # 15 GB standard and 1.2 GB non-billable do not count.
        self._sync(
            _answer("SL-A", [
                _day(1, 60.0, 0.0, 5.0, 0.5),
                _day(2, 45.0, 5.0, 10.0, 0.5),
                _day(3, 12.0, 12.0, 0.0, 0.2),
            ])
        )  # fmt: skip
        line = self._in_cycle("SL-A")
        self.assertAlmostEqual(line.cycle_usage_gb, 117.0)
        self.assertAlmostEqual(line.cycle_usage_percent, 117.0)
        self.assertAlmostEqual(line.cycle_overage_gb, 17.0)
        self.assertAlmostEqual(line.cycle_opt_in_priority_gb, 17.0)
        self.assertAlmostEqual(line.cycle_standard_gb, 15.0)
        self.assertAlmostEqual(line.cycle_non_billable_gb, 1.2)
        usage = line.usage_ids.sorted("date")
        self.assertEqual(usage.mapped("counted_gb"), [60.0, 45.0, 12.0])
        self.assertEqual(usage.mapped("total_gb"), [65.5, 55.5, 12.2])
        self.env["starlink.alert"]._cron_evaluate(today=TODAY, now=NOW)
        alerts = self._open_usage_alerts("SL-A")
        self.assertEqual(alerts.rule_id, self.rules[80] | self.rules[90] | self.rules[100])
        self.assertAlmostEqual(alerts.filtered(lambda a: a.threshold == 100).value, 117.0)

    def test_opted_in_all_cycle_under_the_limit(self):
        # Opted in from day one: all 85 GB of priority are opt-in, none past the limit.
        self._sync(_answer("SL-B", [_day(1, 50.0, 50.0, 20.0), _day(2, 35.0, 35.0, 10.0)]))
        line = self._in_cycle("SL-B")
        self.assertAlmostEqual(line.cycle_usage_percent, 85.0)
        self.assertEqual(line.cycle_overage_gb, 0.0)
        self.env["starlink.alert"]._cron_evaluate(today=TODAY, now=NOW)
        self.assertEqual(self._open_usage_alerts("SL-B").rule_id, self.rules[80])

    def test_opted_in_all_cycle_past_the_limit(self):
        # 130 GB priority, all opt-in: the 30 GB past the limit are the overage.
        self._sync(_answer("SL-B", [_day(1, 70.0, 70.0), _day(2, 60.0, 60.0)]))
        line = self._in_cycle("SL-B")
        self.assertAlmostEqual(line.cycle_usage_percent, 130.0)
        self.assertAlmostEqual(line.cycle_overage_gb, 30.0)

    def test_standard_data_never_counts_against_a_priority_limit(self):
        # 50 GB priority and 200 GB standard: 50 %, no alert (not 250 %).
        self._sync(_answer("SL-C", [_day(1, 30.0, 0.0, 120.0), _day(2, 20.0, 0.0, 80.0)]))
        line = self._in_cycle("SL-C")
        self.assertAlmostEqual(line.cycle_usage_percent, 50.0)
        self.assertEqual(line.cycle_overage_gb, 0.0)
        self.env["starlink.alert"]._cron_evaluate(today=TODAY, now=NOW)
        self.assertFalse(self._open_usage_alerts("SL-C"))

    def test_reseller_plan_counting_standard_data(self):
        self._sync(_answer("SL-C", [_day(1, 30.0, 0.0, 40.0, 1.0), _day(2, 20.0, 0.0, 20.0)]))
        self.plan.starlink_limit_basis = "priority_standard"
        line = self._in_cycle("SL-C")
        # 50 priority + 60 standard = 110 GB counted, 10 GB beyond the 100 GB limit.
        self.assertEqual(line.usage_ids.sorted("date").mapped("counted_gb"), [70.0, 40.0])
        self.assertAlmostEqual(line.cycle_usage_percent, 110.0)
        self.assertAlmostEqual(line.cycle_overage_gb, 10.0)
        # The basis holds for rows upserted later too.
        self._sync(_answer("SL-C", [_day(3, 5.0, 0.0, 5.0, 3.0)]))
        self.assertAlmostEqual(self._in_cycle("SL-C").cycle_usage_gb, 120.0)

    def test_recompute_after_rule_change(self):
        self._sync(_answer("SL-A", [_day(1, 60.0, 0.0, 5.0, 0.5)]))
        usage = self.lines["SL-A"].usage_ids
        # Rows stored by the old rule (priority + opt-in + standard), as before the migration.
        self.env.cr.execute(
            "UPDATE starlink_usage_daily SET counted_gb = 65, total_gb = 65.5 WHERE id = %s",
            [usage.id],
        )
        usage.invalidate_recordset()
        Usage = self.env["starlink.usage.daily"]
        self.assertEqual(Usage._recompute_usage_totals(self.lines["SL-A"].ids), 1)
        self.assertEqual((usage.counted_gb, usage.total_gb), (60.0, 65.5))
