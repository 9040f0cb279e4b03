"""One pass of the StatefulSet control loop over a set and its pods (upstream's
``stateful_set_control.go``, ``defaultStatefulSetControl.UpdateStatefulSet``).

1. **Revisions**: the set's template as a ControllerRevision. An equal revision that is not the newest is
   a roll back, and gets the next ``.revision`` number; a new template gets a new revision (name collisions
   bump ``status.collisionCount``). ``status.currentRevision`` stays the revision most pods run until a
   rolling update completes.
2. **Replicas**: pods ``start .. start+replicas-1`` are replicas, other ordinals are condemned. Missing
   replicas are created (claims first) at the current revision below the partition and at the update
   revision from it. ``OrderedReady`` goes one pod at a time: it creates the next pod only once every
   earlier one is Running, Ready and available, and deletes condemned pods highest ordinal first, one at a
   time, only while all replicas are healthy. ``Parallel`` does both in slow-start batches, without waiting.
3. **Rolling update** (``RollingUpdate``; ``OnDelete`` stops here): from the highest ordinal down to the
   partition, delete the first pod not at the update revision, unless a pod is unavailable; with
   ``rollingUpdate.maxUnavailable`` (alpha ``MaxUnavailableStatefulSet``, honoured when the field is set)
   delete up to that many at once.
4. **Status** and **history**: write status when it changed; delete the oldest revisions that no pod,
   nor the current or update revision, uses beyond ``revisionHistoryLimit``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pinnace.api.labels import from_label_selector_object
from pinnace.client.clock import Clock
from pinnace.client.errors import ApiError, NotFound
from pinnace.client.keys import key_of
from pinnace.controllers import history as hist
from pinnace.controllers.intstr import scaled_value_from_int_or_percent
from pinnace.controllers.podcontrol import slow_start_batch
from pinnace.controllers.statefulset import identity as ident
from pinnace.controllers.statefulset.podcontrol import ClaimError, StatefulPodControl
from pinnace.controllers.statefulset.status import StatusWriter, complete_rolling_update, compute_status

log = logging.getLogger(__name__)

Object = dict[str, Any]
Step = Callable[[int], Awaitable[bool]]

#: The errors a pass reports (and is re-queued for) after still writing status and trimming history.
SyncErrors = (ApiError, ClaimError)


@dataclass
class Revisions:
    current: Object
    update: Object
    collision_count: int


def new_revision(sts: Object, revision: int, collision_count: int) -> Object:
    """``newRevision``: the template patch, labelled as the template, annotated as the set."""
    template_labels = (((sts.get("spec") or {}).get("template") or {}).get("metadata") or {}).get(
        "labels"
    ) or {}
    body = hist.new_controller_revision(
        sts,
        ident.API_VERSION,
        ident.KIND,
        template_labels,
        hist.template_patch(sts),
        revision,
        collision_count,
    )
    annotations = (sts.get("metadata") or {}).get("annotations")
    if annotations:
        body["metadata"]["annotations"] = dict(annotations)
    return body


async def run_for_all(count: int, step: Step, monotonic: bool) -> bool:
    """``runForAll``: in order until a step says stop (OrderedReady), or every step in slow-start batches
    (Parallel). True when the pass must end here; errors propagate."""
    if monotonic:
        for index in range(count):
            if await step(index):
                return True
        return False
    indexes = iter(range(count))
    _, error = await slow_start_batch(count, lambda: step(next(indexes)))
    if error is not None:
        raise error
    return False


class StatefulSetControl:
    def __init__(
        self, pod_control: StatefulPodControl, history: hist.History, status: StatusWriter, clock: Clock
    ) -> None:
        self.pod_control = pod_control
        self.history = history
        self.status_writer = status
        self.clock = clock

    def list_revisions(self, sts: Object) -> list[Object]:
        selector = from_label_selector_object((sts.get("spec") or {}).get("selector"))
        return self.history.list_controller_revisions(sts, selector)

    async def adopt_orphan_revisions(self, sts: Object, revisions: list[Object]) -> None:
        for revision in revisions:
            await self.history.adopt_controller_revision(sts, ident.API_VERSION, ident.KIND, revision)

    async def update_stateful_set(self, sts: Object, pods: list[Object]) -> Object | None:
        """``UpdateStatefulSet``: returns the status written (None when the pass failed before computing
        one); raises the pass's first error after status and history were taken care of."""
        sts = copy.deepcopy(sts)
        revisions = hist.sort_controller_revisions(self.list_revisions(sts))
        revs: Revisions | None = None
        status: Object | None = None
        error: Exception | None = None
        try:
            revs = await self.get_stateful_set_revisions(sts, revisions)
            status, error = await self.update_replicas(sts, revs, pods)
            status_error: Exception | None = None
            try:
                await self.update_stateful_set_status(sts, status)
            except ApiError as err:
                status_error = err
            if error is None:
                error = status_error
            elif status_error is not None:
                log.error("StatefulSet %s: could not update status: %s", key_of(sts), status_error)
        except SyncErrors as err:
            error = err
        try:
            await self.truncate_history(sts, pods, revisions, revs)
        except ApiError as err:
            error = error or err
        if error is not None:
            raise error
        return status

    async def get_stateful_set_revisions(self, sts: Object, revisions: list[Object]) -> Revisions:
        """``getStatefulSetRevisions`` (``revisions`` sorted)."""
        status = sts.get("status") or {}
        collision_count = int(status.get("collisionCount") or 0)
        update = new_revision(sts, hist.next_revision(revisions), collision_count)
        equal = hist.find_equal_revisions(revisions, update)
        if equal and hist.equal_revision(revisions[-1], equal[-1]):
            update = revisions[-1]  # the template did not change
        elif equal:
            # Back to an earlier template: that revision becomes the newest again.
            update = await self.history.update_controller_revision(equal[-1], hist.revision_number(update))
        else:
            update, collision_count = await self.history.create_controller_revision(
                sts, update, collision_count
            )
        current_name = status.get("currentRevision")
        current = next((r for r in revisions if r["metadata"]["name"] == current_name), None)
        return Revisions(current or update, update, collision_count)

    async def update_replicas(
        self, sts: Object, revs: Revisions, pods: list[Object]
    ) -> tuple[Object, Exception | None]:
        """``updateStatefulSet``: create, fix and delete pods; returns the status and the error that ended
        the pass early, if any."""
        now = self.clock.now()
        min_ready = ident.min_ready_seconds(sts)
        current_set = hist.apply_revision(sts, revs.current, ident.API_VERSION, ident.KIND)
        update_set = hist.apply_revision(sts, revs.update, ident.API_VERSION, ident.KIND)
        current_name, update_name = revs.current["metadata"]["name"], revs.update["metadata"]["name"]
        base: Object = {
            "observedGeneration": int((sts.get("metadata") or {}).get("generation") or 0),
            "currentRevision": current_name,
            "updateRevision": update_name,
            "collisionCount": revs.collision_count,
        }
        start = ident.start_ordinal(sts)
        count = ident.replicas(sts)
        replicas: list[Object | None] = [None] * count
        condemned: list[Object] = []
        for pod in pods:
            ordinal = ident.get_ordinal(pod)
            if ident.pod_in_ordinal_range(pod, sts):
                replicas[ordinal - start] = pod
            elif ordinal >= 0:
                condemned.append(pod)
        members: list[Object] = [
            pod
            if pod is not None
            else ident.new_versioned_stateful_set_pod(
                current_set, update_set, current_name, update_name, start + i
            )
            for i, pod in enumerate(replicas)
        ]
        condemned.sort(key=ident.get_ordinal, reverse=True)

        def status() -> Object:
            return {**base, **compute_status(members + condemned, min_ready, current_name, update_name, now)}

        # The first unhealthy pod: among replicas in order, else the lowest condemned one.
        unavailable = [pod for pod in members if ident.is_unavailable(pod, min_ready, now)]
        unavailable += [pod for pod in reversed(condemned) if ident.is_unavailable(pod, min_ready, now)]
        first_unavailable = unavailable[0] if unavailable else None
        if (sts.get("metadata") or {}).get("deletionTimestamp"):
            return {**base, **compute_status(pods, min_ready, current_name, update_name, now)}, None
        monotonic = not ident.allows_burst(sts)

        async def process_replica(index: int) -> bool:
            return await self._process_replica(sts, update_set, monotonic, members, index)

        async def fix_claims(index: int) -> bool:
            pod = condemned[index]
            if not self.pod_control.claims_match_retention_policy(update_set, pod):
                await self.pod_control.update_pod_claim_for_retention_policy(update_set, pod)
            return False

        async def process_condemned(index: int) -> bool:
            return await self._process_condemned(sts, first_unavailable, monotonic, condemned, index)

        try:
            for step, steps in ((process_replica, len(members)), (fix_claims, len(condemned))):
                if await run_for_all(steps, step, monotonic):
                    return status(), None
            if await run_for_all(len(condemned), process_condemned, monotonic):
                return status(), None
        except SyncErrors as err:
            return status(), err
        result = status()
        strategy = (sts.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type") == "OnDelete":
            return result, None  # pods are replaced when a user deletes them
        try:
            if (strategy.get("rollingUpdate") or {}).get("maxUnavailable") is not None:
                await self._roll_max_unavailable(sts, members, update_name, result, now)
            else:
                await self._roll_one(sts, members, update_name, result, now)
        except ApiError as err:
            return result, err
        return result, None

    async def _process_replica(
        self, sts: Object, update_set: Object, monotonic: bool, members: list[Object], index: int
    ) -> bool:
        """``processReplica``: True when the pass must stop (OrderedReady waits on this pod)."""
        pod = members[index]
        now = self.clock.now()
        if ident.is_failed(pod) or ident.is_succeeded(pod):
            # A finished pod is replaced: deleted now, created again once it is gone.
            if not ident.is_terminating(pod):
                await self.pod_control.delete_stateful_pod(sts, pod)
            return True
        if not ident.is_created(pod):
            if self.pod_control.pod_claim_is_stale(sts, pod):
                return True  # the garbage collector is still deleting the old claim
            await self.pod_control.create_stateful_pod(sts, pod)
            if monotonic:
                return True
        if ident.is_pending(pod):
            await self.pod_control.create_missing_persistent_volume_claims(sts, pod)
        if monotonic and (
            ident.is_terminating(pod)
            or not ident.is_running_and_ready(pod)
            or not ident.is_running_and_available(pod, ident.min_ready_seconds(sts), now)
        ):
            return True
        retention_match = self.pod_control.claims_match_retention_policy(update_set, pod)
        if ident.identity_matches(sts, pod) and ident.storage_matches(sts, pod) and retention_match:
            return False
        await self.pod_control.update_stateful_pod(update_set, copy.deepcopy(pod))
        return False

    async def _process_condemned(
        self,
        sts: Object,
        first_unavailable: Object | None,
        monotonic: bool,
        condemned: list[Object],
        index: int,
    ) -> bool:
        """``processCondemned``: delete one condemned pod; OrderedReady waits while it is terminating, or
        while an unhealthy pod other than the first unhealthy one would be deleted."""
        pod = condemned[index]
        if ident.is_terminating(pod):
            return monotonic
        healthy = ident.is_running_and_ready(pod) and ident.is_running_and_available(
            pod, ident.min_ready_seconds(sts), self.clock.now()
        )
        if monotonic and not healthy and pod is not first_unavailable:
            return True
        await self.pod_control.delete_stateful_pod(sts, pod)
        return True

    async def _delete_for_update(self, sts: Object, pod: Object, status: Object) -> None:
        try:
            await self.pod_control.delete_stateful_pod(sts, pod)
        except NotFound:
            pass
        status["currentReplicas"] = int(status.get("currentReplicas") or 0) - 1

    async def _roll_one(
        self, sts: Object, members: list[Object], update_name: str, status: Object, now: datetime
    ) -> None:
        """The classic rolling update: the highest pod not at the update revision goes first, and nothing
        goes while a pod at or above the partition is unavailable."""
        min_ready = ident.min_ready_seconds(sts)
        for target in range(len(members) - 1, _partition(sts) - 1, -1):
            pod = members[target]
            if ident.get_pod_revision(pod) != update_name and not ident.is_terminating(pod):
                await self._delete_for_update(sts, pod, status)
                return
            if ident.is_unavailable(pod, min_ready, now):
                return

    async def _roll_max_unavailable(
        self, sts: Object, members: list[Object], update_name: str, status: Object, now: datetime
    ) -> None:
        """``updateStatefulSetAfterInvariantEstablished``: delete outdated pods from the top, as many as
        ``maxUnavailable`` (at least 1) minus the replicas unavailable already."""
        rolling = ((sts.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {}
        max_unavailable = max(
            1, scaled_value_from_int_or_percent(rolling.get("maxUnavailable", 1), len(members), False)
        )
        min_ready = ident.min_ready_seconds(sts)
        unavailable = sum(1 for pod in members if ident.is_unavailable(pod, min_ready, now))
        if unavailable > max_unavailable:
            return
        budget = max_unavailable - unavailable
        for target in range(len(members) - 1, _partition(sts) - 1, -1):
            if budget <= 0:
                return
            pod = members[target]
            if ident.get_pod_revision(pod) != update_name and not ident.is_terminating(pod):
                await self._delete_for_update(sts, pod, status)
                budget -= 1

    async def update_stateful_set_status(self, sts: Object, status: Object) -> None:
        """``updateStatefulSetStatus``: mark a finished rolling update, write only what changed."""
        complete_rolling_update(sts, status)
        await self.status_writer.write(sts, status)

    async def truncate_history(
        self, sts: Object, pods: list[Object], revisions: list[Object], revs: Revisions | None
    ) -> None:
        """``truncateHistory``: keep ``revisionHistoryLimit`` revisions besides the live ones (the current
        and update revisions, and every revision a pod runs); delete the oldest others."""
        live = {ident.get_pod_revision(pod) for pod in pods}
        if revs is not None:
            live |= {revs.current["metadata"]["name"], revs.update["metadata"]["name"]}
        old = [revision for revision in revisions if revision["metadata"]["name"] not in live]
        limit = (sts.get("spec") or {}).get("revisionHistoryLimit")
        limit = 10 if limit is None else int(limit)
        if limit < 0 or len(old) <= limit:
            return
        for revision in old[: len(old) - limit]:
            await self.history.delete_controller_revision(revision)


def _partition(sts: Object) -> int:
    rolling = ((sts.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate")
    return int((rolling or {}).get("partition") or 0)
