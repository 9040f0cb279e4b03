"""The pods/eviction subresource: delete a pod only if its PodDisruptionBudget allows it.

Reproduces ``pkg/registry/core/pod/storage/eviction.go`` of Kubernetes 1.32 (``EvictionREST.Create``):

1. Pods whose eviction disrupts nothing (Pending, Succeeded, Failed, or already being deleted) are deleted
   without looking at budgets. Unless the pod is terminal or being deleted, the delete is pinned to the
   resourceVersion just read, so a pod that turns Running meanwhile is not deleted behind a budget's back.
2. Otherwise the PodDisruptionBudgets of the pod's namespace whose selector matches the pod are found. More
   than one is a 500 upstream does not support; none lets the delete go ahead.
3. A pod that is not Ready does not count as healthy: with ``unhealthyPodEvictionPolicy: AlwaysAllow``, or
   while the budget has its desired healthy pods, it is deleted without spending the budget (the delete is
   pinned to the pod's resourceVersion; a conflict then answers 429 so the client retries).
4. Else the budget must allow a disruption: its status must have observed its generation (429 "still being
   processed", Retry-After 10) and ``disruptionsAllowed`` must be positive (429 "needs N healthy pods and has
   M currently"). The eviction then decrements ``disruptionsAllowed`` and records the pod in
   ``disruptedPods`` through the budget's status, guarded by its resourceVersion and retried on conflict,
   so two evictions can never spend one disruption.
5. The pod gets the ``DisruptionTarget`` condition (reason ``EvictionByEvictionAPI``; PodDisruptionConditions
   is GA in 1.32) and is deleted gracefully with the request's DeleteOptions.

Dry-run evictions check everything and change nothing. The budget status itself belongs to the disruption
controller; this module only spends it.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, TypeVar

from pinnace.api.labels import SelectorParseError, from_label_selector_object
from pinnace.apiserver import status
from pinnace.apiserver.rest.deletion import DeleteOptions
from pinnace.apiserver.rest.objectmeta import rfc3339
from pinnace.apiserver.rest.resource import ListOptions, ResourceStore

Object = dict[str, Any]
T = TypeVar("T")

# Upstream's MaxDisruptedPodSize: evictions the disruption controller has not yet noticed.
MAX_DISRUPTED_POD_SIZE: Final = 2000
# policyv1.DisruptionBudgetCause, the reason of the cause a 429 carries.
DISRUPTION_BUDGET_CAUSE: Final = "DisruptionBudget"
VIOLATION_MESSAGE: Final = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE_BUDGETS_MESSAGE: Final = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
)


@dataclass(frozen=True, slots=True)
class Backoff:
    """``wait.Backoff`` with factor 1: ``steps`` attempts, ``duration`` (+ up to ``jitter``) apart."""

    steps: int
    duration: float
    jitter: float = 0.0


# Upstream's EvictionsRetry: 20 attempts, 500 ms apart with 10 % jitter.
EVICTIONS_RETRY: Final = Backoff(steps=20, duration=0.5, jitter=0.1)


class UnknownFailure(status.StatusError):
    """A Failure Status with no reason (``StatusReasonUnknown``), as a REST storage's own Status is sent."""

    code, reason = 500, ""


def success() -> Object:
    """What an accepted eviction answers (the create handler fills in code 201)."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def still_processing(budget_name: str) -> status.TooManyRequests:
    """Upstream's createTooManyRequestsError: the budget cannot be trusted yet; retry in 10 s."""
    cause = status.StatusCause(
        DISRUPTION_BUDGET_CAUSE,
        f"The disruption budget {budget_name} is still being processed by the server.",
    )
    return status.TooManyRequests(
        VIOLATION_MESSAGE, details=status.StatusDetails(causes=(cause,), retry_after_seconds=10)
    )


