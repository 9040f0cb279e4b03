"""Creating and deleting a Job's pods (upstream's ``manageJob``, ``deleteJobPods``, ``deleteActivePods``).

The Job wants ``min(parallelism, completions - succeeded)`` pods active (``parallelism`` for a Job without
completions until one pod succeeded). Surplus pods go first, least valuable first (and, for Indexed Jobs,
duplicates and pods without a valid index); missing pods are created in slow-start batches once the
failure back-off allows, each with the tracking finalizer, and for Indexed Jobs the lowest pending indexes.
"""

from __future__ import annotations

import asyncio
import copy
import functools
from typing import Any

from pinnace.client import resources
from pinnace.client.errors import ApiError
from pinnace.controllers.job import state
from pinnace.controllers.job.backoff import finished_time, remaining_time
from pinnace.controllers.job.indexes import (
    INDEX_FAILURE_COUNT_ANNOTATION,
    INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
    add_completion_index_env,
    duplicated_index_pods_for_removal,
    first_pending_indexes,
    index_absolute_failure_count,
    index_failure_count,
    index_ignored_failure_count,
    index_set,
    indexed_template,
    pod_generate_name_with_index,
)
from pinnace.controllers.job.policies import match_pod_failure_policy
from pinnace.controllers.job.state import Deps, SyncContext
from pinnace.controllers.job.util import JOB_TRACKING_FINALIZER, remove_tracking_finalizer_patch
from pinnace.controllers.ownerrefs import new_controller_ref
from pinnace.controllers.podcontrol import pod_from_template, slow_start_batch
from pinnace.controllers.podutil import compare_active_pods, is_pod_ready, is_pod_terminating

Object = dict[str, Any]

NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"


def active_pods_for_removal(job: Object, pods: list[Object], at_least: int) -> list[Object]:
    """At least ``at_least`` active pods to delete, cheapest first; an Indexed Job also loses duplicated
    and invalid indexes (``activePodsForRemoval``)."""
    remove: list[Object] = []
    left = pods
    if state.is_indexed(job):
        remove, left = duplicated_index_pods_for_removal(
            pods, state.completions(job) or 0, compare_active_pods
        )
    if len(remove) < at_least:
        ordered = sorted(left, key=functools.cmp_to_key(compare_active_pods))
        remove.extend(ordered[: at_least - len(remove)])
    return remove


async def manage_job(deps: Deps, ctx: SyncContext) -> int:
    """Bring the number of active pods to what the Job wants; returns the new active count. A failed write
    is left in ``ctx.error``, raised by the caller once the status is written."""
    job = ctx.job
    active = len(ctx.active_pods)
    if state.is_suspended(job):
        to_delete = active_pods_for_removal(job, ctx.active_pods, active)
        return active - await _delete_and_count(deps, ctx, to_delete, remove_finalizer=True)

    completions = state.completions(job)
    if completions is None:
        # Without completions any success means the work is done: leave what runs, running.
        want_active = active if ctx.succeeded > 0 else state.parallelism(job)
    else:
        want_active = max(0, min(completions - ctx.succeeded, state.parallelism(job)))

    to_delete = active_pods_for_removal(job, ctx.active_pods, max(0, active - want_active))
    to_delete = to_delete[: state.MAX_POD_CREATE_DELETE_PER_SYNC]
    if to_delete:
        # Deletion takes precedence: one sync never both deletes and creates.
        return active - await _delete_and_count(deps, ctx, to_delete, remove_finalizer=True)

    terminating = ctx.terminating if state.only_replace_failed_pods(job) else 0
    diff = want_active - terminating - active
    if diff <= 0:
        return active
    wait = 0.0
    if not state.has_backoff_limit_per_index(job) and ctx.new_backoff_record is not None:
        record = ctx.new_backoff_record
        wait = remaining_time(
            deps.clock.now(),
            deps.pod_failure_backoff,
            deps.max_pod_failure_backoff,
            record.failures_after_last_success,
            record.last_failure_time,
        )
    if wait > 0:
        # Upstream reports 0 active here; the pods that do run are reported instead.
        deps.requeue_after(ctx.key, max(wait, deps.sync_batch_period))
        return active
    diff = min(diff, state.MAX_POD_CREATE_DELETE_PER_SYNC)

    indexes: list[int] = []
    if state.is_indexed(job):
        indexes = _pending_indexes(ctx, diff, completions or 0)
        if state.has_backoff_limit_per_index(job):
            indexes, wait = _indexes_ready_for_creation(deps, ctx, indexes)
            if wait > 0:
                deps.requeue_after(ctx.key, max(wait, deps.sync_batch_period))
                return active
        diff = len(indexes)
    if diff <= 0:
        return active
    return active + await _create_pods(deps, ctx, diff, indexes)


def _pending_indexes(ctx: SyncContext, count: int, completions: int) -> list[int]:
    non_pending = ctx.succeeded_indexes
    if state.only_replace_failed_pods(ctx.job):
        terminating = index_set(pod for pod in ctx.pods if is_pod_terminating(pod))
        non_pending = non_pending.with_ordered_indexes(sorted(terminating))
    if ctx.failed_indexes is not None:
        non_pending = non_pending.merge(ctx.failed_indexes)
    return first_pending_indexes(non_pending, index_set(ctx.active_pods), count, completions)


