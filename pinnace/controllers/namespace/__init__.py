"""The namespace controller: empties a namespace being deleted, then lets it go
(``pkg/controller/namespace/namespace_controller.go``; the work is in :mod:`.deleter`).

``kubectl delete namespace X`` leaves X with a deletionTimestamp, phase ``Terminating`` and the
``kubernetes`` finalizer in ``spec.finalizers``. This controller deletes every namespaced object in X,
waits for what takes time (pods' grace periods, finalizers) by checking again after half the estimate,
then removes the ``kubernetes`` finalizer, and the API server deletes X.
"""

from __future__ import annotations

import logging
from typing import Final

from pinnace.client import resources
from pinnace.client.interface import Object
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.namespace.deleter import NamespacedResourcesDeleter, ResourcesRemainingError

log = logging.getLogger(__name__)

NAME: Final = "namespace"

#: ``namespaceDeletionGracePeriod``: events are processed this much later, so API servers in an HA setup
#: have observed the deletion and last-minute creations inside the namespace are caught too.
NAMESPACE_DELETION_GRACE_PERIOD: Final = 5.0
#: ``NamespaceControllerRateLimiter``: failures back off 5 ms doubling up to 60 s.
MAX_RETRY_DELAY: Final = 60.0


class NamespaceController:
    def __init__(
        self, ctx: ControllerContext, *, grace_period: float = NAMESPACE_DELETION_GRACE_PERIOD
    ) -> None:
        self.grace_period = grace_period
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, max_delay=MAX_RETRY_DELAY, name=NAME)
        self.informer = ctx.informers.informer(resources.NAMESPACES)
        self.informer.add_handler(self._enqueue, lambda _old, new: self._enqueue(new))
        self.deleter = NamespacedResourcesDeleter(ctx.client, ctx.clock)

    def _enqueue(self, namespace: Object) -> None:
        # Only namespaces being deleted have anything to do.
        if (namespace.get("metadata") or {}).get("deletionTimestamp"):
            self.queue.add_after(key_of(namespace), self.grace_period)

    async def run(self, workers: int) -> None:
        await self.informer.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=NAME)

    async def sync(self, key: ObjectKey) -> None:
        if self.informer.indexer.get(key) is None:
            return
        try:
            await self.deleter.delete(key.name)
        except ResourcesRemainingError as remaining:
            wait = remaining.estimate // 2 + 1
            log.info("namespace %s: content remaining, checking again in %d s", key.name, wait)
            self.queue.add_after(key, wait)


def new_controller(ctx: ControllerContext) -> NamespaceController:
    return NamespaceController(ctx)
