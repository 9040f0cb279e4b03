"""The aiohttp application of the API server: the request chain plus the handlers installed so far.

Built from its parts (authenticator, authorizer, health registry) so that tests and other entry points can
swap any of them; :mod:`pinnace.apiserver.server` builds the real ones from the configuration.
"""

from __future__ import annotations

from aiohttp import web

from pinnace.api.deprecation import builtin_table
from pinnace.api.openapi import load_documents
from pinnace.apiserver import health, version, warning_headers
from pinnace.apiserver.audit import filter as audit_filter
from pinnace.apiserver.audit.context import AuditFilters
from pinnace.apiserver.authenticators import Authentication
from pinnace.apiserver.authn import Authenticator
from pinnace.apiserver.authz import UnionAuthorizer
from pinnace.apiserver.filters import build_handler_chain
from pinnace.apiserver.handlers import (
    authentication,
    discovery,
    eviction,
    openapi,
    resources,
    reviews,
    watch,
)
from pinnace.apiserver.rest.stores import ResourceStores

# kube-apiserver's limit on request bodies (``MaxRequestBodyBytes``, 3 MiB); the store caps values at less.
MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024


def create_app(
    *,
    authenticator: Authenticator,
    authorizer: UnionAuthorizer,
    health_checks: health.HealthRegistry,
    stores: ResourceStores | None = None,
    token_authentication: Authentication | None = None,
    audit: AuditFilters | None = None,
) -> web.Application:
    middlewares = build_handler_chain(authenticator, authorizer, audit)
    if stores is not None:
        current = (version.KUBERNETES_MAJOR, version.KUBERNETES_MINOR)
        middlewares.append(warning_headers.deprecation_filter(stores.registry, builtin_table(), current))
    app = web.Application(middlewares=middlewares, client_max_size=MAX_REQUEST_BODY_BYTES)
    warning_headers.install(app)
    audit_filter.install(app)
    version.add_routes(app)
    health.add_routes(app, health_checks)
    reviews.install(app, authorizer)
    if token_authentication is not None:
        authentication.install(app, token_authentication.chain, token_authentication.issuer)
    if stores is not None:
        app[discovery.REGISTRY_KEY] = stores.registry
        app[resources.STORES_KEY] = stores
        discovery.add_routes(app)
        openapi.add_routes(app, load_documents())
        resources.add_routes(app)
        watch.install(app)
        eviction.install(app, stores)
    return app
