"""A shorter interpreter switch interval while two threads share some work.

CPython hands the interpreter to a waiting thread only after ``sys.getswitchinterval()``
(5 ms) of another thread's Python code. When one thread decodes while a second one mostly waits
on PostgreSQL, each time the second one's answer arrives it resumes up to 5 ms late, and the
server idles meanwhile. The interval is process-wide: nested and concurrent uses share it, the
first one in sets it and the last one out restores it.
"""

import sys
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"users": 0, "previous": None}


@contextmanager
def short_switch_interval(seconds=0.0005):
    """Within the block, threads take turns at most ``seconds`` apart (never longer than the
    interval already set)."""
    with _lock:
        if not _state["users"]:
            _state["previous"] = sys.getswitchinterval()
            sys.setswitchinterval(min(seconds, _state["previous"]))
        _state["users"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["users"] -= 1
            if not _state["users"]:
                sys.setswitchinterval(_state["previous"])
