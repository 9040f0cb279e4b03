"""Exponential back-off with jitter for loops that retry forever (reflectors, leader election, event sinks).

client-go's ``wait.NewExponentialBackoffManager`` as the reflector uses it: waits double from ``initial`` up
to ``cap``, each stretched by up to ``jitter`` of itself, and the sequence starts over once the loop has run
``reset_after`` seconds without needing to wait (800 ms → 30 s, reset after 2 min, jitter 1.0 in the
reflector).
"""

from __future__ import annotations

import random

from pinnace.client.clock import REAL_CLOCK, Clock


class Backoff:
    def __init__(
        self,
        *,
        initial: float = 0.8,
        cap: float = 30.0,
        jitter: float = 1.0,
        reset_after: float = 120.0,
        clock: Clock = REAL_CLOCK,
        rng: random.Random | None = None,
    ) -> None:
        self.initial, self.cap, self.jitter, self.reset_after = initial, cap, jitter, reset_after
        self._clock = clock
        self._rng = rng or random.Random()
        self._next = initial
        self._last_wait_end: float | None = None

    def next_delay(self) -> float:
        """The delay :meth:`wait` would sleep now, advancing the sequence."""
        now = self._clock.monotonic()
        if self._last_wait_end is not None and now - self._last_wait_end > self.reset_after:
            self._next = self.initial
        delay = self._next * (1.0 + self.jitter * self._rng.random())
        self._next = min(self.cap, self._next * 2)
        return min(delay, self.cap * (1.0 + self.jitter))

    async def wait(self) -> None:
        await self._clock.sleep(self.next_delay())
        self._last_wait_end = self._clock.monotonic()

    def reset(self) -> None:
        self._next = self.initial
        self._last_wait_end = None
