import logging
from datetime import timedelta

import pandas as pd

from odoo import api, models

from ..lib.anomaly import detect_anomalies
from ..lib.forecast import pivot_usage

_logger = logging.getLogger(__name__)


class StarlinkUsageDaily(models.Model):
    _inherit = "starlink.usage.daily"

    @api.model
    def _starlink_sync(self, account, batch):
        """Upsert the daily rows of a parsed usage batch (``lib.usage.UsageBatch``).

        Rows of unknown service lines are skipped and counted with the parser's own skipped
        entries. Returns ``(records, errors, message)``.
        """
        lines = {
            line.service_line_number: line.id
            for line in self.env["starlink.service.line"].search([("account_id", "=", account.id)])
        }
        rows, unknown = [], set()
        for day in batch.daily:
            line_id = lines.get(day.service_line_number)
            if line_id is None:
                unknown.add(day.service_line_number)
                continue
            rows.append((line_id, day.date, *day[2:]))
        written = self._upsert(rows)
        reasons = [f"{s.service_line_number}: {s.reason}" for s in batch.skipped]
        reasons += [f"{number}: unknown service line" for number in sorted(unknown)]
        if reasons:
            _logger.warning(
                "Starlink usage of %s: %d entries skipped (%s)",
                account.display_name,
                len(reasons),
                "; ".join(reasons[:3]),
            )
        return written, len(reasons), "; ".join(reasons[:5])

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
            """SELECT service_line_id, date, billable_gb FROM starlink_usage_daily
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
