"""The Recreate strategy (upstream's ``pkg/controller/deployment/recreate.go``): scale every old ReplicaSet to
zero, wait until no old pod is left running, then create (or scale up) the new ReplicaSet in one step.
"""

from __future__ import annotations

from typing import Any

from pinnace.controllers.deployment import conditions as cond
from pinnace.controllers.deployment import util
from pinnace.controllers.deployment.progress import sync_rollout_status
from pinnace.controllers.deployment.sync import Deployer

Object = dict[str, Any]


async def rollout_recreate(
    dc: Deployer, d: Object, rs_list: list[Object], pod_map: dict[str, list[Object]]
) -> None:
    # No new ReplicaSet yet: it must not scale up before the old pods are gone.
    new_rs, old_rss = await dc.get_all_replica_sets_and_sync_revision(d, rs_list, False)
    all_rss: list[Object | None] = [*old_rss, new_rs]
    if await scale_down_old_replica_sets_for_recreate(dc, util.filter_active(old_rss), d):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return
    if old_pods_running(new_rs, old_rss, pod_map):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return
    if new_rs is None:
        new_rs, old_rss = await dc.get_all_replica_sets_and_sync_revision(d, rs_list, True)
        all_rss = [*old_rss, new_rs]
    assert new_rs is not None
    await dc.scale_replica_set_and_record_event(new_rs, cond.spec_replicas(d), d)
    if cond.deployment_complete(d, d.get("status") or {}):
        await dc.cleanup_deployment(old_rss, d)
    await sync_rollout_status(dc, all_rss, new_rs, d)


async def scale_down_old_replica_sets_for_recreate(dc: Deployer, old_rss: list[Object], d: Object) -> bool:
    scaled = False
    for rs in old_rss:
        if util.rs_replicas(rs) == 0:
            continue
        changed, _ = await dc.scale_replica_set_and_record_event(rs, 0, d)
        scaled = scaled or changed
    return scaled


def old_pods_running(new_rs: Object | None, old_rss: list[Object], pod_map: dict[str, list[Object]]) -> bool:
    """An old ReplicaSet still reports pods, or an old pod has not finished (``oldPodsRunning``)."""
    if util.actual_replica_count(old_rss) > 0:
        return True
    new_uid = new_rs["metadata"]["uid"] if new_rs is not None else None
    for uid, pods in pod_map.items():
        if uid == new_uid:
            continue
        for pod in pods:
            if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                return True
    return False
