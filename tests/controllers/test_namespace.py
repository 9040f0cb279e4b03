"""The namespace controller against a FakeClient: a deleted namespace is emptied, its conditions say what
holds it, and it goes once its content has."""

from __future__ import annotations

from pinnace.client import resources as r
from pinnace.client.errors import status_error
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.client.resources import Resource
from pinnace.controllers import namespace
from tests.controllers.lifecycle_support import Harness, running


def ns(name: str) -> Object:
    # What the API server's defaulting gives every namespace.
    return {"metadata": {"name": name}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def names(client: FakeClient, resource: Resource, namespace: str = "") -> list[str]:
    return [o["metadata"]["name"] for o in client.objects(resource, namespace)]


def seeded() -> FakeClient:
    client = FakeClient()
    client.seed(r.NAMESPACES, ns("doomed"), ns("kept"))
    for where in ("doomed", "kept"):
        client.seed(r.CONFIGMAPS, {"metadata": {"name": "settings", "namespace": where}})
        client.seed(
            r.SERVICES,
            {"metadata": {"name": "web", "namespace": where}, "spec": {"ports": [{"port": 80}]}},
        )
        client.seed(
            r.DEPLOYMENTS,
            {"metadata": {"name": "web", "namespace": where}, "spec": {"replicas": 1}},
        )
        # Unscheduled pods have no grace period: they go at once.
        client.seed(r.PODS, {"metadata": {"name": "web-1", "namespace": where}, "spec": {"containers": []}})
    return client


def conditions(h: Harness, name: str) -> dict[str, tuple[str, str, str]]:
    (obj,) = [o for o in h.client.objects(r.NAMESPACES) if o["metadata"]["name"] == name]
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in obj["status"].get("conditions", [])}


async def test_deleting_a_namespace_removes_its_content_and_then_the_namespace() -> None:
    async with running(namespace.new_controller, client=seeded()) as h:
        await h.client.delete(r.NAMESPACES, "doomed")
        assert "doomed" in names(h.client, r.NAMESPACES)  # held by the kubernetes finalizer
        await h.until(lambda: "doomed" not in names(h.client, r.NAMESPACES))
        for resource in (r.CONFIGMAPS, r.SERVICES, r.DEPLOYMENTS, r.PODS):
            assert names(h.client, resource, "doomed") == []
            assert names(h.client, resource, "kept") != []
        # Kinds whose default policy orphans must not get the orphan finalizer: deletes ask for Background.
        assert "kept" in names(h.client, r.NAMESPACES)


async def test_a_namespace_not_being_deleted_is_left_alone() -> None:
    async with running(namespace.new_controller, client=seeded()) as h:
        await h.settle(10.0)
        assert h.client.actions_of("delete") == []
        assert h.client.actions_of("update") == []


async def test_conditions_name_what_holds_the_namespace() -> None:
    client = seeded()
    client.seed(
        r.CONFIGMAPS,
        {"metadata": {"name": "held", "namespace": "doomed", "finalizers": ["example.com/hold"]}},
    )
    async with running(namespace.new_controller, client=client) as h:
        await h.client.delete(r.NAMESPACES, "doomed")
        await h.until(lambda: bool(conditions(h, "doomed")))
        assert conditions(h, "doomed") == {
            "NamespaceDeletionDiscoveryFailure": (
                "False",
                "ResourcesDiscovered",
                "All resources successfully discovered",
            ),
            "NamespaceDeletionGroupVersionParsingFailure": (
                "False",
                "ParsedGroupVersions",
                "All legacy kube types successfully parsed",
            ),
            "NamespaceDeletionContentFailure": (
                "False",
                "ContentDeleted",
                "All content successfully deleted, may be waiting on finalization",
            ),
            "NamespaceContentRemaining": (
                "True",
                "SomeResourcesRemain",
                "Some resources are remaining: configmaps. has 1 resource instances",
            ),
            "NamespaceFinalizersRemaining": (
                "True",
                "SomeFinalizerRemain",
                "Some finalizers are remaining: example.com/hold in 1 resource instances",
            ),
        }
        assert names(h.client, r.CONFIGMAPS, "doomed") == ["held"]

        await h.client.patch(r.CONFIGMAPS, "held", {"metadata": {"finalizers": None}}, "doomed")
        await h.until(lambda: "doomed" not in names(h.client, r.NAMESPACES))


async def test_pods_in_their_grace_period_are_waited_for() -> None:
    client = seeded()
    client.seed(
        r.PODS,
        {
            "metadata": {"name": "running", "namespace": "doomed"},
            "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 30, "containers": []},
            "status": {"phase": "Running"},
        },
    )
    async with running(namespace.new_controller, client=client) as h:
        await h.client.delete(r.NAMESPACES, "doomed")
        await h.until(lambda: bool(conditions(h, "doomed")))
        assert conditions(h, "doomed")["NamespaceContentRemaining"] == (
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: pods. has 1 resource instances",
        )
        (pod,) = client.objects(r.PODS, "doomed")
        assert pod["metadata"]["deletionGracePeriodSeconds"] == 30

        # The kubelet finishes the pod.
        await h.client.delete(r.PODS, "running", "doomed", grace_period_seconds=0)
        await h.until(lambda: "doomed" not in names(h.client, r.NAMESPACES))


async def test_a_failing_resource_is_reported_and_retried() -> None:
    async with running(namespace.new_controller, client=seeded()) as h:
        await h.client.delete(r.NAMESPACES, "doomed")
        h.client.fail_next("list", "secrets", status_error(500, "InternalError", "etcdserver: timeout"))
        await h.until(lambda: bool(conditions(h, "doomed")))
        assert conditions(h, "doomed")["NamespaceDeletionContentFailure"] == (
            "True",
            "ContentDeletionFailed",
            "Failed to delete all resource types, 1 remaining: etcdserver: timeout",
        )
        await h.until(lambda: "doomed" not in names(h.client, r.NAMESPACES))


async def test_other_finalizers_are_kept_and_hold_the_namespace() -> None:
    client = FakeClient()
    client.seed(
        r.NAMESPACES,
        {"metadata": {"name": "doomed"}, "spec": {"finalizers": ["kubernetes", "example.com/cleanup"]}},
    )
    async with running(namespace.new_controller, client=client) as h:
        await h.client.delete(r.NAMESPACES, "doomed")
        await h.until(
            lambda: (
                [o["spec"]["finalizers"] for o in h.client.objects(r.NAMESPACES)] == [["example.com/cleanup"]]
            )
        )
        (obj,) = h.client.objects(r.NAMESPACES)
        assert obj["status"]["phase"] == "Terminating"
