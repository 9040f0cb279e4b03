"""What a hollow-nodes process costs: write rates and its own CPU, logged as one line per interval.

Hollow nodes exist to load the control plane, so the process must be able to tell how much load it made
and how much CPU that took it (``bench/scale.py`` reads the same from ``/proc`` from outside).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.hollow.nodes import HollowNodes
from pinnace.hollow.pods import HollowPods

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sample:
    at: float  # monotonic seconds
    cpu: float  # process CPU seconds (user + system)
    lease_writes: int
    status_posts: int
    stage_writes: int
    errors: int


class ActivityLog:
    def __init__(self, nodes: HollowNodes, pods: HollowPods | None, *, clock: Clock = REAL_CLOCK) -> None:
        self._nodes = nodes
        self._pods = pods
        self._clock = clock

    def sample(self) -> Sample:
        stage_writes = sum(self._pods.engine.applied.values()) if self._pods is not None else 0
        return Sample(
            at=self._clock.monotonic(),
            cpu=time.process_time(),
            lease_writes=self._nodes.lease_writes,
            status_posts=self._nodes.status_posts,
            stage_writes=stage_writes,
            errors=self._nodes.leases.errors + self._nodes.statuses.errors,
        )

    @staticmethod
    def describe(before: Sample, after: Sample, nodes: int) -> str:
        seconds = max(after.at - before.at, 1e-9)
        leases = (after.lease_writes - before.lease_writes) / seconds
        return (
            f"{nodes} hollow nodes: lease renewals {leases:.1f}/s, "
            f"status posts {(after.status_posts - before.status_posts) / seconds:.1f}/s, "
            f"pod stage writes {(after.stage_writes - before.stage_writes) / seconds:.1f}/s, "
            f"errors {after.errors - before.errors}, CPU {100 * (after.cpu - before.cpu) / seconds:.1f}%"
        )

    async def run(self, interval: float) -> None:
        before = self.sample()
        while True:
            await self._clock.sleep(interval)
            after = self.sample()
            log.info("%s", self.describe(before, after, len(self._nodes.nodes)))
            before = after
