"""Typed errors of the Starlink API client.

Messages name the operation, the HTTP status and the server's error messages;
they never contain credentials or tokens.
"""


class StarlinkError(Exception):
    """Base class of every error raised by the client.

    :ivar status: HTTP status code, when there was an answer
    :ivar path: API path of the failed call (no query string)
    :ivar errors: error messages from the response envelope
    :ivar possibly_applied: a write whose answer was lost (timeout, dropped
        connection, gateway timeout): Starlink may have applied it. Re-read the
        state before sending it again; never retry it blindly.
    """

    retryable = False

    def __init__(self, message, status=None, path=None, errors=None, possibly_applied=False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path
        self.errors = list(errors or [])
        self.possibly_applied = bool(possibly_applied)

    def __str__(self):
        return self.message


class StarlinkAuthError(StarlinkError):
    """Credentials rejected, or a token still refused after one refresh."""


class StarlinkPermissionError(StarlinkError):
    """403: the service account lacks the permission for this call."""


class StarlinkNotFoundError(StarlinkError):
    """404: unknown resource or retired endpoint."""


class StarlinkValidationError(StarlinkError):
    """400/422 or ``isValid=false``: the envelope's ``errors[]`` explain why."""


class StarlinkRateLimitError(StarlinkError):
    """429 still answered after the bounded backoff."""

    retryable = True


class StarlinkServerError(StarlinkError):
    """5xx still answered after the bounded backoff."""

    retryable = True


class StarlinkTimeoutError(StarlinkError):
    """The server did not answer within the timeout, after the retries.

    For a write (``possibly_applied``) there is no retry: the request may have
    been applied before the answer was lost.
    """

    retryable = True


class StarlinkConnectionError(StarlinkError):
    """The server could not be reached, after the retries."""

    retryable = True


class StarlinkProtocolError(StarlinkError):
    """The answer is not the JSON document the API promises."""
