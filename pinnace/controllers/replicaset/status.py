"""ReplicaSet (and ReplicationController) status, as upstream's ``replica_set_utils.go`` computes it.

``replicas`` counts the active pods the controller owns, ``fullyLabeledReplicas`` those whose labels still
carry every label of the template, ``readyReplicas`` the Ready ones and ``availableReplicas`` those Ready for
``minReadySeconds``. A failed create or delete sets the ``ReplicaFailure`` condition (reason ``FailedCreate``
or ``FailedDelete``, message the API error); the next sync without an error removes it.

Fields are written as the Go types serialise them: ``replicas`` always, the other counts and
``observedGeneration`` only when non-zero (``omitempty``).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from pinnace.api.labels import selector_from_set
from pinnace.controllers.podutil import is_pod_available, is_pod_ready
from pinnace.controllers.replicaset.kinds import min_ready_seconds, replicas

Object = dict[str, Any]

REPLICA_FAILURE = "ReplicaFailure"
_COUNTS = ("fullyLabeledReplicas", "readyReplicas", "availableReplicas")


def calculate_status(
    controller: Object, pods: list[Object], manage_error: Exception | None, now: datetime
) -> Object:
    """The status ``controller`` should have, given its active owned ``pods``."""
    status = copy.deepcopy(controller.get("status") or {})
    template_labels = ((controller.get("spec") or {}).get("template") or {}).get("metadata") or {}
    template_selector = selector_from_set(template_labels.get("labels") or {})
    wait = min_ready_seconds(controller)
    fully_labeled = ready = available = 0
    for pod in pods:
        if template_selector.matches((pod.get("metadata") or {}).get("labels") or {}):
            fully_labeled += 1
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, wait, now):
                available += 1
    conditions: list[Object] = list(status.get("conditions") or [])
    failure = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
    if manage_error is not None and failure is None:
        diff = len(pods) - replicas(controller)
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append(
            {
                "type": REPLICA_FAILURE,
                "status": "True",
                "lastTransitionTime": format_time(now),
                "reason": reason,
                "message": _error_text(manage_error),
            }
        )
    elif manage_error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != REPLICA_FAILURE]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)
    status["replicas"] = len(pods)
    for name, value in zip(_COUNTS, (fully_labeled, ready, available), strict=True):
        _set_omitempty(status, name, value)
    return status


def status_unchanged(controller: Object, new_status: Object) -> bool:
    """Upstream's early return in ``updateReplicaSetStatus``: counts, conditions, generation all current."""
    current = controller.get("status") or {}
    generation = int((controller.get("metadata") or {}).get("generation") or 0)
    return (
        int(current.get("replicas") or 0) == new_status["replicas"]
        and all(int(current.get(name) or 0) == int(new_status.get(name) or 0) for name in _COUNTS)
        and generation == int(current.get("observedGeneration") or 0)
        and list(current.get("conditions") or []) == list(new_status.get("conditions") or [])
    )


def with_observed_generation(controller: Object, new_status: Object) -> Object:
    status = dict(new_status)
    _set_omitempty(
        status, "observedGeneration", int((controller.get("metadata") or {}).get("generation") or 0)
    )
    return status


def _set_omitempty(status: Object, name: str, value: int) -> None:
    if value:
        status[name] = value
    else:
        status.pop(name, None)


def format_time(moment: datetime) -> str:
    """A ``metav1.Time`` as the API writes it: RFC 3339 in UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error_text(error: Exception) -> str:
    """``err.Error()``: an API error's message (the Status message), else the exception's text."""
    message = getattr(error, "message", None)
    return str(message) if message else str(error)