def violation(budget_name: str, desired_healthy: int, current_healthy: int) -> status.TooManyRequests:
    cause = status.StatusCause(
        DISRUPTION_BUDGET_CAUSE,
        f"The disruption budget {budget_name} needs {desired_healthy} healthy pods "
        f"and has {current_healthy} currently",
    )
    return status.TooManyRequests(VIOLATION_MESSAGE, details=status.StatusDetails(causes=(cause,)))


def is_pod_ready(pod: Object) -> bool:
    """``podutil.IsPodReady``: the Ready condition is True (what "healthy" means to a budget)."""
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False


def can_ignore_budget(pod: Object) -> bool:
    """Upstream's canIgnorePDB: evicting this pod disrupts nothing that is running."""
    phase = pod.get("status", {}).get("phase")
    return phase in ("Succeeded", "Failed", "Pending") or "deletionTimestamp" in pod["metadata"]


def should_enforce_resource_version(pod: Object) -> bool:
    """A Pending pod could become Ready before the delete lands; terminal or deleted ones cannot."""
    phase = pod.get("status", {}).get("phase")
    return phase not in ("Succeeded", "Failed") and "deletionTimestamp" not in pod["metadata"]


def budget_matches(budget: Object, pod: Object) -> bool:
    """The budget's selector selects the pod; an invalid selector selects nothing, a nil one too."""
    try:
        selector = from_label_selector_object(budget.get("spec", {}).get("selector"))
    except SelectorParseError:
        return False
    return selector.matches(pod["metadata"].get("labels") or {})


def unhealthy_pod_evictable(budget: Object) -> bool:
    """May a not-Ready pod go without spending the budget (``unhealthyPodEvictionPolicy``)?"""
    if budget.get("spec", {}).get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
        return True
    # IfHealthyBudget (also when unset): only while the application guarded is not disrupted.
    budget_status = budget.get("status", {})
    desired = int(budget_status.get("desiredHealthy", 0))
    return int(budget_status.get("currentHealthy", 0)) >= desired and desired > 0


def set_status_condition(conditions: list[Object], new: Object, now: str) -> None:
    """``apimeta.SetStatusCondition``: lastTransitionTime moves only when the status does."""
    for existing in conditions:
        if existing.get("type") == new["type"]:
            if existing.get("status") != new["status"]:
                existing["status"] = new["status"]
                existing["lastTransitionTime"] = now
            for key in ("reason", "message", "observedGeneration"):
                existing[key] = new.get(key)
            if not existing.get("observedGeneration"):
                existing.pop("observedGeneration", None)
            return
    condition = {"type": new["type"], "status": new["status"]}
    if new.get("observedGeneration"):
        condition["observedGeneration"] = new["observedGeneration"]
    condition.update(lastTransitionTime=now, reason=new["reason"], message=new.get("message", ""))
    conditions.append(condition)


def update_disruption_allowed_condition(budget_status: Object, now: str) -> None:
    """component-helpers' UpdateDisruptionAllowedCondition, for the budget status being written."""
    allowed = int(budget_status.get("disruptionsAllowed", 0)) > 0
    conditions = budget_status.get("conditions") or []
    set_status_condition(
        conditions,
        {
            "type": "DisruptionAllowed",
            "status": "True" if allowed else "False",
            "reason": "SufficientPods" if allowed else "InsufficientPods",
            "message": "",
            "observedGeneration": budget_status.get("observedGeneration", 0),
        },
        now,
    )
    budget_status["conditions"] = conditions


def update_pod_condition(pod_status: Object, new: Object, now: str) -> None:
    """``podutil.UpdatePodCondition``: lastTransitionTime moves only when the status does."""
    conditions: list[Object] = pod_status.setdefault("conditions", [])
    condition = {"type": new["type"], "status": new["status"], "lastProbeTime": None}
    for index, existing in enumerate(conditions):
        if existing.get("type") == new["type"]:
            same_status = existing.get("status") == new["status"]
            condition["lastTransitionTime"] = existing.get("lastTransitionTime") if same_status else now
            condition.update(reason=new["reason"], message=new["message"])
            conditions[index] = condition
            return
    condition.update(lastTransitionTime=now, reason=new["reason"], message=new["message"])
    conditions.append(condition)


