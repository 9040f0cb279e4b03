"""Back-off for deleting failed daemon pods (client-go's ``flowcontrol.Backoff``, as kube-controller-manager
builds it for the DaemonSet controller: 1 s doubling to 15 min).

A kubelet that keeps rejecting a daemon pod would otherwise have the controller delete and re-create it in
a hot loop. Each (set, generation, node) gets a delay that doubles on every failed pod; an entry unused for
twice the maximum starts over.
"""

from __future__ import annotations

from dataclasses import dataclass

from pinnace.client.clock import Clock

INITIAL_SECONDS = 1.0
MAX_SECONDS = 15 * 60.0


@dataclass
class _Entry:
    delay: float
    last_update: float


class FailedPodsBackoff:
    def __init__(self, clock: Clock, initial: float = INITIAL_SECONDS, maximum: float = MAX_SECONDS) -> None:
        self._clock = clock
        self._initial = initial
        self._max = maximum
        self._entries: dict[str, _Entry] = {}

    def delay(self, key: str) -> float:
        """``Get``: the current delay (0 for an unknown key)."""
        entry = self._entries.get(key)
        return entry.delay if entry is not None else 0.0

    def next(self, key: str) -> None:
        """``Next``: a failure now; the first delay, or double the last one."""
        now = self._clock.monotonic()
        entry = self._entries.get(key)
        if entry is None or now - entry.last_update > 2 * self._max:
            self._entries[key] = _Entry(self._initial, now)
        else:
            entry.delay = min(entry.delay * 2, self._max)
            entry.last_update = now

    def in_backoff_since_update(self, key: str) -> bool:
        """``IsInBackOffSinceUpdate``: the delay since the last failure has not passed yet."""
        entry = self._entries.get(key)
        if entry is None or self._clock.monotonic() - entry.last_update > 2 * self._max:
            return False
        return self._clock.monotonic() - entry.last_update < entry.delay

    def gc(self) -> None:
        """Forget entries unused for twice the maximum delay."""
        now = self._clock.monotonic()
        for key in [k for k, e in self._entries.items() if now - e.last_update > 2 * self._max]:
            del self._entries[key]
