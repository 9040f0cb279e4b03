"""What the local-path provisioner makes: the PersistentVolume for a claim, the default StorageClass, and the
rules for when it provisions or deletes (those of ``sig-storage-lib-external-provisioner``, which k3s's
``rancher/local-path-provisioner`` is built on).

A volume is a directory on the node the scheduler chose: ``<nodePath>/<pv name>``, where ``nodePath`` is the
StorageClass parameter of that name (default ``/var/lib/pinnace/storage``). The PV is a ``hostPath`` volume
with ``type: DirectoryOrCreate`` (or a ``local`` volume with the class parameter ``volumeType: local``)
whose required node affinity pins it, and every pod using it, to that node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pinnace.controllers.persistentvolume.helpers import (
    ANN_BETA_STORAGE_PROVISIONER,
    ANN_DYNAMICALLY_PROVISIONED,
    ANN_IS_DEFAULT_CLASS,
    ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
    WAIT_FOR_FIRST_CONSUMER,
    annotations_of,
    claim_class,
    claim_reference,
    meta,
    name_of,
    phase_of,
    spec,
    uid_of,
)

Object = dict[str, Any]

PROVISIONER_NAME: Final = "pinnace.dev/local-path"
CLASS_NAME: Final = "local-path"
DEFAULT_NODE_PATH: Final = "/var/lib/pinnace/storage"
#: StorageClass parameters this provisioner reads.
NODE_PATH_PARAMETER: Final = "nodePath"
VOLUME_TYPE_PARAMETER: Final = "volumeType"
HOSTNAME_LABEL: Final = "kubernetes.io/hostname"
#: One node's directory can be mounted read-write by pods of that node only.
SUPPORTED_ACCESS_MODES: Final = frozenset({"ReadWriteOnce", "ReadWriteOncePod"})


class ProvisioningError(ValueError):
    """The claim cannot be provisioned as asked (reported in a ProvisioningFailed event)."""


def default_storage_class(*, is_default: bool) -> Object:
    """The ``local-path`` StorageClass the controller manager creates (k3s ships the same one)."""
    metadata: Object = {"name": CLASS_NAME}
    if is_default:
        metadata["annotations"] = {ANN_IS_DEFAULT_CLASS: "true"}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": PROVISIONER_NAME,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": WAIT_FOR_FIRST_CONSUMER,
    }


def volume_name_for(claim: Mapping[str, Any]) -> str:
    """``pvc-<claim uid>``: deterministic, so a retry finds what an earlier attempt created."""
    return f"pvc-{uid_of(claim)}"


def asks_this_provisioner(claim: Mapping[str, Any]) -> bool:
    """The PV controller named this provisioner on the claim (either annotation)."""
    found = annotations_of(claim)
    named = found.get(ANN_STORAGE_PROVISIONER, found.get(ANN_BETA_STORAGE_PROVISIONER))
    return named == PROVISIONER_NAME


def should_provision(claim: Mapping[str, Any], storage_class: Mapping[str, Any] | None) -> bool:
    """``shouldProvision``: unbound, asked of this provisioner through a class of this provisioner, and for a
    WaitForFirstConsumer class only once the scheduler has chosen a node. Claims being deleted are left."""
    if spec(claim).get("volumeName") or meta(claim).get("deletionTimestamp"):
        return False
    if not asks_this_provisioner(claim) or storage_class is None:
        return False
    if storage_class.get("provisioner") != PROVISIONER_NAME:
        return False
    if storage_class.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER:
        return ANN_SELECTED_NODE in annotations_of(claim)
    return True


def should_delete(volume: Mapping[str, Any]) -> bool:
    """``shouldDelete``: a volume this provisioner made, Released by the PV controller, reclaim policy
    Delete."""
    return (
        annotations_of(volume).get(ANN_DYNAMICALLY_PROVISIONED) == PROVISIONER_NAME
        and phase_of(volume) == "Released"
        and spec(volume).get("persistentVolumeReclaimPolicy") == "Delete"
    )


def node_affinity(node: Mapping[str, Any]) -> Object:
    """Required affinity to the node by its ``kubernetes.io/hostname`` label (its name when unlabelled)."""
    hostname = (meta(node).get("labels") or {}).get(HOSTNAME_LABEL) or name_of(node)
    term = {"matchExpressions": [{"key": HOSTNAME_LABEL, "operator": "In", "values": [hostname]}]}
    return {"required": {"nodeSelectorTerms": [term]}}


def new_volume(claim: Mapping[str, Any], storage_class: Mapping[str, Any], node: Mapping[str, Any]) -> Object:
    """The PV for ``claim`` on ``node``, pre-bound to the claim (the PV controller completes the binding)."""
    claim_spec = spec(claim)
    modes = list(claim_spec.get("accessModes") or ())
    unsupported = sorted(set(modes) - SUPPORTED_ACCESS_MODES)
    if unsupported:
        raise ProvisioningError(
            f"access mode {unsupported[0]} is not supported: a local path serves ReadWriteOnce and "
            "ReadWriteOncePod only"
        )
    if (claim_spec.get("volumeMode") or "Filesystem") != "Filesystem":
        raise ProvisioningError("volumeMode Block is not supported: a local path is a directory")
    if claim_spec.get("dataSource") or claim_spec.get("dataSourceRef"):
        raise ProvisioningError("a data source is not supported: a local path starts empty")
    storage = ((claim_spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        raise ProvisioningError("the claim requests no storage")
    parameters = storage_class.get("parameters") or {}
    name = volume_name_for(claim)
    path = f"{str(parameters.get(NODE_PATH_PARAMETER) or DEFAULT_NODE_PATH).rstrip('/')}/{name}"
    volume_type = str(parameters.get(VOLUME_TYPE_PARAMETER) or "hostPath")
    if volume_type == "hostPath":
        source: Object = {"hostPath": {"path": path, "type": "DirectoryOrCreate"}}
    elif volume_type == "local":
        source = {"local": {"path": path}}
    else:
        raise ProvisioningError(f'unknown volumeType "{volume_type}": use hostPath or local')
    volume_spec: Object = {
        "accessModes": modes,
        "capacity": {"storage": storage},
        "claimRef": claim_reference(claim),
        **source,
        "nodeAffinity": node_affinity(node),
        "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
        "storageClassName": claim_class(claim),
        "volumeMode": "Filesystem",
    }
    if storage_class.get("mountOptions"):
        volume_spec["mountOptions"] = list(storage_class["mountOptions"])
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {ANN_DYNAMICALLY_PROVISIONED: PROVISIONER_NAME}},
        "spec": volume_spec,
    }
