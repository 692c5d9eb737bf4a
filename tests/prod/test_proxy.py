"""`make prod` on local addresses: HTTPS serves the portal, HTTP redirects, the login form
answers 429 past its rate per client IP and recovers, a portal page's live update after a
telemetry poll reaches its session through the proxy's websocket, /web/health answers, nginx
listens on the loopback only. Every loop is bounded."""

import http.client
import json
import socket
import ssl
import subprocess
import time
from datetime import datetime

import pytest
import websocket
from starlink_simulator import serve_in_thread

from .conftest import ROOT


def test_health_through_both_ports(prod):
    for url in (f"{prod.https}/web/health", f"{prod.http}/web/health"):
        answer = prod.session().get(url, timeout=10, allow_redirects=False)
        assert answer.status_code == 200, url
        assert answer.json() == {"status": "pass"}


def test_http_redirects_to_https(prod):
    answer = prod.session().get(f"{prod.http}/my/home?x=1", timeout=10, allow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{prod.https}/my/home?x=1"


def test_https_serves_the_portal(prod):
    _login, session = prod.portal_login()
    page = session.get(f"{prod.https}/my/home", timeout=60, headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert "o_portal_my_home" in page.text
    assert page.headers.get("Content-Encoding") == "gzip"
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    # Odoo knows it is served over HTTPS (proxy_mode): the login redirected to https://
    # (portal_login), and the websocket's origin check (below) compares the scheme too


def _login_status(prod, source):
    """GET /web/login from the loopback address ``source``; returns the HTTP status."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        prod.https_port,
        context=prod.ssl_context(),
        timeout=30,
        source_address=(source, 0),
    )
    try:
        connection.request("GET", "/web/login")
        return connection.getresponse().status
    finally:
        connection.close()


def test_login_form_rate_limit_per_client_ip(prod):
    statuses = []
    for _ in range(40):  # a burst of 10 past a rate of 120 a minute: refused within a few
        statuses.append(_login_status(prod, "127.0.0.2"))
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429, statuses
    assert statuses[0] == 200
    # another client is not concerned
    assert _login_status(prod, "127.0.0.3") == 200
    # and the limited one is served again once its window has passed
    deadline = time.monotonic() + 6 * prod.login_window + 5
    status = 429
    while status == 429 and time.monotonic() < deadline:
        time.sleep(prod.login_window / 2)
        status = _login_status(prod, "127.0.0.2")
    assert status == 200


# the account's fields a poll at the simulator needs; the test puts them back afterwards
POLL_SHELL = """
account = env["starlink.account"].browse({account_id})
fields = ["api_base_url", "token_url", "client_id", "client_secret", "telemetry_linger_ms"]
saved = account.read(fields)[0]
account.write({values!r})
env.cr.commit()
try:
    print("polled:", account._poll_telemetry(polls=1))
    env.cr.commit()
finally:
    account.write({{name: saved[name] for name in fields}})
    env.cr.commit()
"""


def _portal_account(prod, login):
    """``(account id, account number, ids of the user's lines on it)``: the Starlink account
    of the first line of the portal user's client that has a terminal."""
    rows = prod.psql(
        "SELECT a.id, a.account_number, l.id FROM res_users u "
        "JOIN res_partner contact ON contact.id = u.partner_id "
        "JOIN res_partner client ON client.commercial_partner_id = contact.commercial_partner_id "
        "JOIN starlink_service_line l ON l.partner_id = client.id "
        "AND l.state IN ('active', 'suspended') "
        "JOIN starlink_account a ON a.id = l.account_id AND a.active "
        f"WHERE u.login = '{login}' AND EXISTS (SELECT 1 FROM starlink_terminal t "
        "WHERE t.service_line_id = l.id AND t.active) ORDER BY l.id"
    ).splitlines()
    assert rows, f"{login} has no service line with a terminal"
    rows = [row.split("|") for row in rows]
    account_id, number = rows[0][0], rows[0][1]
    return int(account_id), number, {int(r[2]) for r in rows if r[0] == account_id}


def _fleet(prod, account_number):
    """The simulator's description of the account's fleet as the database holds it."""
    result = subprocess.run(
        [
            "bash",
            "-c",
            'source tools/setup.sh >/dev/null 2>&1; "$VENV_PY" tools/demo_fleet.py "$0" "$1"',
            prod.db,
            account_number,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)["serviceLines"]


def _last_seen(prod, line_ids):
    """``{terminal id: last seen}`` of the active terminals of these lines."""
    ids = ",".join(map(str, sorted(line_ids)))
    rows = prod.psql(
        "SELECT id, last_seen FROM starlink_terminal "
        f"WHERE active AND service_line_id IN ({ids}) ORDER BY id"
    ).splitlines()
    return {
        int(key): datetime.fromisoformat(value) if value else None
        for key, value in (row.split("|") for row in rows)
    }


def _receive(ws, wanted, seconds):
    """Notifications read from ``ws`` until one satisfies ``wanted``, for ``seconds`` at most."""
    received = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(wanted(n) for n in received):
        try:
            received.extend(json.loads(ws.recv()))
        except websocket.WebSocketTimeoutException:
            continue
    return received


def test_live_update_through_the_proxy_websocket(prod):
    """A portal user's page listens on the bus through nginx (wss); a telemetry poll of his
    Starlink account (at a simulator serving that account's fleet) stores new samples, and
    the push of the portal (`starlink/live`, with his changed lines) reaches that websocket;
    the lines' live values the page then fetches through the proxy are the new ones."""
    login, session = prod.portal_login()
    account_id, number, user_lines = _portal_account(prod, login)
    before = _last_seen(prod, user_lines)
    server, _url = serve_in_thread(
        port=0,
        service_lines=_fleet(prod, number),
        account_number=number,
        client_id="prod-test-client",
        client_secret="prod-test-secret-0d7e",
        stream_backlog_s=300,
    )
    last = int(prod.psql("SELECT coalesce(max(id), 0) FROM bus_bus"))
    ws = websocket.create_connection(
        f"wss://127.0.0.1:{prod.https_port}/websocket?version=18.0-2",
        sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": prod.certificate},
        cookie=f"session_id={session.cookies['session_id']}",
        origin=prod.https,
        timeout=5,
    )
    try:
        # as the portal page's bus service does: the session's own channels (its partner's
        # among them), from the last notification known
        ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": last}}))
        values = {
            "api_base_url": server.base_url,
            "token_url": server.token_url,
            "client_id": "prod-test-client",
            "client_secret": "prod-test-secret-0d7e",
            "telemetry_linger_ms": 1000,
        }
        output = prod.odoo_shell(POLL_SHELL.format(account_id=account_id, values=values))
        assert "polled:" in output, output
        assert server.simulator.stats.snapshot()["telemetry_rows"], "no telemetry was polled"
        received = _receive(ws, lambda n: n["message"]["type"] == "starlink/live", 30)
    finally:
        ws.close()
        server.stop()
    live = [n["message"]["payload"] for n in received if n["message"]["type"] == "starlink/live"]
    assert live, [n["message"]["type"] for n in received]
    assert all(n["id"] > last for n in received)
    pushed = {line_id for payload in live for line_id in payload["line_ids"]}
    assert pushed and pushed <= user_lines, (pushed, user_lines)

    # the page then fetches the lines' live values (through the proxy): the new samples'
    after = _last_seen(prod, pushed)
    answer = session.get(
        f"{prod.https}/my/starlink/live",
        params={"line_ids": ",".join(map(str, sorted(pushed)))},
        timeout=60,
    )
    assert answer.status_code == 200
    lines = {line["id"]: line for line in answer.json()["lines"]}
    assert set(lines) == pushed
    shown = {
        terminal["id"]: (
            datetime.fromisoformat(terminal["last_seen"]) if terminal["last_seen"] else None
        )
        for line in lines.values()
        for terminal in line["terminals"]
    }
    assert shown == after
    assert any(
        seen and (not before.get(terminal) or seen > before[terminal])
        for terminal, seen in after.items()
    ), (before, after)


def test_nginx_listens_on_the_loopback_only(prod):
    """make prod's default: nginx answers on 127.0.0.1, not on another address of this
    machine (127.0.0.2 stands for one: with a wildcard listen it would answer there too)."""
    for port in (prod.http_port, prod.https_port):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.2", port), timeout=5)
    conf = prod.conf.read_text()
    assert "http_interface = 127.0.0.1" in conf  # Odoo itself: only nginx reaches it


def test_status_endpoint_behind_the_proxy(prod):
    url = f"{prod.https}/starlink/status"
    refused = prod.session().get(url, timeout=30)
    assert refused.status_code == 401
    assert set(refused.json()) == {"error"}
    answer = prod.session().get(
        url, timeout=60, headers={"Authorization": f"Bearer {prod.status_token}"}
    )
    report = answer.json()
    assert answer.status_code == (503 if report["status"] == "failing" else 200)
    assert report["accounts"] and "streams" in report["accounts"][0]
    assert "late" in report["crons"]
