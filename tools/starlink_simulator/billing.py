"""Starlink's own bill to the reseller: invoices, balance and partial periods.

Invoices are derived, deterministically, from the fleet, the plans' prices and
the writes kept in :class:`.state.AccountState`:

* one invoice per service line and billing cycle, dated the cycle's first day,
  for the last ``INVOICE_MONTHS`` months: the plan fee of that cycle (in
  advance) and the overage of the previous cycle (in arrears, one invoice line
  per overage line of the usage answer);
* one invoice per top-up, dated its purchase (each call charges again);
* one invoice per immediate plan change: the price difference for the rest of
  the cycle (the quantity is the prorated fraction of the cycle).

An invoice is due 14 days after its date and paid once that date has passed.
Usage (for the overage) is computed once per line and simulated day.
"""

from datetime import date, timedelta

from .api import ApiError, _int_arg, envelope, paginate
from .rand import text_seed
from .usage import add_month, cycle_start, iso, iso_end

INVOICE_MONTHS = 6
DUE_DAYS = 14
CURRENCY = "USD"


class _Line:
    """What billing needs of a service line, fleet or created."""

    def __init__(self, number, nickname, billing_day, start, end, plan_opening, terminal, state):
        self.number = number
        self.nickname = nickname
        self.billing_day = billing_day
        self.start = start
        self.end = end
        self.plan_opening = plan_opening
        self.terminal = terminal
        self.state = state


def _lines(sim):
    """Every service line as a :class:`_Line`."""
    for index in sim.fleet.line_indexes():
        terminal = sim.fleet.terminal(index)
        state = sim.state.lines.get(terminal.service_line_number)
        if state is None:
            yield _Line(
                terminal.service_line_number,
                terminal.nickname,
                terminal.billing_day,
                terminal.start_date,
                terminal.end_date,
                lambda day, plan=terminal.plan: plan,
                terminal,
                None,
            )
        else:
            yield _from_state(state, terminal)
    for number in sim.state.created_lines:
        state = sim.state.lines[number]
        if state.start_date is not None:
            yield _from_state(state, state.usage_terminal)


def _from_state(state, terminal):
    return _Line(
        state.number,
        state.nickname,
        state.billing_day,
        state.start_date,
        state.end_date,
        state.plan_opening,
        terminal,
        state,
    )


def _invoice_id(number, day, kind):
    """Stable invoice identifier, like ``INV-DF-US-1234ABCD``."""
    code = text_seed("%s|%s|%s" % (number, day.isoformat(), kind)) & 0xFFFFFFFF
    return "INV-DF-US-%08X" % code


def _invoice_line(plan_ref, description, line, quantity, unit_price, start, end):
    """``InvoiceLineDetailResponse`` (``end`` exclusive)."""
    return {
        "productReferenceId": plan_ref,
        "productDescription": description,
        "serviceName": line.nickname,
        "serviceLineNumbers": [line.number],
        "quantity": quantity,
        "unitPrice": unit_price,
        "taxAmount": 0.0,
        "subTotal": round(quantity * unit_price, 2),
        "servicePeriodStartDate": iso(start),
        "servicePeriodEndDate": iso_end(end - timedelta(days=1)),
    }


def _invoice(invoice_id, description, day, lines, today, order):
    """A full invoice (detail and summary fields)."""
    amount = round(sum(item["subTotal"] for item in lines), 2)
    due = day + timedelta(days=DUE_DAYS)
    paid = due < today
    if paid:
        status = "Paid"
    elif due - today <= timedelta(days=7):
        status = "DueSoon"
    else:
        status = "Outstanding"
    return {
        "invoiceId": invoice_id,
        "orderReferenceId": order,
        "description": description,
        "currency": CURRENCY,
        "amount": amount,
        "dueAmount": 0.0 if paid else amount,
        "paidAmount": amount if paid else 0.0,
        "invoiceDate": iso(day),
        "dueDate": iso(due),
        "status": status,
        "invoiceLines": lines,
    }


def _cycle_invoices(sim, line, today):
    """Plan fee in advance and the previous cycle's overage, per cycle."""
    if not line.billing_day or line.start is None:
        return []
    earliest = max(line.start, today - timedelta(days=31 * INVOICE_MONTHS))
    starts = []
    start = cycle_start(today, line.billing_day)
    while start >= earliest:
        starts.append(start)
        start = cycle_start(start - timedelta(days=1), line.billing_day)
    overage = _overage_by_cycle(sim, line, today, len(starts) + 1)
    invoices = []
    for start in reversed(starts):
        if line.end and start >= line.end:
            continue
        end = add_month(start, line.billing_day)
        plan = line.plan_opening(start)
        items = [_invoice_line(plan.ref, plan.name, line, 1.0, plan.price, start, end)]
        previous = cycle_start(start - timedelta(days=1), line.billing_day)
        for over in overage.get(previous, []):
            items.append(
                _invoice_line(
                    over["productId"],
                    "Priority data overage",
                    line,
                    over["overageAmountGB"],
                    over["pricePerGB"],
                    previous,
                    start,
                )
            )
        invoices.append(
            _invoice(
                _invoice_id(line.number, start, "cycle"),
                "Subscription",
                start,
                items,
                today,
                "ORD-%s-%s" % (line.number, start.strftime("%Y%m")),
            )
        )
    return invoices


