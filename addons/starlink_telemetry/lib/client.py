"""HTTP client of the Starlink Public API V2.

* OAuth2 client-credentials token, cached until shortly before it expires and
  shared by every client of the same account in the process (``token_cache``),
  refreshed once (and the call retried once) when the API answers 401;
* a timeout on every request; bounded exponential backoff with jitter on 429,
  5xx, timeouts and connection errors;
* a per-account sliding-window limiter under the 250 requests/min quota;
* paging over ``content.{results, pageIndex, limit, isLastPage, totalCount}``;
* envelope errors (``isValid=false``, 400/422...) raised as typed exceptions.

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
    def request(self, method, path, params=None, json=None, timeout=None):
        """Authenticated API call; return the decoded JSON answer.

        :raises StarlinkError: (a subclass of it) when the call fails
        """
        response = self._send(
            method,
            self.base_url + path,
            path,
            authenticated=True,
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

    def _send(self, method, url, path, authenticated, **kwargs):
        """One call with retries; return the final ``requests.Response``.

        401 on an authenticated call: one token refresh and one retry. 429,
        5xx, timeouts and connection errors: bounded backoff, then an error.
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
            error, response = self._attempt(method, url, path, headers, kwargs)
            if response is not None:
                if response.status_code == 401 and authenticated and not refreshed:
                    _logger.info("Starlink %s %s: 401, refreshing the token once", method, path)
                    refreshed = True
                    self.invalidate_token(token)
                    continue
                error = self._retryable_error(method, path, response)
                if error is None:
                    return response
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

    def _attempt(self, method, url, path, headers, kwargs):
        """Send once; return ``(error, None)`` or ``(None, response)``."""
        started = self._clock()
        self.request_count += 1
        try:
            response = self.session.request(method, url, headers=headers, **kwargs)
        except requests.Timeout:
            return StarlinkTimeoutError(
                "Starlink %s %s timed out" % (method, path), path=path
            ), None
        except requests.ConnectionError as exc:
            return StarlinkConnectionError(
                "Starlink %s %s: connection failed (%s)" % (method, path, type(exc).__name__),
                path=path,
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
