"""Write operations of the Starlink simulator: shapes, state after them, errors, faults."""

from datetime import date, timedelta

import pytest
import requests
from starlink_simulator.usage import add_month, cycle_start

ENVELOPE = {"errors", "warnings", "information", "isValid"}
ADDRESS = {
    "addressLines": ["12 Ridge Road"],
    "formattedAddress": "12 Ridge Road, Bozeman, MT 59715, US",
    "locality": "Bozeman",
    "administrativeArea": "Montana",
    "region": "United States",
    "postalCode": "59715",
    "latitude": 45.7,
    "longitude": -111.1,
}
TODAY = date(2026, 7, 20)  # SIM_CLOCK_START


class Api:
    """Bearer-authenticated calls to the simulator."""

    def __init__(self, server):
        self.server = server
        answer = requests.post(
            server.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": server.simulator.config.client_id,
                "client_secret": server.simulator.config.client_secret,
            },
            timeout=5,
        )
        self.headers = {"Authorization": "Bearer " + answer.json()["access_token"]}

    def call(self, method, path, timeout=10, **kwargs):
        return requests.request(
            method,
            self.server.base_url + "/public/v2" + path,
            headers=self.headers,
            timeout=timeout,
            **kwargs,
        )

    def ok(self, method, path, status=200, **kwargs):
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert set(body) >= ENVELOPE and body["isValid"] is True and body["errors"] == []
        return body

    def error(self, method, path, status, member=None, **kwargs):
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert body["isValid"] is False and body["errors"], body
        if member:
            assert member in body["errors"][0]["memberNames"], body
        return body

    def operations(self):
        return requests.get(self.server.url + "/_sim/operations", timeout=5).json()

    def faults(self, **faults):
        answer = requests.post(self.server.url + "/_sim/faults", json=faults, timeout=5)
        assert answer.status_code == 200, answer.text

    def line(self, number):
        return self.ok("GET", "/service-lines/" + number)["content"]


@pytest.fixture
def api(simulator):
    return Api(simulator)


def _activate(api, product="SL-LP-50GB", kit="KIT500000001"):
    """Address → line → terminal onto the account → terminal onto the line."""
    address = api.ok("POST", "/addresses", 201, json=ADDRESS)["content"]
    line = api.ok(
        "POST",
        "/service-lines",
        201,
        json={
            "addressReferenceId": address["addressReferenceId"],
            "productReferenceId": product,
        },
    )["content"]
    api.ok("POST", "/user-terminals", json={"deviceId": kit})
    api.ok(
        "POST",
        "/service-lines/%s/user-terminals" % line["serviceLineNumber"],
        json={"deviceId": kit},
    )
    return line["serviceLineNumber"]


def _fleet_line(simulator, index):
    return simulator.simulator.fleet.terminal(index)


# ---------------------------------------------------------------- addresses
def test_create_address_and_find_it_again(api):
    body = dict(ADDRESS, metadata="partner-42", regionCode="ZZ", administrativeAreaCode="ZZ")
    created = api.ok("POST", "/addresses", 201, json=body)["content"]
    assert set(created) == {
        "addressReferenceId",
        "addressLines",
        "locality",
        "administrativeArea",
        "administrativeAreaCode",
        "region",
        "regionCode",
        "postalCode",
        "metadata",
        "formattedAddress",
        "latitude",
        "longitude",
    }
    # the codes are derived from the coordinates, the given ones ignored
    assert (created["regionCode"], created["administrativeAreaCode"]) == ("US", "MT")
    address_id = created["addressReferenceId"]
    assert api.ok("GET", "/addresses/" + address_id)["content"] == created
    found = api.ok("GET", "/addresses", params={"metadata": "partner-42"})["content"]
    assert [a["addressReferenceId"] for a in found["results"]] == [address_id]
    assert api.ok("GET", "/addresses", params={"metadata": "other"})["content"]["totalCount"] == 0
    by_id = api.ok("GET", "/addresses", params={"addressIds": address_id})["content"]
    assert by_id["results"] == [created]


