"""The client portal of Starlink service lines: home counters, dashboard, line page, exports.

Controllers only route: the access check (``_document_check_access`` for one line, a domain
on the user's commercial entity for lists), then small overridable ``_prepare_*`` methods
whose values the templates render; the data comes from the models.
"""

from urllib.parse import urlencode

from odoo import fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request
from odoo.osv import expression

from ..lib.periods import GROUPINGS, parse_grouping

LINES_URL = "/my/starlink"
ALERTS_URL = "/my/starlink/alerts"


class StarlinkPortal(CustomerPortal):
    _starlink_lines_per_page = 24
    _starlink_line_invoice_limit = 12
    # What the line page shows of an invoice, read with its search.
    _starlink_line_invoice_fields = (
        "name",
        "invoice_date",
        "invoice_date_due",
        "amount_total",
        "currency_id",
        "payment_state",
    )

    # ------------------------------------------------------------------ home

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        partner = request.env.user.partner_id
        if "starlink_line_count" in counters:
            Line = request.env["starlink.service.line"]
            values["starlink_line_count"] = (
                Line.search_count(self._prepare_starlink_lines_domain(partner))
                if Line.has_access("read")
                else 0
            )
        Alert = request.env["starlink.alert"]
        for counter, filterby, limit in (
            ("starlink_alert_count", "open", None),
            ("starlink_alert_history_count", "all", 1),  # only tells whether there are any
        ):
            if counter in counters:
                values[counter] = (
                    Alert.search_count(
                        self._prepare_starlink_alerts_domain(partner, filterby), limit=limit
                    )
                    if Alert.has_access("read")
                    else 0
                )
        return values

    # ------------------------------------------------------------------ dashboard

    def _starlink_client_contacts(self, partner):
        """The contacts of ``partner``'s commercial entity, as a subquery for a domain.

        ``child_of`` would first read the contacts (two queries each time a search meets it);
        this subquery costs none, like the record rules that match the same commercial
        partner. Searched as the visitor: a portal user reads the contacts of his own
        commercial entity only (Odoo's rule on partners), never another client's.
        """
        return (
            request.env["res.partner"]
            .with_context(active_test=False)
            ._search([("commercial_partner_id", "=", partner.commercial_partner_id.id)])
        )

    def _prepare_starlink_lines_domain(self, partner):
        """The lines of the user's commercial entity (every contact of it sees the same)."""
        return [("partner_id", "in", self._starlink_client_contacts(partner))]

    def _get_starlink_searchbar_filters(self):
        _ = request.env._
        return {
            "current": {"label": _("In service"), "domain": [("state", "!=", "cancelled")]},
            "active": {"label": _("Active"), "domain": [("state", "=", "active")]},
            "suspended": {"label": _("Suspended"), "domain": [("state", "=", "suspended")]},
            "cancelled": {"label": _("Cancelled"), "domain": [("state", "=", "cancelled")]},
            "all": {"label": _("All"), "domain": []},
        }

    def _get_starlink_searchbar_sortings(self):
        _ = request.env._
        return {
            "number": {"label": _("Number")},
            "nickname": {"label": _("Name")},
            "usage": {"label": _("Usage % (highest first)")},
            "projected": {"label": _("Projected total (highest first)")},
        }

    def _get_starlink_search_domain(self, search):
        if not search:
            return []
        return [
            "|",
            ("service_line_number", "ilike", search),
            ("nickname", "ilike", search),
        ]

    def _prepare_starlink_lines_values(
        self, page=1, filterby=None, sortby=None, search=None, plan=None, over=None, **kwargs
    ):
        Line = request.env["starlink.service.line"]
        partner = request.env.user.partner_id
        filters = self._get_starlink_searchbar_filters()
        sortings = self._get_starlink_searchbar_sortings()
        filterby = filterby if filterby in filters else "current"
        sortby = sortby if sortby in sortings else "number"
        search = (search or "").strip()
        plan_id = int(plan) if plan and str(plan).isdigit() else None
        over = over == "1"

        base_domain = self._prepare_starlink_lines_domain(partner)
        domain = expression.AND(
            [
                base_domain,
                filters[filterby]["domain"],
                self._get_starlink_search_domain(search),
                [("product_id", "=", plan_id)] if plan_id else [],
                [("forecast_over_limit", "=", True)] if over else [],
            ]
        )
        url_args = {"filterby": filterby, "sortby": sortby}
        url_args.update(
            {
                key: value
                for key, value in (("search", search), ("plan", plan_id), ("over", over and 1))
                if value
            }
        )
        line_count = Line.search_count(domain)
        pager = portal_pager(
            url=LINES_URL,
            total=line_count,
            page=page,
            step=self._starlink_lines_per_page,
            url_args=url_args,
        )
        lines = Line._portal_search_page(
            domain, sortby, pager["offset"], self._starlink_lines_per_page
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_lines",
                "default_url": LINES_URL,
                "lines": lines,
                "pager": pager,
                "filterby": filterby,
                "sortby": sortby,
                "search": search,
                "plan_id": plan_id,
                "over": over,
                "searchbar_filters": filters,
                "searchbar_sortings": sortings,
                "plans": Line._portal_plans(base_domain),
                "line_count": line_count,
                "starlink_now": fields.Datetime.now(),
            }
        )
        return values

    @http.route(
        [LINES_URL, f"{LINES_URL}/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_starlink_lines(self, **kwargs):
        values = self._prepare_starlink_lines_values(**kwargs)
        request.session["my_starlink_lines_history"] = values["lines"].ids[:100]
        return request.render("starlink_portal.portal_my_starlink_lines", values)

    # ------------------------------------------------------------------ alerts

    def _prepare_starlink_alerts_domain(self, partner, filterby="open"):
        domain = [("partner_id", "in", self._starlink_client_contacts(partner))]
        if filterby == "open":
            domain.append(("state", "=", "open"))
        return domain

    def _prepare_starlink_alerts_values(self, page=1, filterby=None, **kwargs):
        Alert = request.env["starlink.alert"]
        _ = request.env._
        filters = {"open": {"label": _("Open")}, "all": {"label": _("All")}}
        filterby = filterby if filterby in filters else "open"
        domain = self._prepare_starlink_alerts_domain(request.env.user.partner_id, filterby)
        pager = portal_pager(
            url=ALERTS_URL,
            total=Alert.search_count(domain),
            page=page,
            step=self._items_per_page,
            url_args={"filterby": filterby},
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_alerts",
                "default_url": ALERTS_URL,
                "alerts": Alert.search(domain, limit=self._items_per_page, offset=pager["offset"]),
                "pager": pager,
                "filterby": filterby,
                "searchbar_filters": filters,
            }
        )
        return values

    @http.route(
        [ALERTS_URL, f"{ALERTS_URL}/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_starlink_alerts(self, **kwargs):
        values = self._prepare_starlink_alerts_values(**kwargs)
        return request.render("starlink_portal.portal_my_starlink_alerts", values)

    # ------------------------------------------------------------------ line page

    def _starlink_line_check_access(self, line_id, access_token=None):
        """The line (sudo) when the user may read it or holds its token; raises otherwise.

        ``_document_check_access`` gives the line as the superuser; it is given back as the
        visitor in sudo mode: still no record rule on what is read through it, but what
        depends on the user is the visitor's (his time zone for today, his alerts read or
        unread), not the superuser's.
        """
        # the access check (the user's record rules, else the line's token) comes first
        line_sudo = self._document_check_access(
            "starlink.service.line", line_id, access_token=access_token
        )
        return line_sudo._portal_as_visitor(request.env.user)

    def _starlink_access_denied(self):
        """Where a visitor without access goes: the login page, or /my when logged in."""
        if request.env.user._is_public():
            query = urlencode({"redirect": request.httprequest.full_path})
            return request.redirect(f"/web/login?{query}")
        return request.redirect("/my")

    def _prepare_starlink_line_values(
        self, line_sudo, access_token=None, date_from=None, date_to=None, grouping=None, **kw
    ):
        start, end = line_sudo._portal_range(date_from, date_to)
        grouping = parse_grouping(grouping)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_line",
                "line": line_sudo,
                "date_from": start,
                "date_to": end,
                "groupings": {key: line_sudo._portal_grouping_labels()[key] for key in GROUPINGS},
                "range_presets": line_sudo._portal_range_presets(),
                "performance": line_sudo._portal_performance(start, end),
                "terminals": line_sudo._portal_terminals(),
                "alerts": line_sudo._portal_alerts(),
                "suggested_plan": line_sudo._portal_suggested_plan(),
                "plan_values": line_sudo._portal_plan_values(),
                "invoices": self._starlink_line_invoices(line_sudo),
                "export_query": self._starlink_export_query(start, end, access_token),
                "res_company": line_sudo.company_id,
                "starlink_now": fields.Datetime.now(),
            }
        )
        values.update(line_sudo._portal_usage_values(start, end, grouping))
        values = self._get_page_view_values(
            line_sudo,
            access_token,
            values,
            "my_starlink_lines_history",
            no_breadcrumbs=request.env.user._is_public(),
        )
        return values

    def _starlink_line_invoices(self, line_sudo):
        """The line's latest invoices the user may open himself (none for a share link):
        searched as the user (Odoo's invoice rules), with the fields the page shows."""
        Move = request.env["account.move"]
        if request.env.user._is_public() or not Move.has_access("read"):
            return Move
        return Move.search_fetch(
            [("id", "in", line_sudo._portal_invoice_ids())],
            self._starlink_line_invoice_fields,
            order="invoice_date desc, id desc",
            limit=self._starlink_line_invoice_limit,
        )

    def _starlink_export_query(self, start, end, access_token=None):
        query = {"date_from": start.isoformat(), "date_to": end.isoformat()}
        if access_token:
            query["access_token"] = access_token
        return query

    @http.route(["/my/starlink/lines/<int:line_id>"], type="http", auth="public", website=True)
    def portal_starlink_line_page(self, line_id, access_token=None, **kwargs):
        try:
            line_sudo = self._starlink_line_check_access(line_id, access_token)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        values = self._prepare_starlink_line_values(line_sudo, access_token=access_token, **kwargs)
        return request.render("starlink_portal.portal_starlink_line_page", values)

    @http.route(
        ["/my/starlink/lines/<int:line_id>/export.<any(csv,xlsx):file_format>"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_starlink_line_export(
        self, line_id, file_format, access_token=None, date_from=None, date_to=None, **kwargs
    ):
        try:
            line_sudo = self._starlink_line_check_access(line_id, access_token)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        start, end = line_sudo._portal_range(date_from, date_to)
        filename, content, mimetype = line_sudo._portal_export(start, end, file_format)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
