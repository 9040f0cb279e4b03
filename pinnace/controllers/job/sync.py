"""One reconciliation of one Job against its pods (upstream's ``syncJob``, after the Job and its claimed
pods have been read from the caches).

Order of decisions, as upstream: a Job that met its success policy stays on that course; otherwise a
``FailureTarget`` already recorded, or a pod matching a ``FailJob`` rule, fails it; otherwise exceeding
``backoffLimit`` (``BackoffLimitExceeded``), then ``activeDeadlineSeconds`` (``DeadlineExceeded``); Indexed
Jobs may also fail on ``maxFailedIndexes`` or failed indexes, or succeed on their ``successPolicy``. A Job
on its way to finishing deletes its active pods; any other Job gets pods created or deleted, is marked
``SuccessCriteriaMet`` once enough pods succeeded, and gets its ``Suspended`` condition kept in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pinnace.client.keys import ObjectKey
from pinnace.controllers.job import state
from pinnace.controllers.job.backoff import finished_time
from pinnace.controllers.job.indexes import (
    Intervals,
    completion_index,
    index_absolute_failure_count,
    index_failure_count,
    index_set,
    parse_indexes,
)
from pinnace.controllers.job.manage import delete_active_pods, manage_job
from pinnace.controllers.job.policies import FAIL_INDEX, match_pod_failure_policy, match_success_policy
from pinnace.controllers.job.state import Deps, SyncContext, job_status
from pinnace.controllers.job.status import (
    success_criteria_met_condition,
    track_job_status_and_remove_finalizers,
)
from pinnace.controllers.job.util import (
    FAILED,
    FAILURE_TARGET,
    REASON_BACKOFF_LIMIT_EXCEEDED,
    REASON_DEADLINE_EXCEEDED,
    REASON_FAILED_INDEXES,
    REASON_MAX_FAILED_INDEXES_EXCEEDED,
    REASON_POD_FAILURE_POLICY,
    REASON_SUCCESS_POLICY,
    SUCCESS_CRITERIA_MET,
    SUSPENDED,
    conditions,
    ensure_condition_status,
    find_condition,
    has_tracking_finalizer,
    new_condition,
)
from pinnace.controllers.podutil import (
    format_time,
    is_pod_active,
    is_pod_ready,
    is_pod_terminating,
    parse_time,
)

Object = dict[str, Any]


async def sync_job(deps: Deps, key: ObjectKey, job: Object, pods: list[Object], satisfied: bool) -> None:
    """Reconcile ``job`` (a private copy) with ``pods`` (claimed, from the cache). ``satisfied``: the
    expectations were met before the pods were listed, so the cache shows every pod this controller made."""
    status = job_status(job)
    uncounted = status["uncountedTerminatedPods"]
    active_pods = [pod for pod in pods if is_pod_active(pod)]
    ctx = SyncContext(
        key=key,
        job=job,
        pods=pods,
        active_pods=active_pods,
        ready=sum(1 for pod in active_pods if is_pod_ready(pod)),
        terminating=sum(1 for pod in pods if is_pod_terminating(pod)),
        uncounted_succeeded=set(uncounted.get("succeeded") or []),
        uncounted_failed=set(uncounted.get("failed") or []),
        expected_rm_finalizers=deps.finalizer_expectations.expected_uids(key),
    )
    active = len(active_pods)
    new_succeeded = ctx.valid_pods(ctx.uncounted_succeeded, lambda pod: state.phase(pod) == "Succeeded")
    new_failed = ctx.valid_pods(ctx.uncounted_failed, lambda pod: state.is_pod_failed(pod, job))
    policy = state.pod_failure_policy(job)
    counted_failures = sum(1 for pod in new_failed if match_pod_failure_policy(policy, pod).count_failed)
    ctx.succeeded = int(status.get("succeeded") or 0) + len(new_succeeded) + len(ctx.uncounted_succeeded)
    ctx.failed = int(status.get("failed") or 0) + counted_failures + len(ctx.uncounted_failed)
    now = deps.clock.now()
    if not status.get("startTime") and not state.is_suspended(job):
        status["startTime"] = format_time(now)
    ctx.new_backoff_record = deps.backoff.new_record(key, new_succeeded, new_failed)

    ctx.finished_condition = success_criteria_met_condition(job)
    if ctx.finished_condition is None:
        target = find_condition(conditions(job), FAILURE_TARGET)
        if target is not None and target.get("status") == "True":
            ctx.finished_condition = new_condition(
                FAILED, "True", target.get("reason", ""), target.get("message", ""), now
            )
        elif (message := _fail_job_message(job, pods)) is not None:
            ctx.finished_condition = new_condition(
                FAILURE_TARGET, "True", REASON_POD_FAILURE_POLICY, message, now
            )
    if ctx.finished_condition is None:
        deadline = state.spec(job).get("activeDeadlineSeconds")
        if ctx.failed > state.backoff_limit(job) or _past_backoff_limit_on_failure(job, pods):
            ctx.finished_condition = new_condition(
                FAILURE_TARGET,
                "True",
                REASON_BACKOFF_LIMIT_EXCEEDED,
                "Job has reached the specified backoff limit",
                now,
            )
        elif _past_active_deadline(deps, job):
            ctx.finished_condition = new_condition(
                FAILURE_TARGET,
                "True",
                REASON_DEADLINE_EXCEEDED,
                "Job was active longer than specified deadline",
                now,
            )
        elif deadline is not None and not state.is_suspended(job):
            started = parse_time(status.get("startTime")) or now
            deps.requeue_after(key, int(deadline) - (now - started).total_seconds())

    if state.is_indexed(job):
        _indexed_progress(ctx, now)

    suspend_changed = False
    if ctx.finished_condition is not None:
        deleted = await delete_active_pods(deps, ctx)
        if deleted != active or not satisfied:
            # Pods may still hold finalizers, or be missing from the cache: not finished yet.
            ctx.finished_condition = None
        active -= deleted
    else:
        manage_called = False
        if satisfied and not (job.get("metadata") or {}).get("deletionTimestamp"):
            active = await manage_job(deps, ctx)
            manage_called = True
        wanted = state.completions(job)
        if wanted is None:
            # Any success completes a Job without completions, once the rest have finished.
            complete = ctx.succeeded > 0 and active == 0
        else:
            complete = ctx.succeeded >= wanted and active == 0
        if complete:
            ctx.finished_condition = new_condition(SUCCESS_CRITERIA_MET, "True", "", "", now)
        elif manage_called:
            suspend_changed = _update_suspended_condition(deps, job)

    status = job_status(job)
    needs_update = (
        suspend_changed
        or active != int(status.get("active") or 0)
        or ctx.ready != status.get("ready")
        or ctx.terminating != status.get("terminating")
    )
    status["active"] = active
    status["ready"] = ctx.ready
    status["terminating"] = ctx.terminating
    await track_job_status_and_remove_finalizers(deps, ctx, needs_update)
    if ctx.error is not None:
        raise ctx.error


def _update_suspended_condition(deps: Deps, job: Object) -> bool:
    """Keep ``Suspended`` in step with ``spec.suspend``, with upstream's events; resuming restarts the
    ``activeDeadlineSeconds`` clock (``startTime`` is reset)."""
    status = job_status(job)
    condition_list = status.setdefault("conditions", [])
    now = deps.clock.now()
    if state.is_suspended(job):
        if ensure_condition_status(condition_list, SUSPENDED, "True", "JobSuspended", "Job suspended", now):
            deps.recorder.event(job, "Normal", "Suspended", "Job suspended")
            return True
        return False
    if ensure_condition_status(condition_list, SUSPENDED, "False", "JobResumed", "Job resumed", now):
        deps.recorder.event(job, "Normal", "Resumed", "Job resumed")
        status["startTime"] = format_time(now)
        return True
    return False


def _fail_job_message(job: Object, pods: list[Object]) -> str | None:
    """The message of the first failed pod that matches a ``FailJob`` rule (``getFailJobMessage``)."""
    policy = state.pod_failure_policy(job)
    if policy is None:
        return None
    for pod in pods:
        if state.is_pod_failed(pod, job):
            message = match_pod_failure_policy(policy, pod).fail_job_message
            if message is not None:
                return message
    return None


def _past_backoff_limit_on_failure(job: Object, pods: list[Object]) -> bool:
    """With ``restartPolicy: OnFailure`` failures are container restarts: their sum over running and
    pending pods reaches the limit (``pastBackoffLimitOnFailure``)."""
    template_spec = (state.spec(job).get("template") or {}).get("spec") or {}
    if template_spec.get("restartPolicy") != "OnFailure":
        return False
    restarts = 0
    for pod in pods:
        if state.phase(pod) in ("Running", "Pending"):
            pod_status = pod.get("status") or {}
            for key in ("initContainerStatuses", "containerStatuses"):
                restarts += sum(int(s.get("restartCount") or 0) for s in pod_status.get(key) or [])
    limit = state.backoff_limit(job)
    return restarts > 0 if limit == 0 else restarts >= limit


def _past_active_deadline(deps: Deps, job: Object) -> bool:
    deadline = state.spec(job).get("activeDeadlineSeconds")
    started = parse_time(job_status(job).get("startTime"))
    if deadline is None or started is None or state.is_suspended(job):
        return False
    return (deps.clock.now() - started).total_seconds() >= int(deadline)


def _indexed_progress(ctx: SyncContext, now: datetime) -> None:
    """Succeeded and failed indexes, and the Indexed Job's own ways to finish."""
    job = ctx.job
    completions = state.completions(job) or 0
    status = job_status(job)
    ctx.prev_succeeded_indexes = parse_indexes(str(status.get("completedIndexes") or ""), completions)
    newly = sorted(
        {
            completion_index(pod)
            for pod in ctx.pods
            if state.phase(pod) == "Succeeded" and state.valid_index(job, pod) and has_tracking_finalizer(pod)
        }
    )
    ctx.succeeded_indexes = ctx.prev_succeeded_indexes.with_ordered_indexes(newly)
    ctx.succeeded = ctx.succeeded_indexes.total()
    if state.has_backoff_limit_per_index(job):
        ctx.failed_indexes = _failed_indexes(job, ctx.pods)
        failed_total = ctx.failed_indexes.total()
        if ctx.finished_condition is None:
            max_failed = state.spec(job).get("maxFailedIndexes")
            if max_failed is not None and failed_total > int(max_failed):
                ctx.finished_condition = new_condition(
                    FAILURE_TARGET,
                    "True",
                    REASON_MAX_FAILED_INDEXES_EXCEEDED,
                    "Job has exceeded the specified maximal number of failed indexes",
                    now,
                )
            elif failed_total > 0 and failed_total + ctx.succeeded_indexes.total() >= completions:
                ctx.finished_condition = new_condition(
                    FAILURE_TARGET, "True", REASON_FAILED_INDEXES, "Job has failed indexes", now
                )
        ctx.pods_with_delayed_deletion_per_index = _pods_with_delayed_deletion(ctx)
    if ctx.finished_condition is None:
        message, met = match_success_policy(
            state.spec(job).get("successPolicy"), completions, ctx.succeeded_indexes
        )
        if met:
            ctx.finished_condition = new_condition(
                SUCCESS_CRITERIA_MET, "True", REASON_SUCCESS_POLICY, message, now
            )


