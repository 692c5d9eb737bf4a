"""JSON of the portal's charts and live values.

* ``/my/starlink/lines/<id>/charts``: the series of the line page's charts for a range
  (usage by period, the cycle's forecast band, performance from the hourly rollups);
* ``/my/starlink/lines/<id>/live``: the line's figures that change during the day, with the
  summary and terminals sections rendered again, for the page to refresh in place;
* ``/my/starlink/live?line_ids=1,2``: the same for the dashboard's visible cards.

Same access as the pages: ``_starlink_line_check_access`` (the user's line or its share
token) before reading anything; a refusal is a JSON error without any of the line's data
(403 for a visitor who is not logged in, 404 otherwise).
"""

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.osv import expression

from ..lib.periods import parse_grouping
from .portal import StarlinkPortal

# Most cards a dashboard refresh reads at once (a page shows 24).
LIVE_MAX_LINES = 100
NO_STORE = [("Cache-Control", "no-store")]


class StarlinkPortalCharts(StarlinkPortal):
    # ------------------------------------------------------------------ helpers

    def _starlink_json(self, data, status=200):
        return request.make_json_response(data, headers=NO_STORE, status=status)

    def _starlink_json_denied(self):
        if request.env.user._is_public():
            return self._starlink_json({"error": "login_required"}, status=403)
        return self._starlink_json({"error": "not_found"}, status=404)

    def _starlink_render_section(self, template, values):
        return str(request.env["ir.ui.view"]._render_template(template, values))

    def _starlink_refreshed(self, now):
        """When live values were read: ``refreshed_at`` (ISO, UTC) and ``refreshed_label``,
        the time in the visitor's format (as the page shows its times)."""
        label = request.env["ir.qweb.field.datetime"].value_to_html(
            now, {"time_only": True, "hide_seconds": True}
        )
        return {"refreshed_at": now.isoformat(), "refreshed_label": label}

    def _prepare_starlink_line_live_values(self, line_sudo):
        """Live figures of one line and its sections rendered again (HTML by section id)."""
        now = fields.Datetime.now()
        values = {
            "line": line_sudo,
            "terminals": line_sudo._portal_terminals(),
            "starlink_now": now,
        }
        return {
            "line": line_sudo._portal_live_values()[0],
            "sections": {
                "o_starlink_line_summary": self._starlink_render_section(
                    "starlink_portal.portal_starlink_line_summary", values
                ),
                "o_starlink_line_terminals": self._starlink_render_section(
                    "starlink_portal.portal_starlink_line_terminals", values
                ),
            },
            **self._starlink_refreshed(now),
        }

    def _prepare_starlink_lines_live_values(self, line_ids):
        """Live figures and cards of the user's lines among ``line_ids`` (others skipped)."""
        Line = request.env["starlink.service.line"]
        ids = [int(i) for i in (line_ids or "").split(",") if i.strip().isdigit()]
        ids = ids[:LIVE_MAX_LINES]
        lines = Line.browse()
        if ids and Line.has_access("read"):
            domain = expression.AND(
                [
                    self._prepare_starlink_lines_domain(request.env.user.partner_id),
                    [("id", "in", ids)],
                ]
            )
            lines = Line.search(domain)
        return {
            "lines": lines._portal_live_values(),
            "cards": {
                line.id: self._starlink_render_section(
                    "starlink_portal.portal_starlink_line_card", {"line": line}
                )
                for line in lines
            },
            **self._starlink_refreshed(fields.Datetime.now()),
        }

    # ------------------------------------------------------------------ routes

    @http.route(
        ["/my/starlink/lines/<int:line_id>/charts"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_starlink_line_charts(
        self, line_id, access_token=None, date_from=None, date_to=None, grouping=None, **kw
    ):
        try:
            line_sudo = self._starlink_line_check_access(line_id, access_token)
        except (AccessError, MissingError):
            return self._starlink_json_denied()
        start, end = line_sudo._portal_range(date_from, date_to)
        values = line_sudo._portal_chart_values(start, end, parse_grouping(grouping))
        return self._starlink_json(values)

    @http.route(
        ["/my/starlink/lines/<int:line_id>/live"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_starlink_line_live(self, line_id, access_token=None, **kw):
        try:
            line_sudo = self._starlink_line_check_access(line_id, access_token)
        except (AccessError, MissingError):
            return self._starlink_json_denied()
        return self._starlink_json(self._prepare_starlink_line_live_values(line_sudo))

    @http.route(["/my/starlink/live"], type="http", auth="public", website=True, readonly=True)
    def portal_starlink_lines_live(self, line_ids=None, **kw):
        if request.env.user._is_public():
            return self._starlink_json_denied()
        return self._starlink_json(self._prepare_starlink_lines_live_values(line_ids))
