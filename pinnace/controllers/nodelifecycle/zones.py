"""Zones and the rate at which their unhealthy nodes get NoExecute taints (upstream's
``pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go`` and the zone state machine of
``node_lifecycle_controller.go``).

Each zone (``topology.kubernetes.io/region`` + ``zone`` labels) has a queue of nodes waiting for their
NoExecute taint, drained through a token bucket: 0.1 nodes per second with a burst of 1 while the zone is
healthy (``--node-eviction-rate``). A zone where at least 55 % of the nodes (and more than two) are not
Ready is *partially disrupted*: tainting slows to 0.01/s in clusters of more than 50 nodes and stops in
smaller ones. When every node of every zone is not Ready the control plane is more likely cut off than
every node dead: tainting stops everywhere and the NoExecute taints come off (*full disruption*).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from pinnace.client.clock import Clock
from pinnace.client.ratelimit import TokenBucket

Object = dict[str, Any]

STATE_INITIAL: Final = "Initial"
STATE_NORMAL: Final = "Normal"
STATE_FULL_DISRUPTION: Final = "FullDisruption"
STATE_PARTIAL_DISRUPTION: Final = "PartialDisruption"

#: ``--node-eviction-rate``, ``--secondary-node-eviction-rate``, ``--large-cluster-size-threshold`` and
#: ``--unhealthy-zone-threshold`` defaults.
EVICTION_LIMITER_QPS: Final = 0.1
SECONDARY_EVICTION_LIMITER_QPS: Final = 0.01
LARGE_CLUSTER_THRESHOLD: Final = 50
UNHEALTHY_ZONE_THRESHOLD: Final = 0.55
#: ``EvictionRateLimiterBurst``.
EVICTION_RATE_LIMITER_BURST: Final = 1

LABEL_ZONE: Final = "topology.kubernetes.io/zone"
LABEL_REGION: Final = "topology.kubernetes.io/region"
LABEL_ZONE_BETA: Final = "failure-domain.beta.kubernetes.io/zone"
LABEL_REGION_BETA: Final = "failure-domain.beta.kubernetes.io/region"


def zone_key(node: Object) -> str:
    """``nodetopology.GetZoneKey``: ``region:\\x00:zone``, or "" for a node without either label."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    region = labels.get(LABEL_REGION) or labels.get(LABEL_REGION_BETA) or ""
    zone = labels.get(LABEL_ZONE) or labels.get(LABEL_ZONE_BETA) or ""
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def compute_zone_state(ready_conditions: list[Object | None]) -> tuple[int, str]:
    """``ComputeZoneState``: (not-Ready nodes, the zone's state)."""
    ready = sum(1 for c in ready_conditions if c is not None and c.get("status") == "True")
    not_ready = len(ready_conditions) - ready
    if ready == 0 and not_ready > 0:
        return not_ready, STATE_FULL_DISRUPTION
    if not_ready > 2 and not_ready / (not_ready + ready) >= UNHEALTHY_ZONE_THRESHOLD:
        return not_ready, STATE_PARTIAL_DISRUPTION
    return not_ready, STATE_NORMAL


def reduced_qps(zone_size: int) -> float:
    """``ReducedQPSFunc``: what a partially disrupted zone may taint at."""
    return SECONDARY_EVICTION_LIMITER_QPS if zone_size > LARGE_CLUSTER_THRESHOLD else 0.0


@dataclass(order=True)
class TimedValue:
    """A node waiting in a zone's queue (``TimedValue``); ordered by when it may be processed."""

    process_at: float
    sequence: int
    value: str = field(compare=False)
    uid: str = field(compare=False)
    added_at: float = field(compare=False)


#: What a queued node is handed to: (done, retry after seconds when not done).
TimedAction = Callable[[TimedValue], Awaitable[tuple[bool, float]]]


class RateLimitedTimedQueue:
    """``RateLimitedTimedQueue``: a set of node names in processing-time order, drained through a token
    bucket. A value stays in the set after it is processed (``RemoveFromQueue``) until :meth:`remove`,
    so a node is tainted once per unhealthy spell."""

    def __init__(self, qps: float, clock: Clock) -> None:
        self._clock = clock
        self._sequence = itertools.count()
        self._queue: list[TimedValue] = []
        self._set: set[str] = set()
        self.qps = qps
        self._limiter: TokenBucket | None = self._bucket(qps)

    def _bucket(self, qps: float) -> TokenBucket | None:
        return TokenBucket(qps, EVICTION_RATE_LIMITER_BURST, clock=self._clock) if qps > 0 else None

    def _accept(self) -> bool:
        return self._limiter is not None and self._limiter.try_accept()

    def add(self, value: str, uid: str) -> bool:
        """Queue ``value`` now, unless it is already in the set."""
        if value in self._set:
            return False
        now = self._clock.monotonic()
        self._set.add(value)
        bisect.insort(self._queue, TimedValue(now, next(self._sequence), value, uid, now))
        return True

    def remove(self, value: str) -> bool:
        """Forget ``value`` entirely; True if it was in the set."""
        self._queue = [v for v in self._queue if v.value != value]
        if value in self._set:
            self._set.discard(value)
            return True
        return False

    def __contains__(self, value: object) -> bool:
        return any(v.value == value for v in self._queue)

    async def try_(self, action: TimedAction) -> None:
        """``Try``: process due values while the bucket has tokens; a value whose action fails comes back
        after the wait it asked for."""
        while self._queue:
            if not self._accept():
                return
            head = self._queue[0]
            now = self._clock.monotonic()
            if now < head.process_at:
                return
            done, wait = await action(head)
            if head not in self._queue:
                continue  # removed meanwhile
            self._queue.remove(head)
            if not done:
                head.process_at = now + wait + 1e-9
                head.sequence = next(self._sequence)
                bisect.insort(self._queue, head)

    def swap_limiter(self, qps: float) -> None:
        """``SwapLimiter``: a new rate; 0 stops processing. A bucket that was empty stays empty, so a
        swap does not grant a burst (the burst is 1)."""
        if qps == self.qps:
            return
        was_empty = not self._accept()
        self.qps = qps
        self._limiter = self._bucket(qps)
        if self._limiter is not None and was_empty:
            self._limiter.try_accept()
