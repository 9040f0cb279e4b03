"""VolumeZone: a pod whose bound PersistentVolumes carry zone/region labels fits only nodes in those zones
(``pkg/scheduler/framework/plugins/volumezone/volume_zone.go``, 1.32).

A PV label value may list several zones separated by ``__``. A node with none of the topology labels fits
(single-zone clusters). Unbound claims of a WaitForFirstConsumer class are skipped (VolumeBinding decides).
Mismatch: UnschedulableAndUnresolvable ``node(s) had no available volume zone``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    Code,
    CycleState,
    EventResource,
    FilterOutcome,
    PreFilterExtensions,
    PreFilterResult,
    Status,
)
from pinnace.scheduler.framework.nodetree import (
    LABEL_FAILURE_DOMAIN_BETA_REGION,
    LABEL_FAILURE_DOMAIN_BETA_ZONE,
    LABEL_TOPOLOGY_REGION,
    LABEL_TOPOLOGY_ZONE,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events, outcome
from pinnace.scheduler.plugins.volumes import WAIT_FOR_FIRST_CONSUMER, claim_class, not_found, pod_claims

NAME = names.VOLUME_ZONE
ERR_REASON_CONFLICT: Final = "node(s) had no available volume zone"
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_CONFLICT = Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_CONFLICT,))
TOPOLOGY_LABELS: Final = (
    LABEL_FAILURE_DOMAIN_BETA_ZONE,
    LABEL_FAILURE_DOMAIN_BETA_REGION,
    LABEL_TOPOLOGY_ZONE,
    LABEL_TOPOLOGY_REGION,
)
_TO_GA: Final = {
    LABEL_FAILURE_DOMAIN_BETA_ZONE: LABEL_TOPOLOGY_ZONE,
    LABEL_FAILURE_DOMAIN_BETA_REGION: LABEL_TOPOLOGY_REGION,
}


@dataclass(frozen=True, slots=True)
class PVTopology:
    pv_name: str
    key: str
    values: frozenset[str]


def _unresolvable(message: str) -> Status:
    return Status(Code.UnschedulableAndUnresolvable, (message,))


class VolumeZone:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    def pv_topologies(self, pod: PodInfo) -> tuple[list[PVTopology], Status | None]:
        """``getPVbyPod``."""
        listers = self.handle.listers
        out: list[PVTopology] = []
        for claim, _ in pod_claims(pod):
            if not claim:
                return [], _unresolvable("PersistentVolumeClaim had no name")
            pvc = listers.pvc(pod.namespace, claim)
            if pvc is None:
                return [], _unresolvable(not_found("persistentvolumeclaim", claim))
            pv_name = str((pvc.get("spec") or {}).get("volumeName") or "")
            if not pv_name:
                class_name = claim_class(pvc)
                if not class_name:
                    return [], _unresolvable("PersistentVolumeClaim had no pv name and storageClass name")
                storage_class = listers.storage_class(class_name)
                if storage_class is None:
                    return [], _unresolvable(not_found("storageclass.storage.k8s.io", class_name))
                mode = storage_class.get("volumeBindingMode")
                if mode is None:
                    return [], _unresolvable(f'VolumeBindingMode not set for StorageClass "{class_name}"')
                if mode == WAIT_FOR_FIRST_CONSUMER:
                    continue
                return [], _unresolvable("PersistentVolume had no name")
            pv = listers.pv(pv_name)
            if pv is None:
                return [], _unresolvable(not_found("persistentvolume", pv_name))
            labels = (pv.get("metadata") or {}).get("labels") or {}
            for key in TOPOLOGY_LABELS:
                if key in labels:
                    out.append(PVTopology(pv_name, key, frozenset(str(labels[key]).split("__"))))
        return out, None

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        topologies, status = self.pv_topologies(pod)
        if status is not None:
            return None, status
        if not topologies:
            return None, Status(Code.Skip)
        state.write(_PRE_FILTER_KEY, topologies)
        return None, None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if not pod.spec.get("volumes"):
            return None
        topologies: list[PVTopology] = state.read(_PRE_FILTER_KEY)
        labels = node_info.labels
        if not any(key in labels for key in TOPOLOGY_LABELS):
            return None
        for topology in topologies:
            value = labels.get(topology.key)
            if value is None:
                value = labels.get(_TO_GA.get(topology.key, ""))
            if value is None or value not in topology.values:
                return _CONFLICT
        return None

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        if not pod.spec.get("volumes"):
            return None
        topologies: list[PVTopology] = state.read(_PRE_FILTER_KEY)
        constrained = np.zeros(snapshot.num_nodes, dtype=bool)
        for key in TOPOLOGY_LABELS:
            constrained |= snapshot.label_ids(key) >= 0
        fail = np.zeros(snapshot.num_nodes, dtype=bool)
        for topology in topologies:
            ids = snapshot.label_ids(topology.key)
            ok = snapshot.label_table(topology.key, topology.values)
            ga = _TO_GA.get(topology.key)
            if ga is not None:
                ok = np.where(ids >= 0, ok, snapshot.label_table(ga, topology.values))
            fail |= ~ok
        return outcome(constrained & fail, _CONFLICT)

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.STORAGE_CLASS, ActionType.Add),
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint),
            (EventResource.PERSISTENT_VOLUME_CLAIM, ActionType.Add | ActionType.Update),
            (EventResource.PERSISTENT_VOLUME, ActionType.Add | ActionType.Update),
        )


def new(args: Mapping[str, Any], handle: Handle) -> VolumeZone:
    return VolumeZone(handle)
