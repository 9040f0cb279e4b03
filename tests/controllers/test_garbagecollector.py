"""The garbage collector against a FakeClient: background, foreground and orphan propagation, dangling and
invalid owner references, as a user sees them in the objects left behind."""

from __future__ import annotations

import pytest

from pinnace.client import resources as r
from pinnace.client.errors import NotFound, status_error
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.client.resources import Resource
from pinnace.controllers import garbagecollector
from tests.controllers.lifecycle_support import running


def owner_ref(owner: Object, *, block: bool | None = None, controller: bool = False) -> Object:
    ref: Object = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    if block is not None:
        ref["blockOwnerDeletion"] = block
    if controller:
        ref["controller"] = True
    return ref


def cm(name: str, *refs: Object, namespace: str = "d", finalizers: tuple[str, ...] = ()) -> Object:
    metadata: Object = {"name": name, "namespace": namespace}
    if refs:
        metadata["ownerReferences"] = list(refs)
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


def exists(client: FakeClient, resource: Resource, name: str, namespace: str = "d") -> bool:
    return any(
        o["metadata"]["name"] == name
        for o in client.objects(resource, namespace if resource.namespaced else "")
    )


def stored(client: FakeClient, resource: Resource, name: str, namespace: str = "d") -> Object:
    for obj in client.objects(resource, namespace if resource.namespaced else ""):
        if obj["metadata"]["name"] == name:
            return obj
    raise NotFound({"message": f"{name} not found", "code": 404, "reason": "NotFound"})


async def test_background_deletion_removes_dependents_and_theirs() -> None:
    async with running(garbagecollector.new_controller) as h:
        owner = await h.client.create(r.CONFIGMAPS, cm("owner"))
        child = await h.client.create(r.CONFIGMAPS, cm("child", owner_ref(owner)))
        await h.client.create(r.CONFIGMAPS, cm("grandchild", owner_ref(child)))
        await h.client.create(r.CONFIGMAPS, cm("bystander"))
        await h.settle()
        assert exists(h.client, r.CONFIGMAPS, "child")

        await h.client.delete(r.CONFIGMAPS, "owner", "d", propagation_policy="Background")
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "grandchild"))
        assert not exists(h.client, r.CONFIGMAPS, "child")
        assert exists(h.client, r.CONFIGMAPS, "bystander")


@pytest.mark.parametrize(
    "owner_state",
    ["never existed", "recreated with another uid"],
)
async def test_a_dependent_whose_owner_does_not_exist_is_deleted(owner_state: str) -> None:
    client = FakeClient()
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner", "uid": "gone-uid"}}
    if owner_state == "recreated with another uid":
        client.seed(r.CONFIGMAPS, cm("owner"))
    client.seed(r.CONFIGMAPS, cm("child", owner_ref(ghost)))
    async with running(garbagecollector.new_controller, client=client) as h:
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "child"))
        assert exists(h.client, r.CONFIGMAPS, "owner") == (owner_state == "recreated with another uid")


async def test_a_living_owner_keeps_its_dependent_and_dangling_references_are_dropped() -> None:
    client = FakeClient()
    (alive,) = client.seed(r.CONFIGMAPS, cm("alive"))
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ghost", "uid": "ghost-uid"}}
    client.seed(r.CONFIGMAPS, cm("child", owner_ref(alive), owner_ref(ghost)))
    async with running(garbagecollector.new_controller, client=client) as h:
        await h.until(
            lambda: len(stored(h.client, r.CONFIGMAPS, "child")["metadata"]["ownerReferences"]) == 1
        )
        refs = stored(h.client, r.CONFIGMAPS, "child")["metadata"]["ownerReferences"]
        assert [ref["name"] for ref in refs] == ["alive"]

        # The last owner going takes the dependent with it.
        await h.client.delete(r.CONFIGMAPS, "alive", "d")
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "child"))