@pytest.mark.parametrize("missing", ["addressLines", "formattedAddress", "latitude", "longitude"])
def test_create_address_needs_required_members(api, missing):
    body = {k: v for k, v in ADDRESS.items() if k != missing}
    api.error("POST", "/addresses", 400, member=missing, json=body)
    assert api.operations()["addresses"] == []


# ---------------------------------------------------------------- activation
def test_created_line_is_inactive_until_a_terminal_is_attached(api, simulator):
    address = api.ok("POST", "/addresses", 201, json=ADDRESS)["content"]
    line = api.ok(
        "POST",
        "/service-lines",
        201,
        json={
            "addressReferenceId": address["addressReferenceId"],
            "productReferenceId": "SL-LP-1TB",
        },
    )["content"]
    number = line["serviceLineNumber"]
    assert line["active"] is False and line["startDate"] is None
    assert line["productReferenceId"] == "SL-LP-1TB"
    assert line["addressReferenceId"] == address["addressReferenceId"]
    listed = api.ok("GET", "/service-lines")["content"]
    assert listed["results"][0]["serviceLineNumber"] == number  # newest first
    assert listed["totalCount"] == simulator.simulator.fleet.size + 1
    by_address = api.ok(
        "GET", "/service-lines", params={"addressReferenceId": address["addressReferenceId"]}
    )["content"]
    assert [x["serviceLineNumber"] for x in by_address["results"]] == [number]

    api.ok("POST", "/user-terminals", json={"deviceId": "KIT500000007"})
    spare = api.ok("GET", "/user-terminals", params={"hasServiceLine": "false"})["content"]
    assert [t["kitSerialNumber"] for t in spare["results"]] == ["KIT500000007"]
    terminal_id = spare["results"][0]["userTerminalId"]
    assert spare["results"][0]["serviceLineNumber"] is None
    assert spare["results"][0]["routers"][0]["routerId"]

    api.ok("POST", "/service-lines/%s/user-terminals" % number, json={"deviceId": "KIT500000007"})
    line = api.line(number)
    assert line["active"] is True and line["startDate"] == "2026-07-20T00:00:00Z"
    block = line["dataBlocks"]["recurringBlocksCurrentBillingCycle"][0]
    assert (block["productId"], block["dataAmount"]) == ("SL-LP-1TB-BLOCK", 1000.0)
    assert block["expirationDate"] == "2026-08-20T00:00:00Z"  # billing day: activation day
    on_line = api.ok("GET", "/user-terminals", params={"serviceLineNumbers": number})["content"]
    assert [t["userTerminalId"] for t in on_line["results"]] == [terminal_id]
    assert (
        api.ok("GET", "/user-terminals", params={"hasServiceLine": "false"})["content"][
            "totalCount"
        ]
        == 0
    )


def test_create_line_errors(api):
    address = api.ok("POST", "/addresses", 201, json=ADDRESS)["content"]["addressReferenceId"]
    api.error(
        "POST",
        "/service-lines",
        422,
        member="productReferenceId",
        json={"addressReferenceId": address, "productReferenceId": "NO-SUCH-PLAN"},
    )
    api.error(
        "POST",
        "/service-lines",
        422,
        member="addressReferenceId",
        json={"addressReferenceId": "no-such-address", "productReferenceId": "SL-LP-50GB"},
    )
    api.error(
        "POST",
        "/service-lines",
        400,
        member="productReferenceId",
        json={"addressReferenceId": address},
    )
    assert api.operations()["created_service_lines"] == []


