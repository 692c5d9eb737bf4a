"""A usage report as an XLSX workbook (no ``odoo`` import): a summary sheet, then one sheet
per service line, with real number and date formats, SUM formulas and native Excel charts.

``labels`` holds every text written (translated by the caller): see ``LABEL_KEYS``.
"""

from datetime import datetime, time

from xlsxwriter.utility import xl_rowcol_to_cell

LABEL_KEYS = (
    "title", "client", "period", "summary", "line", "plan", "limit", "priority", "opt_in",
    "standard", "non_billable", "counted", "total", "percent", "overage", "overage_amount",
    "date", "totals", "chart_lines", "chart_daily",
)  # fmt: skip
DAILY_COLUMNS = (
    ("priority_gb", "priority"),
    ("opt_in_priority_gb", "opt_in"),
    ("standard_gb", "standard"),
    ("non_billable_gb", "non_billable"),
    ("counted_gb", "counted"),
    ("total_gb", "total"),
)


def _as_datetime(day):
    return datetime.combine(day, time())


def sheet_names(numbers, reserved=()):
    """Unique sheet names (31 characters, no ``[]:*?/\\``) for the lines' numbers."""
    used = {name.lower() for name in reserved}
    names = []
    for number in numbers:
        base = "".join("_" if c in "[]:*?/\\" else c for c in str(number))[:31] or "Line"
        name, suffix = base, 2
        while name.lower() in used:
            tail = f" ({suffix})"
            name, suffix = base[: 31 - len(tail)] + tail, suffix + 1
        used.add(name.lower())
        names.append(name)
    return names


def _formats(workbook):
    add = workbook.add_format
    return {
        "title": add({"bold": True, "font_size": 14}),
        "bold": add({"bold": True}),
        "header": add({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        "date": add({"num_format": "yyyy-mm-dd"}),
        "gb": add({"num_format": "#,##0.000"}),
        "percent": add({"num_format": "0.0%"}),
        "money": add({"num_format": "#,##0.00"}),
        "total_gb": add({"bold": True, "top": 1, "num_format": "#,##0.000"}),
        "total_money": add({"bold": True, "top": 1, "num_format": "#,##0.00"}),
        "total_label": add({"bold": True, "top": 1}),
    }


def write_report(workbook, report, labels, client_name, currency_format="#,##0.00"):
    """Write ``report`` (``report_data.build_report``) into ``workbook``."""
    fmt = _formats(workbook)
    if currency_format:
        fmt["money"] = workbook.add_format({"num_format": currency_format})
        fmt["total_money"] = workbook.add_format(
            {"bold": True, "top": 1, "num_format": currency_format}
        )
    summary = workbook.add_worksheet(labels["summary"][:31])
    names = sheet_names([line["number"] for line in report["lines"]], [labels["summary"]])
    _write_summary(workbook, summary, report, labels, client_name, fmt, names)
    for line, name in zip(report["lines"], names):
        _write_line(workbook, workbook.add_worksheet(name), line, labels, fmt)


def _write_header(sheet, labels, title, report, client_name, fmt):
    sheet.write(0, 0, title, fmt["title"])
    sheet.write(1, 0, labels["client"], fmt["bold"])
    sheet.write(1, 1, client_name)
    sheet.write(2, 0, labels["period"], fmt["bold"])
    sheet.write_datetime(2, 1, _as_datetime(report["start"]), fmt["date"])
    sheet.write_datetime(2, 2, _as_datetime(report["end"]), fmt["date"])


def _write_summary(workbook, sheet, report, labels, client_name, fmt, names):
    _write_header(sheet, labels, labels["title"], report, client_name, fmt)
    columns = [
        ("line", "text", 24), ("plan", "text", 22), ("limit", "gb", 12),
        ("priority", "gb", 12), ("standard", "gb", 12), ("non_billable", "gb", 12),
        ("counted", "gb", 12), ("total", "gb", 12), ("percent", "percent", 10),
        ("overage", "gb", 12), ("overage_amount", "money", 14),
    ]  # fmt: skip
    head = 4
    for col, (key, _kind, width) in enumerate(columns):
        sheet.write(head, col, labels[key], fmt["header"])
        sheet.set_column(col, col, width)
    row = head
    for line, name in zip(report["lines"], names):
        row += 1
        totals = line["totals"]
        sheet.write_url(row, 0, f"internal:'{name}'!A1", string=line["name"])
        sheet.write_string(row, 1, line.get("plan") or "")
        if line.get("limit_gb"):
            sheet.write_number(row, 2, line["limit_gb"], fmt["gb"])
        for col, key in ((3, "priority_gb"), (4, "standard_gb"), (5, "non_billable_gb"),
                         (6, "counted_gb"), (7, "total_gb")):  # fmt: skip
            sheet.write_number(row, col, totals[key], fmt["gb"])
        if line["percent"] is not None:
            sheet.write_number(row, 8, line["percent"] / 100.0, fmt["percent"])
        sheet.write_number(row, 9, line["overage_gb"], fmt["gb"])
        sheet.write_number(row, 10, line["overage_amount"], fmt["money"])
    last = row
    if report["lines"]:
        total_row = last + 1
        sheet.write(total_row, 0, labels["totals"], fmt["total_label"])
        sums = {3: "priority_gb", 4: "standard_gb", 5: "non_billable_gb", 6: "counted_gb",
                7: "total_gb", 9: None, 10: None}  # fmt: skip
        for col, key in sums.items():
            first_cell = xl_rowcol_to_cell(head + 1, col)
            last_cell = xl_rowcol_to_cell(last, col)
            if key:
                value = report["totals"][key]
            elif col == 9:
                value = report["summary"]["overage_gb"]
            else:
                value = report["summary"]["overage_amount"]
            sheet.write_formula(
                total_row, col, f"=SUM({first_cell}:{last_cell})",
                fmt["total_money"] if col == 10 else fmt["total_gb"], value,
            )  # fmt: skip
        chart = workbook.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": labels["counted"],
                "categories": [sheet.name, head + 1, 0, last, 0],
                "values": [sheet.name, head + 1, 6, last, 6],
            }
        )
        chart.add_series(
            {
                "name": labels["limit"],
                "categories": [sheet.name, head + 1, 0, last, 0],
                "values": [sheet.name, head + 1, 2, last, 2],
            }
        )
        chart.set_title({"name": labels["chart_lines"]})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 720, "height": max(288, 24 * len(report["lines"]) + 96)})
        sheet.insert_chart(total_row + 2, 0, chart)
    sheet.freeze_panes(head + 1, 1)


