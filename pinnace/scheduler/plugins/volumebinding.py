"""VolumeBinding for PVC-backed pods (``pkg/scheduler/framework/plugins/volumebinding``, Kubernetes 1.32).

A faithful subset of upstream's volume binder:

* PreFilter: a pod without claims is skipped. A missing claim is UnschedulableAndUnresolvable
  ``persistentvolumeclaim "<name>" not found`` (for a generic ephemeral volume: waiting for the ephemeral
  volume controller); a lost or deleting claim likewise. Unbound claims whose StorageClass does not say
  ``WaitForFirstConsumer`` make the pod wait: ``pod has unbound immediate PersistentVolumeClaims``.
* Filter: a bound claim's PV must exist and its ``nodeAffinity`` must match the node
  (``node(s) had volume node affinity conflict``); an unbound WaitForFirstConsumer claim needs either an
  available PV (same class, enough capacity, the claim's access modes, matching node affinity and selector)
  or a class that can provision here (a provisioner other than ``kubernetes.io/no-provisioner`` and
  ``allowedTopologies`` matching the node) -- else ``node(s) didn't find available persistent volumes to
  bind``.
* Reserve remembers the decisions for the chosen node; PreBind writes them: a static match sets the PV's
  ``claimRef``, a provisioned claim gets the ``volume.kubernetes.io/selected-node`` annotation.

Not done (listed in docs/scheduler.md): waiting in PreBind until the PV controller completes binding, the
``pv.kubernetes.io/bind-completed`` distinction (a claim with ``spec.volumeName`` counts as bound), CSI
storage capacity checks, volume limits, and scoring by capacity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final

from pinnace.api.labels import SelectorParseError, from_label_selector_object
from pinnace.client.errors import ApiError
from pinnace.client.resources import PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES
from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    Code,
    CycleState,
    EventResource,
    PreFilterExtensions,
    PreFilterResult,
    Status,
)
from pinnace.scheduler.framework.nodeaffinity import NodeSelector
from pinnace.scheduler.framework.resources import quantity
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events
from pinnace.scheduler.plugins.volumes import (
    ANN_SELECTED_NODE,
    NOT_SUPPORTED_PROVISIONER,
    WAIT_FOR_FIRST_CONSUMER,
    claim_class,
    not_found,
    pod_claims,
    pv_class,
)

NAME = names.VOLUME_BINDING
ERR_REASON_BIND_CONFLICT: Final = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT: Final = "node(s) had volume node affinity conflict"
ERR_REASON_PV_NOT_EXIST: Final = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
_STATE_KEY: Final = NAME


def _unresolvable(message: str) -> Status:
    return Status(Code.UnschedulableAndUnresolvable, (message,))


def pv_matches_node(pv: Mapping[str, Any], node: NodeInfo) -> bool:
    """``CheckNodeAffinity``: a PV without required node affinity fits every node."""
    required = ((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required")
    if required is None:
        return True
    return NodeSelector.parse(required).match(node.labels, node.name)


def match_topology_selector_terms(
    terms: Sequence[Mapping[str, Any]] | None, labels: Mapping[str, str]
) -> bool:
    """``v1helper.MatchTopologySelectorTerms``: no terms match everything; terms are ORed."""
    if not terms:
        return True
    for term in terms:
        expressions = term.get("matchLabelExpressions") or []
        if all(labels.get(e.get("key", "")) in (e.get("values") or ()) for e in expressions):
            return True
    return False


@dataclass(slots=True)
class PodVolumes:
    """Decisions for one node: claims bound to a chosen PV, claims to provision there."""

    static_bindings: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=list)
    dynamic_provisions: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class StateData:
    bound: list[Mapping[str, Any]] = field(default_factory=list)
    delayed: list[Mapping[str, Any]] = field(default_factory=list)
    by_node: dict[str, PodVolumes] = field(default_factory=dict)
    reserved: PodVolumes | None = None

    def clone(self) -> StateData:
        return self


class VolumeBinding:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    # PreFilter ---------------------------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        listers = self.handle.listers
        claims = list(pod_claims(pod))
        if not claims:
            state.write(_STATE_KEY, StateData())
            return None, Status(Code.Skip)
        data = StateData()
        immediate = False
        for claim, ephemeral in claims:
            pvc = listers.pvc(pod.namespace, claim)
            if pvc is None:
                if ephemeral:
                    message = "waiting for ephemeral volume controller to create the persistentvolumeclaim"
                    return None, _unresolvable(f'{message} "{claim}"')
                return None, _unresolvable(not_found("persistentvolumeclaim", claim))
            spec, status = pvc.get("spec") or {}, pvc.get("status") or {}
            if status.get("phase") == "Lost":
                volume = spec.get("volumeName", "")
                message = f'persistentvolumeclaim "{claim}" bound to non-existent persistentvolume "{volume}"'
                return None, _unresolvable(message)
            if (pvc.get("metadata") or {}).get("deletionTimestamp"):
                return None, _unresolvable(f'persistentvolumeclaim "{claim}" is being deleted')
            if spec.get("volumeName"):
                data.bound.append(pvc)
                continue
            storage_class = listers.storage_class(claim_class(pvc)) if claim_class(pvc) else None
            if (
                storage_class is not None
                and storage_class.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER
            ):
                data.delayed.append(pvc)
            else:
                immediate = True
        if immediate:
            return None, _unresolvable("pod has unbound immediate PersistentVolumeClaims")
        state.write(_STATE_KEY, data)
        return None, None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None

    # Filter ------------------------------------------------------------------------------------------------

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        data: StateData = state.read(_STATE_KEY)
        reasons: list[str] = []
        for pvc in data.bound:
            pv = self.handle.listers.pv(str(pvc["spec"]["volumeName"]))
            if pv is None:
                reasons.append(ERR_REASON_PV_NOT_EXIST)
                break
            if not pv_matches_node(pv, node_info):
                reasons.append(ERR_REASON_NODE_CONFLICT)
                break
        volumes = PodVolumes()
        if data.delayed and not self._find_delayed(data.delayed, node_info, volumes):
            reasons.append(ERR_REASON_BIND_CONFLICT)
        if reasons:
            return Status(Code.UnschedulableAndUnresolvable, tuple(reasons))
        data.by_node[node_info.name] = volumes
        return None

    def _find_delayed(self, claims: list[Mapping[str, Any]], node: NodeInfo, out: PodVolumes) -> bool:
        chosen: set[str] = set()
        for pvc in claims:
            pv = self._matching_pv(pvc, node, chosen)
            if pv is not None:
                chosen.add(str(pv["metadata"]["name"]))
                out.static_bindings.append((pvc, pv))
                continue
            class_name = claim_class(pvc)
            storage_class = self.handle.listers.storage_class(class_name) if class_name else None
            if storage_class is None:
                return False
            provisioner = str(storage_class.get("provisioner") or "")
            if not provisioner or provisioner == NOT_SUPPORTED_PROVISIONER:
                return False
            if not match_topology_selector_terms(storage_class.get("allowedTopologies"), node.labels):
                return False
            out.dynamic_provisions.append(pvc)
        return True

    def _matching_pv(
        self, pvc: Mapping[str, Any], node: NodeInfo, taken: set[str]
    ) -> Mapping[str, Any] | None:
        """``findMatchingVolume``: the smallest available PV that satisfies the claim on this node."""
        spec = pvc.get("spec") or {}
        meta = pvc.get("metadata") or {}
        wanted = quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage", 0))
        modes = set(spec.get("accessModes") or ())
        class_name = claim_class(pvc)
        try:
            selector = (
                from_label_selector_object(spec["selector"]) if spec.get("selector") is not None else None
            )
        except SelectorParseError:
            return None
        best: tuple[Fraction, Mapping[str, Any]] | None = None
        for pv in self.handle.listers.pvs():
            pv_meta, pv_spec = pv.get("metadata") or {}, pv.get("spec") or {}
            name = str(pv_meta.get("name"))
            if name in taken or pv_class(pv) != class_name or pv_meta.get("deletionTimestamp"):
                continue
            ref = pv_spec.get("claimRef")
            if ref and not (
                ref.get("namespace") == meta.get("namespace") and ref.get("name") == meta.get("name")
            ):
                continue
            if (pv.get("status") or {}).get("phase") not in (None, "Available", "Pending") and not ref:
                continue
            if not modes <= set(pv_spec.get("accessModes") or ()):
                continue
            if selector is not None and not selector.matches(pv_meta.get("labels") or {}):
                continue
            size = quantity((pv_spec.get("capacity") or {}).get("storage", 0))
            if size < wanted or not pv_matches_node(pv, node):
                continue
            if best is None or size < best[0]:
                best = (size, pv)
        return best[1] if best is not None else None

    # Reserve / PreBind -------------------------------------------------------------------------------------

    def reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        data: StateData | None = state.get(_STATE_KEY)
        if data is not None:
            data.reserved = data.by_node.get(node_name)
        return None

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        data: StateData | None = state.get(_STATE_KEY)
        if data is not None:
            data.reserved = None

    async def pre_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        data: StateData | None = state.get(_STATE_KEY)
        if data is None or data.reserved is None:
            return None
        client = self.handle.client
        if client is None:
            return Status.as_status(RuntimeError("VolumeBinding has no API client"))
        try:
            for pvc, pv in data.reserved.static_bindings:
                meta = pvc.get("metadata") or {}
                claim_ref = {
                    "kind": "PersistentVolumeClaim",
                    "apiVersion": "v1",
                    "namespace": meta.get("namespace"),
                    "name": meta.get("name"),
                    "uid": meta.get("uid"),
                    "resourceVersion": meta.get("resourceVersion"),
                }
                await client.patch(
                    PERSISTENTVOLUMES, str(pv["metadata"]["name"]), {"spec": {"claimRef": claim_ref}}
                )
            for pvc in data.reserved.dynamic_provisions:
                meta = pvc.get("metadata") or {}
                patch = {"metadata": {"annotations": {ANN_SELECTED_NODE: node_name}}}
                await client.patch(
                    PERSISTENTVOLUMECLAIMS, str(meta.get("name")), patch, str(meta.get("namespace"))
                )
        except ApiError as err:
            return Status.as_status(err)
        return None

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.STORAGE_CLASS, ActionType.Add | ActionType.Update),
            (EventResource.PERSISTENT_VOLUME_CLAIM, ActionType.Add | ActionType.Update),
            (EventResource.PERSISTENT_VOLUME, ActionType.Add | ActionType.Update),
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint),
            (EventResource.CSI_NODE, ActionType.Add | ActionType.Update),
        )


def new(args: Mapping[str, Any], handle: Handle) -> VolumeBinding:
    return VolumeBinding(handle)
