import io
import zipfile
from datetime import date, timedelta

from odoo.tests import tagged

from .common import StarlinkPortalCase

try:
    import openpyxl
except ImportError:  # pragma: no cover - the zip's sheet XML is read instead
    openpyxl = None


@tagged("post_install", "-at_install")
class TestPortalExport(StarlinkPortalCase):
    """CSV and XLSX exports: exactly the chosen range, only the line asked for."""

    def _range(self):
        start = self.usage_start + timedelta(days=5)
        return start, start + timedelta(days=13)

    def test_csv_holds_exactly_the_range_of_this_line(self):
        start, end = self._range()
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(
            self.line_url(
                self.line_a, "/export.csv", date_from=start.isoformat(), date_to=end.isoformat()
            )
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/csv", response.headers["Content-Type"])
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(
            f"usage-SLP-A-0001-{start}-{end}.csv", response.headers["Content-Disposition"]
        )
        rows = self.parse_csv(response.content)
        self.assertEqual(
            [row["Date"] for row in rows], [d.isoformat() for d in self.days(start, end)]
        )
        self.assertEqual({row["Service Line"] for row in rows}, {"SLP-A-0001"})
        # Line B's figures (7 GB priority every day) are nowhere.
        self.assertNotIn("SLP-B-0001", response.text)
        first = rows[0]
        self.assertAlmostEqual(float(first["Priority (GB)"]), 1.05, places=3)
        self.assertAlmostEqual(float(first["Standard (GB)"]), 0.5, places=3)
        self.assertAlmostEqual(float(first["Total (GB)"]), 1.56, places=3)

    def test_xlsx_holds_exactly_the_range_of_this_line(self):
        start, end = self._range()
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(
            self.line_url(
                self.line_a, "/export.xlsx", date_from=start.isoformat(), date_to=end.isoformat()
            )
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        if openpyxl is None:
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                sheet = archive.read("xl/worksheets/sheet1.xml").decode()
            self.assertNotIn("SLP-B-0001", sheet)
            return
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        table = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == "SLP-A-0001"]
        dates = [row[1].date() for row in table]
        self.assertEqual(dates, self.days(start, end))
        self.assertIsInstance(table[0][2], float)  # real numbers, not text
        self.assertEqual(
            sheet.cell(row=1, column=1).value, "Daily usage of SLP-A-0001 (Farm house)"
        )
        values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
        self.assertNotIn("SLP-B-0001", values)
        total_row = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "Total")
        self.assertTrue(str(total_row[2]).startswith("=SUM("))

    def test_default_range_is_the_current_cycle(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.line_url(self.line_a, "/export.csv"))
        rows = self.parse_csv(response.content)
        start, end = self.line_a.cycle_start_date, self.line_a.cycle_end_date
        self.assertTrue(all(start <= date.fromisoformat(row["Date"]) <= end for row in rows))

    def test_other_client_export_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        for extension in ("csv", "xlsx"):
            with self.subTest(extension=extension):
                response = self.get(self.line_url(self.line_b, f"/export.{extension}"))
                self.assertRefused(response, "SLP-B-0001")
                self.assertNotIn("attachment", response.headers.get("Content-Disposition", ""))

    def test_anonymous_export_goes_to_login(self):
        response = self.get(self.line_url(self.line_a, "/export.csv"))
        self.assertLoginRedirect(response)
        self.assertNotIn("SLP-A-0001", response.text)

    def test_export_by_share_link(self):
        token = self.line_b._portal_ensure_token()
        start, end = self._range()
        response = self.get(
            self.line_url(
                self.line_b,
                "/export.csv",
                access_token=token,
                date_from=start.isoformat(),
                date_to=end.isoformat(),
            )
        )
        self.assertEqual(response.status_code, 200)
        rows = self.parse_csv(response.content)
        self.assertEqual(len(rows), 14)
        self.assertEqual({row["Service Line"] for row in rows}, {"SLP-B-0001"})
        response = self.get(self.line_url(self.line_b, "/export.csv", access_token="nope"))
        self.assertLoginRedirect(response)
