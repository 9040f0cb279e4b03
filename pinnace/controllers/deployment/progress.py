"""Rollout status and the progress deadline (upstream's ``pkg/controller/deployment/progress.go``).

After a rollout step the Deployment's status is recomputed and its ``Progressing`` condition moved on:
``NewReplicaSetAvailable`` once complete, ``ReplicaSetUpdated`` (refreshing ``lastUpdateTime``) whenever
pods moved, ``ProgressDeadlineExceeded`` (False) when ``lastUpdateTime`` is older than
``progressDeadlineSeconds``. A Deployment that did not move is re-queued for the moment its deadline passes,
so the timeout is reported without any other event.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pinnace.api.gofmt import go_quote
from pinnace.client.keys import key_of
from pinnace.controllers.deployment import conditions as cond
from pinnace.controllers.deployment.sync import Deployer, normalized_status
from pinnace.controllers.podutil import parse_time

log = logging.getLogger(__name__)

Object = dict[str, Any]


async def sync_rollout_status(
    dc: Deployer, all_rss: list[Object | None], new_rs: Object | None, d: Object
) -> None:
    new_status = dc.calculate_status(all_rss, new_rs, d)
    now = dc.clock.now()
    if not cond.has_progress_deadline(d):
        cond.remove_condition(new_status, cond.PROGRESSING)
    current = cond.get_condition(d.get("status") or {}, cond.PROGRESSING)
    complete_before = (
        int(new_status.get("replicas") or 0) == int(new_status.get("updatedReplicas") or 0)
        and current is not None
        and current.get("reason") == cond.NEW_RS_AVAILABLE_REASON
    )
    subject = (
        f"ReplicaSet {go_quote(new_rs['metadata']['name'])}"
        if new_rs is not None
        else f"Deployment {go_quote(d['metadata']['name'])}"
    )
    if cond.has_progress_deadline(d) and not complete_before:
        if cond.deployment_complete(d, new_status):
            cond.set_condition(
                new_status,
                cond.new_condition(
                    cond.PROGRESSING,
                    "True",
                    cond.NEW_RS_AVAILABLE_REASON,
                    f"{subject} has successfully progressed.",
                    now,
                ),
            )
        elif cond.deployment_progressing(d, new_status):
            # Progress refreshes lastUpdateTime even with the same reason, so set_condition's "same status and
            # reason: nothing to do" must be bypassed; a True condition keeps its lastTransitionTime.
            condition = cond.new_condition(
                cond.PROGRESSING, "True", cond.REPLICA_SET_UPDATED_REASON, f"{subject} is progressing.", now
            )
            if current is not None:
                if current.get("status") == "True":
                    condition["lastTransitionTime"] = current.get("lastTransitionTime")
                cond.remove_condition(new_status, cond.PROGRESSING)
            cond.set_condition(new_status, condition)
        elif cond.deployment_timed_out(d, new_status, now):
            cond.set_condition(
                new_status,
                cond.new_condition(
                    cond.PROGRESSING,
                    "False",
                    cond.TIMED_OUT_REASON,
                    f"{subject} has timed out progressing.",
                    now,
                ),
            )
    failures = replica_failures(all_rss, new_rs)
    if failures:
        cond.set_condition(new_status, failures[0])
    else:
        cond.remove_condition(new_status, cond.REPLICA_FAILURE)
    new_status = normalized_status(new_status)
    if normalized_status(d.get("status") or {}) == new_status:
        requeue_stuck_deployment(dc, d, new_status)
        return
    d["status"] = new_status
    await dc.update_status(d)


def replica_failures(all_rss: list[Object | None], new_rs: Object | None) -> list[Object]:
    """``ReplicaFailure`` conditions of the new ReplicaSet, else of any ReplicaSet, as Deployment ones."""

    def failures(rs: Object | None) -> list[Object]:
        if rs is None:
            return []
        return [
            cond.replica_set_to_deployment_condition(c)
            for c in (rs.get("status") or {}).get("conditions") or []
            if c.get("type") == cond.REPLICA_FAILURE
        ]

    found = failures(new_rs)
    if found:
        return found
    return [condition for rs in all_rss for condition in failures(rs)]


def requeue_stuck_deployment(dc: Deployer, d: Object, new_status: Object) -> float:
    """Queue ``d`` for when its progress deadline passes; returns the delay (-1: no check needed)."""
    current = cond.get_condition(d.get("status") or {}, cond.PROGRESSING)
    if not cond.has_progress_deadline(d) or current is None:
        return -1.0
    if cond.deployment_complete(d, new_status) or current.get("reason") == cond.TIMED_OUT_REASON:
        return -1.0
    since = parse_time(current.get("lastUpdateTime"))
    if since is None:
        return -1.0
    deadline = since + timedelta(seconds=int(d["spec"]["progressDeadlineSeconds"]))
    after = (deadline - dc.clock.now()).total_seconds()
    key = key_of(d)
    if after < 1.0:
        log.debug("deployment %s: queueing up for a progress check now", key)
        dc.queue.add_rate_limited(key)
        return 0.0
    # A second more avoids waking just before the deadline (kubernetes#39785).
    dc.queue.add_after(key, after + 1.0)
    return after
