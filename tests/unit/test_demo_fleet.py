"""The demo fleet stays whole after `make run`.

`make run` starts one simulator per demo account with the fleet `tools/demo_fleet.py`
describes from the database, then synchronises: a terminal Starlink does not return is
archived (unless its line is a draft, not at Starlink yet), a line it does not return is
cancelled, and the values it returns overwrite Odoo's. These tests load the demo data as
Odoo does (addons/starlink_base/demo/starlink_base_demo.xml, dates relative to a fixed day),
turn it into the rows of demo_fleet's queries, serve each account's description with the
simulator as run.sh does, and read it back through the suite's API client.
"""

import datetime
import xml.etree.ElementTree as ET
from pathlib import Path

import demo_fleet
import pytest
from dateutil.relativedelta import relativedelta
from starlink_simulator import serve_in_thread
from starlink_telemetry_lib.client import StarlinkClient
from starlink_telemetry_lib.telemetry import decode_stream

DEMO_XML = Path(__file__).resolve().parents[2] / "addons/starlink_base/demo/starlink_base_demo.xml"
CLOCK = datetime.datetime(2026, 7, 20, 12, 0, 0)
CLIENT_ID, CLIENT_SECRET = "demo-client", "demo-secret"
# The seeds run.sh gives the simulators of the demo accounts, in account order.
SEEDS = {"starlink_account_demo_main": 42, "starlink_account_demo_highlands": 43}
IN_SERVICE = ("active", "suspended")


class _DateTime(datetime.datetime):
    """``DateTime`` of the demo's ``eval`` expressions, with a fixed today."""

    @classmethod
    def today(cls):
        return cls(CLOCK.year, CLOCK.month, CLOCK.day)

    @classmethod
    def now(cls, tz=None):
        return cls(*CLOCK.timetuple()[:6])


EVAL_CONTEXT = {
    "DateTime": _DateTime,
    "relativedelta": relativedelta,
    "timedelta": datetime.timedelta,
}


def _records(model):
    """``{xml id: {field: value}}`` of the demo records of ``model``."""
    records = {}
    for record in ET.parse(DEMO_XML).getroot().iter("record"):
        if record.get("model") != model:
            continue
        values = {}
        for field in record.iter("field"):
            if field.get("ref"):
                values[field.get("name")] = field.get("ref")
            elif field.get("eval") is not None:
                values[field.get("name")] = eval(field.get("eval"), dict(EVAL_CONTEXT))  # noqa: S307
            else:
                values[field.get("name")] = field.text
        records[record.get("id")] = values
    return records


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


class DemoData:
    """The demo's accounts, lines and terminals as the database holds them after install."""

    def __init__(self):
        self.accounts = _records("starlink.account")
        self.plans = {
            xml_id: values.get("starlink_product_reference")
            for xml_id, values in _records("product.product").items()
        }
        self.lots = {xml_id: values["name"] for xml_id, values in _records("stock.lot").items()}
        self.lines = _records("starlink.service.line")
        self.terminals = _records("starlink.terminal")
        for terminal in self.terminals.values():
            terminal.setdefault("active", True)
            terminal["kit_serial"] = self.lots.get(terminal.get("lot_id"))

    def line_rows(self, account):
        """Rows of demo_fleet.LINES_SQL for ``account`` (an xml id)."""
        return [
            {
                "id": xml_id,
                "service_line_number": line["service_line_number"],
                "nickname": line.get("nickname"),
                "plan_ref": self.plans.get(line.get("product_id")),
                "date_start": _date(line.get("date_start")),
                "billing_day": int(line["billing_day"]),
                "public_ip": bool(line.get("public_ip")),
                "address_reference": None,
                "street": line.get("street"),
                "city": line.get("city"),
                "zip": line.get("zip"),
                "state_name": None,
                "state_code": None,
                "country_name": None,
                "country_code": (line.get("country_id") or "").removeprefix("base.").upper(),
                "latitude": float(line.get("latitude") or 0),
                "longitude": float(line.get("longitude") or 0),
                "daily_gb": None,
            }
            for xml_id, line in self.lines.items()
            if line["account_id"] == account and line["state"] in IN_SERVICE
        ]

    def terminal_rows(self, line_ids):
        """Rows of demo_fleet.TERMINALS_SQL for the lines ``line_ids``."""
        return [
            {
                "service_line_id": terminal["service_line_id"],
                "user_terminal_id": terminal["user_terminal_id"],
                "kit_serial": terminal["kit_serial"],
                "dish_serial": terminal.get("dish_serial"),
                "router_ids": terminal.get("router_ids"),
            }
            for terminal in self.terminals.values()
            if terminal["active"] and terminal.get("service_line_id") in line_ids
        ]


DEMO = DemoData()


