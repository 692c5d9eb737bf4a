import csv
import io

from openpyxl import load_workbook

from odoo.tests import tagged

from .common import CYCLE_END, CYCLE_START, ReportsCase


@tagged("post_install", "-at_install")
class TestUsageReportFiles(ReportsCase):
    """The same figures as XLSX (OCA report_xlsx) and CSV."""

    def _data(self):
        return {"date_from": CYCLE_START.isoformat(), "date_to": CYCLE_END.isoformat()}

    def test_xlsx_summary_and_line_sheets(self):
        content, kind = self.env["ir.actions.report"]._render(
            "starlink_reports.starlink_usage_report_xlsx_action", self.client.ids, self._data()
        )
        self.assertEqual(kind, "xlsx")
        book = load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames, ["Summary", "SL-REP-1", "SL-REP-2"])
        summary = book["Summary"]
        self.assertEqual(summary["B2"].value, "Ridge Farm")
        self.assertEqual(summary["B3"].value.date(), CYCLE_START)
        self.assertEqual(summary["A6"].value, "SL-REP-1 (Barn)")
        priority, _standard, counted, days = self._usage_sums(self.line)
        self.assertAlmostEqual(summary["D6"].value, priority)
        self.assertAlmostEqual(summary["G6"].value, counted)
        self.assertAlmostEqual(summary["I6"].value, 1.51125)
        self.assertEqual(summary["I6"].number_format, "0.0%")
        self.assertAlmostEqual(summary["J6"].value, 20.0)
        self.assertEqual(summary["G8"].value, "=SUM(G6:G7)")
        self.assertEqual(len(summary._charts), 1, "a native chart of the lines")
        sheet = book["SL-REP-1"]
        self.assertEqual(sheet["A6"].value.date(), CYCLE_START)
        self.assertEqual(sheet["A6"].number_format, "yyyy-mm-dd")
        self.assertEqual(sheet["B6"].number_format, "#,##0.000")
        self.assertAlmostEqual(sheet["B6"].value, 3.0)
        last = 5 + days
        self.assertEqual(sheet[f"A{last}"].value.date(), CYCLE_END)
        self.assertEqual(sheet[f"B{last + 1}"].value, f"=SUM(B6:B{last})")
        self.assertEqual(len(sheet._charts), 1)

    def test_csv_rows(self):
        content = self.env["report.starlink_reports.usage_report"]._report_csv(
            self.client, CYCLE_START, CYCLE_END
        )
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:3], ["Service Line", "Date", "Priority (GB)"])
        body = rows[1:]
        _p, _s, counted_1, days_1 = self._usage_sums(self.line)
        _p, _s, counted_2, days_2 = self._usage_sums(self.second_line)
        self.assertEqual(len(body), days_1 + days_2)
        self.assertEqual(body[0][:3], ["SL-REP-1", "2026-10-05", "3.000"])
        counted = {number: 0.0 for number in ("SL-REP-1", "SL-REP-2")}
        for row in body:
            counted[row[0]] += float(row[6])
        self.assertAlmostEqual(counted["SL-REP-1"], counted_1, places=3)
        self.assertAlmostEqual(counted["SL-REP-2"], counted_2, places=3)

    def test_wizard_exports(self):
        Wizard = self.env["starlink.usage.report.wizard"].with_context(discard_logo_check=True)
        wizard = Wizard.create(
            {"partner_id": self.client.id, "period": "custom",
             "date_from": CYCLE_START, "date_to": CYCLE_END}
        )  # fmt: skip
        action = wizard.action_print_xlsx()
        self.assertEqual(action["report_type"], "xlsx")
        self.assertEqual(action["data"]["date_to"], "2026-11-04")
        action = wizard.action_export_csv()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("?")[0].rsplit("/", 1)[1])
        )
        self.assertIn(b"SL-REP-2", attachment.raw)
