"""Demo data builders: company settings, deterministic daily usage and the billing history of
the demo lines."""

import datetime
import random
import zlib

from odoo import api, fields, models

from ..lib.billing_cycle import cycle_bounds

# Share of a week's usage per weekday (Monday first): people are home at the weekend.
WEEKDAY_FACTORS = (0.88, 0.85, 0.87, 0.90, 1.00, 1.28, 1.22)
NON_BILLABLE_SHARE = 0.02


class StarlinkDemo(models.AbstractModel):
    """Methods called by the demo data (``<function model="starlink.demo" .../>``)."""

    _name = "starlink.demo"
    _description = "Starlink Demo Data"

    @api.model
    def _demo_skip_company_enrichment(self):
        """Mark the (fictitious) companies of the demo database as already enriched.

        Odoo's ``partner_autocomplete`` (auto-installed with ``iap_mail``) otherwise asks the
        IAP service about their e-mail domain when an administrator first opens the web
        client, and logs an error when that service cannot be reached.
        """
        companies = self.env["res.company"].search([])
        if "iap_enrich_auto_done" in companies._fields:
            companies.write({"iap_enrich_auto_done": True})

    @api.model
    def _demo_generate_usage(self, ratios=None, days=90):
        """Write ``days`` days of plausible daily usage, up to yesterday, for the demo lines.

        ``ratios`` maps a service line id to the share of its plan's data limit it uses in a
        full billing cycle (e.g. 1.3 runs 30 % over the limit); other lines get a ratio drawn
        from their service line number. Active lines get usage up to yesterday (Starlink
        reports with a day of lag), suspended lines up to ten days ago; draft and cancelled
        lines get none. Figures are pseudo-random but deterministic for a given line and day,
        with a weekly pattern and a slow trend. Data past the plan's limit in a cycle is
        counted as opt-in priority data (overage). Returns the number of rows written.
        """
        ratios = {int(line_id): ratio for line_id, ratio in (ratios or {}).items()}
        today = fields.Date.context_today(self)
        first_day = today - datetime.timedelta(days=days)
        rows = []
        lines = self.env["starlink.service.line"].search([("state", "in", ("active", "suspended"))])
        for line in lines:
            seed = zlib.crc32((line.service_line_number or str(line.id)).encode())
            rng = random.Random(seed)
            ratio = ratios.get(line.id) or rng.uniform(0.35, 0.75)
            limit = line.data_limit_gb or 1000.0
            daily = ratio * limit * 12 / 365
            last_day = today - datetime.timedelta(days=10 if line.state == "suspended" else 1)
            day = max(first_day, line.date_start or first_day)
            cycle_start, cycle_used = None, 0.0
            while day <= last_day:
                start, _end = cycle_bounds(line.billing_day, day)
                if start != cycle_start:
                    cycle_start, cycle_used = start, 0.0
                rng = random.Random(seed * 100003 + day.toordinal())
                trend = 0.9 + 0.2 * (day - first_day).days / days
                gb = daily * WEEKDAY_FACTORS[day.weekday()] * trend * rng.uniform(0.75, 1.25)
                if rng.random() < 0.03:  # an outage or a trip away: a quiet day
                    gb *= rng.uniform(0.05, 0.3)
                priority = min(gb, max(limit - cycle_used, 0.0))
                overage = gb - priority
                cycle_used += gb
                rows.append(
                    (
                        line.id,
                        day.isoformat(),
                        round(priority + overage, 3),  # opt-in priority is part of priority
                        round(overage, 3),
                        0.0,
                        round(gb * NON_BILLABLE_SHARE * rng.uniform(0.5, 1.5), 3),
                    )
                )
                day += datetime.timedelta(days=1)
        return self.env["starlink.usage.daily"]._upsert(rows)

    @api.model
    def _demo_billing(self, cycles=2, overdue_client_id=None):
        """Bill the active demo lines for their last ``cycles`` billing cycles and this one.

        Each line goes on its client's contract (Start Billing) from the start of the cycle
        ``cycles`` back, as if the reseller had moved it onto Odoo's billing then; every period
        since is invoiced (plan fee in advance, the overage of the cycle before in arrears).
        Invoices older than a week are posted and paid, except the oldest one of
        ``overdue_client_id`` (a client who does not pay, for the non-payment demo); the last
        week's stay drafts for the accountants. Returns the invoices.
        """
        # Odoo gives a new company its chart of accounts at commit: the demo's companies
        # need theirs now.
        self.env.cr.precommit.run()
        today = fields.Date.context_today(self)
        lines = self.env["starlink.service.line"].search(
            [("state", "=", "active"), ("contract_line_id", "=", False)]
        )
        for line in lines:
            line.with_company(line.company_id).action_start_billing()
            start = cycle_bounds(line.billing_day, today)[0]
            for _cycle in range(cycles):
                start = cycle_bounds(line.billing_day, start - datetime.timedelta(days=1))[0]
            start = max(start, line.date_start)
            line.contract_line_id.write({"date_start": start, "recurring_next_date": start})
        contracts = lines.contract_line_id.contract_id
        day = min(lines.contract_line_id.mapped("date_start"), default=today)
        while day <= today:  # each period invoiced on its own day
            due = contracts.filtered(
                lambda c, day=day: c.recurring_next_date and c.recurring_next_date <= day
            )
            for company in due.company_id:
                of_company = due.filtered(lambda c, company=company: c.company_id == company)
                of_company.with_company(company)._recurring_create_invoice_due(day)
            day += datetime.timedelta(days=1)
        invoices = (
            self.env["account.move"]
            .search([("invoice_line_ids.contract_line_id.contract_id", "in", contracts.ids)])
            .sorted("invoice_date")
        )
        week_ago = today - datetime.timedelta(days=7)
        to_post = invoices.filtered(lambda move: move.invoice_date <= week_ago)
        unpaid = to_post.filtered(
            lambda move: move.partner_id.commercial_partner_id.id == overdue_client_id
        )[:1]
        for company in to_post.company_id:
            of_company = to_post.filtered(lambda m, company=company: m.company_id == company)
            for move in of_company:  # due on its own date, as if invoiced on that day
                move.invoice_date_due = move.invoice_date
            of_company.with_company(company).action_post()
            to_pay = of_company - unpaid
            if to_pay:
                self.env["account.payment.register"].with_company(company).with_context(
                    active_model="account.move", active_ids=to_pay.ids
                ).create({"group_payment": False})._create_payments()
        return invoices
