"""The errors a :class:`~pinnace.client.interface.Client` raises: one typed hierarchy over the API's Status.

Every failure the API server reports arrives as a ``Status`` object; :func:`error_from_status` picks the class
the way apimachinery's ``pkg/api/errors`` predicates do (``IsNotFound``, ``IsConflict``...):
by ``reason`` first and, for a reason it does not know, by HTTP ``code``. A response that is not a Status
(a proxy's HTML page, a plain-text 500) gets the Status client-go would make of it
(``NewGenericServerResponse``), so callers only ever handle these classes. Transport failures are
:class:`ConnectionFailed`; no aiohttp, ssl or socket exception leaves :mod:`pinnace.client`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Status = dict[str, Any]


class ApiError(Exception):
    """A failed request. ``status`` is the Status body; ``code``, ``reason`` and ``message`` come from it."""

    def __init__(self, status: Mapping[str, Any]) -> None:
        self.status: Status = dict(status)
        super().__init__(self.message)

    @property
    def code(self) -> int:
        return int(self.status.get("code") or 0)

    @property
    def reason(self) -> str:
        return str(self.status.get("reason") or "")

    @property
    def message(self) -> str:
        return str(self.status.get("message") or "")

    @property
    def details(self) -> dict[str, Any]:
        details = self.status.get("details")
        return details if isinstance(details, dict) else {}

    @property
    def retry_after_seconds(self) -> int | None:
        """``details.retryAfterSeconds`` when the server suggests a delay (429, some 5xx)."""
        value = self.details.get("retryAfterSeconds")
        return int(value) if isinstance(value, int) and value > 0 else None

    def __str__(self) -> str:
        return self.message or f"{self.reason or 'error'} ({self.code})"


class BadRequest(ApiError):
    """400."""


class Unauthorized(ApiError):
    """401: the credentials were missing or rejected."""


class Forbidden(ApiError):
    """403: authenticated but not authorized (RBAC), or refused by admission."""


class NotFound(ApiError):
    """404 NotFound."""


class MethodNotAllowed(ApiError):
    """405: the resource does not support the verb."""


class Conflict(ApiError):
    """409 other than AlreadyExists: a stale ``resourceVersion`` or a failed precondition; re-read, retry."""


class AlreadyExists(Conflict):
    """409 AlreadyExists: a create of a name that is taken. (A Conflict too, as the code says.)"""


class Gone(ApiError):
    """410 Expired/Gone: a watch or continue token from a resourceVersion that was compacted. Re-list."""


class Invalid(ApiError):
    """422 Invalid: validation failed; ``details.causes`` lists the fields."""


class TooManyRequests(ApiError):
    """429: rate limited by the server, or an eviction a PodDisruptionBudget does not allow now."""


class ServerError(ApiError):
    """5xx: InternalError, ServiceUnavailable, Timeout/ServerTimeout."""


class ConnectionFailed(ApiError):
    """No HTTP answer: refused, reset, TLS failure, timed out, or a stream cut short.

    ``sent`` is False only when the request certainly never reached the server (connection refused), which is
    what makes retrying a write safe.
    """

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": message,
                "reason": "ConnectionFailed",
                "code": 0,
            }
        )
        self.sent = sent


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequest,
    "Unauthorized": Unauthorized,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "MethodNotAllowed": MethodNotAllowed,
    "AlreadyExists": AlreadyExists,
    "Conflict": Conflict,
    "Gone": Gone,
    "Expired": Gone,
    "Invalid": Invalid,
    "TooManyRequests": TooManyRequests,
    "InternalError": ServerError,
    "ServiceUnavailable": ServerError,
    "ServerTimeout": ServerError,
    "Timeout": ServerError,
}

_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
}


def error_from_status(status: Mapping[str, Any]) -> ApiError:
    """The error class for a failure Status: by ``reason``, else by ``code`` (apimachinery's predicates)."""
    cls = _BY_REASON.get(str(status.get("reason") or ""))
    if cls is None:
        code = int(status.get("code") or 0)
        cls = _BY_CODE.get(code) or (ServerError if code >= 500 else ApiError)
    return cls(status)


def status_error(code: int, reason: str, message: str, details: Mapping[str, Any] | None = None) -> ApiError:
    """An error as the server would report it; what :class:`~pinnace.client.fake.FakeClient` raises."""
    status: Status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        status["details"] = dict(details)
    return error_from_status(status)


# What client-go says when the body is not a Status (apimachinery errors.go NewGenericServerResponse).
_GENERIC: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", "the server does not allow access to the requested resource"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    406: ("NotAcceptable", "the server was unable to respond with a content type that the client supports"),
    409: ("Conflict", "the server reported a conflict"),
    410: ("Gone", "the server has asked for the client to discard the resource"),
    415: ("UnsupportedMediaType", "the server was unable to handle the media type"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "the server was unable to return a response in the time allotted, "
        "but may still be processing the request",
    ),
}


def generic_server_error(code: int, body: str, *, verb: str, resource: str = "", name: str = "") -> ApiError:
    """The Status client-go makes of a non-Status error response, e.g. ``the server could not find the
    requested resource (get pods p1)`` or ``an error on the server ("boom") has prevented the request from
    succeeding (get pods)``."""
    reason, message = _GENERIC.get(code, ("", ""))
    if not reason:
        if code >= 500:
            reason = "InternalError"
            message = (
                f'an error on the server ("{body.strip()[:256]}") has prevented the request from succeeding'
            )
        else:
            reason, message = (
                "Unknown",
                f"the server responded with the status code {code} but did not return more information",
            )
    if resource:
        message = f"{message} ({verb.lower()} {resource}{' ' + name if name else ''})"
    details: dict[str, Any] = {
        "causes": [{"reason": "UnexpectedServerResponse", "message": body.strip()[:256]}]
    }
    if name:
        details["name"] = name
    return status_error(code, reason, message, details)
