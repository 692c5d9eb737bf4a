"""Fault injection settings, switchable at start and at run time."""

import threading

# name -> (default, description). Counting faults take the next K API calls
# (``-1`` = every call until reset); rates are fractions of rows in [0, 1].
FAULTS = {
    "unauthorized": (0, "next K API calls answer 401 even with a valid token"),
    "expire_tokens": (False, "action: every token issued so far becomes invalid (401)"),
    "rate_limited": (0, "next K API calls answer 429"),
    "server_errors": (0, "next K API calls answer a 5xx (server_error_status)"),
    "server_error_status": (503, "status used by server_errors and token_errors"),
    "token_errors": (0, "next K token requests answer a 5xx"),
    "slow": (0, "next K API calls sleep slow_seconds before answering"),
    "slow_answer": (
        0,
        "next K API calls are processed (a write is applied), then answer after slow_seconds",
    ),
    "slow_seconds": (5.0, "sleep used by slow and slow_answer"),
    "envelope_errors": (0, "next K API calls answer 422 with isValid=false and errors[]"),
    "path": ("", "counting faults only hit API paths starting with this prefix"),
    "malformed_telemetry_rate": (0.0, "fraction of telemetry rows that are malformed"),
    "malformed_usage_rate": (0.0, "fraction of dailyDataUsage entries that are malformed"),
    "reorder_columns": (False, "shuffle telemetry columns (DeviceType stays first) per response"),
    "alerts_column": ("ActiveAlert", "name of the alerts column (e.g. ActiveAlerts)"),
    "duplicate_rows_rate": (0.0, "fraction of telemetry rows sent twice in a batch"),
    "duplicate_batches": (0, "next K stream calls re-send the previous batch"),
    "overage_lines": (0, "split every cycle's overage into N overage lines (0 = natural)"),
    "rate_limit_per_min": (250, "per-account API limit enforced by the simulator (0 = off)"),
    "linger_cap_ms": (65000, "longest wait for new telemetry with a running clock"),
}
COUNTING = (
    "unauthorized",
    "rate_limited",
    "server_errors",
    "token_errors",
    "slow",
    "slow_answer",
    "envelope_errors",
    "duplicate_batches",
)
ACTIONS = ("expire_tokens",)


class FaultError(ValueError):
    """Raised for an unknown fault name or a value of the wrong type."""


def coerce(name, value):
    """Convert ``value`` to the type of the fault's default value."""
    if name not in FAULTS:
        raise FaultError("unknown fault %r; known: %s" % (name, ", ".join(sorted(FAULTS))))
    default = FAULTS[name][0]
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        return type(default)(value)
    except (TypeError, ValueError) as exc:
        raise FaultError("bad value %r for fault %r" % (value, name)) from exc


def parse_assignments(items):
    """Parse ``["name=value", ...]`` (CLI ``--fault``) into a dict."""
    result = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep:
            raise FaultError("expected name=value, got %r" % item)
        result[name.strip()] = coerce(name.strip(), value.strip())
    return result


class FaultState:
    """Thread-safe current fault settings."""

    def __init__(self, initial=None):
        self._lock = threading.Lock()
        self._initial = {name: coerce(name, value) for name, value in (initial or {}).items()}
        self._values = {}
        self.reset()

    def reset(self):
        """Back to the start-up settings."""
        with self._lock:
            self._values = {name: default for name, (default, _doc) in FAULTS.items()}
            self._values.update({k: v for k, v in self._initial.items() if k not in ACTIONS})

    def update(self, changes):
        """Merge ``changes``; return the names of the actions requested."""
        coerced = {name: coerce(name, value) for name, value in changes.items()}
        actions = [name for name in ACTIONS if coerced.pop(name, False)]
        with self._lock:
            self._values.update(coerced)
        return actions

    def get(self, name):
        """Current value of a setting."""
        with self._lock:
            return self._values[name]

    def snapshot(self):
        """Copy of every setting."""
        with self._lock:
            return {name: value for name, value in self._values.items() if name not in ACTIONS}

    def take(self, name, path=None):
        """Consume one occurrence of a counting fault; True when it fires."""
        with self._lock:
            prefix = self._values["path"]
            if path is not None and prefix and not path.startswith(prefix):
                return False
            count = self._values[name]
            if count == 0:
                return False
            if count > 0:
                self._values[name] = count - 1
            return True