def test_attach_errors(api, simulator):
    number = _activate(api)
    fleet_terminal = _fleet_line(simulator, 5)
    # a terminal of another line, one not on the account, a second one on the line
    api.error(
        "POST",
        "/service-lines/%s/user-terminals" % number,
        422,
        member="deviceId",
        json={"deviceId": fleet_terminal.user_terminal_id},
    )
    api.error(
        "POST",
        "/service-lines/%s/user-terminals" % number,
        422,
        member="deviceId",
        json={"deviceId": "KIT500000099"},
    )
    api.ok("POST", "/user-terminals", json={"deviceId": "KIT500000002"})
    api.error(
        "POST",
        "/service-lines/%s/user-terminals" % number,
        422,
        member="serviceLineNumber",
        json={"deviceId": "KIT500000002"},
    )
    body = api.error(
        "POST",
        "/service-lines/AST-000000-00000-00/user-terminals",
        404,
        json={"deviceId": "KIT500000002"},
    )
    assert body["errors"][0]["errorMessage"] == "not_found"
    # a device already on the account, or not a device id at all
    api.error("POST", "/user-terminals", 422, member="deviceId", json={"deviceId": "KIT500000002"})
    api.error("POST", "/user-terminals", 422, member="deviceId", json={"deviceId": "hello"})
    api.error("POST", "/user-terminals", 400, member="deviceId", json={})


# ---------------------------------------------------------------- plan changes
def test_upgrade_at_once_downgrade_at_next_cycle(api, simulator):
    terminal = _fleet_line(simulator, 0)  # showcase line on SL-LP-50GB
    number = terminal.service_line_number
    assert api.line(number)["productReferenceId"] == "SL-LP-50GB"
    assert (
        api.ok("GET", "/service-lines/%s/billing-cycles/partial-periods" % number)["content"] == []
    )

    api.ok("PUT", "/service-lines/%s/product" % number, json={"productReferenceId": "SL-LP-1TB"})
    line = api.line(number)
    assert (line["productReferenceId"], line["delayedProductId"]) == ("SL-LP-1TB", None)
    start = cycle_start(TODAY, terminal.billing_day)
    end = add_month(start, terminal.billing_day)
    periods = api.ok("GET", "/service-lines/%s/billing-cycles/partial-periods" % number)["content"]
    assert periods == [
        {
            "productReferenceId": "SL-LP-50GB",
            "periodStart": start.isoformat() + "T00:00:00Z",
            "periodEnd": (TODAY - timedelta(days=1)).isoformat() + "T23:59:59Z",
        },
        {
            "productReferenceId": "SL-LP-1TB",
            "periodStart": "2026-07-20T00:00:00Z",
            "periodEnd": (end - timedelta(days=1)).isoformat() + "T23:59:59Z",
        },
    ]

    api.ok("PUT", "/service-lines/%s/product" % number, json={"productReferenceId": "SL-LP-50GB"})
    line = api.line(number)
    assert (line["productReferenceId"], line["delayedProductId"]) == ("SL-LP-1TB", "SL-LP-50GB")
    delayed = line["dataBlocks"]["delayedProductRecurringBlocksNextCycle"]
    assert delayed[0]["productId"] == "SL-LP-50GB-BLOCK"
    changes = api.operations()["plan_changes"]
    assert [(c["toProduct"], c["immediate"]) for c in changes] == [
        ("SL-LP-1TB", True),
        ("SL-LP-50GB", False),
    ]
    assert changes[1]["effectiveDate"] == end.isoformat() + "T00:00:00Z"

    simulator.simulator.clock.advance((end - TODAY).days * 86400)
    line = api.line(number)
    assert (line["productReferenceId"], line["delayedProductId"]) == ("SL-LP-50GB", None)


def test_delay_update_forces_the_moment(api, simulator):
    number = _fleet_line(simulator, 1).service_line_number  # SL-LP-50GB
    body = {"productReferenceId": "SL-LP-2TB", "delayUpdate": True}
    api.ok("PUT", "/service-lines/%s/product" % number, json=body)
    assert api.line(number)["delayedProductId"] == "SL-LP-2TB"
    # asking for the product in force cancels the scheduled change
    api.ok("PUT", "/service-lines/%s/product" % number, json={"productReferenceId": "SL-LP-50GB"})
    line = api.line(number)
    assert (line["productReferenceId"], line["delayedProductId"]) == ("SL-LP-50GB", None)


