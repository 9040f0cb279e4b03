"""The controller manager keeps every controller running: one that fails is restarted, the others go on."""

from __future__ import annotations

import asyncio

import pytest

from pinnace.client.clock import FakeClock
from pinnace.controllers.manager import keep_running
from pinnace.controllers.registry import UnknownControllerError, enabled_controllers


class Flaky:
    """Fails ``failures`` times, then runs until cancelled."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.starts = 0

    async def run(self, workers: int) -> None:
        self.starts += 1
        if self.starts <= self.failures:
            raise RuntimeError(f"start {self.starts} failed")
        await asyncio.Event().wait()


async def test_a_failing_controller_is_restarted_with_growing_back_off() -> None:
    clock = FakeClock()
    controller = Flaky(failures=3)
    task = asyncio.create_task(keep_running("flaky", controller, 1, clock))
    for expected_delay in (1.0, 2.0, 4.0):
        await clock.wait_for_sleepers()
        await clock.step(expected_delay - 0.001)
        assert clock.sleepers == 1, "restarted before its back-off ran out"
        await clock.step(0.001)
    await asyncio.sleep(0)
    assert controller.starts == 4 and not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(["*"], ["deployment", "replicaset"], id="star enables the defaults"),
        pytest.param(["*", "-replicaset"], ["deployment"], id="minus disables one"),
        pytest.param(["replicaset"], ["replicaset"], id="a name enables just that one"),
    ],
)
def test_controllers_flag(flags: list[str], expected: list[str]) -> None:
    chosen = enabled_controllers(flags)
    assert [name for name in chosen if name in ("deployment", "replicaset")] == expected


def test_an_unknown_controller_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(
        UnknownControllerError, match=r'"nope" is not in the list of known controllers: .*deployment'
    ):
        enabled_controllers(["nope"])
