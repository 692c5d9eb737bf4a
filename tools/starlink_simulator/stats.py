"""Request counters and a short request log for tests and operators."""

import threading
import time
from collections import Counter, deque


class Stats:
    """Thread-safe counters per route and status, plus the last requests."""

    def __init__(self, log_size=500):
        self._lock = threading.Lock()
        self._log_size = log_size
        self.reset()

    def reset(self):
        """Forget everything."""
        with self._lock:
            self._by_route = Counter()
            self._by_status = Counter()
            self._faults = Counter()
            self._log = deque(maxlen=self._log_size)
            self._telemetry_rows = 0

    def record(self, method, route, path, status, duration, fault=None):
        """Record one answered request (never its headers or body)."""
        with self._lock:
            self._by_route["%s %s" % (method, route)] += 1
            self._by_status[str(status)] += 1
            if fault:
                self._faults[fault] += 1
            self._log.append(
                {
                    "time": round(time.time(), 3),
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "ms": round(duration * 1000, 1),
                    "fault": fault,
                }
            )

    def add_telemetry_rows(self, count):
        """Count telemetry rows handed out by the stream."""
        with self._lock:
            self._telemetry_rows += count

    def snapshot(self, extra=None):
        """JSON-friendly view."""
        with self._lock:
            api_calls = sum(n for key, n in self._by_route.items() if " /public/v2/" in key)
            data = {
                "requests_total": sum(self._by_route.values()),
                "api_requests": api_calls,
                "token_requests": self._by_route.get("POST /auth/connect/token", 0),
                "by_route": dict(self._by_route),
                "by_status": dict(self._by_status),
                "faults_fired": dict(self._faults),
                "telemetry_rows": self._telemetry_rows,
                "log": list(self._log),
            }
        data.update(extra or {})
        return data
