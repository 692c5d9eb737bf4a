"""WSGI application, authentication, fault pipeline and control endpoints."""

import hmac
import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import api, billing, operations
from .clock import SimClock
from .faults import FAULTS, FaultError, FaultState
from .fleet import Fleet, FleetIndex
from .state import AccountState
from .stats import Stats
from .stream import StreamState
from .telemetry import TelemetryModel
from .usage import UsageModel

_logger = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "starlink-sim-client"
DEFAULT_CLIENT_SECRET = "starlink-sim-secret"
API_ROUTES = {
    "account": api.get_account,
    "service_lines": api.get_service_lines,
    "service_line": api.get_service_line,
    "user_terminals": api.get_user_terminals,
    "products": api.get_products,
    "addresses": api.get_addresses,
    "address": api.get_address,
    "data_usage": api.query_data_usage,
    "telemetry_stream": api.telemetry_stream,
    "telemetry_query": api.telemetry_query,
    "create_address": operations.create_address,
    "create_service_line": operations.create_service_line,
    "deactivate_service_line": operations.deactivate_service_line,
    "add_user_terminal": operations.add_user_terminal,
    "attach_user_terminal": operations.attach_user_terminal,
    "remove_user_terminal": operations.remove_user_terminal,
    "update_product": operations.update_product,
    "top_up": operations.top_up,
    "opt_in": operations.opt_in,
    "opt_out": operations.opt_out,
    "partial_periods": billing.get_partial_periods,
    "invoices": billing.get_invoices,
    "invoice": billing.get_invoice,
    "balance": billing.get_balance,
    "reboot_user_terminal": operations.reboot_user_terminal,
    "reboot_router": operations.reboot_router,
}
NEEDS_ACCOUNT = ("telemetry_stream", "telemetry_query")


@dataclass
class SimulatorConfig:
    """Start-up settings of the simulator."""

    seed: int = 42
    terminals: int = 20
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    account_number: str | None = None
    account_name: str | None = None
    token_ttl: int = 900
    clock_start: str | float | None = None
    clock_speed: float = 1.0
    stream_backlog_s: int = 3600
    retention_s: int = 8 * 3600
    faults: dict = field(default_factory=dict)
    # Described service lines (see fleet.describe_entries); None: ``terminals`` generated ones.
    service_lines: list | None = None


