"""The root CA publisher: a ``kube-root-ca.crt`` ConfigMap in every namespace, holding the cluster CA so
pods can verify the API server (``pkg/controller/certificates/rootcacertpublisher/publisher.go``).

The ConfigMap is created when a namespace appears and restored when it is deleted or its ``ca.crt`` or
description annotation changes. The CA is the one in the controller manager's kubeconfig
(:attr:`ControllerContext.ca_pem`), as kube-controller-manager uses its client's CA data.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Final

from pinnace.client import resources
from pinnace.client.errors import Forbidden, NotFound
from pinnace.client.interface import Client, Object
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.serviceaccount import is_terminating_error

log = logging.getLogger(__name__)

NAME: Final = "root-ca-cert-publisher"

ROOT_CA_CONFIG_MAP_NAME: Final = "kube-root-ca.crt"
DESCRIPTION_ANNOTATION: Final = "kubernetes.io/description"
DESCRIPTION: Final = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such "
    "as the internal service IP or kubernetes.default.svc. "
    "No other usage is guaranteed across distributions of Kubernetes clusters."
)


class Publisher:
    def __init__(self, ctx: ControllerContext) -> None:
        self.client: Client = ctx.client
        self.root_ca = ctx.ca_pem.decode()
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name=NAME)
        self.namespaces = ctx.informers.informer(resources.NAMESPACES)
        # Only the one ConfigMap per namespace matters: a field-selected informer keeps the others out of
        # memory (upstream filters them in its handlers instead).
        self.config_maps = ctx.informers.informer(
            resources.CONFIGMAPS, field_selector=f"metadata.name={ROOT_CA_CONFIG_MAP_NAME}"
        )
        self.namespaces.add_handler(self._namespace_added, self._namespace_updated)
        self.config_maps.add_handler(
            on_update=lambda _old, new: self._config_map_changed(new), on_delete=self._config_map_changed
        )

    def _namespace_added(self, namespace: Object) -> None:
        self.queue.add(key_of(namespace))

    def _namespace_updated(self, _old: Object, new: Object) -> None:
        if (new.get("status") or {}).get("phase") == "Active":
            self.queue.add(key_of(new))

    def _config_map_changed(self, config_map: Object) -> None:
        if key_of(config_map).name == ROOT_CA_CONFIG_MAP_NAME:
            self.queue.add(ObjectKey("", key_of(config_map).namespace))

    async def run(self, workers: int) -> None:
        if not self.root_ca:
            log.warning("%s: the controller manager's kubeconfig has no CA data; nothing to publish", NAME)
            await asyncio.Event().wait()  # idle until cancelled, as a controller must not return
        await self.namespaces.wait_synced()
        await self.config_maps.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=NAME)

    async def sync(self, key: ObjectKey) -> None:
        namespace = key.name
        wanted = {"ca.crt": self.root_ca}
        current = self.config_maps.indexer.get(ObjectKey(namespace, ROOT_CA_CONFIG_MAP_NAME))
        if current is None:
            body = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": ROOT_CA_CONFIG_MAP_NAME,
                    "namespace": namespace,
                    "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION},
                },
                "data": wanted,
            }
            try:
                await self.client.create(resources.CONFIGMAPS, body, namespace)
            except NotFound:
                return  # the namespace is gone
            except Forbidden as err:
                if not is_terminating_error(err):  # no retries into a namespace being deleted
                    raise
            return
        annotations = (current.get("metadata") or {}).get("annotations") or {}
        if current.get("data") == wanted and annotations.get(DESCRIPTION_ANNOTATION):
            return
        updated = copy.deepcopy(current)  # never change the informer's copy
        updated["data"] = wanted
        updated["metadata"].setdefault("annotations", {})[DESCRIPTION_ANNOTATION] = DESCRIPTION
        await self.client.update(resources.CONFIGMAPS, updated)


def new_controller(ctx: ControllerContext) -> Publisher:
    return Publisher(ctx)
