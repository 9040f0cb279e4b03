"""The RollingUpdate strategy (upstream's ``pkg/controller/deployment/rolling.go``).

Each sync takes one step: scale the new ReplicaSet up as far as ``replicas + maxSurge`` allows; if nothing
could be added, scale old ReplicaSets down as far as ``replicas - maxUnavailable`` available pods allow —
their unhealthy pods first, since losing those costs no availability. Once the rollout is complete, old
ReplicaSets beyond ``revisionHistoryLimit`` are deleted.
"""

from __future__ import annotations

import logging
from typing import Any

from pinnace.client.errors import ApiError
from pinnace.client.keys import key_of
from pinnace.controllers.deployment import conditions as cond
from pinnace.controllers.deployment import util
from pinnace.controllers.deployment.progress import sync_rollout_status
from pinnace.controllers.deployment.sync import Deployer

log = logging.getLogger(__name__)

Object = dict[str, Any]


async def rollout_rolling(dc: Deployer, d: Object, rs_list: list[Object]) -> None:
    new_rs, old_rss = await dc.get_all_replica_sets_and_sync_revision(d, rs_list, True)
    assert new_rs is not None  # created if missing
    all_rss: list[Object | None] = [*old_rss, new_rs]
    if await reconcile_new_replica_set(dc, all_rss, new_rs, d):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return
    if await reconcile_old_replica_sets(dc, all_rss, util.filter_active(old_rss), new_rs, d):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return
    if cond.deployment_complete(d, d.get("status") or {}):
        await dc.cleanup_deployment(old_rss, d)
    await sync_rollout_status(dc, all_rss, new_rs, d)


async def reconcile_new_replica_set(
    dc: Deployer, all_rss: list[Object | None], new_rs: Object, d: Object
) -> bool:
    replicas = cond.spec_replicas(d)
    if util.rs_replicas(new_rs) == replicas:
        return False
    if util.rs_replicas(new_rs) > replicas:
        scaled, _ = await dc.scale_replica_set_and_record_event(new_rs, replicas, d)
        return scaled
    count = util.new_rs_new_replicas(d, all_rss, new_rs)
    scaled, _ = await dc.scale_replica_set_and_record_event(new_rs, count, d)
    return scaled


async def reconcile_old_replica_sets(
    dc: Deployer, all_rss: list[Object | None], old_rss: list[Object], new_rs: Object, d: Object
) -> bool:
    """Scale old ReplicaSets down as far as availability allows. The bound counts the new ReplicaSet's
    unavailable pods too, so a broken new template never drains the old pods (see upstream's comment)."""
    if util.replica_count(old_rss) == 0:
        return False
    all_pods = util.replica_count(all_rss)
    min_available = cond.spec_replicas(d) - util.max_unavailable(d)
    new_unavailable = util.rs_replicas(new_rs) - int(
        (new_rs.get("status") or {}).get("availableReplicas") or 0
    )
    max_scaled_down = all_pods - min_available - new_unavailable
    if max_scaled_down <= 0:
        return False
    try:
        old_rss, cleaned = await cleanup_unhealthy_replicas(dc, old_rss, d, max_scaled_down)
        scaled_down = await scale_down_old_replica_sets(dc, [*old_rss, new_rs], old_rss, d)
    except ApiError as err:  # upstream swallows these too: this sync just made no progress
        log.info("deployment %s: scaling down old ReplicaSets failed: %s", key_of(d), err)
        return False
    return cleaned + scaled_down > 0


async def cleanup_unhealthy_replicas(
    dc: Deployer, old_rss: list[Object], d: Object, max_cleanup: int
) -> tuple[list[Object], int]:
    """Scale old ReplicaSets down by their unavailable pods (oldest first, at most ``max_cleanup``); the
    ReplicaSet controller deletes not-ready pods first, so availability does not drop."""
    old_rss = util.sort_by_creation(old_rss)
    total = 0
    for index, rs in enumerate(old_rss):
        if total >= max_cleanup:
            break
        replicas = util.rs_replicas(rs)
        available = int((rs.get("status") or {}).get("availableReplicas") or 0)
        if replicas == 0 or replicas == available:
            continue
        count = min(max_cleanup - total, replicas - available)
        _, old_rss[index] = await dc.scale_replica_set_and_record_event(rs, replicas - count, d)
        total += count
    return old_rss, total


async def scale_down_old_replica_sets(
    dc: Deployer, all_rss: list[Object | None], old_rss: list[Object], d: Object
) -> int:
    """Scale old ReplicaSets down (oldest first) by the available pods above ``replicas - maxUnavailable``."""
    min_available = cond.spec_replicas(d) - util.max_unavailable(d)
    available = util.available_replica_count(all_rss)
    if available <= min_available:
        return 0
    total = 0
    budget = available - min_available
    for rs in util.sort_by_creation(old_rss):
        if total >= budget:
            break
        replicas = util.rs_replicas(rs)
        if replicas == 0:
            continue
        count = min(replicas, budget - total)
        await dc.scale_replica_set_and_record_event(rs, replicas - count, d)
        total += count
    return total
