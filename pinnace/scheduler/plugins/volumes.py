"""Volume helpers shared by the volume plugins (``component-helpers/storage/volume``, ``pkg/volume/util``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from pinnace.scheduler.framework.types import PodInfo

ANN_STORAGE_CLASS: Final = "volume.beta.kubernetes.io/storage-class"
ANN_SELECTED_NODE: Final = "volume.kubernetes.io/selected-node"
NOT_SUPPORTED_PROVISIONER: Final = "kubernetes.io/no-provisioner"
WAIT_FOR_FIRST_CONSUMER: Final = "WaitForFirstConsumer"


def claim_class(pvc: Mapping[str, Any]) -> str:
    """``GetPersistentVolumeClaimClass``: the beta annotation wins over ``spec.storageClassName``."""
    annotations = (pvc.get("metadata") or {}).get("annotations") or {}
    if ANN_STORAGE_CLASS in annotations:
        return str(annotations[ANN_STORAGE_CLASS])
    return str((pvc.get("spec") or {}).get("storageClassName") or "")


def pv_class(pv: Mapping[str, Any]) -> str:
    annotations = (pv.get("metadata") or {}).get("annotations") or {}
    if ANN_STORAGE_CLASS in annotations:
        return str(annotations[ANN_STORAGE_CLASS])
    return str((pv.get("spec") or {}).get("storageClassName") or "")


def pod_claims(pod: PodInfo) -> Iterator[tuple[str, bool]]:
    """Each PVC the pod uses: (claim name, whether it is a generic ephemeral volume's claim)."""
    for volume in pod.spec.get("volumes") or ():
        if (claim := volume.get("persistentVolumeClaim")) is not None:
            yield str(claim.get("claimName") or ""), False
        elif volume.get("ephemeral") is not None:
            yield f"{pod.name}-{volume.get('name')}", True


def not_found(kind: str, name: str) -> str:
    """apimachinery's NotFound message, as listers return it."""
    return f'{kind} "{name}" not found'
