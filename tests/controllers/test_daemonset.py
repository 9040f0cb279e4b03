"""The DaemonSet controller over a FakeClient: one pod per eligible node, node changes, rolling updates with
maxUnavailable and maxSurge, OnDelete, failed pods with back-off, revisions and roll back, adoption, status
and events."""

from __future__ import annotations

import copy
import functools
from typing import Any

from pinnace.client import resources as r
from pinnace.client.fake import Action
from pinnace.controllers import daemonset
from pinnace.controllers.daemonset.util import target_node_name
from tests.controllers.statefulset_support import daemon_set, node, owners, revisions, with_image
from tests.controllers.workloads_support import NAMESPACE, Cluster, pod, running

Object = dict[str, Any]

SURGE = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}


def by_node(cluster: Cluster) -> dict[str, list[Object]]:
    result: dict[str, list[Object]] = {}
    for item in cluster.pods():
        result.setdefault(target_node_name(item) or "", []).append(item)
    return result


def images(cluster: Cluster) -> dict[str, list[str]]:
    return {
        name: sorted(p["spec"]["containers"][0]["image"] for p in pods)
        for name, pods in by_node(cluster).items()
    }


def status(cluster: Cluster) -> Object:
    return cluster.status(r.DAEMONSETS, "agent")


async def make_all_ready(cluster: Cluster) -> None:
    for item in cluster.pods():
        if (item.get("status") or {}).get("phase") != "Running":
            await cluster.make_ready(item["metadata"]["name"])


def has_length(items: list[str], length: int) -> bool:
    return len(items) == length


def record_pod_deletions(cluster: Cluster) -> list[str]:
    deleted: list[str] = []

    def hook(action: Action) -> None:
        if action.verb == "delete" and action.resource == "pods":
            deleted.append(action.name)

    cluster.client.add_error_hook(hook)
    return deleted


async def start(cluster: Cluster, *nodes: Object, **spec: Any) -> None:
    for item in nodes:
        await cluster.client.create(r.NODES, item)
    await cluster.client.create(r.DAEMONSETS, daemon_set("agent", **spec))


async def update_set(cluster: Cluster, change: Any) -> None:
    await cluster.client.update(r.DAEMONSETS, change(cluster.get(r.DAEMONSETS, "agent")))


async def test_one_pod_per_node_pinned_by_node_affinity_with_daemon_tolerations() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"), node("n2"))
        await cluster.until(lambda: sorted(by_node(cluster)) == ["n1", "n2"])
        (revision,) = revisions(cluster)
        hash_ = revision["metadata"]["labels"]["controller-revision-hash"]
        for name, (item,) in by_node(cluster).items():
            assert item["metadata"]["generateName"] == "agent-"
            assert item["metadata"]["labels"] == {"app": "agent", "controller-revision-hash": hash_}
            assert owners(item) == [("DaemonSet", "agent", True)]
            assert "nodeName" not in item["spec"], "the scheduler binds the pod"
            assert item["spec"]["affinity"] == {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [name]}]}
                        ]
                    }
                }
            }
            assert item["spec"]["tolerations"] == [
                {"key": key, "operator": "Exists", "effect": effect}
                for key, effect in [
                    ("node.kubernetes.io/not-ready", "NoExecute"),
                    ("node.kubernetes.io/unreachable", "NoExecute"),
                    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                    ("node.kubernetes.io/unschedulable", "NoSchedule"),
                ]
            ]
        await cluster.flush_events()
        assert sorted(cluster.events("SuccessfulCreate")) == sorted(
            f"Created pod: {p['metadata']['name']}" for p in cluster.pods()
        )


async def test_status_counts_scheduled_ready_available_and_updated_pods() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"), node("n2"), node("n3"))
        await cluster.until(lambda: len(cluster.pods()) == 3)
        await cluster.until(lambda: status(cluster).get("observedGeneration") == 1)
        assert status(cluster) == {
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3,
            "numberMisscheduled": 0,
            "numberReady": 0,
            "updatedNumberScheduled": 3,
            "numberUnavailable": 3,
            "observedGeneration": 1,
        }
        name = by_node(cluster)["n1"][0]["metadata"]["name"]
        await cluster.make_ready(name, node="n1")
        await cluster.until(lambda: status(cluster).get("numberAvailable") == 1)
        assert status(cluster)["numberReady"] == 1
        assert status(cluster)["numberUnavailable"] == 2


