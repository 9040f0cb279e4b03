"""The preemption evaluator (``pkg/scheduler/framework/preemption/preemption.go``, Kubernetes 1.32).

``Evaluator.preempt`` for a pod no node fits:

1. Is the pod eligible (``preemptionPolicy: Never`` is not; nor is a pod whose nominated node already has a
   lower-priority pod terminating because of preemption)?
2. Candidates: nodes whose Filter status was Unschedulable (UnschedulableAndUnresolvable nodes get
   "Preemption is not helpful for scheduling"); from a random offset, a what-if run per node removes
   lower-priority pods until the pod fits (SelectVictimsOnNode), until enough candidates are found
   (``max(minCandidateNodesAbsolute, minCandidateNodesPercentage% of nodes)``, preferring PDB-respecting
   ones).
3. The best candidate by upstream's order: fewest PDB violations, lowest highest-victim priority, lowest sum
   of priorities, fewest victims, latest start time of the highest-priority victims, then the first.
4. Victims get a ``DisruptionTarget`` condition, are deleted, and a ``Preempted`` event is recorded; lower
   priority pods nominated to that node lose their nomination. The pod is nominated to the node.

No candidate: the PostFilter status carries a FitError message over the candidates' statuses, which the
scheduler appends to its own (``preemption: 0/N nodes are available: ...``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pinnace.client.errors import ApiError, NotFound
from pinnace.client.resources import PODS
from pinnace.scheduler.framework.fiterror import Diagnosis, FitError, NodeToStatus
from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import (
    Code,
    CycleState,
    NodeToStatusReader,
    PostFilterResult,
    Status,
)
from pinnace.scheduler.framework.types import NodeInfo, PodInfo

log = logging.getLogger(__name__)

_MAX_INT32 = 2**31 - 1
PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling"


@dataclass(slots=True)
class Victims:
    pods: list[PodInfo]
    num_pdb_violations: int


@dataclass(slots=True)
class Candidate:
    name: str
    victims: Victims


class PreemptionInterface(Protocol):
    """What a preemption plugin supplies to the evaluator (``preemption.Interface``)."""

    def get_offset_and_num_candidates(self, num_nodes: int) -> tuple[int, int]: ...

    def pod_eligible_to_preempt_others(
        self, pod: PodInfo, nominated_node_status: Status
    ) -> tuple[bool, str]: ...

    def select_victims_on_node(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo, pdbs: Sequence[Mapping[str, Any]]
    ) -> tuple[list[PodInfo], int, Status | None]: ...


def pod_start_time(pod: PodInfo, now: float) -> float:
    """``GetPodStartTime``: ``status.startTime``, or now for pods that have not started."""
    return pod.start_time if pod.start_time is not None else now


def more_important_pod(a: PodInfo, b: PodInfo, now: float) -> bool:
    """``MoreImportantPod``: higher priority, then the earlier start time."""
    if a.priority != b.priority:
        return a.priority > b.priority
    return pod_start_time(a, now) < pod_start_time(b, now)


def importance_key(pod: PodInfo, now: float) -> tuple[int, float]:
    """Sort key putting more important pods first."""
    return (-pod.priority, pod_start_time(pod, now))


def earliest_start_of_highest_priority(victims: Victims, now: float) -> float:
    """``GetEarliestPodStartTime``: the earliest start among the highest-priority victims."""
    top = victims.pods[0]
    earliest, max_priority = pod_start_time(top, now), top.priority
    for pod in victims.pods:
        if pod.priority == max_priority:
            earliest = min(earliest, pod_start_time(pod, now))
        elif pod.priority > max_priority:
            max_priority, earliest = pod.priority, pod_start_time(pod, now)
    return earliest


def pick_one_node_for_preemption(candidates: Sequence[Candidate], now: float) -> str:
    """``pickOneNodeForPreemption`` with upstream's default score functions, in order."""
    if not candidates:
        return ""
    by_name = {c.name: c.victims for c in candidates}

    def sum_priorities(name: str) -> int:
        return -sum(p.priority + _MAX_INT32 + 1 for p in by_name[name].pods)

    score_funcs = (
        lambda name: -by_name[name].num_pdb_violations,
        lambda name: -by_name[name].pods[0].priority,
        sum_priorities,
        lambda name: -len(by_name[name].pods),
        lambda name: earliest_start_of_highest_priority(by_name[name], now),
    )
    remaining = [c.name for c in candidates]
    for func in score_funcs:
        best = -math.inf
        selected: list[str] = []
        for name in remaining:
            score = func(name)
            if score > best:
                best, selected = score, []
            if score == best:
                selected.append(name)
        if len(selected) == 1:
            return selected[0]
        remaining = selected
    return remaining[0]


