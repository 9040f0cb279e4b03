"""The API's one error vocabulary: ``StatusError`` and its subclasses, rendered as a ``v1.Status``.

Any part of the API server (request filters, handlers, storage translation, admission) raises one of these;
a single middleware (``filters.status_middleware``) turns it into the JSON body clients expect::

    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
     "message":"pods \\"web-1\\" not found","reason":"NotFound",
     "details":{"name":"web-1","kind":"pods"},"code":404}

There is one subclass per ``metav1.StatusReason``, so callers can ``except NotFound``. The factory functions
mirror apimachinery's ``k8s.io/apimachinery/pkg/api/errors`` constructors (``NewNotFound`` is
:func:`not_found`, ...) and reproduce their messages word for word, because kubectl prints them verbatim
(``Error from server (NotFound): pods "web-1" not found``). This module does not depend on aiohttp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

from pinnace.api.gofmt import go_quote


@dataclass(frozen=True, slots=True)
class StatusCause:
    """One ``details.causes[]`` entry; ``type`` is serialized as ``reason`` (e.g. ``FieldValueRequired``)."""

    type: str = ""
    message: str = ""
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"reason": self.type, "message": self.message, "field": self.field}
        return {key: value for key, value in out.items() if value}


@dataclass(frozen=True, slots=True)
class StatusDetails:
    """``Status.details``; for resource errors ``kind`` holds the plural resource, as upstream does."""

    name: str = ""
    group: str = ""
    kind: str = ""
    uid: str = ""
    causes: tuple[StatusCause, ...] = ()
    retry_after_seconds: int = 0

    def to_dict(self) -> dict[str, Any]:
        # Keys in upstream's field order, empty ones left out (they are `omitempty` in metav1.StatusDetails).
        out: dict[str, Any] = {"name": self.name, "group": self.group, "kind": self.kind, "uid": self.uid}
        out = {key: value for key, value in out.items() if value}
        if self.causes:
            out["causes"] = [cause.to_dict() for cause in self.causes]
        if self.retry_after_seconds:
            out["retryAfterSeconds"] = self.retry_after_seconds
        return out


class StatusError(Exception):
    """An error the API reports as a ``Status`` with HTTP status ``code`` and ``reason``.

    ``details`` is None when upstream sends no ``details`` key at all (e.g. 401), and an empty
    :class:`StatusDetails` when it sends ``"details":{}`` (e.g. 403 for a path).
    """

    code: ClassVar[int] = 500
    reason: ClassVar[str] = ""

    def __init__(self, message: str, *, details: StatusDetails | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_status(self) -> dict[str, Any]:
        """The ``v1.Status`` object, keys in the order kube-apiserver writes them."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            status["reason"] = self.reason
        if self.details is not None:
            status["details"] = self.details.to_dict()
        status["code"] = self.code
        return status

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_status())

    @property
    def retry_after_seconds(self) -> int:
        return self.details.retry_after_seconds if self.details else 0


class BadRequest(StatusError):
    code, reason = 400, "BadRequest"


class Unauthorized(StatusError):
    code, reason = 401, "Unauthorized"


class Forbidden(StatusError):
    code, reason = 403, "Forbidden"


