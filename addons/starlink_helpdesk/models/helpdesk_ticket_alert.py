"""Support tickets opened, noted, reopened and closed by Starlink alerts.

One ticket follows one problem of one device: the alert rule's type and the terminal (or the
service line when the alert has no terminal) make its episode key. The alert evaluation calls
:meth:`_starlink_sync_alert_tickets` after each batch of lines of a rule, in the batch's
savepoint, so that the tickets always match the alerts just written:

- an open alert without a ticket joins the ticket of its episode key when that ticket is
  still open, or was closed less than the quiet time after the condition cleared (a flapping
  terminal: down, up, down); otherwise it opens a new ticket;
- when none of a ticket's alerts is open any more, a note says the condition cleared;
- a ticket whose condition came back gets a note (and is reopened if it was closed);
- a ticket clear for the rule's quiet time is closed, unless the rule leaves it to a person.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

SEVERITY_PRIORITY = {"info": "1", "warning": "2", "danger": "3"}


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    alert_ids = fields.One2many("starlink.alert", "ticket_id", string="Alerts", readonly=True)
    alert_rule_id = fields.Many2one(
        "starlink.alert.rule",
        string="Opened by Alert Rule",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="Set on tickets opened automatically by a Starlink alert.",
    )
    alert_episode_key = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The kind of problem and the device this ticket follows: the alerts of later "
        "episodes join it while it is open or has just closed.",
    )
    alert_cleared_date = fields.Datetime(
        string="Condition Cleared On",
        readonly=True,
        copy=False,
        help="When the last open alert of this ticket resolved; empty while it is on.",
    )
    alert_client_mailed = fields.Boolean(
        string="Client Told",
        readonly=True,
        copy=False,
        help="The client was mailed when the ticket opened (recorded with the mail, so never "
        "twice).",
    )

    # ------------------------------------------------------------------ synchronisation

    @api.model
    def _starlink_sync_alert_tickets(self, rule, lines, now):
        """Make the tickets of ``rule`` on ``lines`` follow their alerts (see the module)."""
        alerts = self.env["starlink.alert"].search(
            [("rule_id", "=", rule.id), ("service_line_id", "in", lines.ids),
             ("state", "=", "open")]
        )  # fmt: skip
        if alerts:
            # Two evaluations at once never open two tickets for one alert: the second waits
            # here, then fails on the first one's update and is retried.
            self.env.cr.execute(
                "SELECT id FROM starlink_alert WHERE id IN %s FOR NO KEY UPDATE",
                [tuple(alerts.ids)],
            )
        for alert in alerts:
            self._starlink_follow_alert(rule, alert, now)
        self._starlink_note_cleared(rule, lines, now)
        if rule.ticket_close == "auto":
            self._starlink_close_quiet(rule, lines, now)

    @api.model
    def _starlink_follow_alert(self, rule, alert, now):
        """Give the open ``alert`` its ticket: the current one, its episode's, or a new one."""
        quiet_start = now - timedelta(minutes=rule.ticket_quiet_minutes)
        ticket = alert.ticket_id
        if ticket and ticket.alert_cleared_date:
            if not ticket.closed or ticket.alert_cleared_date >= quiet_start:
                ticket._starlink_condition_back(alert)
                return ticket
            ticket = self.browse()  # closed after a quiet time: this is a new problem
        elif ticket:
            return ticket  # still on (a person may have closed it: left as it is)
        ticket = self.search(self._starlink_episode_domain(rule, alert, quiet_start), limit=1)
        if ticket:
            alert.ticket_id = ticket
            if ticket.alert_cleared_date or ticket.closed:
                ticket._starlink_condition_back(alert)
            return ticket
        if rule.ticket_mode == "off":
            return ticket
        ticket = self.create(self._starlink_alert_ticket_values(rule, alert, now))
        alert.ticket_id = ticket
        if rule.ticket_mode == "ticket_mail":
            ticket._starlink_mail_client(rule)
        return ticket

    @api.model
    def _starlink_episode_key(self, rule, alert):
        device = alert.terminal_id and f"terminal:{alert.terminal_id.id}"
        return f"{rule.rule_type}:{device or f'line:{alert.service_line_id.id}'}"

    @api.model
    def _starlink_episode_domain(self, rule, alert, quiet_start):
        """The ticket an alert of a new episode joins: its episode's latest, still open or
        closed less than the quiet time after its condition cleared."""
        return [
            ("alert_episode_key", "=", self._starlink_episode_key(rule, alert)),
            ("company_id", "=", alert.company_id.id),
            "|",
            ("stage_id.closed", "=", False),
            ("alert_cleared_date", ">=", quiet_start),
        ]

    @api.model
    def _starlink_alert_ticket_values(self, rule, alert, now):
        line = alert.service_line_id
        terminal = alert.terminal_id
        if not terminal:
            terminals = line.terminal_ids.filtered("active")
            terminal = terminals if len(terminals) == 1 else terminal
        team = rule.ticket_team_id
        # Title and description in the client's language, as his alerts are: he reads them too.
        client_self = self.with_env(alert._client_env(line))
        return {
            "name": client_self._starlink_alert_ticket_title(rule, alert, terminal),
            "description": client_self._starlink_alert_description(rule, alert, terminal, now),
            "partner_id": line.partner_id.id,
            "partner_name": line.partner_id.name,
            "partner_email": line.partner_id.email,
            "service_line_id": line.id,
            "terminal_id": terminal.id,
            "team_id": team.id,
            "user_id": rule.responsible_id.id,  # else unassigned, for the team to take
            "stage_id": team._get_applicable_stages()[:1].id,
            "company_id": line.company_id.id,
            "priority": SEVERITY_PRIORITY.get(rule.severity, "1"),
            "channel_id": self.env.ref(
                "starlink_helpdesk.helpdesk_ticket_channel_monitoring", raise_if_not_found=False
            ).id,
            "alert_rule_id": rule.id,
            "alert_episode_key": self._starlink_episode_key(rule, alert),
        }

    @api.model
    def _starlink_alert_ticket_title(self, rule, alert, terminal):
        """A short title a technician reads at a glance: the site, then the problem."""
        _ = self.env._
        line = alert.service_line_id
        values = {
            "site": line.nickname or line.service_line_number,
            "kit": terminal.kit_serial or terminal.user_terminal_id or "",
        }
        titles = {
            "outage": _("%(site)s: terminal %(kit)s offline", **values),
            "obstruction": _("%(site)s: terminal %(kit)s obstructed", **values),
            "data_limit": _("%(site)s: data limit reached", **values),
        }
        return titles.get(rule.rule_type) or alert.name

    @api.model
    def _starlink_alert_description(self, rule, alert, terminal, now):
        """The ticket's description: the alert and the telemetry as it was at opening."""
        _ = self.env._
        line = alert.service_line_id
        facts = [(_("Service line"), line.display_name), (_("Client"), line.partner_id.name)]
        if terminal:
            health = dict(terminal._fields["health"]._description_selection(self.env))
            facts += [
                (_("Terminal"), terminal.display_name),
                (_("Health"), health.get(terminal.health, terminal.health or "")),
                (_("Last seen (UTC)"), terminal.last_seen or _("never")),
                (_("Downlink / uplink"),
                 f"{terminal.downlink_mbps:.1f} / {terminal.uplink_mbps:.1f} Mbps"),
                (_("Latency"), f"{terminal.latency_ms:.0f} ms"),
                (_("Ping drop"), f"{terminal.ping_drop_percent:.1f} %"),
                (_("Obstruction"), f"{terminal.obstruction_percent:.1f} %"),
                (_("Reported by the terminal"), terminal.active_alerts or _("no alert")),
            ]  # fmt: skip
        if line.data_limit_gb:
            facts.append(
                (_("Usage this cycle"),
                 f"{line.cycle_usage_gb:.1f} / {line.data_limit_gb:.0f} GB "
                 f"({line.cycle_usage_percent:.0f} %)")
            )  # fmt: skip
        rows = Markup("").join(
            Markup("<li><strong>%s:</strong> %s</li>") % (label, value) for label, value in facts
        )
        return Markup("<p>%s</p><p>%s</p><ul>%s</ul>") % (
            alert.message or alert.name,
            _("Opened automatically by the alert rule %(rule)s on %(date)s UTC.",
              rule=rule.name, date=fields.Datetime.to_string(now)),
            rows,
        )  # fmt: skip

    def _starlink_mail_client(self, rule):
        """Tell the client a ticket is open: the mail is queued with the flag in the same
        transaction (recorded before it is sent), and never queued twice."""
        self.ensure_one()
        template = rule.ticket_mail_template_id or self.env.ref(
            "starlink_helpdesk.mail_template_starlink_alert_ticket", raise_if_not_found=False
        )
        if self.alert_client_mailed or not template or not self.partner_id.email:
            return
        self.message_subscribe(partner_ids=self.partner_id.ids)
        # Posted as a message: mailed to the client (a follower) and shown in the portal.
        self.message_post_with_source(
            template,
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )
        self.alert_client_mailed = True

    def _starlink_condition_back(self, alert):
        """The condition is on again: note it, reopen the ticket if it was closed."""
        self.ensure_one()
        values = {"alert_cleared_date": False}
        reopened = self.closed
        if reopened:
            values["stage_id"] = self._starlink_open_stage().id
        self.write(values)
        alert.ticket_id = self
        body = (
            self.env._("Reopened: the condition is back. %(what)s", what=alert.message)
            if reopened
            else self.env._("The condition is back. %(what)s", what=alert.message)
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    @api.model
    def _starlink_note_cleared(self, rule, lines, now):
        """A note on the tickets whose alerts have all resolved (once per clearing)."""
        tickets = self.search(
            [("alert_rule_id", "=", rule.id), ("service_line_id", "in", lines.ids),
             ("alert_cleared_date", "=", False), ("alert_ids.state", "=", "resolved")]
        ).filtered(lambda t: "open" not in t.alert_ids.mapped("state"))  # fmt: skip
        for ticket in tickets:
            ticket.alert_cleared_date = now
            if ticket.closed:
                continue
            if rule.ticket_close == "auto":
                then = self.env._(
                    "The ticket closes by itself if it stays clear for %(minutes)s minutes.",
                    minutes=rule.ticket_quiet_minutes,
                )
            else:
                then = self.env._("The ticket is left open for a person to close.")
            ticket.message_post(
                body=self.env._(
                    "The condition cleared at %(date)s UTC: the alert “%(alerts)s” is resolved. "
                    "%(then)s",
                    date=fields.Datetime.to_string(now),
                    alerts="”, “".join(ticket.alert_ids.mapped("name")),
                    then=then,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return tickets

    @api.model
    def _starlink_close_quiet(self, rule, lines, now):
        """Close the tickets clear for the rule's quiet time."""
        tickets = self.search(
            [("alert_rule_id", "=", rule.id), ("service_line_id", "in", lines.ids),
             ("stage_id.closed", "=", False),
             ("alert_cleared_date", "<=", now - timedelta(minutes=rule.ticket_quiet_minutes))]
        )  # fmt: skip
        for ticket in tickets:
            ticket.stage_id = ticket._starlink_closed_stage()
            ticket.message_post(
                body=self.env._(
                    "Closed automatically: the condition has stayed clear since %(date)s UTC.",
                    date=fields.Datetime.to_string(ticket.alert_cleared_date),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return tickets

    def _starlink_open_stage(self):
        return self.team_id._get_applicable_stages().filtered(lambda s: not s.closed)[:1]

    def _starlink_closed_stage(self):
        return self.team_id._get_applicable_stages().filtered("closed")[:1]

    def _track_template(self, tracking):
        """An automatic ticket the client was never told about changes stage silently
        (Helpdesk mails the client when a ticket closes)."""
        templates = super()._track_template(tracking)
        ticket = self[:1]
        if ticket.alert_rule_id and not ticket.alert_client_mailed:
            templates.pop("stage_id", None)
        return templates
