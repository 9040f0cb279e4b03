"""Builders for webhook configurations and a fake webhook transport (no sockets, no sleeping)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import orjson

from pinnace.apiserver.admission.webhook.client import CallError, Response, Target
from pinnace.apiserver.admission.webhook.source import MUTATING_CONFIGURATIONS, VALIDATING_CONFIGURATIONS
from tests.unit.admission_fakes import FakeObjects

Object = dict[str, Any]

Answer = Callable[[Object], "Object | Response | Exception"]


def allow(review: Object) -> Object:
    return respond(review, allowed=True)


def respond(review: Object, *, allowed: bool, **extra: Any) -> Object:
    response: Object = {"uid": review["request"]["uid"], "allowed": allowed, **extra}
    return {"apiVersion": review["apiVersion"], "kind": "AdmissionReview", "response": response}


def patch_response(review: Object, operations: list[Object]) -> Object:
    return respond(
        review,
        allowed=True,
        patchType="JSONPatch",
        patch=base64.b64encode(orjson.dumps(operations)).decode(),
    )


class FakeTransport:
    """Answers each POST with ``answers[url](review)``; records what was sent."""

    def __init__(self, **answers: Answer) -> None:
        self.answers: dict[str, Answer] = {f"https://hooks.test/{path}": fn for path, fn in answers.items()}
        self.calls: list[tuple[Target, Object]] = []

    def paths(self) -> list[str]:
        return [target.url.split("?")[0].rsplit("/", 1)[1] for target, _ in self.calls]

    async def post(self, target: Target, body: bytes) -> Response:
        review = orjson.loads(body)
        self.calls.append((target, review))
        answer = self.answers.get(target.url.split("?")[0])
        if answer is None:
            raise CallError("dial tcp 10.0.0.1:443: connect: connection refused")
        result = answer(review)
        if isinstance(result, Exception):
            raise result
        if isinstance(result, Response):
            return result
        return Response(200, orjson.dumps(result))


def webhook(
    name: str,
    path: str | None = None,
    *,
    rules: list[Object] | None = None,
    failure_policy: str = "Fail",
    side_effects: str = "None",
    versions: tuple[str, ...] = ("v1",),
    **extra: Any,
) -> Object:
    hook: Object = {
        "name": name,
        "clientConfig": {"url": f"https://hooks.test/{path or name}"},
        "rules": rules
        if rules is not None
        else [
            {
                "operations": ["CREATE"],
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "resources": ["pods"],
                "scope": "*",
            }
        ],
        "failurePolicy": failure_policy,
        "matchPolicy": "Equivalent",
        "namespaceSelector": {},
        "objectSelector": {},
        "sideEffects": side_effects,
        "timeoutSeconds": 10,
        "admissionReviewVersions": list(versions),
    }
    hook.update(extra)
    return hook


def add_configuration(objects: FakeObjects, name: str, *webhooks: Object, mutating: bool = False) -> Object:
    kind = "MutatingWebhookConfiguration" if mutating else "ValidatingWebhookConfiguration"
    resource = MUTATING_CONFIGURATIONS if mutating else VALIDATING_CONFIGURATIONS
    configuration: Object = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "webhooks": list(webhooks),
    }
    return objects.put(resource, configuration)
