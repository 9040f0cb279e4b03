"""The Node and Lease objects a hollow node writes, built as a kubelet builds them (pure functions).

What a real kubelet 1.32 reports, and where upstream does it:

* labels: ``kubernetes.io/hostname``, ``kubernetes.io/os``/``arch`` and their ``beta.`` twins
  (``kubelet_node_status.go: initialNode``), ``node.kubernetes.io/instance-type`` and the topology labels
  a cloud provider adds; plus ``node.pinnace.dev/hollow: "true"`` and an annotation saying it is simulated.
  There is deliberately **no taint**: ordinary pods schedule onto hollow nodes;
* conditions MemoryPressure, DiskPressure, PIDPressure (False) and Ready (True) with the kubelet's reasons
  and messages, in the kubelet's order (``nodestatus/setters.go``); ``lastTransitionTime`` moves only when
  a condition's status changes, ``lastHeartbeatTime`` at every post;
* capacity and allocatable (equal: a hollow node reserves nothing), addresses (InternalIP and Hostname),
  ``daemonEndpoints`` (port 10250, where nothing listens), ``nodeInfo``;
* the node Lease (``pkg/kubelet/nodelease``, ``component-helpers/apimachinery/lease``): named after the node
  in ``kube-node-lease``, owned by the Node, ``holderIdentity`` the node name, ``renewTime`` a MicroTime.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pinnace import __version__
from pinnace.api.quantity import canonicalize
from pinnace.api.timestamps import micro_time, rfc3339
from pinnace.client.interface import Object
from pinnace.hollow.config import HollowConfig
from pinnace.hollow.ipam import NodeAddresses

HOLLOW_LABEL = "node.pinnace.dev/hollow"
HOLLOW_ANNOTATION = "node.pinnace.dev/hollow"
# Short enough for `kubectl describe node` to show whole.
HOLLOW_ANNOTATION_TEXT = "simulated by pinnace hollow-nodes: nothing runs here and no address is served"
NODE_LEASE_NAMESPACE = "kube-node-lease"
KUBELET_PORT = 10250
KUBELET_VERSION = "v1.32.0-pinnace-hollow"
CONTAINER_RUNTIME_VERSION = f"hollow://{__version__}"

# (type, status, reason, message) in the order the kubelet's setters append them.
NODE_CONDITIONS: tuple[tuple[str, str, str, str], ...] = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


def node_labels(config: HollowConfig, index: int) -> dict[str, str]:
    name = config.node_name(index)
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": config.instance_type,
        HOLLOW_LABEL: "true",
    }
    if config.zones:
        labels["topology.kubernetes.io/zone"] = config.zones[(config.start_index + index) % len(config.zones)]
    if config.region:
        labels["topology.kubernetes.io/region"] = config.region
    labels.update(config.extra_labels)
    return labels


def resources(config: HollowConfig) -> dict[str, str]:
    return {
        "cpu": str(canonicalize(config.cpu)),
        "ephemeral-storage": str(canonicalize(config.ephemeral_storage)),
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": str(canonicalize(config.memory)),
        "pods": str(config.pods),
    }


def node_info(name: str) -> dict[str, str]:
    # Stable per name, like /etc/machine-id and the DMI product uuid of a real machine.
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {
        "architecture": "amd64",
        "bootID": str(uuid.UUID(digest[32:64])),
        "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION,
        "kernelVersion": "0.0.0-hollow",
        "kubeletVersion": KUBELET_VERSION,
        "machineID": digest[:32],
        "operatingSystem": "linux",
        "osImage": "Pinnace hollow node (simulated)",
        "systemUUID": str(uuid.UUID(digest[:32])),
    }


def node_conditions(now: datetime, previous: list[Any] | None = None) -> list[Object]:
    """The four conditions at ``now``; a condition whose status is unchanged keeps its transition time."""
    before = {c.get("type"): c for c in previous or [] if isinstance(c, dict)}
    stamp = rfc3339(now)
    conditions: list[Object] = []
    for type_, status, reason, message in NODE_CONDITIONS:
        old = before.get(type_)
        transition = old.get("lastTransitionTime") if old and old.get("status") == status else None
        conditions.append(
            {
                "type": type_,
                "status": status,
                "lastHeartbeatTime": stamp,
                "lastTransitionTime": transition or stamp,
                "reason": reason,
                "message": message,
            }
        )
    return conditions


def node_status(
    config: HollowConfig,
    index: int,
    addresses: NodeAddresses,
    now: datetime,
    previous: list[Any] | None = None,
) -> Object:
    name = config.node_name(index)
    capacity = resources(config)
    return {
        "capacity": capacity,
        "allocatable": dict(capacity),
        "conditions": node_conditions(now, previous),
        "addresses": [
            {"type": "InternalIP", "address": addresses.internal_ip},
            {"type": "Hostname", "address": name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
        "nodeInfo": node_info(name),
    }


def build_node(config: HollowConfig, index: int, addresses: NodeAddresses, now: datetime) -> Object:
    """The Node the kubelet registers (``initialNode`` with its status already set)."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": config.node_name(index),
            "labels": node_labels(config, index),
            "annotations": {
                HOLLOW_ANNOTATION: HOLLOW_ANNOTATION_TEXT,
                # The kubelet leaves attach/detach to the controller (kubelet_node_status.go).
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": addresses.pod_cidr, "podCIDRs": [addresses.pod_cidr]},
        "status": node_status(config, index, addresses, now),
    }


def status_needs_post(observed: Object, config: HollowConfig, index: int, addresses: NodeAddresses) -> bool:
    """Whether the Node as stored differs from what this hollow node reports, heartbeats aside.

    The kubelet re-posts at once when its computed status differs (``kubelet_node_status.go:
    updateNodeStatus``); for a hollow node only someone else's write can make it differ (the node lifecycle
    controller marking it Unknown while this process was down, a user's patch).
    """
    status = observed.get("status") or {}
    current = {
        c.get("type"): (c.get("status"), c.get("reason"), c.get("message"))
        for c in status.get("conditions") or []
        if isinstance(c, dict)
    }
    wanted = {type_: (status_, reason, message) for type_, status_, reason, message in NODE_CONDITIONS}
    if any(current.get(type_) != value for type_, value in wanted.items()):
        return True
    capacity = resources(config)
    return status.get("capacity") != capacity or status.get("allocatable") != capacity


def build_lease(node_name: str, node_uid: str, now: datetime, duration_seconds: int) -> Object:
    """A node Lease as ``nodelease.newLease`` makes it."""
    metadata: Object = {"name": node_name, "namespace": NODE_LEASE_NAMESPACE}
    if node_uid:
        # Owned by the Node, so deleting the Node collects its Lease.
        metadata["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node_uid}
        ]
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": metadata,
        "spec": {
            "holderIdentity": node_name,
            "leaseDurationSeconds": duration_seconds,
            "renewTime": micro_time(now),
        },
    }


def renewed(lease: Object, node_name: str, node_uid: str, now: datetime, duration_seconds: int) -> Object:
    """``lease`` with a new renewTime (and the holder, duration and owner put right), keeping its
    resourceVersion so the update is guarded, as the kubelet's lease controller updates its last lease."""
    fresh = build_lease(node_name, node_uid, now, duration_seconds)
    metadata = dict(lease.get("metadata") or {})
    if node_uid and not metadata.get("ownerReferences"):
        metadata["ownerReferences"] = fresh["metadata"]["ownerReferences"]
    return {**lease, "metadata": metadata, "spec": {**(lease.get("spec") or {}), **fresh["spec"]}}