async def test_orphan_propagation_keeps_dependents_without_the_reference() -> None:
    async with running(garbagecollector.new_controller) as h:
        owner = await h.client.create(r.CONFIGMAPS, cm("owner"))
        other = await h.client.create(r.CONFIGMAPS, cm("other"))
        await h.client.create(r.CONFIGMAPS, cm("a", owner_ref(owner, controller=True)))
        await h.client.create(r.CONFIGMAPS, cm("b", owner_ref(owner), owner_ref(other)))
        await h.settle()

        deleting = await h.client.delete(r.CONFIGMAPS, "owner", "d", propagation_policy="Orphan")
        assert deleting["metadata"]["finalizers"] == ["orphan"]
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "owner"))
        assert not stored(h.client, r.CONFIGMAPS, "a")["metadata"].get("ownerReferences")
        assert [
            ref["name"] for ref in stored(h.client, r.CONFIGMAPS, "b")["metadata"]["ownerReferences"]
        ] == ["other"]
        await h.settle()
        assert exists(h.client, r.CONFIGMAPS, "a") and exists(h.client, r.CONFIGMAPS, "b")


async def test_foreground_deletion_waits_for_blocking_dependents() -> None:
    async with running(garbagecollector.new_controller) as h:
        owner = await h.client.create(r.CONFIGMAPS, cm("owner"))
        # The dependent's own finalizer holds it after it is deleted, so the wait can be observed.
        await h.client.create(
            r.CONFIGMAPS, cm("child", owner_ref(owner, block=True), finalizers=("example.com/hold",))
        )
        await h.settle()

        await h.client.delete(r.CONFIGMAPS, "owner", "d", propagation_policy="Foreground")
        await h.until(lambda: "deletionTimestamp" in stored(h.client, r.CONFIGMAPS, "child")["metadata"])
        await h.settle()
        waiting = stored(h.client, r.CONFIGMAPS, "owner")["metadata"]
        assert waiting["finalizers"] == ["foregroundDeletion"] and "deletionTimestamp" in waiting

        await h.client.patch(r.CONFIGMAPS, "child", {"metadata": {"finalizers": None}}, "d")
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "owner"))


async def test_foreground_deletion_goes_down_a_chain() -> None:
    async with running(garbagecollector.new_controller) as h:
        deployment = await h.client.create(
            r.DEPLOYMENTS, {"metadata": {"name": "web", "namespace": "d"}, "spec": {"replicas": 1}}
        )
        rs = await h.client.create(
            r.REPLICASETS,
            {
                "metadata": {
                    "name": "web-1",
                    "namespace": "d",
                    "ownerReferences": [owner_ref(deployment, block=True, controller=True)],
                },
                "spec": {"replicas": 1},
            },
        )
        await h.client.create(
            r.PODS,
            {
                "metadata": {
                    "name": "web-1-a",
                    "namespace": "d",
                    "ownerReferences": [owner_ref(rs, block=True, controller=True)],
                    "finalizers": ["example.com/hold"],
                },
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        )
        await h.settle()

        await h.client.delete(r.DEPLOYMENTS, "web", "d", propagation_policy="Foreground")
        # The ReplicaSet has dependents of its own, so it is deleted in the foreground too.
        await h.until(lambda: "deletionTimestamp" in stored(h.client, r.PODS, "web-1-a")["metadata"])
        assert stored(h.client, r.REPLICASETS, "web-1")["metadata"]["finalizers"] == ["foregroundDeletion"]
        assert exists(h.client, r.DEPLOYMENTS, "web")

        await h.client.patch(r.PODS, "web-1-a", {"metadata": {"finalizers": None}}, "d")
        await h.until(lambda: not exists(h.client, r.DEPLOYMENTS, "web"))
        assert not exists(h.client, r.REPLICASETS, "web-1")


async def test_foreground_deletion_does_not_wait_for_non_blocking_dependents() -> None:
    async with running(garbagecollector.new_controller) as h:
        owner = await h.client.create(r.CONFIGMAPS, cm("owner"))
        await h.client.create(
            r.CONFIGMAPS, cm("child", owner_ref(owner, block=False), finalizers=("example.com/hold",))
        )
        await h.settle()
        await h.client.delete(r.CONFIGMAPS, "owner", "d", propagation_policy="Foreground")
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "owner"))
        # ...but the dependent is still collected.
        await h.until(lambda: "deletionTimestamp" in stored(h.client, r.CONFIGMAPS, "child")["metadata"])


