"""The Deployment controller with the ReplicaSet controller over a FakeClient, and a pretend kubelet making
pods Ready: rollout, rolling update bounds, scaling, Recreate, rollback, history, pause, progress deadline."""

from __future__ import annotations

from typing import Any

from pinnace.client import resources as r
from pinnace.client.errors import status_error
from pinnace.controllers import deployment, replicaset
from tests.controllers.workloads_support import NAMESPACE, Cluster, running
from tests.controllers.workloads_support import deployment as new_deployment

CONTROLLERS = (deployment.new_controller, replicaset.new_controller)


def replica_sets(cluster: Cluster) -> dict[str, dict[str, Any]]:
    return {rs["metadata"]["name"]: rs for rs in cluster.client.objects(r.REPLICASETS, NAMESPACE)}


def sizes(cluster: Cluster) -> dict[str, int]:
    return {name: rs["spec"]["replicas"] for name, rs in replica_sets(cluster).items()}


def condition(cluster: Cluster, name: str, kind: str) -> dict[str, Any]:
    for item in cluster.status(r.DEPLOYMENTS, name).get("conditions", []):
        if item["type"] == kind:
            return dict(item)
    return {}


def complete(cluster: Cluster, name: str = "web") -> bool:
    d = cluster.get(r.DEPLOYMENTS, name)
    status = d.get("status", {})
    replicas = d["spec"]["replicas"]
    return (
        status.get("observedGeneration") == d["metadata"]["generation"]
        and status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
    )


async def set_image(cluster: Cluster, image: str, name: str = "web") -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}}
    await cluster.client.patch(r.DEPLOYMENTS, name, patch, NAMESPACE, patch_type="strategic")


async def test_a_new_deployment_gets_a_hashed_replica_set_and_becomes_available() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 3))
        await cluster.until(lambda: complete(cluster))
        [(name, rs)] = replica_sets(cluster).items()
        pod_hash = rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"]
        assert name == f"web-{pod_hash}"
        assert rs["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
        assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": pod_hash}}
        assert rs["metadata"]["annotations"] == {
            "deployment.kubernetes.io/revision": "1",
            "deployment.kubernetes.io/desired-replicas": "3",
            "deployment.kubernetes.io/max-replicas": "4",
        }
        [ref] = rs["metadata"]["ownerReferences"]
        assert (ref["kind"], ref["name"], ref["controller"]) == ("Deployment", "web", True)
        assert len(cluster.pods()) == 3
        assert all(p["metadata"]["labels"]["pod-template-hash"] == pod_hash for p in cluster.pods())
        d = cluster.get(r.DEPLOYMENTS, "web")
        assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
        assert d["status"]["readyReplicas"] == 3 and "unavailableReplicas" not in d["status"]
        available, progressing = (
            condition(cluster, "web", "Available"),
            condition(cluster, "web", "Progressing"),
        )
        assert (available["status"], available["reason"], available["message"]) == (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
        assert (progressing["status"], progressing["reason"], progressing["message"]) == (
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{name}" has successfully progressed.',
        )
        await cluster.flush_events()
        assert cluster.events("ScalingReplicaSet") == [f"Scaled up replica set {name} from 0 to 3"]


async def test_rolling_update_stays_within_max_surge_and_max_unavailable() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        spec = {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}}
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 4, **spec))
        await cluster.until(lambda: complete(cluster))
        [old] = replica_sets(cluster)
        await set_image(cluster, "nginx:1.28")
        seen_total: list[int] = []
        seen_ready: list[int] = []

        def done() -> bool:
            pods = cluster.pods()
            seen_total.append(len(pods))
            seen_ready.append(sum(1 for p in pods if p.get("status", {}).get("phase") == "Running"))
            return len(replica_sets(cluster)) == 2 and complete(cluster) and sizes(cluster)[old] == 0

        await cluster.until(done)
        assert max(seen_total) <= 5  # replicas + maxSurge
        assert min(seen_ready) >= 3  # replicas - maxUnavailable
        [new] = [name for name in replica_sets(cluster) if name != old]
        assert (
            replica_sets(cluster)[new]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
        )
        assert all(p["spec"]["containers"][0]["image"] == "nginx:1.28" for p in cluster.pods())
        await cluster.flush_events()
        scaling = cluster.events("ScalingReplicaSet")
        assert scaling[1] == f"Scaled up replica set {new} from 0 to 1"
        assert f"Scaled down replica set {old} from 4 to 3" in scaling
        assert scaling[-1].endswith("to 0") and old in scaling[-1]


