from odoo import http
from odoo.http import request


class StarlinkStatusController(http.Controller):
    """The synchronisation's status for uptime monitors, behind a token.

    ``GET /starlink/status`` with ``Authorization: Bearer <token>`` (or ``?token=`` for
    monitors that cannot send headers). The token is ``STARLINK_STATUS_TOKEN`` in the
    server's environment (a Docker secret), else the system parameter
    ``starlink_telemetry.status_token``; without one configured every request is refused.
    Answers 200 when nothing is failing, 503 when a stream has been failing past the
    threshold (monitors alert on the status code), 401 without data on a missing or wrong token.
    """

    @http.route(
        "/starlink/status",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def starlink_status(self, token=None, **kwargs):
        Status = request.env["starlink.ops.status"]
        header = request.httprequest.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        report = Status._status_report_for_token(token)
        if report is None:
            return request.make_json_response(
                {"error": "a valid status token is required"},
                headers=[("WWW-Authenticate", "Bearer"), ("Cache-Control", "no-store")],
                status=401,
            )
        return request.make_json_response(
            report,
            headers=[("Cache-Control", "no-store")],
            status=503 if report["status"] == "failing" else 200,
        )
