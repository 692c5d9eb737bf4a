"""Write operations of the Starlink API client against the simulator; no blind retry of writes."""

import socket

import pytest
import requests
from starlink_telemetry_lib.client import API_PREFIX, StarlinkClient
from starlink_telemetry_lib.exceptions import (
    StarlinkConnectionError,
    StarlinkNotFoundError,
    StarlinkServerError,
    StarlinkTimeoutError,
    StarlinkValidationError,
)

ADDRESS = {
    "address_lines": ["7 Creek Road"],
    "formatted_address": "7 Creek Road, Moab, UT 84532, US",
    "latitude": 38.6,
    "longitude": -109.5,
    "locality": "Moab",
    "postal_code": "84532",
}


def _faults(simulator, **faults):
    answer = requests.post(simulator.url + "/_sim/faults", json=faults, timeout=5)
    assert answer.status_code == 200, answer.text


def _operations(simulator):
    return requests.get(simulator.url + "/_sim/operations", timeout=5).json()


def _route_calls(simulator, route):
    stats = requests.get(simulator.url + "/_sim/stats", timeout=5).json()
    return stats["by_route"].get(route, 0)


TOP_UP_ROUTE = "POST /public/v2/service-lines/<number>/data/top-up"


def _showcase_line(simulator):
    """The fleet's line in overage every cycle, on SL-LP-50GB."""
    return simulator.simulator.fleet.terminal(0).service_line_number


def test_activation_through_the_client(simulator, make_client):
    client = make_client()
    assert client.find_addresses(metadata="partner-9") == []
    address = client.create_address(metadata="partner-9", **ADDRESS)
    assert address["regionCode"] == "US" and address["addressLines"] == ["7 Creek Road"]
    assert [a["addressReferenceId"] for a in client.find_addresses(metadata="partner-9")] == [
        address["addressReferenceId"]
    ]
    line = client.create_service_line(address["addressReferenceId"], "SL-LP-1TB")
    number = line["serviceLineNumber"]
    assert line["active"] is False and line["productReferenceId"] == "SL-LP-1TB"
    assert client.add_user_terminal("KIT600000001")["isValid"] is True
    spare = list(client.iter_user_terminals(has_service_line=False))
    assert [t["kitSerialNumber"] for t in spare] == ["KIT600000001"]
    client.attach_user_terminal(number, "KIT600000001")
    line = client.get_service_line(number)
    assert line["active"] is True and line["startDate"] == "2026-07-20T00:00:00Z"
    for search in (number, "KIT600000001"):
        found = client.iter_service_lines(search=search)
        assert [x["serviceLineNumber"] for x in found] == [number]
    terminals = list(client.iter_user_terminals(service_line_numbers=[number]))
    assert [t["kitSerialNumber"] for t in terminals] == ["KIT600000001"]
    # The same terminal found by its id or its kit serial; an unknown device is None.
    for device in (terminals[0]["userTerminalId"], "KIT600000001"):
        assert client.find_user_terminal(device)["kitSerialNumber"] == "KIT600000001"
    assert client.find_user_terminal("KIT699999999") is None


def test_activation_errors_are_typed(simulator, make_client):
    client = make_client()
    address = client.create_address(**ADDRESS)["addressReferenceId"]
    with pytest.raises(StarlinkValidationError) as info:
        client.create_service_line(address, "NO-SUCH-PLAN")
    assert info.value.status == 422 and "[productReferenceId]" in str(info.value)
    with pytest.raises(StarlinkNotFoundError):
        client.attach_user_terminal("AST-000000-00000-00", "KIT600000001")
    with pytest.raises(StarlinkValidationError, match="must be added to the account first"):
        line = client.create_service_line(address, "SL-LP-50GB")
        client.attach_user_terminal(line["serviceLineNumber"], "KIT600000002")
    assert client.retry_count == 0


def test_plan_change_partial_periods_and_cancel(simulator, make_client):
    client = make_client()
    number = _showcase_line(simulator)
    client.update_service_line_product(number, "SL-LP-2TB")
    assert client.get_service_line(number)["productReferenceId"] == "SL-LP-2TB"
    periods = client.get_partial_periods(number)
    assert [p["productReferenceId"] for p in periods] == ["SL-LP-50GB", "SL-LP-2TB"]
    client.update_service_line_product(number, "SL-LP-1TB")  # downgrade: next cycle
    line = client.get_service_line(number)
    assert (line["productReferenceId"], line["delayedProductId"]) == ("SL-LP-2TB", "SL-LP-1TB")
    client.update_service_line_product(number, "SL-LP-50GB", delay_update=False)
    assert client.get_service_line(number)["productReferenceId"] == "SL-LP-50GB"
    with pytest.raises(StarlinkValidationError, match="productReferenceId"):
        client.update_service_line_product(number, "NO-SUCH-PLAN")
    client.deactivate_service_line(number, end_now=True, reason="unpaid")
    line = client.get_service_line(number)
    assert line["active"] is False and line["endDate"] == "2026-07-20T00:00:00Z"
    with pytest.raises(StarlinkValidationError, match="already deactivated"):
        client.deactivate_service_line(number)
    with pytest.raises(StarlinkNotFoundError):
        client.get_partial_periods("AST-000000-00000-00")


def test_opt_in_and_cool_down(simulator, make_client):
    client = make_client()
    number = simulator.simulator.fleet.terminal(1).service_line_number  # not opted in
    answer = client.opt_in_priority_data(number)
    assert answer["isInOptInCoolDown"] is True and answer["productId"] == "SL-LP-50GB-OVERAGE"
    with pytest.raises(StarlinkValidationError, match="cool down"):
        client.opt_out_priority_data(number)
    assert client.retry_count == 0  # a refusal in the cool down is not retried
    simulator.simulator.clock.advance(2 * 86400)
    assert client.opt_out_priority_data(number)["deactivatedDate"] == "2026-07-22T00:00:00Z"