def test_plan_change_errors(api, simulator):
    number = _fleet_line(simulator, 1).service_line_number
    api.error(
        "PUT",
        "/service-lines/%s/product" % number,
        422,
        member="productReferenceId",
        json={"productReferenceId": "NO-SUCH-PLAN"},
    )
    api.error("PUT", "/service-lines/%s/product" % number, 400, json={})
    api.error(
        "PUT",
        "/service-lines/%s/product" % number,
        400,
        member="delayUpdate",
        json={"productReferenceId": "SL-LP-1TB", "delayUpdate": "soon"},
    )
    api.error(
        "PUT",
        "/service-lines/AST-000000-00000-00/product",
        404,
        json={"productReferenceId": "SL-LP-1TB"},
    )
    assert api.operations()["plan_changes"] == []
    assert api.line(number)["productReferenceId"] == "SL-LP-50GB"


# ---------------------------------------------------------------- top-ups
def test_every_top_up_call_charges_again(api, simulator):
    number = _fleet_line(simulator, 0).service_line_number
    body = {"productId": "SL-LP-50GB-TOPUP", "count": 1}
    api.ok("POST", "/service-lines/%s/data/top-up" % number, json=body)
    api.ok("POST", "/service-lines/%s/data/top-up" % number, json=body)
    charges = api.operations()["charges"]
    assert [(c["serviceLineNumber"], c["amount"], c["dataAmountGB"]) for c in charges] == [
        (number, 10.0, 50.0),
        (number, 10.0, 50.0),
    ]
    blocks = api.line(number)["dataBlocks"]["topUpBlocksOneTimePurchase"]
    assert [(b["productId"], b["count"], b["dataAmount"]) for b in blocks] == [
        ("SL-LP-50GB-TOPUP", 1, 50.0),
        ("SL-LP-50GB-TOPUP", 1, 50.0),
    ]
    invoices = api.ok("GET", "/billing/invoices")["content"]["results"]
    top_ups = [i for i in invoices if i["description"] == "Top up"]
    assert len(top_ups) == 2 and {i["amount"] for i in top_ups} == {10.0}


def test_top_up_errors_charge_nothing(api, simulator):
    number = _fleet_line(simulator, 0).service_line_number
    path = "/service-lines/%s/data/top-up" % number
    api.error(
        "POST", path, 422, member="productId", json={"productId": "SL-LP-1TB-TOPUP", "count": 1}
    )
    api.error("POST", path, 400, member="count", json={"productId": "SL-LP-50GB-TOPUP", "count": 0})
    api.error("POST", path, 400, member="productId", json={"count": 1})
    api.error(
        "POST",
        "/service-lines/AST-000000-00000-00/data/top-up",
        404,
        json={"productId": "SL-LP-50GB-TOPUP", "count": 1},
    )
    assert api.operations()["charges"] == []


def test_slow_answer_applies_the_write_then_answers_late(api, simulator):
    number = _fleet_line(simulator, 0).service_line_number
    api.faults(slow_answer=1, slow_seconds=1.0, path="/public/v2/service-lines")
    with pytest.raises(requests.ReadTimeout):
        api.call(
            "POST",
            "/service-lines/%s/data/top-up" % number,
            timeout=0.3,
            json={"productId": "SL-LP-50GB-TOPUP", "count": 2},
        )
    assert simulator.simulator.wait_idle()
    charges = api.operations()["charges"]
    assert len(charges) == 1 and charges[0]["count"] == 2  # applied although the answer was lost
    stats = requests.get(simulator.url + "/_sim/stats", timeout=5).json()
    assert stats["faults_fired"] == {"slow_answer": 1}


