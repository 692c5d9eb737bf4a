import re
from datetime import date, datetime, time

from odoo import api, fields, models
from odoo.tools import SQL, format_date

READ_TABLE = "starlink_alert_portal_read_rel"
# A day or a moment written in an alert's stored title or message (ISO, moments in UTC).
ISO_MOMENT = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})"  # the day
    r"(?:[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?( UTC)?)?\b"  # its time, in UTC
)


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

    # ------------------------------------------------------------------ display

    def _portal_text(self, text):
        """``text`` (an alert's title or message, stored in the client's language with ISO
        days and UTC moments, as mails and the backend show them) with its days and moments
        in the visitor's date and time format, moments in his time zone."""
        if not text:
            return text
        tz = self.env.context.get("tz") or self.env.user.tz
        Datetime = self.env["ir.qweb.field.datetime"].with_context(tz=tz)

        def moment(match):
            try:
                day = date.fromisoformat(match[1])
                clock = time.fromisoformat(match[2]) if match[2] else None
            except ValueError:
                return match[0]
            if clock is None:
                return format_date(self.env, day)
            label = Datetime.value_to_html(datetime.combine(day, clock), {"hide_seconds": True})
            return label if tz else f"{label} UTC"

        return ISO_MOMENT.sub(moment, text)

    def _portal_title(self, line_page=False):
        """The alert's title as the portal shows it (``_portal_text``); on the line's own
        page without the line's number and name, which the page already shows (the title
        from the rule when the line is named in the middle of it)."""
        self.ensure_one()
        title = self.name or ""
        number = line_page and self.service_line_id.service_line_number
        if number:
            prefix = re.match(rf"{re.escape(number)}(?: \([^)]*\))?\s*", title)
            if prefix and title[prefix.end() :]:
                rest = title[prefix.end() :]
                title = rest[:1].upper() + rest[1:]
            elif number in title:
                title = self.rule_id.name or title
        return self._portal_text(title)
