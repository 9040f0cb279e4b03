"""The review APIs: ask the authorizer, store nothing (upstream ``pkg/registry/authorization/*`` and
``pkg/registry/authentication/selfsubjectreview``).

====================================================  ==============================================
POST .../authorization.k8s.io/v1/subjectaccessreviews  may user/groups in ``spec`` do this?
POST .../selfsubjectaccessreviews                      may I do this? (``kubectl auth can-i``)
POST .../namespaces/<ns>/localsubjectaccessreviews     SubjectAccessReview confined to one namespace
POST .../selfsubjectrulesreviews                       what may I do in ``spec.namespace``? (``--list``)
POST /apis/authentication.k8s.io/v1/selfsubjectreviews who am I? (``kubectl auth whoami``)
====================================================  ==============================================

Each answers 201 with the request echoed and ``status`` filled in, like any create. Creating a review is
itself authorized first, as any request (``system:basic-user`` grants the self reviews to everyone
authenticated). ``kubectl auth can-i`` sends protobuf bodies; :func:`read_body` decodes every encoding.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pinnace.api.validation import field
from pinnace.apiserver import status
from pinnace.apiserver.authz import Attributes, Decision, UnionAuthorizer
from pinnace.apiserver.filters import USER_KEY
from pinnace.apiserver.handlers.negotiation import json_response, read_body
from pinnace.apiserver.rbac.index import aggregate_message
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]

AUTHORIZATION = "authorization.k8s.io"
AUTHENTICATION = "authentication.k8s.io"
AUTHORIZER_KEY = web.AppKey("pinnace.authorizer", UnionAuthorizer)


def install(app: web.Application, authorizer: UnionAuthorizer) -> None:
    app[AUTHORIZER_KEY] = authorizer
    base = f"/apis/{AUTHORIZATION}/v1"
    app.router.add_post(f"{base}/subjectaccessreviews", subject_access_review)
    app.router.add_post(f"{base}/selfsubjectaccessreviews", self_subject_access_review)
    app.router.add_post(
        f"{base}/namespaces/{{namespace}}/localsubjectaccessreviews", local_subject_access_review
    )
    app.router.add_post(f"{base}/selfsubjectrulesreviews", self_subject_rules_review)
    app.router.add_post(f"/apis/{AUTHENTICATION}/v1/selfsubjectreviews", self_subject_review)


# --- decoding and validation ---------------------------------------------------------------------


async def _review(request: web.Request, group: str, kind: str) -> Object:
    body, _raw, _media = await read_body(request)
    api_version, body_kind = body.get("apiVersion"), body.get("kind")
    if api_version and api_version != f"{group}/v1":
        raise status.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({group}/v1)"
        )
    if body_kind and body_kind != kind:
        raise status.bad_request(
            f"the kind in the data ({body_kind}) does not match the expected kind ({kind})"
        )
    return body


def _metadata_empty(metadata: Any, *, except_namespace: bool = False) -> bool:
    if not isinstance(metadata, dict):
        return not metadata
    rest = {key: value for key, value in metadata.items() if value not in (None, "", [], {})}
    rest.pop("managedFields", None)
    if except_namespace:
        rest.pop("namespace", None)
    return not rest


def _spec_errors(spec: Object, path: field.Path, *, subject: bool) -> list[field.FieldError]:
    """``ValidateSubjectAccessReviewSpec`` / ``ValidateSelfSubjectAccessReviewSpec``."""
    errors: list[field.FieldError] = []
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource is not None and non_resource is not None:
        errors.append(
            field.invalid(
                path.child("nonResourceAttributes"),
                non_resource,
                "cannot be specified in combination with resourceAttributes",
            )
        )
    if resource is None and non_resource is None:
        errors.append(
            field.invalid(
                path.child("resourceAttributes"),
                None,
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )
        )
    if subject and not spec.get("user") and not spec.get("groups"):
        errors.append(
            field.invalid(
                path.child("user"), spec.get("user", ""), "at least one of user or group must be specified"
            )
        )
    return errors


def _raise_invalid(kind: str, group: str, errors: list[field.FieldError]) -> None:
    if errors:
        causes = [status.StatusCause(error.type.value, error.body(), error.field) for error in errors]
        raise status.invalid(kind, "", causes, group=group)


def _spec(body: Object) -> Object:
    spec = body.get("spec")
    return spec if isinstance(spec, dict) else {}


def _attributes(user: UserInfo, spec: Object) -> Attributes:
    """``AuthorizationAttributesFrom``: the spec's resource or non-resource attributes, asked as ``user``."""
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict):
        return Attributes(
            user=user,
            verb=str(resource.get("verb", "")),
            path="",
            resource_request=True,
            api_group=str(resource.get("group", "")),
            api_version=str(resource.get("version", "")) or "*",
            namespace=str(resource.get("namespace", "")),
            resource=str(resource.get("resource", "")),
            subresource=str(resource.get("subresource", "")),
            name=str(resource.get("name", "")),
        )
    non_resource = spec.get("nonResourceAttributes") or {}
    return Attributes(
        user=user, verb=str(non_resource.get("verb", "")), path=str(non_resource.get("path", ""))
    )


