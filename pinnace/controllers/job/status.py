"""Counting finished pods into a Job's status, and finishing the Job (upstream's
``trackJobStatusAndRemoveFinalizers``, ``flushUncountedAndRemoveFinalizers`` and ``enactJobFinished``).

A finished pod is counted in three steps, so that no crash can count it twice or lose it:

1. its UID goes into ``status.uncountedTerminatedPods`` (or its index into ``completedIndexes``) and the
   status is written;
2. its ``batch.kubernetes.io/job-tracking`` finalizer is removed (the pod may now disappear);
3. UIDs whose pods lost the finalizer move from ``uncountedTerminatedPods`` into ``succeeded``/``failed``.

Only then, with nothing uncounted and no pod terminating, does the Job get ``Complete`` or ``Failed``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pinnace.client import resources
from pinnace.client.errors import ApiError, NotFound
from pinnace.controllers.job import state
from pinnace.controllers.job.indexes import completion_index
from pinnace.controllers.job.policies import match_pod_failure_policy
from pinnace.controllers.job.state import Deps, SyncContext, job_status, uid
from pinnace.controllers.job.util import (
    COMPLETE,
    FAILED,
    FAILURE_TARGET,
    SUCCESS_CRITERIA_MET,
    conditions,
    ensure_condition_status,
    find_condition,
    has_tracking_finalizer,
    new_condition,
    remove_tracking_finalizer_patch,
)

Object = dict[str, Any]


def is_success_criteria_met(condition: Object | None) -> bool:
    return (
        condition is not None
        and condition.get("type") == SUCCESS_CRITERIA_MET
        and condition.get("status") == "True"
    )


def success_criteria_met_condition(job: Object) -> Object | None:
    condition = find_condition(conditions(job), SUCCESS_CRITERIA_MET)
    return condition if condition is not None and condition.get("status") == "True" else None


def _can_remove_finalizer(ctx: SyncContext, pod: Object, considered_failed: bool) -> bool:
    """A finalizer can go when the Job is being deleted or finishing, the pod succeeded, or it failed —
    unless its removal waits for the index's replacement pod to inherit its failure count."""
    if (
        (ctx.job.get("metadata") or {}).get("deletionTimestamp")
        or ctx.finished_condition is not None
        or state.phase(pod) == "Succeeded"
    ):
        return True
    if not considered_failed:
        return False
    if state.has_backoff_limit_per_index(ctx.job):
        delayed = ctx.pods_with_delayed_deletion_per_index.get(completion_index(pod))
        if delayed is not None and uid(delayed) == uid(pod):
            return False
    return True


def clean_uncounted_pods_without_finalizers(status: Object, uids_with_finalizer: set[str]) -> bool:
    """Move UIDs whose finalizer is gone from ``uncountedTerminatedPods`` into the counters."""
    updated = False
    uncounted = status.setdefault("uncountedTerminatedPods", {})
    for kind in ("succeeded", "failed"):
        old = list(uncounted.get(kind) or [])
        kept = [pod_uid for pod_uid in old if pod_uid in uids_with_finalizer]
        if len(kept) != len(old):
            updated = True
            status[kind] = int(status.get(kind) or 0) + len(old) - len(kept)
            uncounted[kind] = kept
    return updated


