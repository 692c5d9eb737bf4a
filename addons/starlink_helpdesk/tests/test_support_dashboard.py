"""The support dashboard (issue 10, part 6): open tickets by stage, tickets opened by alerts,
outages now and SLA breaches, each a live Odoo view on Odoo's own dashboard."""

from ast import literal_eval
from datetime import datetime, timedelta

from lxml import etree

from odoo.addons.starlink_telemetry.tests.common import StarlinkLineCase
from odoo.tests import tagged

NOW = datetime(2026, 5, 20, 12, 0, 0)


@tagged("post_install", "-at_install")
class TestSupportDashboard(StarlinkLineCase):
    line_number = "AST-HD-DASH"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Terminal = cls.env["starlink.terminal"]
        cls.dark = Terminal.create(
            {"user_terminal_id": "ut-dash-1", "service_line_id": cls.line.id,
             "health": "offline", "last_seen": NOW - timedelta(hours=2)}
        )  # fmt: skip
        cls.fine = Terminal.create(
            {"user_terminal_id": "ut-dash-2", "service_line_id": cls.line.id, "health": "online"}
        )
        cls.stopped_line = cls._line("AST-HD-DASH-2", state="cancelled")
        cls.retired = Terminal.create(
            {"user_terminal_id": "ut-dash-3", "service_line_id": cls.stopped_line.id,
             "health": "offline"}
        )  # fmt: skip

    def _records(self, xml_id):
        """What the board's panel of action ``xml_id`` lists: the board applies the domain of
        its own <action> element, which must also be the action's."""
        action = self.env.ref(f"starlink_helpdesk.{xml_id}")
        view = self.env.ref("starlink_helpdesk.starlink_support_dashboard_view_form")
        arch = etree.fromstring(self.env["board.board"].get_view(view.id)["arch"])
        [panel] = [node for node in arch.iter("action") if int(node.get("name")) == action.id]
        domain = literal_eval(panel.get("domain"))
        self.assertEqual(domain, literal_eval(action.domain))
        return self.env[action.res_model].search(domain)

    def test_the_board_shows_four_live_views(self):
        view = self.env.ref("starlink_helpdesk.starlink_support_dashboard_view_form")
        arch = etree.fromstring(self.env["board.board"].get_view(view.id)["arch"])
        self.assertEqual(arch.get("js_class"), "board")
        titles = [action.get("string") for action in arch.iter("action")]
        self.assertEqual(
            titles,
            ["Open Tickets by Stage", "Opened by Alerts, Still Open", "Outages Now",
             "SLA Breaches"],
        )  # fmt: skip
        for action in arch.iter("action"):
            self.assertTrue(self.env["ir.actions.act_window"].browse(int(action.get("name"))))

    def test_outages_now(self):
        outages = self._records("starlink_terminal_action_outages")
        self.assertIn(self.dark, outages)
        self.assertNotIn(self.fine, outages)
        self.assertNotIn(self.retired, outages, "a cancelled line's terminal is no outage")

    def test_ticket_panels(self):
        rule = self._rule("outage", 30, ticket_mode="ticket")
        self.env["starlink.alert"]._evaluate_rules(rule, NOW.date(), NOW, commit=False)
        automatic = self.env["helpdesk.ticket"].search([("alert_rule_id", "=", rule.id)])
        self.assertEqual(automatic.terminal_id, self.dark)
        self.assertIn(automatic, self._records("helpdesk_ticket_action_automatic"))
        self.assertIn(automatic, self._records("helpdesk_ticket_action_open_by_stage"))
        automatic.stage_id = automatic._starlink_closed_stage()
        self.assertNotIn(automatic, self._records("helpdesk_ticket_action_automatic"))
        self.assertNotIn(automatic, self._records("helpdesk_ticket_action_open_by_stage"))
