"""The ``pvc-protection`` and ``pv-protection`` controllers: a claim in use by a pod, and a bound volume,
are not removed until they are free."""

from __future__ import annotations

from typing import Any

from pinnace.client import resources
from pinnace.client.fake import FakeClient
from pinnace.client.informer import SharedInformerFactory
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.persistentvolume.pvcprotection import PVCProtectionController
from pinnace.controllers.persistentvolume.pvprotection import PVProtectionController
from tests.controllers.volumes_support import NAMESPACE, cluster, pod, pv, pvc

PVS, PVCS, PODS = resources.PERSISTENTVOLUMES, resources.PERSISTENTVOLUMECLAIMS, resources.PODS
PVC_FINALIZER, PV_FINALIZER = "kubernetes.io/pvc-protection", "kubernetes.io/pv-protection"


def finalizers(obj: dict[str, Any]) -> list[str]:
    return list(obj["metadata"].get("finalizers") or [])


async def test_claims_and_volumes_get_their_protection_finalizer() -> None:
    claim = pvc("data")
    claim["metadata"]["finalizers"] = ["example.com/keep"]
    seed = {PVCS: [claim, pvc("plain")], PVS: [pv("v")]}
    async with cluster(PVCProtectionController, PVProtectionController, seed=seed) as c:
        await c.until(
            lambda: (
                PVC_FINALIZER in finalizers(c.claim("plain")) and PV_FINALIZER in finalizers(c.volume("v"))
            )
        )
        await c.until(lambda: finalizers(c.claim("data")) == ["example.com/keep", PVC_FINALIZER])


async def test_a_claim_in_use_by_a_scheduled_pod_stays_until_the_pod_goes() -> None:
    claims = [pvc("used"), pvc("pending-only"), pvc("finished")]
    for claim in claims:
        claim["metadata"]["finalizers"] = [PVC_FINALIZER]
    pods = [
        pod("runner", "used", node="node-1", phase="Running"),
        pod("unscheduled", "pending-only"),
        pod("done", "finished", node="node-1", phase="Succeeded"),
    ]
    async with cluster(PVCProtectionController, seed={PVCS: claims, PODS: pods}) as c:
        for name in ("used", "pending-only", "finished"):
            await c.client.delete(PVCS, name, NAMESPACE)
        # A pod that is not scheduled holds nothing: the kubelet never starts it with a claim being deleted.
        await c.until(lambda: not c.has(PVCS, "pending-only"))
        await c.settle(2)
        assert c.has(PVCS, "used")
        # Upstream counts a finished pod that is still there as a user too (the kubelet may be tearing down).
        assert c.has(PVCS, "finished")
        await c.client.delete(PODS, "runner", NAMESPACE, grace_period_seconds=0)
        await c.client.delete(PODS, "done", NAMESPACE, grace_period_seconds=0)
        await c.until(lambda: not c.has(PVCS, "used") and not c.has(PVCS, "finished"))


async def test_a_pod_the_cache_has_not_seen_yet_still_holds_the_claim() -> None:
    """The informer may lag: a live list of the namespace's pods has the last word before a finalizer goes."""
    client = FakeClient()
    client.seed(PODS, pod("new", "data", node="node-1", phase="Running"))
    ctx = ControllerContext(client=client, informers=SharedInformerFactory(client))
    controller = PVCProtectionController(ctx)  # informers never started: the cache knows no pod
    (claim,) = client.seed(PVCS, pvc("data"))
    assert await controller._is_being_used(claim)
    assert [(a.verb, a.resource, a.namespace) for a in client.actions] == [("list", "pods", NAMESPACE)]
    (other,) = client.seed(PVCS, pvc("other"))
    assert not await controller._is_being_used(other)


async def test_a_volume_being_deleted_stays_while_bound() -> None:
    volume = pv("v", phase="Bound", claim="data", claim_uid="u-1")
    volume["metadata"]["finalizers"] = [PV_FINALIZER]
    async with cluster(PVProtectionController, seed={PVS: [volume]}) as c:
        await c.client.delete(PVS, "v")
        await c.settle(1)
        assert c.has(PVS, "v")
        await c.client.patch(PVS, "v", {"status": {"phase": "Released"}}, subresource="status")
        await c.until(lambda: not c.has(PVS, "v"))
