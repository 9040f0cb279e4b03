"""The ReplicaSet controller (and ReplicationControllers through it) over a FakeClient: pods created and
deleted, adoption and release, expectations, slow start, status and the ReplicaFailure condition, events."""

from __future__ import annotations

from pinnace.client import resources as r
from pinnace.client.errors import ApiError, status_error
from pinnace.client.fake import Action
from pinnace.client.keys import ObjectKey
from pinnace.controllers import replicaset, replicationcontroller
from pinnace.controllers.replicaset.controller import ReplicaSetController
from pinnace.controllers.replicaset.kinds import REPLICA_SET
from tests.controllers.workloads_support import NAMESPACE, pod, replica_set, running

KEY = ObjectKey(NAMESPACE, "web")


def owners(item: dict) -> list[tuple[str, str, bool]]:
    return [
        (ref["kind"], ref["name"], ref.get("controller", False))
        for ref in item["metadata"].get("ownerReferences", [])
    ]


async def test_creates_the_missing_pods_from_the_template() -> None:
    async with running(replicaset.new_controller) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 3))
        await cluster.until(lambda: cluster.status(r.REPLICASETS, "web").get("replicas") == 3)
        pods = cluster.pods()
        assert len(pods) == 3
        for item in pods:
            assert item["metadata"]["name"].startswith("web-")
            assert item["metadata"]["labels"] == {"app": "web"}
            assert owners(item) == [("ReplicaSet", "web", True)]
            assert item["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] is True
            assert item["spec"]["containers"][0]["image"] == "nginx:1.27"
        status = cluster.status(r.REPLICASETS, "web")
        assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}
        await cluster.flush_events()
        created = cluster.events("SuccessfulCreate")
        assert sorted(created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)


async def test_ready_and_available_replicas_follow_the_pods() -> None:
    async with running(replicaset.new_controller) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 2))
        await cluster.until(lambda: len(cluster.pods()) == 2)
        for item in cluster.pods():
            await cluster.make_ready(item["metadata"]["name"])
        await cluster.until(lambda: cluster.status(r.REPLICASETS, "web").get("availableReplicas") == 2)
        assert cluster.status(r.REPLICASETS, "web")["readyReplicas"] == 2


async def test_min_ready_seconds_delays_availability_and_requeues() -> None:
    async with running(replicaset.new_controller) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 1, minReadySeconds=30))
        await cluster.until(lambda: len(cluster.pods()) == 1)
        await cluster.make_ready(cluster.pods()[0]["metadata"]["name"])
        await cluster.until(lambda: cluster.status(r.REPLICASETS, "web").get("readyReplicas") == 1)
        assert "availableReplicas" not in cluster.status(r.REPLICASETS, "web")
        await cluster.settle(20)
        assert "availableReplicas" not in cluster.status(r.REPLICASETS, "web")
        # Nothing else changes: only the controller's own re-queue after minReadySeconds notices.
        await cluster.until(
            lambda: cluster.status(r.REPLICASETS, "web").get("availableReplicas") == 1, seconds=15
        )


async def test_scales_down_deleting_the_cheapest_pods_first() -> None:
    async with running(replicaset.new_controller) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 3))
        await cluster.until(lambda: len(cluster.pods()) == 3)
        names = sorted(p["metadata"]["name"] for p in cluster.pods())
        await cluster.make_ready(names[0], node="n1")
        await cluster.make_ready(names[1], node="n1")
        await cluster.make_ready(names[2], ready=False, node="n1")
        await cluster.until(lambda: cluster.status(r.REPLICASETS, "web").get("readyReplicas") == 2)
        await cluster.client.patch(r.REPLICASETS, "web", {"spec": {"replicas": 2}}, NAMESPACE)
        await cluster.until(lambda: len(cluster.pods()) == 2)
        assert names[2] not in {p["metadata"]["name"] for p in cluster.pods()}
        await cluster.until(lambda: cluster.status(r.REPLICASETS, "web")["replicas"] == 2)
        await cluster.flush_events()
        assert cluster.events("SuccessfulDelete") == [f"Deleted pod: {names[2]}"]


async def test_adopts_matching_orphans_instead_of_creating() -> None:
    async with running(replicaset.new_controller) as cluster:
        await cluster.client.create(r.PODS, pod("stray", {"app": "web"}))
        await cluster.client.create(r.PODS, pod("other", {"app": "db"}))
        await cluster.client.create(r.REPLICASETS, replica_set("web", 2))
        await cluster.until(lambda: len(cluster.pods()) == 3)
        stray = cluster.get(r.PODS, "stray")
        assert owners(stray) == [("ReplicaSet", "web", True)]
        assert owners(cluster.get(r.PODS, "other")) == []
        assert len([p for p in cluster.pods() if owners(p)]) == 2


async def test_releases_a_pod_whose_labels_stop_matching_and_replaces_it() -> None:
    async with running(replicaset.new_controller) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 1))
        await cluster.until(lambda: len(cluster.pods()) == 1)
        name = cluster.pods()[0]["metadata"]["name"]
        await cluster.client.patch(r.PODS, name, {"metadata": {"labels": {"app": "debug"}}}, NAMESPACE)
        await cluster.until(lambda: len(cluster.pods()) == 2 and owners(cluster.get(r.PODS, name)) == [])
        owned = [p for p in cluster.pods() if owners(p)]
        assert len(owned) == 1 and owned[0]["metadata"]["name"] != name


