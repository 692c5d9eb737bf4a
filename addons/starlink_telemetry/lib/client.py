"""HTTP client of the Starlink Public API V2.

* OAuth2 client-credentials token, cached until shortly before it expires and
  shared by every client of the same account in the process (``token_cache``),
  refreshed once (and the call retried once) when the API answers 401;
* a timeout on every request; bounded exponential backoff with jitter on 429,
  5xx, timeouts and connection errors;
* a per-account sliding-window limiter under the 250 requests/min quota;
* paging over ``content.{results, pageIndex, limit, isLastPage, totalCount}``;
* envelope errors (``isValid=false``, 400/422...) raised as typed exceptions.

Writes are never retried blindly. No Starlink write has an idempotency key,
and some are not idempotent at all (a data top-up charges again, a second
``POST /service-lines`` opens a second billable line). So for a write
(``request(..., write=True)``, which every write method of this client uses):

* an answer that proves the request was not processed may be retried as for a
  read: 401 (one token refresh), 429 and 5xx other than 504 (bounded backoff),
  a connect timeout or a refused connection (the request never left);
* a lost answer is not retried: a read timeout, a connection dropped after
  sending, or a 504 from a gateway raise an error with ``possibly_applied``
  set (:class:`StarlinkTimeoutError` for a timeout). The caller must re-read
  the state at Starlink (the line, its top-ups, the invoices) before deciding
  to send the request again.

Secrets never appear in log lines, exception messages or ``repr()``.
"""

import logging
import random
import time

import requests

from .exceptions import (
    StarlinkAuthError,
    StarlinkConnectionError,
    StarlinkError,
    StarlinkNotFoundError,
    StarlinkPermissionError,
    StarlinkProtocolError,
    StarlinkRateLimitError,
    StarlinkServerError,
    StarlinkTimeoutError,
    StarlinkValidationError,
)
from .ratelimit import RateLimiter, shared_limiter
from .token_cache import TokenCache, shared_token_cache

_logger = logging.getLogger(__name__)

API_PREFIX = "/public/v2"
DEFAULT_TIMEOUT = (5.0, 30.0)
PAGE_SIZE = 100
USAGE_PAGE_LIMIT = 250
STREAM_MAX = 65000
TOKEN_PATH = "/auth/connect/token"
_REDACTED = "***"


