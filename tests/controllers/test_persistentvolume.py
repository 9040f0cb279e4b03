"""The PV controller (``persistentvolume-binder``) against a FakeClient: binding, phases, annotations,
provisioning requests, reclaiming, and the events a user sees in ``kubectl describe``."""

from __future__ import annotations

from pinnace.client import resources
from pinnace.controllers.persistentvolume.controller import PersistentVolumeController
from tests.controllers.volumes_support import NAMESPACE, cluster, pod, pv, pvc, storage_class

PVS, PVCS, CLASSES = resources.PERSISTENTVOLUMES, resources.PERSISTENTVOLUMECLAIMS, resources.STORAGECLASSES

EXTERNAL_MESSAGE = (
    "Waiting for a volume to be created either by the external provisioner 'example.com/external' or "
    "manually by the system administrator. If volume creation is delayed, please verify that the "
    "provisioner is running and correctly registered."
)


async def test_claim_binds_to_the_smallest_matching_volume() -> None:
    seed = {PVS: [pv("small", "1Gi"), pv("fits", "8Gi"), pv("big", "100Gi")], PVCS: [pvc("data", "5Gi")]}
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        claim, volume = c.claim("data"), c.volume("fits")
        assert claim["spec"]["volumeName"] == "fits"
        assert claim["metadata"]["annotations"] == {
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
        }
        assert claim["status"] == {
            "phase": "Bound",
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": "8Gi"},
        }
        assert volume["status"]["phase"] == "Bound"
        assert volume["metadata"]["annotations"] == {"pv.kubernetes.io/bound-by-controller": "yes"}
        ref = volume["spec"]["claimRef"]
        assert (ref["kind"], ref["namespace"], ref["name"], ref["uid"]) == (
            "PersistentVolumeClaim",
            NAMESPACE,
            "data",
            claim["metadata"]["uid"],
        )
        await c.until(lambda: c.phase(PVS, "small") == "Available" and c.phase(PVS, "big") == "Available")


async def test_a_claim_without_volumes_or_class_waits_pending_and_says_why() -> None:
    async with cluster(PersistentVolumeController, seed={PVCS: [pvc("data")]}) as c:
        await c.until(lambda: bool(c.events("FailedBinding")))
        assert c.messages("FailedBinding") == [
            "no persistent volumes available for this claim and no storage class is set"
        ]
        assert c.phase(PVCS, "data") == "Pending"
        # A volume that appears later is found (the claim is synced again by the periodic resync).
        await c.client.create(PVS, pv("late", "20Gi"))
        await c.until(lambda: c.phase(PVCS, "data") == "Bound", seconds=20)
        assert c.claim("data")["spec"]["volumeName"] == "late"


async def test_a_claim_without_class_gets_the_default_class_retroactively() -> None:
    seed = {
        PVCS: [pvc("data"), pvc("none-asked", storage_class="")],
        CLASSES: [storage_class("std", default=True)],
    }
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: c.claim("data")["spec"].get("storageClassName") == "std")
        # Then it is provisioned by the class's provisioner.
        await c.until(lambda: bool(c.events("ExternalProvisioning")))
        annotations = c.claim("data")["metadata"]["annotations"]
        assert annotations["volume.kubernetes.io/storage-provisioner"] == "example.com/external"
        assert annotations["volume.beta.kubernetes.io/storage-provisioner"] == "example.com/external"
        # "" asks for no class: it is left alone.
        await c.settle(1)
        assert c.claim("none-asked")["spec"]["storageClassName"] == ""


