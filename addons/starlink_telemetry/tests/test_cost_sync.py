from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StarlinkSimulatorCase

COST_LOGGER = "odoo.addons.starlink_telemetry.models.starlink_cost_line"
DETAIL_ROUTE = "GET /public/v2/billing/invoices/<invoice_id>"


@tagged("post_install", "-at_install")
class TestCostSync(StarlinkSimulatorCase):
    """The Starlink Costs stream: Starlink's invoice lines stored per service line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._sync_inventory()
        cls.Cost = cls.env["starlink.cost.line"]
        lines = cls.env["starlink.service.line"].search(
            [("account_id", "=", cls.account.id), ("state", "=", "active")]
        )
        # Odoo knows this line under another number: Starlink's invoices name one unknown.
        cls.unknown_line = lines[0]
        cls.unknown_number = cls.unknown_line.service_line_number
        cls.unknown_line.service_line_number = "AST-RENAMED-1"

    def _costs(self):
        return self.Cost.search([("account_id", "=", self.account.id)])

    def _summaries(self):
        with self.account._starlink_client() as api:
            return list(api.iter_invoices())

    def _detail_calls(self):
        return self.simulator.control("GET", "stats")["by_route"].get(DETAIL_ROUTE, 0)

    @mute_logger(COST_LOGGER)
    def test_cost_lines_stored_once_unknown_line_reported(self):
        summaries = self._summaries()
        self.Cost._sync_account(self.account)
        costs = self._costs()
        status = self.status("costs")
        self.assertEqual(status.state, "warning")
        self.assertEqual(status.record_count, len(costs))
        self.assertEqual(self._detail_calls(), len(summaries))
        # Every invoice is stored, its lines adding up to its total.
        self.assertEqual(set(costs.mapped("invoice_ref")), {s["invoiceId"] for s in summaries})
        for summary in summaries:
            mine = costs.filtered(lambda c, ref=summary["invoiceId"]: c.invoice_ref == ref)
            self.assertAlmostEqual(sum(mine.mapped("subtotal")), summary["amount"], places=2)
            self.assertEqual(str(mine[0].invoice_date), summary["invoiceDate"][:10])
        self.assertEqual(costs.currency_id.name, "USD")
        plan_fee = costs.filtered(lambda c: c.service_line_id and c.period_start)[0]
        self.assertEqual(plan_fee.partner_id, plan_fee.service_line_id.partner_id)
        self.assertLessEqual(plan_fee.period_start, plan_fee.period_end)
        # The unknown line's costs are kept unlinked and reported.
        unknown = costs.filtered(lambda c: c.service_line_number == self.unknown_number)
        self.assertTrue(unknown)
        self.assertFalse(unknown.service_line_id)
        self.assertFalse((costs - unknown).filtered(lambda c: not c.service_line_id))
        self.assertIn(self.unknown_number, status.message)
        self.assertIn("unknown in Odoo", status.message)

        # Again: nothing fetched, nothing duplicated.
        calls = self._detail_calls()
        self.Cost._sync_account(self.account)
        self.assertEqual(self._detail_calls(), calls)
        self.assertEqual(self._costs(), costs)
        self.assertEqual(self.status("costs").record_count, 0)

        # Once Odoo knows the line, its costs are linked (without fetching them again).
        self.unknown_line.service_line_number = self.unknown_number
        self.Cost._sync_account(self.account)
        self.assertEqual(self._detail_calls(), calls)
        self.assertEqual(unknown.service_line_id, self.unknown_line)
        self.assertEqual(self.status("costs").state, "ok")

    @mute_logger(COST_LOGGER)
    def test_changed_invoice_updated_in_place(self):
        self.Cost._sync_account(self.account)
        costs = self._costs()
        invoice = costs[0].invoice_ref
        mine = costs.filtered(lambda c: c.invoice_ref == invoice)
        subtotals = mine.mapped("subtotal")
        # Stored with another total (or partly): fetched again, updated, never duplicated.
        mine.write({"invoice_amount": 1.0, "subtotal": 0.0})
        calls = self._detail_calls()
        self.Cost._sync_account(self.account)
        self.assertEqual(self._detail_calls(), calls + 1)
        self.assertEqual(self._costs(), costs)
        self.assertEqual(mine.mapped("subtotal"), subtotals)
        self.assertEqual(self.status("costs").record_count, len(mine))

    @mute_logger(COST_LOGGER, "odoo.addons.starlink_telemetry.lib.transport")
    def test_bad_invoice_does_not_stop_the_others(self):
        summaries = self._summaries()
        bad = summaries[1]["invoiceId"]
        self.simulator.faults(envelope_errors=-1, path=f"/public/v2/billing/invoices/{bad}")
        self.Cost._sync_account(self.account)
        costs = self._costs()
        self.assertEqual(
            set(costs.mapped("invoice_ref")), {s["invoiceId"] for s in summaries} - {bad}
        )
        status = self.status("costs")
        self.assertEqual(status.state, "warning")
        self.assertIn(bad, status.message)
        # Once Starlink answers, the missing invoice comes in on the next run.
        self.simulator.faults(envelope_errors=0)
        self.Cost._sync_account(self.account)
        self.assertIn(bad, self._costs().mapped("invoice_ref"))

    @mute_logger(COST_LOGGER)
    def test_invoices_per_run_budget(self):
        summaries = self._summaries()
        self.env["ir.config_parameter"].sudo().set_param(
            "starlink_telemetry.cost_invoices_per_run", 5
        )
        self.assertEqual(self.Cost._sync_account(self.account), len(summaries) - 5)
        self.assertEqual(len(set(self._costs().mapped("invoice_ref"))), 5)
        self.assertIn(f"{len(summaries) - 5} invoices left", self.status("costs").message)
        self.assertEqual(self.Cost._sync_account(self.account), len(summaries) - 10)
        self.assertEqual(len(set(self._costs().mapped("invoice_ref"))), 10)