async def test_nodes_joining_and_leaving_the_selection() -> None:
    template = daemon_set("agent")["spec"]["template"]
    template["spec"]["nodeSelector"] = {"disk": "ssd"}
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1", labels={"disk": "ssd"}), node("n2"), template=template)
        await cluster.until(lambda: status(cluster).get("observedGeneration") == 1)
        await cluster.until(lambda: list(by_node(cluster)) == ["n1"])
        await cluster.client.create(r.NODES, node("n3", labels={"disk": "ssd"}))
        await cluster.until(lambda: sorted(by_node(cluster)) == ["n1", "n3"])
        n2 = cluster.client.objects(r.NODES)[1]
        n2["metadata"]["labels"]["disk"] = "ssd"
        await cluster.client.update(r.NODES, n2)
        await cluster.until(lambda: sorted(by_node(cluster)) == ["n1", "n2", "n3"])
        n1 = cluster.client.objects(r.NODES)[0]
        del n1["metadata"]["labels"]["disk"]
        await cluster.client.update(r.NODES, n1)
        await cluster.until(lambda: sorted(by_node(cluster)) == ["n2", "n3"])
        await cluster.until(lambda: status(cluster).get("desiredNumberScheduled") == 2)


async def test_a_no_schedule_taint_keeps_new_pods_off_but_evicts_nobody() -> None:
    taint = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"))
        await cluster.until(lambda: list(by_node(cluster)) == ["n1"])
        await cluster.client.create(r.NODES, node("n2", taints=[taint]))
        n1 = cluster.client.objects(r.NODES)[0]
        n1["spec"]["taints"] = [taint]
        await cluster.client.update(r.NODES, n1)
        await cluster.until(lambda: status(cluster).get("numberMisscheduled") == 1)
        await cluster.settle(1)
        assert list(by_node(cluster)) == ["n1"]
        assert status(cluster)["desiredNumberScheduled"] == 0


async def test_an_untolerated_no_execute_taint_removes_the_pod() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"))
        await cluster.until(lambda: list(by_node(cluster)) == ["n1"])
        n1 = cluster.client.objects(r.NODES)[0]
        n1["spec"]["taints"] = [{"key": "maintenance", "effect": "NoExecute"}]
        await cluster.client.update(r.NODES, n1)
        await cluster.until(lambda: by_node(cluster) == {})


async def test_rolling_update_replaces_at_most_max_unavailable_pods_at_a_time() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"), node("n2"), node("n3"))
        await cluster.until(lambda: len(cluster.pods()) == 3)
        await make_all_ready(cluster)
        await cluster.until(lambda: status(cluster).get("numberAvailable") == 3)
        deleted = record_pod_deletions(cluster)
        await update_set(cluster, lambda ds: with_image(ds, "fluentd:2"))
        await cluster.until(lambda: len(deleted) == 1)
        await cluster.settle(1)
        assert len(deleted) == 1, "one unavailable pod at a time"
        for step in range(2, 4):
            await cluster.until(lambda: len(cluster.pods()) == 3)
            await make_all_ready(cluster)
            await cluster.until(functools.partial(has_length, deleted, step))
        await cluster.until(lambda: len(cluster.pods()) == 3)
        await make_all_ready(cluster)
        await cluster.until(lambda: status(cluster).get("updatedNumberScheduled") == 3)
        assert images(cluster) == {"n1": ["fluentd:2"], "n2": ["fluentd:2"], "n3": ["fluentd:2"]}
        assert [rev["revision"] for rev in revisions(cluster)] == [1, 2]


async def test_max_surge_starts_the_new_pod_before_the_old_one_goes() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"), strategy=SURGE)
        await cluster.until(lambda: len(cluster.pods()) == 1)
        await make_all_ready(cluster)
        await cluster.until(lambda: status(cluster).get("numberAvailable") == 1)
        await update_set(cluster, lambda ds: with_image(ds, "fluentd:2"))
        await cluster.until(lambda: images(cluster) == {"n1": ["fluentd:1", "fluentd:2"]})
        await cluster.settle(1)
        assert images(cluster) == {"n1": ["fluentd:1", "fluentd:2"]}, "the old pod waits for the new one"
        await make_all_ready(cluster)
        await cluster.until(lambda: images(cluster) == {"n1": ["fluentd:2"]})


async def test_on_delete_leaves_old_pods_until_deleted() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"), node("n2"), strategy={"type": "OnDelete"})
        await cluster.until(lambda: len(cluster.pods()) == 2)
        await make_all_ready(cluster)
        await update_set(cluster, lambda ds: with_image(ds, "fluentd:2"))
        await cluster.until(lambda: status(cluster).get("observedGeneration") == 2)
        await cluster.settle(1)
        assert images(cluster) == {"n1": ["fluentd:1"], "n2": ["fluentd:1"]}
        assert status(cluster).get("updatedNumberScheduled") is None  # zero, left out as Go does
        await cluster.client.delete(r.PODS, by_node(cluster)["n2"][0]["metadata"]["name"], NAMESPACE)
        await cluster.until(lambda: images(cluster) == {"n1": ["fluentd:1"], "n2": ["fluentd:2"]})