def _indexes_ready_for_creation(deps: Deps, ctx: SyncContext, indexes: list[int]) -> tuple[list[int], float]:
    """The indexes whose per-index back-off has passed, or the shortest wait if none has
    (``getPodCreationInfoForIndependentIndexes``)."""
    ready: list[int] = []
    waits: list[float] = []
    for ix in indexes:
        last_failed = ctx.pods_with_delayed_deletion_per_index.get(ix)
        wait = 0.0
        if last_failed is not None:
            wait = remaining_time(
                deps.clock.now(),
                deps.pod_failure_backoff,
                deps.max_pod_failure_backoff,
                index_absolute_failure_count(last_failed) + 1,
                finished_time(last_failed),
            )
        if wait == 0:
            ready.append(ix)
        else:
            waits.append(wait)
    if ready:
        return ready, 0.0
    return ready, min(waits, default=0.0)


def _index_failure_annotations(job: Object, replaced: Object | None) -> dict[str, str]:
    """The failure counts a replacement pod inherits from the pod it replaces."""
    failures = ignored = 0
    if replaced is not None:
        failures, ignored = index_failure_count(replaced), index_ignored_failure_count(replaced)
        if match_pod_failure_policy(state.pod_failure_policy(job), replaced).count_failed:
            failures += 1
        else:
            ignored += 1
    annotations = {INDEX_FAILURE_COUNT_ANNOTATION: str(failures)}
    if ignored > 0:
        annotations[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = str(ignored)
    return annotations


async def _create_pods(deps: Deps, ctx: SyncContext, count: int, indexes: list[int]) -> int:
    """Create ``count`` pods in slow-start batches; returns how many were created (or are expected)."""
    job = ctx.job
    metadata = job["metadata"]
    deps.expectations.expect(ctx.key, adds=count)
    template = copy.deepcopy(state.spec(job).get("template") or {})
    if state.is_indexed(job):
        add_completion_index_env(template)
    template_meta = template.setdefault("metadata", {})
    finalizers = list(template_meta.get("finalizers") or [])
    if JOB_TRACKING_FINALIZER not in finalizers:
        finalizers.append(JOB_TRACKING_FINALIZER)
    template_meta["finalizers"] = finalizers
    controller_ref = new_controller_ref(job, "batch/v1", "Job")
    pending = list(indexes)
    failed = 0

    async def create_one() -> None:
        nonlocal failed
        pod_template, generate_name = template, ""
        if pending:
            ix = pending.pop(0)
            pod_template = indexed_template(template, metadata["name"], ix)
            generate_name = pod_generate_name_with_index(metadata["name"], ix)
            if state.has_backoff_limit_per_index(job):
                replaced = ctx.pods_with_delayed_deletion_per_index.get(ix)
                pod_template["metadata"].setdefault("annotations", {}).update(
                    _index_failure_annotations(job, replaced)
                )
        pod = pod_from_template(pod_template, job, controller_ref, generate_name=generate_name)
        try:
            await deps.pod_control.create_pod(pod, job)
        except ApiError as err:
            if _namespace_terminating(err):
                return  # every later creation fails the same way; nothing to retry
            # The informer will never see this pod.
            deps.expectations.creation_observed(ctx.key)
            failed += 1
            raise

    created, error = await slow_start_batch(count, create_one)
    skipped = count - created - failed
    if skipped > 0:
        # Pods never attempted after a failed batch will not be observed either.
        deps.expectations.lower(ctx.key, adds=skipped)
    if isinstance(error, ApiError):
        ctx.error = error
    elif error is not None:
        raise error
    return count - failed - skipped


def _namespace_terminating(err: ApiError) -> bool:
    causes = (err.status.get("details") or {}).get("causes") or []
    return any(cause.get("type") == NAMESPACE_TERMINATING_CAUSE for cause in causes)


async def _delete_and_count(
    deps: Deps, ctx: SyncContext, pods: list[Object], *, remove_finalizer: bool
) -> int:
    """Delete pods (taking their tracking finalizer off first); returns how many went. Each deleted pod
    is now terminating, and a deleted ready pod no longer counts as ready."""
    if not pods:
        return 0
    if remove_finalizer:
        deps.expectations.expect(ctx.key, deletes=len(pods))

    async def delete(pod: Object) -> bool:
        metadata = pod["metadata"]
        namespace = metadata.get("namespace", "")
        try:
            patch = remove_tracking_finalizer_patch(pod) if remove_finalizer else None
            if patch is not None:
                await deps.client.patch(
                    resources.PODS, metadata["name"], patch, namespace, patch_type="strategic"
                )
            existed = await deps.pod_control.delete_pod(namespace, metadata["name"], ctx.job)
        except ApiError as err:
            if remove_finalizer:
                deps.expectations.deletion_observed(ctx.key)
            ctx.error = ctx.error or err
            return False
        if not existed and remove_finalizer:
            deps.expectations.deletion_observed(ctx.key)  # already gone: no event will show it
        if is_pod_ready(pod):
            ctx.ready -= 1
        return True

    results = await asyncio.gather(*(delete(pod) for pod in pods))
    deleted = sum(1 for ok in results if ok)
    ctx.terminating += deleted
    return deleted


async def delete_active_pods(deps: Deps, ctx: SyncContext) -> int:
    """A finishing Job deletes its active pods, keeping their finalizers so they are counted as failed
    (``deleteActivePods``); returns how many deletions were accepted."""
    return await _delete_and_count(deps, ctx, ctx.active_pods, remove_finalizer=False)