async def test_scaling_up_and_down_uses_the_one_active_replica_set() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 3))
        await cluster.until(lambda: complete(cluster))
        await cluster.client.patch(r.DEPLOYMENTS, "web", {"spec": {"replicas": 10}}, NAMESPACE)
        await cluster.until(lambda: complete(cluster) and len(cluster.pods()) == 10)
        await cluster.client.patch(r.DEPLOYMENTS, "web", {"spec": {"replicas": 3}}, NAMESPACE)
        await cluster.until(lambda: complete(cluster) and len(cluster.pods()) == 3)
        [name] = replica_sets(cluster)
        assert (
            replica_sets(cluster)[name]["metadata"]["annotations"][
                "deployment.kubernetes.io/desired-replicas"
            ]
            == "3"
        )
        await cluster.flush_events()
        assert cluster.events("ScalingReplicaSet")[1:] == [
            f"Scaled up replica set {name} from 3 to 10",
            f"Scaled down replica set {name} from 10 to 3",
        ]


async def test_scaling_during_a_rollout_is_proportional() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 10))
        await cluster.until(lambda: complete(cluster))
        [old] = replica_sets(cluster)
        cluster.auto_ready = False  # the new pods never become ready: the rollout stalls
        await set_image(cluster, "nginx:broken")
        await cluster.until(lambda: sorted(sizes(cluster).values()) == [5, 8])
        await cluster.settle(2)
        assert sorted(sizes(cluster).values()) == [5, 8]
        await cluster.client.patch(r.DEPLOYMENTS, "web", {"spec": {"replicas": 20}}, NAMESPACE)
        [new] = [name for name in replica_sets(cluster) if name != old]
        # 13 pods with maxSurge 3; 20 + 5 allowed: the 12 added go 7 to the old and 5 to the new ReplicaSet.
        await cluster.until(lambda: sizes(cluster) == {old: 15, new: 10})


async def test_recreate_removes_the_old_pods_before_creating_new_ones() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 3, strategy={"type": "Recreate"}))
        await cluster.until(lambda: complete(cluster))
        [old] = replica_sets(cluster)
        await set_image(cluster, "nginx:1.28")
        mixed: list[bool] = []

        def done() -> bool:
            images = {p["spec"]["containers"][0]["image"] for p in cluster.pods()}
            mixed.append(len(images) > 1)
            return complete(cluster) and len(replica_sets(cluster)) == 2 and images == {"nginx:1.28"}

        await cluster.until(done)
        assert not any(mixed)
        await cluster.flush_events()
        scaling = cluster.events("ScalingReplicaSet")
        assert scaling[1] == f"Scaled down replica set {old} from 3 to 0"
        assert scaling[2].startswith("Scaled up replica set web-") and scaling[2].endswith("from 0 to 3")


async def test_rollback_by_template_makes_the_old_replica_set_new_again() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 2))
        await cluster.until(lambda: complete(cluster))
        [first] = replica_sets(cluster)
        await set_image(cluster, "nginx:1.28")
        await cluster.until(lambda: complete(cluster) and sizes(cluster)[first] == 0)
        # What `kubectl rollout undo` sends: the old ReplicaSet's template without the hash label.
        await set_image(cluster, "nginx:1.27")
        await cluster.until(lambda: complete(cluster) and sizes(cluster)[first] == 2)
        annotations = replica_sets(cluster)[first]["metadata"]["annotations"]
        assert annotations["deployment.kubernetes.io/revision"] == "3"
        assert annotations["deployment.kubernetes.io/revision-history"] == "1"
        assert (
            cluster.get(r.DEPLOYMENTS, "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            == "3"
        )
        assert len(replica_sets(cluster)) == 2


async def test_revision_history_limit_deletes_the_oldest_scaled_down_replica_sets() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 1, revisionHistoryLimit=1))
        await cluster.until(lambda: complete(cluster))
        for tag in ("a", "b", "c"):
            await set_image(cluster, f"nginx:{tag}")
            await cluster.until(lambda: complete(cluster) and sum(sizes(cluster).values()) == 1)
        await cluster.until(lambda: len(replica_sets(cluster)) == 2)
        revisions = sorted(
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            for rs in replica_sets(cluster).values()
        )
        assert revisions == ["3", "4"]


