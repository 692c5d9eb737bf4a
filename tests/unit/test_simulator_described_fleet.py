"""The simulator serving a described fleet (``--fleet``), and its description from Odoo rows."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import demo_fleet
import pytest
from starlink_simulator import Simulator, SimulatorConfig
from starlink_simulator.usage import add_month, cycle_start
from werkzeug.test import Client

TOOLS = Path(__file__).resolve().parents[2] / "tools"

LINES = [
    {
        "serviceLineNumber": "AST-TEST-0001",
        "nickname": "Research vessel",
        "productReferenceId": "SL-LP-2TB",
        "startDate": "2025-03-04",
        "billingDay": 31,
        "publicIp": True,
        "dailyGB": 40.0,
        "address": {
            "addressLines": ["Dock C"],
            "locality": "Seward",
            "administrativeAreaCode": "AK",
            "regionCode": "US",
            "postalCode": "99664",
            "latitude": 60.1,
            "longitude": -149.4,
        },
        "userTerminals": [
            {"userTerminalId": "ut-bow", "kitSerialNumber": "KIT-BOW", "routerId": "Router-bow"},
            {"userTerminalId": "ut-stern", "dishSerialNumber": "DISH-STERN"},
        ],
    },
    {"serviceLineNumber": "AST-TEST-0002", "userTerminals": []},
    {
        "serviceLineNumber": "AST-TEST-0003",
        "productReferenceId": "SL-LP-50GB",
        "billingDay": 30,
        "userTerminals": [{"userTerminalId": "ut-cabin"}],
    },
]


@pytest.fixture
def api():
    """``(simulator, get, post)`` over a described fleet, through the WSGI interface."""
    simulator = Simulator(
        SimulatorConfig(
            seed=3, service_lines=LINES, clock_start="2026-03-02T12:00:00Z", clock_speed=0
        )
    )
    client = Client(simulator)
    token = client.post(
        "/auth/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": simulator.config.client_id,
            "client_secret": simulator.config.client_secret,
        },
    ).json["access_token"]
    headers = {"Authorization": "Bearer " + token}

    def get(path, **params):
        response = client.get("/public/v2" + path, query_string=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json["content"]

    def post(path, body):
        response = client.post("/public/v2" + path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json

    return simulator, get, post


def test_lines_and_terminals_as_described(api):
    _simulator, get, _post = api
    lines = {line["serviceLineNumber"]: line for line in get("/service-lines")["results"]}
    assert sorted(lines) == ["AST-TEST-0001", "AST-TEST-0002", "AST-TEST-0003"]
    vessel = lines["AST-TEST-0001"]
    assert (vessel["nickname"], vessel["productReferenceId"], vessel["publicIp"]) == (
        "Research vessel",
        "SL-LP-2TB",
        True,
    )
    assert vessel["startDate"] == "2025-03-04T00:00:00Z" and vessel["active"] is True
    assert all(line["active"] for line in lines.values())
    terminals = {t["userTerminalId"]: t for t in get("/user-terminals")["results"]}
    assert {tid: t["serviceLineNumber"] for tid, t in terminals.items()} == {
        "ut-bow": "AST-TEST-0001",
        "ut-stern": "AST-TEST-0001",
        "ut-cabin": "AST-TEST-0003",
    }
    assert terminals["ut-bow"]["kitSerialNumber"] == "KIT-BOW"
    assert terminals["ut-bow"]["routers"][0]["routerId"] == "Router-bow"
    assert terminals["ut-stern"]["dishSerialNumber"] == "DISH-STERN"
    assert terminals["ut-stern"]["kitSerialNumber"]  # generated when not described
    one_line = get("/user-terminals", serviceLineNumbers="AST-TEST-0001")["results"]
    assert sorted(t["userTerminalId"] for t in one_line) == ["ut-bow", "ut-stern"]
    assert get("/service-lines/AST-TEST-0002")["serviceLineNumber"] == "AST-TEST-0002"


def test_one_address_per_line(api):
    _simulator, get, _post = api
    lines = {line["serviceLineNumber"]: line for line in get("/service-lines")["results"]}
    addresses = {a["addressReferenceId"]: a for a in get("/addresses")["results"]}
    assert set(addresses) == {line["addressReferenceId"] for line in lines.values()}
    vessel = addresses[lines["AST-TEST-0001"]["addressReferenceId"]]
    assert (vessel["addressLines"], vessel["locality"], vessel["postalCode"]) == (
        ["Dock C"],
        "Seward",
        "99664",
    )
    assert (vessel["regionCode"], vessel["latitude"], vessel["longitude"]) == ("US", 60.1, -149.4)


def test_usage_per_line_with_late_billing_days(api):
    simulator, _get, post = api
    body = post("/data-usage/query", {"previousBillingCycles": 2})
    usage = {u["serviceLineNumber"]: u for u in body["content"]["results"]}
    assert sorted(usage) == ["AST-TEST-0001", "AST-TEST-0002", "AST-TEST-0003"]
    # Billing day 31 (and 30) in February and January: the month's last day.
    starts = [c["startDate"][:10] for c in usage["AST-TEST-0001"]["billingCycles"]]
    assert starts == ["2025-12-31", "2026-01-31", "2026-02-28"]
    starts = [c["startDate"][:10] for c in usage["AST-TEST-0003"]["billingCycles"]]
    assert starts == ["2025-12-30", "2026-01-30", "2026-02-28"][-len(starts) :]
    vessel = simulator.fleet.terminal(0)
    assert vessel.level_gb == 40.0 and vessel.plan.limit_gb == 2000.0
    january = usage["AST-TEST-0001"]["billingCycles"][1]
    assert january["endDate"] == "2026-02-27T23:59:59Z"
    assert 800 < january["totalPriorityGB"] + january["totalStandardGB"] < 1700


def test_telemetry_from_terminals_only(api):
    simulator, _get, post = api
    body = simulator.stream.read("acc", simulator.clock.now(), 65000)
    devices = {row[2] for row in body["data"]["values"] if row[0] == "u"}
    assert devices == {"utut-bow", "utut-stern", "utut-cabin"}
    routers = {row[2] for row in body["data"]["values"] if row[0] == "r"}
    assert "Router-bow" in routers and len(routers) == 3
    latest = post("/telemetry/query", {"deviceIds": ["Router-bow", "ut-cabin"]})
    assert set(latest["data"]["u"]) == {"utut-bow", "utut-cabin"}


def test_dark_terminals_send_nothing_in_their_window():
    """A described dark window: nothing from the terminal (nor its router) inside it."""
    lines = [
        {
            "serviceLineNumber": "AST-DARK-0001",
            "userTerminals": [
                {"userTerminalId": "ut-camp", "darkFrom": "2026-03-02T11:30:00Z"},
                {
                    "userTerminalId": "ut-clinic",
                    "routerId": "Router-clinic",
                    "darkFrom": "2026-03-02T11:15:00",
                    "darkUntil": "2026-03-02T11:45:00+00:00",
                },
                {"userTerminalId": "ut-ok"},
            ],
        }
    ]
    simulator = Simulator(
        SimulatorConfig(
            seed=3, service_lines=lines, clock_start="2026-03-02T12:00:00Z", clock_speed=0
        )
    )
    body = simulator.stream.read("acc", simulator.clock.now(), 65000)
    columns = body["data"]["columnNamesByDeviceType"]
    seconds = {}  # seconds past 11:00 of each device's samples (the stream's last hour)
    for row in body["data"]["values"]:
        names = columns[row[0]]
        if row[0] in ("u", "r"):
            moment = row[names.index("UtcTimestampNs")] / 1e9 - 1772449200  # 2026-03-02 11:00Z
            seconds.setdefault(row[names.index("DeviceId")], []).append(moment)
    # A sample is stamped up to one 15-second slot before the slot's end.
    assert seconds["utut-camp"] and max(seconds["utut-camp"]) < 30 * 60
    clinic = seconds["utut-clinic"] + seconds["Router-clinic"]
    assert not [s for s in clinic if 15 * 60 < s < 45 * 60 - 15]
    assert min(seconds["utut-clinic"]) < 15 * 60 < 45 * 60 < max(seconds["Router-clinic"])
    assert len({int(s // 60) for s in seconds["utut-ok"]}) == 60


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "at least one service line"),
        ([{"nickname": "no number"}], "serviceLineNumber"),
        ([{"serviceLineNumber": "A"}, {"serviceLineNumber": "A"}], "described twice"),
        (
            [
                {"serviceLineNumber": "A", "userTerminals": [{"userTerminalId": "t"}]},
                {"serviceLineNumber": "B", "userTerminals": [{"userTerminalId": "t"}]},
            ],
            "terminal t is described twice",
        ),
        (
            [{"serviceLineNumber": "A", "userTerminals": [{"kitSerialNumber": "K"}]}],
            "userTerminalId",
        ),
        ([{"serviceLineNumber": "A", "billingDay": 32}], "billingDay"),
    ],
)
def test_invalid_descriptions(lines, message):
    with pytest.raises(ValueError, match=message):
        Simulator(SimulatorConfig(service_lines=lines, clock_speed=0))


def test_command_line_rejects_a_bad_fleet_file(tmp_path):
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"serviceLines": [{"serviceLineNumber": "A"}] * 2}))
    result = subprocess.run(
        [sys.executable, "-m", "starlink_simulator", "--port", "0", "--fleet", str(path)],
        cwd=TOOLS,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and "described twice" in result.stderr


def test_billing_dates_clamp_to_the_month():
    assert cycle_start(date(2026, 3, 1), 31) == date(2026, 2, 28)
    assert cycle_start(date(2026, 3, 31), 31) == date(2026, 3, 31)
    assert cycle_start(date(2026, 4, 30), 31) == date(2026, 4, 30)
    assert cycle_start(date(2024, 2, 29), 30) == date(2024, 2, 29)
    assert add_month(date(2026, 1, 31), 31) == date(2026, 2, 28)
    assert add_month(date(2026, 2, 28), 31) == date(2026, 3, 31)
    assert cycle_start(date(2026, 3, 14), 15) == date(2026, 2, 15)


def test_describe_rows():
    lines = [
        {
            "id": 7,
            "service_line_number": "AST-1",
            "nickname": "Ranch",
            "plan_ref": "SL-LP-1TB",
            "date_start": date(2025, 1, 2),
            "billing_day": 31,
            "public_ip": None,
            "address_reference": None,
            "street": "1 Road",
            "city": "McLeod",
            "zip": "59052",
            "state_name": "Montana",
            "state_code": "MT",
            "country_name": "United States",
            "country_code": "US",
            "latitude": 45.5,
            "longitude": 0,
            "daily_gb": 12.34567,
        },
        {"id": 8, "service_line_number": "AST-2", "billing_day": 5, "date_start": None},
    ]
    terminals = [
        {"service_line_id": 7, "user_terminal_id": "T1", "kit_serial": "K1", "router_ids": "R1,R2"},
        {"service_line_id": 7, "user_terminal_id": "T2", "kit_serial": None, "router_ids": ""},
    ]
    fleet = demo_fleet.describe(lines, terminals)
    assert fleet == {
        "serviceLines": [
            {
                "serviceLineNumber": "AST-1",
                "nickname": "Ranch",
                "productReferenceId": "SL-LP-1TB",
                "startDate": "2025-01-02",
                "billingDay": 31,
                "publicIp": False,
                "address": {
                    "addressLines": ["1 Road"],
                    "locality": "McLeod",
                    "administrativeArea": "Montana",
                    "administrativeAreaCode": "MT",
                    "region": "United States",
                    "regionCode": "US",
                    "postalCode": "59052",
                    "latitude": 45.5,
                },
                "dailyGB": 12.346,
                "userTerminals": [
                    {"userTerminalId": "T1", "kitSerialNumber": "K1", "routerId": "R1"},
                    {"userTerminalId": "T2"},
                ],
            },
            {"serviceLineNumber": "AST-2", "billingDay": 5, "publicIp": False, "userTerminals": []},
        ]
    }
    Simulator(SimulatorConfig(service_lines=fleet["serviceLines"], clock_speed=0))


def test_describe_dark_terminals():
    """The demo's dark terminals: a window counted from now, open-ended or not."""
    from datetime import datetime, timezone

    lines = [{"id": 1, "service_line_number": "AST-D"}]
    terminals = [
        {"service_line_id": 1, "user_terminal_id": "T1", "dark": {"from_minutes_ago": 150}},
        {"service_line_id": 1, "user_terminal_id": "T2",
         "dark": {"from_minutes_ago": 100, "for_minutes": 130}},
        {"service_line_id": 1, "user_terminal_id": "T3"},
    ]  # fmt: skip
    now = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
    described = demo_fleet.describe(lines, terminals, now=now)["serviceLines"][0]["userTerminals"]
    assert described == [
        {"userTerminalId": "T1", "darkFrom": "2026-03-02T09:30:00+00:00"},
        {"userTerminalId": "T2", "darkFrom": "2026-03-02T10:20:00+00:00",
         "darkUntil": "2026-03-02T12:30:00+00:00"},
        {"userTerminalId": "T3"},
    ]  # fmt: skip
    simulator = Simulator(
        SimulatorConfig(
            service_lines=[{"serviceLineNumber": "AST-D", "userTerminals": described}],
            clock_start="2026-03-02T12:00:00Z",
            clock_speed=0,
        )
    )
    assert simulator.fleet.terminal(0).dark_until is None
    assert simulator.fleet.terminal(1).dark_until == now.timestamp() + 1800