async def track_job_status_and_remove_finalizers(deps: Deps, ctx: SyncContext, needs_flush: bool) -> None:
    job = ctx.job
    status = job_status(job)
    uncounted = status["uncountedTerminatedPods"]
    indexed = state.is_indexed(job)
    # Indexed Jobs introduce completed indexes in order.
    pods = sorted(ctx.pods, key=completion_index) if indexed else list(ctx.pods)
    uids_with_finalizer = {
        uid(pod) for pod in pods if has_tracking_finalizer(pod) and uid(pod) not in ctx.expected_rm_finalizers
    }
    if clean_uncounted_pods_without_finalizers(status, uids_with_finalizer):
        needs_flush = True
    to_remove_finalizer: list[Object] = []
    new_succeeded_indexes: list[int] = []
    reached_max_uncounted = False
    for pod in pods:
        pod_uid = uid(pod)
        if not has_tracking_finalizer(pod) or pod_uid in ctx.expected_rm_finalizers:
            continue  # counted by an earlier sync
        considered_failed = state.is_pod_failed(pod, job)
        if not _can_remove_finalizer(ctx, pod, considered_failed):
            continue
        to_remove_finalizer.append(pod)
        if state.phase(pod) == "Succeeded" and pod_uid not in ctx.uncounted_failed:
            if indexed:
                # The completion index is enough to avoid counting a success twice.
                ix = completion_index(pod)
                if state.valid_index(job, pod) and not ctx.prev_succeeded_indexes.has(ix):
                    new_succeeded_indexes.append(ix)
                    needs_flush = True
            elif pod_uid not in ctx.uncounted_succeeded:
                needs_flush = True
                uncounted.setdefault("succeeded", []).append(pod_uid)
        elif considered_failed or (
            ctx.finished_condition is not None and not is_success_criteria_met(ctx.finished_condition)
        ):
            # When the Job is finishing, every pod that did not succeed counts as failed.
            if pod_uid not in ctx.uncounted_failed and (not indexed or state.valid_index(job, pod)):
                if match_pod_failure_policy(state.pod_failure_policy(job), pod).count_failed:
                    needs_flush = True
                    uncounted.setdefault("failed", []).append(pod_uid)
        pending = (
            len(new_succeeded_indexes)
            + len(uncounted.get("succeeded") or [])
            + len(uncounted.get("failed") or [])
        )
        if pending >= state.MAX_UNCOUNTED_PODS:
            # Keep the status small and let other Jobs have a turn; the status write requeues this one.
            reached_max_uncounted = True
            break
    if indexed:
        ctx.succeeded_indexes = ctx.succeeded_indexes.with_ordered_indexes(sorted(new_succeeded_indexes))
        completed = str(ctx.succeeded_indexes)
        if completed != (status.get("completedIndexes") or ""):
            needs_flush = True
        status["succeeded"] = ctx.succeeded_indexes.total()
        status["completedIndexes"] = completed
        failed_indexes = None if ctx.failed_indexes is None else str(ctx.failed_indexes)
        if failed_indexes != status.get("failedIndexes"):
            status["failedIndexes"] = failed_indexes
            needs_flush = True
    finished = ctx.finished_condition
    if finished is not None and finished["type"] == FAILURE_TARGET:
        # Record the interim FailureTarget before the finalizers go; Failed follows once the pods are gone.
        status.setdefault("conditions", []).append(finished)
        needs_flush = True
        ctx.finished_condition = new_condition(
            FAILED, "True", finished.get("reason", ""), finished.get("message", ""), deps.clock.now()
        )
    elif is_success_criteria_met(finished):
        assert finished is not None
        if success_criteria_met_condition(job) is None:
            status.setdefault("conditions", []).append(finished)
            needs_flush = True
        ctx.finished_condition = new_condition(
            COMPLETE, "True", finished.get("reason", ""), finished.get("message", ""), deps.clock.now()
        )
    needs_flush = await _flush_uncounted_and_remove_finalizers(
        deps, ctx, to_remove_finalizer, uids_with_finalizer, needs_flush
    )
    job_finished = not reached_max_uncounted and _enact_job_finished(deps, ctx)
    if job_finished or needs_flush:
        ctx.job = await update_job_status(deps, ctx.job)
        if job_finished and ctx.finished_condition is not None:
            _record_job_finished(deps, ctx.job, ctx.finished_condition)


async def _flush_uncounted_and_remove_finalizers(
    deps: Deps,
    ctx: SyncContext,
    to_remove_finalizer: list[Object],
    uids_with_finalizer: set[str],
    needs_flush: bool,
) -> bool:
    """Write the uncounted UIDs, remove the finalizers, move what went into the counters. Returns whether
    status changes are still unwritten."""
    if needs_flush:
        ctx.job = await update_job_status(deps, ctx.job)
        if ctx.new_backoff_record is not None:
            deps.backoff.update(ctx.new_backoff_record)
        needs_flush = False
    removal_error: ApiError | None = None
    if to_remove_finalizer:
        removed, removal_error = await _remove_tracking_finalizers(deps, ctx, to_remove_finalizer)
        for pod, ok in zip(to_remove_finalizer, removed, strict=True):
            if ok:
                uids_with_finalizer.discard(uid(pod))
    # Some removals may have failed: count what did go through, and write that progress.
    if clean_uncounted_pods_without_finalizers(job_status(ctx.job), uids_with_finalizer):
        needs_flush = True
    if removal_error is not None:
        if needs_flush:
            ctx.job = await update_job_status(deps, ctx.job)
        raise removal_error
    return needs_flush