@pytest.mark.parametrize(
    ("fault", "status"), [({"rate_limited": 1}, 429), ({"server_errors": 1}, 503)]
)
def test_faults_answered_before_processing_apply_nothing(api, simulator, fault, status):
    number = _fleet_line(simulator, 0).service_line_number
    api.faults(**fault)
    answer = api.call(
        "POST",
        "/service-lines/%s/data/top-up" % number,
        json={"productId": "SL-LP-50GB-TOPUP", "count": 1},
    )
    assert answer.status_code == status
    assert api.operations()["charges"] == []


# ---------------------------------------------------------------- opt-in / opt-out
def test_opt_in_then_cool_down(api, simulator):
    number = _fleet_line(simulator, 1).service_line_number  # not opted in
    assert api.line(number)["optInProductId"] is None
    content = api.ok("POST", "/service-lines/%s/data/opt-in" % number)["content"]
    assert content == {
        "productId": "SL-LP-50GB-OVERAGE",
        "activatedDate": "2026-07-20T00:00:00Z",
        "deactivatedDate": None,
        "isInOptInCoolDown": True,
    }
    assert api.line(number)["optInProductId"] == "SL-LP-50GB-OVERAGE"
    refused = api.error("POST", "/service-lines/%s/data/opt-out" % number, 422)
    assert refused["content"]["isInOptInCoolDown"] is True
    assert "cool down" in refused["errors"][0]["errorMessage"]
    assert api.line(number)["optInProductId"] == "SL-LP-50GB-OVERAGE"
    simulator.simulator.clock.advance(86400 + 1)
    content = api.ok("POST", "/service-lines/%s/data/opt-out" % number)["content"]
    assert content["deactivatedDate"] == "2026-07-21T00:00:00Z"
    assert api.line(number)["optInProductId"] is None
    api.ok("POST", "/service-lines/%s/data/opt-out" % number)  # already out: nothing changes
    # every accepted call is listed, a refused one is not
    assert [(c["serviceLineNumber"], c["optIn"], c["changed"]) for c in
            api.operations()["opt_changes"]] == [
        (number, True, True), (number, False, True), (number, False, False)
    ]  # fmt: skip


# ---------------------------------------------------------------- cancellation
def test_deactivate_at_next_billing_date_or_now(api, simulator):
    terminal = _fleet_line(simulator, 6)
    number = terminal.service_line_number
    api.ok("DELETE", "/service-lines/" + number, params={"reasonForCancellation": "unpaid"})
    line = api.line(number)
    end = add_month(cycle_start(TODAY, terminal.billing_day), terminal.billing_day)
    assert line["endDate"] == end.isoformat() + "T00:00:00Z" and line["active"] is True
    api.ok("DELETE", "/service-lines/" + number, params={"endNow": "true"})
    line = api.line(number)
    assert line["endDate"] == "2026-07-20T00:00:00Z" and line["active"] is False
    api.error("DELETE", "/service-lines/" + number, 422, member="serviceLineNumber")
    assert [(c["endDate"][:10], c["endNow"], c["reason"]) for c in
            api.operations()["cancellations"]] == [
        (end.isoformat(), False, "unpaid"), ("2026-07-20", True, None)
    ]  # fmt: skip
    api.error(
        "POST",
        "/service-lines/%s/data/top-up" % number,
        422,
        json={"productId": terminal.plan.ref + "-TOPUP", "count": 1},
    )
    api.error("DELETE", "/service-lines/AST-000000-00000-00", 404)
    api.error("DELETE", "/service-lines/" + number, 400, params={"endNow": "maybe"})


