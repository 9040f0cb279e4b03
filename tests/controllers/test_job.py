"""The Job controller against a FakeClient: pods, status, conditions and events as a user sees them."""

from __future__ import annotations

from pinnace.client import resources
from pinnace.client.interface import Object
from pinnace.controllers.job.controller import JobController
from pinnace.controllers.job.util import JOB_TRACKING_FINALIZER
from tests.controllers.batch_support import Batch, job, running


def _names(batch: Batch, *, active_only: bool = True) -> list[str]:
    return sorted(p["metadata"]["name"] for p in batch.pods(active_only=active_only))


async def test_job_runs_parallel_pods_until_completions_succeed() -> None:
    async with running(JobController, seed={resources.JOBS: [job("pi", completions=3, parallelism=2)]}) as b:
        await b.until(lambda: len(b.pods()) == 2)
        pod = b.pods()[0]
        meta = pod["metadata"]
        assert meta["generateName"] == "pi-"
        assert meta["finalizers"] == [JOB_TRACKING_FINALIZER]
        assert meta["labels"]["batch.kubernetes.io/job-name"] == "pi"
        assert meta["labels"]["batch.kubernetes.io/controller-uid"] == "uid-pi"
        assert meta["labels"]["job-name"] == "pi"
        assert meta["ownerReferences"] == [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": "pi",
                "uid": "uid-pi",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        await b.until(lambda: b.job("pi")["status"].get("active") == 2)
        status = b.job("pi")["status"]
        assert status["ready"] == 0 and status["terminating"] == 0
        assert status["startTime"] == "2025-01-01T00:00:00Z"
        assert status["uncountedTerminatedPods"] == {}

        first = _names(b)[0]
        await b.finish_pod(first, "Succeeded")
        # A replacement for the success: 2 active again, one counted.
        await b.until(lambda: b.job("pi")["status"].get("succeeded") == 1 and len(_names(b)) == 2)
        assert b.job("pi")["status"]["active"] == 2
        assert JOB_TRACKING_FINALIZER not in (
            b.get(resources.PODS, first)["metadata"].get("finalizers") or []
        )

        for name in _names(b):
            await b.finish_pod(name, "Succeeded")
        await b.until(lambda: b.has_condition("pi", "Complete"))
        status = b.job("pi")["status"]
        assert status["succeeded"] == 3
        assert "active" not in status and "failed" not in status
        assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
        assert status["completionTime"] == status["conditions"][1]["lastTransitionTime"]
        assert len(b.pods()) == 3  # a finished Job's pods stay (until the Job is deleted)
        assert await b.events("Completed") == ["Job completed"]
        created = await b.events("SuccessfulCreate")
        assert len(created) == 3 and all(m.startswith("Created pod: pi-") for m in created)


async def test_backoff_limit_fails_the_job_after_limit_plus_one_failures() -> None:
    async with running(JobController, seed={resources.JOBS: [job("crash", backoffLimit=2)]}) as b:
        for attempt in range(1, 4):
            await b.until(lambda attempt=attempt: len(b.pods()) == attempt)  # type: ignore[misc]
            (running_pod,) = _names(b)
            await b.finish_pod(running_pod, "Failed")
            if attempt == 1:
                # The first replacement waits 10 s (upstream's DefaultJobPodFailureBackOff).
                await b.settle(8.0)
                assert len(b.pods()) == 1
        await b.until(lambda: b.has_condition("crash", "Failed"), seconds=120)
        status = b.job("crash")["status"]
        assert status["failed"] == 3
        failed = b.condition(b.job("crash"), "Failed")
        assert failed is not None
        assert (failed["reason"], failed["message"]) == (
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
        )
        target = b.condition(b.job("crash"), "FailureTarget")
        assert target is not None and target["reason"] == "BackoffLimitExceeded"
        assert len(b.pods()) == 3  # no fourth attempt
        assert await b.events("BackoffLimitExceeded") == ["Job has reached the specified backoff limit"]
        assert all(not p["metadata"].get("finalizers") for p in b.pods())


async def test_backoff_doubles_between_failures() -> None:
    async with running(JobController, seed={resources.JOBS: [job("flaky", backoffLimit=5)]}) as b:
        await b.until(lambda: len(b.pods()) == 1)
        await b.finish_pod(_names(b)[0], "Failed")
        await b.until(lambda: len(b.pods()) == 2, seconds=15)
        started = b.clock.monotonic()
        await b.finish_pod(_names(b)[0], "Failed")
        await b.until(lambda: len(b.pods()) == 3, seconds=30)
        # Two failures in a row: 20 s after the last one.
        assert b.clock.monotonic() - started >= 19


async def test_indexed_job_gives_each_pod_its_index() -> None:
    seed = job("idx", completions=3, parallelism=3, completionMode="Indexed", command="work")
    async with running(JobController, seed={resources.JOBS: [seed]}) as b:
        await b.until(lambda: len(b.pods()) == 3)
        by_index = {
            p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p for p in b.pods()
        }
        assert sorted(by_index) == ["0", "1", "2"]
        pod = by_index["2"]
        assert pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == "2"
        assert pod["metadata"]["generateName"] == "idx-2-"
        assert pod["spec"]["hostname"] == "idx-2"
        assert pod["spec"]["containers"][0]["env"] == [
            {
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": {
                    "fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}
                },
            }
        ]
        await b.finish_pod(by_index["1"]["metadata"]["name"], "Succeeded")
        await b.until(lambda: b.job("idx")["status"].get("completedIndexes") == "1")
        await b.finish_pod(by_index["0"]["metadata"]["name"], "Succeeded")
        await b.finish_pod(by_index["2"]["metadata"]["name"], "Succeeded")
        await b.until(lambda: b.has_condition("idx", "Complete"))
        assert b.job("idx")["status"]["completedIndexes"] == "0-2"
        assert b.job("idx")["status"]["succeeded"] == 3


