"""What every benchmark here shares: a figures table, percentiles, and concurrent timed operations."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Results:
    """figure name -> column (backend or "ceiling") -> value, in the order figures were put."""

    figures: dict[str, dict[str, float]] = field(default_factory=dict)

    def put(self, column: str, name: str, value: float) -> None:
        self.figures.setdefault(name, {})[column] = value


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed_ops(
    concurrency: int, total: int, op: Callable[[int], Awaitable[object]]
) -> tuple[float, list[float]]:
    """Run ``op(i)`` for i in range(total) on ``concurrency`` lanes; return (ops/s, latencies)."""
    latencies: list[float] = []

    async def lane(first: int) -> None:
        for index in range(first, total, concurrency):
            start = time.perf_counter()
            await op(index)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(lane(i) for i in range(concurrency)))
    return total / (time.perf_counter() - start), latencies
