"""The StatefulSet controller over a FakeClient: ordered and parallel creation with claims, scale down,
rolling updates with a partition or maxUnavailable, OnDelete, roll back, history limits, the claim
retention policy, adoption, replacement of finished pods, status and events."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from pinnace.client import resources as r
from pinnace.client.errors import status_error
from pinnace.client.fake import Action
from pinnace.controllers import statefulset
from tests.controllers.statefulset_support import (
    claims,
    names,
    owners,
    pod_names,
    revisions,
    stateful_set,
    with_image,
)
from tests.controllers.workloads_support import NAMESPACE, Cluster, pod, running

Object = dict[str, Any]


async def ready_in_order(cluster: Cluster, *wanted: str) -> None:
    """Play the kubelet: make each pod Running and Ready once it appears, in order."""
    for name in wanted:
        await cluster.until(functools.partial(has_pod, cluster, name))
        await cluster.make_ready(name)


async def update_set(cluster: Cluster, name: str, change: Any) -> None:
    current = cluster.get(r.STATEFULSETS, name)
    await cluster.client.update(r.STATEFULSETS, change(current))


def image_of(cluster: Cluster, name: str) -> str:
    """The pod's image; "" while it does not exist (between its deletion and its replacement)."""
    for item in cluster.pods():
        if item["metadata"]["name"] == name:
            return str(item["spec"]["containers"][0]["image"])
    return ""


def has_pod(cluster: Cluster, name: str) -> bool:
    return name in pod_names(cluster)


def runs(cluster: Cluster, name: str, image: str) -> bool:
    return image_of(cluster, name) == image


def record_pod_deletions(cluster: Cluster) -> list[str]:
    """The names of the pods deleted from now on, in order."""
    deleted: list[str] = []

    def hook(action: Action) -> None:
        if action.verb == "delete" and action.resource == "pods":
            deleted.append(action.name)

    cluster.client.add_error_hook(hook)
    return deleted


def status(cluster: Cluster) -> Object:
    return cluster.status(r.STATEFULSETS, "pg")


async def test_ordered_ready_creates_claims_then_pods_one_at_a_time() -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 3))
        await cluster.until(lambda: pod_names(cluster) == ["pg-0"])
        await cluster.settle(2)
        assert pod_names(cluster) == ["pg-0"], "pg-1 must wait for pg-0 to be Running and Ready"
        await cluster.make_ready("pg-0", ready=False)
        await cluster.settle(1)
        assert pod_names(cluster) == ["pg-0"], "Running but not Ready is not enough"
        await ready_in_order(cluster, "pg-0", "pg-1", "pg-2")
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 3)
        assert names(claims(cluster)) == ["data-pg-0", "data-pg-1", "data-pg-2"]
        await cluster.flush_events()
        assert cluster.events() == [
            message
            for ordinal in range(3)
            for message in (
                f"create Claim data-pg-{ordinal} Pod pg-{ordinal} in StatefulSet pg success",
                f"create Pod pg-{ordinal} in StatefulSet pg successful",
            )
        ]
        assert set(cluster.events("SuccessfulCreate")) == set(cluster.events())


async def test_pods_and_claims_carry_the_stable_identity() -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1, ordinals={"start": 5}))
        await cluster.until(lambda: pod_names(cluster) == ["pg-5"])
        item = cluster.get(r.PODS, "pg-5")
        (revision,) = revisions(cluster)
        assert item["metadata"]["labels"] == {
            "app": "pg",
            "statefulset.kubernetes.io/pod-name": "pg-5",
            "apps.kubernetes.io/pod-index": "5",
            "controller-revision-hash": revision["metadata"]["name"],
        }
        assert owners(item) == [("StatefulSet", "pg", True)]
        assert item["spec"]["hostname"] == "pg-5"
        assert item["spec"]["subdomain"] == "pg"
        assert item["spec"]["volumes"] == [
            {"name": "data", "persistentVolumeClaim": {"claimName": "data-pg-5"}}
        ]
        (claim,) = claims(cluster)
        assert claim["metadata"]["name"] == "data-pg-5"
        assert claim["metadata"]["labels"] == {"app": "pg"}
        assert claim["metadata"].get("ownerReferences") is None  # Retain/Retain: nobody owns it
        assert claim["spec"] == {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
        }