class Evaluator:
    """``preemption.Evaluator`` for one plugin."""

    def __init__(self, plugin_name: str, handle: Handle, interface: PreemptionInterface) -> None:
        self.plugin_name = plugin_name
        self.handle = handle
        self.interface = interface

    async def preempt(
        self, state: CycleState, pod: PodInfo, statuses: NodeToStatusReader
    ) -> tuple[PostFilterResult | None, Status]:
        nominated = str((pod.pod.get("status") or {}).get("nominatedNodeName") or "")
        ok, message = self.interface.pod_eligible_to_preempt_others(pod, statuses.get(nominated))
        if not ok:
            return None, Status(Code.Unschedulable, (message,))
        snapshot = self.handle.snapshot
        all_nodes = list(snapshot.node_infos)
        candidates, node_statuses = await self.find_candidates(state, all_nodes, pod, statuses)
        if not candidates:
            node_statuses.absent = Status(Code.UnschedulableAndUnresolvable, (PREEMPTION_NOT_HELPFUL,))
            fit_error = FitError(pod.key, len(all_nodes), Diagnosis(node_to_status=node_statuses))
            return PostFilterResult(""), Status(Code.Unschedulable, (str(fit_error),))
        best = self.select_candidate(candidates)
        if best is None or not best.name:
            return None, Status(Code.Unschedulable, ("no candidate node for preemption",))
        status = await self.prepare_candidate(best, pod)
        if status is not None:
            return None, status
        return PostFilterResult(best.name), Status(Code.Success)

    async def find_candidates(
        self, state: CycleState, all_nodes: list[NodeInfo], pod: PodInfo, statuses: NodeToStatusReader
    ) -> tuple[list[Candidate], NodeToStatus]:
        potential: list[NodeInfo] = []
        unresolvable = Status(Code.UnschedulableAndUnresolvable, (PREEMPTION_NOT_HELPFUL,))
        node_statuses = NodeToStatus()
        for info in all_nodes:
            code = statuses.get(info.name).code
            if code is Code.Unschedulable:
                potential.append(info)
            elif code is Code.UnschedulableAndUnresolvable:
                node_statuses.set(info.name, unresolvable)
        if not potential:
            await clear_nominated_node_name(self.handle, [pod])
            return [], node_statuses
        pdbs = list(self.handle.listers.pdbs())
        offset, num_candidates = self.interface.get_offset_and_num_candidates(len(potential))
        candidates, dry_statuses = self.dry_run_preemption(
            state, pod, potential, pdbs, offset, num_candidates
        )
        for name, status in node_statuses.items():
            dry_statuses.set(name, status)
        return candidates, dry_statuses

    def dry_run_preemption(
        self,
        state: CycleState,
        pod: PodInfo,
        potential: list[NodeInfo],
        pdbs: Sequence[Mapping[str, Any]],
        offset: int,
        num_candidates: int,
    ) -> tuple[list[Candidate], NodeToStatus]:
        """``DryRunPreemption``, sequentially, until enough candidates (one PDB-respecting) exist."""
        non_violating: list[Candidate] = []
        violating: list[Candidate] = []
        node_statuses = NodeToStatus()
        for i in range(len(potential)):
            info = potential[(offset + i) % len(potential)].clone()
            pods, violations, status = self.interface.select_victims_on_node(state.clone(), pod, info, pdbs)
            if status is None or status.code is Code.Success:
                if pods:
                    candidate = Candidate(info.name, Victims(pods, violations))
                    (violating if violations else non_violating).append(candidate)
                    if non_violating and len(non_violating) + len(violating) >= num_candidates:
                        break
                    continue
                status = Status.as_status(
                    RuntimeError(f'expected at least one victim pod on node "{info.name}"')
                )
            node_statuses.set(info.name, status)
        return non_violating + violating, node_statuses

    def select_candidate(self, candidates: list[Candidate]) -> Candidate | None:
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        name = pick_one_node_for_preemption(candidates, self.handle.clock.now().timestamp())
        for candidate in candidates:
            if candidate.name == name:
                return candidate
        return candidates[0]

    async def prepare_candidate(self, candidate: Candidate, pod: PodInfo) -> Status | None:
        """``prepareCandidate``: evict the victims, then clear lower-priority nominations on the node."""
        framework = self.handle.framework
        for victim in candidate.victims.pods:
            if framework is not None and framework.is_waiting(victim.uid):
                framework.reject_waiting_pod(victim.uid, self.plugin_name, "preempted")
            else:
                try:
                    await preempt_pod(self.handle, pod, victim)
                except ApiError as err:
                    return Status.as_status(err)
            if self.handle.events is not None:
                self.handle.events.event(
                    victim.pod, "Normal", "Preempted", f"Preempted by pod {pod.uid} on node {candidate.name}"
                )
        nominated = [
            p
            for p in self.handle.nominator.nominated_pods_for_node(candidate.name)
            if p.priority < pod.priority and p.uid != pod.uid
        ]
        try:
            await clear_nominated_node_name(self.handle, nominated)
        except ApiError as err:
            log.warning("cannot clear nominatedNodeName: %s", err)
        return None


