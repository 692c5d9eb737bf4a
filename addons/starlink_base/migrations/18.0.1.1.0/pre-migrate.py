"""18.0.1.1.0: daily usage counts as Starlink does (opt-in priority is part of priority).

``billable_gb`` (priority + opt-in priority + standard) becomes ``counted_gb`` (what counts
against the plan's limit): the column is renamed here so that the update does not compute it
row by row, and its values are recomputed in SQL after the update (post-migrate).
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    if column_exists(cr, "starlink_usage_daily", "billable_gb") and not column_exists(
        cr, "starlink_usage_daily", "counted_gb"
    ):
        cr.execute(SQL("ALTER TABLE starlink_usage_daily RENAME COLUMN billable_gb TO counted_gb"))
