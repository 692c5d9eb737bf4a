"""A ticket about a service line and a terminal: limited to the ticket's client, with the
terminal's health, latest telemetry, open alerts, usage and last 24 hours (issue 10, part 1)."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.addons.starlink_telemetry.tests.common import StarlinkLineCase
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

NOW = datetime(2026, 5, 20, 12, 0, 0)


@tagged("post_install", "-at_install")
class TestTicketContext(StarlinkLineCase):
    line_number = "AST-HD-CTX"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Ticket = cls.env["helpdesk.ticket"]
        Terminal = cls.env["starlink.terminal"]
        cls.terminal = Terminal.create(
            {"user_terminal_id": "ut-ctx-1", "service_line_id": cls.line.id, "health": "degraded",
             "last_seen": NOW - timedelta(minutes=1), "latency_ms": 140.0, "downlink_mbps": 12.5,
             "uplink_mbps": 2.5, "obstruction_percent": 3.0,
             "active_alerts": "high_sky_obstruction"}
        )  # fmt: skip
        cls.other_client = cls.env["res.partner"].create({"name": "Other", "is_company": True})
        cls.other_line = cls._line("AST-HD-CTX-2", partner_id=cls.other_client.id)
        cls.other_terminal = Terminal.create(
            {"user_terminal_id": "ut-ctx-2", "service_line_id": cls.other_line.id}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Farm manager", "parent_id": cls.client.id, "email": "m@example.com"}
        )

    def _ticket(self, **values):
        return self.Ticket.create(
            {"name": "No internet", "description": "<p>Down</p>", "partner_id": self.contact.id,
             **values}
        )  # fmt: skip

    def test_line_and_terminal_of_the_tickets_client_only(self):
        ticket = self._ticket(service_line_id=self.line.id, terminal_id=self.terminal.id)
        self.assertEqual(ticket.commercial_partner_id, self.client)
        with self.assertRaises(ValidationError):
            self._ticket(service_line_id=self.other_line.id)
        with self.assertRaises(ValidationError):
            self._ticket(terminal_id=self.other_terminal.id)
        with self.assertRaises(ValidationError):
            self._ticket(service_line_id=self.line.id, terminal_id=self.other_terminal.id)
        with self.assertRaises(ValidationError):
            ticket.partner_id = self.other_client

    def test_form_fills_line_terminal_and_client(self):
        with Form(self.Ticket) as form:
            form.name = "Slow"
            form.description = "<p>Slow</p>"
            form.service_line_id = self.line
            self.assertEqual(form.partner_id, self.client, "the line's client by default")
            self.assertEqual(form.terminal_id, self.terminal, "the line's only terminal")
        with Form(self.Ticket) as form:
            form.name = "Slow"
            form.description = "<p>Slow</p>"
            form.partner_id = self.contact
            form.terminal_id = self.terminal
            self.assertEqual(form.service_line_id, self.line, "the terminal's line")

    def test_health_telemetry_alerts_and_usage_on_the_ticket(self):
        self._use(date(2026, 5, 2), 40.0)
        rule = self._rule("obstruction", 2)
        with freeze_time(NOW):
            self.env["starlink.alert"]._evaluate_rules(rule, NOW.date(), NOW, commit=False)
            ticket = self._ticket(service_line_id=self.line.id, terminal_id=self.terminal.id)
            self.assertEqual(ticket.terminal_health, "degraded")
            self.assertEqual(ticket.terminal_latency_ms, 140.0)
            self.assertEqual(ticket.terminal_downlink_mbps, 12.5)
            self.assertEqual(ticket.terminal_active_alerts, "high_sky_obstruction")
            self.assertEqual(ticket.open_alert_ids.rule_id, rule)
            self.assertIn("is obstructed", ticket.open_alert_ids.name)
            self.assertAlmostEqual(ticket.line_cycle_usage_percent, 40.0)
            self.assertEqual(ticket.line_data_limit_gb, 100.0)

    def test_last_24_hours_from_the_hourly_rollups(self):
        with freeze_time(NOW):
            ticket = self._ticket(service_line_id=self.line.id, terminal_id=self.terminal.id)
            self.assertFalse(ticket.telemetry_chart, "no rollup: no chart")
            hours = [NOW - timedelta(hours=h) for h in (1, 2, 3, 30)]
            self.env["starlink.telemetry.hourly"].create(
                [{"terminal_id": self.terminal.id, "hour": hour, "sample_count": 240,
                  "latency_avg_ms": 30.0 + i, "downlink_avg_mbps": 80.0,
                  "uplink_avg_mbps": 9.0, "uptime_percent": 100.0}
                 for i, hour in enumerate(hours)]
            )  # fmt: skip
            ticket.invalidate_recordset(["telemetry_chart"])
            chart = str(ticket.telemetry_chart)
            self.assertEqual(chart.count("<svg"), 3, "latency, throughput, availability")
            self.assertIn("Latency (ms)", chart)
            self.assertIn("Availability (%)", chart)
            # hours in the user's time zone: the first is 24 hours before NOW (12:00 UTC)
            self.env.user.tz = "UTC"
            ticket.invalidate_recordset(["telemetry_chart"])
            self.assertIn(">12:00<", str(ticket.telemetry_chart))
            self.env.user.tz = "Asia/Kolkata"
            ticket.invalidate_recordset(["telemetry_chart"])
            self.assertIn(">17:30<", str(ticket.telemetry_chart))
            self.assertNotIn(">12:00<", str(ticket.telemetry_chart))
            # Only the last 24 hours: a terminal whose last rollup is older has no chart.
            self.env["starlink.telemetry.hourly"].create(
                {"terminal_id": self.other_terminal.id, "hour": NOW - timedelta(hours=30),
                 "sample_count": 240, "latency_avg_ms": 30.0}
            )  # fmt: skip
            other = self._ticket(
                partner_id=self.other_client.id, terminal_id=self.other_terminal.id
            )
            self.assertFalse(other.telemetry_chart)

    def test_ticket_counts_and_lists_from_lines_and_terminals(self):
        ticket = self._ticket(service_line_id=self.line.id, terminal_id=self.terminal.id)
        self._ticket(service_line_id=self.line.id)
        self.assertEqual(self.line.ticket_count, 2)
        self.assertEqual(self.terminal.ticket_count, 1)
        ticket.stage_id = ticket.team_id._get_applicable_stages().filtered("closed")[:1]
        self.line.invalidate_recordset(["ticket_count"])
        self.terminal.invalidate_recordset(["ticket_count"])
        self.assertEqual((self.line.ticket_count, self.terminal.ticket_count), (1, 0))
        action = self.line.action_view_tickets()
        self.assertEqual(self.Ticket.search(action["domain"]), self.line.ticket_ids)
        self.assertEqual(action["context"]["default_service_line_id"], self.line.id)
        action = self.terminal.action_view_tickets()
        self.assertEqual(self.Ticket.search(action["domain"]), ticket)
