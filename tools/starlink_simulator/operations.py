"""Write operations of the Starlink Public API V2 subset (activation, plans, data, devices).

Request and answer shapes follow the OpenAPI file: ``AddressCreateRequest``,
``ServiceLineCreateRequestV2``, ``DeviceIdRequest``, ``UpdateServiceLineProductRequest``,
``AddDataBlockRequest``, ``OptInResponse``, ``ServiceResponse``. Every write is
kept in :class:`.state.AccountState`, so later reads reflect it. None of them is
idempotent in the way a retry would need: a repeated top-up charges again.
"""

import dataclasses
import re
from datetime import datetime, timezone

from .api import (
    ApiError,
    _bool_arg,
    _json_body,
    envelope,
    render_line_state,
)
from .fleet import LOCALITIES, PLANS
from .state import OPT_IN_COOL_DOWN_S, LineState, PlanSegment
from .usage import add_month, cycle_start, iso

TERMINAL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")
KIT_SERIAL = re.compile(r"^KIT[0-9A-Z]{6,}$")
DISH_SERIAL = re.compile(r"^2DHT[0-9A-Z]{6,}$")
TOP_UP_GB = 50.0


# ---------------------------------------------------------------- helpers
def _required_text(body, name):
    """A required, non-empty string member of a body, else a 400."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "%s is required" % name, [name])
    return value.strip()


def _optional_text(body, name):
    """An optional string member (None when absent), else a 400."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, "%s must be a string" % name, [name])
    return value


def _number(body, name, low, high):
    """A required number member within bounds, else a 400."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ApiError(400, "%s must be a number between %s and %s" % (name, low, high), [name])
    return float(value)


def _plan(ref, member="productReferenceId"):
    """The subscription product ``ref``, else a 422."""
    plan = next((p for p in PLANS if p.ref == ref), None)
    if plan is None:
        raise ApiError(422, "Unknown product %s" % ref, [member])
    return plan


def _now_iso(sim):
    """Simulated now as an ISO 8601 instant."""
    now = datetime.fromtimestamp(sim.clock.now(), timezone.utc).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z")


def line_state(sim, number):
    """The :class:`LineState` of a service line (a new one for a fleet line, kept by
    :func:`_save` once a write changed it).

    Unknown line: 404 ``not_found``.
    """
    state = sim.state.lines.get(number)
    if state is not None:
        return state
    index = sim.index.find("service_line_number", number)
    if index is None:
        raise ApiError(404, "not_found", ["serviceLineNumber"])
    terminal = sim.fleet.terminal(index)
    state = LineState(
        number=number,
        address_id=terminal.address_id,
        nickname=terminal.nickname,
        segments=[PlanSegment(terminal.start_date, terminal.plan)],
        opted_in=terminal.opted_in,
        public_ip=terminal.public_ip,
        start_date=terminal.start_date,
        end_date=terminal.end_date,
        billing_day=terminal.billing_day,
        created_on=terminal.start_date,
        opt_activated=terminal.start_date if terminal.opted_in else None,
    )
    return state


def _save(sim, state):
    """Keep a line's state after a write that changed it (a failed write keeps nothing)."""
    sim.state.lines.setdefault(state.number, state)
    sim.state.touch()


def _fleet_line_terminals(sim, number):
    """User terminal ids of a fleet line (none for a created line)."""
    index = sim.index.find("service_line_number", number)
    if index is None:
        return []
    first = sim.fleet.terminal(index)
    ids = []
    for i in sim.fleet.terminal_indexes():
        terminal = sim.fleet.terminal(i)
        if (
            terminal.service_line_number == first.service_line_number
            and terminal.user_terminal_id not in sim.state.detached_fleet_terminals
        ):
            ids.append(terminal.user_terminal_id)
    return ids


def _fleet_terminal(sim, device_id):
    """The fleet terminal a device id (terminal id, kit or dish serial) names, or None."""
    index = sim.index.find("user_terminal_id", device_id)
    if index is None:
        for terminal in sim.fleet.terminals():
            if terminal.terminal_entry and device_id in (terminal.kit_serial, terminal.dish_serial):
                return _unless_detached(sim, terminal)
        return None
    terminal = sim.fleet.terminal(index)
    return _unless_detached(sim, terminal) if terminal.terminal_entry else None


def _unless_detached(sim, terminal):
    """A fleet terminal taken off its line lives on as an account terminal (``_added_terminal``)."""
    return None if terminal.user_terminal_id in sim.state.detached_fleet_terminals else terminal


