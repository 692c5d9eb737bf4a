"""Operational status of the Starlink synchronisation (no odoo import).

Shared by the token-protected status of uptime monitors (``/starlink/status``) and the staff
banner of the backend: one verdict per stream of an account, one for the whole installation.

* a stream whose last run failed is ``error``; once it has been failing for ``threshold``
  (since its last success, or since it was first run when it never succeeded) it is
  ``failing``: what monitors page on and staff see in the banner;
* ``warning`` is a run that stored its data but counted bad records;
* the installation is ``failing`` when a stream is, ``degraded`` when a stream is in error or
  warning or a scheduled action is late, ``ok`` otherwise.
"""

from datetime import timedelta

VERDICT_ORDER = ("ok", "warning", "error", "failing")


def failing_seconds(state, last_success, first_run, now):
    """How long a stream has been failing, in seconds (0 when its last run succeeded)."""
    if state != "error":
        return 0
    since = last_success or first_run or now
    return max(int((now - since).total_seconds()), 0)


def stream_verdict(state, failing_s, threshold_s):
    """``ok``, ``warning``, ``error`` (failed lately) or ``failing`` (past the threshold)."""
    if state == "error":
        return "failing" if failing_s >= threshold_s else "error"
    if state == "warning":
        return "warning"
    return "ok"


def overall_status(verdicts, late_crons=0):
    """The installation's status from its streams' verdicts and its late scheduled actions."""
    verdicts = set(verdicts)
    if "failing" in verdicts:
        return "failing"
    if verdicts & {"error", "warning"} or late_crons:
        return "degraded"
    return "ok"


def lag_seconds(latest, now):
    """Seconds since ``latest`` (None when there is none)."""
    if not latest:
        return None
    return max(int((now - latest).total_seconds()), 0)


def late_seconds(nextcall, now, grace_s):
    """How late a scheduled action is past its grace time (0 when on time)."""
    late = (now - nextcall) - timedelta(seconds=grace_s)
    return max(int(late.total_seconds()), 0)


# The texts of a duration by its shape, with named placeholders; the staff banner passes
# them translated (models/starlink_ops_status.py).
DURATION_FORMATS = {
    "minutes": "%(minutes)s min",
    "hours": "%(hours)s h",
    "hours_minutes": "%(hours)s h %(minutes)s min",
    "days": "%(days)s d",
    "days_hours": "%(days)s d %(hours)s h",
}


def duration_parts(seconds):
    """``(shape, values)`` of a duration for people: minutes below an hour, hours and
    minutes below a day, then days and hours; ``shape`` is a key of ``DURATION_FORMATS``."""
    minutes = max(int(seconds), 0) // 60
    if minutes < 60:
        return "minutes", {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return ("hours_minutes" if minutes else "hours"), {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return ("days_hours" if hours else "days"), {"days": days, "hours": hours}


def format_duration(seconds, formats=None):
    """A short duration for people: ``45 min``, ``3 h 20 min``, ``2 d 4 h``; ``formats``
    (default ``DURATION_FORMATS``) gives the texts, e.g. translated."""
    shape, values = duration_parts(seconds)
    return (formats or DURATION_FORMATS)[shape] % values
