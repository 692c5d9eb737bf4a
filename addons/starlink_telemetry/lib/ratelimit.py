"""Sliding-window request limiter (Starlink allows 250 requests/min per account)."""

import threading
import time
from collections import deque


class RateLimiter:
    """Blocks until a call fits in ``max_calls`` per ``period`` seconds.

    ``clock`` and ``sleep`` are injectable so tests run instantly. A limiter
    with ``max_calls <= 0`` never waits. Thread-safe within one process.
    """

    def __init__(self, max_calls, period=60.0, clock=time.monotonic, sleep=time.sleep):
        self.max_calls = int(max_calls or 0)
        self.period = float(period)
        self._clock = clock
        self._sleep = sleep
        self._calls = deque()
        self._lock = threading.Lock()

    def acquire(self):
        """Wait for a free slot and take it; return the seconds waited."""
        if self.max_calls <= 0:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._calls and self._calls[0] <= now - self.period:
                    self._calls.popleft()
                if len(self._calls) < self.max_calls:
                    self._calls.append(now)
                    return waited
                delay = self._calls[0] + self.period - now
            delay = max(delay, 0.001)
            self._sleep(delay)
            waited += delay

    def calls_in_window(self):
        """Number of calls taken in the current window."""
        with self._lock:
            now = self._clock()
            return sum(1 for moment in self._calls if moment > now - self.period)


_shared = {}
_shared_lock = threading.Lock()


def shared_limiter(key, max_calls, period=60.0):
    """Process-wide limiter for ``key`` (e.g. the account number)."""
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None or limiter.max_calls != int(max_calls or 0):
            limiter = _shared[key] = RateLimiter(max_calls, period)
        return limiter
