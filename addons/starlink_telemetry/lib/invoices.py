"""Parsing of Starlink's own invoices to the reseller (no ``odoo`` import).

``GET /public/v2/billing/invoices`` lists ``InvoiceSummaryResponse`` objects (id, date,
currency, amount, status); ``GET /public/v2/billing/invoices/{id}`` gives the
``InvoiceDetailResponse`` with its ``invoiceLines[]``: product, ``serviceLineNumbers``,
quantity, unit price, tax, subtotal (before tax) and service period. Each invoice line
becomes one :class:`CostLine` per service line it names (a line naming several service
lines is shared out evenly, the last share taking the rounding); a line naming none (an
account-level charge) is kept with no service line number. A bad invoice line is skipped
and reported, the rest of the invoice kept.
"""

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from .usage import BadEntry, parse_day


class InvoiceSummary(NamedTuple):
    """One ``InvoiceSummaryResponse``: what decides whether the detail must be fetched."""

    invoice_id: str
    invoice_date: object
    currency: str
    amount: float


class CostLine(NamedTuple):
    """One invoice line's share for one service line (key: invoice, line, share)."""

    invoice_id: str
    line_index: int
    share_index: int
    service_line_number: object
    product_reference: object
    description: object
    quantity: float
    unit_price: float
    tax_amount: float
    subtotal: float
    period_start: object
    period_end: object


@dataclass
class StarlinkInvoice:
    """A parsed invoice: its cost lines and the invoice lines left out (with the reason)."""

    invoice_id: str
    invoice_date: object
    currency: str
    amount: float
    lines: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    @property
    def complete(self):
        """Every invoice line was stored (none skipped)."""
        return not self.skipped


def _number(entry, name, default=None):
    """A finite number (``default`` when missing; BadEntry when missing without one)."""
    value = entry.get(name)
    if value is None:
        if default is None:
            raise BadEntry("%s is missing" % name)
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadEntry("%s is not a number: %r" % (name, value))
    return float(value)


def _text(entry, name):
    value = entry.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_invoice_summary(summary):
    """An :class:`InvoiceSummary` from one summary object; BadEntry when unusable."""
    if not isinstance(summary, dict):
        raise BadEntry("invoice summary is not an object")
    invoice_id = _text(summary, "invoiceId")
    if not invoice_id:
        raise BadEntry("invoice without invoiceId")
    currency = _text(summary, "currency")
    if not currency:
        raise BadEntry("currency is missing")
    return InvoiceSummary(
        invoice_id,
        parse_day(summary.get("invoiceDate")),
        currency.upper(),
        _number(summary, "amount", 0.0),
    )


def parse_invoice(detail, summary):
    """A :class:`StarlinkInvoice` from an ``InvoiceDetailResponse`` (``content``) and its
    :class:`InvoiceSummary`. Raises BadEntry when the invoice itself is unusable (not an
    object, another invoice, no date, no currency); bad invoice lines are skipped."""
    if not isinstance(detail, dict):
        raise BadEntry("invoice detail is not an object")
    invoice_id = _text(detail, "invoiceId") or summary.invoice_id
    if invoice_id != summary.invoice_id:
        raise BadEntry("the detail is of invoice %s" % invoice_id)
    day = parse_day(detail["invoiceDate"]) if detail.get("invoiceDate") else summary.invoice_date
    currency = (_text(detail, "currency") or summary.currency).upper()
    invoice = StarlinkInvoice(invoice_id, day, currency, summary.amount)
    lines = detail.get("invoiceLines")
    if not isinstance(lines, list):
        raise BadEntry("invoiceLines is not a list")
    for index, line in enumerate(lines):
        try:
            invoice.lines.extend(_cost_lines(invoice_id, index, line))
        except BadEntry as exc:
            invoice.skipped.append("%s line %d: %s" % (invoice_id, index + 1, exc))
    return invoice


def _cost_lines(invoice_id, index, line):
    """The :class:`CostLine` shares of one ``InvoiceLineDetailResponse``."""
    if not isinstance(line, dict):
        raise BadEntry("invoice line is not an object")
    numbers = line.get("serviceLineNumbers") or []
    if not isinstance(numbers, list) or not all(isinstance(n, str) and n for n in numbers):
        raise BadEntry("serviceLineNumbers is not a list of numbers")
    quantity = _number(line, "quantity", 0.0)
    unit_price = _number(line, "unitPrice", 0.0)
    tax = _number(line, "taxAmount", 0.0)
    subtotal = _number(line, "subTotal", round(quantity * unit_price, 2))
    start = _optional_day(line, "servicePeriodStartDate")
    end = _optional_day(line, "servicePeriodEndDate")
    if start and end and end < start:
        raise BadEntry("service period ends before it starts")
    numbers = list(dict.fromkeys(numbers)) or [None]
    count = len(numbers)
    shares = _split(subtotal, count)
    taxes = _split(tax, count)
    return [
        CostLine(
            invoice_id,
            index,
            position,
            number,
            _text(line, "productReferenceId"),
            _text(line, "productDescription"),
            quantity / count,
            unit_price,
            taxes[position],
            shares[position],
            start,
            end,
        )
        for position, number in enumerate(numbers)
    ]


def _optional_day(line, name):
    value = line.get(name)
    return parse_day(value) if value is not None else None


def _split(amount, count):
    """``amount`` in ``count`` shares rounded to cents, the last one taking the rest."""
    if count == 1:
        return [amount]
    share = round(amount / count, 2)
    return [share] * (count - 1) + [round(amount - share * (count - 1), 2)]
