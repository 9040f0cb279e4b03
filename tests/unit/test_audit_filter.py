"""The audit stages in the real request chain: which events a request produces, at which stages, with what.

The chain is :func:`pinnace.apiserver.filters.build_handler_chain` with a token-per-user authenticator, an
authorizer that forbids mallory, and small handlers standing in for the API's; events go to a recording sink.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from pinnace.apiserver.audit import filter as audit_filter
from pinnace.apiserver.audit.checker import PolicyRuleEvaluator
from pinnace.apiserver.audit.filter import Auditing
from pinnace.apiserver.audit.policy import GroupResources, Policy, PolicyRule
from pinnace.apiserver.authz import Attributes, Decision
from pinnace.apiserver.filters import build_handler_chain
from pinnace.apiserver.status import not_found
from pinnace.apiserver.user import AUTHENTICATED_GROUP, UserInfo

Client = TestClient[web.Request, web.Application]
SEED = Policy(rules=(PolicyRule(level="Metadata", verbs=("create", "update", "patch", "delete")),))
EVERYTHING = Policy(rules=(PolicyRule(level="RequestResponse"),))
MANAGED = [{"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1"}]


class TokenAuthenticator:
    """``Authorization: Bearer <name>`` is user <name>; no header is no credential."""

    async def authenticate(self, request: web.BaseRequest) -> UserInfo | None:
        scheme, _, name = request.headers.get("Authorization", "").partition(" ")
        return (
            UserInfo(name=name, uid=f"uid-{name}", groups=(AUTHENTICATED_GROUP,))
            if scheme == "Bearer"
            else None
        )


class ForbidMallory:
    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        if attributes.user.name == "mallory":
            return Decision.NO_OPINION, ""
        return Decision.ALLOW, f'RBAC: allowed by ClusterRoleBinding "{attributes.user.name}"'


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.refuse = False

    def process(self, line: bytes) -> bool:
        if self.refuse:
            return False
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        self.events.append(orjson.loads(line))
        return True

    def stages(self) -> list[str]:
        return [event["stage"] for event in self.events]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 15, 4, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


async def create(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    body["metadata"].update(uid="u-1", resourceVersion="5", managedFields=MANAGED)
    return web.json_response(body, status=201)


async def get(request: web.Request) -> web.StreamResponse:
    raise not_found("configmaps", request.match_info["name"])


async def watch(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b'{"type":"ADDED","object":{}}\n')
    await response.write_eof()
    return response


async def panic(request: web.Request) -> web.StreamResponse:
    raise RuntimeError("boom")


async def patch(request: web.Request) -> web.StreamResponse:
    await request.read()
    return web.json_response({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}})


async def delete(request: web.Request) -> web.StreamResponse:
    return web.json_response(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {"name": "x", "kind": "configmaps"},
        }
    )


PREFIX = "/api/v1/namespaces/default/configmaps"


def make_client(policy: Policy) -> tuple[RecordingSink, Callable[[], Client]]:
    sink = RecordingSink()
    auditing = Auditing(PolicyRuleEvaluator(policy), sink, clock=Clock(), new_id=lambda: "audit-1")
    chain = build_handler_chain(TokenAuthenticator(), ForbidMallory(), auditing.filters())
    app = web.Application(middlewares=chain)
    audit_filter.install(app)
    app.router.add_post(PREFIX, create)
    app.router.add_get(PREFIX, watch)
    app.router.add_get(PREFIX + "/{name}", get)
    app.router.add_patch(PREFIX + "/{name}", patch)
    app.router.add_delete(PREFIX + "/{name}", delete)
    app.router.add_put(PREFIX + "/{name}", panic)
    return sink, lambda: TestClient(TestServer(app))


@pytest.fixture
async def seed() -> AsyncIterator[tuple[RecordingSink, Client]]:
    sink, factory = make_client(SEED)
    async with factory() as client:
        yield sink, client


@pytest.fixture
async def everything() -> AsyncIterator[tuple[RecordingSink, Client]]:
    sink, factory = make_client(EVERYTHING)
    async with factory() as client:
        yield sink, client


def bearer(name: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {name}",
        "User-Agent": "kubectl/v1.32.5 (linux/amd64) kubernetes/9894294",
    }


CONFIGMAP = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}, "data": {"a": "b"}}


async def test_a_create_writes_received_and_complete_at_metadata(seed: tuple[RecordingSink, Client]) -> None:
    sink, client = seed
    response = await client.post(
        PREFIX + "?fieldManager=kubectl-create&x=<y>", json=CONFIGMAP, headers=bearer("alice")
    )
    assert response.status == 201
    assert response.headers["Audit-Id"] == "audit-1"
    assert sink.stages() == ["RequestReceived", "ResponseComplete"]
    received, complete = sink.events
    assert received == {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": "audit-1",
        "stage": "RequestReceived",
        "requestURI": "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&x=%3Cy%3E",
        "verb": "create",
        "user": {"username": "alice", "uid": "uid-alice", "groups": ["system:authenticated"]},
        "sourceIPs": ["127.0.0.1"],
        "userAgent": "kubectl/v1.32.5 (linux/amd64) kubernetes/9894294",
        "objectRef": {"resource": "configmaps", "namespace": "default", "apiVersion": "v1"},
        "requestReceivedTimestamp": "2026-11-25T15:04:05.001000Z",
        "stageTimestamp": "2026-11-25T15:04:05.001000Z",
    }
    # The name comes from the created object; the authorization stage's annotations are there.
    assert complete["objectRef"] == {
        "resource": "configmaps",
        "namespace": "default",
        "name": "x",
        "apiVersion": "v1",
    }
    assert complete["responseStatus"] == {"metadata": {}, "code": 201}
    assert complete["annotations"] == {
        "authorization.k8s.io/decision": "allow",
        "authorization.k8s.io/reason": 'RBAC: allowed by ClusterRoleBinding "alice"',
    }
    assert complete["stageTimestamp"] > complete["requestReceivedTimestamp"]
    assert "requestObject" not in complete and "responseObject" not in complete


async def test_reads_are_not_audited_under_the_seeds_policy(seed: tuple[RecordingSink, Client]) -> None:
    sink, client = seed
    response = await client.get(PREFIX + "/x", headers=bearer("alice"))
    assert response.status == 404
    assert response.headers["Audit-Id"] == "audit-1"
    assert sink.events == []


async def test_the_clients_audit_id_is_used_and_echoed(seed: tuple[RecordingSink, Client]) -> None:
    sink, client = seed
    response = await client.post(
        PREFIX, json=CONFIGMAP, headers={**bearer("alice"), "Audit-ID": "from-client"}
    )
    assert response.headers["Audit-Id"] == "from-client"
    assert {event["auditID"] for event in sink.events} == {"from-client"}


async def test_a_forbidden_request_is_logged_with_decision_forbid(seed: tuple[RecordingSink, Client]) -> None:
    sink, client = seed
    response = await client.post(PREFIX, json=CONFIGMAP, headers=bearer("mallory"))
    assert response.status == 403
    assert sink.stages() == ["RequestReceived", "ResponseComplete"]
    complete = sink.events[1]
    assert complete["annotations"] == {
        "authorization.k8s.io/decision": "forbid",
        "authorization.k8s.io/reason": "",
    }
    assert complete["responseStatus"] == {
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps is forbidden: User "mallory" cannot create resource "configmaps" in API group "" '
        'in the namespace "default"',
        "reason": "Forbidden",
        "details": {"kind": "configmaps"},
        "code": 403,
    }
    # The handler never ran: the object's name is not known.
    assert "name" not in complete["objectRef"]


async def test_a_failed_authentication_is_one_response_started_event(
    seed: tuple[RecordingSink, Client],
) -> None:
    sink, client = seed
    response = await client.post(PREFIX, json=CONFIGMAP)
    assert response.status == 401
    assert response.headers["Audit-Id"] == "audit-1"
    assert sink.stages() == ["ResponseStarted"]
    event = sink.events[0]
    assert event["user"] == {}
    assert event["responseStatus"] == {
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    assert "annotations" not in event


async def test_a_watch_writes_response_started_when_headers_go_out(
    everything: tuple[RecordingSink, Client],
) -> None:
    sink, client = everything
    response = await client.get(PREFIX + "?watch=true", headers=bearer("alice"))
    assert await response.read() == b'{"type":"ADDED","object":{}}\n'
    assert sink.stages() == ["RequestReceived", "ResponseStarted", "ResponseComplete"]
    assert [event["verb"] for event in sink.events] == ["watch"] * 3
    assert sink.events[1]["responseStatus"] == {"metadata": {}, "code": 200}
    assert sink.events[2]["responseStatus"] == {"metadata": {}, "code": 200}
    assert "responseObject" not in sink.events[2]


async def test_a_forbidden_watch_still_writes_response_started(
    everything: tuple[RecordingSink, Client],
) -> None:
    sink, client = everything
    response = await client.get(PREFIX + "?watch=true", headers=bearer("mallory"))
    assert response.status == 403
    assert sink.stages() == ["RequestReceived", "ResponseStarted", "ResponseComplete"]
    assert sink.events[1]["responseStatus"]["code"] == 403
    assert sink.events[1]["responseStatus"]["reason"] == "Forbidden"
    assert sink.events[1]["annotations"]["authorization.k8s.io/decision"] == "forbid"


async def test_an_impersonated_watch_says_so_from_response_started(
    everything: tuple[RecordingSink, Client],
) -> None:
    sink, client = everything
    await client.get(PREFIX + "?watch=true", headers={**bearer("alice"), "Impersonate-User": "bob"})
    assert sink.stages() == ["RequestReceived", "ResponseStarted", "ResponseComplete"]
    assert ["impersonatedUser" in event for event in sink.events] == [False, True, True]


async def test_an_unexpected_error_is_a_panic_event(everything: tuple[RecordingSink, Client]) -> None:
    sink, client = everything
    response = await client.put(PREFIX + "/x", json=CONFIGMAP, headers=bearer("alice"))
    assert response.status == 500
    assert sink.stages() == ["RequestReceived", "Panic"]
    assert sink.events[1]["responseStatus"] == {
        "metadata": {},
        "status": "Failure",
        "message": "APIServer panic'd: boom",
        "reason": "InternalError",
        "code": 500,
    }


async def test_request_response_level_logs_both_objects(everything: tuple[RecordingSink, Client]) -> None:
    sink, client = everything
    await client.post(PREFIX, json=CONFIGMAP, headers=bearer("alice"))
    complete = sink.events[-1]
    assert complete["requestObject"] == CONFIGMAP
    assert complete["responseObject"]["metadata"]["managedFields"] == MANAGED
    assert complete["objectRef"]["name"] == "x"


async def test_omit_managed_fields_drops_them_from_logged_objects() -> None:
    policy = Policy(rules=(PolicyRule(level="RequestResponse"),), omit_managed_fields=True)
    sink, factory = make_client(policy)
    async with factory() as client:
        await client.post(PREFIX, json=CONFIGMAP, headers=bearer("alice"))
    metadata = sink.events[-1]["responseObject"]["metadata"]
    assert metadata == {"name": "x", "uid": "u-1", "resourceVersion": "5"}


async def test_a_patch_is_logged_as_sent_from_level_request(everything: tuple[RecordingSink, Client]) -> None:
    sink, client = everything
    headers = {**bearer("alice"), "Content-Type": "application/merge-patch+json"}
    await client.patch(PREFIX + "/x", data=b'{"data":{"a":"c"}}', headers=headers)
    assert sink.events[-1]["verb"] == "patch"
    assert sink.events[-1]["requestObject"] == {"data": {"a": "c"}}


async def test_a_status_response_fills_response_status(everything: tuple[RecordingSink, Client]) -> None:
    sink, client = everything
    await client.delete(PREFIX + "/x", headers=bearer("alice"))
    assert sink.events[-1]["responseStatus"] == {
        "metadata": {},
        "status": "Success",
        "details": {"name": "x", "kind": "configmaps"},
        "code": 200,
    }


async def test_an_unknown_path_is_logged_with_not_found(everything: tuple[RecordingSink, Client]) -> None:
    sink, client = everything
    response = await client.get("/nowhere", headers=bearer("alice"))
    assert response.status == 404
    assert sink.events[-1]["verb"] == "get"
    assert "objectRef" not in sink.events[-1]
    assert sink.events[-1]["responseStatus"] == {
        "metadata": {},
        "status": "Failure",
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "code": 404,
    }


async def test_an_impersonating_request_records_both_users(everything: tuple[RecordingSink, Client]) -> None:
    sink, client = everything
    await client.post(PREFIX, json=CONFIGMAP, headers={**bearer("alice"), "Impersonate-User": "bob"})
    received, complete = sink.events
    assert received["user"]["username"] == "alice" and "impersonatedUser" not in received
    assert complete["user"]["username"] == "alice"
    assert complete["impersonatedUser"] == {"username": "bob", "groups": ["system:authenticated"]}


async def test_omitted_stages_are_not_written() -> None:
    sink, factory = make_client(
        Policy(rules=(PolicyRule(level="Metadata"),), omit_stages=("RequestReceived",))
    )
    async with factory() as client:
        await client.post(PREFIX, json=CONFIGMAP, headers=bearer("alice"))
    assert sink.stages() == ["ResponseComplete"]


async def test_a_refused_request_received_event_fails_the_request(seed: tuple[RecordingSink, Client]) -> None:
    sink, client = seed
    sink.refuse = True
    response = await client.post(PREFIX, json=CONFIGMAP, headers=bearer("alice"))
    assert response.status == 500
    assert (await response.json())["message"] == "Internal error occurred: failed to store audit event"


async def test_rules_by_resource_pick_the_level() -> None:
    policy = Policy(
        rules=(
            PolicyRule(level="None", resources=(GroupResources("", ("configmaps",), ("skip",)),)),
            PolicyRule(level="Request", resources=(GroupResources("", ("configmaps",)),)),
        )
    )
    sink, factory = make_client(policy)
    async with factory() as client:
        await client.delete(PREFIX + "/skip", headers=bearer("alice"))
        assert sink.events == []
        await client.post(PREFIX, json=CONFIGMAP, headers=bearer("alice"))
    assert {event["level"] for event in sink.events} == {"Request"}
    assert sink.events[-1]["requestObject"] == CONFIGMAP
    assert "responseObject" not in sink.events[-1]


async def test_the_audit_id_header_is_set_without_auditing() -> None:
    app = web.Application()
    audit_filter.install(app)

    async def hello(request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok")

    app.router.add_get("/healthz", hello)
    async with TestClient(TestServer(app)) as client:
        first = await client.get("/healthz")
        second = await client.get("/healthz", headers={"Audit-ID": "mine"})
    assert len(first.headers["Audit-Id"]) == 36  # a UUID
    assert second.headers["Audit-Id"] == "mine"
