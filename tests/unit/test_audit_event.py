"""Audit events are written exactly as kube-apiserver's JSON log backend writes them."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from pinnace.apiserver.audit.event import (
    Event,
    ObjectReference,
    micro_time,
    response_status,
    source_ips,
    truncate_user_agent,
    user_info,
)
from pinnace.apiserver.audit.types import Level, Stage
from pinnace.apiserver.user import UserInfo

RECEIVED = datetime(2026, 11, 25, 15, 4, 5, 123456, tzinfo=UTC)
COMPLETED = datetime(2026, 11, 25, 15, 4, 5, 200001, tzinfo=UTC)
ADMIN = UserInfo(name="kubernetes-admin", groups=("system:masters", "system:authenticated"))


def create_event() -> Event:
    return Event(
        level=Level.METADATA,
        audit_id="2a6b3d0e-0f5c-4a37-9c1b-5d1c6f3b7e10",
        request_uri="/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict",
        verb="create",
        request_received=RECEIVED,
        user=user_info(ADMIN),
        source_ips=["127.0.0.1"],
        user_agent="kubectl/v1.32.5 (linux/amd64) kubernetes/9894294",
        object_ref=ObjectReference(resource="configmaps", namespace="default", name="x", api_version="v1"),
        response_status=response_status(None, 201),
        annotations={"authorization.k8s.io/reason": "", "authorization.k8s.io/decision": "allow"},
    )


# What kube-apiserver 1.32 writes for `kubectl create configmap x` under the seed's policy (IDs and times
# replaced): field order, omitted empty fields, \u0026 in the URI, sorted annotations.
GOLDEN_CREATE = (
    b'{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata",'
    b'"auditID":"2a6b3d0e-0f5c-4a37-9c1b-5d1c6f3b7e10","stage":"ResponseComplete",'
    b'"requestURI":"/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create\\u0026fieldValidation=Strict",'
    b'"verb":"create","user":{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]},'
    b'"sourceIPs":["127.0.0.1"],"userAgent":"kubectl/v1.32.5 (linux/amd64) kubernetes/9894294",'
    b'"objectRef":{"resource":"configmaps","namespace":"default","name":"x","apiVersion":"v1"},'
    b'"responseStatus":{"metadata":{},"code":201},'
    b'"requestReceivedTimestamp":"2026-11-25T15:04:05.123456Z","stageTimestamp":"2026-11-25T15:04:05.200001Z",'
    b'"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}\n'
)


def test_a_metadata_event_is_upstreams_line() -> None:
    assert create_event().encode(Stage.RESPONSE_COMPLETE, COMPLETED) == GOLDEN_CREATE


def test_a_forbidden_request_at_request_response_level() -> None:
    event = Event(
        level=Level.REQUEST_RESPONSE,
        audit_id="id",
        request_uri="/api/v1/namespaces/default/pods",
        verb="list",
        request_received=RECEIVED,
        user=user_info(
            UserInfo(
                name="mallory",
                uid="u-1",
                groups=("system:authenticated",),
                extra=(("b", ("2",)), ("a", ("1",))),
            )
        ),
        impersonated_user=user_info(UserInfo(name="alice")),
        object_ref=ObjectReference(resource="pods", namespace="default", api_version="v1"),
    )
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods is forbidden: User "mallory" cannot list resource "pods" in API group "" in the namespace "default"',
        "reason": "Forbidden",
        "details": {"kind": "pods"},
        "code": 403,
    }
    event.response_status = response_status(status, 403)
    event.response_object = status
    event.annotations = {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""}
    line = event.encode(Stage.RESPONSE_COMPLETE, COMPLETED)
    assert line.endswith(b"}\n") and line.count(b"\n") == 1
    decoded = orjson.loads(line)
    assert list(decoded) == [
        "kind",
        "apiVersion",
        "level",
        "auditID",
        "stage",
        "requestURI",
        "verb",
        "user",
        "impersonatedUser",
        "objectRef",
        "responseStatus",
        "responseObject",
        "requestReceivedTimestamp",
        "stageTimestamp",
        "annotations",
    ]
    assert decoded["user"] == {
        "username": "mallory",
        "uid": "u-1",
        "groups": ["system:authenticated"],
        "extra": {"a": ["1"], "b": ["2"]},
    }
    assert decoded["impersonatedUser"] == {"username": "alice"}
    # The bounded fields of the Status, in metav1.Status's order; kind and apiVersion are not copied.
    assert list(decoded["responseStatus"]) == ["metadata", "status", "message", "reason", "details", "code"]
    assert decoded["responseObject"] == status


def test_the_request_received_stage_has_no_response() -> None:
    event = create_event()
    event.response_status = None
    event.annotations = {}
    decoded = orjson.loads(event.encode(Stage.REQUEST_RECEIVED, RECEIVED))
    assert decoded["stage"] == "RequestReceived"
    assert decoded["stageTimestamp"] == decoded["requestReceivedTimestamp"] == "2026-11-25T15:04:05.123456Z"
    assert "responseStatus" not in decoded and "annotations" not in decoded


def test_go_escapes_html_characters_and_line_separators() -> None:
    event = create_event()
    event.request_object = {"data": {"x": "<a> & \u2028 \u2029 é"}}
    line = event.encode(Stage.RESPONSE_COMPLETE, COMPLETED)
    assert b'"x":"\\u003ca\\u003e \\u0026 \\u2028 \\u2029 \xc3\xa9"' in line
    assert orjson.loads(line)["requestObject"] == {"data": {"x": "<a> & \u2028 \u2029 é"}}


def test_micro_time_always_has_six_digits() -> None:
    assert micro_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"


def test_an_unauthenticated_user_is_empty() -> None:
    assert user_info(UserInfo(name="")) == {}


def test_object_reference_is_completed_from_the_request_object() -> None:
    ref = ObjectReference(resource="configmaps", namespace="default", name="", api_version="v1")
    ref.complete_from({"metadata": {"name": "x", "namespace": "other", "uid": "u", "resourceVersion": "7"}})
    assert ref.to_dict() == {
        "resource": "configmaps",
        "namespace": "default",  # what the URL says stays
        "name": "x",
        "uid": "u",
        "apiVersion": "v1",
        "resourceVersion": "7",
    }


def headers(**values: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict({key.replace("_", "-"): value for key, value in values.items()}))


@pytest.mark.parametrize(
    ("given", "remote", "expected"),
    [
        pytest.param(headers(), "10.0.0.9", ["10.0.0.9"], id="the peer alone"),
        pytest.param(
            headers(X_Forwarded_For="1.2.3.4, bogus, 5.6.7.8"),
            "10.0.0.9",
            ["1.2.3.4", "5.6.7.8", "10.0.0.9"],
            id="the forwarded chain first, invalid entries skipped",
        ),
        pytest.param(
            headers(X_Forwarded_For="1.2.3.4, 10.0.0.9"),
            "10.0.0.9",
            ["1.2.3.4", "10.0.0.9"],
            id="the peer once when it ends the chain",
        ),
        pytest.param(
            headers(X_Forwarded_For="1.2.3.4", X_Real_Ip="1.2.3.4"),
            "10.0.0.9",
            ["1.2.3.4", "10.0.0.9"],
            id="X-Real-Ip only when not in the chain",
        ),
        pytest.param(headers(X_Real_Ip="9.9.9.9"), "::1", ["9.9.9.9", "::1"], id="X-Real-Ip then the peer"),
        pytest.param(headers(), "::ffff:127.0.0.1", ["127.0.0.1"], id="IPv4-mapped as IPv4, as Go prints it"),
    ],
)
def test_source_ips(given: CIMultiDictProxy[str], remote: str, expected: list[str]) -> None:
    assert source_ips(given, remote) == expected


def test_long_user_agents_are_truncated() -> None:
    assert truncate_user_agent("k" * 1025) == "k" * 1024 + "...TRUNCATED"
    assert truncate_user_agent("k" * 1024) == "k" * 1024
