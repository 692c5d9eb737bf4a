import logging
from datetime import timedelta

import pandas as pd

from odoo import api, models
from odoo.addons.starlink_base.lib.billing_cycle import billing_day_of_cycle

from ..lib.anomaly import detect_anomalies
from ..lib.forecast import pivot_usage

_logger = logging.getLogger(__name__)


class StarlinkUsageDaily(models.Model):
    _inherit = "starlink.usage.daily"

    @api.model
    def _starlink_sync(self, account, batch):
        """Upsert the daily rows of a parsed usage batch (``lib.usage.UsageBatch``) and store
        its cycles with Starlink's overage lines (``starlink.overage.reconciliation``).

        Rows of unknown service lines are skipped and counted with the parser's own skipped
        entries. The plans' data limits follow the answer's ``servicePlan`` first (see
        :meth:`_starlink_apply_plans`). Returns ``(records, errors, message)``.
        """
        records = self.env["starlink.service.line"].search([("account_id", "=", account.id)])
        plan_notes = self._starlink_apply_plans(records, batch.plans)
        lines = {line.service_line_number: line.id for line in records}
        rows, unknown = [], set()
        for day in batch.daily:
            line_id = lines.get(day.service_line_number)
            if line_id is None:
                unknown.add(day.service_line_number)
                continue
            rows.append((line_id, day.date, *day[2:]))
        written = self._upsert(rows)
        self._starlink_apply_billing_days(records, batch.cycles)
        # Each cycle received, with Starlink's overage lines, next to the overage we count.
        unknown |= self.env["starlink.overage.reconciliation"]._starlink_sync(batch, lines)
        reasons = [f"{s.service_line_number}: {s.reason}" for s in batch.skipped]
        reasons += [f"{number}: unknown service line" for number in sorted(unknown)]
        reasons += plan_notes
        if reasons:
            _logger.warning(
                "Starlink usage of %s: %d entries skipped (%s)",
                account.display_name,
                len(reasons),
                "; ".join(reasons[:3]),
            )
        return written, len(reasons), "; ".join(reasons[:5])

    @api.model
    def _starlink_apply_billing_days(self, lines, cycles):
        """Each line's billing day follows its latest cycle in Starlink's answer (Starlink's
        cycles are the truth; the inventory gives no billing day)."""
        latest = {}
        for cycle in cycles:
            known = latest.get(cycle.service_line_number)
            if known is None or cycle.start_date > known.start_date:
                latest[cycle.service_line_number] = cycle
        for line in lines:
            cycle = latest.get(line.service_line_number)
            if cycle and cycle.start_date and cycle.end_date and cycle.end_date >= cycle.start_date:
                day = billing_day_of_cycle(cycle.start_date, cycle.end_date)
                if line.billing_day != day:
                    line.billing_day = day

    @api.model
    def _starlink_apply_plans(self, lines, plans):
        """Fill the plans' data limits (and lines without a plan) from ``servicePlan``.

        Every usage answer carries the line's plan (``productId``) and its included priority
        data (``usageLimitGB``): a plan's limit follows Starlink's, a line without a plan gets
        it. A limit of 0 (plans restricted by default) never erases a known limit. Returns the
        notes to report (unknown plans, lines that disagree on one plan's limit).
        """
        by_number = {line.service_line_number: line for line in lines}
        references = {plan.product_id for plan in plans if plan.product_id}
        products = {
            product.starlink_product_reference: product
            for product in self.env["product.product"].search(
                [
                    ("is_starlink_plan", "=", True),
                    ("starlink_product_reference", "in", list(references)),
                ]
            )
        }
        limits, notes = {}, []
        for plan in plans:
            product = products.get(plan.product_id)
            line = by_number.get(plan.service_line_number)
            if not product:
                notes.append(f"{plan.service_line_number}: unknown plan {plan.product_id}")
                continue
            if line and not line.product_id:
                line.product_id = product
            if plan.usage_limit_gb > 0:
                limits.setdefault(product, set()).add(plan.usage_limit_gb)
        for product, values in limits.items():
            if len(values) > 1:
                notes.append(
                    f"plan {product.starlink_product_reference}: lines report limits "
                    f"{', '.join(f'{value:g}' for value in sorted(values))} GB; the largest is kept"
                )
            limit = max(values)
            if product.starlink_data_limit_gb != limit:
                product.starlink_data_limit_gb = limit
        return notes

    @api.model
    def _usage_anomalies(self, lines, today, threshold=4.0, recent_days=3, history_days=90):
        """Days of the last ``recent_days`` far outside each line's normal usage.

        Returns tuples ``(line_id, date, value, z_score, median)``.
        """
        if not lines:
            return []
        self.env.flush_all()
        first = today - timedelta(days=history_days)
        self.env.cr.execute(
            """SELECT service_line_id, date, counted_gb FROM starlink_usage_daily
                WHERE service_line_id = ANY(%s) AND date >= %s AND date < %s""",
            (lines.ids, first, today),
        )
        frame = pd.DataFrame(self.env.cr.fetchall(), columns=["line_id", "date", "gb"])
        if frame.empty:
            return []
        usage = pivot_usage(
            frame, line_ids=lines.ids, first_day=first, last_day=today - timedelta(days=1)
        )
        found = detect_anomalies(
            usage, threshold=threshold, since=today - timedelta(days=recent_days)
        )
        return [
            (int(row.line_id), pd.Timestamp(row.date).date(), float(row.value), float(row.z),
             float(row.median))
            for row in found.itertuples()
        ]  # fmt: skip