async def test_failed_index_is_retried_with_the_same_index() -> None:
    seed = job("idx", completions=2, parallelism=2, completionMode="Indexed")
    async with running(JobController, seed={resources.JOBS: [seed]}) as b:
        await b.until(lambda: len(b.pods()) == 2)
        first = next(p for p in b.pods() if p["metadata"]["annotations"][_INDEX] == "0")
        await b.finish_pod(first["metadata"]["name"], "Failed")
        await b.until(lambda: len(b.pods()) == 3, seconds=15)
        replacement = next(
            p
            for p in b.pods()
            if p["metadata"]["name"] not in {first["metadata"]["name"]}
            and p["metadata"]["annotations"][_INDEX] == "0"
        )
        assert replacement["metadata"]["generateName"] == "idx-0-"
        assert b.job("idx")["status"]["failed"] == 1


_INDEX = "batch.kubernetes.io/job-completion-index"


async def test_active_deadline_fails_the_job_and_deletes_its_pods() -> None:
    async with running(
        JobController,
        seed={resources.JOBS: [job("slow", parallelism=2, completions=2, activeDeadlineSeconds=30)]},
    ) as b:
        await b.until(lambda: len(b.pods()) == 2)
        await b.settle(20)
        assert not b.has_condition("slow", "Failed")
        await b.until(lambda: b.has_condition("slow", "Failed"), seconds=30)
        failed = b.condition(b.job("slow"), "Failed")
        assert failed is not None
        assert (failed["reason"], failed["message"]) == (
            "DeadlineExceeded",
            "Job was active longer than specified deadline",
        )
        assert b.pods() == []  # deleted, and their finalizers removed
        status = b.job("slow")["status"]
        assert status["failed"] == 2
        assert await b.events("DeadlineExceeded") == ["Job was active longer than specified deadline"]
        assert len(await b.events("SuccessfulDelete")) == 2


async def test_suspended_job_creates_nothing_until_resumed() -> None:
    async with running(JobController, seed={resources.JOBS: [job("later", suspend=True)]}) as b:
        await b.until(lambda: b.has_condition("later", "Suspended"))
        suspended = b.condition(b.job("later"), "Suspended")
        assert suspended is not None
        assert (suspended["reason"], suspended["message"]) == ("JobSuspended", "Job suspended")
        assert b.pods() == []
        assert "startTime" not in b.job("later")["status"]
        assert await b.events("Suspended") == ["Job suspended"]

        b.clock.advance(100)
        await b.client.patch(resources.JOBS, "later", {"spec": {"suspend": False}}, "default")
        await b.until(lambda: len(b.pods()) == 1)
        await b.until(lambda: b.has_condition("later", "Suspended", "False"))
        resumed = b.condition(b.job("later"), "Suspended")
        assert resumed is not None and resumed["reason"] == "JobResumed"
        assert b.job("later")["status"]["startTime"] == "2025-01-01T00:01:40Z"
        assert await b.events("Resumed") == ["Job resumed"]

        await b.client.patch(resources.JOBS, "later", {"spec": {"suspend": True}}, "default")
        await b.until(lambda: b.pods() == [])  # suspending deletes the running pods
        await b.until(lambda: b.has_condition("later", "Suspended"))
        assert b.job("later")["status"].get("failed") is None  # pods removed by suspension are not failures


async def test_pod_failure_policy_fail_job_on_exit_code() -> None:
    policy = {
        "rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}},
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}},
        ]
    }
    async with running(
        JobController, seed={resources.JOBS: [job("pfp", podFailurePolicy=policy, backoffLimit=0)]}
    ) as b:
        await b.until(lambda: len(b.pods()) == 1)
        # Exit code 7 is ignored: not counted against backoffLimit 0, and replaced.
        await b.finish_pod(_names(b)[0], "Failed", exit_code=7)
        await b.until(lambda: len(b.pods()) == 2, seconds=15)
        assert not b.has_condition("pfp", "Failed")
        assert b.job("pfp")["status"].get("failed") is None
        (current,) = _names(b)
        await b.finish_pod(current, "Failed", exit_code=42)
        await b.until(lambda: b.has_condition("pfp", "Failed"))
        failed = b.condition(b.job("pfp"), "Failed")
        assert failed is not None
        assert failed["reason"] == "PodFailurePolicy"
        assert failed["message"] == (
            f"Container main for pod default/{current} failed with exit code 42 matching FailJob rule at index 0"
        )
        assert b.job("pfp")["status"]["failed"] == 1


