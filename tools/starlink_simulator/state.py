"""What the simulated account remembers of the writes made through the API.

The generated fleet is a pure function of the seed; everything written through
the API (addresses, service lines, terminals added to the account, plan
changes, opt-in/opt-out, top-ups, cancellations, reboots, terminals taken off or
put on a line) lives here, on top of it, and later reads reflect it.
``POST /_sim/reset`` forgets it all.

Dates are simulated UTC days: a change made today takes effect at 00:00 today.
"""

import threading
import uuid
from dataclasses import dataclass, field
from datetime import date

from .rand import hash_ints, text_seed
from .usage import add_month, cycle_start

# Seconds a service line stays in its opt-in cool down after an opt-in or opt-out.
OPT_IN_COOL_DOWN_S = 24 * 3600


@dataclass
class PlanSegment:
    """A product from ``start`` on (until the next segment)."""

    start: date
    plan: object
    immediate: bool = False  # a mid-cycle change (prorated), not a cycle boundary


@dataclass
class LineState:
    """A service line as written through the API (created, or a fleet line changed)."""

    number: str
    address_id: str
    nickname: str | None
    segments: list
    opted_in: bool
    public_ip: bool = False
    created: bool = False
    start_date: date | None = None
    end_date: date | None = None
    billing_day: int | None = None
    created_on: date | None = None
    opt_activated: date | None = None
    opt_deactivated: date | None = None
    opt_changed_at: float | None = None
    cancel_reason: str | None = None
    terminals: list = field(default_factory=list)
    top_ups: list = field(default_factory=list)
    # the fleet.Terminal that generates the usage of a line activated through the API
    usage_terminal: object = None

    def plan_at(self, day):
        """The product in force on ``day``."""
        current = self.segments[0].plan
        for segment in self.segments:
            if segment.start <= day:
                current = segment.plan
        return current

    def plan_opening(self, day):
        """The product a cycle starting on ``day`` is billed for in advance.

        A change made at once on that very day is billed apart (prorated), a
        change scheduled for that day is the cycle's product.
        """
        current = self.segments[0].plan
        for segment in self.segments:
            if segment.start < day or (segment.start == day and not segment.immediate):
                current = segment.plan
        return current

    def delayed_plan(self, today):
        """The product scheduled for a later day, or None."""
        future = [s for s in self.segments if s.start > today]
        return future[-1].plan if future else None

    def active(self, today):
        """Started, and not (yet) ended."""
        if self.start_date is None:
            return False
        return self.end_date is None or self.end_date > today

    def cycle(self, today):
        """``(start, next start)`` of the billing cycle containing ``today``, or None."""
        if not self.billing_day:
            return None
        start = cycle_start(today, self.billing_day)
        return start, add_month(start, self.billing_day)


class AccountState:
    """Thread-safe store of every write; ``version`` grows with each of them."""

    def __init__(self, fleet):
        self.fleet = fleet
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        """Forget every write."""
        with self.lock:
            # never back to an earlier value: answers cached for a version stay valid
            self.version = getattr(self, "version", 0) + 1
            self.addresses = {}  # addressReferenceId -> AddressResponse dict
            self.lines = {}  # serviceLineNumber -> LineState
            self.created_lines = []  # numbers, in creation order
            self.terminals = {}  # userTerminalId -> dict (terminals added to the account)
            self.charges = []  # every top-up charged, in order
            self.plan_changes = []  # every accepted plan change, in order
            self.reboots = []  # {"deviceId", "kind", "at"}
            self.opt_changes = []  # every accepted opt-in/opt-out call, changed or not
            self.cancellations = []  # every accepted DELETE of a service line
            # fleet terminals taken off their line (they live on in ``terminals``, lineless)
            self.detached_fleet_terminals = set()
            self.terminal_removals = []  # every terminal taken off a line, in order
            self.terminal_attachments = []  # every terminal put on a line, in order
            self._counter = 0

    def touch(self):
        """Count a write (invalidates cached derived answers)."""
        self.version += 1

    def next_id(self, kind):
        """A deterministic identifier seed for the n-th created entity of ``kind``."""
        self._counter += 1
        return hash_ints(self.fleet.seed, 70, text_seed(kind), self._counter)

    def new_address_id(self):
        """A new ``addressReferenceId`` (a UUID)."""
        high, low = self.next_id("address"), hash_ints(self.fleet.seed, 71, self._counter)
        return str(uuid.UUID(int=(high << 64 | low), version=4))

    def describe(self):
        """JSON-friendly summary for ``GET /_sim/operations``."""
        with self.lock:
            return {
                "version": self.version,
                "addresses": sorted(self.addresses),
                "created_service_lines": list(self.created_lines),
                "account_terminals": sorted(self.terminals),
                "charges": [dict(c) for c in self.charges],
                "plan_changes": [dict(c) for c in self.plan_changes],
                "reboots": [dict(r) for r in self.reboots],
                "opt_changes": [dict(c) for c in self.opt_changes],
                "cancellations": [dict(c) for c in self.cancellations],
                "terminal_removals": [dict(r) for r in self.terminal_removals],
                "terminal_attachments": [dict(a) for a in self.terminal_attachments],
            }
