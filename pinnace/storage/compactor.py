"""Automatic compaction: forget history older than a time window and a revision window.

kube-apiserver compacts etcd every five minutes; kine compacts its SQL log on a timer. The store
does not record when each revision was written, so the compactor samples (time, revision) at
every tick and compacts to the newest sample that is old enough, never closer than
``min_revisions`` to the head. Works with any :class:`~pinnace.storage.interface.Store`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from pinnace.storage.errors import StorageError
from pinnace.storage.interface import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CompactionPolicy:
    """Keep at least ``min_age`` seconds and ``min_revisions`` revisions of history.

    ``interval`` is how often to look; 0 turns automatic compaction off.
    """

    interval: float = 60.0
    min_age: float = 300.0
    min_revisions: int = 1000


class Compactor:
    def __init__(
        self, store: Store, policy: CompactionPolicy, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.policy = policy
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    async def tick(self) -> int | None:
        """Sample the head revision and compact if history is past both windows; return the target."""
        now = self._clock()
        current = await self.store.current_revision()
        self._samples.append((now, current))
        newest_old: tuple[float, int] | None = None
        while self._samples and now - self._samples[0][0] >= self.policy.min_age:
            newest_old = self._samples.popleft()
        if newest_old is None:
            return None
        # Keep it: until a newer sample ages past the window, it is still the one to compact to.
        self._samples.appendleft(newest_old)
        target = min(newest_old[1], current - self.policy.min_revisions)
        if target <= await self.store.compacted_revision():
            return None
        await self.store.compact(target)
        log.info("compacted store history up to revision %d (head %d)", target, current)
        return target

    async def run(self) -> None:
        """Tick every ``interval`` seconds until cancelled; store failures are logged and retried."""
        if self.policy.interval <= 0:
            return
        while True:
            await asyncio.sleep(self.policy.interval)
            try:
                await self.tick()
            except StorageError as err:
                log.warning("automatic compaction failed, retrying in %ss: %s", self.policy.interval, err)
