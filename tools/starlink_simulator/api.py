"""Handlers of the Starlink Public API V2 subset, shaped after the OpenAPI file.

Each handler takes the simulator and the request and returns ``(status, body)``.
"""

import json
import time
from datetime import date, datetime, timezone

from .fleet import PLANS
from .telemetry import COLUMNS, ROUTER, TERMINAL, metadata
from .usage import add_month, cycle_start, iso

PAGE_SIZE = 100
USAGE_DEFAULT_LIMIT, USAGE_MAX_LIMIT = 50, 250
STREAM_MAX = 65000


class ApiError(Exception):
    """An error answered as a ``ServiceResponse`` envelope."""

    def __init__(self, status, message, members=()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.members = list(members)


def envelope(content=None, errors=()):
    """The Starlink response envelope."""
    body = {"errors": list(errors), "warnings": [], "information": [], "isValid": not errors}
    if content is not None:
        body["content"] = content
    return body


def error_envelope(message, members=()):
    """``ServiceResponse`` with one error."""
    return envelope(errors=[{"memberNames": list(members), "errorMessage": message}])


# ---------------------------------------------------------------- parameters
def _int_arg(request, name, default, low=0, high=None):
    """Integer query parameter with bounds, else a 400."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "%s must be an integer" % name, [name]) from None
    if value < low or (high is not None and value > high):
        raise ApiError(400, "%s is out of range" % name, [name])
    return value


def _bool_arg(request, name, default=None):
    """Boolean query parameter (true/false)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() not in ("true", "false"):
        raise ApiError(400, "%s must be true or false" % name, [name])
    return raw.lower() == "true"


def _list_arg(request, name):
    """Array query parameter, repeated or comma separated."""
    values = []
    for raw in request.args.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def _json_body(request):
    """Request body as a JSON object ({} when empty), else a 400."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def paginate(indexes, render, page, limit=PAGE_SIZE):
    """Paginated envelope over a list of indexes."""
    total = len(indexes)
    start = page * limit
    return envelope(
        {
            "pageIndex": page,
            "limit": limit,
            "isLastPage": start + limit >= total,
            "results": [render(index) for index in indexes[start : start + limit]],
            "totalCount": total,
        }
    )


# ---------------------------------------------------------------- renderers
def _datetime_iso(day):
    return iso(day) if day else None


def render_service_line(sim, terminal):
    """``ServiceLineResponse``."""
    state = sim.state.lines.get(terminal.service_line_number)
    if state is not None:
        return render_line_state(sim, state)
    plan = terminal.plan
    today = sim.today()
    start = cycle_start(today, terminal.billing_day)
    block = {
        "productId": plan.block_product_id,
        "count": 1,
        "dataAmount": plan.limit_gb,
        "dataUnitType": "GB",
    }
    nxt = add_month(start, terminal.billing_day)
    return {
        "addressReferenceId": terminal.address_id,
        "serviceLineNumber": terminal.service_line_number,
        "nickname": terminal.nickname,
        "productReferenceId": plan.ref,
        "delayedProductId": None,
        "optInProductId": plan.overage_product_id if terminal.opted_in else None,
        "startDate": _datetime_iso(terminal.start_date),
        "endDate": _datetime_iso(terminal.end_date),
        "publicIp": terminal.public_ip,
        "active": terminal.active,
        "aviationMetadata": None,
        "dataBlocks": {
            "recurringBlocksCurrentBillingCycle": [
                dict(block, startDate=iso(start), expirationDate=iso(nxt))
            ],
            "recurringBlocksNextBillingCycle": [
                dict(
                    block,
                    startDate=iso(nxt),
                    expirationDate=iso(add_month(nxt, terminal.billing_day)),
                )
            ],
            "delayedProductRecurringBlocksNextCycle": [],
            "topUpBlocksOptInPurchase": [],
            "topUpBlocksOneTimePurchase": [],
        },
    }


def _block(product_id, count, amount, start, expiration):
    """``DataBlockSummaryResponse``."""
    return {
        "productId": product_id,
        "startDate": iso(start),
        "expirationDate": iso(expiration),
        "count": count,
        "dataAmount": amount,
        "dataUnitType": "GB",
    }


def render_line_state(sim, state):
    """``ServiceLineResponse`` of a line created or changed through the API."""
    today = sim.today()
    plan = state.plan_at(today)
    delayed = state.delayed_plan(today)
    blocks = {
        "recurringBlocksCurrentBillingCycle": [],
        "recurringBlocksNextBillingCycle": [],
        "delayedProductRecurringBlocksNextCycle": [],
        "topUpBlocksOptInPurchase": [],
        "topUpBlocksOneTimePurchase": [],
    }
    cycle = state.cycle(today) if state.active(today) else None
    if cycle:
        start, nxt = cycle
        after = add_month(nxt, state.billing_day)
        blocks["recurringBlocksCurrentBillingCycle"].append(
            _block(plan.block_product_id, 1, plan.limit_gb, start, nxt)
        )
        if state.end_date is None or state.end_date > nxt:
            blocks["recurringBlocksNextBillingCycle"].append(
                _block(plan.block_product_id, 1, plan.limit_gb, nxt, after)
            )
            if delayed:
                blocks["delayedProductRecurringBlocksNextCycle"].append(
                    _block(delayed.block_product_id, 1, delayed.limit_gb, nxt, after)
                )
        blocks["topUpBlocksOneTimePurchase"] = [
            _block(c["productId"], c["count"], c["dataAmountGB"] / c["count"], start, nxt)
            for c in state.top_ups
            if start <= date.fromisoformat(c["purchaseDate"][:10]) < nxt
        ]
    return {
        "addressReferenceId": state.address_id,
        "serviceLineNumber": state.number,
        "nickname": state.nickname,
        "productReferenceId": plan.ref,
        "delayedProductId": delayed.ref if delayed else None,
        "optInProductId": plan.overage_product_id if state.opted_in else None,
        "startDate": _datetime_iso(state.start_date),
        "endDate": _datetime_iso(state.end_date),
        "publicIp": state.public_ip,
        "active": state.active(today),
        "aviationMetadata": None,
        "dataBlocks": blocks,
    }


def render_account_terminal(record):
    """``UserTerminalResponseV2`` of a terminal added to the account through the API."""
    return {
        "userTerminalId": record["userTerminalId"],
        "nickname": None,
        "kitSerialNumber": record["kitSerialNumber"],
        "dishSerialNumber": record["dishSerialNumber"],
        "serviceLineNumber": record["serviceLineNumber"],
        "l2VpnCircuits": [],
        "routers": [
            {
                "routerId": record["routerId"],
                "nickname": None,
                "userTerminalId": record["userTerminalId"],
                "configId": None,
                "hardwareVersion": None,
                "lastBonded": None,
            }
        ],
    }


def render_user_terminal(terminal):
    """``UserTerminalResponseV2``."""
    return {
        "userTerminalId": terminal.user_terminal_id,
        "nickname": terminal.nickname,
        "kitSerialNumber": terminal.kit_serial,
        "dishSerialNumber": terminal.dish_serial,
        "serviceLineNumber": terminal.service_line_number,
        "l2VpnCircuits": [],
        "routers": [
            {
                "routerId": terminal.router_id,
                "nickname": None,
                "userTerminalId": terminal.user_terminal_id,
                "configId": None,
                "hardwareVersion": None,
                "lastBonded": None,
            }
        ],
    }


def render_address(terminal):
    """``AddressResponse``."""
    locality, area, area_code, region, region_code, postal = terminal.locality[:6]
    return {
        "addressReferenceId": terminal.address_id,
        "addressLines": [terminal.street],
        "locality": locality,
        "administrativeArea": area,
        "administrativeAreaCode": area_code,
        "region": region,
        "regionCode": region_code,
        "postalCode": postal,
        "metadata": None,
        "formattedAddress": "%s, %s, %s %s, %s"
        % (terminal.street, locality, area_code, postal, region_code),
        "latitude": terminal.latitude,
        "longitude": terminal.longitude,
    }


def render_product(plan):
    """``SubscriptionProductResponse``."""
    return {
        "productReferenceId": plan.ref,
        "name": plan.name,
        "price": plan.price,
        "isoCurrencyCode": "USD",
        "isSla": False,
        "maxNumberOfUserTerminals": 1,
        "dataProducts": {
            "topUpProduct": {
                "productId": plan.ref + "-TOPUP",
                "price": plan.top_up_price,
                "isoCurrencyCode": "USD",
                "dataAmount": 50.0,
                "dataUnit": "GB",
            },
            "dataBlockProducts": [
                {
                    "productId": plan.block_product_id,
                    "price": 0.0,
                    "isoCurrencyCode": "USD",
                    "dataAmount": plan.limit_gb,
                    "dataUnit": "GB",
                }
            ],
        },
    }


# ---------------------------------------------------------------- handlers
def get_account(sim, request):
    """GET /public/v2/account."""
    fleet = sim.fleet
    return 200, envelope(
        {
            "accountNumber": fleet.account_number,
            "regionCode": "US",
            "accountName": fleet.account_name,
            "activeSuspensions": [],
        }
    )


def get_service_lines(sim, request):
    """GET /public/v2/service-lines."""
    page = _int_arg(request, "page", 0)
    address = request.args.get("addressReferenceId")
    search = (request.args.get("searchString") or "").strip().lower()
    pool = request.args.get("dataPoolId")
    order = sim.fleet.created_desc()
    if not _bool_arg(request, "orderByCreatedDateDescending", True):
        order = order[::-1]
    if address or search or pool:
        order = [
            i for i in order if not pool and _line_matches(sim.fleet.terminal(i), address, search)
        ]
    # Lines created through the API are the newest: first when newest first, else last.
    created = [
        ("created", number)
        for number in reversed(sim.state.created_lines)
        if not pool and _created_line_matches(sim, sim.state.lines[number], address, search)
    ]
    ascending = not _bool_arg(request, "orderByCreatedDateDescending", True)
    keys = list(order) + created[::-1] if ascending else created + list(order)
    return 200, paginate(keys, lambda key: _render_line_key(sim, key), page)


def _render_line_key(sim, key):
    """Render a fleet line (its index) or a created line (``("created", number)``)."""
    if isinstance(key, tuple):
        return render_line_state(sim, sim.state.lines[key[1]])
    return render_service_line(sim, sim.fleet.terminal(key))


def _created_line_matches(sim, state, address, search):
    """Filters of the service line list, for a line created through the API."""
    if address and state.address_id != address:
        return False
    if not search:
        return True
    exact = [state.number]
    for terminal_id in state.terminals:
        record = sim.state.terminals[terminal_id]
        exact += [terminal_id, record["kitSerialNumber"], record["dishSerialNumber"]]
    return search in (state.nickname or "").lower() or search in (v.lower() for v in exact)


def _line_matches(terminal, address, search):
    """Filters of the service line list."""
    if address and terminal.address_id != address:
        return False
    if not search or search in terminal.nickname.lower():
        return True
    exact = (
        terminal.user_terminal_id,
        terminal.kit_serial,
        terminal.dish_serial,
        terminal.service_line_number,
    )
    return search in (value.lower() for value in exact)


def get_service_line(sim, request, number):
    """GET /public/v2/service-lines/{serviceLineNumber}."""
    index = sim.index.find("service_line_number", number)
    if index is None:
        state = sim.state.lines.get(number)
        if state is None:
            raise ApiError(404, "not_found", ["serviceLineNumber"])
        return 200, envelope(render_line_state(sim, state))
    return 200, envelope(render_service_line(sim, sim.fleet.terminal(index)))


def get_user_terminals(sim, request):
    """GET /public/v2/user-terminals."""
    page = _int_arg(request, "page", 0)
    lines = set(_list_arg(request, "serviceLineNumbers"))
    ids = set(_list_arg(request, "userTerminalIds"))
    has_line = _bool_arg(request, "hasServiceLine")
    search = (request.args.get("searchString") or "").strip().lower()
    indexes = sim.fleet.terminal_indexes()
    detached = sim.state.detached_fleet_terminals
    if detached:  # taken off their line: listed below as account terminals
        indexes = [i for i in indexes if sim.fleet.terminal(i).user_terminal_id not in detached]
    if lines or ids or has_line is False or search:
        indexes = [
            i
            for i in indexes
            if _terminal_matches(sim.fleet.terminal(i), lines, ids, has_line, search)
        ]
    added = [
        record
        for record in sim.state.terminals.values()
        if _added_terminal_matches(record, lines, ids, has_line, search)
    ]
    keys = list(indexes) + added
    return 200, paginate(keys, lambda key: _render_terminal_key(sim, key), page)


def _render_terminal_key(sim, key):
    """Render a fleet terminal (its index) or one added through the API (its record)."""
    if isinstance(key, dict):
        return render_account_terminal(key)
    return render_user_terminal(sim.fleet.terminal(key))


def _added_terminal_matches(record, lines, ids, has_line, search):
    """Filters of the user terminal list, for a terminal added through the API."""
    line = record["serviceLineNumber"]
    if has_line is not None and has_line != bool(line):
        return False
    if lines and line not in lines:
        return False
    if ids and record["userTerminalId"] not in ids:
        return False
    values = (record["userTerminalId"], record["kitSerialNumber"], record["dishSerialNumber"])
    return not search or any(search in value.lower() for value in values)


def _terminal_matches(terminal, lines, ids, has_line, search):
    """Filters of the user terminal list (every terminal has a line)."""
    if has_line is False:
        return False
    if lines and terminal.service_line_number not in lines:
        return False
    if ids and terminal.user_terminal_id not in ids:
        return False
    values = (terminal.user_terminal_id, terminal.kit_serial, terminal.dish_serial)
    return not search or any(search in value.lower() for value in values)


def get_products(sim, request):
    """GET /public/v2/products."""
    page = _int_arg(request, "page", 0)
    return 200, paginate(list(range(len(PLANS))), lambda i: render_product(PLANS[i]), page)


def get_addresses(sim, request):
    """GET /public/v2/addresses."""
    page = _int_arg(request, "page", 0)
    wanted = set(_list_arg(request, "addressIds"))
    metadata = request.args.get("metadata")
    indexes = sim.fleet.line_indexes()
    if wanted:
        indexes = sorted(
            i for i in (sim.index.find("address_id", a) for a in wanted) if i is not None
        )
    if metadata not in (None, ""):
        indexes = []  # generated addresses carry no metadata
    created = [
        address
        for key, address in sim.state.addresses.items()
        if (not wanted or key in wanted)
        and (metadata in (None, "") or address["metadata"] == metadata)
    ]
    keys = list(indexes) + created
    return 200, paginate(keys, lambda key: _render_address_key(sim, key), page)


def _render_address_key(sim, key):
    """Render a fleet address (its index) or a created one (its answer)."""
    return dict(key) if isinstance(key, dict) else render_address(sim.fleet.terminal(key))


def get_address(sim, request, address_id):
    """GET /public/v2/addresses/{addressReferenceId}."""
    index = sim.index.find("address_id", address_id)
    if index is None:
        if address_id in sim.state.addresses:
            return 200, envelope(dict(sim.state.addresses[address_id]))
        raise ApiError(404, "not_found", ["addressReferenceId"])
    return 200, envelope(render_address(sim.fleet.terminal(index)))


def query_data_usage(sim, request):
    """POST /public/v2/data-usage/query."""
    page = _int_arg(request, "page", 0)
    limit = _int_arg(request, "limit", USAGE_DEFAULT_LIMIT, low=1, high=USAGE_MAX_LIMIT)
    body = _json_body(request)
    numbers = body.get("serviceLineNumbers")
    if numbers is not None and (
        not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers)
    ):
        raise ApiError(400, "serviceLineNumbers must be a list of strings", ["serviceLineNumbers"])
    previous = body.get("previousBillingCycles")
    previous = 1 if previous is None else previous
    if not isinstance(previous, int) or isinstance(previous, bool) or not 0 <= previous <= 24:
        raise ApiError(
            400,
            "previousBillingCycles must be an integer between 0 and 24",
            ["previousBillingCycles"],
        )
    query_start = _parse_date(body.get("queryStartDate"), "queryStartDate")
    active_only = body.get("activeServiceLinesOnly", True) is not False
    if numbers is None:
        indexes = sim.fleet.line_indexes()
    else:
        indexes = sorted(
            {
                i
                for i in (sim.index.find("service_line_number", n) for n in numbers)
                if i is not None
            }
        )
    today = sim.today()
    terminals = [sim.fleet.terminal(i) for i in indexes]
    # lines activated through the API (after the fleet, in creation order)
    wanted = None if numbers is None else set(numbers)
    for number in sim.state.created_lines:
        state = sim.state.lines[number]
        if state.usage_terminal is not None and (wanted is None or number in wanted):
            terminals.append(state.usage_terminal)
    if active_only:
        terminals = [t for t in terminals if _usage_active(sim, t, today)]
    return 200, paginate(
        terminals,
        lambda t: sim.usage.service_line_usage(t, today, previous, query_start),
        page,
        limit,
    )


def _usage_active(sim, terminal, today):
    """Whether a line is active, a deactivation through the API included."""
    state = sim.state.lines.get(terminal.service_line_number)
    return state.active(today) if state is not None else terminal.active


def _parse_date(value, member):
    """Optional ISO date(-time) field of a body, as a date."""
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        raise ApiError(400, "%s must be an ISO 8601 date-time" % member, [member]) from None


def _stream_int(body, name, default):
    """batchSize / maxLingerMs of a stream request."""
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= STREAM_MAX:
        raise ApiError(400, "%s must be an integer between 0 and %d" % (name, STREAM_MAX), [name])
    return value


def telemetry_stream(sim, request, account):
    """POST /public/v2/telemetry/stream."""
    body = _json_body(request)
    batch_size = max(1, _stream_int(body, "batchSize", 1000))
    linger_ms = min(_stream_int(body, "maxLingerMs", 15000), sim.faults.get("linger_cap_ms"))
    if sim.clock.speed > 0:
        deadline = time.monotonic() + linger_ms / 1000.0
        while not sim.stream.pending(account, sim.clock.now()) and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    return 200, sim.stream.read(account, sim.clock.now(), batch_size)


def telemetry_query(sim, request, account):
    """POST /public/v2/telemetry/query: latest values per device."""
    body = _json_body(request)
    wanted = body.get("deviceIds")
    if wanted is not None and not isinstance(wanted, list):
        raise ApiError(400, "deviceIds must be a list", ["deviceIds"])
    if wanted is None:
        indexes = sim.fleet.terminal_indexes()
    else:
        indexes = [i for i in (_device_index(sim, str(d)) for d in wanted) if i is not None]
    terminals, routers = {}, {}
    now = sim.clock.now()
    for index in indexes:
        terminal = sim.fleet.terminal(index)
        latest = sim.telemetry.latest(terminal, now)
        if latest:
            terminals[terminal.telemetry_id] = {k: latest[0][k] for k in COLUMNS[TERMINAL][1:]}
            routers[terminal.router_id] = {k: latest[1][k] for k in COLUMNS[ROUTER][1:]}
    return 200, {"data": {TERMINAL: terminals, ROUTER: routers}, "metadata": metadata()}


def _device_index(sim, device_id):
    """Terminal index from a telemetry id, a user terminal id or a router id."""
    for field in ("telemetry_id", "user_terminal_id", "router_id"):
        index = sim.index.find(field, device_id)
        if index is not None:
            return index
    return None


def today_of(now):
    """UTC date of an epoch instant."""
    return datetime.fromtimestamp(now, timezone.utc).date()