async def test_expectations_stop_a_second_sync_from_creating_again() -> None:
    async with running(replicaset.new_controller, workers=0) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 3))
        await cluster.until(
            lambda: cluster.ctx.informers.informer(r.REPLICASETS).indexer.get(KEY) is not None
        )
        controller = cluster.controllers[0]
        assert isinstance(controller, ReplicaSetController)
        # Two syncs back to back: the pod informer has not seen the first three pods yet.
        await controller.sync(KEY)
        await controller.sync(KEY)
        assert len(cluster.client.actions_of("create", "pods")) == 3
        await cluster.until(lambda: controller.expectations.satisfied(KEY))
        await cluster.until(lambda: not controller.consistency.pending(KEY))
        await controller.sync(KEY)
        assert len(cluster.client.actions_of("create", "pods")) == 3


async def test_slow_start_stops_after_the_first_failing_batch_and_reports_it() -> None:
    async with running(replicaset.new_controller, workers=0) as cluster:
        created = 0

        def quota(action: Action) -> ApiError | None:
            nonlocal created
            if action.verb == "create" and action.resource == "pods":
                created += 1
                if created > 3:
                    return status_error(403, "Forbidden", 'pods "web-x" is forbidden: exceeded quota: q')
            return None

        cluster.client.add_error_hook(quota)
        await cluster.client.create(r.REPLICASETS, replica_set("web", 10))
        await cluster.until(
            lambda: cluster.ctx.informers.informer(r.REPLICASETS).indexer.get(KEY) is not None
        )
        controller = cluster.controllers[0]
        assert isinstance(controller, ReplicaSetController)
        try:
            await controller.sync(KEY)
        except ApiError as err:
            assert err.code == 403
        else:
            raise AssertionError("sync should report the failed creations")
        # Batches of 1, 2 and 4: the third batch fails, and nothing after it is tried.
        assert len(cluster.client.actions_of("create", "pods")) == 7
        assert len(cluster.client.objects(r.PODS)) == 3
        status = cluster.status(r.REPLICASETS, "web")
        [condition] = status["conditions"]
        assert condition["type"] == "ReplicaFailure" and condition["status"] == "True"
        assert condition["reason"] == "FailedCreate"
        assert condition["message"] == 'pods "web-x" is forbidden: exceeded quota: q'
        await cluster.flush_events()
        # Four identical events become one Event with a count, as client-go's correlator does.
        [failed] = [e for e in cluster.client.objects(r.EVENTS) if e["reason"] == "FailedCreate"]
        assert failed["message"] == 'Error creating: pods "web-x" is forbidden: exceeded quota: q'
        assert failed["count"] == 4 and failed["type"] == "Warning"
        # The quota is lifted: the next sync creates the rest and clears the condition.
        cluster.client.add_error_hook(lambda action: None)
        created = -100
        await cluster.until(lambda: controller.expectations.satisfied(KEY))
        await cluster.until(lambda: not controller.consistency.pending(KEY))
        await controller.sync(KEY)
        status = cluster.status(r.REPLICASETS, "web")
        assert "conditions" not in status
        assert len(cluster.client.objects(r.PODS)) == 10


async def test_burst_replicas_caps_one_sync() -> None:
    async with running(
        lambda ctx: ReplicaSetController(ctx, REPLICA_SET, burst_replicas=5),
        workers=0,
    ) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 8))
        await cluster.until(
            lambda: cluster.ctx.informers.informer(r.REPLICASETS).indexer.get(KEY) is not None
        )
        controller = cluster.controllers[0]
        assert isinstance(controller, ReplicaSetController)
        await controller.sync(KEY)
        assert len(cluster.client.objects(r.PODS)) == 5


async def test_a_replication_controller_runs_through_the_same_code_path() -> None:
    rc = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "legacy", "namespace": NAMESPACE},
        "spec": {
            "replicas": 2,
            "selector": {"app": "legacy"},
            "template": {
                "metadata": {"labels": {"app": "legacy"}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }
    async with running(replicationcontroller.new_controller) as cluster:
        await cluster.client.create(r.REPLICATIONCONTROLLERS, rc)
        await cluster.until(lambda: cluster.status(r.REPLICATIONCONTROLLERS, "legacy").get("replicas") == 2)
        assert all(owners(p) == [("ReplicationController", "legacy", True)] for p in cluster.pods())
        assert all(p["metadata"]["name"].startswith("legacy-") for p in cluster.pods())
        await cluster.flush_events()
        sources = {e["source"]["component"] for e in cluster.client.objects(r.EVENTS)}
        assert sources == {"replication-controller"}


async def test_a_terminating_pod_is_replaced_at_once_and_counted_once() -> None:
    async with running(replicaset.new_controller) as cluster:
        await cluster.client.create(r.REPLICASETS, replica_set("web", 2))
        await cluster.until(lambda: len(cluster.pods()) == 2)
        names = sorted(p["metadata"]["name"] for p in cluster.pods())
        for name in names:  # scheduled pods are deleted gracefully: they stay until the kubelet is done
            await cluster.make_ready(name, node="n1")
        await cluster.until(lambda: cluster.status(r.REPLICASETS, "web").get("readyReplicas") == 2)
        await cluster.client.delete(r.PODS, names[0], NAMESPACE)
        assert cluster.get(r.PODS, names[0])["metadata"]["deletionTimestamp"]
        await cluster.until(
            lambda: (
                len(cluster.pods()) == 2 and names[0] not in {p["metadata"]["name"] for p in cluster.pods()}
            )
        )
        await cluster.client.delete(r.PODS, names[0], NAMESPACE, grace_period_seconds=0)
        await cluster.settle(2)
        assert len(cluster.pods()) == 2
        assert len(cluster.client.actions_of("create", "pods")) == 3
        assert len(cluster.client.actions_of("delete", "pods")) == 2  # the test's two, none by the controller
