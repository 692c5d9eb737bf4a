"""18.0.1.1.0: recompute the stored counted and total GB of every daily usage row; drop the
account's stored ``last_sync_*`` columns (the sync summary is computed from the per-stream
statuses by starlink_telemetry, its one source)."""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    count = env["starlink.usage.daily"]._recompute_usage_totals()
    _logger.info("Starlink usage: counted and total GB recomputed on %d rows", count)
    for column in ("last_sync_date", "last_sync_status", "last_sync_message"):
        cr.execute(
            SQL("ALTER TABLE starlink_account DROP COLUMN IF EXISTS %s", SQL.identifier(column))
        )
