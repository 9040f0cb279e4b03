"""LeaderElector over FakeClient on a fake clock: acquire, release on shutdown, take-over when renewal stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest

from pinnace.client import resources as r
from pinnace.client.clock import FakeClock
from pinnace.client.errors import ServerError
from pinnace.client.fake import FakeClient
from pinnace.client.leaderelection import LeaderElector


def elector(client: FakeClient, clock: FakeClock, identity: str) -> LeaderElector:
    return LeaderElector(client, "kube-system", "kube-scheduler", identity, clock=clock)


async def step_until(clock: FakeClock, condition: Callable[[], bool], *, seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.5)):
        if condition():
            return
        await clock.step(0.5)
    assert condition(), "condition never became true"


class Leading:
    """A ``lead`` callable that records whether it runs and whether it was cancelled."""

    def __init__(self) -> None:
        self.running = False
        self.cancelled = False

    async def __call__(self) -> None:
        self.running = True
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        finally:
            self.running = False


def holder(client: FakeClient) -> dict[str, object]:
    [lease] = client.objects(r.LEASES)
    spec: dict[str, object] = lease["spec"]
    return spec


async def test_acquires_a_missing_lease_and_releases_when_lead_returns() -> None:
    client, clock = FakeClient(), FakeClock()
    done = asyncio.Event()

    async def lead() -> None:
        spec = holder(client)
        assert (spec["holderIdentity"], spec["leaseDurationSeconds"], spec["leaseTransitions"]) == (
            "a",
            15,
            0,
        )
        assert spec["renewTime"] == "2025-01-01T00:00:00.000000Z"
        done.set()

    a = elector(client, clock, "a")
    await a.run(lead)
    assert done.is_set() and not a.is_leader
    assert holder(client)["holderIdentity"] == ""


async def test_a_successor_takes_over_at_once_after_a_clean_shutdown() -> None:
    client, clock = FakeClient(), FakeClock()
    first, second = Leading(), Leading()
    a, b = elector(client, clock, "a"), elector(client, clock, "b")
    task_a = asyncio.create_task(a.run(first))
    await step_until(clock, lambda: first.running)
    task_b = asyncio.create_task(b.run(second))
    for _ in range(40):  # 20 s: a keeps renewing, so b never gets in
        await clock.step(0.5)
    assert first.running and not second.running and holder(client)["holderIdentity"] == "a"
    task_a.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task_a
    assert first.cancelled and holder(client)["holderIdentity"] == ""
    await step_until(clock, lambda: second.running, seconds=5)  # one retry period, not a lease duration
    spec = holder(client)
    assert (spec["holderIdentity"], spec["leaseTransitions"]) == ("b", 1)
    task_b.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task_b


async def test_leadership_is_lost_when_renewal_fails_and_another_takes_over_after_expiry() -> None:
    client, clock = FakeClient(), FakeClock()
    first, second = Leading(), Leading()
    a, b = elector(client, clock, "a"), elector(client, clock, "b")
    task_a = asyncio.create_task(a.run(first))
    await step_until(clock, lambda: first.running)
    task_b = asyncio.create_task(b.run(second))
    outage = ServerError({"code": 503, "reason": "ServiceUnavailable", "message": "etcd down"})
    failing = True
    client.add_error_hook(lambda action: outage if failing and action.verb == "update" else None)
    await step_until(clock, task_a.done, seconds=20)
    await task_a  # run() returns once leadership is lost...
    assert first.cancelled and not a.is_leader  # ...after cancelling lead
    assert not second.running
    failing = False
    started = clock.monotonic()
    await step_until(clock, lambda: second.running, seconds=30)
    # b waited until the record it observed had not changed for leaseDurationSeconds.
    assert holder(client)["holderIdentity"] == "b"
    assert clock.monotonic() - started <= 15 + 5
    task_b.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task_b


def test_timings_are_checked_like_client_go() -> None:
    with pytest.raises(ValueError, match="lease_duration must be greater than renew_deadline"):
        LeaderElector(FakeClient(), "ns", "n", "id", lease_duration=5, renew_deadline=5)
    with pytest.raises(ValueError, match=r"renew_deadline must be greater than retry_period\*1.2"):
        LeaderElector(FakeClient(), "ns", "n", "id", renew_deadline=2, retry_period=2)
