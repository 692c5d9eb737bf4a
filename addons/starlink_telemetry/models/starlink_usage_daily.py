import logging

from odoo import api, models

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