def _added_terminal(sim, device_id):
    """The terminal added through the API that a device id names, or None."""
    for record in sim.state.terminals.values():
        ids = (record["userTerminalId"], record["kitSerialNumber"], record["dishSerialNumber"])
        if device_id in ids:
            return record
    return None


def _device_id(body):
    """``DeviceIdRequest.deviceId``."""
    return _required_text(body, "deviceId")


def _ended(state, today):
    """Whether the line is deactivated (its end date has passed)."""
    return state.end_date is not None and state.end_date <= today


# ---------------------------------------------------------------- addresses
def create_address(sim, request):
    """POST /public/v2/addresses (``AddressCreateRequest``) → 201 ``AddressResponse``."""
    body = _json_body(request)
    lines = body.get("addressLines")
    if (
        not isinstance(lines, list)
        or not lines
        or not all(isinstance(x, str) and x.strip() for x in lines)
    ):
        raise ApiError(400, "addressLines is required", ["addressLines"])
    formatted = _required_text(body, "formattedAddress")
    latitude = _number(body, "latitude", -90, 90)
    longitude = _number(body, "longitude", -180, 180)
    for name in ("locality", "administrativeArea", "region", "postalCode", "metadata"):
        _optional_text(body, name)
    # administrativeAreaCode and regionCode are ignored: derived from the coordinates.
    nearest = min(LOCALITIES, key=lambda x: (x[6] - latitude) ** 2 + (x[7] - longitude) ** 2)
    with sim.state.lock:
        address_id = sim.state.new_address_id()
        address = {
            "addressReferenceId": address_id,
            "addressLines": [x.strip() for x in lines],
            "locality": body.get("locality"),
            "administrativeArea": body.get("administrativeArea"),
            "administrativeAreaCode": nearest[2],
            "region": body.get("region"),
            "regionCode": nearest[4],
            "postalCode": body.get("postalCode") or "",
            "metadata": body.get("metadata"),
            "formattedAddress": formatted,
            "latitude": latitude,
            "longitude": longitude,
        }
        sim.state.addresses[address_id] = address
        sim.state.touch()
    return 201, envelope(dict(address))


def _address_exists(sim, address_id):
    return address_id in sim.state.addresses or sim.index.find("address_id", address_id) is not None


# ---------------------------------------------------------------- service lines
def create_service_line(sim, request):
    """POST /public/v2/service-lines (``ServiceLineCreateRequestV2``) → 201 ``ServiceLineResponse``.

    The new line is inactive, without start date or billing day, until a user
    terminal is added to it.
    """
    body = _json_body(request)
    address_id = _required_text(body, "addressReferenceId")
    ref = _required_text(body, "productReferenceId")
    blocks = body.get("dataBlockProducts")
    if blocks is not None and not isinstance(blocks, dict):
        raise ApiError(400, "dataBlockProducts must be an object", ["dataBlockProducts"])
    if blocks and blocks.get("dataPoolId"):
        raise ApiError(403, "Data pools are not enabled for this account", ["dataPoolId"])
    plan = _plan(ref)
    if not _address_exists(sim, address_id):
        raise ApiError(422, "Unknown address %s" % address_id, ["addressReferenceId"])
    today = sim.today()
    with sim.state.lock:
        number = _new_line_number(sim)
        state = LineState(
            number=number,
            address_id=address_id,
            nickname=None,
            segments=[PlanSegment(today, plan)],
            opted_in=False,
            created=True,
            created_on=today,
        )
        sim.state.lines[number] = state
        sim.state.created_lines.append(number)
        sim.state.touch()
    return 201, envelope(render_line_state(sim, state))


def _new_line_number(sim):
    """A service line number no line has yet."""
    fleet = sim.fleet
    serial = fleet.size + len(sim.state.created_lines)
    while True:
        number = "AST-%06d-%05d-%02d" % (
            fleet.account_digits,
            10000 + serial % 90000,
            sim.state.next_id("line") % 89 + 10,
        )
        if number not in sim.state.lines and sim.index.find("service_line_number", number) is None:
            return number
        serial += 1


