"""Error classification, resource paths and lookups, object keys."""

from __future__ import annotations

import pytest

from pinnace.client import resources as r
from pinnace.client.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    MethodNotAllowed,
    NotFound,
    ServerError,
    TooManyRequests,
    Unauthorized,
    error_from_status,
    generic_server_error,
)
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import Resource, for_kind, served


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        (404, "NotFound", NotFound),
        (409, "AlreadyExists", AlreadyExists),
        (409, "Conflict", Conflict),
        (410, "Expired", Gone),
        (410, "Gone", Gone),
        (422, "Invalid", Invalid),
        (429, "TooManyRequests", TooManyRequests),
        (403, "Forbidden", Forbidden),
        (401, "Unauthorized", Unauthorized),
        (400, "BadRequest", BadRequest),
        (405, "MethodNotAllowed", MethodNotAllowed),
        (500, "InternalError", ServerError),
        (504, "Timeout", ServerError),
        (404, "", NotFound),
        (503, "", ServerError),
        (418, "Teapot", ApiError),
    ],
    ids=lambda v: str(v) if not isinstance(v, type) else v.__name__,
)
def test_error_class_by_reason_then_code(code: int, reason: str, expected: type[ApiError]) -> None:
    error = error_from_status({"kind": "Status", "code": code, "reason": reason, "message": "m"})
    assert type(error) is expected
    assert (error.code, error.reason, error.message, str(error)) == (code, reason, "m", "m")


def test_already_exists_is_a_conflict() -> None:
    assert isinstance(error_from_status({"code": 409, "reason": "AlreadyExists"}), Conflict)


def test_generic_server_error_reads_like_client_go() -> None:
    error = generic_server_error(500, "plain text boom", verb="GET", resource="pods")
    assert isinstance(error, ServerError)
    assert str(error) == (
        'an error on the server ("plain text boom") has prevented the request from succeeding (get pods)'
    )
    missing = generic_server_error(404, "404 page not found", verb="get", resource="pods", name="p1")
    assert str(missing) == "the server could not find the requested resource (get pods p1)"


@pytest.mark.parametrize(
    ("resource", "args", "path"),
    [
        (r.PODS, ("ns", "p", "status"), "/api/v1/namespaces/ns/pods/p/status"),
        (r.PODS, ("", "", ""), "/api/v1/pods"),
        (r.DEPLOYMENTS, ("ns", "", ""), "/apis/apps/v1/namespaces/ns/deployments"),
        (r.NODES, ("ignored", "n1", ""), "/api/v1/nodes/n1"),
        (r.NAMESPACES, ("", "kube-system", "finalize"), "/api/v1/namespaces/kube-system/finalize"),
        (
            r.LEASES,
            ("kube-system", "kube-scheduler", ""),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler",
        ),
    ],
    ids=["pod status", "all pods", "deployments of a namespace", "a node", "namespace finalize", "a lease"],
)
def test_paths(resource: Resource, args: tuple[str, str, str], path: str) -> None:
    assert resource.path(*args) == path


def test_constants_and_lookups() -> None:
    assert (r.HORIZONTALPODAUTOSCALERS.api_version, r.EVENTS_V1.api_version) == (
        "autoscaling/v2",
        "events.k8s.io/v1",
    )
    assert r.DEPLOYMENTS == Resource("apps", "v1", "deployments", "Deployment", True)
    assert for_kind("apps/v1", "ReplicaSet") == r.REPLICASETS
    assert for_kind("example.com/v1", "Widget") is None
    assert for_kind("a/b/c", "X") is None
    everything = served()
    assert r.PODS in everything and r.LEASES in everything
    assert all("list" in x.verbs for x in everything if x.plural == "pods")


def test_object_keys() -> None:
    key = key_of({"metadata": {"namespace": "ns", "name": "web"}})
    assert (key, str(key)) == (ObjectKey("ns", "web"), "ns/web")
    assert str(key_of({"metadata": {"name": "node-1"}})) == "node-1"
    assert sorted([ObjectKey("b", "a"), ObjectKey("a", "z")]) == [ObjectKey("a", "z"), ObjectKey("b", "a")]