async def test_a_cluster_scoped_object_with_a_namespaced_owner_is_left_alone() -> None:
    client = FakeClient()
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "uid": "u-1"}}
    client.seed(r.NAMESPACES, {"metadata": {"name": "odd", "ownerReferences": [owner_ref(ghost)]}})
    async with running(garbagecollector.new_controller, client=client) as h:
        await h.settle(2.0)
        assert exists(h.client, r.NAMESPACES, "odd")


async def test_a_namespaced_owner_in_another_namespace_does_not_count() -> None:
    client = FakeClient()
    (owner,) = client.seed(r.CONFIGMAPS, cm("owner", namespace="a"))
    async with running(garbagecollector.new_controller, client=client) as h:
        await h.client.create(r.CONFIGMAPS, cm("child", owner_ref(owner), namespace="b"))
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "child", "b"))
        assert exists(h.client, r.CONFIGMAPS, "owner", "a")
        await h.until(lambda: bool(h.events("OwnerRefInvalidNamespace")))
        (event,) = h.events("OwnerRefInvalidNamespace")
        assert event["type"] == "Warning"
        assert event["involvedObject"]["name"] == "child"
        assert event["message"] == (
            f"ownerRef [v1/ConfigMap, namespace: b, name: owner, uid: {owner['metadata']['uid']}] "
            'does not exist in namespace "b"'
        )


async def test_a_cluster_scoped_owner_holds_dependents_in_any_namespace() -> None:
    async with running(garbagecollector.new_controller) as h:
        node = await h.client.create(r.NODES, {"metadata": {"name": "n1"}})
        await h.client.create(r.CONFIGMAPS, cm("lease", owner_ref(node), namespace="kube-node-lease"))
        await h.settle()
        assert exists(h.client, r.CONFIGMAPS, "lease", "kube-node-lease")
        await h.client.delete(r.NODES, "n1")
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "lease", "kube-node-lease"))


async def test_retries_after_an_api_error() -> None:
    async with running(garbagecollector.new_controller) as h:
        owner = await h.client.create(r.CONFIGMAPS, cm("owner"))
        await h.client.create(r.CONFIGMAPS, cm("child", owner_ref(owner)))
        await h.settle()
        await h.client.delete(r.CONFIGMAPS, "owner", "d")
        # The collector's first delete of the dependent fails; it retries with back-off.
        h.client.fail_next("delete", "configmaps", status_error(500, "InternalError", "boom"))
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "child"))


async def test_foreground_deletion_of_an_owner_without_dependents_finishes() -> None:
    async with running(garbagecollector.new_controller) as h:
        await h.client.create(r.CONFIGMAPS, cm("lonely"))
        await h.client.delete(r.CONFIGMAPS, "lonely", "d", propagation_policy="Foreground")
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "lonely"))


async def test_a_dependent_with_another_living_owner_stops_blocking_a_foreground_deletion() -> None:
    async with running(garbagecollector.new_controller) as h:
        leaving = await h.client.create(r.CONFIGMAPS, cm("leaving"))
        staying = await h.client.create(r.CONFIGMAPS, cm("staying"))
        await h.client.create(r.CONFIGMAPS, cm("shared", owner_ref(leaving, block=True), owner_ref(staying)))
        await h.settle()
        await h.client.delete(r.CONFIGMAPS, "leaving", "d", propagation_policy="Foreground")
        # The shared dependent keeps its living owner and drops the reference to the one waiting for it.
        await h.until(lambda: not exists(h.client, r.CONFIGMAPS, "leaving"))
        refs = stored(h.client, r.CONFIGMAPS, "shared")["metadata"]["ownerReferences"]
        assert [ref["name"] for ref in refs] == ["staying"]
