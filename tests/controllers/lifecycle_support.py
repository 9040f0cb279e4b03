"""Running one controller against a FakeClient with real informers and a fake clock, for unit tests.

Nothing sleeps: :func:`until` yields to the event loop and, when the code under test is parked on the fake
clock (a work queue back-off, an ``add_after``), moves the clock on a little so it proceeds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from pinnace.client import resources
from pinnace.client.clock import FakeClock
from pinnace.client.fake import FakeClient
from pinnace.client.informer import SharedInformerFactory
from pinnace.client.interface import Object
from pinnace.controllers.context import Controller, ControllerContext

#: How far :func:`Harness.until` moves the fake clock when nothing else can progress.
CLOCK_STEP = 0.05


@dataclass
class Harness:
    client: FakeClient
    clock: FakeClock
    ctx: ControllerContext
    controller: Controller

    async def until(self, condition: Callable[[], bool], *, seconds: float = 60.0) -> None:
        """Wait until ``condition()`` holds, advancing the fake clock at most ``seconds`` in total."""
        elapsed = 0.0
        while True:
            for _ in range(50):
                if condition():
                    return
                await asyncio.sleep(0)
            if elapsed >= seconds:
                raise AssertionError(f"condition never became true within {seconds} fake seconds")
            self.clock.advance(CLOCK_STEP)
            elapsed += CLOCK_STEP

    async def settle(self, seconds: float = 1.0) -> None:
        """Let everything run for a while of fake time (to show that something does NOT happen)."""
        elapsed = 0.0
        while elapsed < seconds:
            for _ in range(50):
                await asyncio.sleep(0)
            self.clock.advance(CLOCK_STEP)
            elapsed += CLOCK_STEP

    def events(self, reason: str = "") -> list[Object]:
        return [
            event
            for event in self.client.objects(resources.EVENTS)
            if not reason or event.get("reason") == reason
        ]


@contextlib.asynccontextmanager
async def running(
    build: Callable[[ControllerContext], Controller],
    *,
    client: FakeClient | None = None,
    clock: FakeClock | None = None,
    workers: int = 2,
    ca_pem: bytes = b"",
) -> AsyncIterator[Harness]:
    """Build the controller, start its informers, recorders and workers; cancel them all on exit."""
    clock = clock or FakeClock()
    client = client or FakeClient(clock=clock)
    informers = SharedInformerFactory(client, clock=clock)
    ctx = ControllerContext(client=client, informers=informers, clock=clock, ca_pem=ca_pem)
    controller = build(ctx)

    async def run_all() -> None:
        async with asyncio.TaskGroup() as group:
            informers.start(group)
            for recorder in ctx.recorders:
                group.create_task(recorder.run())
            group.create_task(controller.run(workers))

    task = asyncio.create_task(run_all())
    try:
        while not all(informer.has_synced for informer in informers.informers):
            if task.done():
                task.result()  # raises what stopped the controller
                raise AssertionError("the controller returned before its informers synced")
            await asyncio.sleep(0)
        yield Harness(client, clock, ctx, controller)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
