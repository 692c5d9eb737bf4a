"""One OAuth2 token per Starlink account per process, shared by every client of it.

Starlink allows 1,000 token requests per 15 minutes per IP address and a token lives about
15 minutes: a process that minted a token per sync step or per telemetry poll would use that
budget up at a few dozen accounts. Every :class:`~.client.StarlinkClient` of one account (one
token URL, client id and secret) shares one :class:`TokenCache`, like the request limiter.
Several server processes (Odoo workers, cron threads of other servers) each keep their own
cache: a deployment mints at most one token per account, per process, per token lifetime.
"""

import hashlib
import threading
import time


class TokenCache:
    """A bearer token and its expiry, safe to share between threads.

    Only one thread mints at a time: the others wait and take the token it minted.
    ``clock`` is injectable so tests control expiry.
    """

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._mint_lock = threading.Lock()
        self._token = None
        self._expiry = 0.0
        self.minted = 0

    @property
    def token(self):
        """The current token (valid or not), or None."""
        return self._token

    def valid_token(self):
        """The token while it is valid, else None."""
        with self._lock:
            if self._token and self._clock() < self._expiry:
                return self._token
            return None

    def get(self, mint):
        """The valid token, or a new one from ``mint() -> (token, lifetime_seconds)``.

        A token is renewed a little before its end (10 % of its life, at most a minute), so
        that a call started just before the expiry does not meet a 401.
        """
        token = self.valid_token()
        if token:
            return token
        with self._mint_lock:
            token = self.valid_token()  # minted by another thread while this one waited
            if token:
                return token
            token, lifetime = mint()
            with self._lock:
                self._token = token
                self._expiry = self._clock() + lifetime - min(60.0, lifetime * 0.1)
                self.minted += 1
            return token

    def invalidate(self, token=None):
        """Forget the token; with ``token``, only if it is still that one (a 401 on an old
        token must not throw away the fresh token another thread just minted)."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._expiry = 0.0


_shared = {}
_shared_lock = threading.Lock()


def shared_token_cache(token_url, client_id, client_secret):
    """The process-wide cache of one set of credentials (the secret is only hashed)."""
    digest = hashlib.sha256((client_secret or "").encode()).hexdigest()
    key = (token_url, client_id, digest)
    with _shared_lock:
        cache = _shared.get(key)
        if cache is None:
            cache = _shared[key] = TokenCache()
        return cache
