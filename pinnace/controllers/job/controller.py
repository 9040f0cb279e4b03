"""The Job controller's loop: informer handlers that enqueue Jobs, the sync that reads a Job and claims its
pods from the caches, and the orphan-pod queue that strips tracking finalizers nobody will remove
(upstream's ``pkg/controller/job/job_controller.go``).

Pod events are batched: a Job is synced at most once per ``sync_batch_period`` (1 s upstream) for them,
while a new Job or a spec change syncs at once. A failed sync is retried with back-off from 1 s to 1 minute
(``DefaultJobApiBackOff``/``MaxJobApiBackOff``).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any

from pinnace.api.labels import SelectorParseError, from_label_selector_object
from pinnace.client import resources
from pinnace.client.errors import NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.expectations import Expectations
from pinnace.controllers.job.backoff import DEFAULT_POD_FAILURE_BACKOFF, MAX_POD_FAILURE_BACKOFF, BackoffStore
from pinnace.controllers.job.state import Deps, uid
from pinnace.controllers.job.sync import sync_job
from pinnace.controllers.job.tracking import FinalizerExpectations
from pinnace.controllers.job.util import (
    JOB_TRACKING_FINALIZER,
    has_tracking_finalizer,
    is_job_finished,
    managed_by_external_controller,
    remove_tracking_finalizer_patch,
)
from pinnace.controllers.ownerrefs import controller_ref, new_controller_ref
from pinnace.controllers.podcontrol import PodControl
from pinnace.controllers.podutil import parse_time
from pinnace.controllers.refmanager import ControllerRefManager

Object = dict[str, Any]
log = logging.getLogger(__name__)

COMPONENT = "job-controller"
SYNC_BATCH_PERIOD = 1.0
API_BACKOFF = 1.0
MAX_API_BACKOFF = 60.0


class AdoptionRefused(RuntimeError):
    """The Job may not adopt pods now (it was deleted or replaced since the cache saw it)."""


class JobController:
    def __init__(
        self,
        ctx: ControllerContext,
        *,
        pod_failure_backoff: float = DEFAULT_POD_FAILURE_BACKOFF,
        max_pod_failure_backoff: float = MAX_POD_FAILURE_BACKOFF,
        sync_batch_period: float = SYNC_BATCH_PERIOD,
    ) -> None:
        self._client = ctx.client
        self._clock = ctx.clock
        self._sync_batch_period = sync_batch_period
        recorder = ctx.recorder(COMPONENT)
        self.jobs = ctx.informers.informer(resources.JOBS)
        self.pods = ctx.informers.informer(resources.PODS)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(
            clock=ctx.clock, base_delay=API_BACKOFF, max_delay=MAX_API_BACKOFF, name="job"
        )
        self.orphan_queue: WorkQueue[ObjectKey] = WorkQueue(
            clock=ctx.clock, base_delay=API_BACKOFF, max_delay=MAX_API_BACKOFF, name="job_orphan_pod"
        )
        self.deps = Deps(
            client=ctx.client,
            clock=ctx.clock,
            recorder=recorder,
            pod_control=PodControl(ctx.client, recorder),
            expectations=Expectations(ctx.clock),
            finalizer_expectations=FinalizerExpectations(),
            backoff=BackoffStore(),
            requeue_after=self.queue.add_after,
            pod_failure_backoff=pod_failure_backoff,
            max_pod_failure_backoff=max_pod_failure_backoff,
            sync_batch_period=sync_batch_period,
        )
        self.jobs.add_handler(self._add_job, self._update_job, self._delete_job)
        self.pods.add_handler(self._add_pod, self._update_pod, lambda pod: self._delete_pod(pod, final=True))

    async def run(self, workers: int) -> None:
        await self.jobs.wait_synced()
        await self.pods.wait_synced()
        log.info("starting job controller")
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(run_workers(self.queue, self.sync, workers, name="job"))
                group.create_task(
                    run_workers(self.orphan_queue, self.sync_orphan_pod, 1, name="job-orphan-pod")
                )
        finally:
            self.queue.shut_down()
            self.orphan_queue.shut_down()

    # Enqueueing -------------------------------------------------------------------------------------------

    def _enqueue_batched(self, job: Object) -> None:
        self.queue.add_after(key_of(job), self._sync_batch_period)

    def _resolve(self, namespace: str, ref: Object) -> Object | None:
        """The Job a controller reference names, if it is still that Job (same uid)."""
        if ref.get("kind") != "Job":
            return None
        job = self.jobs.indexer.get(ObjectKey(namespace, str(ref.get("name") or "")))
        if job is None or uid(job) != ref.get("uid"):
            return None
        return job

    def _jobs_selecting(self, pod: Object) -> list[Object]:
        """Jobs in the pod's namespace whose selector matches it (``GetPodJobs``)."""
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if not labels:
            return []
        found = []
        for job in self.jobs.indexer.list_namespace(key_of(pod).namespace):
            try:
                selector = from_label_selector_object((job.get("spec") or {}).get("selector"))
            except SelectorParseError:
                continue
            if not selector.is_empty and selector.matches(labels):
                found.append(job)
        return found

    def _add_job(self, job: Object) -> None:
        self.queue.add(key_of(job))

    def _update_job(self, old: Object, cur: Object) -> None:
        key = key_of(cur)
        if (old.get("metadata") or {}).get("generation") == (cur.get("metadata") or {}).get("generation"):
            self._enqueue_batched(cur)  # a status write or a pod-driven change: batch
        else:
            self.queue.add(key)  # a spec change: act at once
        if is_job_finished(cur):
            self._cleanup_pod_finalizers(cur)  # a backstop: a finished Job should hold no finalizers
        # A changed activeDeadlineSeconds needs a sync when the new deadline passes.
        started = (cur.get("status") or {}).get("startTime")
        new_deadline = (cur.get("spec") or {}).get("activeDeadlineSeconds")
        old_deadline = (old.get("spec") or {}).get("activeDeadlineSeconds")
        if started and new_deadline is not None and new_deadline != old_deadline:
            start = parse_time(started)
            if start is not None:
                passed = (self._clock.now() - start).total_seconds()
                self.queue.add_after(key, int(new_deadline) - passed)

    def _delete_job(self, job: Object) -> None:
        self.queue.add(key_of(job))
        self._cleanup_pod_finalizers(job)

    def _cleanup_pod_finalizers(self, job: Object) -> None:
        try:
            selector = from_label_selector_object((job.get("spec") or {}).get("selector"))
        except SelectorParseError:
            return
        for pod in self.pods.indexer.list_namespace(key_of(job).namespace):
            labels = (pod.get("metadata") or {}).get("labels") or {}
            ref = controller_ref(pod)
            owned = ref is not None and ref.get("uid") == uid(job)
            if selector.matches(labels) and owned and has_tracking_finalizer(pod):
                self.orphan_queue.add(key_of(pod))

    def _add_pod(self, pod: Object) -> None:
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            # After a restart a pod may show up already being deleted: not a creation to observe.
            self._delete_pod(pod, final=False)
            return
        ref = controller_ref(pod)
        if ref is not None:
            job = self._resolve(key_of(pod).namespace, ref)
            if job is not None:
                self.deps.expectations.creation_observed(key_of(job))
                self._enqueue_batched(job)
            return
        if has_tracking_finalizer(pod):
            self.orphan_queue.add(key_of(pod))
        for job in self._jobs_selecting(pod):
            self._enqueue_batched(job)  # someone may want to adopt it

    def _update_pod(self, old: Object, cur: Object) -> None:
        if (old.get("metadata") or {}).get("resourceVersion") == (cur.get("metadata") or {}).get(
            "resourceVersion"
        ):
            return  # a resync: nothing changed
        if (cur.get("metadata") or {}).get("deletionTimestamp"):
            # A graceful deletion began: replace the pod now rather than when it finally goes.
            self._delete_pod(cur, final=False)
            return
        # Whether the finalizer was in the old pod does not matter: updates may collapse.
        finalizer_removed = not has_tracking_finalizer(cur)
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        namespace = key_of(cur).namespace
        if cur_ref != old_ref and old_ref is not None:
            old_job = self._resolve(namespace, old_ref)
            if old_job is not None:
                if finalizer_removed:
                    self.deps.finalizer_expectations.finalizer_removal_observed(key_of(old_job), uid(cur))
                self._enqueue_batched(old_job)
        if cur_ref is not None:
            job = self._resolve(namespace, cur_ref)
            if job is not None:
                if finalizer_removed:
                    self.deps.finalizer_expectations.finalizer_removal_observed(key_of(job), uid(cur))
                self._enqueue_batched(job)
            return
        if has_tracking_finalizer(cur):
            self.orphan_queue.add(key_of(cur))
        old_labels = (old.get("metadata") or {}).get("labels")
        if old_labels != (cur.get("metadata") or {}).get("labels") or cur_ref != old_ref:
            for job in self._jobs_selecting(cur):
                self._enqueue_batched(job)

    def _delete_pod(self, pod: Object, *, final: bool) -> None:
        ref = controller_ref(pod)
        has_finalizer = has_tracking_finalizer(pod)
        if ref is None:
            if has_finalizer:
                self.orphan_queue.add(key_of(pod))  # the garbage collector may have removed the reference
            return
        job = self._resolve(key_of(pod).namespace, ref)
        if job is None or is_job_finished(job):
            if has_finalizer:
                self.orphan_queue.add(key_of(pod))  # no sync of a Job will remove this finalizer
            return
        key = key_of(job)
        self.deps.expectations.deletion_observed(key)
        if final or not has_finalizer:
            self.deps.finalizer_expectations.finalizer_removal_observed(key, uid(pod))
        self._enqueue_batched(job)

    # Syncing ----------------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        shared = self.jobs.indexer.get(key)
        if shared is None:
            self.deps.expectations.delete(key)
            self.deps.finalizer_expectations.delete(key)
            self.deps.backoff.remove(key)
            return
        if managed_by_external_controller(shared) is not None:
            return  # another controller (spec.managedBy) reconciles this Job
        if is_job_finished(shared):
            self.deps.backoff.remove(key)
            return
        mode = (shared.get("spec") or {}).get("completionMode")
        if mode not in (None, "NonIndexed", "Indexed"):
            self.deps.recorder.event(
                shared,
                "Warning",
                "UnknownCompletionMode",
                "Skipped Job sync because completion mode is unknown",
            )
            return
        job = copy.deepcopy(shared)  # never mutate the cache
        # Expectations are checked before listing pods: a pod that appears after this check only defers
        # the sync, it cannot be counted twice.
        satisfied = self.deps.expectations.satisfied(key)
        pods = await self._pods_for_job(job)
        await sync_job(self.deps, key, job, pods, satisfied)

    async def _pods_for_job(self, job: Object) -> list[Object]:
        """The Job's pods: those it controls, adopting matching orphans (which get the tracking finalizer)
        and releasing controlled pods that stopped matching (``getPodsForJob``)."""
        selector = from_label_selector_object((job.get("spec") or {}).get("selector"))
        namespace = key_of(job).namespace
        candidates = self.pods.indexer.list_namespace(namespace)

        async def can_adopt() -> None:
            # An uncached read: a Job deleted and recreated under the same name must not adopt.
            fresh = await self._client.get(resources.JOBS, key_of(job).name, namespace)
            if uid(fresh) != uid(job):
                raise AdoptionRefused(
                    f"original Job {namespace}/{key_of(job).name} is gone: got uid {uid(fresh)}, "
                    f"wanted {uid(job)}"
                )
            deleted = (fresh.get("metadata") or {}).get("deletionTimestamp")
            if deleted:
                raise AdoptionRefused(f"{namespace}/{key_of(job).name} has just been deleted at {deleted}")

        manager = ControllerRefManager(
            self._client,
            resources.PODS,
            job,
            selector,
            new_controller_ref(job, "batch/v1", "Job"),
            can_adopt,
            finalizers=[JOB_TRACKING_FINALIZER],
        )
        claimed = await manager.claim(candidates)
        pods = []
        for pod in claimed:
            refs = (pod.get("metadata") or {}).get("ownerReferences") or []
            adopted = not any(ref.get("uid") == uid(job) for ref in refs)
            if adopted and not has_tracking_finalizer(pod):
                # The cache has not seen the adoption patch yet: count the pod as it now is.
                pod = copy.deepcopy(pod)
                pod["metadata"]["finalizers"] = [
                    *(pod["metadata"].get("finalizers") or []),
                    JOB_TRACKING_FINALIZER,
                ]
            pods.append(pod)
        return pods

    async def sync_orphan_pod(self, key: ObjectKey) -> None:
        """Remove the tracking finalizer from a pod no unfinished Job of ours controls (``syncOrphanPod``)."""
        pod = self.pods.indexer.get(key)
        if pod is None:
            return
        ref = controller_ref(pod)
        if ref is not None:
            if ref.get("kind") != "Job" or ref.get("apiVersion") != "batch/v1":
                return  # owned by something else: not ours to touch
            job = self._resolve(key.namespace, ref)
            if job is not None and managed_by_external_controller(job) is not None:
                return
            if job is not None and not is_job_finished(job):
                return  # adopted since: the Job's own sync handles it
        patch = remove_tracking_finalizer_patch(pod)
        if patch is None:
            return
        try:
            await self._client.patch(resources.PODS, key.name, patch, key.namespace, patch_type="strategic")
        except NotFound:
            return