async def preempt_pod(handle: Handle, preemptor: PodInfo, victim: PodInfo) -> None:
    """Add the DisruptionTarget condition (``PreemptionByScheduler``), then delete the victim."""
    client = handle.client
    if client is None:
        raise RuntimeError("preemption needs an API client")
    now = handle.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    condition = {
        "type": "DisruptionTarget",
        "status": "True",
        "lastProbeTime": None,
        "lastTransitionTime": now,
        "reason": "PreemptionByScheduler",
        "message": f"{preemptor.scheduler_name}: preempting to accommodate a higher priority pod",
    }
    conditions = [
        c
        for c in (victim.pod.get("status") or {}).get("conditions") or ()
        if c.get("type") != "DisruptionTarget"
    ]
    existing = next(
        (
            c
            for c in (victim.pod.get("status") or {}).get("conditions") or ()
            if c.get("type") == "DisruptionTarget"
        ),
        None,
    )
    if existing is None or any(existing.get(k) != condition[k] for k in ("status", "reason", "message")):
        try:
            await client.patch(
                PODS,
                victim.name,
                {"status": {"conditions": [*conditions, condition]}},
                victim.namespace,
                subresource="status",
            )
        except NotFound:
            return
    try:
        await client.delete(PODS, victim.name, victim.namespace)
    except NotFound:
        return


async def clear_nominated_node_name(handle: Handle, pods: Sequence[PodInfo]) -> None:
    """``util.ClearNominatedNodeName``: patch ``status.nominatedNodeName`` away where set."""
    client = handle.client
    for pod in pods:
        if not (pod.pod.get("status") or {}).get("nominatedNodeName") or client is None:
            continue
        try:
            await client.patch(
                PODS, pod.name, {"status": {"nominatedNodeName": None}}, pod.namespace, subresource="status"
            )
        except NotFound:
            continue


def now_seconds() -> float:
    return datetime.now(UTC).timestamp()
