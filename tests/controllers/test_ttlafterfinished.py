"""The TTL-after-finished controller: finished Jobs go ttlSecondsAfterFinished after they finished."""

from __future__ import annotations

from typing import Any

from pinnace.client import resources
from pinnace.controllers.ttlafterfinished import TTLAfterFinishedController
from tests.controllers.batch_support import job, running


def finished(name: str, condition: str, at: str, **spec: Any) -> dict[str, Any]:
    body = job(name, **spec)
    body["status"] = {"conditions": [{"type": condition, "status": "True", "lastTransitionTime": at}]}
    return body


async def test_finished_job_is_deleted_after_its_ttl_in_the_foreground() -> None:
    seed = finished("done", "Complete", "2024-12-31T23:59:30Z", ttlSecondsAfterFinished=60)
    async with running(TTLAfterFinishedController, seed={resources.JOBS: [seed]}) as b:
        await b.settle(29, step=0.5)
        assert not b.job("done")["metadata"].get("deletionTimestamp")
        await b.until(lambda: bool(b.job("done")["metadata"].get("deletionTimestamp")), seconds=2)
        # Foreground propagation: the Job waits for its dependents behind the foregroundDeletion finalizer.
        assert b.job("done")["metadata"]["finalizers"] == ["foregroundDeletion"]
        assert b.clock.now().strftime("%H:%M:%S") >= "00:00:30"


async def test_expired_failed_job_goes_at_once() -> None:
    seed = finished("old", "Failed", "2024-12-01T00:00:00Z", ttlSecondsAfterFinished=0)
    async with running(TTLAfterFinishedController, seed={resources.JOBS: [seed]}) as b:
        await b.until(lambda: bool(b.job("old")["metadata"].get("deletionTimestamp")), seconds=0.1)


async def test_jobs_without_ttl_or_unfinished_stay() -> None:
    seeds = [
        finished("keep", "Complete", "2024-12-01T00:00:00Z"),
        job("running", ttlSecondsAfterFinished=0),
        finished("target-only", "FailureTarget", "2024-12-01T00:00:00Z", ttlSecondsAfterFinished=0),
    ]
    async with running(TTLAfterFinishedController, seed={resources.JOBS: seeds}) as b:
        await b.settle(3)
        for name in ("keep", "running", "target-only"):
            assert not b.job(name)["metadata"].get("deletionTimestamp")
        assert b.client.actions_of("delete") == []


async def test_a_ttl_raised_before_expiry_postpones_deletion() -> None:
    seed = finished("slow", "Complete", "2025-01-01T00:00:00Z", ttlSecondsAfterFinished=10)
    async with running(TTLAfterFinishedController, seed={resources.JOBS: [seed]}) as b:
        await b.settle(5)
        await b.client.patch(resources.JOBS, "slow", {"spec": {"ttlSecondsAfterFinished": 100}}, "default")
        await b.settle(20, step=0.5)
        assert not b.job("slow")["metadata"].get("deletionTimestamp")
        await b.until(lambda: bool(b.job("slow")["metadata"].get("deletionTimestamp")), seconds=80, step=0.5)
