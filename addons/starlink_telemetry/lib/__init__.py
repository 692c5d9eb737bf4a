"""Pure-Python core of starlink_telemetry (no Odoo import).

``client`` talks to the Starlink Public API V2; ``telemetry`` decodes stream
answers; ``usage`` parses data usage; ``ratelimit`` keeps under the quota.
"""

from . import client, exceptions, ratelimit, telemetry, usage
from .client import StarlinkClient
from .exceptions import (
    StarlinkAuthError,
    StarlinkConnectionError,
    StarlinkError,
    StarlinkNotFoundError,
    StarlinkPermissionError,
    StarlinkProtocolError,
    StarlinkRateLimitError,
    StarlinkServerError,
    StarlinkTimeoutError,
    StarlinkValidationError,
)
from .telemetry import decode_stream
from .usage import parse_data_usage

__all__ = [
    "StarlinkAuthError",
    "StarlinkClient",
    "StarlinkConnectionError",
    "StarlinkError",
    "StarlinkNotFoundError",
    "StarlinkPermissionError",
    "StarlinkProtocolError",
    "StarlinkRateLimitError",
    "StarlinkServerError",
    "StarlinkTimeoutError",
    "StarlinkValidationError",
    "client",
    "decode_stream",
    "exceptions",
    "parse_data_usage",
    "ratelimit",
    "telemetry",
    "usage",
]
