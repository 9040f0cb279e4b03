"""How deletion proceeds (apiserver/pkg/registry/generic/registry/store.go: BeforeDelete, finalizers).

A DELETE removes an object at once unless something must happen first: finalizers (a client's,
or ``orphan``/``foregroundDeletion`` added for the garbage collector by the propagation policy),
a namespace's ``kubernetes`` finalizer for the namespace controller, or a pod's grace period for
its kubelet. Then the object gets a ``deletionTimestamp`` and stays until an update clears what
held it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pinnace.apiserver.rest import objectmeta
from pinnace.apiserver.rest.strategy import Strategy

Object = dict[str, Any]

# Pods deleted without an explicit grace period wait this long unless their spec says otherwise.
DEFAULT_POD_GRACE_SECONDS = 30


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str = ""
    precondition_uid: str = ""
    precondition_resource_version: str = ""
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class DeleteResult:
    """``object`` is the last state; ``finished`` False when deletion waits (grace period, finalizers)."""

    object: Object
    finished: bool


def precondition_failure(current: Object, options: DeleteOptions) -> str:
    """Upstream's message when a DeleteOptions precondition does not hold, else ""."""
    metadata = current["metadata"]
    if options.precondition_uid and options.precondition_uid != metadata.get("uid"):
        return (
            f"Precondition failed: UID in precondition: {options.precondition_uid}, "
            f"UID in object meta: {metadata.get('uid')}"
        )
    wanted = options.precondition_resource_version
    if wanted and wanted != metadata.get("resourceVersion"):
        return (
            f"Precondition failed: ResourceVersion in precondition: {wanted}, "
            f"ResourceVersion in object meta: {metadata.get('resourceVersion')}"
        )
    return ""


def grace_period(current: Object, options: DeleteOptions, strategy: Strategy) -> int:
    if not strategy.graceful_deletion:
        return 0
    spec = current.get("spec", {})
    # Pods that never reached a node, or already finished, have nothing to stop.
    if not spec.get("nodeName") or current.get("status", {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    if options.grace_period_seconds is not None:
        return max(0, options.grace_period_seconds)
    return int(spec.get("terminationGracePeriodSeconds", DEFAULT_POD_GRACE_SECONDS))


def mark_for_deletion(
    current: Object, options: DeleteOptions, strategy: Strategy, now: datetime
) -> Object | None:
    """The object as it should be stored while deletion waits, or None to delete it now."""
    finalizers: list[str] = list(current["metadata"].get("finalizers", []))
    policy = options.propagation_policy
    if policy == "Orphan" and "orphan" not in finalizers:
        finalizers.append("orphan")
    elif policy == "Foreground" and "foregroundDeletion" not in finalizers:
        finalizers.append("foregroundDeletion")
    grace = grace_period(current, options, strategy)
    spec_finalizers = strategy.spec_finalizers and bool(current.get("spec", {}).get("finalizers"))
    if not finalizers and grace == 0 and not spec_finalizers:
        return None
    updated = copy.deepcopy(current)
    if strategy.spec_finalizers:
        updated.setdefault("status", {})["phase"] = "Terminating"
    metadata = updated["metadata"]
    if finalizers:
        metadata["finalizers"] = finalizers
    existing_grace = metadata.get("deletionGracePeriodSeconds")
    # A second DELETE may only shorten the grace period, never lengthen it.
    if "deletionTimestamp" not in metadata or (existing_grace is not None and grace < int(existing_grace)):
        metadata["deletionTimestamp"] = objectmeta.rfc3339(now + timedelta(seconds=grace))
        metadata["deletionGracePeriodSeconds"] = grace
    return updated


def finished_deleting(obj: Object, strategy: Strategy) -> bool:
    """An object being deleted goes when the last thing holding it does."""
    metadata = obj.get("metadata", {})
    if "deletionTimestamp" not in metadata or metadata.get("finalizers"):
        return False
    if strategy.spec_finalizers and obj.get("spec", {}).get("finalizers"):
        return False
    return int(metadata.get("deletionGracePeriodSeconds", 0) or 0) == 0


def new_finalizers(new: Object, current: Object) -> set[str]:
    """Finalizers an update adds to an object already being deleted (upstream forbids them)."""
    if "deletionTimestamp" not in current.get("metadata", {}):
        return set()
    return set(new["metadata"].get("finalizers", [])) - set(current["metadata"].get("finalizers", []))
