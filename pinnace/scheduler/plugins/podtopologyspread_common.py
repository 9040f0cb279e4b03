"""Constraints and counting shared by PodTopologySpread's Filter and Score (``common.go``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pinnace.api.labels import LabelSelector, from_label_selector_object, selector_from_set
from pinnace.scheduler.framework.counting import Clause, PodMatcher
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.taints import do_not_schedule, find_matching_untolerated_taint
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins.nodeaffinity import required_node_affinity

HONOR: Final = "Honor"
IGNORE: Final = "Ignore"
_MAX_INT32: Final = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Constraint:
    """``topologySpreadConstraint``: a constraint with its selector parsed."""

    max_skew: int
    topology_key: str
    selector: LabelSelector
    min_domains: int = 1
    node_affinity_policy: str = HONOR
    node_taints_policy: str = IGNORE

    def matcher(self, namespace: str) -> PodMatcher:
        return PodMatcher((Clause(frozenset((namespace,)), self.selector),), skip_terminating=True)


def filter_constraints(
    raw: Sequence[Mapping[str, Any]], pod_labels: Mapping[str, str], action: str
) -> list[Constraint]:
    """``filterTopologySpreadConstraints``: the constraints with ``whenUnsatisfiable == action``."""
    out: list[Constraint] = []
    for c in raw:
        if c.get("whenUnsatisfiable") != action:
            continue
        selector = from_label_selector_object(c.get("labelSelector"))
        keys = c.get("matchLabelKeys") or []
        match_labels = {k: pod_labels[k] for k in keys if k in pod_labels}
        if match_labels and not selector.matches_nothing:
            selector = selector_from_set(match_labels).add(*selector.requirements)
        out.append(
            Constraint(
                max_skew=int(c.get("maxSkew") or 0),
                topology_key=str(c.get("topologyKey") or ""),
                selector=selector,
                min_domains=int(c.get("minDomains") or 1),
                node_affinity_policy=str(c.get("nodeAffinityPolicy") or HONOR),
                node_taints_policy=str(c.get("nodeTaintsPolicy") or IGNORE),
            )
        )
    return out


def count_matching(constraint: Constraint, namespace: str, snapshot: Snapshot) -> npt.NDArray[np.int64]:
    """``countPodsMatchSelector`` per node (an empty selector counts nothing)."""
    if constraint.selector.is_empty or constraint.selector.matches_nothing:
        return np.zeros(snapshot.num_nodes, dtype=np.int64)
    return snapshot.counts(constraint.matcher(namespace))


def policy_mask(constraint: Constraint, pod: PodInfo, snapshot: Snapshot) -> npt.NDArray[np.bool_]:
    """``matchNodeInclusionPolicies`` for every node."""
    mask = np.ones(snapshot.num_nodes, dtype=bool)
    if constraint.node_affinity_policy == HONOR:
        required = required_node_affinity(pod)
        if not required.is_empty:
            mask &= required.match_all(snapshot)
    if constraint.node_taints_policy == HONOR:
        table = np.array(
            [
                find_matching_untolerated_taint(t, pod.tolerations, do_not_schedule) is None
                for t in snapshot.taint_sets
            ],
            dtype=bool,
        )
        if len(table):
            mask &= table[snapshot.taint_ids]
    return mask


def node_matches_policies(constraint: Constraint, pod: PodInfo, node: NodeInfo) -> bool:
    if constraint.node_affinity_policy == HONOR and not required_node_affinity(pod).match(
        node.labels, node.name
    ):
        return False
    if constraint.node_taints_policy == HONOR:
        return find_matching_untolerated_taint(node.taints, pod.tolerations, do_not_schedule) is None
    return True


class CriticalPaths:
    """``criticalPaths``: the two (value, count) pairs with the least counts; [0] holds the minimum."""

    __slots__ = ("paths",)

    def __init__(self) -> None:
        self.paths: list[list[Any]] = [["", _MAX_INT32], ["", _MAX_INT32]]

    def update(self, value: str, num: int) -> None:
        p = self.paths
        i = 0 if value == p[0][0] else 1 if value == p[1][0] else -1
        if i >= 0:
            p[i][1] = num
            if p[0][1] > p[1][1]:
                p[0], p[1] = p[1], p[0]
        elif num < p[0][1]:
            p[1] = p[0]
            p[0] = [value, num]
        elif num < p[1][1]:
            p[1] = [value, num]

    def clone(self) -> CriticalPaths:
        copy = CriticalPaths()
        copy.paths = [list(self.paths[0]), list(self.paths[1])]
        return copy
