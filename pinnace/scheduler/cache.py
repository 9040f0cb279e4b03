"""The scheduler cache (``pkg/scheduler/backend/cache/cache.go``): nodes and the pods assigned to them.

Pods enter it two ways: confirmed by the informer (``add_pod``: the API server says ``spec.nodeName`` is set)
or *assumed* by the scheduler itself (``assume_pod``) the moment a cycle picks a node, so that the next cycle
already sees the resources taken while binding is still in flight. A successful bind is confirmed when the
informer delivers the bound pod; an assumed pod whose binding finished but which the informer never confirms
expires after ``assumed_pod_ttl`` seconds (upstream's ``durationToExpireAssumedPod`` was 15 minutes before
1.27 made it infinite; Pinnace keeps the 15-minute expiry so a lost watch event cannot hold resources forever,
while a slow watch under load never frees them early). A failed bind is undone by ``forget_pod``.

Every change to a node's aggregate stamps it with a new generation; the snapshot copies only nodes whose
generation is newer than its own (``changed_since``), like upstream's most-recently-updated linked list.
The cache also keeps the per-node pod counters of :mod:`pinnace.scheduler.framework.counting`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.scheduler.framework.counting import CarrierKey, PodMatcher, carrier_keys
from pinnace.scheduler.framework.nodetree import NodeTree
from pinnace.scheduler.framework.types import NodeInfo, PodInfo, next_generation

DEFAULT_ASSUMED_POD_TTL: Final = 15 * 60.0
#: How many on-demand pod matchers stay tracked (each costs one check per pod add/remove).
MAX_TRACKED_MATCHERS: Final = 64


class CacheError(Exception):
    """An inconsistent cache operation (upstream logs these and the informer re-syncs)."""


@dataclass(slots=True)
class _PodState:
    pod: PodInfo
    node_name: str
    assumed: bool = False
    binding_finished: bool = False
    deadline: float | None = None


class Cache:
    """Nodes, assigned and assumed pods, the zone-interleaved node tree, and per-node pod counters."""

    def __init__(
        self, *, clock: Clock = REAL_CLOCK, assumed_pod_ttl: float = DEFAULT_ASSUMED_POD_TTL
    ) -> None:
        self._clock = clock
        self._ttl = assumed_pod_ttl
        self.nodes: dict[str, NodeInfo] = {}
        self._pods: dict[str, _PodState] = {}
        self._assumed: set[str] = set()
        self.tree = NodeTree()
        # Node name -> generation, most recently changed last (upstream's headNode list).
        self._recency: OrderedDict[str, int] = OrderedDict()
        self._matchers: OrderedDict[PodMatcher, int] = OrderedDict()
        self._matchers_by_ns: dict[str | None, list[PodMatcher]] = {}
        self._epoch = 0
        self.carrier_totals: dict[CarrierKey, int] = {}
        self.carrier_epochs: dict[CarrierKey, int] = {}

    # Generations -------------------------------------------------------------------------------------------

    def _touch(self, info: NodeInfo) -> None:
        if info.generation == 0:
            info.generation = next_generation()
        self._recency[info.name] = info.generation
        self._recency.move_to_end(info.name)

    def changed_since(self, generation: int) -> Iterator[NodeInfo]:
        """NodeInfos changed after ``generation``, most recent first."""
        for name in reversed(self._recency):
            if self._recency[name] <= generation:
                return
            info = self.nodes.get(name)
            if info is not None:
                yield info

    @property
    def generation(self) -> int:
        if not self._recency:
            return 0
        return next(reversed(self._recency.values()))

    # Nodes -------------------------------------------------------------------------------------------------

    def _node_info(self, name: str) -> NodeInfo:
        info = self.nodes.get(name)
        if info is None:
            info = self.nodes[name] = NodeInfo(name=name)
        return info

    def add_node(self, node: dict[str, Any]) -> NodeInfo:
        name = str(node["metadata"]["name"])
        info = self._node_info(name)
        info.set_node(node)
        self.tree.add(name, info.labels)
        self._touch(info)
        return info

    def update_node(self, node: dict[str, Any]) -> NodeInfo:
        name = str(node["metadata"]["name"])
        info = self._node_info(name)
        had_node = info.node is not None
        info.set_node(node)
        if had_node:
            self.tree.update(name, info.labels)
        else:
            self.tree.add(name, info.labels)
        self._touch(info)
        return info

    def remove_node(self, name: str) -> None:
        """A removed node with pods stays as a ghost (``node is None``) until its pods are gone."""
        info = self.nodes.get(name)
        if info is None:
            return
        self.tree.remove(name)
        if info.pods:
            info.remove_node()
            self._touch(info)
        else:
            del self.nodes[name]
            self._recency.pop(name, None)

    # Pods --------------------------------------------------------------------------------------------------

    def _add_to_node(self, pod: PodInfo, node_name: str) -> None:
        info = self._node_info(node_name)
        info.add_pod(pod)
        self._count(pod, info, 1)
        self._touch(info)

    def _remove_from_node(self, pod: PodInfo, node_name: str) -> None:
        info = self.nodes.get(node_name)
        if info is None or not info.remove_pod(pod):
            return
        self._count(pod, info, -1)
        if not info.pods and info.node is None:
            del self.nodes[node_name]
            self._recency.pop(node_name, None)
        else:
            self._touch(info)

    def assume_pod(self, pod: PodInfo, node_name: str) -> None:
        """``Cache.AssumePod``: the pod counts on ``node_name`` from now on."""
        if pod.uid in self._pods:
            raise CacheError(f"pod {pod.uid}({pod.key}) is in the cache, so can't be assumed")
        self._add_to_node(pod, node_name)
        self._pods[pod.uid] = _PodState(pod, node_name, assumed=True)
        self._assumed.add(pod.uid)

    def finish_binding(self, pod: PodInfo) -> None:
        """``Cache.FinishBinding``: start the assumed pod's expiry clock."""
        state = self._pods.get(pod.uid)
        if state is not None and state.assumed:
            state.binding_finished = True
            state.deadline = self._clock.monotonic() + self._ttl

    def forget_pod(self, pod: PodInfo) -> None:
        """``Cache.ForgetPod``: undo ``assume_pod`` (binding failed)."""
        state = self._pods.get(pod.uid)
        if state is None or not state.assumed:
            return
        self._remove_from_node(state.pod, state.node_name)
        del self._pods[pod.uid]
        self._assumed.discard(pod.uid)

    def add_pod(self, pod: PodInfo) -> None:
        """``Cache.AddPod``: an assigned pod from the informer; confirms an assumed one."""
        state = self._pods.get(pod.uid)
        if state is not None and state.assumed:
            # Confirmed; the informer's copy replaces the assumed one (it may even name another node).
            self._remove_from_node(state.pod, state.node_name)
            self._assumed.discard(pod.uid)
        elif state is not None:
            raise CacheError(f"pod {pod.uid}({pod.key}) was already in added state")
        self._add_to_node(pod, pod.node_name)
        self._pods[pod.uid] = _PodState(pod, pod.node_name)

    def update_pod(self, new: PodInfo) -> None:
        """``Cache.UpdatePod``: replace a confirmed pod (labels, deletionTimestamp, resources changed)."""
        state = self._pods.get(new.uid)
        if state is None or state.assumed:
            raise CacheError(
                f"pod {new.uid}({new.key}) is not added to scheduler cache, so cannot be updated"
            )
        self._remove_from_node(state.pod, state.node_name)
        self._add_to_node(new, new.node_name)
        self._pods[new.uid] = _PodState(new, new.node_name)

    def remove_pod(self, uid: str) -> None:
        """``Cache.RemovePod``."""
        state = self._pods.pop(uid, None)
        if state is None:
            return
        self._assumed.discard(uid)
        self._remove_from_node(state.pod, state.node_name)

    def is_assumed(self, uid: str) -> bool:
        return uid in self._assumed

    def get_pod(self, uid: str) -> PodInfo | None:
        state = self._pods.get(uid)
        return None if state is None else state.pod

    def pod_count(self) -> int:
        return len(self._pods)

    def cleanup_assumed_pods(self) -> list[PodInfo]:
        """``cleanupAssumedPods``: drop assumed pods whose binding finished and whose deadline passed."""
        now = self._clock.monotonic()
        expired = [
            state.pod
            for uid in list(self._assumed)
            if (state := self._pods[uid]).binding_finished
            and state.deadline is not None
            and state.deadline < now
        ]
        for pod in expired:
            self.remove_pod(pod.uid)
        return expired

    # Counters ----------------------------------------------------------------------------------------------

    def _count(self, pod: PodInfo, info: NodeInfo, sign: int) -> None:
        counters = info.counters
        for key in self._matchers_for(pod.namespace):
            if key.matches(pod.namespace, pod.labels, pod.terminating):
                counters[key] = counters.get(key, 0) + sign
        if pod.has_affinity:
            for carrier in pod_carriers(pod):
                counters[carrier] = counters.get(carrier, 0) + sign
                total = self.carrier_totals.get(carrier, 0) + sign
                if total > 0:
                    if carrier not in self.carrier_totals:
                        self._epoch += 1
                        self.carrier_epochs[carrier] = self._epoch
                    self.carrier_totals[carrier] = total
                else:
                    self.carrier_totals.pop(carrier, None)
                    self.carrier_epochs.pop(carrier, None)

    def _matchers_for(self, namespace: str) -> list[PodMatcher]:
        return self._matchers_by_ns.get(namespace, []) + self._matchers_by_ns.get(None, [])

    def track(self, matcher: PodMatcher) -> int:
        """Count ``matcher`` on every node from now on; returns the epoch its counts were (re)built in."""
        epoch = self._matchers.get(matcher)
        if epoch is not None:
            self._matchers.move_to_end(matcher)
            return epoch
        self._epoch += 1
        self._matchers[matcher] = self._epoch
        namespaces = matcher.namespaces()
        for ns in namespaces if namespaces is not None else (None,):
            self._matchers_by_ns.setdefault(ns, []).append(matcher)
        for info in self.nodes.values():
            count = sum(1 for p in info.pods if matcher.matches(p.namespace, p.labels, p.terminating))
            if count:
                info.counters[matcher] = count
            else:
                info.counters.pop(matcher, None)
        while len(self._matchers) > MAX_TRACKED_MATCHERS:
            evicted, _ = self._matchers.popitem(last=False)
            for bucket in self._matchers_by_ns.values():
                if evicted in bucket:
                    bucket.remove(evicted)
        return self._epoch

    def epoch_of(self, key: Hashable) -> int | None:
        """The epoch a counter key's per-node counts date from, or None when it is not tracked."""
        if isinstance(key, PodMatcher):
            return self._matchers.get(key)
        if isinstance(key, CarrierKey):
            return self.carrier_epochs.get(key)
        return None


def pod_carriers(pod: PodInfo) -> list[CarrierKey]:
    keys: list[CarrierKey] | None = pod.cache.get("carriers")
    if keys is None:
        keys = carrier_keys(
            pod.required_affinity_terms,
            pod.required_anti_affinity_terms,
            tuple((w.term, w.weight) for w in pod.preferred_affinity_terms),
            tuple((w.term, w.weight) for w in pod.preferred_anti_affinity_terms),
        )
        pod.cache["carriers"] = keys
    return keys
