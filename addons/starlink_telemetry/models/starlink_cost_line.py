import logging
from collections import defaultdict
from functools import partial

from odoo import api, fields, models
from odoo.tools import float_compare

from ..lib.exceptions import StarlinkError
from ..lib.invoices import parse_invoice, parse_invoice_summary
from ..lib.usage import BadEntry
from .cron_utils import error_text

_logger = logging.getLogger(__name__)

# Invoice details fetched per account and run (Starlink allows 250 requests a minute); the
# scheduled action runs again at once for the rest.
INVOICES_PER_RUN = 500
CRON_XMLID = "starlink_telemetry.ir_cron_starlink_sync_costs"


class StarlinkCostLine(models.Model):
    """What Starlink bills the reseller: one invoice line of a Starlink invoice, for one
    service line (a line naming several is shared out evenly).

    Filled by the Starlink Costs stream from ``GET /billing/invoices`` and
    ``GET /billing/invoices/{id}``; the margin analysis reads it per service line and month
    (the month of Starlink's invoice date, as ours is by our invoice date).
    """

    _name = "starlink.cost.line"
    _description = "Starlink Cost Line"
    _order = "invoice_date desc, invoice_ref, line_index, share_index"
    _rec_name = "invoice_ref"
    _check_company_auto = True

    account_id = fields.Many2one(
        "starlink.account",
        string="Starlink Account",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    invoice_ref = fields.Char(
        string="Starlink Invoice", required=True, index=True, readonly=True,
        help="Starlink's invoice identifier (invoiceId), e.g. INV-DF-US-1234ABCD.",
    )  # fmt: skip
    invoice_date = fields.Date(
        required=True, index=True, readonly=True, help="The day Starlink issued the invoice."
    )
    line_index = fields.Integer(
        readonly=True, help="Place of the line in the invoice's invoiceLines (from 0)."
    )
    share_index = fields.Integer(
        readonly=True,
        help="Place of the service line among those the invoice line names (from 0).",
    )
    service_line_number = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="The service line number Starlink names; empty for an account-level charge.",
    )
    service_line_id = fields.Many2one(
        "starlink.service.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The service line of that number; empty while it is unknown in Odoo (reported "
        "by the sync, linked once the line is known).",
    )
    partner_id = fields.Many2one(
        related="service_line_id.partner_id", string="Client", store=True, index=True
    )
    product_reference = fields.Char(readonly=True, help="Starlink's product (productReferenceId).")
    description = fields.Char(readonly=True, help="Starlink's product description.")
    quantity = fields.Float(readonly=True, digits=(16, 4), help="The quantity billed (share).")
    unit_price = fields.Float(readonly=True, digits=(16, 4), help="Unit price before tax.")
    currency_id = fields.Many2one(
        "res.currency", readonly=True, required=True, help="The currency of Starlink's invoice."
    )
    tax_amount = fields.Monetary(readonly=True, help="Starlink's tax on the line (share).")
    subtotal = fields.Monetary(
        readonly=True, help="The line's total before tax, in Starlink's currency (share)."
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    amount_company = fields.Monetary(
        string="Cost",
        currency_field="company_currency_id",
        readonly=True,
        help="The subtotal in the company's currency, at the rate of the invoice date.",
    )
    period_start = fields.Date(readonly=True, help="First day of the service period billed.")
    period_end = fields.Date(readonly=True, help="Last day of the service period billed.")
    invoice_amount = fields.Float(
        readonly=True, help="The invoice's total in its summary when it was stored."
    )
    invoice_complete = fields.Boolean(
        readonly=True,
        help="Every line of the invoice was stored: it is not fetched again unless its "
        "total changes.",
    )

    _sql_constraints = [
        (
            "invoice_line_uniq",
            "unique(account_id, invoice_ref, line_index, share_index)",
            "One cost line per Starlink invoice line and service line.",
        ),
    ]

    # ------------------------------------------------------------------ sync

    @api.model
    def _cron_sync(self):
        """Scheduled action: the Starlink Costs stream of every synchronised account."""
        accounts = self.env["starlink.account"]._sync_accounts()
        left = 0
        for done, account in enumerate(accounts, 1):
            left += self._sync_account(account)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(accounts) - done)
        if left:
            self.env.ref(CRON_XMLID)._trigger()

    @api.model
    def _sync_account(self, account):
        """Run the Starlink Costs stream of ``account``; return the invoices left for a
        later run."""
        left = []
        account._run_stream("costs", partial(self._starlink_sync, account, left=left))
        return sum(left)

    @api.model
    def _starlink_sync(self, account, client, left=None):
        """Store Starlink's invoices of ``account``: one cost line per invoice line and
        service line, updated in place (never duplicated).

        An invoice stored completely with the same total is not fetched again; at most
        ``starlink_telemetry.cost_invoices_per_run`` details are fetched (the rest is added
        to ``left``). A failing invoice is reported and the others go on; lines naming an
        unknown service line are kept unlinked and reported. Returns ``(records, errors,
        message)``.
        """
        problems, summaries = [], []
        for raw in client.iter_invoices():
            try:
                summaries.append(parse_invoice_summary(raw))
            except BadEntry as error:
                problems.append(f"invoice summary: {error}")
        stored = self._stored_invoices(account)
        due = [s for s in summaries if not self._is_stored(stored.get(s.invoice_id), s)]
        budget = self._invoices_per_run()
        if left is not None:
            left.append(max(len(due) - budget, 0))
        lines = {
            line.service_line_number: line
            for line in self.env["starlink.service.line"].search([("account_id", "=", account.id)])
        }
        self._link_known_lines(account, lines)
        written = 0
        for summary in due[:budget]:
            try:
                invoice = parse_invoice(client.get_invoice(summary.invoice_id), summary)
                with self.env.cr.savepoint():
                    written += self._store_invoice(account, invoice, lines)
                    self.env.flush_all()
            except Exception as error:  # noqa: BLE001 - one bad invoice never stops the others
                if not isinstance(error, StarlinkError | BadEntry):
                    _logger.exception("Starlink invoice %s could not be stored", summary.invoice_id)
                problems.append(f"{summary.invoice_id}: {error_text(error)}")
                continue
            problems += invoice.skipped
        problems += self._unknown_line_notes(account)
        if len(due) > budget:
            problems.append(self.env._("%s invoices left for the next run", len(due) - budget))
        if problems:
            _logger.warning(
                "Starlink costs of %s: %d problems (%s)",
                account.display_name, len(problems), "; ".join(problems[:3]),
            )  # fmt: skip
        return written, len(problems), "; ".join(problems[:5])

    @api.model
    def _invoices_per_run(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("starlink_telemetry.cost_invoices_per_run", INVOICES_PER_RUN)
        )
        return max(int(value), 1)

    @api.model
    def _stored_invoices(self, account):
        """``{invoice_ref: (complete, smallest total, largest total)}`` of ``account``."""
        groups = self._read_group(
            [("account_id", "=", account.id)],
            ["invoice_ref"],
            ["invoice_complete:bool_and", "invoice_amount:min", "invoice_amount:max"],
        )
        return {ref: (complete, low, high) for ref, complete, low, high in groups}

    @api.model
    def _is_stored(self, stored, summary):
        """The invoice of ``summary`` is stored completely, with the same total."""
        if not stored:
            return False
        complete, low, high = stored
        return bool(
            complete
            and float_compare(low, summary.amount, precision_digits=2) == 0
            and float_compare(high, summary.amount, precision_digits=2) == 0
        )

    @api.model
    def _store_invoice(self, account, invoice, lines):
        """Create or update the cost lines of one parsed invoice (``lib.invoices``); drop
        the lines it no longer has. Returns the number of lines written."""
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", invoice.currency)], limit=1)
        )
        if not currency:
            raise BadEntry(f"unknown currency {invoice.currency}")
        company = account.company_id
        existing = {
            (line.line_index, line.share_index): line
            for line in self.search(
                [("account_id", "=", account.id), ("invoice_ref", "=", invoice.invoice_id)]
            )
        }
        to_create = []
        for cost in invoice.lines:
            service_line = lines.get(cost.service_line_number) if cost.service_line_number else None
            values = {
                "invoice_date": invoice.invoice_date,
                "service_line_number": cost.service_line_number,
                "service_line_id": service_line.id if service_line else False,
                "product_reference": cost.product_reference,
                "description": cost.description,
                "quantity": cost.quantity,
                "unit_price": cost.unit_price,
                "currency_id": currency.id,
                "tax_amount": cost.tax_amount,
                "subtotal": cost.subtotal,
                "amount_company": currency._convert(
                    cost.subtotal, company.currency_id, company, invoice.invoice_date
                ),
                "period_start": cost.period_start,
                "period_end": cost.period_end,
                "invoice_amount": invoice.amount,
                "invoice_complete": invoice.complete,
            }
            record = existing.pop((cost.line_index, cost.share_index), None)
            if record:
                record.write(values)
            else:
                to_create.append(
                    dict(
                        values,
                        account_id=account.id,
                        invoice_ref=invoice.invoice_id,
                        line_index=cost.line_index,
                        share_index=cost.share_index,
                    )
                )
        self.create(to_create)
        for record in existing.values():
            record.unlink()
        return len(invoice.lines)

    @api.model
    def _link_known_lines(self, account, lines):
        """Link the cost lines stored while their service line was unknown, now known."""
        unlinked = self.search(
            [
                ("account_id", "=", account.id),
                ("service_line_id", "=", False),
                ("service_line_number", "in", list(lines)),
            ]
        )
        by_number = defaultdict(lambda: self.browse())
        for record in unlinked:
            by_number[record.service_line_number] |= record
        for number, records in by_number.items():
            records.service_line_id = lines[number]

    @api.model
    def _unknown_line_notes(self, account):
        """One note naming the service lines Starlink bills that Odoo does not know."""
        groups = self._read_group(
            [
                ("account_id", "=", account.id),
                ("service_line_id", "=", False),
                ("service_line_number", "!=", False),
            ],
            ["service_line_number"],
            ["__count"],
        )
        if not groups:
            return []
        numbers = sorted(number for number, _count in groups)
        shown = ", ".join(numbers[:5]) + (", ..." if len(numbers) > 5 else "")
        return [
            self.env._(
                "%(count)s cost lines name service lines unknown in Odoo (%(numbers)s): kept "
                "unlinked",
                count=sum(count for _number, count in groups),
                numbers=shown,
            )
        ]
