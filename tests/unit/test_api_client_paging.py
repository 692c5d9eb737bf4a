"""Paging and list endpoints of the Starlink API client, against the simulator."""

import requests


def _routes(simulator):
    return requests.get(simulator.url + "/_sim/stats", timeout=5).json()["by_route"]


def test_user_terminals_over_several_pages(simulator, make_client):
    client = make_client()
    terminals = list(client.iter_user_terminals())
    size = simulator.simulator.config.terminals
    assert len(terminals) == size == 250
    assert len({t["userTerminalId"] for t in terminals}) == size
    assert {t["serviceLineNumber"] for t in terminals} == {
        simulator.simulator.fleet.terminal(i).service_line_number for i in range(size)
    }
    assert _routes(simulator)["GET /public/v2/user-terminals"] == 3  # pages 0, 1, 2


def test_pages_carry_total_count(simulator, make_client):
    pages = list(make_client().iter_pages("/public/v2/service-lines"))
    assert [p["pageIndex"] for p in pages] == [0, 1, 2]
    assert [len(p["results"]) for p in pages] == [100, 100, 50]
    assert {p["totalCount"] for p in pages} == {250}
    assert [p["isLastPage"] for p in pages] == [False, False, True]


def test_filters(simulator, make_client):
    client = make_client()
    fleet = simulator.simulator.fleet
    wanted = [fleet.terminal(i).service_line_number for i in (3, 150, 249)]
    found = list(client.iter_user_terminals(service_line_numbers=wanted))
    assert sorted(t["serviceLineNumber"] for t in found) == sorted(wanted)
    lines = list(client.iter_service_lines(search=fleet.terminal(7).kit_serial))
    assert [line["serviceLineNumber"] for line in lines] == [fleet.terminal(7).service_line_number]
    address = fleet.terminal(9).address_id
    assert [a["addressReferenceId"] for a in client.iter_addresses([address])] == [address]


def test_products_and_addresses(simulator, make_client):
    client = make_client()
    assert [p["productReferenceId"] for p in client.iter_products()] == [
        "SL-LP-50GB",
        "SL-LP-1TB",
        "SL-LP-2TB",
    ]
    addresses = list(client.iter_addresses())
    assert len(addresses) == 250
    assert all(a["formattedAddress"] and a["regionCode"] for a in addresses)
    lines = {line["serviceLineNumber"]: line for line in client.iter_service_lines()}
    assert {line["addressReferenceId"] for line in lines.values()} == {
        a["addressReferenceId"] for a in addresses
    }


def test_data_usage_pages(simulator, make_client):
    client = make_client()
    results = client.query_data_usage(previous_billing_cycles=0, active_only=False, page_limit=100)
    assert len(results) == 250
    assert len({r["serviceLineNumber"] for r in results}) == 250
    assert _routes(simulator)["POST /public/v2/data-usage/query"] == 3
    active = client.query_data_usage(previous_billing_cycles=0)
    inactive = {
        t.service_line_number for t in simulator.simulator.fleet.terminals() if not t.active
    }
    assert inactive and len(active) == 250 - len(inactive)
    assert not inactive & {r["serviceLineNumber"] for r in active}


def test_paging_stops_on_a_server_that_ignores_the_page(make_client, monkeypatch):
    client = make_client()
    page = {
        "content": {
            "results": [{"id": 1}],
            "totalCount": 5,
            "limit": 1,
            "isLastPage": False,
            "pageIndex": 0,
        },
        "isValid": True,
    }
    calls = []
    monkeypatch.setattr(client, "request", lambda *a, **k: calls.append(k) or page)
    assert len(list(client.iter_results("/public/v2/anything"))) == 5
    assert [c["params"]["page"] for c in calls] == [0, 1, 2, 3, 4]
