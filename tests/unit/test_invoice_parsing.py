"""Starlink invoices: parsing the simulator's answers and hand-made edge cases."""

from datetime import date

import pytest
from starlink_telemetry_lib.invoices import parse_invoice, parse_invoice_summary
from starlink_telemetry_lib.usage import BadEntry

SUMMARY = {
    "invoiceId": "INV-DF-US-0000AAAA",
    "description": "Subscription",
    "currency": "usd",
    "amount": 175.5,
    "dueAmount": 0.0,
    "invoiceDate": "2026-06-05T00:00:00Z",
    "dueDate": "2026-06-19T00:00:00Z",
    "status": "Paid",
}


def _line(**values):
    line = {
        "productReferenceId": "PLAN-1",
        "productDescription": "Local Priority",
        "serviceLineNumbers": ["AST-1"],
        "quantity": 1.0,
        "unitPrice": 150.0,
        "taxAmount": 0.0,
        "subTotal": 150.0,
        "servicePeriodStartDate": "2026-06-05T00:00:00Z",
        "servicePeriodEndDate": "2026-07-04T23:59:59Z",
    }
    line.update(values)
    return line


def test_summary():
    summary = parse_invoice_summary(SUMMARY)
    assert summary == ("INV-DF-US-0000AAAA", date(2026, 6, 5), "USD", 175.5)
    for bad, reason in (
        ("junk", "invoice summary is not an object"),
        ({**SUMMARY, "invoiceId": ""}, "invoice without invoiceId"),
        ({**SUMMARY, "currency": None}, "currency is missing"),
        ({**SUMMARY, "invoiceDate": "soon"}, "date is not ISO 8601: 'soon'"),
    ):
        with pytest.raises(BadEntry, match=reason):
            parse_invoice_summary(bad)


def test_lines_shared_out_and_bad_lines_skipped():
    summary = parse_invoice_summary(SUMMARY)
    detail = {
        "invoiceId": "INV-DF-US-0000AAAA",
        "currency": "USD",
        "invoiceDate": "2026-06-05T00:00:00Z",
        "invoiceLines": [
            _line(),
            _line(serviceLineNumbers=["AST-2", "AST-3", "AST-4"], quantity=3.0,
                  unitPrice=8.3333, subTotal=25.0, taxAmount=1.0),
            _line(serviceLineNumbers=[], productReferenceId="KIT", subTotal=0.5,
                  servicePeriodStartDate=None, servicePeriodEndDate=None),
            _line(subTotal="n/a"),
            _line(servicePeriodStartDate="2026-07-05", servicePeriodEndDate="2026-07-01"),
            "junk",
        ],
    }  # fmt: skip
    invoice = parse_invoice(detail, summary)
    assert not invoice.complete
    assert invoice.skipped == [
        "INV-DF-US-0000AAAA line 4: subTotal is not a number: 'n/a'",
        "INV-DF-US-0000AAAA line 5: service period ends before it starts",
        "INV-DF-US-0000AAAA line 6: invoice line is not an object",
    ]
    plan, *shared, kit = invoice.lines
    assert plan == (
        "INV-DF-US-0000AAAA", 0, 0, "AST-1", "PLAN-1", "Local Priority", 1.0, 150.0, 0.0,
        150.0, date(2026, 6, 5), date(2026, 7, 4),
    )  # fmt: skip
    assert [(c.line_index, c.share_index, c.service_line_number) for c in shared] == [
        (1, 0, "AST-2"), (1, 1, "AST-3"), (1, 2, "AST-4"),
    ]  # fmt: skip
    assert [c.subtotal for c in shared] == [8.33, 8.33, 8.34]
    assert sum(c.tax_amount for c in shared) == pytest.approx(1.0)
    assert [c.quantity for c in shared] == [1.0, 1.0, 1.0]
    assert (kit.service_line_number, kit.period_start, kit.subtotal) == (None, None, 0.5)


def test_unusable_invoice():
    summary = parse_invoice_summary(SUMMARY)
    with pytest.raises(BadEntry, match="not an object"):
        parse_invoice(None, summary)
    with pytest.raises(BadEntry, match="the detail is of invoice INV-2"):
        parse_invoice({"invoiceId": "INV-2", "invoiceLines": []}, summary)
    with pytest.raises(BadEntry, match="invoiceLines is not a list"):
        parse_invoice({"invoiceId": "INV-DF-US-0000AAAA"}, summary)


def test_simulator_invoices(simulator, make_client):
    client = make_client()
    summaries = list(client.iter_invoices())
    assert summaries
    checked = 0
    for raw in summaries[:20]:
        summary = parse_invoice_summary(raw)
        invoice = parse_invoice(client.get_invoice(summary.invoice_id), summary)
        assert invoice.complete and invoice.lines
        assert invoice.currency == "USD"
        assert sum(c.subtotal for c in invoice.lines) == pytest.approx(summary.amount, abs=0.01)
        for cost in invoice.lines:
            assert cost.service_line_number and cost.period_start <= cost.period_end
        checked += 1
    assert checked
