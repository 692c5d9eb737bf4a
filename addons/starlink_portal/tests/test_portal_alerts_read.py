"""Alerts read or unread in the portal (issue 9 item 5): opening an alert marks it read for
the user who opened it only; the switches and "mark all" touch only the user's own client's
alerts; another client's alert is refused with none of its data."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StarlinkPortalCase


@tagged("post_install", "-at_install")
class TestPortalAlertsRead(StarlinkPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alert_a_old = cls._alert(
            cls.alert_rule, cls.line_a2, "Barn passed 80% last cycle", state="resolved"
        )
        cls.alert_a.suggested_product_id = cls.big_plan

    def read_by(self, alert, user):
        return alert.with_user(user).portal_is_read

    def csrf(self):
        page = self.get("/my/starlink/alerts/preferences")
        return page.text.split('name="csrf_token" value="')[1].split('"')[0]

    def test_opening_an_alert_marks_it_read_for_that_user_only(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        listing = self.get("/my/starlink/alerts?filterby=all")
        self.assertIn("2 unread", listing.text)  # alert_a, alert_a_old, not the staff one
        row = listing.text.split(f'data-alert-id="{self.alert_a.id}"')[1].split("</tr>")[0]
        self.assertIn("o_starlink_alert_new", row)
        page = self.get(f"/my/starlink/alerts/{self.alert_a.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.alert_a.name, page.text)
        self.assertIn("Portal Plan 500 GB", page.text, "the suggested plan, by name")
        self.assertTrue(self.read_by(self.alert_a, self.user_a))
        self.assertFalse(self.read_by(self.alert_a, self.user_a2), "each contact has his own")
        self.assertFalse(self.read_by(self.alert_a_old, self.user_a))
        listing = self.get("/my/starlink/alerts?filterby=all")
        self.assertIn("1 unread", listing.text)
        row = listing.text.split(f'data-alert-id="{self.alert_a.id}"')[1].split("</tr>")[0]
        self.assertNotIn("o_starlink_alert_new", row)
        self.assertIn("Mark as unread", row)
        # The unread filter of the model: the user's own view.
        Alert = self.env["starlink.alert"].with_user(self.user_a)
        unread = Alert.search([("portal_is_read", "=", False)])
        self.assertIn(self.alert_a_old, unread)
        self.assertNotIn(self.alert_a, unread)
        self.assertIn(self.alert_a, Alert.search([("portal_is_read", "=", True)]))

    def test_switch_back_to_unread_and_mark_all_read(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        csrf = self.csrf()
        response = self.url_open(
            f"/my/starlink/alerts/{self.alert_a.id}/read",
            data={"csrf_token": csrf, "read": "1", "redirect": "/my/starlink/alerts?filterby=all"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my/starlink/alerts?filterby=all"))
        self.assertTrue(self.read_by(self.alert_a, self.user_a))
        self.url_open(
            f"/my/starlink/alerts/{self.alert_a.id}/read",
            data={"csrf_token": csrf, "read": "0", "redirect": "https://evil.example.com/"},
            allow_redirects=False,
        )
        self.assertFalse(self.read_by(self.alert_a, self.user_a))
        response = self.url_open(
            "/my/starlink/alerts/read-all", data={"csrf_token": csrf}, allow_redirects=False
        )
        self.assertNotIn("evil", response.headers["Location"])
        self.assertTrue(self.read_by(self.alert_a, self.user_a))
        self.assertTrue(self.read_by(self.alert_a_old, self.user_a))
        self.assertFalse(self.read_by(self.alert_b, self.user_b), "B's alerts untouched")
        self.assertFalse(self.read_by(self.alert_a, self.user_a2))
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT alert_id FROM starlink_alert_portal_read_rel WHERE user_id = %s",
            [self.user_a.id],
        )
        self.assertEqual(
            {row[0] for row in self.env.cr.fetchall()}, {self.alert_a.id, self.alert_a_old.id}
        )
        self.assertIn(self.user_a, self.alert_a.portal_read_user_ids, "staff see who read it")

    def test_another_clients_alert_is_refused(self):
        self.authenticate("sl_portal_b", "sl_portal_b")
        csrf = self.csrf()
        page = self.get(f"/my/starlink/alerts/{self.alert_a.id}")
        self.assertEqual(page.status_code, 303)
        self.assertNotIn(self.alert_a.name, page.text)
        response = self.url_open(
            f"/my/starlink/alerts/{self.alert_a.id}/read",
            data={"csrf_token": csrf, "read": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertFalse(self.read_by(self.alert_a, self.user_b))
        self.assertFalse(self.alert_a.portal_read_user_ids)
        # "Mark all" reads B's own alerts only.
        self.url_open("/my/starlink/alerts/read-all", data={"csrf_token": csrf})
        self.assertTrue(self.read_by(self.alert_b, self.user_b))
        self.assertFalse(self.alert_a.portal_read_user_ids | self.alert_a_old.portal_read_user_ids)

    def test_staff_only_alert_is_not_opened(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(f"/my/starlink/alerts/{self.staff_alert_a.id}")
        self.assertEqual(page.status_code, 303)
        self.assertNotIn("Internal anomaly note", page.text)

    def test_anonymous_visitor_is_sent_to_login(self):
        self.assertLoginRedirect(self.get(f"/my/starlink/alerts/{self.alert_a.id}"))
        self.assertLoginRedirect(
            self.url_open(
                f"/my/starlink/alerts/{self.alert_a.id}/read",
                data={"read": "1"},
                allow_redirects=False,
            )
        )
        self.assertFalse(self.alert_a.portal_read_user_ids)

    @mute_logger("odoo.http")
    def test_switch_without_csrf_token_is_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.url_open(
            f"/my/starlink/alerts/{self.alert_a.id}/read",
            data={"read": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.read_by(self.alert_a, self.user_a))

    def test_line_page_alerts_show_unread(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(self.line_url(self.line_a))
        section = page.text.split('id="o_starlink_line_alerts"')[1].split("</section>")[0]
        self.assertIn("o_starlink_alert_new", section)
        self.assertIn(f'href="/my/starlink/alerts/{self.alert_a.id}"', section)
        token = self.line_a._portal_ensure_token()
        self.url_open("/web/session/logout")
        shared = self.get(self.line_url(self.line_a, access_token=token))
        self.assertNotIn("o_starlink_alert_read_form", shared.text)

    def test_line_page_shows_the_visitors_own_read_state(self):
        """An alert marked read on the alert list shows read on the line page too, for that
        user only (the line page reads its alerts through the checked line, as the user)."""
        # The superuser's own flags must not leak into the page of a portal user.
        self.alert_a.with_user(self.env.ref("base.user_root"))._portal_mark_read()
        self.authenticate("sl_portal_a", "sl_portal_a")

        def line_alert_row():
            page = self.get(self.line_url(self.line_a))
            self.assertEqual(page.status_code, 200)
            section = page.text.split('id="o_starlink_line_alerts"')[1].split("</section>")[0]
            return section.split(f'data-alert-id="{self.alert_a.id}"')[1].split("</tr>")[0]

        self.assertIn("o_starlink_alert_new", line_alert_row())
        response = self.url_open(
            f"/my/starlink/alerts/{self.alert_a.id}/read",
            data={"csrf_token": self.csrf(), "read": "1", "redirect": "/my/starlink/alerts"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        row = line_alert_row()
        self.assertNotIn("o_starlink_alert_new", row)
        self.assertIn("Mark as unread", row)
        # The other contact of the client has not read it.
        self.authenticate("sl_portal_a2", "sl_portal_a2")
        self.assertIn("o_starlink_alert_new", line_alert_row())
