"""`make prod` on local addresses: HTTPS serves the portal, HTTP redirects, the login form
answers 429 past its rate per client IP and recovers, a live update reaches a portal session
through the proxy's websocket, /web/health answers. Every loop is bounded."""

import http.client
import json
import ssl
import time
import uuid

import websocket


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


def test_live_update_through_the_proxy_websocket(prod):
    login, session = prod.portal_login()
    ws = websocket.create_connection(
        f"wss://127.0.0.1:{prod.https_port}/websocket?version=18.0-2",
        sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": prod.certificate},
        cookie=f"session_id={session.cookies['session_id']}",
        origin=prod.https,
        timeout=5,
    )
    try:
        ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
        probe = uuid.uuid4().hex
        prod.odoo_shell(
            f"user = env['res.users'].search([('login', '=', {login!r})])\n"
            f"env['bus.bus']._sendone(user.partner_id, 'starlink/live', {{'probe': {probe!r}}})\n"
            "env.cr.commit()\n"
        )
        received = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                frame = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            received.extend(json.loads(frame))
            if any(n.get("message", {}).get("payload", {}).get("probe") == probe for n in received):
                break
        messages = [n["message"] for n in received]
        assert {"type": "starlink/live", "payload": {"probe": probe}} in messages, messages
    finally:
        ws.close()


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