def add_user_terminal(sim, request):
    """POST /public/v2/user-terminals (``DeviceIdRequest``): terminal onto the account.

    Any well-formed user terminal id (``xxxxxxxx-xxxxxxxx-xxxxxxxx``), kit serial
    (``KIT…``) or dish serial (``2DHT…``) stands for a kit from the reseller's stock.
    """
    device_id = _device_id(_json_body(request))
    if _fleet_terminal(sim, device_id) or _added_terminal(sim, device_id):
        raise ApiError(422, "User terminal %s is already on the account" % device_id, ["deviceId"])
    if not (
        TERMINAL_ID.match(device_id) or KIT_SERIAL.match(device_id) or DISH_SERIAL.match(device_id)
    ):
        raise ApiError(422, "Failed to add user terminal to the account", ["deviceId"])
    with sim.state.lock:
        seed = sim.state.next_id("terminal")
        terminal_id = (
            device_id
            if TERMINAL_ID.match(device_id)
            else "01%06x-%08x-%08x"
            % (
                seed >> 40 & 0xFFFFFF,
                seed & 0xFFFFFFFF,
                seed >> 8 & 0xFFFFFFFF,
            )
        )
        record = {
            "userTerminalId": terminal_id,
            "kitSerialNumber": device_id
            if KIT_SERIAL.match(device_id)
            else "KIT%09d" % (seed % 10**9),
            "dishSerialNumber": device_id
            if DISH_SERIAL.match(device_id)
            else "2DHT%09d" % ((seed >> 30) % 10**9),
            "routerId": "Router-0100%020x" % (seed >> 4),
            "serviceLineNumber": None,
        }
        sim.state.terminals[terminal_id] = record
        sim.state.touch()
    return 200, envelope()


def attach_user_terminal(sim, request, number):
    """POST /public/v2/service-lines/{serviceLineNumber}/user-terminals (``DeviceIdRequest``).

    The terminal must be on the account and on no line; a line takes one terminal
    (``maxNumberOfUserTerminals``). The first terminal starts the service: the line
    becomes active, its billing day is today's day of the month.
    """
    device_id = _device_id(_json_body(request))
    today = sim.today()
    with sim.state.lock:
        state = line_state(sim, number)
        if _ended(state, today):
            raise ApiError(422, "Service line %s is deactivated" % number, ["serviceLineNumber"])
        record = _added_terminal(sim, device_id)
        if record is None:
            if _fleet_terminal(sim, device_id):
                raise ApiError(
                    422, "User terminal %s is on another service line" % device_id, ["deviceId"]
                )
            raise ApiError(
                422, "User terminal %s must be added to the account first" % device_id, ["deviceId"]
            )
        if record["serviceLineNumber"]:
            raise ApiError(
                422, "User terminal %s is on another service line" % device_id, ["deviceId"]
            )
        if state.terminals or _fleet_line_terminals(sim, number):
            raise ApiError(
                422, "Service line %s already has a user terminal" % number, ["serviceLineNumber"]
            )
        record["serviceLineNumber"] = number
        state.terminals.append(record["userTerminalId"])
        sim.state.terminal_attachments.append(
            {"serviceLineNumber": number, "userTerminalId": record["userTerminalId"],
             "at": _now_iso(sim)}
        )  # fmt: skip
        if state.start_date is None:
            state.start_date = today
            state.billing_day = today.day
            state.segments[0].start = today
            if state.created:
                state.usage_terminal = _usage_terminal(sim, state, record)
        _save(sim, state)
    return 200, envelope()


def _usage_terminal(sim, state, record):
    """A fleet-like terminal that generates the usage of a line activated through the API.

    Its behaviour (weekly pattern, noise) is drawn like a fleet terminal's, from an
    index past the fleet; its level is about 65 % of the plan's included data.
    """
    index = sim.fleet.size + sim.state.created_lines.index(state.number)
    template = sim.fleet.terminal(sim.state.next_id("usage") % sim.fleet.size)
    plan = state.plan_at(state.start_date)
    return dataclasses.replace(
        template,
        index=index,
        user_terminal_id=record["userTerminalId"],
        kit_serial=record["kitSerialNumber"],
        dish_serial=record["dishSerialNumber"],
        router_id=record["routerId"],
        service_line_number=state.number,
        nickname=state.nickname or state.number,
        plan=plan,
        address_id=state.address_id,
        start_date=state.start_date,
        end_date=None,
        billing_day=state.billing_day,
        opted_in=state.opted_in,
        level_gb=plan.limit_gb * 0.65 / 30.4,
        line_entry=True,
        terminal_entry=True,
    )


