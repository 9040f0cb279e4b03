"""Replica arithmetic of a Deployment over its ReplicaSets (upstream's ``deployment_util.go`` and the
ReplicaSet sorts of ``controller_utils.go``): surge and unavailability limits, which ReplicaSet is new,
proportional scaling, saturation.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pinnace.controllers.deployment.annotations import (
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    int_annotation,
    revision,
)
from pinnace.controllers.deployment.conditions import spec_replicas
from pinnace.controllers.deployment.hash import equal_ignore_hash
from pinnace.controllers.intstr import scaled_value_from_int_or_percent
from pinnace.controllers.podutil import parse_time

Object = dict[str, Any]

ROLLING_UPDATE = "RollingUpdate"
RECREATE = "Recreate"
_MAX_INT32 = 2**31 - 1


def rs_replicas(rs: Object | None) -> int:
    """A ReplicaSet's ``spec.replicas`` (0 for none)."""
    if rs is None:
        return 0
    value = (rs.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def _status(rs: Object | None, name: str) -> int:
    return 0 if rs is None else int((rs.get("status") or {}).get(name) or 0)


def replica_count(replica_sets: Iterable[Object | None]) -> int:
    """Sum of ``spec.replicas`` (``GetReplicaCountForReplicaSets``)."""
    return sum(rs_replicas(rs) for rs in replica_sets if rs is not None)


def actual_replica_count(replica_sets: Iterable[Object | None]) -> int:
    return sum(_status(rs, "replicas") for rs in replica_sets)


def ready_replica_count(replica_sets: Iterable[Object | None]) -> int:
    return sum(_status(rs, "readyReplicas") for rs in replica_sets)


def available_replica_count(replica_sets: Iterable[Object | None]) -> int:
    return sum(_status(rs, "availableReplicas") for rs in replica_sets)


def strategy_type(deployment: Object) -> str:
    return str(((deployment.get("spec") or {}).get("strategy") or {}).get("type") or "")


def is_rolling_update(deployment: Object) -> bool:
    return strategy_type(deployment) == ROLLING_UPDATE


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """Surge rounds up, unavailability down; if both come out 0, one pod may be unavailable (surge might be
    impossible under a quota). ``IntOrPercentError`` for values validation should have refused."""
    surge = scaled_value_from_int_or_percent(0 if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value_from_int_or_percent(
        0 if max_unavailable is None else max_unavailable, desired, False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _rolling_params(deployment: Object) -> tuple[Any, Any]:
    rolling = ((deployment.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    return rolling.get("maxSurge"), rolling.get("maxUnavailable")


def max_unavailable(deployment: Object) -> int:
    replicas = spec_replicas(deployment)
    if not is_rolling_update(deployment) or replicas == 0:
        return 0
    _, unavailable = resolve_fenceposts(*_rolling_params(deployment), replicas)
    return min(unavailable, replicas)


def max_surge(deployment: Object) -> int:
    if not is_rolling_update(deployment):
        return 0
    surge, _ = resolve_fenceposts(*_rolling_params(deployment), spec_replicas(deployment))
    return surge


def find_new_replica_set(deployment: Object, replica_sets: list[Object]) -> Object | None:
    """The oldest ReplicaSet whose template equals the Deployment's (ignoring ``pod-template-hash``)."""
    template = (deployment.get("spec") or {}).get("template") or {}
    for rs in sort_by_creation(replica_sets):
        if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template):
            return rs
    return None


def find_old_replica_sets(
    deployment: Object, replica_sets: list[Object]
) -> tuple[list[Object], list[Object]]:
    """(old ReplicaSets with replicas, all old ReplicaSets)."""
    new = find_new_replica_set(deployment, replica_sets)
    new_uid = new["metadata"]["uid"] if new is not None else None
    every = [rs for rs in replica_sets if rs["metadata"].get("uid") != new_uid]
    return [rs for rs in every if rs_replicas(rs) != 0], every


def filter_active(replica_sets: Iterable[Object | None]) -> list[Object]:
    """ReplicaSets asked for at least one pod (``FilterActiveReplicaSets``)."""
    return [rs for rs in replica_sets if rs is not None and rs_replicas(rs) > 0]


def find_active_or_latest(new_rs: Object | None, old_rss: list[Object]) -> Object | None:
    """The only active ReplicaSet, the newest one if none is active, or None when several are active."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sort_by_creation(old_rss, reverse=True)
    active = filter_active([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    return active[0] if len(active) == 1 else None


def new_rs_new_replicas(deployment: Object, all_rss: list[Object | None], new_rs: Object) -> int:
    """How many replicas the new ReplicaSet may have now (``NewRSNewReplicas``)."""
    kind = strategy_type(deployment)
    replicas = spec_replicas(deployment)
    if kind == ROLLING_UPDATE:
        surge = scaled_value_from_int_or_percent(_rolling_params(deployment)[0], replicas, True)
        current = replica_count(all_rss)
        most = replicas + surge
        if current >= most:
            return rs_replicas(new_rs)
        scale_up = min(most - current, replicas - rs_replicas(new_rs))
        return rs_replicas(new_rs) + scale_up
    if kind == RECREATE:
        return replicas
    raise ValueError(f"deployment type {kind} isn't supported")


def is_saturated(deployment: Object, rs: Object | None) -> bool:
    """The ReplicaSet owns all desired replicas, believes so itself, and all are available."""
    if rs is None:
        return False
    desired = int_annotation(rs, DESIRED_REPLICAS_ANNOTATION)
    if desired is None:
        return False
    replicas = spec_replicas(deployment)
    return (
        rs_replicas(rs) == replicas and desired == replicas and _status(rs, "availableReplicas") == replicas
    )


def get_proportion(rs: Object | None, deployment: Object, to_add: int, added: int) -> int:
    """This ReplicaSet's share of a scaling event, kept within what may still be added or removed."""
    if rs is None or rs_replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _replica_set_fraction(rs, deployment)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _replica_set_fraction(rs: Object, deployment: Object) -> int:
    replicas = spec_replicas(deployment)
    if replicas == 0:
        return -rs_replicas(rs)
    deployment_replicas = replicas + max_surge(deployment)
    annotated = int_annotation(rs, MAX_REPLICAS_ANNOTATION)
    if annotated is None:
        # Without the annotation, fall back to the current size; min/max in get_proportion keep us in bounds.
        annotated = int((deployment.get("status") or {}).get("replicas") or 0)
    if annotated == 0:
        return 0
    return _round_half_away(rs_replicas(rs) * deployment_replicas / annotated) - rs_replicas(rs)


def _round_half_away(value: float) -> int:
    """``integer.RoundToInt32``: math.Round, halves away from zero."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def has_revision_history_limit(deployment: Object) -> bool:
    value = (deployment.get("spec") or {}).get("revisionHistoryLimit")
    return value is not None and int(value) != _MAX_INT32


# Sorting (controller_utils.go) -------------------------------------------------------------------------


def _created(rs: Object) -> datetime | None:
    return parse_time((rs.get("metadata") or {}).get("creationTimestamp"))


def _compare_creation(a: Object, b: Object) -> int:
    """``ReplicaSetsByCreationTimestamp``: older first, then by name."""
    a_time, b_time = _created(a), _created(b)
    if a_time == b_time or a_time is None or b_time is None:
        a_name, b_name = str(a["metadata"]["name"]), str(b["metadata"]["name"])
        return (a_name > b_name) - (a_name < b_name)
    return -1 if a_time < b_time else 1


def sort_by_creation(replica_sets: Iterable[Object], *, reverse: bool = False) -> list[Object]:
    return sorted(replica_sets, key=functools.cmp_to_key(_compare_creation), reverse=reverse)


def sort_by_size_older(replica_sets: Iterable[Object]) -> list[Object]:
    """``ReplicaSetsBySizeOlder``: larger first, older first among equals (where removals start)."""

    def compare(a: Object, b: Object) -> int:
        if rs_replicas(a) == rs_replicas(b):
            return _compare_creation(a, b)
        return -1 if rs_replicas(a) > rs_replicas(b) else 1

    return sorted(replica_sets, key=functools.cmp_to_key(compare))


def sort_by_size_newer(replica_sets: Iterable[Object]) -> list[Object]:
    """``ReplicaSetsBySizeNewer``: larger first, newer first among equals (where additions start)."""

    def compare(a: Object, b: Object) -> int:
        if rs_replicas(a) == rs_replicas(b):
            return _compare_creation(b, a)
        return -1 if rs_replicas(a) > rs_replicas(b) else 1

    return sorted(replica_sets, key=functools.cmp_to_key(compare))


def sort_by_revision(replica_sets: Iterable[Object]) -> list[Object]:
    """``ReplicaSetsByRevision``: lowest revision first; equal or unparsable revisions by creation."""

    def value(rs: Object) -> int | None:
        try:
            return revision(rs)
        except ValueError:
            return None

    def compare(a: Object, b: Object) -> int:
        a_value, b_value = value(a), value(b)
        if a_value is None or b_value is None or a_value == b_value:
            return _compare_creation(a, b)
        return -1 if a_value < b_value else 1

    return sorted(replica_sets, key=functools.cmp_to_key(compare))
