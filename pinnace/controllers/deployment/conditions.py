"""Deployment conditions and the rollout predicates built on them (upstream's ``deployment_util.go``).

``Available`` says whether at least ``replicas - maxUnavailable`` pods are available
(``MinimumReplicasAvailable`` / ``MinimumReplicasUnavailable``). ``Progressing`` tracks the rollout:
``NewReplicaSetCreated`` / ``FoundNewReplicaSet`` / ``ReplicaSetUpdated`` while it moves,
``NewReplicaSetAvailable`` when complete, ``ProgressDeadlineExceeded`` (status False) when nothing moved for
``progressDeadlineSeconds``, ``DeploymentPaused`` / ``DeploymentResumed`` (Unknown) around a pause.
A ``ReplicaFailure`` condition is copied from the ReplicaSets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pinnace.controllers.podutil import parse_time

Object = dict[str, Any]

AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"

# Progressing reasons.
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
NEW_REPLICA_SET_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_DEPLOY_REASON = "DeploymentPaused"
RESUMED_DEPLOY_REASON = "DeploymentResumed"
# Available reasons.
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"

#: A ``progressDeadlineSeconds`` of MaxInt32 means "no deadline" (``HasProgressDeadline``).
_MAX_INT32 = 2**31 - 1


def format_time(moment: datetime) -> str:
    """A ``metav1.Time`` as the API writes it: RFC 3339 in UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_condition(type_: str, status: str, reason: str, message: str, now: datetime) -> Object:
    stamp = format_time(now)
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def get_condition(status: Object, type_: str) -> Object | None:
    for condition in status.get("conditions") or []:
        if condition.get("type") == type_:
            return dict(condition)
    return None


def set_condition(status: Object, condition: Object) -> None:
    """Add or replace the condition of its type; nothing changes if status and reason are the same, and a
    condition keeping its status keeps its ``lastTransitionTime`` (``SetDeploymentCondition``)."""
    current = get_condition(status, condition["type"])
    if current is not None and current.get("status") == condition["status"]:
        if current.get("reason") == condition["reason"]:
            return
        condition = {**condition, "lastTransitionTime": current.get("lastTransitionTime")}
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: Object, type_: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def replica_set_to_deployment_condition(condition: Object) -> Object:
    return {
        "type": condition.get("type"),
        "status": condition.get("status"),
        "lastUpdateTime": condition.get("lastTransitionTime"),
        "lastTransitionTime": condition.get("lastTransitionTime"),
        "reason": condition.get("reason"),
        "message": condition.get("message"),
    }


def spec_replicas(deployment: Object) -> int:
    value = (deployment.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def has_progress_deadline(deployment: Object) -> bool:
    value = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return value is not None and int(value) != _MAX_INT32


def deployment_complete(deployment: Object, status: Object) -> bool:
    """Every desired replica updated and available, no old pods left, the current generation observed."""
    replicas = spec_replicas(deployment)
    generation = int((deployment.get("metadata") or {}).get("generation") or 0)
    return (
        int(status.get("updatedReplicas") or 0) == replicas
        and int(status.get("replicas") or 0) == replicas
        and int(status.get("availableReplicas") or 0) == replicas
        and int(status.get("observedGeneration") or 0) >= generation
    )


def deployment_progressing(deployment: Object, new_status: Object) -> bool:
    """New pods scaled up or became ready or available, or old pods went, since the recorded status."""
    old = deployment.get("status") or {}

    def count(status: Object, name: str) -> int:
        return int(status.get(name) or 0)

    old_old = count(old, "replicas") - count(old, "updatedReplicas")
    new_old = count(new_status, "replicas") - count(new_status, "updatedReplicas")
    return (
        count(new_status, "updatedReplicas") > count(old, "updatedReplicas")
        or new_old < old_old
        or count(new_status, "readyReplicas") > count(old, "readyReplicas")
        or count(new_status, "availableReplicas") > count(old, "availableReplicas")
    )


def deployment_timed_out(deployment: Object, new_status: Object, now: datetime) -> bool:
    """The Progressing condition has not moved for ``progressDeadlineSeconds`` (``DeploymentTimedOut``)."""
    if not has_progress_deadline(deployment):
        return False
    condition = get_condition(new_status, PROGRESSING)
    if condition is None or condition.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if condition.get("reason") == TIMED_OUT_REASON:
        return True
    since = parse_time(condition.get("lastUpdateTime"))
    if since is None:
        return False
    deadline = int(deployment["spec"]["progressDeadlineSeconds"])
    return since + timedelta(seconds=deadline) < now
