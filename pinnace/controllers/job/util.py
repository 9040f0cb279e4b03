"""Job facts the Job, CronJob and TTL-after-finished controllers share (upstream's
``pkg/controller/job/util/utils.go`` and the condition helpers of ``job_controller.go``).

A Job is *finished* once it has a ``Complete`` or ``Failed`` condition with status ``True``; the interim
``SuccessCriteriaMet`` and ``FailureTarget`` conditions (1.31+) say it will be, once its pods are gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pinnace.controllers.podutil import format_time

Object = dict[str, Any]

# k8s.io/api/batch/v1 names.
JOB_TRACKING_FINALIZER: Final = "batch.kubernetes.io/job-tracking"
JOB_CONTROLLER_NAME: Final = "kubernetes.io/job-controller"

COMPLETE: Final = "Complete"
FAILED: Final = "Failed"
SUSPENDED: Final = "Suspended"
FAILURE_TARGET: Final = "FailureTarget"
SUCCESS_CRITERIA_MET: Final = "SuccessCriteriaMet"

REASON_POD_FAILURE_POLICY: Final = "PodFailurePolicy"
REASON_BACKOFF_LIMIT_EXCEEDED: Final = "BackoffLimitExceeded"
REASON_DEADLINE_EXCEEDED: Final = "DeadlineExceeded"
REASON_MAX_FAILED_INDEXES_EXCEEDED: Final = "MaxFailedIndexesExceeded"
REASON_FAILED_INDEXES: Final = "FailedIndexes"
REASON_SUCCESS_POLICY: Final = "SuccessPolicy"


def conditions(job: Object) -> list[Object]:
    return list((job.get("status") or {}).get("conditions") or [])


def find_condition(condition_list: list[Object], condition_type: str) -> Object | None:
    """The first condition of that type (the object in the list itself, so callers may update it)."""
    for condition in condition_list:
        if condition.get("type") == condition_type:
            return condition
    return None


def finished_condition_type(job: Object) -> str:
    """``Complete`` or ``Failed`` when the Job finished, else ``""`` (upstream's ``FinishedCondition``)."""
    for condition in conditions(job):
        if condition.get("type") in (COMPLETE, FAILED) and condition.get("status") == "True":
            return str(condition["type"])
    return ""


def is_job_finished(job: Object) -> bool:
    return finished_condition_type(job) != ""


def is_job_succeeded(job: Object) -> bool:
    condition = find_condition(conditions(job), COMPLETE)
    return condition is not None and condition.get("status") == "True"


def new_condition(condition_type: str, status: str, reason: str, message: str, now: datetime) -> Object:
    """A JobCondition; ``reason`` and ``message`` are omitted when empty (``omitempty`` upstream)."""
    condition: Object = {
        "type": condition_type,
        "status": status,
        "lastProbeTime": format_time(now),
        "lastTransitionTime": format_time(now),
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def ensure_condition_status(
    condition_list: list[Object], condition_type: str, status: str, reason: str, message: str, now: datetime
) -> bool:
    """Add or update a condition in place; returns whether the list changed (``ensureJobConditionStatus``).

    Going from no condition to status ``False`` is meaningless, so it adds nothing then.
    """
    existing = find_condition(condition_list, condition_type)
    if existing is not None:
        if (
            existing.get("status") != status
            or existing.get("reason", "") != reason
            or existing.get("message", "") != message
        ):
            existing.clear()
            existing.update(new_condition(condition_type, status, reason, message, now))
            return True
        return False
    if status != "False":
        condition_list.append(new_condition(condition_type, status, reason, message, now))
        return True
    return False


def has_tracking_finalizer(pod: Object) -> bool:
    return JOB_TRACKING_FINALIZER in ((pod.get("metadata") or {}).get("finalizers") or [])


def remove_tracking_finalizer_patch(pod: Object) -> Object | None:
    """The strategic merge patch that takes the tracking finalizer off ``pod`` (``None`` if it has none)."""
    if not has_tracking_finalizer(pod):
        return None
    return {"metadata": {"$deleteFromPrimitiveList/finalizers": [JOB_TRACKING_FINALIZER]}}


def managed_by_external_controller(job: Object) -> str | None:
    """``spec.managedBy`` when another controller owns the Job (JobManagedBy is beta and on in 1.32)."""
    managed_by = (job.get("spec") or {}).get("managedBy")
    if managed_by is not None and managed_by != JOB_CONTROLLER_NAME:
        return str(managed_by)
    return None