def _spec_user(spec: Object) -> UserInfo:
    extra = spec.get("extra") or {}
    return UserInfo(
        name=str(spec.get("user", "")),
        uid=str(spec.get("uid", "")),
        groups=tuple(str(group) for group in spec.get("groups") or ()),
        extra=tuple((str(key), tuple(str(v) for v in values or ())) for key, values in extra.items()),
    )


# --- responses -----------------------------------------------------------------------------------


def _respond(group: str, kind: str, body: Object, review_status: Object) -> web.Response:
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    answer: Object = {
        "kind": kind,
        "apiVersion": f"{group}/v1",
        # Kubernetes 1.32 writes the zero creation time of an object that was never stored as null.
        "metadata": {**(metadata or {}), "creationTimestamp": None},
    }
    if "spec" in body:
        answer["spec"] = body["spec"]
    answer["status"] = review_status
    return json_response(answer, code=201)


async def _decide(request: web.Request, attributes: Attributes) -> Object:
    decision, reason = await request.app[AUTHORIZER_KEY].authorize(attributes)
    review_status: Object = {"allowed": decision is Decision.ALLOW}
    if decision is Decision.DENY:
        review_status["denied"] = True
    if reason:
        review_status["reason"] = reason
    return review_status


# --- handlers ------------------------------------------------------------------------------------


async def subject_access_review(request: web.Request) -> web.Response:
    kind = "SubjectAccessReview"
    body = await _review(request, AUTHORIZATION, kind)
    spec = _spec(body)
    errors = _spec_errors(spec, field.Path.root("spec"), subject=True)
    if not _metadata_empty(body.get("metadata")):
        errors.append(field.invalid(field.Path.root("metadata"), body.get("metadata"), "must be empty"))
    _raise_invalid(kind, AUTHORIZATION, errors)
    return _respond(AUTHORIZATION, kind, body, await _decide(request, _attributes(_spec_user(spec), spec)))


async def local_subject_access_review(request: web.Request) -> web.Response:
    kind = "LocalSubjectAccessReview"
    namespace = request.match_info["namespace"]
    body = await _review(request, AUTHORIZATION, kind)
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        metadata = body["metadata"] = {}
    if metadata.get("namespace") and metadata["namespace"] != namespace:
        raise status.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    metadata["namespace"] = namespace
    spec = _spec(body)
    errors = _spec_errors(spec, field.Path.root("spec"), subject=True)
    if not _metadata_empty(metadata, except_namespace=True):
        errors.append(
            field.invalid(field.Path.root("metadata"), metadata, "must be empty except for namespace")
        )
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict) and resource.get("namespace", "") != namespace:
        errors.append(
            field.invalid(
                field.Path.root("spec.resourceAttributes.namespace"),
                resource.get("namespace", ""),
                "must match metadata.namespace",
            )
        )
    if spec.get("nonResourceAttributes") is not None:
        errors.append(
            field.invalid(
                field.Path.root("spec.nonResourceAttributes"),
                spec["nonResourceAttributes"],
                "disallowed on this kind of request",
            )
        )
    _raise_invalid(kind, AUTHORIZATION, errors)
    return _respond(AUTHORIZATION, kind, body, await _decide(request, _attributes(_spec_user(spec), spec)))


async def self_subject_access_review(request: web.Request) -> web.Response:
    kind = "SelfSubjectAccessReview"
    body = await _review(request, AUTHORIZATION, kind)
    spec = _spec(body)
    _raise_invalid(kind, AUTHORIZATION, _spec_errors(spec, field.Path.root("spec"), subject=False))
    return _respond(AUTHORIZATION, kind, body, await _decide(request, _attributes(request[USER_KEY], spec)))


async def self_subject_rules_review(request: web.Request) -> web.Response:
    kind = "SelfSubjectRulesReview"
    body = await _review(request, AUTHORIZATION, kind)
    namespace = str(_spec(body).get("namespace", ""))
    if not namespace:
        raise status.bad_request("no namespace on request")
    rules = await request.app[AUTHORIZER_KEY].rules_for(request[USER_KEY], namespace)
    review_status: Object = {
        "resourceRules": list(rules.resource_rules),
        "nonResourceRules": list(rules.non_resource_rules),
        "incomplete": rules.incomplete,
    }
    if rules.errors:
        review_status["evaluationError"] = aggregate_message(list(rules.errors))
    return _respond(AUTHORIZATION, kind, body, review_status)


async def self_subject_review(request: web.Request) -> web.Response:
    kind = "SelfSubjectReview"
    body = await _review(request, AUTHENTICATION, kind)
    user: UserInfo = request[USER_KEY]
    user_info: Object = {"username": user.name}
    if user.uid:
        user_info["uid"] = user.uid
    if user.groups:
        user_info["groups"] = list(user.groups)
    if user.extra:
        user_info["extra"] = {key: list(values) for key, values in user.extra}
    body.pop("spec", None)
    return _respond(AUTHENTICATION, kind, body, {"userInfo": user_info})
