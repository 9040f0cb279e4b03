"""The CronJob controller (upstream's ``pkg/controller/cronjob/cronjob_controllerv2.go``): creates a Job
for each activation of a CronJob's schedule and keeps its status and history.

Each sync reads the CronJob and the Jobs it controls from the caches, removes finished Jobs beyond the
history limits, updates ``status.active``/``lastSuccessfulTime``, and — unless suspended, being deleted, or
past ``startingDeadlineSeconds`` — creates the Job for the latest missed activation, named
``<cronjob>-<minutes since the epoch>`` so that one activation can never create two Jobs. The CronJob is
then requeued for just after its next activation: no polling.
"""

from __future__ import annotations

import copy
import functools
import logging
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

from pinnace.api.gofmt import go_quote
from pinnace.api.validation.cron import CronError
from pinnace.client import resources
from pinnace.client.errors import AlreadyExists, ApiError, NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.cronjob.schedule import (
    Missed,
    load_zone,
    local_zone,
    most_recent_schedule_time,
    next_schedule_time_duration,
    parse,
    schedule_spec,
)
from pinnace.controllers.job.util import finished_condition_type, is_job_finished, is_job_succeeded
from pinnace.controllers.ownerrefs import controller_ref, is_controlled_by, new_controller_ref
from pinnace.controllers.podutil import format_time, parse_time

Object = dict[str, Any]
log = logging.getLogger(__name__)

COMPONENT: Final = "cronjob-controller"
SCHEDULED_TIMESTAMP_ANNOTATION: Final = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NAMESPACE_TERMINATING_CAUSE: Final = "NamespaceTerminating"


def job_name(cron_job: Object, scheduled: datetime) -> str:
    """``<cronjob>-<scheduled time in minutes since the epoch>`` (``getJobName``)."""
    return f"{cron_job['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def go_rfc3339(moment: datetime) -> str:
    """Go's ``time.RFC3339``: ``Z`` for a zero offset, else the offset (``2025-01-01T09:00:00-05:00``)."""
    text = moment.replace(microsecond=0).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def job_from_template(cron_job: Object, scheduled: datetime) -> Object:
    """The Job for one activation (``getJobFromTemplate2``): the template's labels and annotations, the
    scheduled time in the CronJob's zone as an annotation, a controller reference to the CronJob."""
    template = (cron_job.get("spec") or {}).get("jobTemplate") or {}
    template_meta = template.get("metadata") or {}
    annotations = dict(template_meta.get("annotations") or {})
    zone = load_zone((cron_job.get("spec") or {}).get("timeZone") or "") or UTC
    annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = go_rfc3339(scheduled.astimezone(zone))
    metadata: Object = {
        "name": job_name(cron_job, scheduled),
        "namespace": cron_job["metadata"].get("namespace", ""),
        "labels": dict(template_meta.get("labels") or {}),
        "annotations": annotations,
        "ownerReferences": [new_controller_ref(cron_job, "batch/v1", "CronJob")],
    }
    if not metadata["labels"]:
        del metadata["labels"]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def job_reference(job: Object) -> Object:
    """An ObjectReference to a Job, as ``status.active`` holds them."""
    metadata = job["metadata"]
    return {
        "kind": "Job",
        "namespace": metadata.get("namespace", ""),
        "name": metadata["name"],
        "uid": metadata["uid"],
        "apiVersion": "batch/v1",
        "resourceVersion": metadata.get("resourceVersion", ""),
    }


def _by_start_time(left: Object, right: Object) -> int:
    """Oldest first by ``status.startTime`` (unstarted last), names breaking ties (``byJobStartTime``)."""
    left_start = parse_time((left.get("status") or {}).get("startTime"))
    right_start = parse_time((right.get("status") or {}).get("startTime"))
    if left_start is None or right_start is None:
        if left_start is None and right_start is None:
            return 0
        return -1 if right_start is None else 1
    if left_start == right_start:
        left_name, right_name = left["metadata"]["name"], right["metadata"]["name"]
        return -1 if left_name < right_name else (1 if left_name > right_name else 0)
    return -1 if left_start < right_start else 1


class ReplaceFailed(RuntimeError):
    """``concurrencyPolicy: Replace`` could not delete a running Job."""