async def test_a_failed_pod_is_replaced_with_back_off() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"))
        # The back-off is per set, observed generation and node.
        await cluster.until(lambda: status(cluster).get("observedGeneration") == 1)

        async def fail_current() -> str:
            name = str(cluster.pods()[0]["metadata"]["name"])
            await cluster.client.patch(
                r.PODS, name, {"status": {"phase": "Failed"}}, NAMESPACE, subresource="status"
            )
            return name

        first = await fail_current()
        await cluster.until(lambda: [p["metadata"]["name"] for p in cluster.pods()] not in ([], [first]))
        started = cluster.clock.monotonic()
        second = await fail_current()
        await cluster.until(lambda: [p["metadata"]["name"] for p in cluster.pods()] not in ([], [second]))
        assert cluster.clock.monotonic() - started >= 1.0, "the second failure waits out the back-off"
        await cluster.flush_events()
        assert cluster.events("FailedDaemonPod") == [
            f"Found failed daemon pod default/{first} on node n1, will try to kill it",
            f"Found failed daemon pod default/{second} on node n1, will try to kill it",
        ]


async def test_a_set_selecting_everything_is_refused() -> None:
    async with running(daemonset.new_controller) as cluster:
        ds = daemon_set("agent")
        ds["spec"]["selector"] = {}
        await cluster.client.create(r.NODES, node("n1"))
        await cluster.client.create(r.DAEMONSETS, ds)
        await cluster.until(lambda: bool(cluster.events("SelectingAll")))
        await cluster.flush_events()
        assert cluster.events("SelectingAll") == [
            "This daemon set is selecting all pods. A non-empty selector is required."
        ]
        assert cluster.pods() == []


async def test_roll_back_renumbers_the_earlier_revision_and_history_is_trimmed() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"), revisionHistoryLimit=1)
        await cluster.until(lambda: len(revisions(cluster)) == 1)
        first = revisions(cluster)[0]
        await update_set(cluster, lambda ds: with_image(ds, "fluentd:2"))
        await cluster.until(lambda: len(revisions(cluster)) == 2)
        # kubectl rollout undo: the first revision's data as a strategic merge patch.
        await cluster.client.patch(r.DAEMONSETS, "agent", first["data"], NAMESPACE, patch_type="strategic")
        await cluster.until(lambda: revisions(cluster)[-1]["metadata"]["name"] == first["metadata"]["name"])
        assert [rev["revision"] for rev in revisions(cluster)] == [2, 3]
        await update_set(cluster, lambda ds: with_image(ds, "fluentd:3"))
        await cluster.until(lambda: images(cluster) == {"n1": ["fluentd:3"]})
        await cluster.until(lambda: [rev["revision"] for rev in revisions(cluster)] == [3, 4])


async def test_a_revision_name_taken_by_another_template_bumps_the_collision_count() -> None:
    async with running(daemonset.new_controller) as cluster:
        async with running(daemonset.new_controller) as probe:
            await start(probe, node("n1"))
            await probe.until(lambda: len(revisions(probe)) == 1)
            taken = revisions(probe)[0]["metadata"]["name"]
        squatter = {
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {"name": taken, "namespace": NAMESPACE},
            "data": {"other": True},
            "revision": 1,
        }
        await cluster.client.create(r.CONTROLLERREVISIONS, squatter)
        await start(cluster, node("n1"))
        await cluster.until(lambda: status(cluster).get("collisionCount") == 1)
        await cluster.until(lambda: len(cluster.pods()) == 1)
        hash_ = cluster.pods()[0]["metadata"]["labels"]["controller-revision-hash"]
        assert f"agent-{hash_}" != taken


async def test_orphans_on_nodes_are_adopted_and_extra_pods_removed() -> None:
    async with running(daemonset.new_controller) as cluster:
        orphan = pod("agent-old", {"app": "agent"}, spec={"nodeName": "n1"})
        await cluster.client.create(r.PODS, orphan)
        await start(cluster, node("n1"), node("n2"))
        await cluster.until(
            lambda: owners(cluster.get(r.PODS, "agent-old")) == [("DaemonSet", "agent", True)]
        )
        await cluster.until(lambda: sorted(by_node(cluster)) == ["n1", "n2"])
        assert [p["metadata"]["name"] for p in by_node(cluster)["n1"]] == ["agent-old"]


async def test_pods_of_a_node_that_is_gone_are_deleted_while_unbound() -> None:
    async with running(daemonset.new_controller) as cluster:
        await start(cluster, node("n1"), node("n2"))
        await cluster.until(lambda: sorted(by_node(cluster)) == ["n1", "n2"])
        await cluster.client.delete(r.NODES, "n2")
        await cluster.until(lambda: sorted(by_node(cluster)) == ["n1"])


def test_daemon_set_builder_is_not_shared() -> None:
    assert daemon_set("a") == copy.deepcopy(daemon_set("a"))
