"""The request chain: aiohttp middlewares in kube-apiserver's filter order (``DefaultBuildHandlerChain``).

    request -> status_middleware -> [audit init] -> authentication -> [audit] -> impersonation
            -> authorization -> [admission, ...] -> handler

Each stage is a small factory taking its pluggable part (an Authenticator, an Authorizer) and returning a
middleware, so the chain is assembled from data in :func:`build_handler_chain`. Stages report failures by
raising :class:`~pinnace.apiserver.status.StatusError`; only :func:`status_middleware` writes error
responses, and it also turns aiohttp's own routing errors and unexpected exceptions into a ``Status``, so
that no aiohttp exception or plain-text error body reaches a client.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from pinnace.apiserver import requestcontext
from pinnace.apiserver.audit.context import AuditFilters, record_authorization
from pinnace.apiserver.authn import AuthenticationFailed, Authenticator
from pinnace.apiserver.authz import Attributes, Authorizer, Decision, forbidden_error
from pinnace.apiserver.impersonation import impersonate
from pinnace.apiserver.requestinfo import parse_request_info
from pinnace.apiserver.status import (
    MethodNotAllowed,
    StatusError,
    internal_error,
    path_not_found,
    request_entity_too_large,
    unauthorized,
)
from pinnace.apiserver.user import UserInfo

log = logging.getLogger(__name__)

# The authenticated user of a request, set by the authentication stage.
USER_KEY = web.RequestKey("pinnace.user", UserInfo)


def build_handler_chain(
    authenticator: Authenticator, authorizer: Authorizer, audit: AuditFilters | None = None
) -> list[Middleware]:
    """The middlewares of an API server application, outermost first.

    With ``audit``, its init stage goes before authentication and the audit stage right after it, where
    upstream's ``DefaultBuildHandlerChain`` puts ``WithAudit``: it sees the authenticated user, and the
    impersonation and authorization stages inside it.
    """
    chain: list[Middleware] = [status_middleware]
    if audit is not None:
        chain.append(audit.init)
    chain.append(authentication_filter(authenticator))
    if audit is not None:
        chain.append(audit.audit)
    chain += [impersonation_filter(authorizer), authorization_filter(authorizer)]
    return chain


def error_response(error: StatusError) -> web.Response:
    """A ``Status`` response for ``error`` (kube-apiserver's ``responsewriters.ErrorNegotiated``)."""
    response = web.Response(body=error.to_json(), status=error.code, content_type="application/json")
    if error.retry_after_seconds:
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


@web.middleware
async def status_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except StatusError as err:
        return error_response(err)
    except web.HTTPNotFound:
        # aiohttp's router found no handler: answer like kube-apiserver's notfoundhandler.
        return error_response(path_not_found())
    except web.HTTPMethodNotAllowed as err:
        message = f"the server does not allow this method on the requested resource ({err.method})"
        return error_response(MethodNotAllowed(message))
    except web.HTTPRequestEntityTooLarge as err:
        return error_response(request_entity_too_large(err.text or "request body too large"))
    except web.HTTPException:
        raise  # redirects and the like are deliberate responses
    except Exception as err:
        # Upstream recovers handler panics into a 500 Status; the traceback goes to the log only.
        log.exception("unhandled error method=%s path=%s", request.method, request.path)
        return error_response(internal_error(err))


def authentication_filter(authenticator: Authenticator) -> Middleware:
    """Sets ``request[USER_KEY]`` or answers 401 (upstream ``filters.WithAuthentication``)."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            user = await authenticator.authenticate(request)
        except AuthenticationFailed as err:
            log.info("authentication failed path=%s error=%s", request.path, err)
            user = None
        if user is None:
            # Upstream's wording, whatever the cause, so as not to help someone guessing credentials.
            raise unauthorized("Unauthorized")
        request[USER_KEY] = user
        return await handler(request)

    return authenticate


def impersonation_filter(authorizer: Authorizer) -> Middleware:
    """Acts as the impersonated user, if the request asks and may (upstream ``WithImpersonation``), and
    records the request's effective user for the storage layer (:mod:`~pinnace.apiserver.requestcontext`).
    """

    @web.middleware
    async def impersonation(request: web.Request, handler: Handler) -> web.StreamResponse:
        user = await impersonate(request, request[USER_KEY], authorizer)
        request[USER_KEY] = user
        requestcontext.set_user(user)
        return await handler(request)

    return impersonation


def authorization_filter(authorizer: Authorizer) -> Middleware:
    """Lets the request through or answers 403 (upstream ``filters.WithAuthorization``)."""

    @web.middleware
    async def authorize(request: web.Request, handler: Handler) -> web.StreamResponse:
        attributes = request_attributes(request, request[USER_KEY])
        decision, reason = await authorizer.authorize(attributes)
        record_authorization(request, decision is Decision.ALLOW, reason)
        if decision is not Decision.ALLOW:
            raise forbidden_error(attributes, reason)
        return await handler(request)

    return authorize


def request_attributes(request: web.BaseRequest, user: UserInfo) -> Attributes:
    """What the request asks, for authorization (upstream's RequestInfo -> authorizer.Attributes)."""
    info = parse_request_info(request.method, request.path, request.query)
    if not info.resource_request:
        return Attributes(user=user, verb=info.verb, path=request.path)
    return Attributes(
        user=user,
        verb=info.verb,
        path=request.path,
        resource_request=True,
        api_group=info.api_group,
        api_version=info.api_version,
        namespace=info.namespace,
        resource=info.resource,
        subresource=info.subresource,
        name=info.name,
        field_selector=request.query.get("fieldSelector", ""),
    )