async def _remove_tracking_finalizers(
    deps: Deps, ctx: SyncContext, pods: list[Object]
) -> tuple[list[bool], ApiError | None]:
    deps.finalizer_expectations.expect_finalizers_removed(ctx.key, [uid(pod) for pod in pods])

    async def remove(pod: Object) -> bool:
        patch = remove_tracking_finalizer_patch(pod)
        if patch is None:
            return False
        metadata = pod["metadata"]
        try:
            await deps.client.patch(
                resources.PODS, metadata["name"], patch, metadata.get("namespace", ""), patch_type="strategic"
            )
        except ApiError as err:
            # No pod update will show this removal: stop expecting it.
            deps.finalizer_expectations.finalizer_removal_observed(ctx.key, uid(pod))
            if isinstance(err, NotFound):
                return True  # the pod is gone, and its finalizer with it
            raise
        return True

    results = await asyncio.gather(*(remove(pod) for pod in pods), return_exceptions=True)
    first_error: ApiError | None = None
    removed: list[bool] = []
    for result in results:
        if isinstance(result, ApiError):
            first_error = first_error or result
            removed.append(False)
        elif isinstance(result, BaseException):
            raise result
        else:
            removed.append(result)
    return removed, first_error


def _enact_job_finished(deps: Deps, ctx: SyncContext) -> bool:
    """Add ``Complete``/``Failed`` once nothing is uncounted and no pod is terminating."""
    finished = ctx.finished_condition
    if finished is None:
        return False
    status = job_status(ctx.job)
    uncounted = status["uncountedTerminatedPods"]
    if uncounted.get("succeeded") or uncounted.get("failed"):
        return False
    if ctx.terminating > 0:
        return False
    ensure_condition_status(
        status.setdefault("conditions", []),
        finished["type"],
        finished["status"],
        finished.get("reason", ""),
        finished.get("message", ""),
        deps.clock.now(),
    )
    if finished["type"] == COMPLETE:
        status["completionTime"] = finished["lastTransitionTime"]
    return True


def _record_job_finished(deps: Deps, job: Object, finished: Object) -> None:
    if finished["type"] == COMPLETE:
        wanted = state.completions(job)
        if wanted is not None and int(job_status(job).get("succeeded") or 0) > wanted:
            deps.recorder.event(
                job,
                "Warning",
                "TooManySucceededPods",
                "Too many succeeded pods running after completion count reached",
            )
        deps.recorder.event(job, "Normal", "Completed", "Job completed")
    else:
        deps.recorder.event(job, "Warning", finished.get("reason", ""), finished.get("message", ""))


# Wire form ------------------------------------------------------------------------------------------------

# JobStatus fields that are plain int32 with omitempty: upstream never writes them as 0.
_OMIT_ZERO = ("active", "succeeded", "failed")


def wire_status(status: Object) -> Object:
    """The status as the Go types serialise it: zero counters, empty strings and empty lists omitted;
    ``ready``/``terminating`` (pointers) and ``uncountedTerminatedPods`` kept."""
    result = {k: v for k, v in status.items() if v is not None}
    for key in _OMIT_ZERO:
        if not result.get(key):
            result.pop(key, None)
    if not result.get("completedIndexes"):
        result.pop("completedIndexes", None)
    if not result.get("conditions"):
        result.pop("conditions", None)
    uncounted = result.get("uncountedTerminatedPods")
    if isinstance(uncounted, dict):
        result["uncountedTerminatedPods"] = {k: v for k, v in uncounted.items() if v}
    return result


async def update_job_status(deps: Deps, job: Object) -> Object:
    """``UpdateStatus`` with the Job's resourceVersion (a stale copy fails with Conflict and is retried)."""
    body = dict(job)
    body["status"] = wire_status(job_status(job))
    updated = await deps.client.update(resources.JOBS, body, subresource="status")
    job_status(updated)
    return updated