def _write_line(workbook, sheet, line, labels, fmt):
    _write_header(sheet, labels, line["name"], {"start": line["daily"][0]["date"],
                  "end": line["daily"][-1]["date"]}, line.get("plan") or "", fmt)  # fmt: skip
    sheet.write(1, 0, labels["plan"], fmt["bold"])
    head = 4
    sheet.write(head, 0, labels["date"], fmt["header"])
    sheet.set_column(0, 0, 12)
    for col, (_key, label) in enumerate(DAILY_COLUMNS, start=1):
        sheet.write(head, col, labels[label], fmt["header"])
        sheet.set_column(col, col, 13)
    row = head
    for day in line["daily"]:
        row += 1
        sheet.write_datetime(row, 0, _as_datetime(day["date"]), fmt["date"])
        for col, (key, _label) in enumerate(DAILY_COLUMNS, start=1):
            if day[key] is not None:
                sheet.write_number(row, col, day[key], fmt["gb"])
    last = row
    total_row = last + 1
    sheet.write(total_row, 0, labels["totals"], fmt["total_label"])
    for col, (key, _label) in enumerate(DAILY_COLUMNS, start=1):
        first_cell = xl_rowcol_to_cell(head + 1, col)
        last_cell = xl_rowcol_to_cell(last, col)
        sheet.write_formula(
            total_row, col, f"=SUM({first_cell}:{last_cell})", fmt["total_gb"],
            line["totals"][key],
        )  # fmt: skip
    info = total_row + 2
    for offset, (label, value, kind) in enumerate(
        (
            (labels["limit"], line.get("limit_gb") or None, "gb"),
            (labels["percent"], line["percent"] / 100.0 if line["percent"] is not None
             else None, "percent"),
            (labels["overage"], line["overage_gb"], "gb"),
            (labels["overage_amount"], line["overage_amount"], "money"),
        )
    ):  # fmt: skip
        sheet.write(info + offset, 0, label, fmt["bold"])
        if value is not None:
            sheet.write_number(info + offset, 1, value, fmt[kind])
    chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
    for col, key in ((1, "priority"), (3, "standard")):
        chart.add_series(
            {
                "name": labels[key],
                "categories": [sheet.name, head + 1, 0, last, 0],
                "values": [sheet.name, head + 1, col, last, col],
                "gap": 50,
            }
        )
    chart.set_title({"name": labels["chart_daily"]})
    chart.set_x_axis({"date_axis": True, "num_format": "dd/mm"})
    chart.set_y_axis({"name": "GB"})
    chart.set_size({"width": 720, "height": 288})
    sheet.insert_chart(head, len(DAILY_COLUMNS) + 2, chart)
    sheet.freeze_panes(head + 1, 1)