async def test_parallel_creates_every_pod_at_once() -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 3, policy="Parallel"))
        await cluster.until(lambda: pod_names(cluster) == ["pg-0", "pg-1", "pg-2"])
        assert names(claims(cluster)) == ["data-pg-0", "data-pg-1", "data-pg-2"]


async def test_status_counts_and_revisions() -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 2))
        await ready_in_order(cluster, "pg-0", "pg-1")
        await cluster.until(lambda: status(cluster).get("availableReplicas") == 2)
        (revision,) = revisions(cluster)
        name = revision["metadata"]["name"]
        assert status(cluster) == {
            "observedGeneration": 1,
            "replicas": 2,
            "readyReplicas": 2,
            "availableReplicas": 2,
            "currentReplicas": 2,
            "updatedReplicas": 2,
            "currentRevision": name,
            "updateRevision": name,
            "collisionCount": 0,
        }


async def test_scale_down_deletes_the_highest_ordinal_first_and_keeps_claims() -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 3))
        await ready_in_order(cluster, "pg-0", "pg-1", "pg-2")
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 3)
        deleted = record_pod_deletions(cluster)
        await update_set(cluster, "pg", lambda s: {**s, "spec": {**s["spec"], "replicas": 1}})
        await cluster.until(lambda: pod_names(cluster) == ["pg-0"])
        assert deleted == ["pg-2", "pg-1"]
        assert names(claims(cluster)) == ["data-pg-0", "data-pg-1", "data-pg-2"]
        await cluster.flush_events()
        assert cluster.events("SuccessfulDelete") == [
            "delete Pod pg-2 in StatefulSet pg successful",
            "delete Pod pg-1 in StatefulSet pg successful",
        ]


async def test_parallel_scale_down_deletes_every_condemned_pod_at_once() -> None:
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 4, policy="Parallel"))
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 4)
        await cluster.make_ready("pg-1", ready=False)  # Parallel does not wait for health
        deleted = record_pod_deletions(cluster)
        await update_set(cluster, "pg", lambda s: {**s, "spec": {**s["spec"], "replicas": 1}})
        await cluster.until(lambda: pod_names(cluster) == ["pg-0"])
        assert sorted(deleted) == ["pg-1", "pg-2", "pg-3"]


async def test_a_pod_whose_labels_stop_matching_is_released() -> None:
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1))
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 1)
        await cluster.client.patch(r.PODS, "pg-0", {"metadata": {"labels": {"app": "debug"}}}, NAMESPACE)
        await cluster.until(lambda: owners(cluster.get(r.PODS, "pg-0")) == [])
        await cluster.until(lambda: status(cluster).get("replicas") == 0)


async def test_ordered_scale_down_waits_while_a_replica_is_unhealthy() -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 3))
        await ready_in_order(cluster, "pg-0", "pg-1", "pg-2")
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 3)
        await cluster.make_ready("pg-0", ready=False)
        await update_set(cluster, "pg", lambda s: {**s, "spec": {**s["spec"], "replicas": 2}})
        await cluster.settle(1)
        assert pod_names(cluster) == ["pg-0", "pg-1", "pg-2"]
        await cluster.make_ready("pg-0")
        await cluster.until(lambda: pod_names(cluster) == ["pg-0", "pg-1"])


async def test_rolling_update_replaces_pods_from_the_highest_ordinal() -> None:
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 3))
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 3)
        old = status(cluster)["currentRevision"]
        deleted = record_pod_deletions(cluster)
        await update_set(cluster, "pg", lambda s: with_image(s, "postgres:17"))
        await cluster.until(lambda: status(cluster).get("currentRevision") != old)
        assert deleted == ["pg-2", "pg-1", "pg-0"]
        assert [image_of(cluster, f"pg-{i}") for i in range(3)] == ["postgres:17"] * 3
        final = status(cluster)
        assert final["currentRevision"] == final["updateRevision"]
        assert final["updatedReplicas"] == final["currentReplicas"] == 3
        assert [rev["revision"] for rev in revisions(cluster)] == [1, 2]