def test_invoices_balance_and_reboots(simulator, make_client):
    client = make_client()
    number = _showcase_line(simulator)
    client.top_up_data(number, "SL-LP-50GB-TOPUP", 3)
    invoices = list(client.iter_invoices())
    assert len(invoices) > 100  # every page
    top_up = next(i for i in invoices if i["description"] == "Top up")
    detail = client.get_invoice(top_up["invoiceId"])
    item = detail["invoiceLines"][0]
    assert item["serviceLineNumbers"] == [number]
    assert (item["quantity"], item["unitPrice"], item["subTotal"]) == (3.0, 10.0, 30.0)
    assert detail["dueAmount"] == 30.0
    with pytest.raises(StarlinkNotFoundError):
        client.get_invoice("INV-DF-US-NOPE")
    balance = client.get_balance()
    assert len(balance) == 1 and balance[0]["dueAmount"] >= 30.0
    terminal = simulator.simulator.fleet.terminal(2)
    client.reboot_user_terminal(terminal.user_terminal_id)
    client.reboot_router(terminal.router_id)
    assert [r["kind"] for r in _operations(simulator)["reboots"]] == ["userTerminal", "router"]
    with pytest.raises(StarlinkNotFoundError):
        client.reboot_router("Router-unknown")


# ---------------------------------------------------------------- no blind retry of writes
def test_top_up_timed_out_is_charged_once_and_not_retried(simulator, make_client, fake_clock):
    client = make_client(timeout=0.5, max_retries=3)
    number = _showcase_line(simulator)
    _faults(simulator, slow_answer=1, slow_seconds=1.5)
    with pytest.raises(StarlinkTimeoutError) as info:
        client.top_up_data(number, "SL-LP-50GB-TOPUP")
    assert info.value.possibly_applied is True
    assert "may have been applied" in str(info.value)
    assert simulator.simulator.wait_idle()
    assert _route_calls(simulator, TOP_UP_ROUTE) == 1
    assert len(_operations(simulator)["charges"]) == 1
    assert fake_clock.sleeps == [] and client.retry_count == 0


def test_a_blind_retry_would_charge_twice(simulator, make_client):
    """Why the rule exists: the same call sent as a retryable read is charged again."""
    client = make_client(timeout=0.5, max_retries=3)
    number = _showcase_line(simulator)
    _faults(simulator, slow_answer=1, slow_seconds=1.5)
    path = "%s/service-lines/%s/data/top-up" % (API_PREFIX, number)
    client.request("POST", path, json={"productId": "SL-LP-50GB-TOPUP", "count": 1})
    assert simulator.simulator.wait_idle()
    assert len(_operations(simulator)["charges"]) == 2


def test_write_slow_before_processing_is_not_retried_either(simulator, make_client, fake_clock):
    client = make_client(timeout=0.5)
    number = _showcase_line(simulator)
    _faults(simulator, slow=1, slow_seconds=1.0)
    with pytest.raises(StarlinkTimeoutError) as info:
        client.update_service_line_product(number, "SL-LP-1TB")
    assert info.value.possibly_applied
    assert simulator.simulator.wait_idle()
    # the change landed after the client gave up: re-reading shows it
    assert client.get_service_line(number)["productReferenceId"] == "SL-LP-1TB"
    assert len(_operations(simulator)["plan_changes"]) == 1


@pytest.mark.parametrize("fault", [{"rate_limited": 2}, {"server_errors": 2}])
def test_write_refused_before_processing_is_retried(simulator, make_client, fake_clock, fault):
    client = make_client()
    number = _showcase_line(simulator)
    _faults(simulator, **fault)
    client.top_up_data(number, "SL-LP-50GB-TOPUP")
    assert _route_calls(simulator, TOP_UP_ROUTE) == 3
    assert len(fake_clock.sleeps) == 2
    assert len(_operations(simulator)["charges"]) == 1


def test_gateway_timeout_on_a_write_is_not_retried(simulator, make_client, fake_clock):
    client = make_client()
    _faults(simulator, server_errors=1, server_error_status=504)
    with pytest.raises(StarlinkServerError) as info:
        client.reboot_router(simulator.simulator.fleet.terminal(0).router_id)
    assert info.value.status == 504 and info.value.possibly_applied
    assert fake_clock.sleeps == []
    _faults(simulator, server_errors=1, server_error_status=504)
    assert client.get_account()["accountNumber"]  # a read is retried as before
    assert len(fake_clock.sleeps) == 1


def test_write_to_a_refused_connection_is_retried(fake_clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = "http://127.0.0.1:%d/api" % port
    client = StarlinkClient(
        url,
        url + "/auth/connect/token",
        "id",
        "secret",
        max_retries=2,
        sleep=fake_clock.sleep,
        clock=fake_clock,
        timeout=1,
    )
    client.tokens.get(lambda: ("token", 900.0))  # skip the token call
    with pytest.raises(StarlinkConnectionError) as info:
        client.top_up_data("AST-1", "SL-LP-50GB-TOPUP")
    assert info.value.possibly_applied is False  # the request never left
    assert len(fake_clock.sleeps) == 2


def test_write_refused_with_401_is_sent_again_once_after_a_token_refresh(simulator, make_client):
    client = make_client()
    number = _showcase_line(simulator)
    _faults(simulator, unauthorized=1)
    client.top_up_data(number, "SL-LP-50GB-TOPUP")
    assert _route_calls(simulator, TOP_UP_ROUTE) == 2
    assert client.token_requests == 2
    assert len(_operations(simulator)["charges"]) == 1
