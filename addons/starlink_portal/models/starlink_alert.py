from odoo import api, fields, models
from odoo.tools import SQL

READ_TABLE = "starlink_alert_portal_read_rel"


class StarlinkAlert(models.Model):
    """Alerts read or unread by each portal user, the way mail keeps a message unread per
    person: each contact of a client has his own unread alerts."""

    _inherit = "starlink.alert"

    portal_read_user_ids = fields.Many2many(
        "res.users",
        READ_TABLE,
        "alert_id",
        "user_id",
        string="Read in the Portal By",
        copy=False,
        groups="base.group_user",
        help="The client's portal users who have read this alert.",
    )
    portal_suggested_plan_name = fields.Char(
        related="suggested_product_id.name",
        string="Suggested Plan Name",
        help="Name of the suggested plan, readable by the line's clients.",
    )
    portal_is_read = fields.Boolean(
        string="Read",
        compute="_compute_portal_is_read",
        search="_search_portal_is_read",
        help="Whether the current user has read this alert in the portal.",
    )

    @api.depends_context("uid")
    def _compute_portal_is_read(self):
        read = set(self._portal_read_ids(self.ids))
        for alert in self:
            alert.portal_is_read = alert.id in read

    def _search_portal_is_read(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(f"Unsupported search on portal_is_read: {operator} {value}")
        read_query = SQL(
            "(SELECT alert_id FROM %s WHERE user_id = %s)", SQL.identifier(READ_TABLE), self.env.uid
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", read_query)]

    def _portal_read_ids(self, ids):
        """The ids among ``ids`` the current user has read."""
        if not ids:
            return []
        self.env.cr.execute(
            SQL(
                "SELECT alert_id FROM %s WHERE user_id = %s AND alert_id = ANY(%s)",
                SQL.identifier(READ_TABLE),
                self.env.uid,
                list(ids),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _portal_mark_read(self, read=True):
        """Mark these alerts read (or unread) for the current user only.

        The caller checked the user may read them (the portal's alert domain); only the
        user's own row of the read table is written, so the alert itself (and its write date,
        and the notification cron working on it) is left alone.
        """
        if not self:
            return
        table = SQL.identifier(READ_TABLE)
        if read:
            query = SQL(
                "INSERT INTO %s (alert_id, user_id) SELECT unnest(%s::int[]), %s "
                "ON CONFLICT DO NOTHING",
                table,
                self.ids,
                self.env.uid,
            )
        else:
            query = SQL(
                "DELETE FROM %s WHERE user_id = %s AND alert_id = ANY(%s)",
                table,
                self.env.uid,
                self.ids,
            )
        self.env.cr.execute(query)
        self.invalidate_recordset(["portal_read_user_ids", "portal_is_read"])