async def test_partition_keeps_lower_ordinals_at_the_current_revision() -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 3, strategy=strategy))
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 3)
        await update_set(cluster, "pg", lambda s: with_image(s, "postgres:17"))
        await cluster.until(lambda: image_of(cluster, "pg-2") == "postgres:17")
        await cluster.until(lambda: status(cluster).get("updatedReplicas") == 1)
        await cluster.settle(1)
        assert [image_of(cluster, f"pg-{i}") for i in range(3)] == [
            "postgres:16",
            "postgres:16",
            "postgres:17",
        ]
        current = status(cluster)
        assert current["currentRevision"] != current["updateRevision"]
        assert current["currentReplicas"] == 2
        # A replica below the partition that is lost comes back at the current revision.
        await cluster.client.delete(r.PODS, "pg-0", NAMESPACE)
        await cluster.until(lambda: "pg-0" in pod_names(cluster))
        assert image_of(cluster, "pg-0") == "postgres:16"


async def test_max_unavailable_updates_several_pods_at_once() -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": 2}}
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(
            r.STATEFULSETS, stateful_set("pg", 4, strategy=strategy, policy="Parallel")
        )
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 4)
        cluster.auto_ready = False
        await update_set(cluster, "pg", lambda s: with_image(s, "postgres:17"))
        await cluster.until(
            lambda: (
                pod_names(cluster) == ["pg-0", "pg-1", "pg-2", "pg-3"]
                and image_of(cluster, "pg-3") == image_of(cluster, "pg-2") == "postgres:17"
            )
        )
        await cluster.settle(1)
        assert [image_of(cluster, f"pg-{i}") for i in range(4)] == ["postgres:16"] * 2 + ["postgres:17"] * 2


async def test_on_delete_replaces_only_the_pods_a_user_deletes() -> None:
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 2, strategy={"type": "OnDelete"}))
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 2)
        await update_set(cluster, "pg", lambda s: with_image(s, "postgres:17"))
        await cluster.until(lambda: status(cluster).get("observedGeneration") == 2)
        await cluster.settle(1)
        assert [image_of(cluster, f"pg-{i}") for i in range(2)] == ["postgres:16"] * 2
        await cluster.client.delete(r.PODS, "pg-1", NAMESPACE)
        await cluster.until(
            lambda: "pg-1" in pod_names(cluster) and image_of(cluster, "pg-1") == "postgres:17"
        )
        assert image_of(cluster, "pg-0") == "postgres:16"
        await cluster.until(lambda: status(cluster).get("updatedReplicas") == 1)
        assert status(cluster)["currentReplicas"] == 1


async def test_roll_back_reuses_the_earlier_revision_as_the_newest() -> None:
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1))
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 1)
        first = revisions(cluster)[0]["metadata"]["name"]
        await update_set(cluster, "pg", lambda s: with_image(s, "postgres:17"))
        await cluster.until(lambda: status(cluster).get("currentRevision") not in (None, first))
        second = status(cluster)["currentRevision"]
        # What `kubectl rollout undo` sends: the first revision's data as a strategic merge patch.
        data = next(rev for rev in revisions(cluster) if rev["metadata"]["name"] == first)["data"]
        await cluster.client.patch(r.STATEFULSETS, "pg", data, NAMESPACE, patch_type="strategic")
        await cluster.until(lambda: status(cluster).get("currentRevision") == first)
        assert {rev["metadata"]["name"]: rev["revision"] for rev in revisions(cluster)} == {
            second: 2,
            first: 3,
        }
        assert image_of(cluster, "pg-0") == "postgres:16"


async def test_revision_history_limit_deletes_the_oldest_unused_revisions() -> None:
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1, revisionHistoryLimit=1))
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 1)
        for version in ("17", "18", "19"):
            image = f"postgres:{version}"
            await update_set(cluster, "pg", functools.partial(with_image, image=image))
            await cluster.until(functools.partial(runs, cluster, "pg-0", image))
        await cluster.until(
            lambda: status(cluster).get("currentRevision") == revisions(cluster)[-1]["metadata"]["name"]
        )
        await cluster.until(lambda: len(revisions(cluster)) == 2)
        assert [rev["revision"] for rev in revisions(cluster)] == [3, 4]


