"""A request's audit state (upstream ``pkg/audit/context.go``), and what other request stages tell it.

The audit filters keep an :class:`AuditContext` on the request: its audit ID, when it arrived, the
annotations other stages add and, once the policy says the request is audited, the :class:`Event` and
where it goes. Other stages call the module functions, which do nothing on a request that is not audited
(no context):

- the authorization filter: :func:`record_authorization` (``authorization.k8s.io/decision`` and ``reason``);
- anyone: :func:`add_annotation` (upstream ``audit.AddAuditAnnotation``).

This module imports nothing of the request chain, so :mod:`pinnace.apiserver.filters` can import it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from aiohttp.typedefs import Middleware

from pinnace.apiserver.audit.backend import Sink
from pinnace.apiserver.audit.event import Event
from pinnace.apiserver.audit.types import (
    DECISION_ALLOW,
    DECISION_ANNOTATION,
    DECISION_FORBID,
    REASON_ANNOTATION,
    Stage,
)
from pinnace.apiserver.user import UserInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """The two audit middlewares and where they go in the chain (upstream ``DefaultBuildHandlerChain``):
    ``init`` before authentication (audit ID, arrival time, failed authentications), ``audit`` right after
    it, so that it sees the authenticated user and, inside it, impersonation and authorization."""

    init: Middleware
    audit: Middleware


class AuditContext:
    """What the audit filters know about one request."""

    __slots__ = (
        "annotations",
        "audit_id",
        "authenticated",
        "clock",
        "event",
        "long_running",
        "omit_stages",
        "received",
        "response_started",
        "sink",
    )

    def __init__(self, audit_id: str, received: datetime, clock: Callable[[], datetime]) -> None:
        self.audit_id = audit_id
        self.received = received
        self.clock = clock
        self.annotations: dict[str, str] = {}
        self.event: Event | None = None  # None: not audited (yet)
        self.authenticated: UserInfo | None = None  # who authenticated, before any impersonation
        self.sink: Sink | None = None
        self.omit_stages: frozenset[Stage] = frozenset()
        self.long_running = False
        self.response_started = False

    def start(
        self,
        event: Event,
        sink: Sink,
        omit_stages: frozenset[Stage],
        *,
        long_running: bool,
        authenticated: UserInfo | None,
    ) -> None:
        event.annotations = self.annotations  # annotations added from now on land in the event
        self.event = event
        self.authenticated = authenticated
        self.sink = sink
        self.omit_stages = omit_stages
        self.long_running = long_running

    def process_stage(self, stage: Stage) -> bool:
        """Write the event at ``stage`` unless the policy omits it; False if the sink refused it."""
        event, sink = self.event, self.sink
        if event is None or sink is None or stage in self.omit_stages:
            return True
        moment = event.request_received if stage is Stage.REQUEST_RECEIVED else self.clock()
        return sink.process(event.encode(stage, moment))


AUDIT_KEY = web.RequestKey("pinnace.audit", AuditContext)


def add_annotation(request: web.BaseRequest, key: str, value: str) -> None:
    """Record an audit annotation; a key keeps its first value (upstream logs and ignores a change)."""
    context = request.get(AUDIT_KEY)
    if context is None:
        return
    current = context.annotations.get(key)
    if current is None:
        context.annotations[key] = value
    elif current != value:
        log.warning(
            "Failed to set annotations[%r] to %r for audit:%r, it has already been set to %r",
            key,
            value,
            context.audit_id,
            current,
        )


def record_authorization(request: web.BaseRequest, allowed: bool, reason: str) -> None:
    """The authorization filter's decision, as upstream's ``WithAuthorization`` annotates it."""
    add_annotation(request, DECISION_ANNOTATION, DECISION_ALLOW if allowed else DECISION_FORBID)
    add_annotation(request, REASON_ANNOTATION, reason)
