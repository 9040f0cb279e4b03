"""Revision and replica annotations a Deployment keeps on its ReplicaSets (upstream's
``pkg/controller/deployment/util/deployment_util.go``).

* ``deployment.kubernetes.io/revision`` numbers rollouts: the new ReplicaSet gets the highest old revision
  plus one, and the Deployment copies its new ReplicaSet's revision. A rollback makes an old ReplicaSet new
  again: it gets a fresh number and remembers the old ones in ``deployment.kubernetes.io/revision-history``.
* ``deployment.kubernetes.io/desired-replicas`` and ``max-replicas`` (replicas, and replicas + maxSurge, when
  the ReplicaSet was last scaled) tell a scaling event from a rollout and drive proportional scaling.
* Every other Deployment annotation (``kubernetes.io/change-cause`` included, which ``kubectl rollout
  history`` shows) is copied onto the new ReplicaSet, except ``kubectl.kubernetes.io/last-applied-
  configuration`` and the ones above.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

Object = dict[str, Any]

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED_CONFIG_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
#: extensions/v1beta1's ``spec.rollbackTo``, kept as an annotation when such a Deployment is converted.
DEPRECATED_ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to"
#: Upstream's ``maxRevHistoryLengthInChars``: the revision history annotation stays under ~100 entries.
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000

_SKIPPED = frozenset(
    {
        LAST_APPLIED_CONFIG_ANNOTATION,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        MAX_REPLICAS_ANNOTATION,
        DEPRECATED_ROLLBACK_TO_ANNOTATION,
    }
)


def annotations_of(obj: Object) -> dict[str, str]:
    """The object's annotations dict, created if missing (``obj`` must be the caller's own copy)."""
    metadata = obj.setdefault("metadata", {})
    if not isinstance(metadata.get("annotations"), dict):
        metadata["annotations"] = {}
    found: dict[str, str] = metadata["annotations"]
    return found


def revision(obj: Object) -> int:
    """The revision annotation (0 if absent); ``ValueError`` if it is not a number."""
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION)
    return 0 if value is None else int(value, 10)


def max_revision(replica_sets: list[Object]) -> int:
    best = 0
    for rs in replica_sets:
        try:
            best = max(best, revision(rs))
        except ValueError:
            log.info("couldn't parse the revision of ReplicaSet %s; skipping it", rs["metadata"]["name"])
    return best


def last_revision(replica_sets: list[Object]) -> int:
    """The second-highest revision: what ``rollout undo`` without ``--to-revision`` goes back to."""
    top = second = 0
    for rs in replica_sets:
        try:
            value = revision(rs)
        except ValueError:
            continue
        if value >= top:
            top, second = value, top
        elif value > second:
            second = value
    return second


def set_deployment_revision(deployment: Object, value: str) -> bool:
    current = annotations_of(deployment)
    if current.get(REVISION_ANNOTATION) == value:
        return False
    current[REVISION_ANNOTATION] = value
    return True


def set_new_replica_set_annotations(
    deployment: Object,
    rs: Object,
    new_revision: str,
    exists: bool,
    max_surge: int,
    history_limit: int = MAX_REV_HISTORY_LENGTH_IN_CHARS,
) -> bool:
    """Copy the Deployment's annotations and raise the revision of ``rs`` (the caller's copy) to
    ``new_revision`` if lower, keeping the old one in the revision history; a new ReplicaSet also gets the
    replica annotations. Returns whether anything changed (upstream's ``SetNewReplicaSetAnnotations``)."""
    changed = copy_deployment_annotations(deployment, rs)
    current = annotations_of(rs)
    old_revision = current.get(REVISION_ANNOTATION)
    try:
        old_value = int(old_revision, 10) if old_revision else 0
    except ValueError:
        log.warning(
            "ReplicaSet %s has a revision that is not a number: %r", rs["metadata"]["name"], old_revision
        )
        return False
    new_value = int(new_revision, 10)
    if old_value < new_value:
        current[REVISION_ANNOTATION] = new_revision
        changed = True
        if old_revision is not None:
            _append_history(current, old_revision, history_limit)
    replicas = int((deployment.get("spec") or {}).get("replicas") or 0)
    if not exists and set_replicas_annotations(rs, replicas, replicas + max_surge):
        changed = True
    return changed


def _append_history(current: dict[str, str], old_revision: str, limit: int) -> None:
    history = current.get(REVISION_HISTORY_ANNOTATION, "")
    if not history:
        current[REVISION_HISTORY_ANNOTATION] = old_revision
        return
    entries = history.split(",")
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > limit and start < len(entries):
        total -= len(entries[start]) + 1
        start += 1
    if total <= limit:
        current[REVISION_HISTORY_ANNOTATION] = ",".join([*entries[start:], old_revision])
    else:
        log.warning("not appending revision due to length limit of %d reached", limit)


def copy_deployment_annotations(deployment: Object, rs: Object) -> bool:
    """Copy every annotation but the skipped ones onto ``rs``; returns whether any changed."""
    target = annotations_of(rs)
    changed = False
    for key, value in ((deployment.get("metadata") or {}).get("annotations") or {}).items():
        if key in _SKIPPED or target.get(key) == value:
            continue
        target[key] = value
        changed = True
    return changed


def set_deployment_annotations_to(deployment: Object, rs: Object) -> None:
    """A rollback takes the old ReplicaSet's annotations (``SetDeploymentAnnotationsTo``)."""
    current = annotations_of(deployment)
    kept = {key: value for key, value in current.items() if key in _SKIPPED}
    kept.update(
        {k: v for k, v in ((rs.get("metadata") or {}).get("annotations") or {}).items() if k not in _SKIPPED}
    )
    deployment["metadata"]["annotations"] = kept


def int_annotation(rs: Object, key: str) -> int | None:
    value = ((rs.get("metadata") or {}).get("annotations") or {}).get(key)
    if value is None:
        return None
    try:
        return int(value, 10)
    except ValueError:
        log.info(
            "cannot convert the value %r with annotation key %r for ReplicaSet %s",
            value,
            key,
            rs["metadata"]["name"],
        )
        return None


def replicas_annotations_need_update(rs: Object, desired: int, maximum: int) -> bool:
    current = (rs.get("metadata") or {}).get("annotations") or {}
    return current.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or current.get(
        MAX_REPLICAS_ANNOTATION
    ) != str(maximum)


def set_replicas_annotations(rs: Object, desired: int, maximum: int) -> bool:
    if not replicas_annotations_need_update(rs, desired, maximum):
        return False
    current = annotations_of(rs)
    current[DESIRED_REPLICAS_ANNOTATION] = str(desired)
    current[MAX_REPLICAS_ANNOTATION] = str(maximum)
    return True