def _failed_indexes(job: Object, pods: list[Object]) -> Intervals:
    """``status.failedIndexes`` plus the indexes whose pods failed past ``backoffLimitPerIndex`` or hit a
    ``FailIndex`` rule (``calculateFailedIndexes``)."""
    completions = state.completions(job) or 0
    previous = job_status(job).get("failedIndexes")
    result = parse_indexes(str(previous), completions) if previous is not None else Intervals()
    limit = int(state.spec(job).get("backoffLimitPerIndex") or 0)
    policy = state.pod_failure_policy(job)
    newly: set[int] = set()
    for pod in pods:
        if not (
            state.valid_index(job, pod) and has_tracking_finalizer(pod) and state.is_pod_failed(pod, job)
        ):
            continue
        match = match_pod_failure_policy(policy, pod)
        if match.action == FAIL_INDEX or (match.count_failed and index_failure_count(pod) >= limit):
            newly.add(completion_index(pod))
    return result.with_ordered_indexes(sorted(newly))


def _pods_with_delayed_deletion(ctx: SyncContext) -> dict[int, Object]:
    """Per index still to be retried, the latest failed pod: its removal waits until the replacement,
    which inherits its failure count, exists (``getPodsWithDelayedDeletionPerIndex``)."""
    active_indexes = index_set(ctx.active_pods)
    failed = ctx.failed_indexes or Intervals()
    result: dict[int, Object] = {}
    for pod in ctx.valid_pods(set(), lambda pod: state.is_pod_failed(pod, ctx.job)):
        ix = completion_index(pod)
        if ctx.succeeded_indexes.has(ix) or failed.has(ix) or ix in active_indexes:
            continue
        current = result.get(ix)
        if current is None or (
            index_absolute_failure_count(current) <= index_absolute_failure_count(pod)
            and finished_time(pod) >= finished_time(current)
        ):
            result[ix] = pod
    return result
