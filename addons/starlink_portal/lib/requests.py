"""Plan change and top-up requests from the portal (no ``odoo`` import).

The quotes shown to a client before he confirms, computed the way billing bills a confirmed
request (``starlink_base`` ``contract.line._starlink_change_plan`` and ``_starlink_add_one_off``):

* an upgrade (the new plan costs the client more) applies at once: the days of the current
  cycle already invoiced in advance, from today to the cycle's end, are billed at the price
  difference prorated by days; days not invoiced yet are billed at the new plan by the next
  regular invoice (the same difference, prorated over those days);
* a downgrade (or a plan at the same price) applies at the next cycle: nothing is charged now;
* a top-up is charged once, blocks × the block's price.

The proration itself is billing's (``prorate(price, first, last)``, e.g.
``starlink_base.lib.billing.prorated_price`` bound to the line's billing day): this module
decides what is prorated over which days.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

# Data blocks a client may buy at once from the portal (Starlink takes 1-100 per call).
MAX_PORTAL_BLOCKS = 10
FORM_TOKEN_BYTES = 24
_FORM_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")

# What the client sees of a request: its own state, then the state of the Starlink request
# sent once sales approved it.
CLIENT_STATES = (
    "waiting",  # waits for the reseller's approval
    "in_progress",  # approved, being sent or checked at Starlink
    "done",  # applied at Starlink
    "scheduled",  # a downgrade Starlink applies at the next cycle
    "failed",  # approved, but Starlink refused it: the reseller follows it up
    "refused",  # declined by the reseller
    "cancelled",  # withdrawn by the client
)


@dataclass(frozen=True)
class PlanChangeQuote:
    """What a plan change costs the client, as billing will bill it."""

    upgrade: bool
    old_price: float
    new_price: float
    effective_date: date
    amount_now: float  # billed on the next invoice for the current cycle (not rounded)
    first_day: date | None  # first day billed at the difference (upgrades only)
    last_day: date | None
    days: int  # days billed at the difference
    cycle_days: int

    @property
    def difference(self):
        return self.new_price - self.old_price


def plan_change_quote(old_price, new_price, today, cycle, first_unbilled, prorate):
    """The quote of changing a plan at ``old_price`` for one at ``new_price`` on ``today``.

    ``cycle``: ``(start, end)`` of the current billing cycle; ``first_unbilled``: the first
    day the line's plan fee is not invoiced yet (the day after the last invoiced period), or
    None when the line is not billed (nothing is charged then); ``prorate(price, first, last)``:
    billing's proration within one cycle.
    """
    start, end = cycle
    if not start <= today <= end:
        raise ValueError(f"{today} is not within the cycle {start}-{end}")
    cycle_days = (end - start).days + 1
    upgrade = new_price > old_price
    if not upgrade:
        return PlanChangeQuote(
            False, old_price, new_price, end + timedelta(days=1), 0.0, None, None, 0, cycle_days
        )
    if first_unbilled is None or first_unbilled > end + timedelta(days=1):
        # Not billed, or invoiced beyond this cycle (billing refuses an upgrade then): no
        # difference is billed for the current cycle.
        first = None
    elif first_unbilled > today:
        first = today  # invoiced in advance: the rest of the cycle at the difference
    else:
        first = max(first_unbilled, start)  # the next invoice bills these days at the new plan
    if first is None:
        return PlanChangeQuote(True, old_price, new_price, today, 0.0, None, None, 0, cycle_days)
    amount = prorate(new_price - old_price, first, end)
    return PlanChangeQuote(
        True, old_price, new_price, today, amount, first, end, (end - first).days + 1, cycle_days
    )


def parse_blocks(value, maximum=MAX_PORTAL_BLOCKS):
    """A number of data blocks from a form (1 to ``maximum``), or None."""
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    count = int(text)
    return count if 1 <= count <= maximum else None


def parse_id(value):
    """A record id from a form or URL, or None."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def top_up_amount(block_price, blocks):
    """What a top-up of ``blocks`` costs, charged once (not rounded)."""
    return block_price * blocks


def new_form_token():
    """A one-time token for a confirmation form: submitting it twice creates one request."""
    return secrets.token_urlsafe(FORM_TOKEN_BYTES)


def is_form_token(value):
    return bool(value) and isinstance(value, str) and bool(_FORM_TOKEN_RE.match(value))


def client_state(state, sent_state=None, upgrade=True):
    """The state a client sees (one of ``CLIENT_STATES``) of a request in ``state``
    (to_approve, approved, refused, cancelled) whose Starlink request is in ``sent_state``."""
    if state == "to_approve":
        return "waiting"
    if state in ("refused", "cancelled"):
        return state
    if sent_state == "confirmed":
        return "done" if upgrade else "scheduled"
    if sent_state == "failed":
        return "failed"
    return "in_progress"


def muted_rules(offered, wanted, muted):
    """Rules muted after a client chose ``wanted`` among the ``offered`` ones: the offered
    rules not wanted, plus those muted before that the client was not offered (kept)."""
    offered, wanted, muted = set(offered), set(wanted), set(muted)
    return (muted - offered) | (offered - wanted)


def safe_redirect(url, default):
    """``url`` when it is a path of the client's portal (``/my/...``), else ``default``."""
    text = str(url or "")
    if (
        text.startswith("/my/")
        and not text.startswith("//")
        and "\\" not in text
        and not any(c in text for c in "\r\n\t")
    ):
        return text
    return default
