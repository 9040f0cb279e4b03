"""VolumeBinding, VolumeZone and VolumeRestrictions for PVC-backed pods (volumebinding, volumezone,
volumerestrictions tests): upstream's reasons for the supported subset."""

from __future__ import annotations

from typing import Any

from pinnace.scheduler.framework.handle import StaticListers
from tests.scheduler.builders import node, pod
from tests.scheduler.harness import UNRESOLVABLE, UNSCHEDULABLE, cluster, run_filter

ZONE = "topology.kubernetes.io/zone"
NODES = [node("n1", labels={ZONE: "a"}), node("n2", labels={ZONE: "b"})]


def pvc(
    name: str, *, volume: str = "", storage_class: str = "", modes: tuple[str, ...] = ("ReadWriteOnce",)
) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": list(modes), "resources": {"requests": {"storage": "1Gi"}}}
    if volume:
        spec["volumeName"] = volume
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"}, "spec": spec}


def pv(
    name: str, *, zone: str | None = None, host: str | None = None, storage_class: str = "", size: str = "5Gi"
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "capacity": {"storage": size},
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": storage_class,
    }
    if host:
        spec["nodeAffinity"] = {
            "required": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "kubernetes.io/hostname", "operator": "In", "values": [host]}
                        ]
                    }
                ]
            }
        }
    labels = {ZONE: zone} if zone else {}
    return {"metadata": {"name": name, "labels": labels}, "spec": spec, "status": {"phase": "Available"}}


def storage_class(
    name: str, mode: str = "WaitForFirstConsumer", provisioner: str = "example.com/csi", **extra: Any
) -> dict[str, Any]:
    return {"metadata": {"name": name}, "provisioner": provisioner, "volumeBindingMode": mode, **extra}


def with_claim(claim: str) -> dict[str, Any]:
    return pod("p", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": claim}}])


def test_missing_claim_is_unresolvable_everywhere() -> None:
    c = cluster(NODES, listers=StaticListers())
    message = f'{UNRESOLVABLE}: persistentvolumeclaim "data" not found'
    assert run_filter(c, "VolumeBinding", with_claim("data")) == {"n1": message, "n2": message}


def test_unbound_immediate_claim_waits() -> None:
    listers = (
        StaticListers()
        .add("PersistentVolumeClaim", pvc("data", storage_class="fast"))
        .add("StorageClass", storage_class("fast", mode="Immediate"))
    )
    message = f"{UNRESOLVABLE}: pod has unbound immediate PersistentVolumeClaims"
    assert run_filter(cluster(NODES, listers=listers), "VolumeBinding", with_claim("data")) == {
        "n1": message,
        "n2": message,
    }


def test_bound_volume_node_affinity_picks_the_node() -> None:
    listers = (
        StaticListers()
        .add("PersistentVolumeClaim", pvc("data", volume="pv1"))
        .add("PersistentVolume", pv("pv1", host="n2"))
    )
    conflict = f"{UNRESOLVABLE}: node(s) had volume node affinity conflict"
    assert run_filter(cluster(NODES, listers=listers), "VolumeBinding", with_claim("data")) == {
        "n1": conflict,
        "n2": None,
    }


def test_wait_for_first_consumer_with_allowed_topologies() -> None:
    allowed = [{"matchLabelExpressions": [{"key": ZONE, "values": ["b"]}]}]
    listers = (
        StaticListers()
        .add("PersistentVolumeClaim", pvc("data", storage_class="wffc"))
        .add("StorageClass", storage_class("wffc", allowedTopologies=allowed))
    )
    bind = f"{UNRESOLVABLE}: node(s) didn't find available persistent volumes to bind"
    assert run_filter(cluster(NODES, listers=listers), "VolumeBinding", with_claim("data")) == {
        "n1": bind,
        "n2": None,
    }


def test_wait_for_first_consumer_without_provisioner_needs_a_static_volume() -> None:
    listers = (
        StaticListers()
        .add("PersistentVolumeClaim", pvc("data", storage_class="local"))
        .add("StorageClass", storage_class("local", provisioner="kubernetes.io/no-provisioner"))
        .add("PersistentVolume", pv("local-n1", host="n1", storage_class="local"))
    )
    bind = f"{UNRESOLVABLE}: node(s) didn't find available persistent volumes to bind"
    assert run_filter(cluster(NODES, listers=listers), "VolumeBinding", with_claim("data")) == {
        "n1": None,
        "n2": bind,
    }


def test_volume_zone_restricts_to_the_volumes_zone() -> None:
    listers = (
        StaticListers()
        .add("PersistentVolumeClaim", pvc("data", volume="pv1"))
        .add("PersistentVolume", pv("pv1", zone="a"))
    )
    conflict = f"{UNRESOLVABLE}: node(s) had no available volume zone"
    assert run_filter(
        cluster([*NODES, node("plain")], listers=listers), "VolumeZone", with_claim("data")
    ) == {
        "n1": None,
        "n2": conflict,
        "plain": None,  # a node without zone labels fits (single-zone clusters)
    }


def test_volume_zone_accepts_a_list_of_zones() -> None:
    listers = (
        StaticListers()
        .add("PersistentVolumeClaim", pvc("data", volume="pv1"))
        .add("PersistentVolume", pv("pv1", zone="a__b"))
    )
    assert run_filter(cluster(NODES, listers=listers), "VolumeZone", with_claim("data")) == {
        "n1": None,
        "n2": None,
    }


def test_read_write_once_pod_claim_in_use_blocks_every_node() -> None:
    listers = StaticListers().add(
        "PersistentVolumeClaim", pvc("data", volume="pv1", modes=("ReadWriteOncePod",))
    )
    user = pod(
        "user", node_name="n1", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    )
    message = f"{UNSCHEDULABLE}: node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
    assert run_filter(cluster(NODES, [user], listers=listers), "VolumeRestrictions", with_claim("data")) == {
        "n1": message,
        "n2": message,
    }


def test_same_ebs_volume_conflicts_on_a_node() -> None:
    ebs = {"name": "disk", "awsElasticBlockStore": {"volumeID": "vol-1"}}
    c = cluster(NODES, [pod("user", node_name="n1", volumes=[ebs])])
    disk = f"{UNSCHEDULABLE}: node(s) had no available disk"
    assert run_filter(c, "VolumeRestrictions", pod("p", volumes=[ebs])) == {"n1": disk, "n2": None}
