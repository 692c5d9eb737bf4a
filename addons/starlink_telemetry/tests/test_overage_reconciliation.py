from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.usage import parse_data_usage
from .common import StarlinkSimulatorCase

MODELS_LOGGER = "odoo.addons.starlink_telemetry.models.starlink_usage_daily"


@tagged("post_install", "-at_install")
class TestOverageReconciliation(StarlinkSimulatorCase):
    """Starlink's overage lines stored per line and cycle by the usage sync, next to the
    overage our billing counts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._sync_inventory()
        cls.lines = cls.env["starlink.service.line"].search(
            [("account_id", "=", cls.account.id), ("state", "in", ("active", "suspended"))]
        )
        cls.Reconciliation = cls.env["starlink.overage.reconciliation"]
        cls.OverageLine = cls.env["starlink.overage.line"]

    def _cycles(self):
        return self.Reconciliation.search([("service_line_id", "in", self.lines.ids)])

    def _answers(self):
        with self.account._starlink_client() as api:
            return api.query_data_usage(
                self.lines.mapped("service_line_number"), previous_billing_cycles=1
            )

    def test_overage_lines_stored_per_cycle(self):
        self.simulator.faults(overage_lines=2)
        answers = self._answers()
        self.account._sync_usage()
        self.assertEqual(self.status("usage").state, "ok")
        cycles = self._cycles()
        # Every cycle received is stored, with or without overage.
        received = {
            (answer["serviceLineNumber"], raw["startDate"][:10])
            for answer in answers
            for raw in answer["billingCycles"]
        }
        self.assertEqual(
            {(c.service_line_id.service_line_number, str(c.cycle_start)) for c in cycles},
            received,
        )
        with_overage = cycles.filtered("starlink_line_count")
        self.assertTrue(with_overage, "the simulator's fleet has lines in overage")
        raw_lines = {
            (answer["serviceLineNumber"], raw["startDate"][:10]): raw["overageLines"]
            for answer in answers
            for raw in answer["billingCycles"]
        }
        for cycle in with_overage:
            raw = raw_lines[(cycle.service_line_id.service_line_number, str(cycle.cycle_start))]
            # Two lines in the cycle, stored one by one and summed.
            self.assertEqual(len(cycle.overage_line_ids), 2)
            self.assertEqual(cycle.starlink_line_count, 2)
            self.assertEqual(
                cycle.overage_line_ids.sorted("sequence").mapped("overage_gb"),
                [line["overageAmountGB"] for line in raw],
            )
            self.assertAlmostEqual(
                cycle.starlink_overage_gb, sum(line["overageAmountGB"] for line in raw), places=3
            )
            self.assertGreater(cycle.starlink_overage_gb, max(raw[0]["overageAmountGB"], 0))
            self.assertAlmostEqual(
                cycle.starlink_overage_price,
                sum(line["overagePrice"] for line in raw),
                places=2,
            )
            first = cycle.overage_line_ids.sorted("sequence")[0]
            self.assertEqual(first.price_per_gb, raw[0]["pricePerGB"])
            self.assertEqual(first.usage_limit_gb, raw[0]["usageLimitGB"])
            self.assertEqual(first.product_reference, raw[0]["productId"])
            self.assertEqual(first.overage_type, "priority_per_gb")
            self.assertEqual(str(first.active_from), raw[0]["activeFrom"][:10])
        # Our billing counts the same overage from the daily usage (Starlink's rule).
        self.assertTrue(with_overage.filtered("our_overage_gb"))
        self.assertFalse(cycles.filtered("has_difference"), cycles.mapped("difference_gb"))
        # The service line shows its checks.
        line = with_overage[0].service_line_id
        self.assertEqual(
            line.overage_cycle_count, len(cycles.filtered(lambda c: c.service_line_id == line))
        )
        self.assertEqual(line.overage_difference_count, 0)

    def test_resync_stores_each_once_and_replaces_a_changed_set(self):
        self.simulator.faults(overage_lines=2)
        self.account._sync_usage()
        cycles = self._cycles()
        lines = self.OverageLine.search([("reconciliation_id", "in", cycles.ids)])
        self.assertTrue(lines)
        self.account._sync_usage()
        self.assertEqual(self._cycles(), cycles)
        self.assertEqual(
            self.OverageLine.search([("reconciliation_id", "in", cycles.ids)]), lines,
            "the same lines again: nothing rewritten, nothing duplicated",
        )  # fmt: skip
        # Starlink now splits each cycle's overage into three lines: the set is replaced.
        self.simulator.faults(overage_lines=3)
        self.account._sync_usage()
        self.assertEqual(self._cycles(), cycles)
        for cycle in cycles.filtered("starlink_line_count"):
            self.assertEqual(len(cycle.overage_line_ids), 3)
            self.assertEqual(cycle.overage_line_ids.mapped("sequence"), [0, 1, 2])
            self.assertAlmostEqual(
                cycle.starlink_overage_gb, sum(cycle.overage_line_ids.mapped("overage_gb")), 3
            )
        self.assertFalse(lines.exists())

    @mute_logger(MODELS_LOGGER)
    def test_bad_overage_entry_skipped_and_reported(self):
        self.simulator.faults(overage_lines=2)
        answers = self._answers()
        cycle = next(
            raw for answer in answers for raw in answer["billingCycles"] if raw["overageLines"]
        )
        number = next(a["serviceLineNumber"] for a in answers if cycle in a["billingCycles"])
        good = cycle["overageLines"][1]
        cycle["overageLines"][0]["overageAmountGB"] = "n/a"
        batch = parse_data_usage(answers)
        written, errors, message = self.env["starlink.usage.daily"]._starlink_sync(
            self.account, batch
        )
        self.assertTrue(written)
        self.assertEqual(errors, 1)
        self.assertIn(f"{number}: overage line: overageAmountGB is not a number", message)
        stored = self.Reconciliation.search(
            [
                ("service_line_id.service_line_number", "=", number),
                ("cycle_start", "=", cycle["startDate"][:10]),
            ]
        )
        # The rest of the cycle is kept: its other line, counted alone.
        self.assertEqual(stored.overage_line_ids.mapped("overage_gb"), [good["overageAmountGB"]])
        self.assertEqual(stored.overage_line_ids.sequence, 1)
        self.assertEqual(stored.starlink_line_count, 1)
        self.assertAlmostEqual(stored.starlink_overage_gb, good["overageAmountGB"], places=3)
        self.assertTrue(stored.has_difference)