class CronJobController:
    def __init__(self, ctx: ControllerContext, *, zone: tzinfo | None = None) -> None:
        self._client = ctx.client
        self._clock = ctx.clock
        self._zone = zone or local_zone()
        self._recorder = ctx.recorder(COMPONENT)
        self.jobs = ctx.informers.informer(resources.JOBS)
        self.cron_jobs = ctx.informers.informer(resources.CRONJOBS)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="cronjob")
        self.jobs.add_handler(self._job_added, self._job_updated, self._job_deleted)
        self.cron_jobs.add_handler(
            lambda cj: self.queue.add(key_of(cj)),
            self._update_cron_job,
            lambda cj: self.queue.add(key_of(cj)),
        )

    async def run(self, workers: int) -> None:
        await self.jobs.wait_synced()
        await self.cron_jobs.wait_synced()
        log.info("starting cronjob controller")
        try:
            await run_workers(self.queue, self.sync, workers, name="cronjob")
        finally:
            self.queue.shut_down()

    # Handlers ---------------------------------------------------------------------------------------------

    def _resolve(self, namespace: str, ref: Object | None) -> Object | None:
        if ref is None or ref.get("kind") != "CronJob":
            return None
        cron_job = self.cron_jobs.indexer.get(ObjectKey(namespace, str(ref.get("name") or "")))
        if cron_job is None or cron_job["metadata"].get("uid") != ref.get("uid"):
            return None
        return cron_job

    def _enqueue_owner(self, job: Object) -> None:
        owner = self._resolve(key_of(job).namespace, controller_ref(job))
        if owner is not None:
            self.queue.add(key_of(owner))

    def _job_added(self, job: Object) -> None:
        self._enqueue_owner(job)

    def _job_updated(self, old: Object, cur: Object) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return  # a resync
        if controller_ref(old) != controller_ref(cur):
            self._enqueue_owner(old)
        self._enqueue_owner(cur)

    def _job_deleted(self, job: Object) -> None:
        self._enqueue_owner(job)

    def _update_cron_job(self, old: Object, cur: Object) -> None:
        """A new schedule or time zone requeues for the new next activation; anything else syncs now."""
        old_spec, new_spec = old.get("spec") or {}, cur.get("spec") or {}
        if old_spec.get("schedule") == new_spec.get("schedule") and old_spec.get("timeZone") == new_spec.get(
            "timeZone"
        ):
            self.queue.add(key_of(cur))
            return
        try:
            schedule = parse(schedule_spec(cur), self._zone)
        except CronError:
            self._recorder.event(
                cur,
                "Warning",
                "UnParseableCronJobSchedule",
                f"unparseable schedule for cronjob: {new_spec.get('schedule', '')}",
            )
            return
        self.queue.add_after(key_of(cur), next_schedule_time_duration(cur, self._clock.now(), schedule))

    # Sync -------------------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        cached = self.cron_jobs.indexer.get(key)
        if cached is None:
            return  # deleted: its Jobs go with it (garbage collector)
        jobs = [
            job
            for job in self.jobs.indexer.list_namespace(key.namespace)
            if (ref := controller_ref(job)) is not None and ref.get("name") == key.name
        ]
        cron_job = copy.deepcopy(cached)  # never mutate the cache
        changed = await self._cleanup_finished_jobs(cron_job, jobs)
        requeue_after, sync_changed, error = await self._sync_cron_job(cron_job, jobs)
        if changed or sync_changed:
            body = dict(cron_job)
            status = dict(cron_job.get("status") or {})
            if not status.get("active"):
                status.pop("active", None)  # an empty list is omitted (omitempty)
            body["status"] = status
            await self._client.update(resources.CRONJOBS, body, subresource="status")
        if requeue_after is not None:
            self.queue.add_after(key, requeue_after)
            return
        if error is not None:
            raise error

    async def _sync_cron_job(
        self, cron_job: Object, jobs: list[Object]
    ) -> tuple[float | None, bool, Exception | None]:
        """``syncCronJob``: returns when to look again (None: only on a change), whether the status
        changed, and an error to retry with back-off."""
        now = self._clock.now()
        metadata, spec = cron_job["metadata"], cron_job.get("spec") or {}
        status = cron_job.setdefault("status", {})
        changed = False
        children: set[str] = set()
        for job in jobs:
            job_uid = job["metadata"]["uid"]
            children.add(job_uid)
            in_active = _in_active_list(cron_job, job_uid)
            if not in_active and not is_job_finished(job):
                try:
                    fresh = await self._client.get(
                        resources.CRONJOBS, metadata["name"], metadata["namespace"]
                    )
                except ApiError as err:
                    return None, changed, err
                if _in_active_list(fresh, job_uid):
                    # Our cache was behind our own status write: take the fresh status and go on.
                    cron_job["status"] = status = copy.deepcopy(fresh.get("status") or {})
                    continue
                self._recorder.event(
                    cron_job,
                    "Warning",
                    "UnexpectedJob",
                    f"Saw a job that the controller did not create or forgot: {job['metadata']['name']}",
                )
            elif in_active and is_job_finished(job):
                _delete_from_active_list(cron_job, job_uid)
                self._recorder.event(
                    cron_job,
                    "Normal",
                    "SawCompletedJob",
                    f"Saw completed job: {job['metadata']['name']}, status: {finished_condition_type(job)}",
                )
                changed = True
            elif is_job_succeeded(job):
                # A Job need not be active for its completion to count.
                completed = (job.get("status") or {}).get("completionTime")
                last = parse_time(status.get("lastSuccessfulTime"))
                completed_at = parse_time(completed)
                if completed_at is not None and (last is None or completed_at > last):
                    status["lastSuccessfulTime"] = completed
                    changed = True
        for ref in list(status.get("active") or []):
            if ref.get("uid") in children:
                continue
            # Missing from the cache: ask the API server before believing it (a slow watch is no loss).
            try:
                await self._client.get(resources.JOBS, ref.get("name", ""), ref.get("namespace", ""))
            except NotFound:
                self._recorder.event(
                    cron_job, "Normal", "MissingJob", f"Active job went missing: {ref.get('name', '')}"
                )
                _delete_from_active_list(cron_job, ref.get("uid", ""))
                changed = True
            except ApiError as err:
                return None, changed, err

        if metadata.get("deletionTimestamp"):
            return None, changed, None  # being deleted: only keep the status right
        zone_name = spec.get("timeZone")
        if zone_name is not None and load_zone(zone_name) is None:
            self._recorder.event(
                cron_job,
                "Warning",
                "UnknownTimeZone",
                f"invalid timeZone: {go_quote(zone_name)}: unknown time zone {zone_name}",
            )
            return None, changed, None
        if spec.get("suspend") is True:
            return None, changed, None
        raw = str(spec.get("schedule") or "")
        if "TZ" in raw:
            self._recorder.event(
                cron_job,
                "Warning",
                "UnsupportedSchedule",
                f"CRON_TZ or TZ used in schedule {go_quote(raw)} is not officially supported, see "
                "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details",
            )
        try:
            schedule = parse(schedule_spec(cron_job), self._zone)
        except CronError as err:
            self._recorder.event(
                cron_job, "Warning", "UnparseableSchedule", f"unparseable schedule: {go_quote(raw)} : {err}"
            )
            return None, changed, None

        found = most_recent_schedule_time(cron_job, now, schedule, include_starting_deadline=True)
        if found.error:
            self._recorder.event(
                cron_job, "Warning", "InvalidSchedule", f"invalid schedule: {raw} : {found.error}"
            )
            return None, changed, None
        if found.most_recent is not None and found.missed is Missed.MANY:
            self._recorder.event(
                cron_job,
                "Warning",
                "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock "
                "skew",
            )
        scheduled = found.most_recent
        next_in = functools.partial(next_schedule_time_duration, cron_job, now, schedule)
        if scheduled is None:
            return next_in(), changed, None  # nothing due (after a restart, or an early wake-up)

        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and (now - scheduled).total_seconds() > int(deadline):
            self._recorder.event(
                cron_job,
                "Warning",
                "MissSchedule",
                f"Missed scheduled time to start a job: {scheduled.astimezone(UTC):%a, %d %b %Y %H:%M:%S %z}",
            )
            return next_in(), changed, None
        name = job_name(cron_job, scheduled)
        if any(ref.get("name") == name for ref in status.get("active") or []) or parse_time(
            status.get("lastScheduleTime")
        ) == scheduled.replace(microsecond=0):
            return next_in(), changed, None  # this activation was handled already
        if spec.get("concurrencyPolicy") == "Forbid" and status.get("active"):
            # The active list may lag behind reality, so Forbid is best effort, as upstream.
            self._recorder.event(
                cron_job,
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            )
            return next_in(), changed, None
        if spec.get("concurrencyPolicy") == "Replace":
            for ref in list(status.get("active") or []):
                try:
                    job = await self._client.get(
                        resources.JOBS, ref.get("name", ""), ref.get("namespace", "")
                    )
                except ApiError as err:
                    self._recorder.event(cron_job, "Warning", "FailedGet", f"Get job: {err.message}")
                    return None, changed, err
                if not await self._delete_job(cron_job, job):
                    return None, changed, ReplaceFailed(f"could not replace job {key_of(job)}")
                changed = True

        request = job_from_template(cron_job, scheduled)
        try:
            created = await self._client.create(resources.JOBS, request, metadata["namespace"])
            self._recorder.event(
                cron_job, "Normal", "SuccessfulCreate", f"Created job {created['metadata']['name']}"
            )
        except AlreadyExists:
            # Created by an earlier sync whose status write was lost, or by someone else.
            try:
                created = await self._client.get(
                    resources.JOBS, request["metadata"]["name"], metadata["namespace"]
                )
            except ApiError as err:
                return None, changed, err
            if not is_controlled_by(created, cron_job) or _in_active_list(
                cron_job, created["metadata"]["uid"]
            ):
                return None, changed, None
            log.info("job %s already exists for cronjob %s", created["metadata"]["name"], key_of(cron_job))
        except ApiError as err:
            if _namespace_terminating(err):
                return None, changed, err
            self._recorder.event(cron_job, "Warning", "FailedCreate", f"Error creating job: {err.message}")
            return None, changed, err
        status.setdefault("active", []).append(job_reference(created))
        status["lastScheduleTime"] = format_time(scheduled)
        return next_in(), True, None

    async def _delete_job(self, cron_job: Object, job: Object) -> bool:
        """Delete a Job and its pods (background propagation) and drop it from the active list."""
        name = job["metadata"]["name"]
        try:
            await self._client.delete(
                resources.JOBS, name, job["metadata"].get("namespace", ""), propagation_policy="Background"
            )
        except ApiError as err:
            self._recorder.event(cron_job, "Warning", "FailedDelete", f"Deleted job: {err.message}")
            log.error("error deleting job %s of cronjob %s: %s", name, key_of(cron_job), err)
            return False
        _delete_from_active_list(cron_job, job["metadata"]["uid"])
        self._recorder.event(cron_job, "Normal", "SuccessfulDelete", f"Deleted job {name}")
        return True

    async def _cleanup_finished_jobs(self, cron_job: Object, jobs: list[Object]) -> bool:
        """Delete the oldest finished Jobs beyond the ``successfulJobsHistoryLimit`` and
        ``failedJobsHistoryLimit``."""
        spec = cron_job.get("spec") or {}
        successful_limit, failed_limit = (
            spec.get("successfulJobsHistoryLimit"),
            spec.get("failedJobsHistoryLimit"),
        )
        if successful_limit is None and failed_limit is None:
            return False
        changed = False
        for kind, limit in (("Complete", successful_limit), ("Failed", failed_limit)):
            if limit is None:
                continue
            finished = [job for job in jobs if finished_condition_type(job) == kind]
            excess = len(finished) - int(limit)
            if excess <= 0:
                continue
            finished.sort(key=functools.cmp_to_key(_by_start_time))
            for job in finished[:excess]:
                if await self._delete_job(cron_job, job):
                    changed = True
        return changed


def _in_active_list(cron_job: Object, job_uid: str) -> bool:
    return any(ref.get("uid") == job_uid for ref in (cron_job.get("status") or {}).get("active") or [])


def _delete_from_active_list(cron_job: Object, job_uid: str) -> None:
    status = cron_job.setdefault("status", {})
    status["active"] = [ref for ref in status.get("active") or [] if ref.get("uid") != job_uid]


def _namespace_terminating(err: ApiError) -> bool:
    causes = (err.status.get("details") or {}).get("causes") or []
    return any(cause.get("type") == NAMESPACE_TERMINATING_CAUSE for cause in causes)