@pytest.fixture(params=sorted(SEEDS))
def demo_account(request):
    """``(account xml id, client, simulator)``: a demo account's simulator as run.sh starts it."""
    account = request.param
    line_rows = DEMO.line_rows(account)
    fleet = demo_fleet.describe(line_rows, DEMO.terminal_rows({row["id"] for row in line_rows}))
    server, _url = serve_in_thread(
        seed=SEEDS[account],
        account_number=DEMO.accounts[account]["account_number"],
        service_lines=fleet["serviceLines"],
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        clock_start=CLOCK.isoformat() + "Z",
        clock_speed=0,
    )
    client = StarlinkClient(
        base_url=server.base_url,
        token_url=server.token_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        account_number=DEMO.accounts[account]["account_number"],
        timeout=5.0,
    )
    yield account, client, server
    client.close()
    server.stop()


def test_demo_has_lines_with_several_terminals_and_draft_kits():
    """The cases the description must carry are in the demo (else this test proves little)."""
    per_line = {}
    for terminal in DEMO.terminals.values():
        per_line.setdefault(terminal.get("service_line_id"), []).append(terminal)
    states = {DEMO.lines[line]["state"] for line, terms in per_line.items() if len(terms) > 1}
    assert states & set(IN_SERVICE)
    drafts = [
        t for t in DEMO.terminals.values() if DEMO.lines[t["service_line_id"]]["state"] == "draft"
    ]
    assert drafts


def test_no_demo_terminal_is_archived_or_moved(demo_account):
    account, client, _server = demo_account
    remote = {t["userTerminalId"]: t["serviceLineNumber"] for t in client.iter_user_terminals()}
    for xml_id, terminal in DEMO.terminals.items():
        line = DEMO.lines.get(terminal.get("service_line_id"), {})
        if line.get("account_id") != account or not terminal["active"]:
            continue
        if terminal["user_terminal_id"] in remote:
            assert remote[terminal["user_terminal_id"]] == line["service_line_number"], xml_id
        else:
            # The synchronisation archives an active terminal Starlink does not return,
            # unless its line is a draft.
            assert line.get("state") == "draft", f"{xml_id} would be archived"
    in_service = [t for t in DEMO.terminals.values() if t["user_terminal_id"] in remote]
    assert len(in_service) == len(remote) > 0


def test_demo_lines_stay_as_they_are(demo_account):
    account, client, _server = demo_account
    remote = {line["serviceLineNumber"]: line for line in client.iter_service_lines()}
    addresses = {a["addressReferenceId"]: a for a in client.iter_addresses()}
    expected = [line for line in DEMO.lines.values() if line["account_id"] == account]
    in_service = [line for line in expected if line["state"] in IN_SERVICE]
    assert len(remote) == len(in_service)
    for line in in_service:
        answer = remote[line["service_line_number"]]  # else the sync would cancel the line
        assert answer["active"] is True
        assert answer["nickname"] == line["nickname"]
        assert answer["productReferenceId"] == DEMO.plans[line["product_id"]]
        assert answer["startDate"][:10] == line["date_start"]
        assert answer["publicIp"] is bool(line.get("public_ip"))
        address = addresses[answer["addressReferenceId"]]
        assert (address["addressLines"], address["locality"], address["postalCode"]) == (
            [line["street"]],
            line["city"],
            line["zip"],
        )
        assert (address["latitude"], address["longitude"]) == (
            float(line["latitude"]),
            float(line["longitude"]),
        )
    drafts = {line["service_line_number"] for line in expected if line["state"] == "draft"}
    assert not drafts & set(remote)


def test_demo_lines_report_usage_in_their_billing_cycles(demo_account):
    account, client, _server = demo_account
    lines = {
        line["service_line_number"]: line
        for line in DEMO.lines.values()
        if line["account_id"] == account and line["state"] in IN_SERVICE
    }
    answers = client.query_data_usage(list(lines), previous_billing_cycles=1)
    assert {answer["serviceLineNumber"] for answer in answers} == set(lines)
    for answer in answers:
        billing_day = int(lines[answer["serviceLineNumber"]]["billing_day"])
        start = datetime.date.fromisoformat(answer["billingCycles"][-1]["startDate"][:10])
        assert start.day == billing_day or (start + datetime.timedelta(days=1)).day == 1


def test_every_demo_terminal_in_service_streams_telemetry(demo_account):
    _account, client, _server = demo_account
    wanted = {t["userTerminalId"] for t in client.iter_user_terminals()}
    seen = set()
    while True:
        batch = decode_stream(client.telemetry_stream(batch_size=65000, max_linger_ms=0))
        seen.update(sample.device_id for sample in batch.terminals)
        if batch.row_count < 65000:
            break
    assert wanted and seen == wanted