async def test_controller_revision_records_the_template_as_a_replace_patch() -> None:
    async with running(statefulset.new_controller) as cluster:
        sts = stateful_set("pg", 1)
        sts["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
        await cluster.client.create(r.STATEFULSETS, sts)
        await cluster.until(lambda: len(revisions(cluster)) == 1)
        (revision,) = revisions(cluster)
        created = cluster.get(r.STATEFULSETS, "pg")
        assert revision["data"] == {
            "spec": {"template": {**created["spec"]["template"], "$patch": "replace"}}
        }
        assert revision["revision"] == 1
        hash_ = revision["metadata"]["labels"]["controller.kubernetes.io/hash"]
        assert revision["metadata"]["name"] == f"pg-{hash_}"
        assert revision["metadata"]["labels"]["app"] == "pg"
        assert revision["metadata"]["annotations"] == {"kubernetes.io/change-cause": "first"}
        assert owners(revision) == [("StatefulSet", "pg", True)]


async def test_a_revision_name_taken_by_other_data_bumps_the_collision_count() -> None:
    async with running(statefulset.new_controller) as cluster:
        sts = stateful_set("pg", 1)
        async with running(statefulset.new_controller) as probe:
            await probe.client.create(r.STATEFULSETS, copy.deepcopy(sts))
            await probe.until(lambda: len(revisions(probe)) == 1)
            taken = revisions(probe)[0]["metadata"]["name"]
        squatter = {
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {"name": taken, "namespace": NAMESPACE, "labels": {"other": "x"}},
            "data": {"something": "else"},
            "revision": 1,
        }
        await cluster.client.create(r.CONTROLLERREVISIONS, squatter)
        await cluster.client.create(r.STATEFULSETS, sts)
        await cluster.until(lambda: status(cluster).get("collisionCount") == 1)
        assert status(cluster)["updateRevision"] != taken
        assert len(revisions(cluster)) == 2


@pytest.mark.parametrize(
    ("when_scaled", "when_deleted", "kept_owner", "scaled_owner"),
    [
        ("Retain", "Retain", [], []),
        ("Retain", "Delete", [("StatefulSet", "pg", True)], [("StatefulSet", "pg", True)]),
        ("Delete", "Retain", [], [("Pod", "pg-1", True)]),
        ("Delete", "Delete", [("StatefulSet", "pg", True)], [("Pod", "pg-1", True)]),
    ],
    ids=["retain-retain", "retain-on-scale-delete-with-set", "delete-on-scale", "delete-both"],
)
async def test_retention_policy_sets_the_claims_owners(
    when_scaled: str,
    when_deleted: str,
    kept_owner: list[tuple[str, str, bool]],
    scaled_owner: list[tuple[str, str, bool]],
) -> None:
    policy = {"whenScaled": when_scaled, "whenDeleted": when_deleted}
    async with running(statefulset.new_controller) as cluster:
        cluster.auto_ready = True
        sts = stateful_set("pg", 2, persistentVolumeClaimRetentionPolicy=policy)
        await cluster.client.create(r.STATEFULSETS, sts)
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 2)
        await cluster.until(lambda: all(owners(c) == kept_owner for c in claims(cluster)))
        # Scaling down hands the condemned pod's claim to the pod before the pod goes.
        hooks: list[list[tuple[str, str, bool]]] = []

        def watch_delete(action: Action) -> None:
            if action.verb == "delete" and action.resource == "pods":
                claim = next(c for c in claims(cluster) if c["metadata"]["name"] == "data-pg-1")
                hooks.append(owners(claim))

        cluster.client.add_error_hook(watch_delete)
        await update_set(cluster, "pg", lambda s: {**s, "spec": {**s["spec"], "replicas": 1}})
        await cluster.until(lambda: pod_names(cluster) == ["pg-0"])
        assert hooks == [scaled_owner]
        remaining = {c["metadata"]["name"]: owners(c) for c in claims(cluster)}
        assert remaining["data-pg-0"] == kept_owner