async def test_success_policy_completes_an_indexed_job_early() -> None:
    seed = job(
        "leader",
        completions=3,
        parallelism=3,
        completionMode="Indexed",
        successPolicy={"rules": [{"succeededIndexes": "0"}]},
    )
    async with running(JobController, seed={resources.JOBS: [seed]}) as b:
        await b.until(lambda: len(b.pods()) == 3)
        leader = next(p for p in b.pods() if p["metadata"]["annotations"][_INDEX] == "0")
        await b.finish_pod(leader["metadata"]["name"], "Succeeded")
        await b.until(lambda: b.has_condition("leader", "Complete"))
        met = b.condition(b.job("leader"), "SuccessCriteriaMet")
        assert met is not None
        assert (met["reason"], met["message"]) == ("SuccessPolicy", "Matched rules at index 0")
        complete = b.condition(b.job("leader"), "Complete")
        assert complete is not None and complete["reason"] == "SuccessPolicy"
        assert _names(b, active_only=False) == [leader["metadata"]["name"]]  # the others were deleted
        assert b.job("leader")["status"]["completedIndexes"] == "0"


async def test_job_without_completions_completes_when_a_pod_succeeded_and_the_rest_finished() -> None:
    async with running(
        JobController, seed={resources.JOBS: [job("queue", parallelism=2, completions=None)]}
    ) as b:
        await b.until(lambda: len(b.pods()) == 2)
        first, second = _names(b)
        await b.finish_pod(first, "Succeeded")
        await b.settle(3)
        assert not b.has_condition("queue", "Complete")
        assert len(b.pods()) == 2  # no replacement once a pod succeeded
        await b.finish_pod(second, "Succeeded")
        await b.until(lambda: b.has_condition("queue", "Complete"))
        assert b.job("queue")["status"]["succeeded"] == 2


async def test_orphaned_pod_loses_its_tracking_finalizer() -> None:
    orphan = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "left", "namespace": "default", "finalizers": [JOB_TRACKING_FINALIZER]},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }
    async with running(JobController, seed={resources.PODS: [orphan]}) as b:
        await b.until(lambda: not b.get(resources.PODS, "left")["metadata"].get("finalizers"))


async def test_job_adopts_a_matching_orphan_pod() -> None:
    seed = job("adopt", parallelism=1, completions=1)
    labels = seed["spec"]["template"]["metadata"]["labels"]
    orphan = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "stray", "namespace": "default", "labels": dict(labels)},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }
    async with running(JobController, seed={resources.JOBS: [seed], resources.PODS: [orphan]}) as b:
        await b.until(lambda: bool(b.get(resources.PODS, "stray")["metadata"].get("ownerReferences")))
        stray = b.get(resources.PODS, "stray")
        assert stray["metadata"]["ownerReferences"][0]["uid"] == "uid-adopt"
        assert JOB_TRACKING_FINALIZER in stray["metadata"]["finalizers"]
        await b.settle(3)
        assert _names(b) == ["stray"]  # adopted pod counts: nothing else created


async def test_backoff_limit_per_index_fails_an_index_not_the_job_at_once() -> None:
    seed = job("per", completions=2, parallelism=2, completionMode="Indexed", backoffLimitPerIndex=1)
    async with running(JobController, seed={resources.JOBS: [seed]}) as b:
        await b.until(lambda: len(b.pods()) == 2)

        def at_index(ix: str) -> list[Object]:
            return [p for p in b.pods(active_only=True) if p["metadata"]["annotations"][_INDEX] == ix]

        (first,) = at_index("0")
        assert first["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"] == "0"
        await b.finish_pod(first["metadata"]["name"], "Failed")
        await b.until(lambda: len(at_index("0")) == 1, seconds=15)
        (retry,) = at_index("0")
        assert retry["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"] == "1"
        await b.finish_pod(retry["metadata"]["name"], "Failed")
        await b.until(lambda: b.job("per")["status"].get("failedIndexes") == "0")
        assert not b.has_condition("per", "Failed")  # index 1 still runs
        (other,) = at_index("1")
        await b.finish_pod(other["metadata"]["name"], "Succeeded")
        await b.until(lambda: b.has_condition("per", "Failed"))
        failed = b.condition(b.job("per"), "Failed")
        assert failed is not None
        assert (failed["reason"], failed["message"]) == ("FailedIndexes", "Job has failed indexes")
        status = b.job("per")["status"]
        assert (status["completedIndexes"], status["failedIndexes"], status["failed"]) == ("1", "0", 2)