class NotFound(StatusError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(StatusError):
    code, reason = 405, "MethodNotAllowed"


class NotAcceptable(StatusError):
    code, reason = 406, "NotAcceptable"


class AlreadyExists(StatusError):
    code, reason = 409, "AlreadyExists"


class Conflict(StatusError):
    code, reason = 409, "Conflict"


class Gone(StatusError):
    code, reason = 410, "Gone"


class Expired(StatusError):
    code, reason = 410, "Expired"


class RequestEntityTooLarge(StatusError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(StatusError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(StatusError):
    code, reason = 422, "Invalid"


class TooManyRequests(StatusError):
    code, reason = 429, "TooManyRequests"


class InternalError(StatusError):
    code, reason = 500, "InternalError"


class ServerTimeout(StatusError):
    # Upstream really answers a ServerTimeout with 500, not 504.
    code, reason = 500, "ServerTimeout"


class ServiceUnavailable(StatusError):
    code, reason = 503, "ServiceUnavailable"


class Timeout(StatusError):
    code, reason = 504, "Timeout"


# --- constructors with upstream's wording (k8s.io/apimachinery/pkg/api/errors/errors.go) --------------------


def qualified_resource(resource: str, group: str = "") -> str:
    """``schema.GroupResource.String()``: ``deployments.apps``, or ``pods`` for the core group."""
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, name: str, *, group: str = "") -> NotFound:
    message = f"{qualified_resource(resource, group)} {go_quote(name)} not found"
    return NotFound(message, details=StatusDetails(name=name, group=group, kind=resource))


def path_not_found() -> NotFound:
    """What kube-apiserver answers for a path no handler serves (``notfoundhandler``): no details key."""
    return NotFound("the server could not find the requested resource")


def already_exists(resource: str, name: str, *, group: str = "") -> AlreadyExists:
    message = f"{qualified_resource(resource, group)} {go_quote(name)} already exists"
    return AlreadyExists(message, details=StatusDetails(name=name, group=group, kind=resource))


def conflict(resource: str, name: str, reason: str, *, group: str = "") -> Conflict:
    """``Operation cannot be fulfilled on pods "web-1": <reason>`` (a stale resourceVersion, mostly)."""
    message = (
        f"Operation cannot be fulfilled on {qualified_resource(resource, group)} {go_quote(name)}: {reason}"
    )
    return Conflict(message, details=StatusDetails(name=name, group=group, kind=resource))


def unauthorized(message: str = "") -> Unauthorized:
    return Unauthorized(message or "not authorized")


def forbidden(reason: str, *, resource: str = "", name: str = "", group: str = "") -> Forbidden:
    """``forbidden: <reason>`` for paths, ``pods is forbidden: <reason>`` for resources."""
    if not resource and not group:
        message = f"forbidden: {reason}"
    elif not name:
        message = f"{qualified_resource(resource, group)} is forbidden: {reason}"
    else:
        message = f"{qualified_resource(resource, group)} {go_quote(name)} is forbidden: {reason}"
    return Forbidden(message, details=StatusDetails(name=name, group=group, kind=resource))


def invalid(kind: str, name: str, causes: Sequence[StatusCause], *, group: str = "") -> Invalid:
    """``Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be ...``.

    ``kind`` is the Kind (not the resource); each cause's ``message`` is the field error's body, as in
    ``field.Error.ErrorBody()``. Several causes are listed in brackets, like ``utilerrors.Aggregate``.
    """
    qualified_kind = f"{kind}.{group}" if group else kind
    message = f"{qualified_kind} {go_quote(name)} is invalid"
    parts = list(dict.fromkeys(f"{c.field}: {c.message}" if c.field else c.message for c in causes))
    if len(parts) == 1:
        message += f": {parts[0]}"
    elif parts:
        message += f": [{', '.join(parts)}]"
    details = StatusDetails(name=name, group=group, kind=kind, causes=tuple(causes))
    return Invalid(message, details=details)


def bad_request(message: str) -> BadRequest:
    return BadRequest(message)


def method_not_supported(resource: str, action: str, *, group: str = "") -> MethodNotAllowed:
    message = (
        f"{action} is not supported on resources of kind {go_quote(qualified_resource(resource, group))}"
    )
    return MethodNotAllowed(message, details=StatusDetails(group=group, kind=resource))


def gone(message: str) -> Gone:
    return Gone(message)


def resource_expired(message: str) -> Expired:
    """410 Expired, e.g. ``too old resource version: 5 (100)`` for a compacted watch start."""
    return Expired(message)


def request_entity_too_large(message: str) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(f"Request entity too large: {message}")


def too_many_requests(message: str, retry_after_seconds: int) -> TooManyRequests:
    return TooManyRequests(message, details=StatusDetails(retry_after_seconds=retry_after_seconds))


def internal_error(error: BaseException | str) -> InternalError:
    text = str(error)
    details = StatusDetails(causes=(StatusCause(message=text),))
    return InternalError(f"Internal error occurred: {text}", details=details)


def server_timeout(
    resource: str, operation: str, retry_after_seconds: int, *, group: str = ""
) -> ServerTimeout:
    message = (
        f"The {operation} operation against {qualified_resource(resource, group)} could not be completed "
        "at this time, please try again."
    )
    details = StatusDetails(
        name=operation, group=group, kind=resource, retry_after_seconds=retry_after_seconds
    )
    return ServerTimeout(message, details=details)


def service_unavailable(message: str) -> ServiceUnavailable:
    return ServiceUnavailable(message)


def timeout(message: str, retry_after_seconds: int) -> Timeout:
    return Timeout(f"Timeout: {message}", details=StatusDetails(retry_after_seconds=retry_after_seconds))
