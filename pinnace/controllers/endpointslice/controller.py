"""The EndpointSlice controller loop (upstream's ``pkg/controller/endpointslice/
endpointslice_controller.go``).

Handlers enqueue Services: their own changes at once, pod changes that matter to them (readiness, IPs,
deletion, labels), and changes to slices this controller manages that are not the echo of its own writes
(after a second, ``endpointSliceChangeMinSyncDelay``). ``sync`` reads the Service, the pods its selector
matches and its managed slices from the caches and hands them to the
:class:`~pinnace.controllers.endpointslice.reconciler.Reconciler`.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import ENDPOINTSLICES, NODES, PODS, SERVICES
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.endpointslice.reconciler import MAX_ENDPOINTS_PER_SLICE, ReconcileError, Reconciler
from pinnace.controllers.endpointslice.slices import LABEL_MANAGED_BY
from pinnace.controllers.endpointslice.tracker import EndpointSliceTracker, service_key_of_slice
from pinnace.controllers.endpointutil import (
    TriggerTimeTracker,
    selector_matches,
    services_for_labels,
    services_to_update_on_pod_change,
)

log = logging.getLogger(__name__)

Object = dict[str, Any]

COMPONENT: Final = "endpoint-slice-controller"
#: The ``endpointslice.kubernetes.io/managed-by`` value of the slices this controller owns.
CONTROLLER_NAME: Final = "endpointslice-controller.k8s.io"
#: ``endpointSliceChangeMinSyncDelay``: slice events are batched for a second.
SLICE_CHANGE_MIN_SYNC_DELAY: Final = 1.0


class StaleInformerCacheError(RuntimeError):
    pass


def _managed(endpoint_slice: Object) -> bool:
    return ((endpoint_slice.get("metadata") or {}).get("labels") or {}).get(
        LABEL_MANAGED_BY
    ) == CONTROLLER_NAME


class EndpointSliceController:
    def __init__(
        self, ctx: ControllerContext, *, max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE
    ) -> None:
        self.client = ctx.client
        self.recorder = ctx.recorder(COMPONENT)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="endpoint_slice")
        self.services = ctx.informers.informer(SERVICES)
        self.pods = ctx.informers.informer(PODS)
        self.slices = ctx.informers.informer(ENDPOINTSLICES)
        self.nodes = ctx.informers.informer(NODES)
        self.tracker = EndpointSliceTracker()
        self.trigger_times = TriggerTimeTracker()
        self.reconciler = Reconciler(
            ctx.client,
            self.nodes,
            self.tracker,
            CONTROLLER_NAME,
            max_endpoints_per_slice=max_endpoints_per_slice,
        )
        self.services.add_handler(self._enqueue, lambda _old, new: self._enqueue(new), self._enqueue)
        self.pods.add_handler(self._add_pod, self._update_pod, self._add_pod)
        self.slices.add_handler(self._add_slice, self._update_slice, self._delete_slice)

    async def run(self, workers: int) -> None:
        for informer in (self.services, self.pods, self.slices, self.nodes):
            await informer.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=COMPONENT)

    # Handlers (enqueue only) ---------------------------------------------------------------------------

    def _enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def _services_in(self, obj: Object) -> list[Object]:
        return self.services.indexer.list_namespace(str(obj["metadata"].get("namespace") or ""))

    def _add_pod(self, pod: Object) -> None:
        for key in services_for_labels(
            self._services_in(pod), (pod.get("metadata") or {}).get("labels") or {}
        ):
            self.queue.add(key)

    def _update_pod(self, old: Object, new: Object) -> None:
        for key in services_to_update_on_pod_change(self._services_in(new), old, new):
            self.queue.add(key)

    def _queue_service_of(self, endpoint_slice: Object) -> None:
        key = service_key_of_slice(endpoint_slice)
        if key.name:
            self.queue.add_after(key, SLICE_CHANGE_MIN_SYNC_DELAY)

    def _add_slice(self, endpoint_slice: Object) -> None:
        if _managed(endpoint_slice) and self.tracker.should_sync(endpoint_slice):
            self._queue_service_of(endpoint_slice)

    def _update_slice(self, old: Object, new: Object) -> None:
        if service_key_of_slice(old) != service_key_of_slice(new):
            # Someone moved the slice to another Service: both need a look.
            self._queue_service_of(new)
            self._queue_service_of(old)
            return
        if _managed(old) != _managed(new) or (_managed(new) and self.tracker.should_sync(new)):
            self._queue_service_of(new)

    def _delete_slice(self, endpoint_slice: Object) -> None:
        if _managed(endpoint_slice) and self.tracker.has(endpoint_slice):
            if not self.tracker.handle_deletion(endpoint_slice):
                self._queue_service_of(endpoint_slice)  # not deleted by this controller: put it back

    # Reconcile -----------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        service = self.services.indexer.get(key)
        if service is None:
            # The garbage collector deletes the slices with their owner.
            self.trigger_times.delete_service(key)
            self.tracker.delete_service(key)
            return
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or spec.get("selector") is None:
            return  # slices of Services without selector are written by others (and mirrored)
        pods = [
            pod
            for pod in self.pods.indexer.list_namespace(key.namespace)
            if selector_matches(service, (pod.get("metadata") or {}).get("labels") or {})
        ]
        slices = [
            s
            for s in self.slices.indexer.list_namespace(key.namespace)
            if service_key_of_slice(s) == key and _managed(s) and not s["metadata"].get("deletionTimestamp")
        ]
        if self.tracker.stale_slices(service, slices):
            raise StaleInformerCacheError("EndpointSlice informer cache is out of date")
        trigger_time = self.trigger_times.compute(service, pods)
        try:
            await self.reconciler.reconcile(service, pods, slices, trigger_time)
        except ReconcileError as err:
            self.recorder.event(
                service,
                "Warning",
                "FailedToUpdateEndpointSlices",
                f"Error updating Endpoint Slices for Service {key}: {err}",
            )
            raise
