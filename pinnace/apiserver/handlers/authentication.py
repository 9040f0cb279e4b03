"""The authentication endpoints that store nothing.

===================================================================  =====================================
POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token            TokenRequest (``kubectl create token``)
POST /apis/authentication.k8s.io/v1/tokenreviews                     TokenReview: who is this token?
GET  /.well-known/openid-configuration, /openid/v1/jwks              the service account issuer's OIDC
                                                                     discovery documents
===================================================================  =====================================

Each request has been authenticated and authorized like any other before it gets here (``create`` on
``serviceaccounts/token`` and ``tokenreviews``; ``get`` on the discovery paths, which RBAC grants to
service accounts through ``system:service-account-issuer-discovery``). The routes are more specific than
the resource handlers' catch-all, so they are added before it. SelfSubjectReview (``kubectl auth whoami``)
lives with the other reviews in :mod:`.reviews`.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from pinnace.api.defaults.authentication import default_token_request
from pinnace.api.gvk import GroupVersionKind
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.authn import AuthenticationChain, AuthenticationFailed
from pinnace.apiserver.handlers.negotiation import json_response, read_body
from pinnace.apiserver.handlers.resources import STORES_KEY
from pinnace.apiserver.rest import admit
from pinnace.apiserver.serviceaccount.issuer import ServiceAccountIssuer
from pinnace.apiserver.serviceaccount.metadata import JWKS_PATH, MAX_AGE_SECONDS, OPENID_CONFIG_PATH
from pinnace.apiserver.user import UserInfo
from pinnace.apiserver.warning_headers import add_warning

Object = dict[str, Any]

GROUP = "authentication.k8s.io"
ISSUER_KEY = web.AppKey("pinnace.serviceaccount-issuer", ServiceAccountIssuer)
AUTHENTICATOR_KEY = web.AppKey("pinnace.token-review-authenticator", AuthenticationChain)
CACHE_CONTROL = f"public, max-age={MAX_AGE_SECONDS}"
TOKEN_REQUEST_KIND = GroupVersionKind(GROUP, "v1", "TokenRequest")


def install(
    app: web.Application, authenticator: AuthenticationChain, issuer: ServiceAccountIssuer | None
) -> None:
    app[AUTHENTICATOR_KEY] = authenticator
    app.router.add_post(f"/apis/{GROUP}/v1/tokenreviews", token_review)
    if issuer is None:
        return
    app[ISSUER_KEY] = issuer
    app.router.add_post("/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", token_request)
    app.router.add_get(OPENID_CONFIG_PATH, openid_configuration)
    app.router.add_get(JWKS_PATH, openid_keys)


async def _typed_body(request: web.Request, kind: str) -> Object:
    body, _raw, _media = await read_body(request)
    api_version, body_kind = body.get("apiVersion") or f"{GROUP}/v1", body.get("kind") or kind
    if api_version != f"{GROUP}/v1" or body_kind != kind:
        version = api_version.rsplit("/", 1)[-1]
        raise status.bad_request(f'{body_kind} in version "{version}" cannot be handled as a {kind}')
    return body


async def token_request(request: web.Request) -> web.Response:
    body = await _typed_body(request, "TokenRequest")
    default_token_request(body)
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    body = await _admit_token_request(request, namespace, name, body)
    result = await request.app[ISSUER_KEY].token_rest.create(namespace, name, body)
    for warning in result.warnings:
        add_warning(request, warning)
    return json_response(result.token_request, code=201)


async def _admit_token_request(request: web.Request, namespace: str, name: str, body: Object) -> Object:
    """Admission of ``serviceaccounts/token`` with the TokenRequest (NodeRestriction, webhooks)."""
    stores = request.app.get(STORES_KEY)
    accounts = stores.get("", "v1", "serviceaccounts") if stores is not None else None
    if accounts is None:
        return body
    return await admit.admit_subresource(
        accounts.hooks.admission,
        accounts.info,
        "token",
        TOKEN_REQUEST_KIND,
        Operation.CREATE,
        namespace,
        name,
        body,
    )


async def token_review(request: web.Request) -> web.Response:
    """Upstream's ``tokenreview.REST.Create``: the token alone goes through the token authenticators."""
    body = await _typed_body(request, "TokenReview")
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    token = spec.get("token")
    if not isinstance(token, str) or not token:
        raise status.bad_request("token is required for TokenReview in authentication")
    authenticator = request.app[AUTHENTICATOR_KEY]
    audiences = tuple(str(aud) for aud in spec.get("audiences") or ()) or authenticator.api_audiences
    review_status: Object = {"user": {}}
    try:
        response = await authenticator.authenticate_token(token, audiences)
    except AuthenticationFailed as err:
        review_status["error"] = str(err)
        response = None
    if response is not None:
        if audiences and not set(audiences) & set(response.audiences):
            # An authenticator that answered for audiences nobody asked about is a bug, not a user.
            raise status.internal_error("error validating audiences")
        review_status["authenticated"] = True
        review_status["user"] = user_info(response.user)
        if response.audiences:
            review_status["audiences"] = list(response.audiences)
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    answer: Object = {
        "kind": "TokenReview",
        "apiVersion": f"{GROUP}/v1",
        # Never stored: the zero creation time, which Kubernetes 1.32 writes as null.
        "metadata": {**(metadata or {}), "creationTimestamp": None},
        "spec": spec,
        "status": review_status,
    }
    return json_response(answer, code=201)


def user_info(user: UserInfo) -> Object:
    """An ``authentication.k8s.io/v1`` UserInfo, with Go's omitempty."""
    info: Object = {"username": user.name}
    if user.uid:
        info["uid"] = user.uid
    if user.groups:
        info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {key: list(values) for key, values in user.extra}
    return info


async def openid_configuration(request: web.Request) -> web.Response:
    documents = _documents(request)
    return web.Response(
        body=orjson.dumps(documents[0]),
        content_type="application/json",
        headers={"Cache-Control": CACHE_CONTROL},
    )


async def openid_keys(request: web.Request) -> web.Response:
    documents = _documents(request)
    # RFC 7517 §8.5.1's media type, as upstream serves it.
    return web.Response(
        body=orjson.dumps(documents[1]),
        content_type="application/jwk-set+json",
        headers={"Cache-Control": CACHE_CONTROL},
    )


def _documents(request: web.Request) -> tuple[Object, Object]:
    documents = request.app[ISSUER_KEY].discovery_documents()
    if documents is None:
        raise status.path_not_found()
    return documents
