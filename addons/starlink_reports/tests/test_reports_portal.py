import base64

from odoo.addons.starlink_portal.tests.common import StarlinkPortalCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestReportsPortal(StarlinkPortalCase):
    """The report history of a client in the portal, its downloads, a line's PDF report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delivery_a = cls._delivery(cls.client_a, b"%PDF-report-of-alpha")
        cls.delivery_b = cls._delivery(cls.client_b, b"%PDF-report-of-bravo")
        cls.pending_a = cls._delivery(cls.client_a, b"%PDF-not-sent", state="queued")

    @classmethod
    def _delivery(cls, client, content, state="sent"):
        delivery = cls.env["starlink.report.delivery"].create(
            {
                "key": f"test:{client.id}:{state}",
                "partner_id": client.id,
                "company_id": cls.company.id,
                "period_start": "2026-09-05",
                "period_end": "2026-10-04",
                "state": state,
                "template_id": cls.env.ref("starlink_reports.starlink_report_template_monthly").id,
            }
        )
        delivery.attachment_id = cls.env["ir.attachment"].create(
            {
                "name": "report.pdf",
                "datas": base64.b64encode(content),
                "res_model": delivery._name,
                "res_id": delivery.id,
            }
        )
        return delivery

    def test_history_lists_the_client_sent_reports(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.url_open("/my/starlink/reports")
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"/my/starlink/reports/{self.delivery_a.id}/download", response.text)
        self.assertNotIn(f"/my/starlink/reports/{self.delivery_b.id}/", response.text)
        self.assertNotIn(f"/my/starlink/reports/{self.pending_a.id}/", response.text)
        self.assertIn("Monthly usage report", response.text)
        home = self.url_open("/my")
        self.assertIn("/my/starlink/reports", home.text)

    def test_download_own_report_only(self):
        self.authenticate("sl_portal_a2", "sl_portal_a2")
        response = self.url_open(f"/my/starlink/reports/{self.delivery_a.id}/download")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"%PDF-report-of-alpha")
        for other in (self.delivery_b, self.pending_a):
            response = self.url_open(f"/my/starlink/reports/{other.id}/download")
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(b"%PDF", response.content)
        response = self.url_open("/my/starlink/reports/999999999/download")
        self.assertEqual(response.status_code, 404)

    def test_line_pdf_report(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.url_open(f"/my/starlink/lines/{self.line_a.id}")
        self.assertIn(f"/my/starlink/lines/{self.line_a.id}/report.pdf?", page.text)
        response = self.url_open(f"/my/starlink/lines/{self.line_a.id}/report.pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn("SLP-A-0001", response.text)
        self.assertNotIn("SLP-A-0002", response.text, "the line alone")
        response = self.url_open(f"/my/starlink/lines/{self.line_b.id}/report.pdf")
        self.assertNotIn("SLP-B-0001", response.text)
        self.assertTrue(response.url.endswith("/my"), "another client's line: back to /my")