# ---------------------------------------------------------------- invoices
def test_invoices_are_deterministic_with_lines_per_service_line(api, simulator):
    first = api.ok("GET", "/billing/invoices")["content"]
    assert first["totalCount"] > 100 and first["limit"] == 100 and not first["isLastPage"]
    assert api.ok("GET", "/billing/invoices")["content"] == first
    summary = first["results"][0]
    assert set(summary) == {
        "invoiceId",
        "description",
        "currency",
        "amount",
        "dueAmount",
        "invoiceDate",
        "dueDate",
        "status",
    }
    assert summary["status"] in (
        "Unknown",
        "Paid",
        "Cancelled",
        "Overdue",
        "DueSoon",
        "Outstanding",
    )
    detail = api.ok("GET", "/billing/invoices/" + summary["invoiceId"])["content"]
    assert round(sum(x["subTotal"] for x in detail["invoiceLines"]), 2) == summary["amount"]
    item = detail["invoiceLines"][0]
    assert set(item) == {
        "productReferenceId",
        "productDescription",
        "serviceName",
        "serviceLineNumbers",
        "quantity",
        "unitPrice",
        "taxAmount",
        "subTotal",
        "servicePeriodStartDate",
        "servicePeriodEndDate",
    }
    api.error("GET", "/billing/invoices/INV-DF-US-NOPE", 404)


def test_overage_invoiced_in_arrears(api, simulator):
    terminal = _fleet_line(simulator, 0)  # in overage every cycle, opted in
    number = terminal.service_line_number
    summaries = []
    page = 0
    while True:
        content = api.ok("GET", "/billing/invoices", params={"page": page})["content"]
        summaries += content["results"]
        if content["isLastPage"]:
            break
        page += 1
    start = cycle_start(TODAY, terminal.billing_day)
    invoice_id = next(
        s["invoiceId"]
        for s in summaries
        if s["description"] == "Subscription"
        and s["invoiceDate"].startswith(start.isoformat())
        and number
        in api.ok("GET", "/billing/invoices/" + s["invoiceId"])["content"]["invoiceLines"][0][
            "serviceLineNumbers"
        ]
    )
    lines = api.ok("GET", "/billing/invoices/" + invoice_id)["content"]["invoiceLines"]
    fee, overage = lines[0], lines[1:]
    assert (fee["productReferenceId"], fee["quantity"], fee["subTotal"]) == ("SL-LP-50GB", 1, 65.0)
    assert fee["servicePeriodStartDate"] == start.isoformat() + "T00:00:00Z"
    assert overage and all(x["productReferenceId"] == "SL-LP-50GB-OVERAGE" for x in overage)
    previous = cycle_start(start - timedelta(days=1), terminal.billing_day)
    assert overage[0]["servicePeriodStartDate"] == previous.isoformat() + "T00:00:00Z"
    usage = api.ok(
        "POST",
        "/data-usage/query",
        json={"serviceLineNumbers": [number], "previousBillingCycles": 1},
    )["content"]["results"][0]["billingCycles"][0]
    assert usage["startDate"].startswith(previous.isoformat())
    assert round(sum(x["quantity"] for x in overage), 3) == round(
        sum(x["overageAmountGB"] for x in usage["overageLines"]), 3
    )
    assert all(x["subTotal"] == round(x["quantity"] * 1.0, 2) for x in overage)


def test_activation_and_upgrade_invoiced(api, simulator):
    number = _activate(api, product="SL-LP-50GB", kit="KIT500000003")
    api.ok("PUT", "/service-lines/%s/product" % number, json={"productReferenceId": "SL-LP-1TB"})
    summaries = api.ok("GET", "/billing/invoices")["content"]["results"]
    mine = []
    for summary in summaries[:20]:
        detail = api.ok("GET", "/billing/invoices/" + summary["invoiceId"])["content"]
        if detail["invoiceLines"][0]["serviceLineNumbers"] == [number]:
            mine.append((summary["description"], summary["amount"]))
    # the first cycle at the old price, the upgrade the same day: the whole difference
    assert sorted(mine) == [("Plan change", 100.0), ("Subscription", 65.0)]
    balance = api.ok("GET", "/billing/balance")["content"]["balances"]
    assert len(balance) == 1 and balance[0]["currency"] == "USD" and balance[0]["dueAmount"] > 0