async def test_immediate_class_asks_the_external_provisioner_then_binds_what_it_creates() -> None:
    seed = {PVCS: [pvc("data", storage_class="ext")], CLASSES: [storage_class("ext")]}
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: bool(c.events("ExternalProvisioning")))
        assert c.messages("ExternalProvisioning") == [EXTERNAL_MESSAGE]
        assert c.phase(PVCS, "data") == "Pending"
        # The provisioner's part: a volume pre-bound to the claim (uid included), no phase yet.
        claim = c.claim("data")
        made = pv(
            "pvc-1", "5Gi", storage_class="ext", phase="", claim="data", claim_uid=claim["metadata"]["uid"]
        )
        made["metadata"]["annotations"] = {"pv.kubernetes.io/provisioned-by": "example.com/external"}
        made["spec"]["persistentVolumeReclaimPolicy"] = "Delete"
        await c.client.create(PVS, made)
        await c.until(lambda: c.phase(PVCS, "data") == "Bound" and c.phase(PVS, "pvc-1") == "Bound")
        # The provisioner's volume named the claim already: no bound-by-controller on it, but on the claim.
        assert "pv.kubernetes.io/bound-by-controller" not in c.volume("pvc-1")["metadata"]["annotations"]
        assert c.claim("data")["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"


async def test_wait_for_first_consumer_waits_for_the_scheduler() -> None:
    seed = {
        PVCS: [pvc("data", storage_class="local"), pvc("used", storage_class="local")],
        CLASSES: [storage_class("local", mode="WaitForFirstConsumer")],
        resources.PODS: [pod("web-0", "used")],
    }
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(
            lambda: bool(c.events("WaitForFirstConsumer")) and bool(c.events("WaitForPodScheduled"))
        )
        assert c.messages("WaitForFirstConsumer") == [
            "waiting for first consumer to be created before binding"
        ]
        assert c.messages("WaitForPodScheduled") == ["waiting for pod web-0 to be scheduled"]
        assert not c.events("ExternalProvisioning")
        await c.select_node("data", "node-1")
        await c.until(lambda: bool(c.events("ExternalProvisioning")))
        annotations = c.claim("data")["metadata"]["annotations"]
        assert annotations["volume.kubernetes.io/storage-provisioner"] == "example.com/external"
        assert c.phase(PVCS, "data") == "Pending"


async def test_a_claim_asking_for_a_volume_by_name() -> None:
    seed = {
        PVS: [pv("wanted", "20Gi"), pv("tiny", "1Gi"), pv("someones", "9Gi", claim="other", claim_uid="u-9")],
        PVCS: [
            pvc("data", volume_name="wanted"),
            pvc("greedy", volume_name="tiny"),
            pvc("late", volume_name="x"),
        ],
    }
    seed[PVCS].append(pvc("thief", volume_name="someones"))
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        # The user made the binding: the claim carries bind-completed only.
        assert c.claim("data")["metadata"]["annotations"] == {"pv.kubernetes.io/bind-completed": "yes"}
        assert c.volume("wanted")["metadata"]["annotations"] == {
            "pv.kubernetes.io/bound-by-controller": "yes"
        }
        await c.until(lambda: bool(c.events("VolumeMismatch")) and bool(c.events("FailedBinding")))
        assert c.messages("VolumeMismatch") == [
            'Cannot bind to requested volume "tiny": requested PV is too small'
        ]
        assert c.messages("FailedBinding") == ['volume "someones" already bound to a different claim.']
        for name in ("greedy", "late", "thief"):
            assert c.phase(PVCS, name) == "Pending"


async def test_a_volume_pre_bound_by_its_creator_goes_to_that_claim() -> None:
    seed = {PVS: [pv("reserved", "50Gi", claim="data"), pv("fit", "5Gi")], PVCS: [pvc("data")]}
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        assert c.claim("data")["spec"]["volumeName"] == "reserved"
        assert c.volume("reserved")["spec"]["claimRef"]["uid"] == c.claim("data")["metadata"]["uid"]
        assert "pv.kubernetes.io/bound-by-controller" not in c.volume("reserved")["metadata"]["annotations"]


async def test_released_volumes_follow_their_reclaim_policy() -> None:
    seed = {
        PVS: [
            pv("kept", "1Gi", claim="a"),
            pv("external", "2Gi", claim="b", persistentVolumeReclaimPolicy="Delete"),
            pv("no-deleter", "3Gi", claim="c", persistentVolumeReclaimPolicy="Delete"),
        ],
        PVCS: [pvc("a", "1Gi"), pvc("b", "2Gi"), pvc("c", "3Gi")],
    }
    seed[PVS][1]["metadata"]["annotations"] = {"pv.kubernetes.io/provisioned-by": "example.com/external"}
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: all(c.phase(PVCS, n) == "Bound" for n in "abc"))
        for name in "abc":
            await c.client.delete(PVCS, name, NAMESPACE)
        await c.until(lambda: c.phase(PVS, "kept") == "Released" and c.phase(PVS, "external") == "Released")
        await c.until(lambda: c.phase(PVS, "no-deleter") == "Failed" and bool(c.events("VolumeFailedDelete")))
        assert c.messages("VolumeFailedDelete") == [
            'error getting deleter volume plugin for volume "no-deleter": no volume plugin matched'
        ]
        assert c.volume("no-deleter")["status"]["message"] == c.messages("VolumeFailedDelete")[0]
        # Retain keeps the volume; an external deleter's volume is left to it.
        await c.settle(1)
        assert c.has(PVS, "kept") and c.has(PVS, "external")
        assert c.client.actions_of("delete", "persistentvolumes") == []


