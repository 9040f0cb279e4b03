"""The CronJob controller against a FakeClient on a fake clock: Jobs per activation, status, policies,
history, events. The clock starts at 2025-01-01T00:00:00Z, minute 28928160 since the epoch."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pinnace.client import resources
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.cronjob.controller import CronJobController
from tests.controllers.batch_support import Batch, cron_job, running

MINUTE = 28928160  # 2025-01-01T00:00Z in minutes since the epoch


def controller(ctx: ControllerContext) -> CronJobController:
    return CronJobController(ctx, zone=UTC)


def _jobs(b: Batch) -> list[str]:
    return sorted(j["metadata"]["name"] for j in b.client.objects(resources.JOBS, "default"))


async def _finish(b: Batch, name: str, condition: str, *, started: str = "", at: str = "") -> None:
    stamp = at or b.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    status: dict[str, Any] = {
        "conditions": [{"type": condition, "status": "True", "lastTransitionTime": stamp}],
        "startTime": started or stamp,
    }
    if condition == "Complete":
        status["completionTime"] = stamp
    await b.client.patch(resources.JOBS, name, {"status": status}, "default", subresource="status")


async def test_schedule_creates_a_job_per_activation() -> None:
    body = cron_job("tick", "*/1 * * * *")
    body["spec"]["jobTemplate"]["metadata"] = {"labels": {"app": "tick"}}
    async with running(controller, seed={resources.CRONJOBS: [body]}) as b:
        await b.settle(50, step=1.0)
        assert _jobs(b) == []
        await b.until(lambda: len(_jobs(b)) == 1, seconds=15, step=0.5)
        job = b.get(resources.JOBS, f"tick-{MINUTE + 1}")
        assert job["metadata"]["annotations"] == {
            "batch.kubernetes.io/cronjob-scheduled-timestamp": "2025-01-01T00:01:00Z"
        }
        assert job["metadata"]["labels"] == {"app": "tick"}
        assert job["metadata"]["ownerReferences"][0] == {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": "tick",
            "uid": "uid-tick",
            "controller": True,
            "blockOwnerDeletion": True,
        }
        assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["date"]
        await b.until(lambda: bool(b.get(resources.CRONJOBS, "tick")["status"].get("active")))
        status = b.get(resources.CRONJOBS, "tick")["status"]
        assert status["lastScheduleTime"] == "2025-01-01T00:01:00Z"
        assert [(r["kind"], r["name"], r["uid"]) for r in status["active"]] == [
            ("Job", job["metadata"]["name"], job["metadata"]["uid"])
        ]
        assert await b.events("SuccessfulCreate") == [f"Created job tick-{MINUTE + 1}"]

        # concurrencyPolicy Allow (the default): the next minute starts another one alongside.
        await b.until(lambda: len(_jobs(b)) == 2, seconds=65, step=1.0)
        assert _jobs(b) == [f"tick-{MINUTE + 1}", f"tick-{MINUTE + 2}"]


async def test_finished_jobs_leave_the_active_list() -> None:
    async with running(controller, seed={resources.CRONJOBS: [cron_job("tick", "*/1 * * * *")]}) as b:
        await b.until(lambda: len(_jobs(b)) == 1, seconds=65, step=1.0)
        await b.until(lambda: bool(b.get(resources.CRONJOBS, "tick")["status"].get("active")))
        name = _jobs(b)[0]
        await _finish(b, name, "Complete", at="2025-01-01T00:01:30Z")
        await b.until(lambda: "active" not in b.get(resources.CRONJOBS, "tick")["status"])
        # The sync after the one that saw the Job finish records its completion time.
        await b.until(lambda: "lastSuccessfulTime" in b.get(resources.CRONJOBS, "tick")["status"])
        assert b.get(resources.CRONJOBS, "tick")["status"]["lastSuccessfulTime"] == "2025-01-01T00:01:30Z"
        assert await b.events("SawCompletedJob") == [f"Saw completed job: {name}, status: Complete"]


async def test_forbid_skips_an_activation_while_a_job_runs() -> None:
    seed = cron_job("solo", "*/1 * * * *", concurrencyPolicy="Forbid")
    async with running(controller, seed={resources.CRONJOBS: [seed]}) as b:
        await b.until(lambda: len(_jobs(b)) == 1, seconds=65, step=1.0)
        await b.settle(70, step=1.0)
        assert len(_jobs(b)) == 1
        assert await b.events("JobAlreadyActive") == [
            "Not starting job because prior execution is running and concurrency policy is Forbid"
        ]


async def test_replace_deletes_the_running_job() -> None:
    seed = cron_job("fresh", "*/1 * * * *", concurrencyPolicy="Replace")
    async with running(controller, seed={resources.CRONJOBS: [seed]}) as b:
        await b.until(lambda: len(_jobs(b)) == 1, seconds=65, step=1.0)
        first = _jobs(b)[0]
        await b.until(lambda: _jobs(b) == [f"fresh-{MINUTE + 2}"], seconds=65, step=1.0)
        assert await b.events("SuccessfulDelete") == [f"Deleted job {first}"]
        await b.until(
            lambda: (
                [r["name"] for r in b.get(resources.CRONJOBS, "fresh")["status"].get("active") or []]
                == [f"fresh-{MINUTE + 2}"]
            )
        )


def _owned_job(name: str, started: str, condition: str) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": "hist",
                    "uid": "uid-hist",
                    "controller": True,
                }
            ],
        },
        "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "busybox"}]}}},
        "status": {
            "startTime": started,
            "conditions": [{"type": condition, "status": "True", "lastTransitionTime": started}],
        },
    }


async def test_history_limits_delete_the_oldest_finished_jobs() -> None:
    seed = cron_job("hist", "0 0 1 1 *", successfulJobsHistoryLimit=1, failedJobsHistoryLimit=1)
    jobs = [
        _owned_job("ok-1", "2024-12-01T00:00:00Z", "Complete"),
        _owned_job("ok-2", "2024-12-02T00:00:00Z", "Complete"),
        _owned_job("ok-3", "2024-12-03T00:00:00Z", "Complete"),
        _owned_job("bad-1", "2024-12-01T00:00:00Z", "Failed"),
        _owned_job("bad-2", "2024-12-02T00:00:00Z", "Failed"),
    ]
    async with running(controller, seed={resources.CRONJOBS: [seed], resources.JOBS: jobs}) as b:
        await b.until(lambda: _jobs(b) == ["bad-2", "ok-3"])
        assert sorted(await b.events("SuccessfulDelete")) == [
            "Deleted job bad-1",
            "Deleted job ok-1",
            "Deleted job ok-2",
        ]


async def test_suspended_cron_job_starts_nothing() -> None:
    seed = cron_job("paused", "*/1 * * * *", suspend=True)
    async with running(controller, seed={resources.CRONJOBS: [seed]}) as b:
        await b.settle(130, step=1.0)
        assert _jobs(b) == []
        await b.client.patch(resources.CRONJOBS, "paused", {"spec": {"suspend": False}}, "default")
        # Resuming catches up with the most recent missed activation only.
        await b.until(lambda: len(_jobs(b)) == 1, seconds=5)
        assert _jobs(b) == [f"paused-{MINUTE + 2}"]


async def test_many_missed_activations_warn_and_start_the_latest() -> None:
    seed = cron_job("late", "*/1 * * * *")
    seed["metadata"]["creationTimestamp"] = "2024-12-31T20:00:00Z"
    async with running(controller, seed={resources.CRONJOBS: [seed]}) as b:
        await b.until(lambda: len(_jobs(b)) == 1)
        assert _jobs(b) == [f"late-{MINUTE}"]
        assert await b.events("TooManyMissedTimes") == [
            "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
        ]


async def test_unparseable_schedule_is_reported() -> None:
    seed = cron_job("broken", "not a schedule")
    async with running(controller, seed={resources.CRONJOBS: [seed]}) as b:
        await b.until(lambda: bool(b.client.objects(resources.EVENTS)))
        assert await b.events("UnparseableSchedule") == [
            'unparseable schedule: "not a schedule" : expected exactly 5 fields, found 3: [not a schedule]'
        ]
        assert _jobs(b) == []


async def test_time_zone_moves_the_activation() -> None:
    seed = cron_job("tz", "0 1 * * *", timeZone="Europe/Paris")  # 01:00 in Paris is 00:00 UTC in winter
    seed["metadata"]["creationTimestamp"] = "2024-12-31T23:30:00Z"
    async with running(controller, seed={resources.CRONJOBS: [seed]}) as b:
        await b.until(lambda: len(_jobs(b)) == 1)
        job = b.get(resources.JOBS, f"tz-{MINUTE}")
        assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == (
            "2025-01-01T01:00:00+01:00"
        )


async def test_jobs_on_schedule_keep_the_history_limit() -> None:
    seed = cron_job("rolling", "*/1 * * * *", successfulJobsHistoryLimit=2)
    async with running(controller, seed={resources.CRONJOBS: [seed]}) as b:
        for minute in range(1, 5):
            name = f"rolling-{MINUTE + minute}"
            await b.until(lambda name=name: name in _jobs(b), seconds=65, step=1.0)  # type: ignore[misc]
            await _finish(b, name, "Complete")
        await b.until(lambda: _jobs(b) == [f"rolling-{MINUTE + 3}", f"rolling-{MINUTE + 4}"], seconds=5)
        assert sorted(await b.events("SuccessfulDelete")) == [
            f"Deleted job rolling-{MINUTE + 1}",
            f"Deleted job rolling-{MINUTE + 2}",
        ]