# ---------------------------------------------------------------- devices and reset
def test_reboots_are_recorded(api, simulator):
    terminal = _fleet_line(simulator, 3)
    api.ok("POST", "/user-terminals/%s/reboot" % terminal.kit_serial)
    api.ok("POST", "/routers/%s/reboot" % terminal.router_id)
    reboots = api.operations()["reboots"]
    assert [(r["deviceId"], r["kind"]) for r in reboots] == [
        (terminal.user_terminal_id, "userTerminal"),
        (terminal.router_id, "router"),
    ]
    api.error("POST", "/user-terminals/nope/reboot", 404)
    api.error("POST", "/routers/Router-nope/reboot", 404)


def test_reset_forgets_the_writes(api, simulator):
    number = _activate(api)
    simulator.simulator.reset()
    api = Api(simulator)
    api.error("GET", "/service-lines/" + number, 404)
    assert api.operations()["created_service_lines"] == []


def test_invoices_after_a_reset_show_the_new_writes(api, simulator):
    number = _fleet_line(simulator, 0).service_line_number
    path = "/service-lines/%s/data/top-up" % number

    def top_up_amounts():
        results = api.ok("GET", "/billing/invoices")["content"]["results"]
        return [i["amount"] for i in results if i["description"] == "Top up"]

    api.ok("POST", path, json={"productId": "SL-LP-50GB-TOPUP", "count": 1})
    assert top_up_amounts() == [10.0]
    simulator.simulator.reset()
    api = Api(simulator)
    api.ok("POST", path, json={"productId": "SL-LP-50GB-TOPUP", "count": 3})
    assert top_up_amounts() == [30.0]


def test_a_line_activated_through_the_api_has_usage(api, simulator):
    number = _activate(api, product="SL-LP-50GB", kit="KIT500000011")
    query = {"serviceLineNumbers": [number], "previousBillingCycles": 1}
    today = api.ok("POST", "/data-usage/query", json=query)["content"]["results"]
    assert today[0]["billingCycles"][-1]["dailyDataUsage"] == []  # data lags one day
    active = api.ok("POST", "/data-usage/query", json={})["content"]["totalCount"]

    simulator.simulator.clock.advance(40 * 86400)
    usage = api.ok("POST", "/data-usage/query", json=query)["content"]["results"][0]
    assert usage["serviceLineNumber"] == number
    assert usage["servicePlan"]["usageLimitGB"] == 50.0
    first, second = usage["billingCycles"]
    assert first["startDate"] == "2026-07-20T00:00:00Z"
    assert second["startDate"] == "2026-08-20T00:00:00Z"
    assert len(first["dailyDataUsage"]) >= 28 and first["totalPriorityGB"] > 0

    api.ok("DELETE", "/service-lines/" + number, params={"endNow": "true"})
    assert api.ok("POST", "/data-usage/query", json=query)["content"]["totalCount"] == 0
    assert api.ok("POST", "/data-usage/query", json={})["content"]["totalCount"] == active - 1


def test_a_refused_write_leaves_the_line_as_it_was(api, simulator):
    fleet = simulator.simulator.fleet
    ended = next(fleet.terminal(i) for i in range(fleet.size) if not fleet.terminal(i).active)
    number = ended.service_line_number
    before = api.line(number)
    assert before["active"] is False
    api.error(
        "POST",
        "/service-lines/%s/data/top-up" % number,
        422,
        json={"productId": ended.plan.ref + "-TOPUP", "count": 1},
    )
    api.error("PUT", "/service-lines/%s/product" % number, 422, json={"productReferenceId": "X"})
    api.error("DELETE", "/service-lines/" + number, 422)
    assert api.line(number) == before
    assert number not in simulator.simulator.state.lines