class StarlinkClient:
    """Client of one Starlink account's Public API V2.

    :param base_url: API root, e.g. ``https://starlink.com/api``
    :param token_url: token endpoint, e.g. ``https://starlink.com/api/auth/connect/token``
    :param client_id: service account client id
    :param client_secret: service account secret (kept private, never logged)
    :param account_number: expected account number (checked by ``test_connection``,
        and the key of the shared rate limiter)
    :param timeout: seconds, or ``(connect, read)``, for every request
    :param session: a ``requests.Session`` (one is created otherwise)
    :param max_retries: retries after a 429, 5xx, timeout or connection error
    :param rate_limit_per_min: client-side limit (0 disables it)
    :param backoff_base: first backoff delay in seconds (doubled each retry)
    :param backoff_max: longest single backoff delay
    :param sleep: sleep function (injectable for tests)
    :param clock: monotonic clock (injectable for tests)
    :param rng: ``random.Random`` used for the jitter
    :param limiter: a :class:`RateLimiter`; default: a private one when ``clock``
        or ``sleep`` is injected, else one shared per account in the process
    :param token_cache: a :class:`~.token_cache.TokenCache`; default: a private one
        when ``clock`` is injected, else one shared per credentials in the process
    """

    def __init__(
        self,
        base_url,
        token_url,
        client_id,
        client_secret,
        account_number=None,
        timeout=DEFAULT_TIMEOUT,
        session=None,
        max_retries=4,
        rate_limit_per_min=240,
        backoff_base=1.0,
        backoff_max=30.0,
        sleep=None,
        clock=None,
        rng=None,
        limiter=None,
        token_cache=None,
    ):
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self.__secret = client_secret or ""
        self.account_number = account_number
        self.timeout = timeout if isinstance(timeout, tuple) else (float(timeout), float(timeout))
        self.session = session or requests.Session()
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._rng = rng or random.Random()
        if limiter is None and (sleep or clock):
            limiter = RateLimiter(rate_limit_per_min, 60.0, self._clock, self._sleep)
        self.limiter = limiter or shared_limiter(
            (self.base_url, account_number or client_id), rate_limit_per_min
        )
        if token_cache is None:
            token_cache = (
                TokenCache(self._clock)
                if clock
                else shared_token_cache(token_url, client_id, client_secret)
            )
        self.tokens = token_cache
        self.request_count = 0
        self.token_requests = 0
        self.retry_count = 0

    def __repr__(self):
        return "<StarlinkClient %s account=%s client_id=%s>" % (
            self.base_url,
            self.account_number,
            self.client_id,
        )

    def close(self):
        """Close the HTTP session."""
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------------ endpoints
    def test_connection(self):
        """Mint a token and read the account; return the account information.

        :raises StarlinkAuthError: bad credentials, or they belong to another account
        """
        self.invalidate_token()
        account = self.get_account()
        number = account.get("accountNumber")
        if self.account_number and number and number != self.account_number:
            raise StarlinkAuthError(
                "The credentials belong to account %s, not %s" % (number, self.account_number)
            )
        return account

    def get_account(self):
        """``GET /public/v2/account``: the account information (``content``)."""
        return self.request("GET", API_PREFIX + "/account").get("content") or {}

    def iter_service_lines(self, search=None, address_reference_id=None, newest_first=None):
        """All service lines (``GET /public/v2/service-lines``, every page)."""
        params = {
            "searchString": search,
            "addressReferenceId": address_reference_id,
            "orderByCreatedDateDescending": _bool_param(newest_first),
        }
        return self.iter_results(API_PREFIX + "/service-lines", params)

    def get_service_line(self, service_line_number):
        """One service line (``content``)."""
        path = "%s/service-lines/%s" % (API_PREFIX, requests.utils.quote(service_line_number))
        return self.request("GET", path).get("content") or {}

    def iter_user_terminals(
        self, service_line_numbers=None, user_terminal_ids=None, has_service_line=None, search=None
    ):
        """All user terminals (``GET /public/v2/user-terminals``, every page)."""
        params = {
            "serviceLineNumbers": list(service_line_numbers or []) or None,
            "userTerminalIds": list(user_terminal_ids or []) or None,
            "hasServiceLine": _bool_param(has_service_line),
            "searchString": search,
        }
        return self.iter_results(API_PREFIX + "/user-terminals", params)

    def iter_products(self):
        """All subscription products (``GET /public/v2/products``)."""
        return self.iter_results(API_PREFIX + "/products")

    def iter_addresses(self, address_ids=None):
        """All addresses (``GET /public/v2/addresses``)."""
        params = {"addressIds": list(address_ids or []) or None}
        return self.iter_results(API_PREFIX + "/addresses", params)

    def iter_data_usage(
        self,
        service_line_numbers=None,
        previous_billing_cycles=1,
        active_only=True,
        query_start_date=None,
        page_limit=USAGE_PAGE_LIMIT,
    ):
        """Usage per service line (``POST /public/v2/data-usage/query``, every page).

        Yields ``ServiceLineDataUsageForBillingCycles`` objects; parse them with
        :func:`.usage.parse_data_usage`.
        """
        body = {"previousBillingCycles": int(previous_billing_cycles)}
        body["activeServiceLinesOnly"] = bool(active_only)
        if service_line_numbers is not None:
            body["serviceLineNumbers"] = list(service_line_numbers)
        if query_start_date is not None:
            body["queryStartDate"] = _iso(query_start_date)
        return self.iter_results(
            API_PREFIX + "/data-usage/query", method="POST", json=body, limit=page_limit
        )

    def query_data_usage(self, service_line_numbers=None, **options):
        """Like :meth:`iter_data_usage`, as a list."""
        return list(self.iter_data_usage(service_line_numbers, **options))

    def telemetry_stream(self, batch_size=1000, max_linger_ms=15000):
        """Next telemetry batch (``POST /public/v2/telemetry/stream``), raw JSON.

        Each successful call advances the account's read index; decode the
        answer with :func:`.telemetry.decode_stream` and store it before the
        next call.
        """
        if not 1 <= int(batch_size) <= STREAM_MAX or not 0 <= int(max_linger_ms) <= STREAM_MAX:
            raise ValueError("batch_size and max_linger_ms must be at most %d" % STREAM_MAX)
        read_timeout = max(self.timeout[1], max_linger_ms / 1000.0 + self.timeout[1])
        body = {"batchSize": int(batch_size), "maxLingerMs": int(max_linger_ms)}
        return self.request(
            "POST",
            API_PREFIX + "/telemetry/stream",
            json=body,
            timeout=(self.timeout[0], read_timeout),
        )

    def telemetry_query(self, device_ids=None):
        """Latest telemetry values per device (``POST /public/v2/telemetry/query``)."""
        body = {} if device_ids is None else {"deviceIds": list(device_ids)}
        return self.request("POST", API_PREFIX + "/telemetry/query", json=body)

    # ------------------------------------------------------------------ activation
    def find_addresses(self, metadata=None, address_ids=None):
        """Addresses filtered by ``metadata`` and/or ids (``GET /public/v2/addresses``), a list.

        Use it to find an address created earlier (e.g. with a reference of
        ours in ``metadata``) before creating it again.
        """
        params = {"metadata": metadata, "addressIds": list(address_ids or []) or None}
        return list(self.iter_results(API_PREFIX + "/addresses", params))

    def create_address(
        self,
        address_lines,
        formatted_address,
        latitude,
        longitude,
        locality=None,
        administrative_area=None,
        region=None,
        postal_code=None,
        metadata=None,
    ):
        """``POST /public/v2/addresses``: the new ``AddressResponse`` (``content``).

        Starlink derives the region and area codes from the coordinates.
        """
        body = {
            "addressLines": list(address_lines),
            "formattedAddress": formatted_address,
            "latitude": float(latitude),
            "longitude": float(longitude),
            "locality": locality,
            "administrativeArea": administrative_area,
            "region": region,
            "postalCode": postal_code,
            "metadata": metadata,
        }
        body = {key: value for key, value in body.items() if value is not None}
        return self._write("POST", API_PREFIX + "/addresses", json=body).get("content") or {}

    def create_service_line(
        self, address_reference_id, product_reference_id, recurring_data_blocks=None
    ):
        """``POST /public/v2/service-lines``: the new ``ServiceLineResponse`` (``content``).

        :param recurring_data_blocks: ``[{"productId": ..., "count": ...}]`` or None
        """
        body = {
            "addressReferenceId": address_reference_id,
            "productReferenceId": product_reference_id,
        }
        if recurring_data_blocks:
            body["dataBlockProducts"] = {"recurringDataBlocks": list(recurring_data_blocks)}
        return self._write("POST", API_PREFIX + "/service-lines", json=body).get("content") or {}

    def add_user_terminal(self, device_id):
        """``POST /public/v2/user-terminals``: put a terminal on the account (no service yet).

        :param device_id: user terminal id, kit serial or dish serial
        :return: the answer envelope
        """
        return self._write("POST", API_PREFIX + "/user-terminals", json={"deviceId": device_id})

    def attach_user_terminal(self, service_line_number, device_id):
        """``POST /public/v2/service-lines/{sln}/user-terminals``: add a terminal to a line.

        The terminal must already be on the account (:meth:`add_user_terminal`).
        """
        path = self._line_path(service_line_number, "/user-terminals")
        return self._write("POST", path, json={"deviceId": device_id})

    # ------------------------------------------------------------------ plans and data
    def update_service_line_product(
        self, service_line_number, product_reference_id, delay_update=None, recurring_blocks=None
    ):
        """``PUT /public/v2/service-lines/{sln}/product``: change the plan.

        :param delay_update: None: an upgrade applies at once, a downgrade on the
            next billing date (Starlink's rule); True: next billing date; False: at once
        :param recurring_blocks: ``[{"productId": ..., "count": ...}]`` or None
        """
        body = {"productReferenceId": product_reference_id}
        if delay_update is not None:
            body["delayUpdate"] = bool(delay_update)
        if recurring_blocks:
            body["recurringDataBlocks"] = list(recurring_blocks)
        return self._write("PUT", self._line_path(service_line_number, "/product"), json=body)

    def top_up_data(self, service_line_number, product_id, count=1):
        """``POST /public/v2/service-lines/{sln}/data/top-up``: buy one-time data blocks.

        Not idempotent: every call that reaches Starlink charges again. A lost
        answer raises with ``possibly_applied``; re-read before sending again.
        """
        body = {"productId": product_id, "count": int(count)}
        return self._write("POST", self._line_path(service_line_number, "/data/top-up"), json=body)

    def opt_in_priority_data(self, service_line_number):
        """``POST .../data/opt-in``: the ``OptInResponse`` (``content``).

        A change refused during the cool down raises :class:`StarlinkValidationError`;
        ``isInOptInCoolDown`` says when not to ask again.
        """
        path = self._line_path(service_line_number, "/data/opt-in")
        return self._write("POST", path).get("content") or {}

    def opt_out_priority_data(self, service_line_number):
        """``POST .../data/opt-out``: the ``OptInResponse`` (``content``).

        Same cool-down rule as :meth:`opt_in_priority_data`.
        """
        path = self._line_path(service_line_number, "/data/opt-out")
        return self._write("POST", path).get("content") or {}

    def deactivate_service_line(self, service_line_number, end_now=False, reason=None):
        """``DELETE /public/v2/service-lines/{sln}``: cancel the line.

        :param end_now: end today rather than on the next billing date
        :param reason: ``reasonForCancellation``
        """
        params = {"endNow": _bool_param(bool(end_now)), "reasonForCancellation": reason}
        params = {key: value for key, value in params.items() if value is not None}
        return self._write("DELETE", self._line_path(service_line_number, ""), params=params)

    def get_partial_periods(self, service_line_number):
        """``GET .../billing-cycles/partial-periods`` of a line.

        :return: ``[{productReferenceId, periodStart, periodEnd}]``
        """
        path = self._line_path(service_line_number, "/billing-cycles/partial-periods")
        return self.request("GET", path).get("content") or []

    # ------------------------------------------------------------------ billing
    def iter_invoices(self):
        """Invoice summaries (``GET /public/v2/billing/invoices``, every page)."""
        return self.iter_results(API_PREFIX + "/billing/invoices")

    def get_invoice(self, invoice_id):
        """One invoice with its lines (``GET /public/v2/billing/invoices/{id}``, ``content``)."""
        path = "%s/billing/invoices/%s" % (API_PREFIX, requests.utils.quote(invoice_id, safe=""))
        return self.request("GET", path).get("content") or {}

    def get_balance(self):
        """``GET /public/v2/billing/balance``: ``[{currency, dueAmount}]``, one per currency."""
        content = self.request("GET", API_PREFIX + "/billing/balance").get("content") or {}
        return content.get("balances") or []

    # ------------------------------------------------------------------ devices
    def reboot_user_terminal(self, device_id):
        """``POST /public/v2/user-terminals/{id}/reboot`` (terminal id, kit or dish serial)."""
        path = "%s/user-terminals/%s/reboot" % (
            API_PREFIX,
            requests.utils.quote(device_id, safe=""),
        )
        return self._write("POST", path)

    def reboot_router(self, router_id):
        """``POST /public/v2/routers/{routerId}/reboot``."""
        path = "%s/routers/%s/reboot" % (API_PREFIX, requests.utils.quote(router_id, safe=""))
        return self._write("POST", path)

    def _write(self, method, path, params=None, json=None):
        """A write: not retried once it may have reached Starlink (see the module docstring)."""
        return self.request(method, path, params=params, json=json, write=True)

    @staticmethod
    def _line_path(service_line_number, suffix):
        """``/public/v2/service-lines/{sln}`` + ``suffix``, the number quoted."""
        quoted = requests.utils.quote(service_line_number, safe="")
        return "%s/service-lines/%s%s" % (API_PREFIX, quoted, suffix)

    # ------------------------------------------------------------------ paging
    def iter_results(self, path, params=None, method="GET", json=None, limit=None):
        """Every ``content.results`` item of a paginated endpoint."""
        for content in self.iter_pages(path, params, method, json, limit):
            yield from content.get("results") or []

    def iter_pages(self, path, params=None, method="GET", json=None, limit=None):
        """Every ``content`` page of a paginated endpoint, from page 0."""
        page, seen, max_pages = 0, 0, None
        while True:
            query = {key: value for key, value in (params or {}).items() if value is not None}
            query["page"] = page
            if limit:
                query["limit"] = limit
            content = self.request(method, path, params=query, json=json).get("content") or {}
            results = content.get("results") or []
            yield content
            seen += len(results)
            total = content.get("totalCount")
            if content.get("isLastPage") or not results or (total is not None and seen >= total):
                return
            if max_pages is None:
                size = content.get("limit") or len(results)
                max_pages = (total // size + 2) if total and size else 100000
            page += 1
            if page > max_pages:
                raise StarlinkProtocolError(
                    "Starlink %s %s: paging did not end after %d pages" % (method, path, page),
                    path=path,
                )

    # ------------------------------------------------------------------ requests
    def request(self, method, path, params=None, json=None, timeout=None, write=False):
        """Authenticated API call; return the decoded JSON answer.

        :param write: the call changes something at Starlink: a lost answer is
            not retried and raises with ``possibly_applied`` (module docstring)
        :raises StarlinkError: (a subclass of it) when the call fails
        """
        response = self._send(
            method,
            self.base_url + path,
            path,
            authenticated=True,
            write=write,
            params=params,
            json=json,
            timeout=timeout or self.timeout,
        )
        return self._check(method, path, response)

    def invalidate_token(self, token=None):
        """Forget the cached token (the next call mints a new one); with ``token``,
        only if it is still the cached one."""
        self.tokens.invalidate(token)

    def _access_token(self):
        """The cached token, or a new one when it is (nearly) expired."""
        return self.tokens.get(self._fetch_token)

    def _fetch_token(self):
        """Mint a token with the client-credentials grant: ``(token, lifetime)``."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.__secret,
        }
        response = self._send("POST", self.token_url, TOKEN_PATH, authenticated=False, data=form)
        self.token_requests += 1
        if response.status_code in (400, 401, 403):
            reason = _oauth_error(response)
            raise StarlinkAuthError(
                self._redact(
                    "Starlink token request rejected (HTTP %d%s): check the client id and secret"
                    % (response.status_code, ": " + reason if reason else "")
                ),
                status=response.status_code,
                path=TOKEN_PATH,
            )
        payload = self._check("POST", TOKEN_PATH, response)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token:
            raise StarlinkProtocolError(
                "Starlink token answer has no access_token", path=TOKEN_PATH
            )
        return token, float(payload.get("expires_in") or 900)

    def _send(self, method, url, path, authenticated, write=False, **kwargs):
        """One call with retries; return the final ``requests.Response``.

        401 on an authenticated call: one token refresh and one retry. 429,
        5xx, timeouts and connection errors: bounded backoff, then an error.
        A ``write`` whose answer was lost raises at once (``possibly_applied``).
        """
        kwargs.setdefault("timeout", self.timeout)
        attempt, refreshed = 0, False
        while True:
            headers = {"Accept": "application/json"}
            token = None
            if authenticated:
                token = self._access_token()
                headers["Authorization"] = "Bearer " + token
                self.limiter.acquire()
            error, response = self._attempt(method, url, path, headers, kwargs, write)
            if response is not None:
                if response.status_code == 401 and authenticated and not refreshed:
                    _logger.info("Starlink %s %s: 401, refreshing the token once", method, path)
                    refreshed = True
                    self.invalidate_token(token)
                    continue
                error = self._retryable_error(method, path, response)
                if error is None:
                    return response
                if write and response.status_code == 504:
                    error.possibly_applied = True  # a gateway gave up waiting for Starlink
            if error.possibly_applied:
                error.message += ": the request may have been applied; re-read before retrying"
                _logger.warning("%s", error.message)
                raise error
            if attempt >= self.max_retries:
                error.message = "%s (after %d attempts)" % (error.message, attempt + 1)
                raise error
            delay = self._backoff(attempt)
            attempt += 1
            self.retry_count += 1
            _logger.warning(
                "Starlink %s %s: %s; retry %d/%d in %.1f s",
                method,
                path,
                error.message,
                attempt,
                self.max_retries,
                delay,
            )
            self._sleep(delay)

    def _attempt(self, method, url, path, headers, kwargs, write=False):
        """Send once; return ``(error, None)`` or ``(None, response)``.

        For a ``write``, an error after the request may have left is marked
        ``possibly_applied``.
        """
        started = self._clock()
        self.request_count += 1
        try:
            response = self.session.request(method, url, headers=headers, **kwargs)
        except requests.Timeout as exc:
            return StarlinkTimeoutError(
                "Starlink %s %s timed out" % (method, path),
                path=path,
                possibly_applied=write and not _never_sent(exc),
            ), None
        except requests.ConnectionError as exc:
            return StarlinkConnectionError(
                "Starlink %s %s: connection failed (%s)" % (method, path, type(exc).__name__),
                path=path,
                possibly_applied=write and not _never_sent(exc),
            ), None
        _logger.debug(
            "Starlink %s %s -> %d in %.0f ms",
            method,
            path,
            response.status_code,
            (self._clock() - started) * 1000,
        )
        return None, response

    @staticmethod
    def _retryable_error(method, path, response):
        """The retryable error an answer stands for, or None."""
        status = response.status_code
        if status == 429:
            return StarlinkRateLimitError(
                "Starlink %s %s: rate limited (HTTP 429)" % (method, path), status, path
            )
        if status >= 500:
            return StarlinkServerError(
                "Starlink %s %s: server error (HTTP %d)" % (method, path, status), status, path
            )
        return None

    def _backoff(self, attempt):
        """Exponential delay with jitter, capped by ``backoff_max``."""
        delay = min(self.backoff_max, self.backoff_base * (2**attempt))
        return delay * (0.5 + 0.5 * self._rng.random())

    # ------------------------------------------------------------------ answers
    def _check(self, method, path, response):
        """Decode an answer; raise the typed error it stands for."""
        status = response.status_code
        payload = self._json(method, path, response)
        messages = _envelope_messages(payload)
        if 200 <= status < 300 and not isinstance(payload, dict):
            raise StarlinkProtocolError(
                "Starlink %s %s answered a JSON %s, not an object"
                % (method, path, type(payload).__name__),
                status,
                path,
            )
        if 200 <= status < 300 and payload.get("isValid") is not False:
            return payload
        error_class = {
            401: StarlinkAuthError,
            403: StarlinkPermissionError,
            404: StarlinkNotFoundError,
            400: StarlinkValidationError,
            422: StarlinkValidationError,
        }.get(status, StarlinkValidationError if status < 300 else StarlinkError)
        text = "Starlink %s %s failed (HTTP %d)" % (method, path, status)
        if status == 401:
            text += ": token refused after a refresh"
        if messages:
            text += ": " + "; ".join(messages)
        raise error_class(self._redact(text), status, path, [self._redact(m) for m in messages])

    def _json(self, method, path, response):
        """JSON body of an answer ({} when empty)."""
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            if response.status_code >= 300:
                return {}
            raise StarlinkProtocolError(
                "Starlink %s %s answered non-JSON content (HTTP %d)"
                % (method, path, response.status_code),
                response.status_code,
                path,
            ) from None

    def _redact(self, text):
        """``text`` without the secret or the current token."""
        for secret in (self.__secret, self.tokens.token):
            if secret and len(secret) >= 4:
                text = text.replace(secret, _REDACTED)
        return text


def _envelope_messages(payload):
    """``errors[].errorMessage`` (with member names) of an envelope."""
    if not isinstance(payload, dict):
        return []
    messages = []
    for error in payload.get("errors") or []:
        if not isinstance(error, dict):
            messages.append(str(error))
            continue
        message = str(error.get("errorMessage") or "error")
        members = [str(m) for m in error.get("memberNames") or []]
        messages.append("%s [%s]" % (message, ", ".join(members)) if members else message)
    return messages


def _never_sent(exc):
    """Whether a failed call never reached the server (connect timeout, refused, DNS)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen, stack = set(), [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if type(item).__name__ in _NOT_SENT_ERRORS:
            return True
        stack.append(getattr(item, "reason", None))
        stack.extend((item.__cause__, item.__context__))
        stack.extend(arg for arg in getattr(item, "args", ()) if isinstance(arg, BaseException))
    return False


_NOT_SENT_ERRORS = (
    "NewConnectionError",
    "NameResolutionError",
    "ConnectionRefusedError",
    "ConnectTimeoutError",
)


def _oauth_error(response):
    """The OAuth2 ``error`` code of a token answer, if any."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    return str(payload.get("error") or "") if isinstance(payload, dict) else ""


def _bool_param(value):
    """Query string boolean (None = omitted)."""
    return None if value is None else ("true" if value else "false")


def _iso(value):
    """ISO 8601 text of a date, datetime or string."""
    return value if isinstance(value, str) else value.isoformat()


__all__ = ["StarlinkClient", "StarlinkError"]
