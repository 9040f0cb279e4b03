"""The audit stages of the request chain (``endpoints/filters/audit_init.go``, ``audit.go``,
``authn_audit.go``).

    status -> audit init -> authentication -> audit -> impersonation -> authorization -> ... -> handler
              (ID, time,                      (policy, RequestReceived,
               failed authn)                   ResponseStarted, ResponseComplete | Panic)

- **init** gives every request its audit ID (the client's ``Audit-ID`` header, else a new UUID) and arrival
  time, and audits requests that fail authentication: upstream evaluates the policy for them with no user
  and writes one ``ResponseStarted`` event with the 401 ``Status``.
- **audit** evaluates the policy for the authenticated user and the request's
  :class:`~pinnace.apiserver.requestinfo.RequestInfo`; at level ``None`` it steps aside. Otherwise it writes
  ``RequestReceived`` (a refused write answers 500 "failed to store audit event", as upstream), then after
  the handler ``ResponseComplete`` (or ``Panic`` for an unexpected exception, which it re-raises). For
  long-running requests (watch; upstream's ``LongRunningFunc``) ``ResponseStarted`` is written when the
  response headers go out. Being inside authentication and outside impersonation and authorization, it
  records the authenticated user, the impersonated one and the authorization annotations.
- :func:`install` echoes the audit ID in the ``Audit-Id`` header of every response, audited or not (upstream
  always installs ``WithAuditInit``).

What the handlers log upstream (``LogRequestObject``, ``LogRequestPatch``, ``LogResponseObject``) is taken
here from the request body and the response once the handler returns: the object's metadata completes
``objectRef`` (name on create, uid and resourceVersion when the body carries them), the body is
``requestObject`` from level Request, the response ``responseObject`` at RequestResponse, and a ``Status``
response fills ``responseStatus``. Only requests that passed authorization get the request object, as only
those reach upstream's handlers.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import orjson
import yaml
from aiohttp import web
from aiohttp.typedefs import Handler

from pinnace.apiserver import status
from pinnace.apiserver.audit.backend import Sink
from pinnace.apiserver.audit.checker import PolicyRuleEvaluator, RequestAuditConfig
from pinnace.apiserver.audit.context import AUDIT_KEY, AuditContext, AuditFilters
from pinnace.apiserver.audit.event import (
    Event,
    ObjectReference,
    response_status,
    source_ips,
    truncate_user_agent,
    user_info,
)
from pinnace.apiserver.audit.rotation import utc_now
from pinnace.apiserver.audit.types import AUDIT_ID_HEADER, DECISION_ALLOW, DECISION_ANNOTATION, Level, Stage
from pinnace.apiserver.filters import USER_KEY
from pinnace.apiserver.handlers import negotiation
from pinnace.apiserver.requestinfo import RequestInfo, parse_request_info
from pinnace.apiserver.user import UserInfo

# kube-apiserver's LongRunningFunc (BasicLongRunningRequestCheck with its verbs and subresources).
LONG_RUNNING_VERBS: Final = frozenset({"watch", "proxy"})
LONG_RUNNING_SUBRESOURCES: Final = frozenset({"attach", "exec", "proxy", "log", "portforward"})
# Verbs whose request body is an object upstream's handlers log (delete bodies are DeleteOptions).
_OBJECT_VERBS: Final = frozenset({"create", "update", "delete", "deletecollection"})
_STATUS_KIND: Final = b'"Status"'
_CONNECTION_CLOSED_EARLY: Final = {"metadata": {}, "status": "Success", "message": "Connection closed early"}


def is_long_running(info: RequestInfo) -> bool:
    if info.verb in LONG_RUNNING_VERBS:
        return True
    if info.resource_request:
        return info.subresource in LONG_RUNNING_SUBRESOURCES
    return info.path.startswith("/debug/pprof/")


_ids = random.Random()  # seeded from os.urandom once
# RFC 4122 version 4: version nibble 4, variant bits 10 (what uuid.UUID(version=4) sets).
_V4_MASK: Final = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_V4_BITS: Final = (0x4000 << 64) | (0x8000 << 48)


def new_audit_id() -> str:
    """A random (version 4) UUID, as upstream's ``uuid.New()``. Not ``uuid.uuid4()``: its ``os.urandom``
    call releases the GIL, and with the store's and the audit writer's threads about, getting it back
    cost the event loop tens of microseconds per request. IDs must be unique, not secret."""
    text = f"{_ids.getrandbits(128) & _V4_MASK | _V4_BITS:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class Auditing:
    """A policy and a sink, and the middlewares that apply them."""

    def __init__(
        self,
        evaluator: PolicyRuleEvaluator,
        sink: Sink,
        *,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = new_audit_id,
    ) -> None:
        self.evaluator = evaluator
        self.sink = sink
        self._clock = clock
        self._new_id = new_id

    def filters(self) -> AuditFilters:
        return AuditFilters(init=self._init, audit=self._audit)

    # --- init: ID, arrival time, failed authentication -----------------------------------------------

    @web.middleware
    async def _init(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        audit_id = request.headers.get(AUDIT_ID_HEADER) or self._new_id()
        request[AUDIT_KEY] = AuditContext(audit_id, self._clock(), self._clock)
        try:
            return await handler(request)
        except status.Unauthorized as err:
            if USER_KEY not in request:  # authentication itself refused the request
                self._failed_authentication(request, err)
            raise

    def _failed_authentication(self, request: web.Request, err: status.StatusError) -> None:
        info = parse_request_info(request.method, request.path, request.query)
        config = self.evaluator.evaluate(None, info)
        if config.level is Level.NONE:
            return
        context = request[AUDIT_KEY]
        event = self._new_event(request, context, config, info, user=None)
        context.start(event, self.sink, config.omit_stages, long_running=False, authenticated=None)
        # Upstream sets the attempted methods as the message, then the 401 Status written replaces it.
        _log_status(event, config, err.to_status(), err.code)
        context.process_stage(Stage.RESPONSE_STARTED)

    # --- audit ---------------------------------------------------------------------------------------

    @web.middleware
    async def _audit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        user = request[USER_KEY]
        info = parse_request_info(request.method, request.path, request.query)
        config = self.evaluator.evaluate(user, info)
        if config.level is Level.NONE:
            return await handler(request)
        context = request[AUDIT_KEY]
        event = self._new_event(request, context, config, info, user=user)
        context.start(
            event, self.sink, config.omit_stages, long_running=is_long_running(info), authenticated=user
        )
        if not context.process_stage(Stage.REQUEST_RECEIVED):
            raise status.internal_error("failed to store audit event")
        try:
            response = await handler(request)
        except status.StatusError as err:
            await self._log_request_object(request, event, config, info)
            _log_status(event, config, err.to_status(), err.code)
            self._complete(request, context, user)
            raise
        except web.HTTPException as err:
            error = _http_exception_status(err)
            _log_status(event, config, error.to_status() if error else None, err.status)
            self._complete(request, context, user)
            raise
        except (asyncio.CancelledError, ConnectionError):
            # The client went away: the events still get written, with what is known.
            self._complete(request, context, user)
            raise
        except Exception as err:
            event.response_status = {
                "metadata": {},
                "status": "Failure",
                "message": f"APIServer panic'd: {err}",
                "reason": "InternalError",
                "code": 500,
            }
            _impersonation(request, event, user)
            context.process_stage(Stage.PANIC)
            raise
        await self._log_request_object(request, event, config, info)
        _log_response(event, config, response)
        self._complete(request, context, user)
        return response

    def _new_event(
        self,
        request: web.Request,
        context: AuditContext,
        config: RequestAuditConfig,
        info: RequestInfo,
        *,
        user: UserInfo | None,
    ) -> Event:
        object_ref = None
        if info.resource_request:
            object_ref = ObjectReference(
                resource=info.resource,
                namespace=info.namespace,
                name=info.name,
                api_group=info.api_group,
                api_version=info.api_version,
                subresource=info.subresource,
            )
        return Event(
            level=config.level,
            audit_id=context.audit_id,
            request_uri=request.raw_path,
            verb=info.verb,
            request_received=context.received,
            user=user_info(user) if user is not None else {},
            source_ips=source_ips(request.headers, request.remote),
            user_agent=truncate_user_agent(request.headers.get("User-Agent", "")),
            object_ref=object_ref,
        )

    def _complete(self, request: web.Request, context: AuditContext, user: UserInfo) -> None:
        event = context.event
        assert event is not None
        _impersonation(request, event, user)
        if event.response_status is None:
            # Nothing was sent (upstream fakes a success so that the event says so).
            event.response_status = {**_CONNECTION_CLOSED_EARLY, "code": 200}
        if context.long_running and not context.response_started:
            # An error answer (a forbidden watch) is about to be written: upstream's response writer
            # reports ResponseStarted as it writes the headers, before ResponseComplete.
            context.response_started = True
            context.process_stage(Stage.RESPONSE_STARTED)
        context.process_stage(Stage.RESPONSE_COMPLETE)

    async def _log_request_object(
        self, request: web.Request, event: Event, config: RequestAuditConfig, info: RequestInfo
    ) -> None:
        """Upstream's handlers log the decoded body once the request is authorized."""
        if event.object_ref is None or event.annotations.get(DECISION_ANNOTATION) != DECISION_ALLOW:
            return
        if info.verb == "patch":
            if not config.level.less(Level.REQUEST):
                event.request_object = await _patch_body(request)
            return
        if info.verb not in _OBJECT_VERBS or not request.body_exists:
            return
        try:
            obj, _, _ = await negotiation.read_body(request)
        except (status.StatusError, web.HTTPException, ConnectionError):
            return  # the handler refused the body too; upstream logs nothing then
        event.object_ref.complete_from(obj)
        if not config.level.less(Level.REQUEST):
            event.request_object = _without_managed_fields(obj) if config.omit_managed_fields else obj


