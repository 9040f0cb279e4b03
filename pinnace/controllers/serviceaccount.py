"""The ServiceAccount controller: a ``default`` ServiceAccount in every active namespace
(``pkg/controller/serviceaccount/serviceaccounts_controller.go``).

A namespace is synced when it appears or changes, and when a ServiceAccount in it is deleted, so a deleted
``default`` comes back. Namespaces that are not ``Active`` get nothing: content created in a Terminating
namespace would only hold up its deletion.
"""

from __future__ import annotations

from typing import Final

from pinnace.client import resources
from pinnace.client.errors import AlreadyExists, Forbidden, NotFound
from pinnace.client.interface import Object
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext

NAME: Final = "serviceaccount"

#: ``serviceAccountsToEnsure``: what every namespace gets.
SERVICE_ACCOUNTS_TO_ENSURE: Final = ("default",)


def namespace_key(namespace: str) -> ObjectKey:
    return ObjectKey("", namespace)


def is_terminating_error(err: Forbidden) -> bool:
    """Creation refused because the namespace is being deleted (``NamespaceTerminatingCause``, or the
    NamespaceLifecycle message when the cause is not given)."""
    causes = err.details.get("causes") or []
    if any(isinstance(c, dict) and c.get("reason") == "NamespaceTerminating" for c in causes):
        return True
    return "because it is being terminated" in err.message


class ServiceAccountsController:
    def __init__(self, ctx: ControllerContext) -> None:
        self.client = ctx.client
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name=NAME)
        self.namespaces = ctx.informers.informer(resources.NAMESPACES)
        self.service_accounts = ctx.informers.informer(resources.SERVICEACCOUNTS)
        self.namespaces.add_handler(self._namespace_changed, lambda _old, new: self._namespace_changed(new))
        self.service_accounts.add_handler(on_delete=self._service_account_deleted)

    def _namespace_changed(self, namespace: Object) -> None:
        self.queue.add(key_of(namespace))

    def _service_account_deleted(self, service_account: Object) -> None:
        self.queue.add(namespace_key(key_of(service_account).namespace))

    async def run(self, workers: int) -> None:
        await self.namespaces.wait_synced()
        await self.service_accounts.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=NAME)

    async def sync(self, key: ObjectKey) -> None:
        namespace = self.namespaces.indexer.get(key)
        if namespace is None or (namespace.get("status") or {}).get("phase") != "Active":
            return
        for name in SERVICE_ACCOUNTS_TO_ENSURE:
            if self.service_accounts.indexer.get(ObjectKey(key.name, name)) is not None:
                continue
            body = {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": key.name},
            }
            try:
                await self.client.create(resources.SERVICEACCOUNTS, body, key.name)
            except (AlreadyExists, NotFound):
                continue  # the cache was behind, or the namespace is gone
            except Forbidden as err:
                if not is_terminating_error(err):
                    raise


def new_controller(ctx: ControllerContext) -> ServiceAccountsController:
    return ServiceAccountsController(ctx)
