"""CSV and XLSX files of a service line's daily usage (no ``odoo`` import).

Columns are ``(key, label, kind)`` with kind ``text``, ``date`` or ``gb``; rows are dicts.
Numbers are written as numbers and dates as dates (real cell formats in XLSX, ISO dates and
a dot decimal separator in CSV, which every spreadsheet reads).
"""

import csv
import io
from datetime import datetime, time

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell


def _csv_value(value, kind):
    if value is None or value is False:
        return ""
    if kind == "date":
        return value.isoformat()
    if kind == "gb":
        return f"{value:.3f}"
    return str(value)


def to_csv(columns, rows):
    """The rows as UTF-8 CSV bytes (with a BOM so that spreadsheets read accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _key, label, _kind in columns])
    for row in rows:
        writer.writerow([_csv_value(row.get(key), kind) for key, _label, kind in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns, rows, title, header_lines=(), total_label=None, sheet_name="Usage"):
    """The rows as an XLSX workbook (bytes) with a title, header lines and a totals row.

    ``header_lines``: ``(label, value)`` pairs written above the table (line, plan, range).
    ``total_label``: when given, a last row sums the GB columns with formulas.
    """
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "gb": workbook.add_format({"num_format": "#,##0.000"}),
        "text": None,
    }
    total_format = workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0.000"})

    sheet.write(0, 0, title, title_format)
    row_index = 1
    for label, value in header_lines:
        sheet.write(row_index, 0, label, bold)
        if hasattr(value, "isoformat"):
            sheet.write_datetime(row_index, 1, _as_datetime(value), formats["date"])
        else:
            sheet.write(row_index, 1, value)
        row_index += 1
    row_index += 1
    table_first = row_index
    for col, (_key, label, kind) in enumerate(columns):
        sheet.write(row_index, col, label, header)
        sheet.set_column(col, col, 12 if kind == "date" else (16 if kind == "gb" else 20))
    for row in rows:
        row_index += 1
        for col, (key, _label, kind) in enumerate(columns):
            value = row.get(key)
            if value is None or value is False:
                continue
            if kind == "date":
                sheet.write_datetime(row_index, col, _as_datetime(value), formats["date"])
            elif kind == "gb":
                sheet.write_number(row_index, col, value, formats["gb"])
            else:
                sheet.write_string(row_index, col, str(value))
    if total_label and rows:
        total_row = row_index + 1
        sheet.write(total_row, 0, total_label, bold)
        for col, (key, _label, kind) in enumerate(columns):
            if kind == "gb":
                first = xl_rowcol_to_cell(table_first + 1, col)
                last = xl_rowcol_to_cell(row_index, col)
                total = sum(row.get(key) or 0.0 for row in rows)
                sheet.write_formula(total_row, col, f"=SUM({first}:{last})", total_format, total)
    sheet.freeze_panes(table_first + 1, 0)
    workbook.close()
    return output.getvalue()


def _as_datetime(day):
    return datetime.combine(day, time()) if not isinstance(day, datetime) else day