async def test_change_cause_is_copied_for_rollout_history() -> None:
    async with running(*CONTROLLERS) as cluster:
        body = new_deployment("web", 1)
        body["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first release"}
        await cluster.client.create(r.DEPLOYMENTS, body)
        await cluster.until(lambda: len(replica_sets(cluster)) == 1)
        [rs] = replica_sets(cluster).values()
        assert rs["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first release"


async def test_a_paused_deployment_scales_but_does_not_roll_out_until_resumed() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 2))
        await cluster.until(lambda: complete(cluster))
        await cluster.client.patch(r.DEPLOYMENTS, "web", {"spec": {"paused": True}}, NAMESPACE)
        await cluster.until(
            lambda: condition(cluster, "web", "Progressing").get("reason") == "DeploymentPaused"
        )
        progressing = condition(cluster, "web", "Progressing")
        assert (progressing["status"], progressing["message"]) == ("Unknown", "Deployment is paused")
        await set_image(cluster, "nginx:1.28")
        await cluster.client.patch(r.DEPLOYMENTS, "web", {"spec": {"replicas": 3}}, NAMESPACE)
        await cluster.until(lambda: len(cluster.pods()) == 3)
        await cluster.settle(2)
        assert len(replica_sets(cluster)) == 1
        await cluster.client.patch(r.DEPLOYMENTS, "web", {"spec": {"paused": False}}, NAMESPACE)
        await cluster.until(lambda: len(replica_sets(cluster)) == 2 and complete(cluster))
        assert {p["spec"]["containers"][0]["image"] for p in cluster.pods()} == {"nginx:1.28"}


async def test_progress_deadline_exceeded_when_new_pods_never_become_ready() -> None:
    async with running(*CONTROLLERS) as cluster:
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 1, progressDeadlineSeconds=30))
        await cluster.until(lambda: len(replica_sets(cluster)) == 1)
        [name] = replica_sets(cluster)
        await cluster.until(
            lambda: condition(cluster, "web", "Progressing").get("status") == "False", seconds=45, step=0.5
        )
        progressing = condition(cluster, "web", "Progressing")
        assert progressing["reason"] == "ProgressDeadlineExceeded"
        assert progressing["message"] == f'ReplicaSet "{name}" has timed out progressing.'
        available = condition(cluster, "web", "Available")
        assert (available["status"], available["reason"]) == ("False", "MinimumReplicasUnavailable")
        assert cluster.status(r.DEPLOYMENTS, "web")["unavailableReplicas"] == 1


async def test_adopts_an_orphaned_replica_set_with_a_matching_template() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.auto_ready = True
        d = new_deployment("web", 2)
        orphan = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web-orphan", "namespace": NAMESPACE, "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": d["spec"]["template"],
            },
        }
        await cluster.client.create(r.REPLICASETS, orphan)
        await cluster.until(lambda: len(cluster.pods()) == 2)
        await cluster.client.create(r.DEPLOYMENTS, d)
        await cluster.until(lambda: complete(cluster))
        assert list(replica_sets(cluster)) == ["web-orphan"]
        [ref] = replica_sets(cluster)["web-orphan"]["metadata"]["ownerReferences"]
        assert ref["kind"] == "Deployment" and ref["controller"] is True
        assert len(cluster.pods()) == 2


async def test_an_empty_selector_is_refused_with_an_event() -> None:
    async with running(*CONTROLLERS) as cluster:
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 1, selector={}))
        await cluster.until(lambda: cluster.status(r.DEPLOYMENTS, "web").get("observedGeneration") == 1)
        await cluster.flush_events()
        assert cluster.events("SelectingAll") == [
            "This deployment is selecting all pods. A non-empty selector is required."
        ]
        assert replica_sets(cluster) == {}


async def test_replica_failures_surface_on_the_deployment() -> None:
    async with running(*CONTROLLERS) as cluster:
        cluster.client.fail_next(
            "create", "pods", status_error(403, "Forbidden", 'pods "web-1" is forbidden: exceeded quota: q')
        )
        await cluster.client.create(r.DEPLOYMENTS, new_deployment("web", 1))
        await cluster.until(lambda: condition(cluster, "web", "ReplicaFailure").get("status") == "True")
        failure = condition(cluster, "web", "ReplicaFailure")
        assert (failure["reason"], failure["message"]) == (
            "FailedCreate",
            'pods "web-1" is forbidden: exceeded quota: q',
        )
        # The ReplicaSet controller retries with back-off; once a pod exists the condition goes away.
        await cluster.until(
            lambda: not condition(cluster, "web", "ReplicaFailure") and len(cluster.pods()) == 1
        )
