from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.starlink_telemetry.lib.svg_chart import line_chart
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime


class HelpdeskTicket(models.Model):
    """A support ticket about a client's Starlink service line and terminal.

    The form shows the terminal's health and latest telemetry as the telemetry sync stores
    them on the terminal (no query on the raw samples), the open alerts of the line and a
    chart of the last 24 hours from the hourly rollups.
    """

    _inherit = "helpdesk.ticket"

    service_line_id = fields.Many2one(
        "starlink.service.line",
        string="Service Line",
        index="btree_not_null",
        tracking=True,
        domain="[('partner_id', '=', commercial_partner_id)] if commercial_partner_id else []",
        help="The client's Starlink service line the ticket is about.",
    )
    terminal_id = fields.Many2one(
        "starlink.terminal",
        string="Terminal",
        index="btree_not_null",
        tracking=True,
        domain="[('service_line_id', '=', service_line_id)] if service_line_id else "
        "([('partner_id', '=', commercial_partner_id)] if commercial_partner_id else [])",
        help="The terminal the ticket is about (one of the service line's).",
    )
    # What the telemetry sync stores on the terminal and the line: read as they are.
    terminal_health = fields.Selection(related="terminal_id.health", string="Health")
    terminal_last_seen = fields.Datetime(related="terminal_id.last_seen", string="Last Seen")
    terminal_downlink_mbps = fields.Float(related="terminal_id.downlink_mbps")
    terminal_uplink_mbps = fields.Float(related="terminal_id.uplink_mbps")
    terminal_latency_ms = fields.Float(related="terminal_id.latency_ms")
    terminal_ping_drop_percent = fields.Float(related="terminal_id.ping_drop_percent")
    terminal_obstruction_percent = fields.Float(related="terminal_id.obstruction_percent")
    terminal_signal_quality = fields.Float(related="terminal_id.signal_quality")
    terminal_active_alerts = fields.Char(
        related="terminal_id.active_alerts", string="Reported by the Terminal"
    )
    line_cycle_usage_percent = fields.Float(
        related="service_line_id.cycle_usage_percent", string="Cycle Usage (%)"
    )
    line_cycle_usage_gb = fields.Float(
        related="service_line_id.cycle_usage_gb", string="Cycle Usage (GB)"
    )
    line_data_limit_gb = fields.Float(related="service_line_id.data_limit_gb")
    line_cycle_end_date = fields.Date(related="service_line_id.cycle_end_date")
    open_alert_ids = fields.Many2many(
        "starlink.alert",
        string="Open Alerts",
        compute="_compute_open_alert_ids",
        help="The service line's open alerts (those of the ticket's terminal and of the line).",
    )
    telemetry_chart = fields.Html(
        string="Last 24 Hours",
        compute="_compute_telemetry_chart",
        sanitize=False,
        help="Hourly latency, throughput and availability of the terminal (hourly rollups).",
    )

    @api.depends("service_line_id", "terminal_id")
    def _compute_open_alert_ids(self):
        Alert = self.env["starlink.alert"]
        lines = self.service_line_id
        alerts = Alert.search([("service_line_id", "in", lines.ids), ("state", "=", "open")])
        for ticket in self:
            ticket.open_alert_ids = alerts.filtered(
                lambda a, t=ticket: a.service_line_id == t.service_line_id
                and (not a.terminal_id or not t.terminal_id or a.terminal_id == t.terminal_id)
            )

    @api.depends("terminal_id")
    def _compute_telemetry_chart(self):
        now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        start = now - timedelta(hours=24)
        rollups = self.env["starlink.telemetry.hourly"].search_read(
            [("terminal_id", "in", self.terminal_id.ids), ("hour", ">=", start)],
            ["terminal_id", "hour", "latency_avg_ms", "downlink_avg_mbps", "uplink_avg_mbps",
             "uptime_percent"],
        )  # fmt: skip
        by_terminal = {}
        for row in rollups:
            by_terminal.setdefault(row["terminal_id"][0], {})[row["hour"]] = row
        hours = [start + timedelta(hours=i) for i in range(25)]
        labels = [format_datetime(self.env, hour, dt_format="HH:mm") for hour in hours]
        for ticket in self:
            rows = by_terminal.get(ticket.terminal_id.id)
            if not rows:
                ticket.telemetry_chart = False
                continue
            values = [rows.get(hour) for hour in hours]

            def series(field, values=values):
                return [row[field] if row else None for row in values]

            _ = self.env._
            ticket.telemetry_chart = Markup(
                line_chart(labels, [(_("Latency (ms)"), series("latency_avg_ms"))],
                           height=170, title=_("Latency (ms)"))
                + line_chart(
                    labels,
                    [(_("Downlink"), series("downlink_avg_mbps")),
                     (_("Uplink"), series("uplink_avg_mbps"))],
                    height=170, title=_("Throughput (Mbps)"),
                )
                + line_chart(labels, [(_("Availability"), series("uptime_percent"))],
                             height=170, title=_("Availability (%)"))
            )  # fmt: skip

    # ------------------------------------------------------------------ constraints

    @api.constrains("partner_id", "service_line_id", "terminal_id")
    def _check_starlink_client(self):
        for ticket in self:
            client = ticket.commercial_partner_id
            line, terminal = ticket.service_line_id, ticket.terminal_id
            if client and line and line.partner_id.commercial_partner_id != client:
                raise ValidationError(
                    self.env._(
                        "Service line %(line)s belongs to %(owner)s, not to the ticket's "
                        "client %(client)s.",
                        line=line.display_name,
                        owner=line.partner_id.display_name,
                        client=client.display_name,
                    )
                )
            if terminal and line and terminal.service_line_id != line:
                raise ValidationError(
                    self.env._(
                        "Terminal %(terminal)s is not on service line %(line)s.",
                        terminal=terminal.display_name,
                        line=line.display_name,
                    )
                )
            if terminal and client and terminal.partner_id.commercial_partner_id != client:
                raise ValidationError(
                    self.env._(
                        "Terminal %(terminal)s is not one of %(client)s's terminals.",
                        terminal=terminal.display_name,
                        client=client.display_name,
                    )
                )

    # ------------------------------------------------------------------ onchanges

    @api.onchange("terminal_id")
    def _onchange_terminal_id(self):
        if self.terminal_id.service_line_id:
            self.service_line_id = self.terminal_id.service_line_id

    @api.onchange("service_line_id")
    def _onchange_service_line_id(self):
        line = self.service_line_id
        if not line:
            return
        if not self.partner_id:
            self.partner_id = line.partner_id
        if self.terminal_id.service_line_id != line:
            terminals = line.terminal_ids.filtered("active")
            self.terminal_id = terminals if len(terminals) == 1 else False

    # ------------------------------------------------------------------ actions

    def action_view_terminal_telemetry(self):
        self.ensure_one()
        return self.terminal_id.action_view_telemetry()
