"""Transport layer of the Starlink Public API V2 client (:mod:`.client`).

:class:`StarlinkTransport` is what every call of :class:`.client.StarlinkClient`
goes through:

* OAuth2 client-credentials token, cached until shortly before it expires and
  shared by every client of the same account in the process (``token_cache``),
  refreshed once (and the call retried once) when the API answers 401;
* a timeout on every request; bounded exponential backoff with jitter on 429,
  5xx, timeouts and connection errors;
* a per-account sliding-window limiter under the 250 requests/min quota;
* paging over ``content.{results, pageIndex, limit, isLastPage, totalCount}``;
* envelope errors (``isValid=false``, 400/422...) raised as typed exceptions.

A call with ``write=True`` is not retried once its answer may have been lost:
it raises with ``possibly_applied``. The full rule for writes is in the
docstring of :mod:`.client`.

Log lines go to the logger of the :mod:`.client` module, as before this module
was split from it, so that logging settings that name it still apply.

Secrets never appear in log lines, exception messages or ``repr()``.
"""

import logging
import random
import time

import orjson
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

# The logger of the client module (this code was split from it).
_logger = logging.getLogger(__name__.rpartition(".")[0] + ".client")

DEFAULT_TIMEOUT = (5.0, 30.0)
TOKEN_PATH = "/auth/connect/token"
_REDACTED = "***"


class StarlinkTransport:
    """Authenticated, rate-limited, retrying transport of one Starlink account's API.

    The base of :class:`.client.StarlinkClient`, which adds the endpoint methods.

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
            not retried and raises with ``possibly_applied`` (see :mod:`.client`)
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
            try:  # about a quarter faster than the standard parser on telemetry answers
                return orjson.loads(response.content)
            except orjson.JSONDecodeError:  # NaN, not UTF-8...
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


__all__ = ["StarlinkTransport"]
