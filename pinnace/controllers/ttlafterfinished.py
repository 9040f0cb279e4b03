"""The TTL-after-finished controller (upstream's ``pkg/controller/ttlafterfinished``): deletes a finished
Job ``spec.ttlSecondsAfterFinished`` seconds after it finished.

A Job is finished when it has a ``Complete`` or ``Failed`` condition with status ``True``; its finish time
is that condition's ``lastTransitionTime``. Until the TTL runs out the Job is requeued for the moment it
does. Before deleting, the Job is read again from the API server (the cached TTL may be stale) and deleted
with foreground propagation and a uid precondition, so its pods go first and a recreated Job of the same
name is never hit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Final

from pinnace.client import resources
from pinnace.client.errors import NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import Controller, ControllerContext
from pinnace.controllers.job.util import COMPLETE, FAILED, is_job_finished
from pinnace.controllers.podutil import parse_time

Object = dict[str, Any]
log = logging.getLogger(__name__)

NAME: Final = "ttl-after-finished"
COMPONENT: Final = "ttl-after-finished-controller"


class FinishTimeUnknown(ValueError):
    """A finished Job whose finishing condition has no transition time."""


def needs_cleanup(job: Object) -> bool:
    return (job.get("spec") or {}).get("ttlSecondsAfterFinished") is not None and is_job_finished(job)


def finish_time(job: Object) -> datetime:
    """When the Job finished: its ``Complete``/``Failed`` condition's ``lastTransitionTime``."""
    metadata = job.get("metadata") or {}
    name = f"{metadata.get('namespace')}/{metadata.get('name')}"
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in (COMPLETE, FAILED) and condition.get("status") == "True":
            finished = parse_time(condition.get("lastTransitionTime"))
            if finished is None:
                raise FinishTimeUnknown(f"unable to find the time when the Job {name} finished")
            return finished
    raise FinishTimeUnknown(f"unable to find the status of the finished Job {name}")


def time_left(job: Object, now: datetime) -> float:
    """Seconds until the Job's TTL runs out (negative once it has)."""
    finished = finish_time(job)
    if finished > now:
        log.warning("Job %s finished in the future (clock skew?); cleanup is deferred", key_of(job))
    ttl = int((job.get("spec") or {})["ttlSecondsAfterFinished"])
    return (finished + timedelta(seconds=ttl) - now).total_seconds()


class TTLAfterFinishedController:
    def __init__(self, ctx: ControllerContext) -> None:
        self._client = ctx.client
        self._clock = ctx.clock
        ctx.recorder(COMPONENT)  # upstream's controller owns a recorder too, though it records nothing
        self.jobs = ctx.informers.informer(resources.JOBS)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="ttl_jobs_to_delete")
        self.jobs.add_handler(self._job_changed, lambda _old, new: self._job_changed(new))

    def _job_changed(self, job: Object) -> None:
        if not (job.get("metadata") or {}).get("deletionTimestamp") and needs_cleanup(job):
            self.queue.add(key_of(job))

    async def run(self, workers: int) -> None:
        await self.jobs.wait_synced()
        log.info("starting TTL after finished controller")
        try:
            await run_workers(self.queue, self.sync, workers, name="ttl-after-finished")
        finally:
            self.queue.shut_down()

    def _expired(self, job: Object) -> bool:
        """Whether the TTL ran out; if it will later, requeue for then."""
        if (job.get("metadata") or {}).get("deletionTimestamp") or not needs_cleanup(job):
            return False
        left = time_left(job, self._clock.now())
        if left <= 0:
            return True
        self.queue.add_after(key_of(job), left)
        return False

    async def sync(self, key: ObjectKey) -> None:
        cached = self.jobs.indexer.get(key)
        if cached is None or not self._expired(cached):
            return
        try:
            fresh = await self._client.get(resources.JOBS, key.name, key.namespace)
        except NotFound:
            return
        if not self._expired(fresh):
            return  # the TTL was changed since the cache saw it
        log.info("cleaning up Job %s", key)
        try:
            await self._client.delete(
                resources.JOBS,
                key.name,
                key.namespace,
                propagation_policy="Foreground",
                preconditions={"uid": str(fresh["metadata"]["uid"])},
            )
        except NotFound:
            return


def new_controller(ctx: ControllerContext) -> Controller:
    return TTLAfterFinishedController(ctx)