async def test_orphans_with_member_names_are_adopted_others_are_not() -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.PODS, pod("pg-0", {"app": "pg"}))
        await cluster.client.create(r.PODS, pod("stray", {"app": "pg"}))
        # OnDelete: a rolling update would replace the adopted pod, which has no revision label.
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1, strategy={"type": "OnDelete"}))
        await cluster.until(lambda: owners(cluster.get(r.PODS, "pg-0")) == [("StatefulSet", "pg", True)])
        await cluster.until(lambda: status(cluster).get("replicas") == 1)
        assert owners(cluster.get(r.PODS, "stray")) == []
        # Once Running and Ready (OrderedReady touches nothing before), the adopted pod gets its identity
        # label and its claim's volume.
        await cluster.make_ready("pg-0")
        await cluster.until(
            lambda: (
                cluster.get(r.PODS, "pg-0")["metadata"]["labels"].get("statefulset.kubernetes.io/pod-name")
                == "pg-0"
            )
        )
        assert cluster.get(r.PODS, "pg-0")["spec"]["volumes"][0]["persistentVolumeClaim"] == {
            "claimName": "data-pg-0"
        }


async def test_orphan_revisions_matching_the_selector_are_adopted() -> None:
    async with running(statefulset.new_controller) as cluster:
        orphan = {
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {"name": "pg-old", "namespace": NAMESPACE, "labels": {"app": "pg"}},
            "data": {"spec": {"template": {"$patch": "replace"}}},
            "revision": 7,
        }
        await cluster.client.create(r.CONTROLLERREVISIONS, orphan)
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1))
        await cluster.until(lambda: len(revisions(cluster)) == 2)
        await cluster.until(
            lambda: owners(cluster.get(r.CONTROLLERREVISIONS, "pg-old")) == [("StatefulSet", "pg", True)]
        )
        assert revisions(cluster)[-1]["revision"] == 8


@pytest.mark.parametrize("phase", ["Failed", "Succeeded"])
async def test_a_finished_pod_is_deleted_and_created_again(phase: str) -> None:
    async with running(statefulset.new_controller) as cluster:
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1))
        await cluster.until(lambda: pod_names(cluster) == ["pg-0"])
        first_uid = cluster.get(r.PODS, "pg-0")["metadata"]["uid"]
        await cluster.client.patch(
            r.PODS, "pg-0", {"status": {"phase": phase}}, NAMESPACE, subresource="status"
        )
        await cluster.until(
            lambda: (
                "pg-0" in pod_names(cluster) and cluster.get(r.PODS, "pg-0")["metadata"]["uid"] != first_uid
            )
        )
        assert names(claims(cluster)) == ["data-pg-0"]


async def test_a_failed_pod_create_is_reported_and_retried() -> None:
    async with running(statefulset.new_controller) as cluster:
        cluster.client.fail_next(
            "create", "pods", status_error(403, "Forbidden", 'pods "pg-0" is forbidden: quota')
        )
        await cluster.client.create(r.STATEFULSETS, stateful_set("pg", 1))
        await cluster.until(lambda: pod_names(cluster) == ["pg-0"])
        await cluster.flush_events()
        assert cluster.events("FailedCreate") == [
            'create Pod pg-0 in StatefulSet pg failed error: pods "pg-0" is forbidden: quota'
        ]


async def test_a_set_being_deleted_only_updates_status() -> None:
    async with running(statefulset.new_controller) as cluster:
        sts = stateful_set("pg", 2)
        sts["metadata"]["finalizers"] = ["example.com/hold"]
        await cluster.client.create(r.STATEFULSETS, sts)
        await cluster.until(lambda: pod_names(cluster) == ["pg-0"])
        await cluster.client.delete(r.STATEFULSETS, "pg", NAMESPACE)
        await cluster.make_ready("pg-0")
        await cluster.until(lambda: status(cluster).get("readyReplicas") == 1)
        await cluster.settle(1)
        assert pod_names(cluster) == ["pg-0"]
