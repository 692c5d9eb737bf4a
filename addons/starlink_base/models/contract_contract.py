import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module
from odoo.osv import expression
from odoo.tools import SQL

from ..lib.billing_cycle import cycle_bounds

_logger = logging.getLogger(__name__)

# Contracts invoiced between two commits of the scheduled invoicing.
INVOICE_BATCH_SIZE = 50
# Periods a contract catches up in one run (billing started late, or the run was missed).
MAX_PERIODS_PER_RUN = 12


class ContractContract(models.Model):
    """Customer contracts; a Starlink contract bills a client's service lines (one per client
    and company), each service line on its own contract line with its own billing cycle."""

    _inherit = "contract.contract"

    is_starlink_contract = fields.Boolean(
        string="Starlink Contract",
        readonly=True,
        copy=False,
        index=True,
        help="Bills the client's Starlink service lines: created by Start Billing.",
    )
    starlink_billing_error = fields.Text(
        string="Billing Error",
        readonly=True,
        copy=False,
        help="Why the last scheduled invoicing of this contract failed; cleared by the next "
        "invoicing that succeeds.",
    )

    # ------------------------------------------------------------------ business methods

    @api.model
    def _starlink_contract_for(self, partner, company):
        """The Starlink contract of ``partner``'s commercial entity in ``company``, created on
        first use."""
        partner = partner.commercial_partner_id
        contract = self.search(
            [
                ("is_starlink_contract", "=", True),
                ("contract_type", "=", "sale"),
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
            ],
            limit=1,
        )
        return contract or self.create(self._prepare_starlink_contract_values(partner, company))

    @api.model
    def _prepare_starlink_contract_values(self, partner, company):
        partner_in_company = partner.with_company(company)
        fiscal_position = (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(partner_in_company)
        )
        return {
            "name": self.env._("Starlink: %s", partner.name),
            "is_starlink_contract": True,
            "contract_type": "sale",
            "line_recurrence": True,
            "partner_id": partner.id,
            "invoice_partner_id": partner.address_get(["invoice"])["invoice"],
            "company_id": company.id,
            "pricelist_id": partner_in_company.property_product_pricelist.id,
            "fiscal_position_id": fiscal_position.id,
            "payment_term_id": partner_in_company.property_payment_term_id.id,
        }

    def _prepare_recurring_invoices_values(self, date_ref=False):
        """OCA's invoice values, with the overage of each Starlink line's previous cycle right
        after its plan fee (computed before the periods move on, from usage read at once for
        all the contracts)."""
        until = {}
        for contract in self:
            contract_date_ref = date_ref or contract.recurring_next_date
            if contract_date_ref:
                due = contract._get_lines_to_invoice(contract_date_ref)
                for line in due.filtered(lambda line: line._is_starlink_plan_line()):
                    until[line] = line.next_period_date_start - timedelta(days=1)
        inputs = self._starlink_overage_inputs(
            [
                (line.starlink_service_line_id, *period)
                for line, day in until.items()
                for period in line._starlink_overage_periods(day)
            ]
        )
        overage = {}
        for line, day in until.items():
            overage[line.id] = line._prepare_starlink_overage_lines_values(day, inputs)
            if day >= line.date_start:
                line.starlink_overage_date = day
        invoices_values = super()._prepare_recurring_invoices_values(date_ref)
        for invoice_values in invoices_values:
            commands = []
            for command in invoice_values["invoice_line_ids"]:
                commands.append(command)
                line_id = command[2].get("contract_line_id")
                commands.extend(Command.create(values) for values in overage.get(line_id, []))
            invoice_values["invoice_line_ids"] = commands
        return invoices_values

    @api.model
    def _starlink_overage_inputs(self, periods):
        """The usage sums and top-ups the overage of ``periods`` (``(service line, first,
        last)``, each within one cycle) is computed from, in two queries: ``{"usage":
        {(line id, first, last): (priority, opt-in, counted)}, "topups": {(line id, cycle
        start): GB}}``."""
        periods = [(service_line.id, first, last) for service_line, first, last in periods]
        inputs = {"usage": {}, "topups": defaultdict(float)}
        if not periods:
            return inputs
        self.env["starlink.usage.daily"].flush_model(
            ["service_line_id", "date", "priority_gb", "opt_in_priority_gb", "counted_gb"]
        )
        # LATERAL: an index range scan per period, whatever the size of the usage history
        self.env.cr.execute(
            SQL(
                """
                SELECT p.line_id, p.first, p.last, s.priority, s.opt_in, s.counted
                  FROM (VALUES %s) AS p(line_id, first, last)
                 CROSS JOIN LATERAL (
                       SELECT sum(u.priority_gb) AS priority,
                              sum(u.opt_in_priority_gb) AS opt_in, sum(u.counted_gb) AS counted
                         FROM starlink_usage_daily u
                        WHERE u.service_line_id = p.line_id AND u.date BETWEEN p.first AND p.last
                       ) AS s
                """,
                SQL(", ").join(SQL("(%s, %s::date, %s::date)", *period) for period in periods),
            )
        )
        for line_id, first, last, *sums in self.env.cr.fetchall():
            inputs["usage"][line_id, first, last] = tuple(value or 0.0 for value in sums)
        topups = self.env["contract.line"].search(
            [
                ("starlink_service_line_id", "in", list({p[0] for p in periods})),
                ("starlink_one_off", "=", True),
                ("date_start", ">=", min(p[1] for p in periods) - timedelta(days=31)),
            ]
        )
        for topup in topups:
            service_line = topup.starlink_service_line_id
            start = cycle_bounds(service_line.billing_day, topup.date_start)[0]
            inputs["topups"][service_line.id, start] += topup.starlink_topup_gb
        return inputs

    @api.model
    def _cron_recurring_create(self, date_ref=False, create_type="invoice"):
        """OCA's scheduled invoicing, made to survive a failing contract: contracts are
        invoiced by batches (one ``account.move.create`` per batch) in a savepoint; a failing
        batch is invoiced again contract by contract, each in its own savepoint, and the
        failure is logged and recorded on the contract (and on the service lines it was
        billing), the others go on. A commit follows each batch (never inside tests). Each
        company is invoiced on its own day (``res.company._starlink_today``)."""
        if create_type != "invoice":
            return super()._cron_recurring_create(date_ref, create_type)
        for company in self.env["res.company"].search([]):
            # each company is invoiced on its own day (its time zone), as its lines count it
            self.with_company(company)._cron_recurring_create_company(
                date_ref or company._starlink_today()
            )
        return True

    @api.model
    def _cron_recurring_create_company(self, date_ref):
        """``_cron_recurring_create`` of the contracts of the current company."""
        company = self.env.company
        domain = expression.AND(
            [
                self._get_contracts_to_invoice_domain(date_ref),
                [("generation_type", "=", "invoice"), ("company_id", "=", company.id)],
            ]
        )
        contracts = self.search(domain).filtered(
            lambda contract: not contract.date_end
            or contract.recurring_next_date <= contract.date_end
        )
        for start in range(0, len(contracts), INVOICE_BATCH_SIZE):
            contracts[start : start + INVOICE_BATCH_SIZE]._invoice_batch(date_ref)
            self._commit_batch()
        ended = self._get_starlink_final_overage_lines(date_ref).filtered(
            lambda line: line.contract_id.company_id == company
        )
        contracts = ended.contract_id
        for start in range(0, len(contracts), INVOICE_BATCH_SIZE):
            for contract in contracts[start : start + INVOICE_BATCH_SIZE]:
                lines = ended.filtered(lambda line, contract=contract: line.contract_id == contract)
                contract._invoice_in_savepoint(date_ref, lines)
            self._commit_batch()

    @api.model
    def _get_starlink_final_overage_lines(self, date_ref):
        """Starlink contract lines whose last period is invoiced, ended before ``date_ref``,
        with the overage of their last days not billed yet."""
        lines = self.env["contract.line"].search(
            [
                ("starlink_overage_due", "=", True),
                ("date_end", "<", date_ref),
                ("recurring_next_date", "=", False),
            ]
        )
        return lines.filtered(lambda line: line.last_date_invoiced == line.date_end)

    def _invoice_final_overage(self, lines, date_ref):
        """One invoice of the overage of ended ``lines`` up to their end dates (none when they
        had no overage); their overage is marked billed either way."""
        self.ensure_one()
        values_list = []
        for line in lines:
            values_list += line._prepare_starlink_overage_lines_values(line.date_end)
            line.starlink_overage_date = line.date_end
        if not values_list:
            return self.env["account.move"]
        invoice_values = self._prepare_invoice(date_ref)
        invoice_values["invoice_line_ids"] = [Command.create(values) for values in values_list]
        moves = self.env["account.move"].create(invoice_values)
        self._add_contract_origin(moves)
        self._invoice_followers(moves)
        return moves

    def _recurring_create_invoice_due(self, date_ref):
        """Invoice every period due by ``date_ref``, one invoice per contract and period (OCA
        invoices one period per run): a line whose billing started late catches up at once."""
        moves = self.env["account.move"]
        due = self
        for _period in range(MAX_PERIODS_PER_RUN):
            moves |= due._recurring_create_invoice(date_ref)
            due = due.filtered(
                lambda contract: contract.recurring_next_date
                and contract.recurring_next_date <= date_ref
            )
            if not due:
                break
        return moves

    def _invoice_batch(self, date_ref):
        """Invoice these contracts together; when that fails, one by one (see
        ``_invoice_in_savepoint``)."""
        if len(self) > 1:
            try:
                with self.env.cr.savepoint():
                    self._recurring_create_invoice_due(date_ref)
                    self.filtered("starlink_billing_error").starlink_billing_error = False
                return
            except Exception:  # noqa: BLE001 - retried contract by contract below
                _logger.info("invoicing a batch failed: invoicing its contracts one by one")
        for contract in self:
            contract._invoice_in_savepoint(date_ref)

    def _invoice_in_savepoint(self, date_ref, final_lines=None):
        """Invoice this contract for ``date_ref`` (or the final overage of ``final_lines``);
        a failure is recorded, never raised."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                if final_lines:
                    self._invoice_final_overage(final_lines, date_ref)
                else:
                    self._recurring_create_invoice_due(date_ref)
                if self.starlink_billing_error:
                    self.starlink_billing_error = False
        except Exception as error:  # noqa: BLE001 - one bad contract never stops the others
            _logger.warning(
                "invoicing contract %s (id %s) failed: %s",
                self.display_name,
                self.id,
                _error_text(error),
            )
            try:
                with self.env.cr.savepoint():
                    self._invoicing_failed(date_ref, error, final_lines)
            except Exception:  # noqa: BLE001 - recording a failure must not stop the run
                _logger.exception("could not record the invoicing failure of %s", self.id)

    def _invoicing_failed(self, date_ref, error, final_lines=None):
        """Show a failed invoicing to accountants (on the contract) and to sales (a note on
        each service line due)."""
        self.ensure_one()
        text = _error_text(error)
        self.starlink_billing_error = text
        body = Markup("<p>%s</p><p>%s</p>") % (self.env._("Invoicing failed:"), text)
        self.message_post(body=body)
        due = final_lines or self._get_lines_to_invoice(date_ref)
        for service_line in due.starlink_service_line_id:
            service_line.message_post(body=body)

    @api.model
    def _commit_batch(self):
        """Commit the invoices of a batch, except inside tests (one transaction per test)."""
        if not odoo_module.current_test:
            self.env.cr.commit()


def _error_text(error):
    """A failure's reason as staff read it: a user error's message, else type and text."""
    if isinstance(error, UserError):
        return str(error.args[0]) if error.args else str(error)
    return f"{type(error).__name__}: {error}"
