from odoo import models
from odoo.tools import SQL

# The live values a portal page shows of a terminal: a change of one of them is news.
PORTAL_LIVE_FIELDS = (
    "health",
    "last_seen",
    "downlink_mbps",
    "uplink_mbps",
    "latency_ms",
    "ping_drop_percent",
    "obstruction_percent",
    "signal_quality",
    "uptime_seconds",
    "active_alerts",
)
PORTAL_LIVE_NOTIFICATION = "starlink/live"


class StarlinkAccount(models.Model):
    _inherit = "starlink.account"

    def _after_telemetry_batch(self, batch):
        """After the terminals followed a batch, the portal sessions of the clients whose
        lines changed are told at once through the bus (their pages then fetch the live
        values); the pages' polling stays the fallback."""
        before = self._portal_live_snapshot()
        result = super()._after_telemetry_batch(batch)
        self._portal_live_notify(self._portal_live_changed_lines(before))
        return result

    def _portal_live_snapshot(self):
        """``{terminal id: (service line id, digest of its live values)}`` of the terminals
        of these accounts that are on a line; one query."""
        terminals = self.terminal_ids
        if not terminals:
            return {}
        terminals.flush_recordset(list(PORTAL_LIVE_FIELDS) + ["service_line_id"])
        values = SQL(", ").join(SQL.identifier("t", name) for name in PORTAL_LIVE_FIELDS)
        self.env.cr.execute(
            SQL(
                """SELECT t.id, t.service_line_id, md5(ROW(%s)::text)
                     FROM starlink_terminal t
                    WHERE t.id = ANY(%s) AND t.service_line_id IS NOT NULL""",
                values,
                terminals.ids,
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    def _portal_live_changed_lines(self, before):
        """Ids of the lines whose terminals' live values changed since ``before``."""
        after = self._portal_live_snapshot()
        changed = set()
        for terminal_id, state in after.items():
            previous = before.get(terminal_id)
            if previous != state:
                changed.add(state[0])
                if previous:
                    changed.add(previous[0])  # moved from another line
        return sorted(changed)

    def _portal_live_recipients(self, line_ids):
        """``{partner id: [line ids]}``: the partners of the active portal users of each
        line's commercial entity, with that entity's lines only; one query."""
        if not line_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """SELECT u.partner_id, array_agg(DISTINCT l.id ORDER BY l.id)
                     FROM starlink_service_line l
                     JOIN res_partner client ON client.id = l.partner_id
                     JOIN res_partner contact
                          ON contact.commercial_partner_id = client.commercial_partner_id
                     JOIN res_users u ON u.partner_id = contact.id AND u.active
                     JOIN res_groups_users_rel portal ON portal.uid = u.id AND portal.gid = %s
                    WHERE l.id = ANY(%s)
                    GROUP BY u.partner_id""",
                self.env.ref("base.group_portal").id,
                list(line_ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _portal_live_payload(self, line_ids):
        return {"line_ids": line_ids}

    def _portal_live_notify(self, line_ids):
        """Tell each concerned portal partner which of its lines changed; nothing when no
        portal user is concerned. Returns the partners notified.

        Odoo 18's bus has no ``_sendmany`` any more: ``_bus_send`` queues the messages on
        the transaction, and its commit writes them in one ``bus.bus`` insert and wakes
        the websockets with one ``NOTIFY``, so a batch still costs one round of each.
        """
        recipients = self._portal_live_recipients(line_ids)
        partners = self.env["res.partner"].browse(sorted(recipients))
        for partner in partners:
            payload = self._portal_live_payload(recipients[partner.id])
            partner._bus_send(PORTAL_LIVE_NOTIFICATION, payload)
        return partners
