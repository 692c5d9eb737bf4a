"""18.0.1.1.0: recompute the stored counted and total GB of every daily usage row."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    count = env["starlink.usage.daily"]._recompute_usage_totals()
    _logger.info("Starlink usage: counted and total GB recomputed on %d rows", count)
