"""What one Job sync works with: the Job's spec read through small accessors, the per-sync context
(upstream's ``syncJobCtx``), and the controller's long-lived pieces a sync uses (:class:`Deps`).

Feature gates are those of a default 1.32 controller manager: JobPodReplacementPolicy, JobManagedBy,
JobBackoffLimitPerIndex, JobSuccessPolicy and PodIndexLabel are all on, so terminating pods are always
tracked and the terminal ``Complete``/``Failed`` conditions always wait behind ``SuccessCriteriaMet``/
``FailureTarget`` until the Job's pods are gone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from pinnace.client.clock import Clock
from pinnace.client.errors import ApiError
from pinnace.client.events import EventRecorder
from pinnace.client.interface import Client
from pinnace.client.keys import ObjectKey
from pinnace.controllers.expectations import Expectations
from pinnace.controllers.job.backoff import BackoffRecord, BackoffStore
from pinnace.controllers.job.indexes import UNKNOWN_COMPLETION_INDEX, Intervals, completion_index
from pinnace.controllers.job.tracking import FinalizerExpectations
from pinnace.controllers.job.util import has_tracking_finalizer
from pinnace.controllers.podcontrol import PodControl

Object = dict[str, Any]

# Upstream's MaxUncountedPods (keeps status.uncountedTerminatedPods under ~20 KB) and
# MaxPodCreateDeletePerSync.
MAX_UNCOUNTED_PODS: Final = 500
MAX_POD_CREATE_DELETE_PER_SYNC: Final = 500


def spec(job: Object) -> Object:
    return job.get("spec") or {}


def uid(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def completions(job: Object) -> int | None:
    value = spec(job).get("completions")
    return None if value is None else int(value)


def parallelism(job: Object) -> int:
    return int(spec(job).get("parallelism", 1) or 0)


def backoff_limit(job: Object) -> int:
    return int(spec(job).get("backoffLimit", 6))


def is_indexed(job: Object) -> bool:
    return spec(job).get("completionMode") == "Indexed"


def has_backoff_limit_per_index(job: Object) -> bool:
    return spec(job).get("backoffLimitPerIndex") is not None


def is_suspended(job: Object) -> bool:
    return spec(job).get("suspend") is True


def pod_failure_policy(job: Object) -> Object | None:
    policy = spec(job).get("podFailurePolicy")
    return policy if isinstance(policy, dict) else None


def only_replace_failed_pods(job: Object) -> bool:
    """Replacement pods wait until a terminating pod has fully failed (``podReplacementPolicy: Failed``,
    implied by a pod failure policy)."""
    return spec(job).get("podReplacementPolicy") == "Failed" or pod_failure_policy(job) is not None


def phase(pod: Object) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_pod_failed(pod: Object, job: Object) -> bool:
    """Failed, or (unless only failed pods are replaced) deleted before it succeeded: an orphan's pods may
    never reach the Failed phase (``isPodFailed``)."""
    if phase(pod) == "Failed":
        return True
    if only_replace_failed_pods(job):
        return False
    return bool((pod.get("metadata") or {}).get("deletionTimestamp")) and phase(pod) != "Succeeded"


def valid_index(job: Object, pod: Object) -> bool:
    ix = completion_index(pod)
    return ix != UNKNOWN_COMPLETION_INDEX and ix < (completions(job) or 0)


def job_status(job: Object) -> Object:
    """The Job's status dict, with ``uncountedTerminatedPods`` present (the sync mutates both)."""
    status: Object = job.setdefault("status", {})
    status.setdefault("uncountedTerminatedPods", {})
    return status


@dataclass
class SyncContext:
    """Upstream's ``syncJobCtx``: the Job copy being reconciled and what this sync learned about it."""

    key: ObjectKey
    job: Object
    pods: list[Object]
    active_pods: list[Object]
    ready: int
    terminating: int
    #: UIDs in ``status.uncountedTerminatedPods`` when the sync started.
    uncounted_succeeded: set[str]
    uncounted_failed: set[str]
    #: Pods whose tracking finalizer this controller removed but has not seen go yet.
    expected_rm_finalizers: set[str]
    succeeded: int = 0
    failed: int = 0
    finished_condition: Object | None = None
    prev_succeeded_indexes: Intervals = field(default_factory=Intervals)
    succeeded_indexes: Intervals = field(default_factory=Intervals)
    failed_indexes: Intervals | None = None
    new_backoff_record: BackoffRecord | None = None
    pods_with_delayed_deletion_per_index: dict[int, Object] = field(default_factory=dict)
    #: The first failed pod write of this sync, raised once the status is written (``manageJobErr``).
    error: ApiError | None = None

    def valid_pods(self, uncounted: set[str], keep: Callable[[Object], bool]) -> list[Object]:
        """Pods still tracked by finalizer, not yet in ``uncounted``, with a valid index for Indexed Jobs,
        that ``keep`` accepts (``getValidPodsWithFilter``)."""
        result = []
        for pod in self.pods:
            pod_uid = uid(pod)
            if (
                not has_tracking_finalizer(pod)
                or pod_uid in uncounted
                or pod_uid in self.expected_rm_finalizers
            ):
                continue
            if is_indexed(self.job) and not valid_index(self.job, pod):
                continue
            if keep(pod):
                result.append(pod)
        return result


@dataclass
class Deps:
    """The controller's long-lived pieces one sync uses."""

    client: Client
    clock: Clock
    recorder: EventRecorder
    pod_control: PodControl
    expectations: Expectations
    finalizer_expectations: FinalizerExpectations
    backoff: BackoffStore
    #: ``queue.add_after`` of the Job queue (requeue for a deadline or a back-off).
    requeue_after: Callable[[ObjectKey, float], None]
    pod_failure_backoff: float
    max_pod_failure_backoff: float
    sync_batch_period: float