async def _on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    context = request.get(AUDIT_KEY)
    if AUDIT_ID_HEADER not in response.headers:
        if context is not None:
            audit_id = context.audit_id
        else:
            audit_id = request.headers.get(AUDIT_ID_HEADER) or new_audit_id()
        response.headers[AUDIT_ID_HEADER] = audit_id
    if context is None or context.event is None or not context.long_running or context.response_started:
        return
    context.response_started = True
    context.event.response_status = response_status(None, response.status)
    if context.authenticated is not None:
        _impersonation(request, context.event, context.authenticated)
    context.process_stage(Stage.RESPONSE_STARTED)


def install(app: web.Application) -> None:
    """Echo the audit ID on every response of ``app`` and write ``ResponseStarted`` for long-running ones."""
    app.on_response_prepare.append(_on_response_prepare)


# --- what the response says ----------------------------------------------------------------------------


def _impersonation(request: web.Request, event: Event, authenticated: UserInfo) -> None:
    """The impersonation stage replaces the request's user; the event records whom it acts as."""
    current = request.get(USER_KEY)
    if current is not None and current is not authenticated:
        event.impersonated_user = user_info(current)


def _log_status(
    event: Event, config: RequestAuditConfig, status_object: dict[str, Any] | None, code: int
) -> None:
    event.response_status = response_status(status_object, code)
    if status_object is not None and config.level is Level.REQUEST_RESPONSE:
        event.response_object = status_object


