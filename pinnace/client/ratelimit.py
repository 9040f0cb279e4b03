"""Client-side rate limiting: a token bucket, as client-go's ``flowcontrol.NewTokenBucketRateLimiter``.

The bucket holds up to ``burst`` tokens and refills at ``qps`` per second; it starts full, so a component can
send ``burst`` requests at once after starting. Like ``golang.org/x/time/rate.Limiter.Wait``, a caller
*reserves* a token, possibly driving the balance negative, then sleeps until its reservation matures: waiters
are served in arrival order and nobody re-checks in a loop. A cancelled wait gives its token back.
"""

from __future__ import annotations

import asyncio

from pinnace.client.clock import REAL_CLOCK, Clock


class TokenBucket:
    """``qps <= 0`` disables limiting (client-go's ``QPS < 0``: no limiter)."""

    def __init__(self, qps: float, burst: int, *, clock: Clock = REAL_CLOCK) -> None:
        self.qps = qps
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock.monotonic()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now

    def try_accept(self) -> bool:
        """Take a token if one is available now (``TryAccept``)."""
        if self.qps <= 0:
            return True
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    async def acquire(self) -> None:
        """Wait for a token (``Wait``)."""
        if self.qps <= 0:
            return
        self._refill()
        self._tokens -= 1
        if self._tokens >= 0:
            return
        try:
            await self._clock.sleep(-self._tokens / self.qps)
        except asyncio.CancelledError:
            self._tokens += 1  # the reservation is given back, as rate.Reservation.Cancel does
            raise