class Simulator:
    """The simulated Starlink account behind a WSGI interface."""

    def __init__(self, config=None):
        self.config = config or SimulatorConfig()
        self.clock = SimClock(self.config.clock_start, self.config.clock_speed)
        self.faults = FaultState(self.config.faults)
        self.stats = Stats()
        self.fleet = Fleet(
            self.config.seed,
            self.config.terminals,
            self.today(),
            self.config.account_number,
            self.config.account_name,
            self.config.service_lines,
        )
        self.index = FleetIndex(self.fleet)
        self.state = AccountState(self.fleet)
        self.telemetry = TelemetryModel(self.fleet)
        self.usage = UsageModel(self.fleet, self.faults)
        self.stream = StreamState(
            self.telemetry,
            self.faults,
            self.stats,
            self.config.stream_backlog_s,
            self.config.retention_s,
        )
        self._lock = threading.Lock()
        self._tokens = {}
        self._calls = deque()
        self._in_flight = 0
        self.url_map = Map(
            [
                Rule("/auth/connect/token", endpoint="token", methods=["POST"]),
                Rule("/public/v2/account", endpoint="account", methods=["GET"]),
                Rule("/public/v2/service-lines", endpoint="service_lines", methods=["GET"]),
                Rule(
                    "/public/v2/service-lines",
                    endpoint="create_service_line",
                    methods=["POST"],
                ),
                Rule("/public/v2/service-lines/<number>", endpoint="service_line", methods=["GET"]),
                Rule(
                    "/public/v2/service-lines/<number>",
                    endpoint="deactivate_service_line",
                    methods=["DELETE"],
                ),
                Rule(
                    "/public/v2/service-lines/<number>/user-terminals",
                    endpoint="attach_user_terminal",
                    methods=["POST"],
                ),
                Rule(
                    "/public/v2/service-lines/<number>/user-terminals/<device_id>",
                    endpoint="remove_user_terminal",
                    methods=["DELETE"],
                ),
                Rule(
                    "/public/v2/service-lines/<number>/product",
                    endpoint="update_product",
                    methods=["PUT"],
                ),
                Rule(
                    "/public/v2/service-lines/<number>/data/top-up",
                    endpoint="top_up",
                    methods=["POST"],
                ),
                Rule(
                    "/public/v2/service-lines/<number>/data/opt-in",
                    endpoint="opt_in",
                    methods=["POST"],
                ),
                Rule(
                    "/public/v2/service-lines/<number>/data/opt-out",
                    endpoint="opt_out",
                    methods=["POST"],
                ),
                Rule(
                    "/public/v2/service-lines/<number>/billing-cycles/partial-periods",
                    endpoint="partial_periods",
                    methods=["GET"],
                ),
                Rule("/public/v2/user-terminals", endpoint="user_terminals", methods=["GET"]),
                Rule("/public/v2/user-terminals", endpoint="add_user_terminal", methods=["POST"]),
                Rule(
                    "/public/v2/user-terminals/<device_id>/reboot",
                    endpoint="reboot_user_terminal",
                    methods=["POST"],
                ),
                Rule(
                    "/public/v2/routers/<router_id>/reboot",
                    endpoint="reboot_router",
                    methods=["POST"],
                ),
                Rule("/public/v2/billing/invoices", endpoint="invoices", methods=["GET"]),
                Rule(
                    "/public/v2/billing/invoices/<invoice_id>",
                    endpoint="invoice",
                    methods=["GET"],
                ),
                Rule("/public/v2/billing/balance", endpoint="balance", methods=["GET"]),
                Rule("/public/v2/products", endpoint="products", methods=["GET"]),
                Rule("/public/v2/addresses", endpoint="addresses", methods=["GET"]),
                Rule("/public/v2/addresses", endpoint="create_address", methods=["POST"]),
                Rule("/public/v2/addresses/<address_id>", endpoint="address", methods=["GET"]),
                Rule("/public/v2/data-usage/query", endpoint="data_usage", methods=["POST"]),
                Rule("/public/v2/telemetry/stream", endpoint="telemetry_stream", methods=["POST"]),
                Rule("/public/v2/telemetry/query", endpoint="telemetry_query", methods=["POST"]),
                Rule("/_sim/health", endpoint="sim_health", methods=["GET"]),
                Rule("/_sim/config", endpoint="sim_config", methods=["GET"]),
                Rule("/_sim/faults", endpoint="sim_faults", methods=["GET", "POST"]),
                Rule("/_sim/reset", endpoint="sim_reset", methods=["POST"]),
                Rule("/_sim/stats", endpoint="sim_stats", methods=["GET"]),
                Rule("/_sim/clock", endpoint="sim_clock", methods=["GET", "POST"]),
                Rule("/_sim/operations", endpoint="sim_operations", methods=["GET"]),
            ],
            strict_slashes=False,
        )

    def today(self):
        """Simulated UTC date."""
        return api.today_of(self.clock.now())

    # ------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/api" or path.startswith("/api/"):
            environ["PATH_INFO"] = path[4:] or "/"
        request = Request(environ)
        with self._lock:
            self._in_flight += 1
        try:
            return self.dispatch(request)(environ, start_response)
        finally:
            with self._lock:
                self._in_flight -= 1

    def wait_idle(self, timeout=10.0):
        """Wait until no request is being answered; True when idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._in_flight:
                    return True
            time.sleep(0.01)
        return False

    def dispatch(self, request):
        """Route a request; API and token calls are counted in the stats."""
        started = time.monotonic()
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            rule, values = adapter.match(return_rule=True)
        except HTTPException as exc:
            if request.path.startswith("/public/"):
                return _json(exc.code, api.error_envelope("not_found"))
            return exc.get_response()
        endpoint = rule.endpoint
        if endpoint.startswith("sim_"):
            return getattr(self, "_" + endpoint)(request)
        if endpoint == "token":
            response, fault = self._token(request)
        else:
            response, fault = self._api(request, endpoint, values)
        self.stats.record(
            request.method,
            rule.rule,
            request.path,
            response.status_code,
            time.monotonic() - started,
            fault,
        )
        return response

    # ------------------------------------------------------------ token
    def _token(self, request):
        """OAuth2 client-credentials token endpoint."""
        if self.faults.take("token_errors"):
            return _text(
                self.faults.get("server_error_status"), "Service Unavailable"
            ), "token_errors"
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type"}), None
        basic = request.authorization
        client_id = basic.username if basic else form.get("client_id")
        secret = basic.password if basic else form.get("client_secret")
        if not client_id or not secret:
            return _json(400, {"error": "invalid_request"}), None
        valid = _same(client_id, self.config.client_id) & _same(secret, self.config.client_secret)
        if not valid:
            if basic:
                return _json(401, {"error": "invalid_client"}, {"WWW-Authenticate": "Basic"}), None
            return _json(400, {"error": "invalid_client"}), None
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.config.token_ttl
        return _json(
            200,
            {
                "access_token": token,
                "expires_in": self.config.token_ttl,
                "token_type": "Bearer",
                "scope": "api",
            },
        ), None

    def _authorized(self, request):
        """Whether the request carries a valid, unexpired bearer token."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        with self._lock:
            expiry = self._tokens.get(header[7:].strip())
        return expiry is not None and expiry > time.monotonic()

    def _over_limit(self):
        """Sliding one-minute window of accepted API calls."""
        limit = self.faults.get("rate_limit_per_min")
        if limit <= 0:
            return False
        with self._lock:
            now = time.monotonic()
            while self._calls and self._calls[0] <= now - 60:
                self._calls.popleft()
            if len(self._calls) >= limit:
                return True
            self._calls.append(now)
        return False

    # ------------------------------------------------------------ API
    def _api(self, request, endpoint, values):
        """Authentication, rate limit and faults, then the handler."""
        path = request.path
        unauthorized = _text(401, "", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if not self._authorized(request):
            return unauthorized, None
        if self.faults.take("unauthorized", path):
            return unauthorized, "unauthorized"
        if self._over_limit():
            return _json(429, api.error_envelope("Too many requests")), "account_rate_limit"
        if self.faults.take("rate_limited", path):
            return _json(429, api.error_envelope("Too many requests")), "rate_limited"
        if self.faults.take("server_errors", path):
            return _text(
                self.faults.get("server_error_status"), "Service Unavailable"
            ), "server_errors"
        fault = None
        if self.faults.take("slow", path):
            fault = "slow"
            time.sleep(self.faults.get("slow_seconds"))
        if self.faults.take("envelope_errors", path):
            return _json(422, api.error_envelope("Failed to retrieve data")), "envelope_errors"
        handler = API_ROUTES[endpoint]
        if endpoint in NEEDS_ACCOUNT:
            values["account"] = self.fleet.account_number
        try:
            status, body = handler(self, request, **values)
        except api.ApiError as exc:
            status, body = exc.status, api.error_envelope(exc.message, exc.members)
        if self.faults.take("slow_answer", path):
            fault = "slow_answer"  # processed (a write is applied), answered late
            time.sleep(self.faults.get("slow_seconds"))
        return _json(status, body), fault

    # ------------------------------------------------------------ control
    def _sim_health(self, request):
        """GET /_sim/health: liveness."""
        return _json(200, {"ok": True})

    def _sim_config(self, request):
        """GET /_sim/config: start-up settings (never the secret) and the fault list."""
        cfg = self.config
        return _json(
            200,
            {
                "seed": cfg.seed,
                "terminals": len(self.fleet.terminal_indexes()),
                "service_lines": len(self.fleet.line_indexes()),
                "described": cfg.service_lines is not None,
                "client_id": cfg.client_id,
                "account_number": self.fleet.account_number,
                "account_name": self.fleet.account_name,
                "token_ttl": cfg.token_ttl,
                "stream_backlog_s": cfg.stream_backlog_s,
                "retention_s": cfg.retention_s,
                "faults": {k: v[1] for k, v in FAULTS.items()},
            },
        )

    def _sim_faults(self, request):
        """GET/POST /_sim/faults: read or merge fault settings."""
        if request.method == "POST":
            try:
                changes = json.loads(request.get_data() or b"{}")
                if not isinstance(changes, dict):
                    raise FaultError("expected a JSON object")
                actions = self.faults.update(changes)
            except (ValueError, FaultError) as exc:
                return _json(400, {"error": str(exc)})
            if "expire_tokens" in actions:
                self.expire_tokens()
        return _json(200, self.faults.snapshot())

    def _sim_operations(self, request):
        """GET /_sim/operations: what was written through the API (charges, changes, reboots)."""
        return _json(200, self.state.describe())

    def _sim_reset(self, request):
        """POST /_sim/reset: back to the start-up state (the clock is kept)."""
        self.reset()
        return _json(200, {"ok": True})

    def _sim_stats(self, request):
        """GET /_sim/stats: counters, request log, stream read indexes, clock."""
        return _json(
            200,
            self.stats.snapshot({"stream": self.stream.describe(), "clock": self.clock.describe()}),
        )

    def _sim_clock(self, request):
        """GET/POST /_sim/clock: read, set (``now``, ``speed``) or ``advance_s``."""
        if request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"{}")
                if "now" in body or "speed" in body:
                    self.clock.set(body.get("now"), body.get("speed"))
                if "advance_s" in body:
                    self.clock.advance(float(body["advance_s"]))
            except (ValueError, TypeError, AttributeError) as exc:
                return _json(400, {"error": str(exc)})
        return _json(200, self.clock.describe())

    # ------------------------------------------------------------ state
    def expire_tokens(self):
        """Invalidate every issued token."""
        with self._lock:
            self._tokens.clear()

    def reset(self):
        """Faults, counters, tokens, rate window, stream read indexes and API writes."""
        self.faults.reset()
        self.stats.reset()
        self.stream.reset()
        self.state.reset()
        with self._lock:
            self._tokens.clear()
            self._calls.clear()


