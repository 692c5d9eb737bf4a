"""Simulated clock: real time by default, fixed or advancing for tests."""

import threading
import time
from datetime import datetime, timezone


def parse_instant(value):
    """Return epoch seconds from an epoch number or an ISO 8601 string."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class SimClock:
    """Clock of the simulated world.

    ``start=None`` and ``speed=1`` follow real time. With a ``start`` the clock
    begins at that instant and advances ``speed`` simulated seconds per real
    second; ``speed=0`` freezes it (tests move it with :meth:`advance`).
    """

    def __init__(self, start=None, speed=1.0):
        self._lock = threading.Lock()
        self._set(start, speed)

    def _set(self, start, speed):
        self._speed = float(speed)
        self._origin = time.time() if start is None else parse_instant(start)
        self._real_origin = time.monotonic()

    def now(self):
        """Current simulated time in epoch seconds."""
        with self._lock:
            elapsed = time.monotonic() - self._real_origin
            return self._origin + elapsed * self._speed

    @property
    def speed(self):
        """Simulated seconds per real second (0 = frozen)."""
        return self._speed

    def set(self, start=None, speed=None):
        """Jump to ``start`` (default: now) and optionally change the speed."""
        with self._lock:
            current = self._origin + (time.monotonic() - self._real_origin) * self._speed
            self._set(current if start is None else start, self._speed if speed is None else speed)

    def advance(self, seconds):
        """Move the clock forward by ``seconds``."""
        with self._lock:
            self._origin += float(seconds)

    def describe(self):
        """JSON-friendly state."""
        now = self.now()
        return {
            "now": now,
            "iso": datetime.fromtimestamp(now, timezone.utc).isoformat().replace("+00:00", "Z"),
            "speed": self._speed,
        }
