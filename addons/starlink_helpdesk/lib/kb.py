"""Knowledge base: which articles answer a client's situation (pure Python, no odoo import).

An article names what makes it suggested: Starlink terminal alerts (``high_sky_obstruction``,
as the telemetry stream's ``ActiveAlert`` enum names them), our alert rule types
(``obstruction``, ``outage``, ``data_limit``, ``usage``...) and helpdesk ticket categories.
The situation is what we know while a client writes a ticket: the alerts his terminal reports
now, the rule types of his line's open alerts, the category he chose.
"""

import re
from typing import NamedTuple

_CODE = re.compile(r"^[a-z0-9_]+$")
# Score of one match: a terminal alert is the most precise sign, then an open alert of the
# line, then the category the client chose.
SCORE_TERMINAL_ALERT = 4
SCORE_RULE_TYPE = 3
SCORE_CATEGORY = 2


def parse_codes(text):
    """Names in a comma (or space / new line) separated text: stripped, lower case, unique,
    in their first order. ``None`` and empty parts give nothing."""
    codes = []
    for part in re.split(r"[,\s;]+", (text or "").lower()):
        if part and part not in codes:
            codes.append(part)
    return codes


def invalid_codes(codes):
    """The codes that are not made of lower-case letters, digits and underscores."""
    return [code for code in codes if not _CODE.match(code)]


def format_codes(codes):
    return ", ".join(codes)


class Situation(NamedTuple):
    terminal_alerts: frozenset = frozenset()
    rule_types: frozenset = frozenset()
    category_ids: frozenset = frozenset()


class Candidate(NamedTuple):
    """An article as the matcher sees it (``sequence`` orders ties)."""

    id: int
    sequence: int
    terminal_alerts: frozenset
    rule_types: frozenset
    category_ids: frozenset


def score(candidate, situation):
    """How well an article answers the situation (0: not at all), and why."""
    reasons = []
    total = 0
    for kind, weight, field in (
        ("terminal_alert", SCORE_TERMINAL_ALERT, "terminal_alerts"),
        ("rule_type", SCORE_RULE_TYPE, "rule_types"),
        ("category", SCORE_CATEGORY, "category_ids"),
    ):
        have, want = getattr(situation, field), getattr(candidate, field)
        matched = sorted(have & want, key=str)
        if matched:
            total += weight
            reasons.extend((kind, value) for value in matched)
    return total, reasons


def rank(candidates, situation, limit=5):
    """The ids of the best matching articles, best first, then by sequence and id."""
    scored = []
    for candidate in candidates:
        value, _reasons = score(candidate, situation)
        if value:
            scored.append((-value, candidate.sequence, candidate.id))
    scored.sort()
    return [article_id for _value, _sequence, article_id in scored[:limit]]
