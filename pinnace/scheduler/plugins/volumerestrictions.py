"""VolumeRestrictions: inline disks that cannot be shared, and ReadWriteOncePod claims
(``pkg/scheduler/framework/plugins/volumerestrictions/volume_restrictions.go``, 1.32).

* A GCE PD, AWS EBS, iSCSI or RBD volume already mounted by a pod on the node conflicts (read-only GCE PD,
  iSCSI and RBD mounts may share): Unschedulable ``node(s) had no available disk``.
* A ``ReadWriteOncePod`` claim already used by any pod makes every node Unschedulable
  ``node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode``.
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
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events, outcome_from_codes
from pinnace.scheduler.plugins.volumes import not_found

NAME = names.VOLUME_RESTRICTIONS
ERR_REASON_DISK_CONFLICT: Final = "node(s) had no available disk"
ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT: Final = (
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
)
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_DISK = Status(Code.Unschedulable, (ERR_REASON_DISK_CONFLICT,))
_RWOP = Status(Code.Unschedulable, (ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT,))
_RESTRICTED: Final = ("gcePersistentDisk", "awsElasticBlockStore", "rbd", "iscsi")


def _needs_check(volume: Mapping[str, Any]) -> bool:
    return any(volume.get(kind) is not None for kind in _RESTRICTED)


def is_volume_conflict(volume: Mapping[str, Any], pod: PodInfo) -> bool:
    """``isVolumeConflict``: ``volume`` of the incoming pod against every volume of ``pod``."""
    for existing in pod.spec.get("volumes") or ():
        if (disk := volume.get("gcePersistentDisk")) and (other := existing.get("gcePersistentDisk")):
            if disk.get("pdName") == other.get("pdName") and not (
                disk.get("readOnly") and other.get("readOnly")
            ):
                return True
        if (ebs := volume.get("awsElasticBlockStore")) and (other := existing.get("awsElasticBlockStore")):
            if ebs.get("volumeID") == other.get("volumeID"):
                return True
        if (iscsi := volume.get("iscsi")) and (other := existing.get("iscsi")):
            same = iscsi.get("iqn") == other.get("iqn") and iscsi.get("lun") == other.get("lun")
            if same and not (iscsi.get("readOnly") and other.get("readOnly")):
                return True
        if (rbd := volume.get("rbd")) and (other := existing.get("rbd")):
            overlap = set(rbd.get("monitors") or ()) & set(other.get("monitors") or ())
            same = (
                overlap
                and rbd.get("pool", "rbd") == other.get("pool", "rbd")
                and rbd.get("image") == other.get("image")
            )
            if same and not (rbd.get("readOnly") and other.get("readOnly")):
                return True
    return False


@dataclass(slots=True)
class PreFilterState:
    rwop_claims: frozenset[str]  # ns/claim
    conflicting_pvc_ref_count: int

    def clone(self) -> PreFilterState:
        return PreFilterState(self.rwop_claims, self.conflicting_pvc_ref_count)


class VolumeRestrictions:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        needs_check = any(_needs_check(v) for v in pod.spec.get("volumes") or ())
        rwop: set[str] = set()
        for volume in pod.spec.get("volumes") or ():
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if not claim:
                continue
            pvc = self.handle.listers.pvc(pod.namespace, claim)
            if pvc is None:
                return None, Status(
                    Code.UnschedulableAndUnresolvable, (not_found("persistentvolumeclaim", claim),)
                )
            if "ReadWriteOncePod" in ((pvc.get("spec") or {}).get("accessModes") or ()):
                rwop.add(f"{pod.namespace}/{claim}")
        conflicting = sum(
            1 for key in rwop if any(key in info.pvc_ref_counts for info in snapshot.node_infos)
        )
        if not needs_check and conflicting == 0:
            return None, Status(Code.Skip)
        state.write(_PRE_FILTER_KEY, PreFilterState(frozenset(rwop), conflicting))
        return None, None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return self

    def add_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        s.conflicting_pvc_ref_count += sum(1 for key in pod_to_add.pvc_keys if key in s.rwop_claims)
        return None

    def remove_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        s.conflicting_pvc_ref_count -= sum(1 for key in pod_to_remove.pvc_keys if key in s.rwop_claims)
        return None

    def _disk_conflict(self, pod: PodInfo, node_info: NodeInfo) -> bool:
        volumes = [v for v in pod.spec.get("volumes") or () if _needs_check(v)]
        return any(is_volume_conflict(v, existing) for v in volumes for existing in node_info.pods)

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if self._disk_conflict(pod, node_info):
            return _DISK
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        return _RWOP if s.conflicting_pvc_ref_count > 0 else None

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        codes = np.zeros(snapshot.num_nodes, dtype=np.int32)
        if any(_needs_check(v) for v in pod.spec.get("volumes") or ()):
            for i, info in enumerate(snapshot.node_infos):
                if info.pods and self._disk_conflict(pod, info):
                    codes[i] = 1
        if s.conflicting_pvc_ref_count > 0:
            codes[codes == 0] = 2
        return outcome_from_codes(codes, [_DISK, _RWOP])

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.ASSIGNED_POD, ActionType.Delete),
            (EventResource.PERSISTENT_VOLUME_CLAIM, ActionType.Add | ActionType.Update),
            (EventResource.NODE, ActionType.Add),
        )


def new(args: Mapping[str, Any], handle: Handle) -> VolumeRestrictions:
    return VolumeRestrictions(handle)
