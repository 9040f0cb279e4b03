"""DefaultPreemption: PostFilter that evicts lower-priority pods so that the pod can fit later
(``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``, Kubernetes 1.32).

SelectVictimsOnNode removes every pod of lower priority from a copy of the node, checks the pod fits then,
and reprieves as many as possible, most important first: first those whose eviction would violate a
PodDisruptionBudget, then the others; the ones it cannot reprieve are the victims. See
:mod:`.preemption` for how candidates are found and chosen. The PostFilter message is prefixed with
``preemption: `` as upstream does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pinnace.api.labels import LabelSelector, SelectorParseError, from_label_selector_object
from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import (
    Code,
    CycleState,
    NodeToStatusReader,
    PostFilterResult,
    Status,
    is_success,
)
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.preemption import Evaluator, importance_key

NAME = names.DEFAULT_PREEMPTION
NO_VICTIMS: Final = "No preemption victims found for incoming pod"


def pod_terminating_by_preemption(pod: PodInfo) -> bool:
    """``podTerminatingByPreemption``: terminating, DisruptionTarget=True by PreemptionByScheduler."""
    if not pod.terminating:
        return False
    for condition in (pod.pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "DisruptionTarget":
            return bool(
                condition.get("status") == "True" and condition.get("reason") == "PreemptionByScheduler"
            )
    return False


def filter_pods_with_pdb_violation(
    pods: Sequence[PodInfo], pdbs: Sequence[Mapping[str, Any]]
) -> tuple[list[PodInfo], list[PodInfo]]:
    """``filterPodsWithPDBViolation``: (violating, non-violating), each in the given order.

    Each matching PDB's ``disruptionsAllowed`` is spent pod by pod; a pod already listed in the PDB's
    ``disruptedPods`` does not spend it; a PDB with an empty or invalid selector matches nothing.
    """
    allowed = [int((pdb.get("status") or {}).get("disruptionsAllowed") or 0) for pdb in pdbs]
    selectors: list[LabelSelector | None] = []
    for pdb in pdbs:
        try:
            selectors.append(from_label_selector_object((pdb.get("spec") or {}).get("selector")))
        except SelectorParseError:
            selectors.append(None)
    violating: list[PodInfo] = []
    non_violating: list[PodInfo] = []
    for pod in pods:
        violated = False
        if pod.labels:
            for i, pdb in enumerate(pdbs):
                meta = pdb.get("metadata") or {}
                selector = selectors[i]
                if meta.get("namespace") != pod.namespace or selector is None:
                    continue
                if selector.is_empty or selector.matches_nothing or not selector.matches(pod.labels):
                    continue
                if pod.name in ((pdb.get("status") or {}).get("disruptedPods") or {}):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pod)
    return violating, non_violating


class DefaultPreemption:
    name = NAME

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        self.handle = handle
        self.min_candidate_nodes_percentage = int(args.get("minCandidateNodesPercentage", 10))
        self.min_candidate_nodes_absolute = int(args.get("minCandidateNodesAbsolute", 100))
        self.evaluator = Evaluator(NAME, handle, self)

    async def post_filter(
        self, state: CycleState, pod: PodInfo, filtered_node_status: NodeToStatusReader
    ) -> tuple[PostFilterResult | None, Status | None]:
        result, status = await self.evaluator.preempt(state, pod, filtered_node_status)
        message = status.message()
        if message:
            return result, Status(status.code, (f"preemption: {message}",), status.plugin, status.error)
        return result, status

    def calculate_num_candidates(self, num_nodes: int) -> int:
        n = num_nodes * self.min_candidate_nodes_percentage // 100
        n = max(n, self.min_candidate_nodes_absolute)
        return min(n, num_nodes)

    def get_offset_and_num_candidates(self, num_nodes: int) -> tuple[int, int]:
        return self.handle.rng.randrange(num_nodes), self.calculate_num_candidates(num_nodes)

    def pod_eligible_to_preempt_others(self, pod: PodInfo, nominated_node_status: Status) -> tuple[bool, str]:
        if pod.spec.get("preemptionPolicy") == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nominated = str((pod.pod.get("status") or {}).get("nominatedNodeName") or "")
        if nominated:
            if nominated_node_status.code is Code.UnschedulableAndUnresolvable:
                return True, ""
            info = self.handle.snapshot.get(nominated)
            if info is not None:
                for other in info.pods:
                    if other.priority < pod.priority and pod_terminating_by_preemption(other):
                        return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    def select_victims_on_node(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo, pdbs: Sequence[Mapping[str, Any]]
    ) -> tuple[list[PodInfo], int, Status | None]:
        fwk = self.handle.framework
        now = self.handle.clock.now().timestamp()

        def remove(victim: PodInfo) -> None:
            node_info.remove_pod(victim)
            status = fwk.run_pre_filter_extension_remove_pod(state, pod, victim, node_info)
            if not is_success(status):
                raise status.as_error() if status is not None else RuntimeError("status")

        def add(victim: PodInfo) -> None:
            node_info.add_pod(victim)
            status = fwk.run_pre_filter_extension_add_pod(state, pod, victim, node_info)
            if not is_success(status):
                raise status.as_error() if status is not None else RuntimeError("status")

        potential = [p for p in node_info.pods if p.priority < pod.priority]
        try:
            for victim in potential:
                remove(victim)
        except Exception as err:
            return [], 0, Status.as_status(err)
        if not potential:
            return [], 0, Status(Code.UnschedulableAndUnresolvable, (NO_VICTIMS,))
        status = fwk.run_filter_with_nominated_pods(state, pod, node_info)
        if not is_success(status):
            return [], 0, status
        potential.sort(key=lambda p: importance_key(p, now))
        violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs)
        victims: list[PodInfo] = []
        num_violating = 0

        def reprieve(candidate: PodInfo) -> bool:
            add(candidate)
            fits = is_success(fwk.run_filter_with_nominated_pods(state, pod, node_info))
            if not fits:
                remove(candidate)
                victims.append(candidate)
            return fits

        try:
            for candidate in violating:
                if not reprieve(candidate):
                    num_violating += 1
            for candidate in non_violating:
                reprieve(candidate)
        except Exception as err:
            return [], 0, Status.as_status(err)
        if violating and non_violating:
            victims.sort(key=lambda p: importance_key(p, now))
        return victims, num_violating, None


def new(args: Mapping[str, Any], handle: Handle) -> DefaultPreemption:
    return DefaultPreemption(args, handle)
