from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.addons.starlink_base.models.starlink_service_line import PLACEHOLDER_PREFIX
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..lib.svg_chart import line_chart
from .sync_utils import changed_values

HEALTH_DEFAULTS = {
    "offline_minutes": 5,
    "degraded_latency_ms": 100.0,
    "degraded_ping_drop_percent": 5.0,
    "obstructed_percent": 10.0,
}
# Terminal alerts that mean the terminal cannot serve traffic (every "disabled_*" alert too).
OFFLINE_ALERTS = {"thermal_shutdown", "power_disconnect_detected", "unable_to_align"}
OBSTRUCTION_ALERTS = {
    "high_sky_obstruction",
    "high_sky_obstruction_mobile",
    "high_time_obstruction",
    "high_time_obstruction_mobile",
}


class StarlinkTerminal(models.Model):
    _inherit = "starlink.terminal"

    hourly_ids = fields.One2many("starlink.telemetry.hourly", "terminal_id")
    telemetry_chart = fields.Html(
        string="Last 24 Hours",
        compute="_compute_telemetry_chart",
        sanitize=False,
        help="Latency and throughput of the last 24 hours, in 10-minute steps.",
    )

    def _compute_telemetry_chart(self):
        now = fields.Datetime.now()
        for terminal in self:
            buckets = terminal._telemetry_buckets(now - timedelta(hours=24), now, minutes=10)
            # times in the user's time zone
            labels = [format_datetime(self.env, bucket, dt_format="HH:mm") for bucket in buckets]
            values = list(buckets.values())
            latency = line_chart(
                labels,
                [(self.env._("Latency (ms)"), [v and v[0] for v in values])],
                height=180,
                title=self.env._("Latency (ms)"),
            )
            throughput = line_chart(
                labels,
                [
                    (self.env._("Downlink"), [v and v[1] for v in values]),
                    (self.env._("Uplink"), [v and v[2] for v in values]),
                ],
                height=180,
                title=self.env._("Throughput (Mbps)"),
            )
            terminal.telemetry_chart = Markup(latency + throughput)

    def _telemetry_buckets(self, start, end, minutes):
        """``{bucket start: (latency, downlink, uplink) or None}`` from raw samples."""
        self.ensure_one()
        step = timedelta(minutes=minutes)
        start = start.replace(second=0, microsecond=0) - timedelta(minutes=start.minute % minutes)
        buckets = {}
        cursor = start
        while cursor < end:
            buckets[cursor] = None
            cursor += step
        if not self.id:
            return buckets
        self.env.cr.execute(
            """SELECT to_timestamp(floor(extract(epoch FROM ts) / %(s)s) * %(s)s)
                          AT TIME ZONE 'UTC' AS bucket,
                      avg(latency_ms), avg(downlink_mbps), avg(uplink_mbps)
                 FROM starlink_telemetry_sample
                WHERE terminal_id = %(id)s AND device_type = 'u' AND ts >= %(start)s
                  AND ts < %(end)s AND hour >= date_trunc('hour', %(start)s::timestamp)
                  AND hour < %(end)s
                GROUP BY 1 ORDER BY 1""",
            {"s": minutes * 60, "id": self.id, "start": start, "end": end},
        )
        for bucket, latency, down, up in self.env.cr.fetchall():
            if bucket in buckets:
                buckets[bucket] = (round(latency or 0, 1), round(down or 0, 1), round(up or 0, 1))
        return buckets

    @api.model
    def _health_thresholds(self):
        params = self.env["ir.config_parameter"].sudo()
        return {
            key: float(params.get_param(f"starlink_telemetry.health_{key}", default))
            for key, default in HEALTH_DEFAULTS.items()
        }

    @api.model
    def _classify_health(self, stats, thresholds, now):
        """Health of a terminal from its recent samples (``stats``: a dict or None)."""
        if not stats or stats["last_seen"] < now - timedelta(minutes=thresholds["offline_minutes"]):
            return "offline"
        alerts = set((stats["alerts"] or "").split(","))
        if alerts & OFFLINE_ALERTS or any(alert.startswith("disabled_") for alert in alerts):
            return "offline"
        if (stats["obstruction"] or 0) >= thresholds["obstructed_percent"] or (
            alerts & OBSTRUCTION_ALERTS
        ):
            return "obstructed"
        if (stats["latency"] or 0) >= thresholds["degraded_latency_ms"] or (
            100 * (stats["ping_drop"] or 0) >= thresholds["degraded_ping_drop_percent"]
        ):
            return "degraded"
        return "online"

    @api.model
    def _recent_stats(self, terminal_ids, since):
        """Latest values and recent averages per terminal from raw samples since ``since``."""
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (s.terminal_id) s.terminal_id, s.ts AS last_seen, s.downlink_mbps,
                   s.uplink_mbps, s.latency_ms, s.ping_drop_rate, s.obstruction_percent,
                   s.signal_quality, s.uptime_s, s.alerts, w.latency, w.ping_drop, w.obstruction
              FROM starlink_telemetry_sample s
              JOIN (SELECT terminal_id, avg(latency_ms) AS latency,
                           avg(ping_drop_rate) AS ping_drop,
                           avg(obstruction_percent) AS obstruction
                      FROM starlink_telemetry_sample
                     WHERE device_type = 'u' AND ts >= %(since)s AND terminal_id = ANY(%(ids)s)
                       AND hour >= date_trunc('hour', %(since)s::timestamp)
                     GROUP BY terminal_id) w ON w.terminal_id = s.terminal_id
             WHERE s.device_type = 'u' AND s.ts >= %(since)s AND s.terminal_id = ANY(%(ids)s)
               AND s.hour >= date_trunc('hour', %(since)s::timestamp)
             ORDER BY s.terminal_id, s.ts DESC
            """,
            {"since": since, "ids": list(terminal_ids)},
        )
        columns = [d[0] for d in self.env.cr.description]
        return {row[0]: dict(zip(columns, row)) for row in self.env.cr.fetchall()}

    # A terminal silent in the recent window is still known to have been seen this long ago
    # (e.g. offline since before a backlog the poller just caught up with).
    _last_seen_lookback = timedelta(hours=24)

    def _update_last_seen_before(self, since, exclude=()):
        """Last seen of these terminals (but ``exclude``) from their latest sample before
        ``since``, when it is later than the one they have.

        Each terminal is read from the moment it was last seen (at most the lookback before
        ``since``): a terminal silent for hours costs one index probe per answer, not a
        read of everything it sent before it went silent.
        """
        silent = self.filtered(lambda terminal: terminal.id not in exclude)
        if not silent:
            return
        oldest = since - self._last_seen_lookback
        self.env.cr.execute(
            """SELECT f.id, (SELECT max(s.ts) FROM starlink_telemetry_sample s
                              WHERE s.device_type = 'u' AND s.terminal_id = f.id
                                AND s.ts > f.floor AND s.ts < %(since)s
                                AND s.hour >= date_trunc('hour', f.floor))
                 FROM unnest(%(ids)s::integer[], %(floors)s::timestamp[]) AS f(id, floor)""",
            {
                "ids": silent.ids,
                "floors": [max(terminal.last_seen or oldest, oldest) for terminal in silent],
                "since": since,
            },
        )
        for terminal_id, latest in self.env.cr.fetchall():
            if latest:
                silent.browse(terminal_id).last_seen = latest

    def _update_health(self, now=None):
        """Refresh health, last seen and the latest telemetry values of these terminals.

        The latest values are written in one SQL statement (they change every poll); health
        goes through the ORM only where it changes, so the chatter tracks each transition.
        """
        now = now or fields.Datetime.now()
        thresholds = self._health_thresholds()
        window = max(thresholds["offline_minutes"], 5)
        stats = self._recent_stats(self.ids, now - timedelta(minutes=window))
        if stats:
            self.env.cr.execute_values(
                """UPDATE starlink_terminal t SET last_seen = v.ts, downlink_mbps = v.down,
                          uplink_mbps = v.up, latency_ms = v.lat, ping_drop_percent = v.pdrop,
                          obstruction_percent = v.obs, signal_quality = v.sq,
                          uptime_seconds = v.up_s, active_alerts = v.alerts
                     FROM (VALUES %s) AS v(id, ts, down, up, lat, pdrop, obs, sq, up_s, alerts)
                    WHERE t.id = v.id""",
                [
                    (
                        terminal_id,
                        row["last_seen"],
                        row["downlink_mbps"] or 0.0,
                        row["uplink_mbps"] or 0.0,
                        row["latency_ms"] or 0.0,
                        100 * (row["ping_drop_rate"] or 0.0),
                        row["obstruction_percent"] or 0.0,
                        row["signal_quality"] or 0.0,
                        row["uptime_s"] or 0,
                        row["alerts"] or None,
                    )
                    for terminal_id, row in stats.items()
                ],
            )
            self.invalidate_recordset(
                [
                    "last_seen",
                    "downlink_mbps",
                    "uplink_mbps",
                    "latency_ms",
                    "ping_drop_percent",
                    "obstruction_percent",
                    "signal_quality",
                    "uptime_seconds",
                    "active_alerts",
                ]
            )
        self._update_last_seen_before(now - timedelta(minutes=window), exclude=stats)
        by_health = {}
        for terminal in self:
            recent = stats.get(terminal.id)
            if not recent and not terminal.last_seen:
                health = "unknown"  # never reported: a kit in stock or not activated yet
            else:
                health = self._classify_health(recent, thresholds, now)
            if terminal.health != health:
                by_health.setdefault(health, self.browse())
                by_health[health] |= terminal
        for health, terminals in by_health.items():
            terminals.write({"health": health})
        return by_health

    def action_view_telemetry(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_telemetry.starlink_telemetry_hourly_action"
        )
        action["domain"] = [("terminal_id", "=", self.id)]
        return action

    def action_reboot_terminal(self):
        """Reboot the terminal through Starlink (Technicians); the result in the chatter."""
        self.ensure_one()
        Request = self.env["starlink.api.request"]
        Request._check_kind_access("reboot_terminal")
        request = Request._create_request(
            "reboot_terminal", self.account_id, self.user_terminal_id, terminal_id=self.id
        )
        return request.action_send()

    def action_reboot_router(self):
        """Reboot the terminal's routers through Starlink (Technicians)."""
        self.ensure_one()
        Request = self.env["starlink.api.request"]
        Request._check_kind_access("reboot_router")
        routers = [r.strip() for r in (self.router_ids or "").split(",") if r.strip()]
        if not routers:
            raise UserError(_("%s has no known router.", self.display_name))
        requests = Request.browse()
        for router in routers:
            requests |= Request._create_request(
                "reboot_router", self.account_id, router, terminal_id=self.id
            )
        return requests.action_send()

    # ------------------------------------------------------------------ Starlink sync

    @api.model
    def _starlink_sync(self, account, terminals):
        """Create, update and deactivate the account's terminals from the API.

        ``terminals`` are ``UserTerminalResponseV2`` objects. A terminal gone from Starlink is
        archived; a kit serial that exists in Inventory is linked to its ``stock.lot``.
        Returns ``(records, errors, message)``.
        """
        existing = {
            t.user_terminal_id: t
            for t in self.with_context(active_test=False).search([("account_id", "=", account.id)])
        }
        lines = {
            line.service_line_number: line.id
            for line in self.env["starlink.service.line"].search([("account_id", "=", account.id)])
        }
        placeholders = self._starlink_placeholders(account)
        seen, errors = set(), []
        for payload in terminals:
            terminal_id = payload.get("userTerminalId") if isinstance(payload, dict) else None
            if not terminal_id:
                errors.append(f"terminal without userTerminalId: {str(payload)[:80]}")
                continue
            seen.add(terminal_id)
            routers = [r.get("routerId") for r in payload.get("routers") or [] if r.get("routerId")]
            values = {
                "kit_serial": payload.get("kitSerialNumber") or False,
                "dish_serial": payload.get("dishSerialNumber") or False,
                "service_line_id": lines.get(payload.get("serviceLineNumber"), False),
                "router_ids": ",".join(routers) or False,
                "active": True,
            }
            try:
                with self.env.cr.savepoint():
                    terminal = existing.get(terminal_id) or placeholders.pop(
                        values["kit_serial"], None
                    )
                    if terminal and terminal.user_terminal_id != terminal_id:
                        # A kit received in Odoo, now seen at Starlink: it takes its real id.
                        terminal.write(
                            dict(values, user_terminal_id=terminal_id, account_id=account.id)
                        )
                    elif terminal:
                        changed = changed_values(terminal, values)
                        if changed:
                            terminal.write(changed)
                    else:
                        terminal = self.create(
                            dict(
                                values,
                                user_terminal_id=terminal_id,
                                account_id=account.id,
                                company_id=account.company_id.id,
                            )
                        )
                    existing[terminal_id] = terminal
            except Exception as error:  # noqa: BLE001 - one bad terminal never stops the others
                errors.append(f"{terminal_id}: {error}")
        # Terminals Starlink no longer returns are archived, except those of draft lines
        # (not activated at Starlink yet).
        gone = [
            t.id
            for tid, t in existing.items()
            if tid not in seen and t.active and t.service_line_id.state != "draft"
        ]
        self.browse(gone).write({"active": False})
        self.browse(existing[tid].id for tid in seen if tid in existing)._starlink_link_lot()
        return len(seen) - len(errors), len(errors), "; ".join(errors[:5])

    @api.model
    def _starlink_placeholders(self, account):
        """Kits received in Odoo and not yet known at Starlink (``NEW-<serial>`` ids) of the
        account's company, by kit serial: the sync adopts them instead of creating twins."""
        terminals = self.with_context(active_test=False).search(
            [
                ("user_terminal_id", "=like", f"{PLACEHOLDER_PREFIX}%"),
                ("kit_serial", "!=", False),
                ("company_id", "=", account.company_id.id),
            ]
        )
        return {terminal.kit_serial: terminal for terminal in terminals}

    def _starlink_link_lot(self):
        """Link terminals to the Inventory serials of their kits, in one search."""
        todo = self.filtered(lambda t: t.kit_serial and not t.lot_id)
        if not todo:
            return
        lots = {}
        for lot in self.env["stock.lot"].search([("name", "in", todo.mapped("kit_serial"))]):
            lots.setdefault((lot.name, lot.company_id.id), lot)
        for terminal in todo:
            lot = lots.get((terminal.kit_serial, terminal.company_id.id)) or lots.get(
                (terminal.kit_serial, False)
            )
            if lot:
                terminal.lot_id = lot