def _same(given, expected):
    """Constant-time string comparison."""
    return hmac.compare_digest(str(given).encode("utf-8"), str(expected).encode("utf-8"))


def _json(status, body, headers=None):
    """JSON response."""
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def _text(status, text, headers=None):
    """Plain text response (what gateways answer on errors)."""
    return Response(text, status=status, mimetype="text/plain", headers=headers)


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that does not log every request."""

    def log_request(self, code="-", size="-"):
        """Requests are counted in the stats instead."""


class SimulatorServer:
    """A running simulator (threaded HTTP server in a background thread)."""

    def __init__(self, simulator, server, thread):
        self.simulator = simulator
        self.server = server
        self.thread = thread
        self.url = "http://%s:%d" % (server.host, server.port)

    @property
    def base_url(self):
        """API base URL, like ``https://starlink.com/api``."""
        return self.url + "/api"

    @property
    def token_url(self):
        """Token endpoint, like ``https://starlink.com/api/auth/connect/token``."""
        return self.url + "/api/auth/connect/token"

    def stop(self):
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_in_thread(port=0, host="127.0.0.1", quiet=True, **options):
    """Start a simulator in a daemon thread; return ``(server, url)``.

    ``options`` are :class:`SimulatorConfig` fields. ``port=0`` picks a free port.
    """
    simulator = Simulator(SimulatorConfig(**options))
    httpd = make_server(
        host, port, simulator, threaded=True, request_handler=QuietRequestHandler if quiet else None
    )
    thread = threading.Thread(target=httpd.serve_forever, name="starlink-simulator", daemon=True)
    thread.start()
    server = SimulatorServer(simulator, httpd, thread)
    return server, server.url


def serve_forever(host, port, config, simulator=None):
    """Serve ``simulator`` (default: a new one of ``config``) until interrupted."""
    simulator = simulator or Simulator(config)
    httpd = make_server(host, port, simulator, threaded=True)
    _logger.info(
        "Starlink simulator on http://%s:%d (account %s, %d service lines, %d terminals)",
        host,
        httpd.port,
        simulator.fleet.account_number,
        len(simulator.fleet.line_indexes()),
        len(simulator.fleet.terminal_indexes()),
    )
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
