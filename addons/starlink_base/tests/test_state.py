from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import StarlinkCase


@tagged("post_install", "-at_install")
class TestServiceLineState(StarlinkCase):
    def test_full_lifecycle(self):
        line = self.line
        self.assertEqual(line.state, "draft")
        line.action_activate()
        self.assertEqual(line.state, "active")
        self.assertEqual(line.date_start, fields.Date.today())
        line.action_suspend()
        self.assertEqual(line.state, "suspended")
        line.action_resume()
        self.assertEqual(line.state, "active")
        line.action_cancel()
        self.assertEqual(line.state, "cancelled")
        self.assertEqual(line.date_end, fields.Date.today())

    def test_forbidden_transitions(self):
        with self.assertRaises(UserError):
            self.line.action_suspend()
        with self.assertRaises(UserError):
            self.line.action_resume()
        self.line.action_cancel()
        for action in ("action_activate", "action_suspend", "action_resume", "action_cancel"):
            with self.subTest(action=action), self.assertRaises(UserError):
                getattr(self.line, action)()

    def test_state_changes_are_tracked_in_chatter(self):
        self.env.cr.precommit.run()  # end the creation transaction: changes are tracked after
        for action in (self.line.action_activate, self.line.action_suspend):
            action()
            self.env.flush_all()
            self.env.cr.precommit.run()  # tracking values are written at commit time
        values = self.line.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "state"
        )
        changes = {(v.old_value_char, v.new_value_char) for v in values}
        self.assertIn(("Draft", "Active"), changes)
        self.assertIn(("Active", "Suspended"), changes)

    def test_access_url(self):
        self.assertEqual(self.line.access_url, f"/my/starlink/lines/{self.line.id}")