async def test_a_bound_claim_whose_volume_is_deleted_is_lost() -> None:
    async with cluster(PersistentVolumeController, seed={PVS: [pv("v")], PVCS: [pvc("data")]}) as c:
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        await c.client.delete(PVS, "v")
        await c.until(lambda: c.phase(PVCS, "data") == "Lost" and bool(c.events("ClaimLost")))
        assert c.messages("ClaimLost") == [
            "Bound claim has lost its PersistentVolume. Data on the volume is lost!"
        ]
        assert "capacity" not in c.claim("data")["status"]


async def test_provisioning_failures_are_reported_on_the_claim() -> None:
    seed = {
        PVCS: [pvc("ghost", storage_class="missing"), pvc("static", storage_class="manual")],
        CLASSES: [storage_class("manual", "kubernetes.io/no-provisioner")],
    }
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: len(c.events("ProvisioningFailed")) == 2)
        assert sorted(c.messages("ProvisioningFailed")) == [
            "no volume plugin matched name: kubernetes.io/no-provisioner",
            'storageclass.storage.k8s.io "missing" not found',
        ]


async def test_a_claim_deleted_before_binding_finished_releases_nothing_twice() -> None:
    """A volume the controller bound to a claim that then got another volume is unbound again."""
    seed = {PVS: [pv("a", "5Gi"), pv("b", "6Gi")], PVCS: [pvc("data")]}
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        bound, other = ("a", "b") if c.claim("data")["spec"]["volumeName"] == "a" else ("b", "a")
        # Someone points the other volume at the claim as the controller would have (a lost race).
        loser = c.volume(other)
        loser["spec"]["claimRef"] = dict(c.volume(bound)["spec"]["claimRef"])
        loser["metadata"]["annotations"] = {"pv.kubernetes.io/bound-by-controller": "yes"}
        await c.client.update(PVS, loser)
        await c.until(
            lambda: "claimRef" not in c.volume(other)["spec"] and c.phase(PVS, other) == "Available"
        )
        assert c.claim("data")["spec"]["volumeName"] == bound


async def test_a_claim_recreated_under_the_same_name_does_not_inherit_the_volume() -> None:
    seed = {
        PVS: [pv("v", "5Gi", claim="data", claim_uid="uid-old", phase="Bound")],
        PVCS: [pvc("data", uid="uid-new")],
    }
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: c.phase(PVS, "v") == "Released")
        assert c.volume("v")["spec"]["claimRef"]["uid"] == "uid-old"
        await c.settle(1)
        assert c.phase(PVCS, "data") == "Pending"


async def test_a_provisioned_volume_whose_claim_got_another_volume_is_released() -> None:
    seed = {PVS: [pv("first", "5Gi")], PVCS: [pvc("data", uid="u-1")]}
    spare = pv(
        "spare", "5Gi", claim="data", claim_uid="u-1", phase="Bound", persistentVolumeReclaimPolicy="Delete"
    )
    spare["metadata"]["annotations"] = {"pv.kubernetes.io/provisioned-by": "example.com/external"}
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: c.phase(PVCS, "data") == "Bound")
        assert c.claim("data")["spec"]["volumeName"] == "first"
        await c.client.create(PVS, spare)
        await c.until(lambda: c.phase(PVS, "spare") == "Released")


async def test_wait_for_first_consumer_binds_the_volume_the_scheduler_chose() -> None:
    seed = {
        PVS: [pv("local-1", "10Gi", storage_class="local"), pv("local-2", "10Gi", storage_class="local")],
        PVCS: [pvc("data", storage_class="local")],
        CLASSES: [storage_class("local", "kubernetes.io/no-provisioner", mode="WaitForFirstConsumer")],
    }
    async with cluster(PersistentVolumeController, seed=seed) as c:
        await c.until(lambda: bool(c.events("WaitForFirstConsumer")))
        assert c.phase(PVCS, "data") == "Pending" and not c.events("ProvisioningFailed")
        # VolumeBinding's PreBind for a static match: the PV's claimRef names the claim.
        claim = c.claim("data")
        ref = {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": NAMESPACE, "name": "data"}
        ref |= {"uid": claim["metadata"]["uid"], "resourceVersion": claim["metadata"]["resourceVersion"]}
        await c.client.patch(PVS, "local-2", {"spec": {"claimRef": ref}})
        await c.until(lambda: c.phase(PVCS, "data") == "Bound" and c.phase(PVS, "local-2") == "Bound")
        assert c.claim("data")["spec"]["volumeName"] == "local-2"
        assert c.phase(PVS, "local-1") == "Available"
