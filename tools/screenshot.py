#!/usr/bin/env python3
"""Take screenshots of Odoo pages as a logged-in user, with headless Chromium.

Logs in through JSON-RPC (``/web/session/authenticate``), hands the session cookie to a
headless Chromium over the DevTools protocol, opens each URL, waits for the web client to
settle and saves a PNG. Needs ``requests`` and ``websocket-client`` (both in the venv).

    python tools/screenshot.py --url http://localhost:8069/odoo/starlink-service-lines \\
        --login admin --password admin --out /tmp/lines.png

Several pages in one browser: repeat ``--url`` and give ``--out`` a folder (files are named
``01.png``, ``02.png``...) or as many ``--out`` files as URLs. ``--db`` picks the database
when the server holds several; ``--companies 1,3`` sets the allowed companies (current first);
``--width 390 --height 844`` looks at a page as a phone would. Pages that draw late (charts
fetched after the page loaded): ``--wait-for '[data-charts-ready]'`` waits until an element
matches (up to ``--wait`` seconds), ``--settle 2`` lets them finish drawing afterwards.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

import requests
import websocket

READY_JS = """
(() => {
    const busy = document.querySelector('.o_loading_indicator, .o_blockUI');
    const ready = document.readyState === 'complete'
        && document.querySelector('.o_action_manager > *, .o_portal, .oe_login_form, main');
    return Boolean(ready && !busy);
})()
"""
ERRORS_JS = """
Array.from(document.querySelectorAll('.o_error_dialog, .o_notification.border-danger'))
    .map(e => e.innerText.slice(0, 300))
"""


def authenticate(base_url, db, login, password, timeout=30, verify=True):
    """Return the ``session_id`` cookie of a session logged in as ``login``."""
    session = requests.Session()
    if not db:
        reply = session.post(
            f"{base_url}/web/database/list",
            json={"jsonrpc": "2.0", "method": "call", "params": {}},
            timeout=timeout,
            verify=verify,
        ).json()
        databases = reply.get("result") or []
        if len(databases) != 1:
            sys.exit(f"pass --db: the server holds {len(databases)} databases {databases}")
        db = databases[0]
    reply = session.post(
        f"{base_url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": db, "login": login, "password": password},
        },
        timeout=timeout,
        verify=verify,
    ).json()
    if reply.get("error") or not (reply.get("result") or {}).get("uid"):
        message = (reply.get("error") or {}).get("data", {}).get("message", "wrong credentials")
        sys.exit(f"login failed for {login!r} on {db!r}: {message}")
    return session.cookies["session_id"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A headless Chromium driven over the DevTools protocol."""

    def __init__(self, width, height, chromium="chromium", insecure=False):
        self.profile = tempfile.mkdtemp(prefix="odoo-shot-")
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                shutil.which(chromium) or chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                *(["--ignore-certificate-errors"] if insecure else []),
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                f"--remote-debugging-port={self.port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.width, self.height = width, height
        self.ws = websocket.create_connection(self._page_ws_url(), timeout=60)
        self._id = 0
        self.call("Page.enable")
        self.call("Network.enable")
        self._resize(height)

    def _resize(self, height):
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=height,
            deviceScaleFactor=1,
            mobile=self.width < 600,
        )

    def _page_ws_url(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                targets = requests.get(f"http://127.0.0.1:{self.port}/json", timeout=2).json()
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        self.close()
        sys.exit("chromium did not start")

    def call(self, method, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def set_cookie(self, url, name, value):
        self.call("Network.setCookie", url=url, name=name, value=value, path="/")

    def shoot(self, url, out, wait, full_page=False, clicks=(), wait_for=(), settle=1.5):
        self.call("Page.navigate", url=url)
        time.sleep(1.0)
        deadline = time.time() + wait
        while time.time() < deadline and not self.evaluate(READY_JS):
            time.sleep(0.3)
        for selector in wait_for:
            found = f"Boolean(document.querySelector({json.dumps(selector)}))"
            while not self.evaluate(found):
                if time.time() > deadline:
                    print(f"  nothing matches --wait-for {selector!r} on {url} after {wait} s")
                    break
                time.sleep(0.3)
        time.sleep(settle)  # let charts and lazy widgets draw
        for selector in clicks:
            found = self.evaluate(
                f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
                " if (el) { el.click(); } return Boolean(el); })()"
            )
            if not found:
                print(f"  nothing matches --click {selector!r} on {url}")
            time.sleep(1.0)
        height = self.height
        if full_page:
            # The web client scrolls inside .o_content, not the document: grow the viewport.
            content = self.evaluate(
                "Math.max(document.documentElement.scrollHeight, ...Array.from("
                "document.querySelectorAll('.o_content, .o_action_manager > *'))"
                ".map(e => e.scrollHeight + e.getBoundingClientRect().top))"
            )
            height = max(self.height, int(content or 0))
            self._resize(height)
            time.sleep(1.0)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        if height != self.height:
            self._resize(self.height)
        with open(out, "wb") as handle:
            handle.write(base64.b64decode(data))
        return self.evaluate(ERRORS_JS) or []

    def close(self):
        with contextlib.suppress(Exception):  # best effort on shutdown
            self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def output_paths(urls, outs):
    if len(outs) == 1 and (os.path.isdir(outs[0]) or outs[0].endswith(os.sep)):
        os.makedirs(outs[0], exist_ok=True)
        return [os.path.join(outs[0], f"{index:02d}.png") for index in range(1, len(urls) + 1)]
    if len(outs) != len(urls):
        sys.exit("give one --out per --url, or one folder")
    return outs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", required=True, help="page to capture")
    parser.add_argument("--out", action="append", required=True, help="PNG file or folder")
    parser.add_argument("--login", help="log in as this user first (else anonymous)")
    parser.add_argument("--password", default="")
    parser.add_argument("--db", help="database (needed when the server holds several)")
    parser.add_argument(
        "--companies", help="allowed company ids, current first, e.g. 1,3 (default: the user's)"
    )
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--wait", type=float, default=20, help="max seconds to wait per page")
    parser.add_argument(
        "--wait-for",
        action="append",
        default=[],
        help="CSS selector to wait for before the capture (e.g. '[data-charts-ready]'); "
        "repeatable, applied on every page",
    )
    parser.add_argument(
        "--settle", type=float, default=1.5, help="seconds to wait once the page is ready"
    )
    parser.add_argument("--full-page", action="store_true", help="capture the whole page")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="accept a self-signed certificate (e.g. make prod's https://localhost:8443)",
    )
    parser.add_argument(
        "--click",
        action="append",
        default=[],
        help="CSS selector to click before the capture (e.g. a notebook tab: "
        "'.o_notebook a[name=starlink]'); repeatable, applied on every page",
    )
    args = parser.parse_args()

    outs = output_paths(args.url, args.out)
    parts = urlsplit(args.url[0])
    base_url = f"{parts.scheme}://{parts.netloc}"
    browser = Browser(args.width, args.height, insecure=args.insecure)
    failed = False
    try:
        if args.login:
            session_id = authenticate(
                base_url, args.db, args.login, args.password, verify=not args.insecure
            )
            browser.set_cookie(base_url, "session_id", session_id)
        if args.companies:
            browser.set_cookie(base_url, "cids", "-".join(args.companies.replace(",", " ").split()))
        for url, out in zip(args.url, outs, strict=True):
            errors = browser.shoot(
                url, out, args.wait, args.full_page, args.click, args.wait_for, args.settle
            )
            print(f"{out}  <-  {url}")
            for error in errors:
                failed = True
                print(f"  error on page: {error}")
    finally:
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