class EvictionREST:
    """The eviction verb over the pods' and the budgets' stores; answers a Status or raises a StatusError.

    ``sleep`` and ``rand`` are the retry seams: tests inject a sleep that only records.
    """

    def __init__(
        self,
        pods: ResourceStore,
        budgets: ResourceStore,
        *,
        clock: Callable[[], datetime] | None = None,
        backoff: Backoff = EVICTIONS_RETRY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.pods = pods
        self.budgets = budgets
        self.clock = clock or pods.hooks.clock
        self.backoff = backoff
        self.sleep = sleep
        self.rand = rand

    async def create(self, namespace: str, name: str, options: DeleteOptions) -> Object:
        pod = await self._delete_if_budget_can_be_ignored(namespace, name, options)
        if pod is None:
            return success()
        listed = await self.budgets.list(ListOptions(namespace=namespace))
        matching = [budget for budget in listed.items if budget_matches(budget, pod)]
        if len(matching) > 1:
            raise UnknownFailure(MULTIPLE_BUDGETS_MESSAGE)
        pin_to_pod_version = False
        budget_name = ""
        if matching:
            budget = matching[0]
            budget_name = budget["metadata"]["name"]
            if not is_pod_ready(pod) and unhealthy_pod_evictable(budget):
                # The unhealthy pod counts neither as current nor as desired healthy: no budget spent.
                pin_to_pod_version = True
            else:
                await self._spend_budget(budget, name, dry_run=options.dry_run)
        delete_options = options
        if pin_to_pod_version:
            # The pod must not have become healthy since the decision was taken.
            delete_options = replace(
                options, precondition_resource_version=pod["metadata"]["resourceVersion"]
            )
        try:
            await self._mark_and_delete(namespace, name, delete_options)
        except status.Conflict:
            if pin_to_pod_version and not options.precondition_resource_version:
                raise still_processing(budget_name) from None
            raise
        return success()

    async def _retry(
        self, retriable: Callable[[status.StatusError], bool], attempt: Callable[[], Awaitable[T]]
    ) -> T:
        """``retry.OnError``: the last retriable error once the attempts run out."""
        last: status.StatusError | None = None
        for step in range(self.backoff.steps):
            if step:
                await self.sleep(self.backoff.duration * (1 + self.rand() * self.backoff.jitter))
            try:
                return await attempt()
            except status.StatusError as err:
                if not retriable(err):
                    raise
                last = err
        assert last is not None
        raise last

    async def _delete_if_budget_can_be_ignored(
        self, namespace: str, name: str, options: DeleteOptions
    ) -> Object | None:
        """Deletes a pod no budget guards and returns None, else returns the pod as read."""

        async def attempt() -> Object | None:
            pod = await self.pods.get(namespace, name)
            if not can_ignore_budget(pod):
                return pod
            delete_options = options
            if should_enforce_resource_version(pod) and not options.precondition_resource_version:
                # Pin to what was read: a Pending pod may turn Running under a budget meanwhile.
                delete_options = replace(
                    options, precondition_resource_version=pod["metadata"]["resourceVersion"]
                )
            await self._mark_and_delete(namespace, name, delete_options)
            return None

        # A client's own resourceVersion precondition is final: its conflict is not retried.
        retry_conflicts = not options.precondition_resource_version
        return await self._retry(lambda err: retry_conflicts and isinstance(err, status.Conflict), attempt)

    async def _spend_budget(self, budget: Object, pod_name: str, *, dry_run: bool) -> None:
        namespace = budget["metadata"]["namespace"]
        budget_name = budget["metadata"]["name"]
        current = budget
        refresh = False

        async def attempt() -> None:
            nonlocal current, refresh
            if refresh:
                current = await self.budgets.get(namespace, budget_name)
            try:
                await self._check_and_decrement(current, pod_name, dry_run=dry_run)
            except status.StatusError:
                refresh = True
                raise

        await self._retry(lambda err: isinstance(err, status.Conflict), attempt)

    async def _check_and_decrement(self, budget: Object, pod_name: str, *, dry_run: bool) -> None:
        """Upstream's checkAndDecrement: 429/403 when the budget allows no disruption, else spend one."""
        metadata = budget["metadata"]
        budget_name = metadata["name"]
        budget_status = budget.get("status", {})
        if int(budget_status.get("observedGeneration", 0)) < int(metadata.get("generation", 0)):
            raise still_processing(budget_name)
        allowed = int(budget_status.get("disruptionsAllowed", 0))
        if allowed < 0:
            raise self._forbidden(budget_name, "pdb disruptions allowed is negative")
        if len(budget_status.get("disruptedPods") or {}) > MAX_DISRUPTED_POD_SIZE:
            raise self._forbidden(
                budget_name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller"
            )
        if allowed == 0:
            raise violation(
                budget_name,
                int(budget_status.get("desiredHealthy", 0)),
                int(budget_status.get("currentHealthy", 0)),
            )
        if dry_run:
            return
        now = rfc3339(self.clock())
        updated = copy.deepcopy(budget)
        new_status = updated.setdefault("status", {})
        new_status["disruptionsAllowed"] = allowed - 1
        if allowed - 1 == 0:
            update_disruption_allowed_condition(new_status, now)
        # The disruption controller counts this pod as gone until it is, or until its deadline passes.
        new_status["disruptedPods"] = {**(new_status.get("disruptedPods") or {}), pod_name: now}
        # ``updated`` keeps the resourceVersion read: a concurrent change is a Conflict, and is retried.
        await self.budgets.update(metadata["namespace"], budget_name, lambda _: updated, subresource="status")

    @staticmethod
    def _forbidden(budget_name: str, reason: str) -> status.Forbidden:
        return status.forbidden(reason, resource="poddisruptionbudget", name=budget_name, group="policy")

    async def _mark_and_delete(self, namespace: str, name: str, options: DeleteOptions) -> None:
        """Upstream's addConditionAndDeletePod: DisruptionTarget first, then the (graceful) delete."""
        if not options.dry_run:
            marked = await self._add_disruption_target(namespace, name, options)
            if options.precondition_resource_version:
                # The condition was this eviction's own write: the precondition follows it.
                options = replace(
                    options, precondition_resource_version=marked["metadata"]["resourceVersion"]
                )
        await self.pods.delete(namespace, name, options)

    async def _add_disruption_target(self, namespace: str, name: str, options: DeleteOptions) -> Object:
        now = rfc3339(self.clock())

        def mark(pod: Object) -> Object:
            metadata = pod["metadata"]
            uid, version = options.precondition_uid, options.precondition_resource_version
            if uid and uid != metadata.get("uid"):
                raise status.conflict(
                    "Pod",
                    name,
                    f"the UID in the precondition ({uid}) does not match the UID in record "
                    f"({metadata.get('uid')}). The object might have been deleted and then recreated",
                )
            if version and version != metadata.get("resourceVersion"):
                raise status.conflict(
                    "Pod",
                    name,
                    f"the ResourceVersion in the precondition ({version}) does not match the "
                    f"ResourceVersion in record ({metadata.get('resourceVersion')}). "
                    "The object might have been modified",
                )
            metadata.pop("resourceVersion", None)
            update_pod_condition(
                pod.setdefault("status", {}),
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "reason": "EvictionByEvictionAPI",
                    "message": "Eviction API: evicting",
                },
                now,
            )
            return pod

        marked, _ = await self.pods.update(namespace, name, mark, subresource="status")
        return marked