def update_product(sim, request, number):
    """PUT /public/v2/service-lines/{serviceLineNumber}/product.

    Body ``UpdateServiceLineProductRequest``.

    ``delayUpdate`` null: an upgrade (dearer product) applies at once, a downgrade
    at the next billing date; true: at the next billing date; false: at once.
    Asking for the product in force cancels a scheduled change.
    """
    body = _json_body(request)
    ref = _required_text(body, "productReferenceId")
    delay = body.get("delayUpdate")
    if delay is not None and not isinstance(delay, bool):
        raise ApiError(400, "delayUpdate must be a boolean or null", ["delayUpdate"])
    blocks = body.get("recurringDataBlocks")
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError(400, "recurringDataBlocks must be a list", ["recurringDataBlocks"])
    if body.get("dataPoolId"):
        raise ApiError(403, "Data pools are not enabled for this account", ["dataPoolId"])
    today = sim.today()
    with sim.state.lock:
        state = line_state(sim, number)
        plan = _plan(ref)
        if _ended(state, today):
            raise ApiError(422, "Service line %s is deactivated" % number, ["serviceLineNumber"])
        current = state.plan_at(today)
        state.segments = [s for s in state.segments if s.start <= today]  # drop scheduled ones
        if plan != current:
            upgrade = plan.price > current.price
            later = delay if delay is not None else not upgrade
            if later and state.billing_day:
                start, immediate = (
                    add_month(cycle_start(today, state.billing_day), state.billing_day),
                    False,
                )
            else:
                start, immediate = today, bool(state.billing_day)
                state.segments = [s for s in state.segments if s.start < today] or [
                    PlanSegment(today, current)
                ]
            state.segments.append(PlanSegment(start, plan, immediate))
            sim.state.plan_changes.append(
                {
                    "serviceLineNumber": number,
                    "fromProduct": current.ref,
                    "toProduct": plan.ref,
                    "effectiveDate": iso(start),
                    "immediate": start == today,
                    "requestedAt": _now_iso(sim),
                }
            )
        _save(sim, state)
    return 200, envelope()


def top_up(sim, request, number):
    """POST /public/v2/service-lines/{serviceLineNumber}/data/top-up (``AddDataBlockRequest``).

    Not idempotent: every accepted call charges ``count`` blocks again.
    """
    body = _json_body(request)
    product_id = _required_text(body, "productId")
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
        raise ApiError(400, "count must be an integer between 1 and 100", ["count"])
    today = sim.today()
    with sim.state.lock:
        state = line_state(sim, number)
        if not state.active(today):
            raise ApiError(422, "Service line %s is not active" % number, ["serviceLineNumber"])
        plan = state.plan_at(today)
        if product_id != plan.ref + "-TOPUP":
            raise ApiError(
                422,
                "Product %s is not a top up of %s (expected %s-TOPUP)"
                % (product_id, plan.ref, plan.ref),
                ["productId"],
            )
        charge = {
            "chargeId": "TU-%012x" % (sim.state.next_id("top-up") >> 16),
            "serviceLineNumber": number,
            "productId": product_id,
            "count": count,
            "dataAmountGB": TOP_UP_GB * count,
            "unitPrice": plan.top_up_price,
            "amount": round(plan.top_up_price * count, 2),
            "purchaseDate": _now_iso(sim),
        }
        state.top_ups.append(charge)
        sim.state.charges.append(charge)
        _save(sim, state)
    return 200, envelope()


def _opt(sim, number, opt_in):
    """Opt in or out; a change within the cool down is refused (422)."""
    today = sim.today()
    now = sim.clock.now()
    with sim.state.lock:
        state = line_state(sim, number)
        if not state.active(today):
            raise ApiError(422, "Service line %s is not active" % number, ["serviceLineNumber"])
        cooling = (
            state.opt_changed_at is not None and now - state.opt_changed_at < OPT_IN_COOL_DOWN_S
        )
        changed = state.opted_in != opt_in
        if changed:
            if cooling:
                status, body = (
                    422,
                    envelope(
                        _opt_content(state, True),
                        errors=[
                            {
                                "memberNames": ["serviceLineNumber"],
                                "errorMessage": "Service line %s is in opt-in cool down" % number,
                            }
                        ],
                    ),
                )
                return status, body
            state.opted_in = opt_in
            state.opt_changed_at = now
            cooling = True
            if opt_in:
                state.opt_activated, state.opt_deactivated = today, None
            else:
                state.opt_deactivated = today
            _save(sim, state)
        sim.state.opt_changes.append(
            {"serviceLineNumber": number, "optIn": opt_in, "changed": changed, "at": _now_iso(sim)}
        )
        sim.state.touch()
        return 200, envelope(_opt_content(state, cooling))


def _opt_content(state, cooling):
    """``OptInResponse``."""
    plan = state.segments[-1].plan
    return {
        "productId": plan.overage_product_id,
        "activatedDate": iso(state.opt_activated) if state.opt_activated else None,
        "deactivatedDate": iso(state.opt_deactivated) if state.opt_deactivated else None,
        "isInOptInCoolDown": bool(cooling),
    }


def opt_in(sim, request, number):
    """POST /public/v2/service-lines/{serviceLineNumber}/data/opt-in → ``OptInResponse``."""
    return _opt(sim, number, True)


