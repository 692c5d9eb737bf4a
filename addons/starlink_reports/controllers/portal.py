"""The client's report history (/my/starlink/reports, with downloads) and the PDF report of a
service line from its portal page. Controllers only route: access is checked as the visitor
(record rules of the deliveries, ``_document_check_access`` of the line) before any sudo."""

from odoo import http
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.starlink_portal.controllers.portal import StarlinkPortal
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request

REPORTS_URL = "/my/starlink/reports"


class StarlinkReportsPortal(StarlinkPortal):
    _starlink_reports_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "starlink_report_count" in counters:
            Delivery = request.env["starlink.report.delivery"]
            values["starlink_report_count"] = (
                Delivery.search_count(self._prepare_starlink_reports_domain())
                if Delivery.has_access("read")
                else 0
            )
        return values

    def _prepare_starlink_reports_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "=", partner.id), ("state", "=", "sent")]

    def _prepare_starlink_reports_values(self, page=1, **kwargs):
        Delivery = request.env["starlink.report.delivery"]
        domain = self._prepare_starlink_reports_domain()
        count = Delivery.search_count(domain)
        pager = portal_pager(
            url=REPORTS_URL, total=count, page=page, step=self._starlink_reports_per_page
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_reports",
                "deliveries": Delivery.search(
                    domain, limit=self._starlink_reports_per_page, offset=pager["offset"]
                ),
                "pager": pager,
                "default_url": REPORTS_URL,
            }
        )
        return values

    @http.route([REPORTS_URL, f"{REPORTS_URL}/page/<int:page>"], type="http", auth="user",
                website=True)  # fmt: skip
    def portal_my_starlink_reports(self, page=1, **kwargs):
        values = self._prepare_starlink_reports_values(page=page, **kwargs)
        return request.render("starlink_reports.portal_my_starlink_reports", values)

    @http.route(f"{REPORTS_URL}/<int:delivery_id>/download", type="http", auth="user")
    def portal_starlink_report_download(self, delivery_id, **kwargs):
        delivery = request.env["starlink.report.delivery"].browse(delivery_id)
        try:
            attachment = delivery._portal_attachment()
        except (AccessError, MissingError):
            attachment = None
        if not attachment:
            raise request.not_found()
        content = attachment.raw
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(attachment.name)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )

    @http.route(["/my/starlink/lines/<int:line_id>/report.pdf"], type="http", auth="public",
                website=True, readonly=True)  # fmt: skip
    def portal_starlink_line_report(
        self, line_id, access_token=None, date_from=None, date_to=None, **kwargs
    ):
        try:
            line_sudo = self._starlink_line_check_access(line_id, access_token)
        except (AccessError, MissingError):
            return self._starlink_access_denied()
        start, end = line_sudo._portal_range(date_from, date_to)
        content, filename = line_sudo._report_portal_pdf(start, end)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
