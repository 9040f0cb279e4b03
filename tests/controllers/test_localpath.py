"""The local-path provisioner, alone and with the PV controller: the default StorageClass, provisioning on
the scheduler's node, binding, and deletion of released volumes."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.client import resources
from pinnace.controllers.localpath.provisioner import LocalPathProvisioner
from pinnace.controllers.localpath.volume import ProvisioningError, new_volume
from pinnace.controllers.persistentvolume.controller import PersistentVolumeController
from pinnace.controllers.persistentvolume.pvcprotection import PVCProtectionController
from pinnace.controllers.persistentvolume.pvprotection import PVProtectionController
from tests.controllers.volumes_support import NAMESPACE, cluster, node, pod, pvc, storage_class

PVS, PVCS, CLASSES = resources.PERSISTENTVOLUMES, resources.PERSISTENTVOLUMECLAIMS, resources.STORAGECLASSES
DEFAULT = "storageclass.kubernetes.io/is-default-class"
Object = dict[str, Any]


def local_path_class(**fields: Any) -> Object:
    return storage_class("local-path", "pinnace.dev/local-path", mode="WaitForFirstConsumer", **fields)


async def test_the_default_local_path_class_is_created() -> None:
    async with cluster(LocalPathProvisioner) as c:
        await c.until(lambda: c.has(CLASSES, "local-path"))
        created = c.client.objects(CLASSES)[0]
        assert created["metadata"]["annotations"] == {DEFAULT: "true"}
        assert (created["provisioner"], created["volumeBindingMode"], created["reclaimPolicy"]) == (
            "pinnace.dev/local-path",
            "WaitForFirstConsumer",
            "Delete",
        )


async def test_an_existing_local_path_class_is_left_as_the_user_made_it() -> None:
    mine = local_path_class(reclaimPolicy="Retain")
    async with cluster(LocalPathProvisioner, seed={CLASSES: [mine]}) as c:
        await c.settle(1)
        (kept,) = c.client.objects(CLASSES)
        assert kept["reclaimPolicy"] == "Retain" and "annotations" not in kept["metadata"]
        assert c.client.actions_of("create", "storageclasses") == []


async def test_local_path_does_not_take_the_default_role_from_another_class() -> None:
    async with cluster(LocalPathProvisioner, seed={CLASSES: [storage_class("fast", default=True)]}) as c:
        await c.until(lambda: c.has(CLASSES, "local-path"))
        created = next(o for o in c.client.objects(CLASSES) if o["metadata"]["name"] == "local-path")
        assert DEFAULT not in (created["metadata"].get("annotations") or {})


async def test_a_claim_without_class_is_provisioned_on_the_selected_node_and_bound() -> None:
    """The seed StatefulSet's path: no class → the default local-path class → the scheduler picks a node →
    the PV controller asks the provisioner → the provisioner creates the PV → the PV controller binds it."""
    seed = {PVCS: [pvc("data-pg-0", "100Gi")], resources.NODES: [node("node-1", "host-1")]}
    async with cluster(PersistentVolumeController, LocalPathProvisioner, seed=seed) as c:
        await c.until(lambda: c.claim("data-pg-0")["spec"].get("storageClassName") == "local-path")
        await c.until(lambda: bool(c.events("WaitForFirstConsumer")))
        assert not c.client.objects(PVS)
        await c.select_node("data-pg-0", "node-1")
        await c.until(lambda: c.phase(PVCS, "data-pg-0") == "Bound")
        claim = c.claim("data-pg-0")
        name = f"pvc-{claim['metadata']['uid']}"
        assert claim["spec"]["volumeName"] == name
        volume = c.volume(name)
        assert volume["metadata"]["annotations"] == {
            "pv.kubernetes.io/provisioned-by": "pinnace.dev/local-path"
        }
        assert volume["spec"]["hostPath"] == {
            "path": f"/var/lib/pinnace/storage/{name}",
            "type": "DirectoryOrCreate",
        }
        assert volume["spec"]["nodeAffinity"] == {
            "required": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["host-1"]}
                        ]
                    }
                ]
            }
        }
        assert volume["spec"]["capacity"] == {"storage": "100Gi"}
        assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
        assert volume["spec"]["storageClassName"] == "local-path"
        assert volume["status"]["phase"] == "Bound"
        assert claim["status"]["capacity"] == {"storage": "100Gi"}
        annotations = claim["metadata"]["annotations"]
        assert annotations["volume.kubernetes.io/storage-provisioner"] == "pinnace.dev/local-path"
        assert annotations["volume.beta.kubernetes.io/storage-provisioner"] == "pinnace.dev/local-path"
        assert annotations["volume.kubernetes.io/selected-node"] == "node-1"
        await c.until(lambda: bool(c.events("ProvisioningSucceeded")))
        assert c.messages("Provisioning") == [
            'External provisioner is provisioning volume for claim "default/data-pg-0"'
        ]
        assert c.messages("ProvisioningSucceeded") == [f"Successfully provisioned volume {name}"]
        assert len(c.client.actions_of("create", "persistentvolumes")) == 1


async def test_deleting_the_claim_deletes_its_volume() -> None:
    seed = {
        PVCS: [pvc("data", "1Gi")],
        resources.NODES: [node("node-1")],
        resources.PODS: [pod("user", "data", node="node-1", phase="Running")],
    }
    builds = (
        PersistentVolumeController,
        LocalPathProvisioner,
        PVCProtectionController,
        PVProtectionController,
    )
    async with cluster(*builds, seed=seed) as c:
        await c.select_node("data", "node-1")
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        name = c.claim("data")["spec"]["volumeName"]
        await c.until(lambda: bool(c.volume(name)["metadata"].get("finalizers")))
        assert c.volume(name)["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
        await c.client.delete(PVCS, "data", NAMESPACE)
        # The pod still uses the claim: it stays, and so does its volume.
        await c.settle(2)
        assert c.phase(PVCS, "data") == "Bound" and c.phase(PVS, name) == "Bound"
        await c.client.delete(resources.PODS, "user", NAMESPACE, grace_period_seconds=0)
        await c.until(lambda: not c.has(PVCS, "data") and not c.has(PVS, name))
        assert [a.name for a in c.client.actions_of("delete", "persistentvolumes")] == [name]


async def test_a_retained_volume_outlives_its_claim() -> None:
    seed = {
        PVCS: [pvc("data", "1Gi")],
        CLASSES: [local_path_class(reclaimPolicy="Retain", default=True)],
        resources.NODES: [node("node-1")],
    }
    async with cluster(PersistentVolumeController, LocalPathProvisioner, seed=seed) as c:
        await c.select_node("data", "node-1")
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        name = c.claim("data")["spec"]["volumeName"]
        assert c.volume(name)["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
        await c.client.delete(PVCS, "data", NAMESPACE)
        await c.until(lambda: c.phase(PVS, name) == "Released")
        await c.settle(1)
        assert c.has(PVS, name)


async def test_unsupported_claims_and_vanished_nodes_are_reported() -> None:
    claims = [
        pvc("shared", modes=("ReadWriteMany",), storage_class="local-path"),
        pvc("lost-node", storage_class="local-path"),
    ]
    for claim, node_name in zip(claims, ("node-1", "gone"), strict=True):
        claim["metadata"]["annotations"] = {
            "volume.kubernetes.io/storage-provisioner": "pinnace.dev/local-path",
            "volume.kubernetes.io/selected-node": node_name,
        }
    seed = {PVCS: claims, CLASSES: [local_path_class()], resources.NODES: [node("node-1")]}
    async with cluster(LocalPathProvisioner, seed=seed) as c:
        await c.until(lambda: len(c.events("ProvisioningFailed")) == 2)
        assert sorted(c.messages("ProvisioningFailed")) == [
            'failed to get target node: nodes "gone" not found',
            'failed to provision volume with StorageClass "local-path": access mode ReadWriteMany is not '
            "supported: a local path serves ReadWriteOnce and ReadWriteOncePod only",
        ]
        # The vanished node is handed back to the scheduler.
        await c.until(
            lambda: (
                "volume.kubernetes.io/selected-node" not in c.claim("lost-node")["metadata"]["annotations"]
            )
        )
        assert c.client.objects(PVS) == []


@pytest.mark.parametrize(
    ("parameters", "source"),
    [
        ({}, {"hostPath": {"path": "/var/lib/pinnace/storage/pvc-u1", "type": "DirectoryOrCreate"}}),
        (
            {"nodePath": "/srv/volumes/"},
            {"hostPath": {"path": "/srv/volumes/pvc-u1", "type": "DirectoryOrCreate"}},
        ),
        ({"volumeType": "local"}, {"local": {"path": "/var/lib/pinnace/storage/pvc-u1"}}),
    ],
    ids=["default path", "the class's nodePath", "a local volume"],
)
def test_the_volume_source_follows_the_class_parameters(parameters: dict[str, str], source: Object) -> None:
    claim = pvc("data", uid="u1", storage_class="local-path")
    volume = new_volume(claim, local_path_class(parameters=parameters, mountOptions=["noatime"]), node("n"))
    assert {k: v for k, v in volume["spec"].items() if k in ("hostPath", "local")} == source
    assert volume["spec"]["mountOptions"] == ["noatime"]
    assert volume["metadata"]["name"] == "pvc-u1"


def test_block_volumes_data_sources_and_unknown_types_are_refused() -> None:
    with pytest.raises(ProvisioningError, match="volumeMode Block is not supported"):
        new_volume(pvc("d", uid="u", volumeMode="Block"), local_path_class(), node("n"))
    source = {"kind": "PersistentVolumeClaim", "name": "other"}
    with pytest.raises(ProvisioningError, match="a data source is not supported"):
        new_volume(pvc("d", uid="u", dataSource=source), local_path_class(), node("n"))
    with pytest.raises(ProvisioningError, match='unknown volumeType "nfs"'):
        new_volume(pvc("d", uid="u"), local_path_class(parameters={"volumeType": "nfs"}), node("n"))


async def test_a_refused_class_creation_does_not_stop_provisioning() -> None:
    seed = {PVCS: [pvc("data", storage_class="fast")], resources.NODES: [node("node-1")]}
    seed[CLASSES] = [storage_class("fast", "pinnace.dev/local-path", mode="WaitForFirstConsumer")]
    seed[PVCS][0]["metadata"]["annotations"] = {
        "volume.kubernetes.io/storage-provisioner": "pinnace.dev/local-path",
        "volume.kubernetes.io/selected-node": "node-1",
    }
    async with cluster(LocalPathProvisioner, seed=seed, fail=("create", "storageclasses")) as c:
        await c.until(lambda: len(c.client.objects(PVS)) == 1)
        assert not c.has(CLASSES, "local-path")
