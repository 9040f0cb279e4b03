"""The disruption controller loop: keeps every PodDisruptionBudget's status true to its pods.

``sync(budget key)`` (upstream's ``trySync``) finds the pods the budget selects, the scale of their
controllers from the Deployment, ReplicaSet, StatefulSet and ReplicationController caches, computes the
status (:mod:`~pinnace.controllers.disruption.budget`) and writes it through the status subresource when it
changed, then re-queues itself for when the earliest recorded eviction expires. A failure other than a
write conflict is written as ``disruptionsAllowed: 0`` with ``DisruptionAllowed=False/SyncFailed``
(``failSafe``): an eviction must never pass on numbers the controller could not compute.

A second queue resets a stale ``DisruptionTarget`` condition: a pod marked for disruption that was not
deleted within two minutes gets the condition set back to False (``syncStalePodDisruption``).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from datetime import timedelta
from typing import Any, Final

from pinnace.api.labels import SelectorParseError, from_label_selector_object, label_selector_to_string
from pinnace.client.errors import Conflict, NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import (
    DEPLOYMENTS,
    PODDISRUPTIONBUDGETS,
    PODS,
    REPLICASETS,
    REPLICATIONCONTROLLERS,
    STATEFULSETS,
    for_kind,
)
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.disruption.budget import (
    DISRUPTION_ALLOWED,
    SYNC_FAILED,
    ControllerScale,
    ExpectedCountError,
    build_disrupted_pod_map,
    count_healthy_pods,
    expected_pod_count,
    new_status,
    set_status_condition,
)
from pinnace.controllers.ownerrefs import controller_ref
from pinnace.controllers.podutil import format_time, get_condition, parse_time

log = logging.getLogger(__name__)

Object = dict[str, Any]

#: The event source upstream's disruption controller reports as.
COMPONENT: Final = "controllermanager"
#: ``stalePodDisruptionTimeout``.
STALE_POD_DISRUPTION_TIMEOUT: Final = timedelta(minutes=2)
DISRUPTION_TARGET: Final = "DisruptionTarget"
#: ``v1.PodReasonTerminationByKubelet``: the kubelet's own disruption marks are never stale.
TERMINATION_BY_KUBELET: Final = "TerminationByKubelet"


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def _is(ref: Object, kind: str, groups: tuple[str, ...]) -> bool:
    """``verifyGroupKind``."""
    return ref.get("kind") == kind and _group(str(ref.get("apiVersion") or "")) in groups


def _replicas(obj: Object) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


class DisruptionController:
    def __init__(self, ctx: ControllerContext) -> None:
        self.client = ctx.client
        self.clock = ctx.clock
        self.recorder = ctx.recorder(COMPONENT)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="disruption")
        self.stale_pods: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="stale_pod_disruption")
        self.budgets = ctx.informers.informer(PODDISRUPTIONBUDGETS)
        self.pods = ctx.informers.informer(PODS)
        self.replication_controllers = ctx.informers.informer(REPLICATIONCONTROLLERS)
        self.replica_sets = ctx.informers.informer(REPLICASETS)
        self.deployments = ctx.informers.informer(DEPLOYMENTS)
        self.stateful_sets = ctx.informers.informer(STATEFULSETS)
        self.budgets.add_handler(self._enqueue, lambda _old, new: self._enqueue(new), self._enqueue)
        self.pods.add_handler(self._pod_changed, lambda _old, new: self._pod_changed(new), self._pod_deleted)

    async def run(self, workers: int) -> None:
        for informer in (
            self.budgets,
            self.pods,
            self.replication_controllers,
            self.replica_sets,
            self.deployments,
            self.stateful_sets,
        ):
            await informer.wait_synced()
        async with asyncio.TaskGroup() as group:
            group.create_task(run_workers(self.queue, self.sync, workers, name="disruption"))
            group.create_task(
                run_workers(self.stale_pods, self.sync_stale_pod, 1, name="stale-pod-disruption")
            )

    # Handlers (enqueue only) ---------------------------------------------------------------------------

    def _enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def _budgets_for(self, pod: Object) -> list[Object]:
        """``GetPodPodDisruptionBudgets``: the budgets in the pod's namespace whose selector selects it."""
        labels = (pod.get("metadata") or {}).get("labels") or {}
        matching = []
        for budget in self.budgets.indexer.list_namespace(str(pod["metadata"].get("namespace") or "")):
            try:
                selector = from_label_selector_object((budget.get("spec") or {}).get("selector"))
            except SelectorParseError:
                continue
            if not selector.is_empty and selector.matches(labels):
                matching.append(budget)
        return matching

    def _pod_deleted(self, pod: Object) -> None:
        # Upstream syncs the first matching budget only; with several (an unsupported setup the eviction
        # API refuses) every one is synced here, which is never wrong.
        for budget in self._budgets_for(pod):
            self._enqueue(budget)

    def _pod_changed(self, pod: Object) -> None:
        self._pod_deleted(pod)
        wait = self._stale_disruption_wait(pod)
        if wait is not None:
            self.stale_pods.add_after(key_of(pod), wait)

    # Reconcile -----------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        budget = self.budgets.indexer.get(key)
        if budget is None:
            return
        try:
            await self._try_sync(key, budget)
        except Conflict:
            raise  # someone (an eviction) wrote first: retry with the new version
        except Exception as err:
            log.error("failed to sync PodDisruptionBudget %s: %s", key, err)
            await self._fail_safe(budget, str(err))

    async def _try_sync(self, key: ObjectKey, budget: Object) -> None:
        spec = budget.get("spec") or {}
        try:
            selector = from_label_selector_object(spec.get("selector"))
        except SelectorParseError as err:
            self.recorder.event(budget, "Warning", "NoPods", f"Failed to get pods: {err}")
            raise
        pods = [
            pod
            for pod in self.pods.indexer.list_namespace(key.namespace)
            if selector.matches((pod.get("metadata") or {}).get("labels") or {})
        ]
        if not pods:
            self.recorder.event(budget, "Normal", "NoPods", "No matching pods found")
        try:
            counts = expected_pod_count(budget, pods, self._find_scale)
        except ExpectedCountError as err:
            self.recorder.event(
                budget,
                "Warning",
                "CalculateExpectedPodCountFailed",
                f"Failed to calculate the number of expected pods: {err}",
            )
            raise
        if counts.unmanaged:
            log.info("PodDisruptionBudget %s selects unmanaged pods: %s", key, ", ".join(counts.unmanaged))
            self.recorder.event(
                budget,
                "Warning",
                "UnmanagedPods",
                f"Pods selected by this PodDisruptionBudget (selector: {_selector_text(spec)}) were found "
                "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which "
                "may result in undefined behavior. To account for these pods please set "
                '".spec.minAvailable" field of the PDB to an integer value.',
            )
        now = self.clock.now()
        disrupted, recheck = build_disrupted_pod_map(
            pods, budget, now, lambda pod: self._not_deleted(pod, key)
        )
        healthy = count_healthy_pods(pods, disrupted, now)
        status = new_status(budget, healthy, counts, disrupted, now)
        if status is not None:
            await self._write_status(budget, status)
        if recheck is not None:
            self.queue.add_after(key, max(0.0, (recheck - now).total_seconds()))

    def _not_deleted(self, pod: Object, key: ObjectKey) -> None:
        log.info("pod %s was expected to be deleted by budget %s but it was not", key_of(pod), key)
        # Upstream's message names the namespace twice (pdb.Namespace, pdb.Namespace).
        self.recorder.event(
            pod,
            "Warning",
            "NotDeleted",
            f"Pod was expected by PDB {key.namespace}/{key.namespace} to be deleted but it wasn't",
        )

    async def _write_status(self, budget: Object, status: Object) -> None:
        updated = copy.deepcopy(budget)
        updated["status"] = status
        await self.client.update(PODDISRUPTIONBUDGETS, updated, subresource="status")

    async def _fail_safe(self, budget: Object, message: str) -> None:
        """``failSafe``: at least stop evictions when the numbers cannot be computed."""
        status = copy.deepcopy(budget.get("status") or {})
        status["disruptionsAllowed"] = 0
        conditions = list(status.get("conditions") or [])
        set_status_condition(
            conditions,
            {
                "type": DISRUPTION_ALLOWED,
                "status": "False",
                "reason": SYNC_FAILED,
                "message": message,
                "observedGeneration": int(status.get("observedGeneration") or 0),
            },
            self.clock.now(),
        )
        status["conditions"] = conditions
        await self._write_status(budget, status)

    # Controllers' scale --------------------------------------------------------------------------------

    def _cached(self, informer_kind: str, namespace: str, name: str) -> Object | None:
        informer = {
            "ReplicationController": self.replication_controllers,
            "ReplicaSet": self.replica_sets,
            "Deployment": self.deployments,
            "StatefulSet": self.stateful_sets,
        }[informer_kind]
        return informer.indexer.get(ObjectKey(namespace, name))

    def _find_scale(self, ref: Object, namespace: str) -> ControllerScale | None:
        """Upstream's finders in order: RC, Deployment (through its ReplicaSet), ReplicaSet without a
        Deployment, StatefulSet, then any controller with a scale subresource."""
        name, uid = str(ref.get("name") or ""), ref.get("uid")
        if _is(ref, "ReplicationController", ("",)):
            found = self._cached("ReplicationController", namespace, name)
            if found is not None and found["metadata"].get("uid") == uid:
                return ControllerScale(str(uid), _replicas(found))
        if _is(ref, "ReplicaSet", ("apps", "extensions")):
            replica_set = self._cached("ReplicaSet", namespace, name)
            if replica_set is not None and replica_set["metadata"].get("uid") == uid:
                owner = controller_ref(replica_set)
                if owner is not None and _is(owner, "Deployment", ("apps", "extensions")):
                    deployment = self._cached("Deployment", namespace, str(owner.get("name") or ""))
                    if deployment is not None and deployment["metadata"].get("uid") == owner.get("uid"):
                        return ControllerScale(str(owner["uid"]), _replicas(deployment))
                elif owner is None or owner.get("kind") != "Deployment":
                    return ControllerScale(str(uid), _replicas(replica_set))
        if _is(ref, "StatefulSet", ("apps",)):
            found = self._cached("StatefulSet", namespace, name)
            if found is not None and found["metadata"].get("uid") == uid:
                return ControllerScale(str(uid), _replicas(found))
        return self._scale_subresource(ref, namespace)

    def _scale_subresource(self, ref: Object, namespace: str) -> ControllerScale | None:
        """``getScaleController``. The built-in kinds with a ``scale`` subresource are the four above, whose
        scale is their ``spec.replicas``: read from the caches. Pinnace serves no custom resources, so any
        other kind has no scale."""
        api_version, kind = str(ref.get("apiVersion") or ""), str(ref.get("kind") or "")
        resource = for_kind(api_version, kind)
        if resource is None:
            raise ExpectedCountError(f'no matches for kind "{kind}" in version "{api_version}"')
        if kind not in ("ReplicationController", "ReplicaSet", "Deployment", "StatefulSet"):
            raise ExpectedCountError(f"{resource.qualified} does not implement the scale subresource")
        found = self._cached(kind, namespace, str(ref.get("name") or ""))
        if found is None or found["metadata"].get("uid") != ref.get("uid"):
            return None
        return ControllerScale(str(ref["uid"]), _replicas(found))

    # Stale DisruptionTarget conditions -----------------------------------------------------------------

    def _stale_disruption_wait(self, pod: Object) -> float | None:
        """``nonTerminatingPodHasStaleDisruptionCondition``: seconds until the pod's DisruptionTarget
        condition counts as stale, or None when it has no such condition to clear."""
        if pod["metadata"].get("deletionTimestamp"):
            return None
        condition = get_condition(pod, DISRUPTION_TARGET)
        if (
            condition is None
            or condition.get("status") != "True"
            or condition.get("reason") == TERMINATION_BY_KUBELET
            or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        ):
            return None
        since = parse_time(condition.get("lastTransitionTime")) or self.clock.now()
        return max(0.0, (STALE_POD_DISRUPTION_TIMEOUT - (self.clock.now() - since)).total_seconds())

    async def sync_stale_pod(self, key: ObjectKey) -> None:
        pod = self.pods.indexer.get(key)
        if pod is None:
            return
        wait = self._stale_disruption_wait(pod)
        if wait is None:
            return
        if wait > 0:
            self.stale_pods.add_after(key, wait)
            return
        updated = copy.deepcopy(pod)
        now = format_time(self.clock.now())
        for condition in updated["status"]["conditions"]:
            if condition.get("type") == DISRUPTION_TARGET:
                # UpdatePodCondition with {Type, Status: False}: reason and message go with it.
                condition.clear()
                condition.update(type=DISRUPTION_TARGET, status="False", lastTransitionTime=now)
        try:
            await self.client.update(PODS, updated, subresource="status")
        except NotFound:
            return
        log.info("reset stale DisruptionTarget condition of pod %s to False", key)


def _selector_text(spec: Object) -> str:
    # Upstream prints the Go struct (``&LabelSelector{MatchLabels:...}``); the selector's text form is
    # what a user can paste into ``kubectl get pods -l``.
    return label_selector_to_string(spec.get("selector"))
