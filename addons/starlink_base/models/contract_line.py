from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.billing import (
    format_gb,
    overage_quantity,
    period_end,
    period_label,
    prorated_price,
)
from ..lib.billing_cycle import cycle_bounds


class ContractLine(models.Model):
    """A contract line that bills a Starlink service line, cycle by cycle.

    Its periods follow the service line's billing cycles (``lib/billing_cycle.py``) instead
    of OCA ``contract``'s calendar months: the first period runs from the line's start to the
    end of its first cycle, the last one to the line's end date, both prorated by days. With
    each period (billed in advance) comes the overage of the cycle before it (in arrears);
    the overage of a cancelled line's last days comes on an invoice of its own after its end.

    Decisions: a suspended line is still billed (Starlink keeps billing the reseller for it);
    a cancelled line whose period was invoiced in advance keeps that invoice (a credit note is
    the accountant's call); plan upgrades and one-off charges (data top-ups) are extra
    contract lines of the same service line, billed once; invoices are created as drafts for
    the accountants to post.
    """

    _inherit = "contract.line"

    starlink_service_line_id = fields.Many2one(
        "starlink.service.line",
        string="Service Line",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
        copy=False,
        help="The Starlink service line this contract line bills.",
    )
    starlink_upgrade_from_id = fields.Many2one(
        "product.product",
        string="Upgraded From",
        readonly=True,
        copy=False,
        help="Set on a line that bills a plan upgrade for the rest of an invoiced period: the "
        "plan upgraded from (the line's price is the difference, prorated by days).",
    )
    starlink_one_off = fields.Boolean(
        string="One-off Charge",
        readonly=True,
        copy=False,
        help="A charge billed once on its day at its full price (e.g. a data top-up).",
    )
    starlink_topup_gb = fields.Float(
        string="Top-up (GB)",
        readonly=True,
        copy=False,
        help="Data a top-up adds to the plan's limit in the cycle of its day.",
    )
    starlink_previous_plan_id = fields.Many2one(
        "product.product",
        string="Previous Plan",
        readonly=True,
        copy=False,
        help="The plan before the last plan change, in force until the day before "
        "'Plan Since' (its limit and overage price apply to the cycles before).",
    )
    starlink_plan_since = fields.Date(
        string="Plan Since",
        readonly=True,
        copy=False,
        help="Day the current plan took effect (an upgrade at once, a downgrade at the "
        "next cycle).",
    )
    starlink_overage_date = fields.Date(
        string="Overage Billed To",
        readonly=True,
        copy=False,
        help="Last day whose overage is invoiced (the overage is billed in arrears).",
    )
    starlink_overage_due = fields.Boolean(
        compute="_compute_starlink_overage_due",
        store=True,
        index=True,
        help="The line has ended and the overage of its last days is not invoiced yet.",
    )

    # ------------------------------------------------------------------ computes

    @api.depends(
        "starlink_service_line_id",
        "starlink_upgrade_from_id",
        "starlink_one_off",
        "date_end",
        "starlink_overage_date",
    )
    def _compute_starlink_overage_due(self):
        for line in self:
            line.starlink_overage_due = bool(
                line._is_starlink_plan_line()
                and line.date_end
                and (not line.starlink_overage_date or line.starlink_overage_date < line.date_end)
            )

    def _compute_next_period_date_end(self):
        starlink = self.filtered("starlink_service_line_id")
        super(ContractLine, self - starlink)._compute_next_period_date_end()
        for line in starlink:
            start = line.next_period_date_start
            line.next_period_date_end = start and period_end(
                line.starlink_service_line_id.billing_day, start, line.date_end
            )

    # ------------------------------------------------------------------ invoicing

    def _prepare_invoice_line(self):
        if not self.starlink_service_line_id:
            return super()._prepare_invoice_line()
        self.ensure_one()
        service_line = self.starlink_service_line_id
        first, last = self.next_period_date_start, self.next_period_date_end
        price = self._starlink_plan_price()
        values = super()._prepare_invoice_line()
        if self.starlink_one_off:
            amount = price
        else:
            amount = prorated_price(price, service_line.billing_day, first, last)
        what = self.product_id.name
        if self.starlink_upgrade_from_id:
            what = self.env._(
                "upgrade %(old)s \u2192 %(new)s", old=self.starlink_upgrade_from_id.name, new=what
            )
        values.update(
            {
                "name": self._starlink_line_name(what, first, last),
                "quantity": 1.0,
                "price_unit": self.currency_id.round(amount) if self.currency_id else amount,
            }
        )
        return values

    def _insert_markers(self, first_date_invoiced, last_date_invoiced):
        """No markers in a Starlink line's name (OCA's would look up a language per line)."""
        if self.starlink_service_line_id:
            return self.name
        return super()._insert_markers(first_date_invoiced, last_date_invoiced)

    def _starlink_overage_periods(self, until):
        """``(first, last)`` of each cycle (or part of one) up to ``until`` whose overage is
        not billed yet: after ``starlink_overage_date`` (from the line's start before any)."""
        self.ensure_one()
        billing_day = self.starlink_service_line_id.billing_day
        if self.starlink_overage_date:
            first = self.starlink_overage_date + timedelta(days=1)
        else:
            first = self.date_start
        periods = []
        while first and first <= until:
            last = min(cycle_bounds(billing_day, first)[1], until)
            periods.append((first, last))
            first = last + timedelta(days=1)
        return periods

    def _prepare_starlink_overage_lines_values(self, until, inputs=None):
        """Invoice line values of the overage of the days up to ``until`` not billed yet (in
        arrears): one line per billing cycle with overage, none for a cycle without.

        The days already billed end on ``starlink_overage_date`` (the caller moves it to
        ``until``); before the first period nothing is due. ``inputs``: what the contracts'
        ``_starlink_overage_inputs`` read for many lines at once (else read per cycle).
        """
        self.ensure_one()
        periods = self._starlink_overage_periods(until)
        values_list = []
        for first, last in periods:
            values = self._prepare_starlink_overage_line_values(first, last, inputs)
            if values:
                values_list.append(values)
        return values_list

    def _prepare_starlink_overage_line_values(self, first, last, inputs=None):
        """Invoice line values of the overage of ``first``-``last`` (within one cycle), or
        ``{}``: from the daily usage by the plan's limit basis, at the plan's overage price
        (``inputs``: see ``_prepare_starlink_overage_lines_values``)."""
        self.ensure_one()
        service_line = self.starlink_service_line_id
        plan = self._starlink_plan_on(last)
        if not plan.starlink_data_limit_gb:
            return {}
        cycle_start = cycle_bounds(service_line.billing_day, first)[0]
        if inputs is None:
            Contract = self.env["contract.contract"]
            inputs = Contract._starlink_overage_inputs([(service_line, first, last)])
        limit = plan.starlink_data_limit_gb + inputs["topups"][service_line.id, cycle_start]
        usage = inputs["usage"].get((service_line.id, first, last), (0.0, 0.0, 0.0))
        priority, opt_in, counted = usage
        quantity = overage_quantity(plan.starlink_limit_basis, limit, priority, opt_in, counted)
        if not quantity:
            return {}
        label = self.env._(
            "overage %(gb)s GB beyond %(limit)s GB",
            gb=format_gb(quantity, 1),
            limit=format_gb(limit),
        )
        return {
            "name": self._starlink_line_name(label, first, last),
            "product_id": plan.id,
            "product_uom_id": self.uom_id.id,
            "quantity": quantity,
            "price_unit": plan.starlink_overage_price_gb,
            "discount": 0.0,
            "contract_line_id": self.id,
            "analytic_distribution": self.analytic_distribution,
            "sequence": self.sequence,
        }

    def _starlink_plan_on(self, day):
        """The plan in force on ``day``: the previous one before the last change took effect."""
        self.ensure_one()
        if (
            self.starlink_previous_plan_id
            and self.starlink_plan_since
            and day < self.starlink_plan_since
        ):
            return self.starlink_previous_plan_id
        return self.product_id

    def _is_starlink_plan_line(self):
        """Bills a service line's plan cycle by cycle (not an upgrade difference or a
        one-off charge): the line its overage is billed with."""
        self.ensure_one()
        return bool(
            self.starlink_service_line_id
            and not self.starlink_upgrade_from_id
            and not self.starlink_one_off
        )

    def _starlink_line_name(self, what, first, last):
        """``SL-...: <what>, 06/05–05/06`` in the client's date format."""
        lang = self.env["res.lang"]._get_data(code=self.contract_id.partner_id.lang or "en_US")
        label = period_label(first, last, lang.date_format or "%m/%d/%Y")
        return f"{self.starlink_service_line_id.service_line_number}: {what}, {label}"

    def _starlink_plan_price(self):
        """The plan's price for this contract (its pricelist); a plan without one is refused."""
        self.ensure_one()
        if self.price_unit <= 0:
            raise UserError(
                self.env._(
                    "The plan %(plan)s of %(line)s has no sale price: set its price (or a "
                    "pricelist rule) before billing it.",
                    plan=self.product_id.display_name,
                    line=self.starlink_service_line_id.display_name,
                )
            )
        return self.price_unit

    @api.model
    def _prepare_starlink_values(self, service_line, contract):
        """Values of the contract line that bills ``service_line`` on ``contract``."""
        return {
            "contract_id": contract.id,
            "starlink_service_line_id": service_line.id,
            "product_id": service_line.product_id.id,
            "name": f"{service_line.service_line_number}: {service_line.product_id.name}",
            "quantity": 1.0,
            "uom_id": service_line.product_id.uom_id.id,
            "automatic_price": True,
            "recurring_rule_type": "monthly",
            "recurring_interval": 1,
            "recurring_invoicing_type": "pre-paid",
            "date_start": service_line.date_start,
            "date_end": service_line.date_end,
        }

    # ------------------------------------------------------------------ start and end

    @api.model
    def _starlink_start_billing(self, service_lines):
        """Put each service line on its client's Starlink contract (created on demand).

        Every line is checked first: one that cannot be billed raises with the reason and
        nothing is created. The contract objects are written as the superuser: starting the
        billing of a line is a sales step (the caller may edit the line), while contracts
        belong to accounting.
        """
        problems = [
            problem for line in service_lines for problem in self._starlink_billing_problems(line)
        ]
        if problems:
            raise UserError("\n".join(problems))
        Contract = self.env["contract.contract"].sudo()
        for service_line in service_lines:
            contract = Contract._starlink_contract_for(
                service_line.partner_id, service_line.company_id
            )
            contract_line = self.sudo().create(
                self._prepare_starlink_values(service_line, contract)
            )
            service_line.contract_line_id = contract_line
            service_line.message_post(
                body=self.env._("Billing started on contract %s.", contract.display_name)
            )

    @api.model
    def _starlink_billing_problems(self, service_line):
        """Why ``service_line`` cannot be billed (a list of sentences, empty when it can)."""
        name = service_line.display_name
        if service_line.contract_line_id:
            return [self.env._("%s is billed already.", name)]
        if service_line.state != "active":
            return [self.env._("%s is not active: only active lines are billed.", name)]
        problems = []
        if not service_line.partner_id:
            problems.append(self.env._("%s has no client.", name))
        if not service_line.date_start:
            problems.append(self.env._("%s has no start date.", name))
        if not 1 <= (service_line.billing_day or 0) <= 31:
            problems.append(self.env._("%s has no billing day (1-31).", name))
        plan = service_line.product_id
        if not plan:
            problems.append(self.env._("%s has no plan.", name))
        if problems:
            return problems
        company = service_line.company_id
        client = service_line.partner_id.commercial_partner_id.with_company(company)
        pricelist = client.property_product_pricelist
        price = pricelist._get_product_price(plan, 1.0) if pricelist else plan.lst_price
        if price <= 0:
            problems.append(
                self.env._(
                    "The plan %(plan)s of %(line)s has no sale price: set its price (or a "
                    "pricelist rule) before billing it.",
                    plan=plan.display_name,
                    line=name,
                )
            )
        invoice_address = client.browse(client.address_get(["invoice"])["invoice"])
        if not invoice_address.country_id:
            problems.append(
                self.env._(
                    "The client %s has no invoice address (country): Odoo needs it to choose "
                    "the fiscal position and taxes.",
                    client.display_name,
                )
            )
        journal = (
            self.env["account.journal"]
            .sudo()
            .search(
                [
                    *self.env["account.journal"]._check_company_domain(company),
                    ("type", "=", "sale"),
                ],
                limit=1,
            )
        )
        if not journal:
            problems.append(
                self.env._("The company %s has no sales journal to invoice in.", company.name)
            )
        return problems

    @api.model
    def _starlink_end_billing(self, service_lines):
        """Stop billing cancelled lines at their end date (the last period prorated).

        A period already invoiced in advance past the end date stays invoiced: the contract
        line ends with it and a note says so (a credit note is the accountant's decision).
        """
        for service_line in service_lines:
            contract_line = service_line.contract_line_id.sudo()
            end = service_line.date_end
            if contract_line.last_date_invoiced and contract_line.last_date_invoiced > end:
                end = contract_line.last_date_invoiced
                service_line.message_post(
                    body=self.env._(
                        "Billing ends on %(end)s: the period up to that day was invoiced in "
                        "advance before the line was cancelled on %(date)s.",
                        end=end,
                        date=service_line.date_end,
                    )
                )
            contract_line.date_end = end

    @api.model
    def _starlink_change_plan(self, service_line, new_plan, change_date):
        """Bill a plan change of ``service_line`` as Starlink does it.

        An upgrade (a dearer plan) applies at once: the rest of the period invoiced in advance
        (``change_date`` to its end) is billed at the price difference, prorated by days, on
        the next invoice; later periods at the new plan. A downgrade waits for the next cycle:
        the period invoiced already stays, later periods are billed at the new plan. The
        caller changes the service line's plan (at once for an upgrade, at the next cycle for
        a downgrade, as Starlink does).
        """
        main = service_line.contract_line_id.sudo()
        if not main:
            raise UserError(self.env._("%s is not billed yet.", service_line.display_name))
        old_price = main.price_unit
        pricelist = main.contract_id.pricelist_id
        new_price = pricelist._get_product_price(new_plan, 1.0) if pricelist else new_plan.lst_price
        if new_price <= 0:
            raise UserError(
                self.env._(
                    "The plan %(plan)s of %(line)s has no sale price: set its price (or a "
                    "pricelist rule) before billing it.",
                    plan=new_plan.display_name,
                    line=service_line.display_name,
                )
            )
        invoiced_to = main.last_date_invoiced
        upgrade = new_price > old_price
        if upgrade:
            since = change_date
        else:
            since = cycle_bounds(service_line.billing_day, change_date)[1] + timedelta(days=1)
        if upgrade and invoiced_to and invoiced_to >= change_date:
            start, end = cycle_bounds(service_line.billing_day, change_date)
            if invoiced_to != end:
                raise UserError(
                    self.env._(
                        "%(line)s is invoiced up to %(date)s: an upgrade is billed within the "
                        "current cycle (%(start)s - %(end)s) only.",
                        line=service_line.display_name,
                        date=invoiced_to,
                        start=start,
                        end=end,
                    )
                )
            values = self._prepare_starlink_values(service_line, main.contract_id)
            values.update(
                {
                    "product_id": new_plan.id,
                    "uom_id": new_plan.uom_id.id,
                    "name": f"{service_line.service_line_number}: {new_plan.name}",
                    "automatic_price": False,
                    "specific_price": new_price - old_price,
                    "starlink_upgrade_from_id": main.product_id.id,
                    "date_start": change_date,
                    "date_end": invoiced_to,
                }
            )
            self.sudo().create(values)
        main.write(
            {
                "starlink_previous_plan_id": main.product_id.id,
                "starlink_plan_since": since,
                "product_id": new_plan.id,
                "uom_id": new_plan.uom_id.id,
                "name": f"{service_line.service_line_number}: {new_plan.name}",
            }
        )

    @api.model
    def _starlink_add_one_off(self, service_line, product, price, charge_date, topup_gb=0.0):
        """Bill ``product`` once at ``price`` on the invoice of ``charge_date`` (or the next
        run after it), e.g. a data top-up whose ``topup_gb`` raise the plan's limit in that
        cycle. Returns the contract line."""
        main = service_line.contract_line_id.sudo()
        if not main:
            raise UserError(self.env._("%s is not billed yet.", service_line.display_name))
        if price <= 0:
            raise UserError(self.env._("A charge of %s needs a price.", product.display_name))
        values = self._prepare_starlink_values(service_line, main.contract_id)
        values.update(
            {
                "product_id": product.id,
                "uom_id": product.uom_id.id,
                "name": f"{service_line.service_line_number}: {product.name}",
                "automatic_price": False,
                "specific_price": price,
                "starlink_one_off": True,
                "starlink_topup_gb": topup_gb,
                "date_start": charge_date,
                "date_end": charge_date,
            }
        )
        return self.sudo().create(values)
