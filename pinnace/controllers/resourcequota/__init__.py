"""The ResourceQuota controller: ``status.hard`` and ``status.used`` of every ResourceQuota
(``pkg/controller/resourcequota/resource_quota_controller.go``).

A quota is recalculated when it is created or its ``spec.hard`` changes, when an object it may count is
created or deleted or changes what it uses (a pod finishing, a Service changing type), and every five
minutes for everything (upstream's ``--resource-quota-sync-period``). Usage comes from the evaluators in
:mod:`.evaluators`; the objects of pods, Services, PersistentVolumeClaims, ConfigMaps, Secrets,
ReplicationControllers and ResourceQuotas come from informers, other ``count/<resource>`` names are
listed from the API server's cache when needed (and so refresh on the periodic resync).

Only the accounting lives here. Refusing a create that would exceed a quota, and charging it at once, is the
ResourceQuota *admission* plugin's job in the API server
(:mod:`pinnace.apiserver.admission.plugins.resourcequota`; both use :mod:`pinnace.api.quota`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Final, cast

from pinnace.api.quota.evaluators import (
    Evaluator,
    ObjectCountEvaluator,
    PersistentVolumeClaimEvaluator,
    PodEvaluator,
    ServiceEvaluator,
)
from pinnace.api.quota.resourcelist import equals, mask, parse_list, render
from pinnace.api.quota.usage import calculate_usage
from pinnace.client import resources
from pinnace.client.clock import Clock
from pinnace.client.informer import Informer
from pinnace.client.interface import Client, Object
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import Resource
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.apiresources import preferred_resources
from pinnace.controllers.context import ControllerContext

log = logging.getLogger(__name__)

NAME: Final = "resourcequota"

#: ``ResourceQuotaSyncPeriod``: every quota is recalculated this often.
RESYNC_SECONDS: Final = 300.0

#: Resources whose objects the controller watches (the rest are listed on demand).
WATCHED: Final = (
    resources.PODS,
    resources.SERVICES,
    resources.PERSISTENTVOLUMECLAIMS,
    resources.CONFIGMAPS,
    resources.SECRETS,
    resources.REPLICATIONCONTROLLERS,
    resources.RESOURCEQUOTAS,
)


def build_evaluators() -> list[Evaluator]:
    """One evaluator per quotable resource: every served namespaced resource that can be listed."""
    special: dict[tuple[str, str], type[PodEvaluator | ServiceEvaluator | PersistentVolumeClaimEvaluator]] = {
        ("", "pods"): PodEvaluator,
        ("", "services"): ServiceEvaluator,
        ("", "persistentvolumeclaims"): PersistentVolumeClaimEvaluator,
    }
    evaluators: list[Evaluator] = []
    for resource in preferred_resources("create", "list", "delete", namespaced=True):
        maker = special.get((resource.group, resource.plural))
        evaluators.append(maker(resource) if maker else ObjectCountEvaluator(resource))
    return evaluators


class ResourceQuotaController:
    def __init__(self, ctx: ControllerContext, *, resync_seconds: float = RESYNC_SECONDS) -> None:
        self.client: Client = ctx.client
        self.clock: Clock = ctx.clock
        self.resync_seconds = resync_seconds
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name=NAME)
        self.evaluators = build_evaluators()
        self.informers: dict[Resource, Informer] = {r: ctx.informers.informer(r) for r in WATCHED}
        self.quotas = self.informers[resources.RESOURCEQUOTAS]
        self.quotas.add_handler(self._quota_added, self._quota_updated)
        for evaluator in self.evaluators:
            informer = self.informers.get(cast(Resource, evaluator.resource))
            if informer is not None:
                self._replenish_from(informer, evaluator)

    # Handlers (they only queue quota keys) ---------------------------------------------------------------

    def _quota_added(self, quota: Object) -> None:
        self.queue.add(key_of(quota))

    def _quota_updated(self, old: Object, new: Object) -> None:
        """Only a change of ``spec.hard``, or a status that does not match it, needs a sync; the status
        writes this controller makes come back here and are dropped."""
        hard = parse_list((new.get("spec") or {}).get("hard"))
        if not equals(parse_list((old.get("spec") or {}).get("hard")), hard) or not equals(
            parse_list((new.get("status") or {}).get("hard")), hard
        ):
            self.queue.add(key_of(new))

    def _replenish_from(self, informer: Informer, evaluator: Evaluator) -> None:
        def changed(old: Object, new: Object) -> None:
            now = self.clock.now()
            if not equals(evaluator.usage(old, now), evaluator.usage(new, now)):
                self._enqueue_namespace(new)

        informer.add_handler(self._enqueue_namespace, changed, self._enqueue_namespace)

    def _enqueue_namespace(self, obj: Object) -> None:
        """Every quota of the object's namespace may be affected (``replenishQuota``)."""
        for quota in self.quotas.indexer.list_namespace(key_of(obj).namespace):
            self.queue.add(key_of(quota))

    # Running ---------------------------------------------------------------------------------------------

    async def run(self, workers: int) -> None:
        for informer in self.informers.values():
            await informer.wait_synced()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._resync(), name=f"{NAME}-resync")
            group.create_task(run_workers(self.queue, self.sync, workers, name=NAME), name=NAME)

    async def _resync(self) -> None:
        while True:
            await self.clock.sleep(self.resync_seconds)
            for quota in self.quotas.indexer.list():
                self.queue.add(key_of(quota))

    async def _list(self, evaluator: Evaluator, namespace: str) -> list[Object]:
        # The controller builds its evaluators from client Resources (see the registry above).
        resource = cast(Resource, evaluator.resource)
        informer = self.informers.get(resource)
        if informer is not None:
            return informer.indexer.list_namespace(namespace)
        listed = await self.client.list(resource, namespace, resource_version="0")
        return list(listed.get("items") or [])

    async def sync(self, key: ObjectKey) -> None:
        """``syncResourceQuota``: write ``status.hard`` = ``spec.hard`` and the usage of those resources."""
        quota = self.quotas.indexer.get(key)
        if quota is None:
            return
        spec = quota.get("spec") or {}
        status = quota.get("status") or {}
        hard = parse_list(spec.get("hard"))
        previous = parse_list(status.get("used"))
        dirty = (
            "hard" not in status or "used" not in status or not equals(parse_list(status.get("hard")), hard)
        )
        usage = await calculate_usage(
            key.namespace, spec, hard, self.evaluators, self._list, self.clock.now()
        )
        used = mask({**previous, **usage}, hard)
        dirty = dirty or not equals(used, previous)
        if not dirty:
            return
        updated = copy.deepcopy(quota)  # the cached object is shared
        updated["status"] = {"hard": dict(spec.get("hard") or {}), "used": render(used)}
        await self.client.update(resources.RESOURCEQUOTAS, updated, subresource="status")


def new_controller(ctx: ControllerContext) -> ResourceQuotaController:
    return ResourceQuotaController(ctx)
