"""Alerts read or unread, and the client's alert mail preferences.

* ``GET /my/starlink/alerts/<id>``: one alert; opening it marks it read;
* ``POST /my/starlink/alerts/<id>/read`` (``read=1|0``) and ``/my/starlink/alerts/read-all``:
  read flags of the current user only;
* ``GET|POST /my/starlink/alerts/preferences``: mails on or off and which kinds of alert are
  mailed, saved on the client (what the alert notification action honours).

An alert is found through the list's own domain (the user's commercial entity) and the
user's record rules: another client's alert is refused before anything is read or written.
"""

from odoo import http
from odoo.http import request

from ..lib.requests import parse_id, safe_redirect
from .portal import ALERTS_URL, StarlinkPortal

PREFERENCES_URL = f"{ALERTS_URL}/preferences"


class StarlinkPortalAlerts(StarlinkPortal):
    # ------------------------------------------------------------------ helpers

    def _starlink_user_alert(self, alert_id):
        """The alert when it is one of the user's client's (empty recordset otherwise)."""
        domain = self._prepare_starlink_alerts_domain(request.env.user.partner_id, "all")
        return request.env["starlink.alert"].search(domain + [("id", "=", alert_id)], limit=1)

    def _prepare_starlink_alerts_values(self, page=1, filterby=None, **kwargs):
        values = super()._prepare_starlink_alerts_values(page=page, filterby=filterby, **kwargs)
        domain = self._prepare_starlink_alerts_domain(request.env.user.partner_id, "all")
        values["alert_unread_count"] = request.env["starlink.alert"].search_count(
            domain + [("portal_is_read", "=", False)]
        )
        return values

    # ------------------------------------------------------------------ alert page

    @http.route(f"{ALERTS_URL}/<int:alert_id>", type="http", auth="user", website=True)
    def portal_starlink_alert_page(self, alert_id, **kwargs):
        alert = self._starlink_user_alert(alert_id)
        if not alert:
            return request.redirect(ALERTS_URL)
        alert._portal_mark_read()
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "starlink_alert", "alert": alert})
        return request.render("starlink_portal.portal_starlink_alert_page", values)

    @http.route(
        f"{ALERTS_URL}/<int:alert_id>/read", type="http", auth="user", methods=["POST"],
        website=True,
    )  # fmt: skip
    def portal_starlink_alert_read(self, alert_id, read="1", redirect=None, **kwargs):
        alert = self._starlink_user_alert(alert_id)
        if not alert:
            return request.redirect(ALERTS_URL)
        alert._portal_mark_read(read != "0")
        return request.redirect(safe_redirect(redirect, ALERTS_URL))

    @http.route(f"{ALERTS_URL}/read-all", type="http", auth="user", methods=["POST"], website=True)
    def portal_starlink_alerts_read_all(self, redirect=None, **kwargs):
        domain = self._prepare_starlink_alerts_domain(request.env.user.partner_id, "all")
        request.env["starlink.alert"].search(
            domain + [("portal_is_read", "=", False)]
        )._portal_mark_read()
        return request.redirect(safe_redirect(redirect, ALERTS_URL))

    # ------------------------------------------------------------------ preferences

    def _prepare_starlink_alert_preferences_values(self, saved=False):
        partner = request.env.user.partner_id
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_alert_preferences",
                "preferences": partner._starlink_portal_alert_preferences(),
                "client": partner.commercial_partner_id,
                "saved": saved,
            }
        )
        return values

    @http.route(PREFERENCES_URL, type="http", auth="user", methods=["GET"], website=True)
    def portal_starlink_alert_preferences(self, saved=None, **kwargs):
        values = self._prepare_starlink_alert_preferences_values(saved=saved == "1")
        return request.render("starlink_portal.portal_starlink_alert_preferences", values)

    @http.route(PREFERENCES_URL, type="http", auth="user", methods=["POST"], website=True)
    def portal_starlink_alert_preferences_save(self, alert_mail=None, **kwargs):
        wanted = [
            rule_id
            for rule_id in map(parse_id, request.httprequest.form.getlist("rule_ids"))
            if rule_id
        ]
        request.env.user.partner_id._starlink_portal_save_alert_preferences(
            alert_mail == "1", wanted
        )
        return request.redirect(f"{PREFERENCES_URL}?saved=1")