def _log_response(event: Event, config: RequestAuditConfig, response: web.StreamResponse) -> None:
    body = response.body if isinstance(response, web.Response) else None
    if not isinstance(body, bytes) or response.content_type != negotiation.JSON:
        # Streamed (a watch) or not JSON: only the code, as upstream's response writer records it.
        if event.response_status is None:
            event.response_status = response_status(None, response.status)
        return
    parsed: Any = None
    status_object = None
    if _STATUS_KIND in body[:100]:  # cheap test first: most bodies are not a Status
        parsed = orjson.loads(body)
        if isinstance(parsed, dict) and parsed.get("kind") == "Status":
            status_object = parsed
    event.response_status = response_status(status_object, response.status)
    if config.level is not Level.REQUEST_RESPONSE or b'"kind"' not in body[:200]:
        return  # upstream logs objects its serializer writes; /version and OpenAPI documents are not those
    if config.omit_managed_fields or b"\n" in body:
        parsed = parsed if parsed is not None else orjson.loads(body)
        event.response_object = _without_managed_fields(parsed) if config.omit_managed_fields else parsed
    else:
        event.response_object = orjson.Fragment(body)  # already compact JSON: embedded as it is


def _http_exception_status(err: web.HTTPException) -> status.StatusError | None:
    """The Status the outer status middleware answers for aiohttp's routing errors."""
    if isinstance(err, web.HTTPNotFound):
        return status.path_not_found()
    if isinstance(err, web.HTTPMethodNotAllowed):
        return status.MethodNotAllowed(
            f"the server does not allow this method on the requested resource ({err.method})"
        )
    if isinstance(err, web.HTTPRequestEntityTooLarge):
        return status.request_entity_too_large(err.text or "request body too large")
    return None


async def _patch_body(request: web.Request) -> Any:
    """``LogRequestPatch``: the patch document as sent (apply's YAML as its JSON value)."""
    body = await request.read()
    try:
        if negotiation.content_type(request) == negotiation.APPLY_PATCH_YAML:
            return yaml.load(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return orjson.loads(body)
    except (orjson.JSONDecodeError, yaml.YAMLError):
        return None


def _without_managed_fields(obj: Any) -> Any:
    """A copy without ``metadata.managedFields`` in the object, list items or Table rows
    (upstream ``copyWithoutManagedFields``)."""
    if not isinstance(obj, dict):
        return obj
    out = {**obj}
    metadata = out.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        out["metadata"] = {key: value for key, value in metadata.items() if key != "managedFields"}
    items = out.get("items")
    if isinstance(items, list):
        out["items"] = [_without_managed_fields(item) for item in items]
    rows = out.get("rows")
    if out.get("kind") == "Table" and isinstance(rows, list):
        out["rows"] = [
            {**row, "object": _without_managed_fields(row["object"])}
            if isinstance(row, dict) and "object" in row
            else row
            for row in rows
        ]
    return out
