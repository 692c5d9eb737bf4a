"""Alert mail preferences edited in the portal (issue 9 item 5) change what the alert
notification action mails: a kind switched off is not mailed, mails off mails nothing; the
alerts stay listed in the portal."""

import lxml.html

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StarlinkPortalCase


@tagged("post_install", "-at_install")
class TestPortalAlertPreferences(StarlinkPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_a.email = "office@alpha.example.com"
        cls.client_b.email = "office@bravo.example.com"
        cls.outage_rule = cls.env["starlink.alert.rule"].create(
            {"name": "Portal outage rule", "rule_type": "outage", "threshold": 30,
             "notify_client": True, "notify_staff": False, "company_id": cls.company.id}
        )  # fmt: skip
        cls.alert_rule.notify_staff = False
        cls.other_company_rule = cls.env["starlink.alert.rule"].create(
            {"name": "Portal other company rule", "rule_type": "usage", "threshold": 95,
             "notify_client": True,
             "company_id": cls.env["res.company"].create({"name": "Other Reseller"}).id}
        )  # fmt: skip

    def preferences_form(self):
        page = self.get("/my/starlink/alerts/preferences")
        self.assertEqual(page.status_code, 200)
        return page

    def save(self, mail, rules):
        page = self.preferences_form()
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        data = [("csrf_token", csrf)] + [("rule_ids", str(rule.id)) for rule in rules]
        if mail:
            data.append(("alert_mail", "1"))
        response = self.url_open(
            "/my/starlink/alerts/preferences", data=data, allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        return response

    def notify(self, *alerts):
        """New alerts notified by the scheduled action; return their client mails."""
        ids = [alert.id for alert in alerts]
        alerts = self.env["starlink.alert"].browse(ids)
        alerts.notify_state = "pending"
        self.env["starlink.alert"]._cron_notify()
        self.assertEqual(set(alerts.mapped("notify_state")), {"done"})
        return self.env["mail.mail"].search(
            [("model", "=", "starlink.alert"), ("res_id", "in", ids)]
        )

    def alerts(self, suffix):
        usage = self._alert(self.alert_rule, self.line_a, f"Usage alert {suffix}")
        outage = self._alert(self.outage_rule, self.line_a2, f"Outage alert {suffix}")
        return usage, outage

    def test_form_lists_the_kinds_a_client_may_be_mailed_about(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.preferences_form()
        self.assertIn("Portal usage rule", page.text)
        self.assertIn("Portal outage rule", page.text)
        self.assertNotIn("Portal staff-only rule", page.text)
        self.assertNotIn("Portal other company rule", page.text)
        self.assertIn('id="o_starlink_alert_mail"', page.text)
        self.assertIn("office@alpha.example.com", page.text)

    def test_a_kind_switched_off_is_not_mailed(self):
        self.assertEqual(len(self.notify(*self.alerts("before"))), 2, "both kinds by default")
        self.authenticate("sl_portal_a2", "sl_portal_a2")
        response = self.save(True, [self.outage_rule])
        self.assertIn("saved=1", response.headers["Location"])
        offered = self.client_a._starlink_portal_alert_rules()
        self.assertIn(self.alert_rule, offered)
        self.assertEqual(self.client_a.starlink_muted_rule_ids, offered - self.outage_rule)
        self.assertTrue(self.client_a.starlink_alert_mail)
        usage, outage = self.alerts("after")
        mails = self.notify(usage, outage)
        self.assertEqual(mails.mapped("res_id"), [outage.id], "only the kind still wanted")
        self.assertFalse(usage.client_mailed)
        # Still listed in the portal.
        listing = self.get("/my/starlink/alerts?filterby=all")
        self.assertIn("Usage alert after", listing.text)
        doc = lxml.html.fromstring(self.preferences_form().text)
        checked = {
            int(box.get("value")) for box in doc.xpath("//input[@name='rule_ids'][@checked]")
        }
        self.assertEqual(checked, {self.outage_rule.id}, "the form shows what was saved")

    def test_mails_off_mails_nothing_and_on_again(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.save(False, [self.alert_rule, self.outage_rule])
        self.assertFalse(self.client_a.starlink_alert_mail)
        self.assertFalse(self.notify(*self.alerts("off")))
        self.save(True, self.client_a._starlink_portal_alert_rules())
        self.assertTrue(self.client_a.starlink_alert_mail)
        self.assertFalse(self.client_a.starlink_muted_rule_ids)
        self.assertEqual(len(self.notify(*self.alerts("on"))), 2)

    def test_preferences_are_the_clients_own(self):
        # A rule muted by staff that the client is not offered stays muted.
        self.client_a.starlink_muted_rule_ids = self.other_company_rule
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.save(False, [])
        self.assertEqual(
            self.client_a.starlink_muted_rule_ids,
            self.client_a._starlink_portal_alert_rules() | self.other_company_rule,
        )
        self.assertTrue(self.client_b.starlink_alert_mail, "client B is untouched")
        self.assertFalse(self.client_b.starlink_muted_rule_ids)
        alert_b = self._alert(self.alert_rule, self.line_b, "Bravo usage")
        self.assertEqual(len(self.notify(alert_b)), 1, "B is still mailed")

    def test_anonymous_visitor_is_sent_to_login(self):
        self.assertLoginRedirect(self.get("/my/starlink/alerts/preferences"))
        response = self.url_open(
            "/my/starlink/alerts/preferences", data={"alert_mail": ""}, allow_redirects=False
        )
        self.assertLoginRedirect(response)
        self.assertTrue(self.client_a.starlink_alert_mail)

    @mute_logger("odoo.http")
    def test_form_without_csrf_token_is_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.url_open(
            "/my/starlink/alerts/preferences", data={"rule_ids": "1"}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(self.client_a.starlink_alert_mail)
        self.assertFalse(self.client_a.starlink_muted_rule_ids)