def _overage_by_cycle(sim, line, today, cycles):
    """``{cycle start: [overage lines]}`` from the usage model (fleet lines only)."""
    if line.terminal is None:
        return {}
    # usage does not depend on the writes: keep it for the day, across state changes
    cache = getattr(sim, "_overage_cache", None)
    if cache is None or cache[0] != today:
        cache = sim._overage_cache = (today, {})
    key = (line.number, line.terminal.index, cycles)
    if key not in cache[1]:
        usage = sim.usage.service_line_usage(line.terminal, today, cycles)
        cache[1][key] = {
            date.fromisoformat(cycle["startDate"][:10]): cycle["overageLines"]
            for cycle in usage["billingCycles"]
        }
    return cache[1][key]


def _event_invoices(line, today):
    """Top-ups and immediate plan changes of a line changed through the API."""
    state = line.state
    if state is None:
        return []
    invoices = []
    for charge in state.top_ups:
        day = date.fromisoformat(charge["purchaseDate"][:10])
        start = cycle_start(day, line.billing_day)
        end = add_month(start, line.billing_day)
        item = _invoice_line(
            charge["productId"],
            "Data top up",
            line,
            float(charge["count"]),
            charge["unitPrice"],
            day,
            end,
        )
        invoices.append(
            _invoice(
                "INV-DF-US-%s" % charge["chargeId"][3:11].upper(),
                "Top up",
                day,
                [item],
                today,
                charge["chargeId"],
            )
        )
    for position, segment in enumerate(state.segments):
        if not segment.immediate or position == 0 or segment.start > today:
            continue
        old = state.segments[position - 1].plan
        start = cycle_start(segment.start, line.billing_day)
        end = add_month(start, line.billing_day)
        fraction = round((end - segment.start).days / (end - start).days, 4)
        item = _invoice_line(
            segment.plan.ref,
            "Plan change from %s (prorated)" % old.ref,
            line,
            fraction,
            round(segment.plan.price - old.price, 2),
            segment.start,
            end,
        )
        invoices.append(
            _invoice(
                _invoice_id(line.number, segment.start, "change-%d" % position),
                "Plan change",
                segment.start,
                [item],
                today,
                "CHG-%s-%d" % (line.number, position),
            )
        )
    return invoices


def all_invoices(sim):
    """Every invoice, newest first (cached until the day or the state changes)."""
    today = sim.today()
    key = (today, sim.state.version)
    cached = getattr(sim, "_invoice_cache", None)
    if cached and cached[0] == key:
        return cached[1]
    with sim.state.lock:
        invoices = []
        for line in _lines(sim):
            invoices.extend(_cycle_invoices(sim, line, today))
            invoices.extend(_event_invoices(line, today))
    invoices.sort(key=lambda inv: (inv["invoiceDate"], inv["invoiceId"]), reverse=True)
    sim._invoice_cache = (key, invoices)
    return invoices


SUMMARY_FIELDS = (
    "invoiceId",
    "description",
    "currency",
    "amount",
    "dueAmount",
    "invoiceDate",
    "dueDate",
    "status",
)
DETAIL_FIELDS = (
    "invoiceId",
    "orderReferenceId",
    "currency",
    "dueAmount",
    "paidAmount",
    "invoiceDate",
    "dueDate",
    "invoiceLines",
)


def get_invoices(sim, request):
    """GET /public/v2/billing/invoices: ``InvoiceSummaryResponse`` pages."""
    page = _int_arg(request, "page", 0)
    invoices = all_invoices(sim)
    return 200, paginate(invoices, lambda inv: {name: inv[name] for name in SUMMARY_FIELDS}, page)


def get_invoice(sim, request, invoice_id):
    """GET /public/v2/billing/invoices/{invoiceId}: ``InvoiceDetailResponse``."""
    for invoice in all_invoices(sim):
        if invoice["invoiceId"] == invoice_id:
            detail = {name: invoice[name] for name in DETAIL_FIELDS}
            detail["invoiceLines"] = [dict(item) for item in invoice["invoiceLines"]]
            return 200, envelope(detail)
    raise ApiError(404, "not_found", ["invoiceId"])


def get_balance(sim, request):
    """GET /public/v2/billing/balance: one entry per currency (a zero one when nothing is owed)."""
    due = round(sum(inv["dueAmount"] for inv in all_invoices(sim)), 2)
    return 200, envelope({"balances": [{"currency": CURRENCY, "dueAmount": due}]})


def get_partial_periods(sim, request, number):
    """GET /public/v2/service-lines/{serviceLineNumber}/billing-cycles/partial-periods.

    For every billing cycle (up to today's) in which the product changed at once,
    or the service ended, one ``PartialPeriodResponse`` per product in force.
    """
    state = sim.state.lines.get(number)
    if state is None:
        if sim.index.find("service_line_number", number) is None:
            raise ApiError(404, "not_found", ["serviceLineNumber"])
        return 200, envelope([])
    today = sim.today()
    if not state.billing_day:
        return 200, envelope([])
    cycles = set()
    for position, segment in enumerate(state.segments):
        if segment.immediate and position and segment.start <= today:
            cycles.add(cycle_start(segment.start, state.billing_day))
    if state.end_date and state.end_date <= today:
        cycles.add(cycle_start(state.end_date - timedelta(days=1), state.billing_day))
    periods = []
    for start in sorted(cycles):
        end = add_month(start, state.billing_day)
        if state.end_date:
            end = min(end, state.end_date)
        cuts = sorted({start, end} | {s.start for s in state.segments if start < s.start < end})
        for begin, finish in zip(cuts, cuts[1:], strict=False):
            if begin < finish:
                periods.append(
                    {
                        "productReferenceId": state.plan_at(begin).ref,
                        "periodStart": iso(begin),
                        "periodEnd": iso_end(finish - timedelta(days=1)),
                    }
                )
    return 200, envelope(periods)