def opt_out(sim, request, number):
    """POST /public/v2/service-lines/{serviceLineNumber}/data/opt-out → ``OptInResponse``."""
    return _opt(sim, number, False)


def deactivate_service_line(sim, request, number):
    """DELETE /public/v2/service-lines/{serviceLineNumber}?endNow=&reasonForCancellation=.

    ``endNow`` false (default): the service ends on the next billing date; true:
    today. Deactivating a line already scheduled to end changes nothing (unless
    ``endNow``); an ended line answers 422.
    """
    end_now = _bool_arg(request, "endNow", False)
    reason = request.args.get("reasonForCancellation")
    today = sim.today()
    with sim.state.lock:
        state = line_state(sim, number)
        if _ended(state, today):
            raise ApiError(
                422, "Service line %s is already deactivated" % number, ["serviceLineNumber"]
            )
        if end_now or not state.billing_day:
            end = today
        else:
            end = add_month(cycle_start(today, state.billing_day), state.billing_day)
        if state.end_date is None or end < state.end_date:
            state.end_date = end
        state.cancel_reason = reason or state.cancel_reason
        state.segments = [s for s in state.segments if s.start <= today]
        _save(sim, state)
        sim.state.cancellations.append(
            {"serviceLineNumber": number, "endDate": iso(state.end_date), "endNow": end_now,
             "reason": reason, "at": _now_iso(sim)}
        )  # fmt: skip
    return 200, envelope()


def remove_user_terminal(sim, request, number, device_id):
    """DELETE /public/v2/service-lines/{serviceLineNumber}/user-terminals/{deviceId}.

    The terminal (its id, kit or dish serial) leaves the line and stays on the account
    without service (listed with ``hasServiceLine=false``), ready for another line; the
    line keeps its plan and dates and takes another terminal. A terminal that is not on
    this line answers 422, an unknown line 404: a repeated call changes nothing.
    """
    with sim.state.lock:
        state = line_state(sim, number)
        fleet = _fleet_terminal(sim, device_id)
        record = None if fleet else _added_terminal(sim, device_id)
        if fleet is not None and fleet.service_line_number == number:
            record = {
                "userTerminalId": fleet.user_terminal_id,
                "kitSerialNumber": fleet.kit_serial,
                "dishSerialNumber": fleet.dish_serial,
                "routerId": fleet.router_id,
                "serviceLineNumber": None,
            }
            sim.state.terminals[fleet.user_terminal_id] = record
            sim.state.detached_fleet_terminals.add(fleet.user_terminal_id)
        elif record is not None and record["serviceLineNumber"] == number:
            record["serviceLineNumber"] = None
            if record["userTerminalId"] in state.terminals:
                state.terminals.remove(record["userTerminalId"])
        else:
            raise ApiError(
                422,
                "User terminal %s is not on service line %s" % (device_id, number),
                ["deviceId"],
            )
        _save(sim, state)
        sim.state.terminal_removals.append(
            {"serviceLineNumber": number, "userTerminalId": record["userTerminalId"],
             "at": _now_iso(sim)}
        )  # fmt: skip
    return 200, envelope()


# ---------------------------------------------------------------- devices
def reboot_user_terminal(sim, request, device_id):
    """POST /public/v2/user-terminals/{deviceId}/reboot."""
    terminal = _fleet_terminal(sim, device_id)
    record = None if terminal else _added_terminal(sim, device_id)
    if terminal is None and record is None:
        raise ApiError(404, "not_found", ["deviceId"])
    terminal_id = terminal.user_terminal_id if terminal else record["userTerminalId"]
    with sim.state.lock:
        sim.state.reboots.append(
            {"deviceId": terminal_id, "kind": "userTerminal", "at": _now_iso(sim)}
        )
        sim.state.touch()
    return 200, envelope()


def reboot_router(sim, request, router_id):
    """POST /public/v2/routers/{routerId}/reboot."""
    known = sim.index.find("router_id", router_id) is not None or any(
        r["routerId"] == router_id for r in sim.state.terminals.values()
    )
    if not known:
        raise ApiError(404, "not_found", ["routerId"])
    with sim.state.lock:
        sim.state.reboots.append({"deviceId": router_id, "kind": "router", "at": _now_iso(sim)})
        sim.state.touch()
    return 200, envelope()


__all__ = [
    "add_user_terminal",
    "attach_user_terminal",
    "create_address",
    "create_service_line",
    "deactivate_service_line",
    "line_state",
    "opt_in",
    "opt_out",
    "reboot_router",
    "reboot_user_terminal",
    "remove_user_terminal",
    "top_up",
    "update_product",
]
