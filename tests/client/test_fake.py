"""FakeClient: the API semantics controllers' unit tests rely on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from pinnace.client import resources as r
from pinnace.client.clock import FakeClock
from pinnace.client.errors import AlreadyExists, Conflict, Gone, Invalid, NotFound, ServerError
from pinnace.client.fake import Action, FakeClient
from pinnace.client.interface import Object, WatchEvent


def pod(name: str, *, ns: str = "default", labels: dict[str, str] | None = None, node: str = "") -> Object:
    spec: Object = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": name, "namespace": ns, "labels": labels or {}}, "spec": spec}


def deployment(name: str, replicas: int = 1) -> Object:
    return {"metadata": {"name": name, "namespace": "default"}, "spec": {"replicas": replicas}}


async def next_events(stream: AsyncIterator[WatchEvent], count: int) -> list[tuple[str, str]]:
    events = []
    async with asyncio.timeout(1):
        for _ in range(count):
            event = await anext(stream)
            events.append((event.type, event.object["metadata"].get("name", "")))
    return events


async def test_create_fills_server_metadata() -> None:
    client = FakeClient(clock=FakeClock(datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)))
    created = await client.create(r.DEPLOYMENTS, deployment("web"))
    metadata = created["metadata"]
    assert (created["kind"], created["apiVersion"]) == ("Deployment", "apps/v1")
    assert metadata["resourceVersion"] == "1"
    assert metadata["creationTimestamp"] == "2025-03-01T12:00:00Z"
    assert metadata["generation"] == 1
    assert metadata["uid"]
    assert await client.get(r.DEPLOYMENTS, "web", "default") == created


async def test_generate_name_and_already_exists() -> None:
    client = FakeClient()
    made = await client.create(r.PODS, {"metadata": {"generateName": "web-", "namespace": "ns"}, "spec": {}})
    assert made["metadata"]["name"].startswith("web-") and len(made["metadata"]["name"]) == 9
    assert "generation" not in made["metadata"]  # pods do not track generation in 1.32
    await client.create(r.PODS, pod("a"))
    with pytest.raises(AlreadyExists, match='pods "a" already exists') as caught:
        await client.create(r.PODS, pod("a"))
    assert caught.value.code == 409


async def test_get_missing_is_not_found_with_upstream_wording() -> None:
    with pytest.raises(NotFound, match=r'deployments\.apps "nope" not found'):
        await FakeClient().get(r.DEPLOYMENTS, "nope", "default")


async def test_update_checks_resource_version_and_bumps_generation_on_spec_change() -> None:
    client = FakeClient()
    created = await client.create(r.DEPLOYMENTS, deployment("web"))
    created["spec"]["replicas"] = 3
    updated = await client.update(r.DEPLOYMENTS, created)
    assert updated["metadata"]["generation"] == 2
    assert updated["metadata"]["resourceVersion"] == "2"
    with pytest.raises(Conflict, match="the object has been modified"):
        await client.update(r.DEPLOYMENTS, created)  # still carries resourceVersion 1
    labelled = {**updated, "metadata": {**updated["metadata"], "labels": {"a": "b"}}}
    assert (await client.update(r.DEPLOYMENTS, labelled))["metadata"]["generation"] == 2


async def test_noop_update_keeps_resource_version_and_emits_nothing() -> None:
    client = FakeClient()
    created = await client.create(
        r.CONFIGMAPS, {"metadata": {"name": "c", "namespace": "d"}, "data": {"k": "v"}}
    )
    again = await client.update(r.CONFIGMAPS, created)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert client.resource_version == 1


async def test_status_subresource_writes_only_status() -> None:
    client = FakeClient()
    created = await client.create(r.DEPLOYMENTS, deployment("web"))
    created["status"] = {"replicas": 1}
    created["spec"]["replicas"] = 5
    written = await client.update(r.DEPLOYMENTS, created, subresource="status")
    assert written["status"] == {"replicas": 1}
    assert written["spec"]["replicas"] == 1
    # ...and the main resource ignores status.
    written["status"] = {"replicas": 9}
    written["spec"]["replicas"] = 2
    main = await client.update(r.DEPLOYMENTS, written)
    assert main["status"] == {"replicas": 1}
    assert main["spec"]["replicas"] == 2


@pytest.mark.parametrize(
    ("patch_type", "patch", "expected_containers"),
    [
        ("merge", {"spec": {"containers": [{"name": "d", "image": "x"}]}}, ["d"]),
        ("strategic", {"spec": {"containers": [{"name": "d", "image": "x"}]}}, ["d", "c"]),
        (
            "json",
            [{"op": "add", "path": "/spec/containers/-", "value": {"name": "d", "image": "x"}}],
            ["c", "d"],
        ),
    ],
    ids=[
        "merge patch replaces lists",
        "strategic merge patch merges containers by name",
        "json patch appends",
    ],
)
async def test_patch_types(patch_type: str, patch: object, expected_containers: list[str]) -> None:
    client = FakeClient()
    await client.create(r.PODS, pod("p"))
    patched = await client.patch(r.PODS, "p", patch, "default", patch_type=patch_type)  # type: ignore[arg-type]
    assert [c["name"] for c in patched["spec"]["containers"]] == expected_containers


async def test_patch_with_stale_resource_version_conflicts_and_status_patch() -> None:
    client = FakeClient()
    await client.create(r.DEPLOYMENTS, deployment("web"))
    with pytest.raises(Conflict):
        await client.patch(r.DEPLOYMENTS, "web", {"metadata": {"resourceVersion": "99"}}, "default")
    patched = await client.patch(
        r.DEPLOYMENTS, "web", {"status": {"observedGeneration": 1}}, "default", subresource="status"
    )
    assert patched["status"] == {"observedGeneration": 1}


async def test_apply_creates_then_merges() -> None:
    client = FakeClient()
    body = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}}
    first = await client.patch(r.CONFIGMAPS, "c", body, "ns", patch_type="apply", field_manager="t")
    assert first["metadata"]["namespace"] == "ns"
    second = await client.patch(
        r.CONFIGMAPS, "c", {"data": {"b": "2"}}, "ns", patch_type="apply", field_manager="t"
    )
    assert second["data"] == {"a": "1", "b": "2"}


async def test_delete_with_finalizers_waits_for_the_last_one() -> None:
    client = FakeClient()
    body = deployment("web")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await client.create(r.DEPLOYMENTS, body)
    answer = await client.delete(r.DEPLOYMENTS, "web", "default")
    assert "deletionTimestamp" in answer["metadata"]
    held = await client.get(r.DEPLOYMENTS, "web", "default")
    held["metadata"]["finalizers"] = []
    await client.update(r.DEPLOYMENTS, held)
    with pytest.raises(NotFound):
        await client.get(r.DEPLOYMENTS, "web", "default")


async def test_delete_without_finalizers_answers_status_and_policies_add_finalizers() -> None:
    client = FakeClient()
    await client.create(r.DEPLOYMENTS, deployment("a"))
    await client.create(r.DEPLOYMENTS, deployment("b"))
    gone = await client.delete(r.DEPLOYMENTS, "a", "default")
    assert (gone["kind"], gone["status"]) == ("Status", "Success")
    orphaned = await client.delete(r.DEPLOYMENTS, "b", "default", propagation_policy="Orphan")
    assert orphaned["metadata"]["finalizers"] == ["orphan"]


async def test_delete_preconditions() -> None:
    client = FakeClient()
    await client.create(r.CONFIGMAPS, {"metadata": {"name": "c", "namespace": "d"}})
    with pytest.raises(Conflict, match="Precondition failed: UID in precondition: x, UID in object meta: "):
        await client.delete(r.CONFIGMAPS, "c", "d", preconditions={"uid": "x"})


async def test_scheduled_pod_waits_for_grace_period_unscheduled_goes_at_once() -> None:
    client = FakeClient()
    await client.create(r.PODS, pod("running", node="n1"))
    await client.create(r.PODS, pod("pending"))
    marked = await client.delete(r.PODS, "running", "default")
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    assert (await client.delete(r.PODS, "pending", "default"))["kind"] == "Pod"
    await client.delete(r.PODS, "running", "default", grace_period_seconds=0)
    assert client.objects(r.PODS) == []


async def test_binding_sets_node_name_once() -> None:
    client = FakeClient()
    await client.create(r.PODS, pod("p"))
    binding = {"metadata": {"name": "p"}, "target": {"kind": "Node", "name": "n1"}}
    await client.create(r.PODS, binding, "default", subresource="binding", name="p")
    bound = await client.get(r.PODS, "p", "default")
    assert bound["spec"]["nodeName"] == "n1"
    assert bound["status"]["conditions"][0]["type"] == "PodScheduled"
    with pytest.raises(Conflict, match='pod p is already assigned to node "n1"'):
        await client.create(r.PODS, binding, "default", subresource="binding", name="p")
    assert client.actions_of("create")[-1] == Action("create", "pods", "default", "p", "binding")


async def test_list_selectors_namespaces_and_paging() -> None:
    client = FakeClient()
    for name, ns, app in [("a", "x", "web"), ("b", "x", "db"), ("c", "y", "web"), ("d", "y", "web")]:
        await client.create(r.PODS, pod(name, ns=ns, labels={"app": app}))
    names = lambda lst: [i["metadata"]["name"] for i in lst["items"]]  # noqa: E731
    assert names(await client.list(r.PODS, label_selector="app=web")) == ["a", "c", "d"]
    assert names(await client.list(r.PODS, "x")) == ["a", "b"]
    assert names(await client.list(r.PODS, field_selector="metadata.name=b")) == ["b"]
    first = await client.list(r.PODS, limit=3)
    assert names(first) == ["a", "b", "c"]
    rest = await client.list(r.PODS, limit=3, continue_token=first["metadata"]["continue"])
    assert names(rest) == ["d"] and "continue" not in rest["metadata"]
    assert first["kind"] == "PodList" and first["metadata"]["resourceVersion"] == "4"


async def test_error_injection_and_actions() -> None:
    client = FakeClient()
    boom = ServerError({"code": 500, "reason": "InternalError", "message": "boom"})
    client.fail_next("create", "pods", boom)
    with pytest.raises(ServerError, match="boom"):
        await client.create(r.PODS, pod("a"))
    await client.create(r.PODS, pod("a"))  # only the next one failed
    client.add_error_hook(lambda a: boom if a.verb == "delete" and a.name == "a" else None)
    with pytest.raises(ServerError):
        await client.delete(r.PODS, "a", "default")
    assert [a.verb for a in client.actions] == ["create", "create", "delete"]


async def test_watch_live_events_and_from_resource_version() -> None:
    client = FakeClient()
    await client.create(r.CONFIGMAPS, {"metadata": {"name": "old", "namespace": "d"}})
    async with contextlib.aclosing(client.watch(r.CONFIGMAPS, resource_version="1")) as stream:
        created = await client.create(r.CONFIGMAPS, {"metadata": {"name": "new", "namespace": "d"}})
        created["data"] = {"k": "v"}
        await client.update(r.CONFIGMAPS, created)
        await client.delete(r.CONFIGMAPS, "new", "d")
        assert await next_events(stream, 3) == [("ADDED", "new"), ("MODIFIED", "new"), ("DELETED", "new")]
    async with contextlib.aclosing(client.watch(r.CONFIGMAPS)) as stream:
        assert await next_events(stream, 1) == [("ADDED", "old")]


async def test_watch_selector_transitions_bookmarks_and_end() -> None:
    client = FakeClient()
    created = await client.create(r.PODS, pod("p", labels={"app": "web"}))
    async with contextlib.aclosing(
        client.watch(r.PODS, label_selector="app=web", resource_version="1")
    ) as stream:
        created["metadata"]["labels"] = {"app": "db"}
        changed = await client.update(r.PODS, created)
        changed["metadata"]["labels"] = {"app": "web"}
        await client.update(r.PODS, changed)
        assert await next_events(stream, 2) == [("DELETED", "p"), ("ADDED", "p")]
        client.bookmark()
        bookmark = await anext(stream)
        assert (bookmark.type, bookmark.resource_version) == ("BOOKMARK", "3")
        client.end_watches()
        assert [e async for e in stream] == []


async def test_watch_from_compacted_resource_version_is_gone() -> None:
    client = FakeClient(history=2)
    for name in "abcd":
        await client.create(r.CONFIGMAPS, {"metadata": {"name": name, "namespace": "d"}})
    with pytest.raises(Gone, match="too old resource version"):
        await anext(client.watch(r.CONFIGMAPS, resource_version="1"))
    async with contextlib.aclosing(client.watch(r.CONFIGMAPS, resource_version="2")) as stream:
        assert await next_events(stream, 2) == [("ADDED", "c"), ("ADDED", "d")]


async def test_no_new_finalizers_while_deleting() -> None:
    client = FakeClient()
    body = deployment("web")
    body["metadata"]["finalizers"] = ["a"]
    await client.create(r.DEPLOYMENTS, body)
    await client.delete(r.DEPLOYMENTS, "web", "default")
    held = await client.get(r.DEPLOYMENTS, "web", "default")
    held["metadata"]["finalizers"] = ["a", "b"]
    with pytest.raises(Invalid, match="no new finalizers"):
        await client.update(r.DEPLOYMENTS, held)


async def test_scale_subresource_reads_and_writes_replicas() -> None:
    client = FakeClient()
    body = deployment("web", 2)
    body["spec"]["selector"] = {"matchLabels": {"app": "web"}}
    await client.create(r.DEPLOYMENTS, body)
    scale = await client.get(r.DEPLOYMENTS, "web", "default", subresource="scale")
    assert (scale["kind"], scale["spec"], scale["status"]) == (
        "Scale",
        {"replicas": 2},
        {"replicas": 0, "selector": "app=web"},
    )
    patched = await client.patch(
        r.DEPLOYMENTS, "web", {"spec": {"replicas": 5}}, "default", subresource="scale"
    )
    assert patched["spec"]["replicas"] == 5
    stored = await client.get(r.DEPLOYMENTS, "web", "default")
    assert (stored["spec"]["replicas"], stored["metadata"]["generation"]) == (5, 2)
    scale = await client.get(r.DEPLOYMENTS, "web", "default", subresource="scale")
    scale["spec"]["replicas"] = 1
    assert (await client.update(r.DEPLOYMENTS, scale, subresource="scale"))["spec"]["replicas"] == 1
