"""Deleting everything in a Terminating namespace, then releasing it
(upstream's ``pkg/controller/namespace/deletion/namespaced_resources_deleter.go``).

One pass of :meth:`NamespacedResourcesDeleter.delete`:

1. re-read the namespace; nothing to do unless it has a deletionTimestamp; make sure its phase says
   ``Terminating``; nothing to do once ``spec.finalizers`` is empty;
2. for every namespaced resource that supports ``delete``: delete every object (propagation Background,
   so the garbage collector does not add the ``orphan`` finalizer), then list what is left. Pods still
   within their grace period, or objects held by finalizers, give an *estimate* of how long to wait;
3. record the outcome in the namespace's conditions;
4. with nothing left, remove the ``kubernetes`` finalizer through ``namespaces/<name>/finalize``; the API
   server then deletes the namespace.

The :class:`~pinnace.client.interface.Client` has no ``deletecollection``; every object is deleted by
name, which is what upstream falls back to when a resource does not support ``deletecollection``.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from pinnace.client import resources
from pinnace.client.clock import Clock
from pinnace.client.errors import ApiError, Conflict, MethodNotAllowed, NotFound
from pinnace.client.interface import Client, Object
from pinnace.client.resources import Resource
from pinnace.controllers.apiresources import preferred_resources
from pinnace.controllers.namespace.conditions import ConditionUpdater, ContentTotals
from pinnace.controllers.podutil import parse_time

log = logging.getLogger(__name__)

FINALIZER_KUBERNETES: Final = "kubernetes"
#: ``finalizerEstimateSeconds``: how long to wait for objects held by finalizers.
FINALIZER_ESTIMATE_SECONDS: Final = 15
#: Conflicting writes to the namespace are retried on a fresh read at most this often per pass.
UPDATE_ATTEMPTS: Final = 5


class ResourcesRemainingError(Exception):
    """Content is still going away; check again in about ``estimate`` seconds (not a failure)."""

    def __init__(self, estimate: int) -> None:
        super().__init__(
            f"some content remains in the namespace, estimate {estimate} seconds before it is removed"
        )
        self.estimate = estimate


class ContentDeletionError(Exception):
    """Some resources could not be deleted (an aggregate, as ``utilerrors.NewAggregate`` prints it)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages[0] if len(messages) == 1 else f"[{', '.join(messages)}]")
        self.messages = messages


@dataclass
class _ResourceOutcome:
    """``gvrDeletionMetadata``."""

    estimate: int = 0
    remaining: int = 0
    finalizers: dict[str, int] = field(default_factory=dict)


def _gvr(resource: Resource) -> str:
    """``%v`` of a GroupVersionResource: ``{apps v1 deployments}``, ``{ v1 pods}``."""
    return f"{{{resource.group} {resource.version} {resource.plural}}}"


def _rfc3339(clock: Clock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


class NamespacedResourcesDeleter:
    def __init__(
        self, client: Client, clock: Clock, resources_to_delete: list[Resource] | None = None
    ) -> None:
        self.client = client
        self.clock = clock
        self.resources = (
            resources_to_delete
            if resources_to_delete is not None
            else preferred_resources("delete", namespaced=True)
        )

    async def delete(self, name: str) -> None:
        """One pass; raises :class:`ResourcesRemainingError` to be called again later, or an error."""
        try:
            namespace = await self.client.get(resources.NAMESPACES, name)
        except NotFound:
            return
        if not namespace["metadata"].get("deletionTimestamp"):
            return
        try:
            namespace = await self._ensure_terminating(namespace)
        except NotFound:
            return
        if not (namespace.get("spec") or {}).get("finalizers"):
            return  # finalized: the API server removes it
        estimate = await self.delete_all_content(namespace)
        if estimate > 0:
            raise ResourcesRemainingError(estimate)
        try:
            await self._finalize(namespace)
        except NotFound:
            # Another controller sharing the finalizer finished the job.
            return

    async def _ensure_terminating(self, namespace: Object) -> Object:
        """``updateNamespaceStatusFunc``: the phase of a namespace being deleted is ``Terminating``."""
        for _ in range(UPDATE_ATTEMPTS):
            if (namespace.get("status") or {}).get("phase") == "Terminating":
                return namespace
            updated = copy.deepcopy(namespace)
            updated.setdefault("status", {})["phase"] = "Terminating"
            try:
                return await self.client.update(resources.NAMESPACES, updated, subresource="status")
            except Conflict:
                namespace = await self._reread(namespace)
        raise RuntimeError(
            f"namespace {namespace['metadata']['name']}: too many conflicts updating its phase"
        )

    async def _finalize(self, namespace: Object) -> None:
        """``finalizeNamespace``: ``spec.finalizers`` without ours, through the finalize subresource."""
        for _ in range(UPDATE_ATTEMPTS):
            finalizers = sorted(
                {
                    f
                    for f in (namespace.get("spec") or {}).get("finalizers") or []
                    if f != FINALIZER_KUBERNETES
                }
            )
            body = copy.deepcopy(namespace)
            body.setdefault("spec", {})["finalizers"] = finalizers
            try:
                await self.client.update(resources.NAMESPACES, body, subresource="finalize")
                return
            except Conflict:
                namespace = await self._reread(namespace)
        raise RuntimeError(f"namespace {namespace['metadata']['name']}: too many conflicts finalizing it")

    async def _reread(self, namespace: Object) -> Object:
        latest = await self.client.get(resources.NAMESPACES, namespace["metadata"]["name"])
        if latest["metadata"].get("uid") != namespace["metadata"].get("uid"):
            raise RuntimeError("namespace uid has changed across retries")
        return latest

    # Content ---------------------------------------------------------------------------------------------

    async def delete_all_content(self, namespace: Object) -> int:
        """Delete what is in the namespace; returns the estimated seconds until the rest is gone, and
        raises :class:`ContentDeletionError` after recording conditions if some resource failed."""
        name = namespace["metadata"]["name"]
        deleted_at = parse_time(namespace["metadata"].get("deletionTimestamp"))
        updater = ConditionUpdater(_rfc3339(self.clock))
        errors: list[str] = []
        estimate = 0
        totals = ContentTotals()
        for resource in self.resources:
            try:
                outcome = await self._delete_content_of(resource, name, deleted_at)
            except _ContentError as err:
                errors.append(str(err))
                updater.process_delete_content_error(str(err))
                outcome = err.outcome
            estimate = max(estimate, outcome.estimate)
            if outcome.remaining > 0:
                label = f"{resource.plural}.{resource.group}"
                totals.remaining_by_resource[label] = outcome.remaining
                for finalizer, count in outcome.finalizers.items():
                    if count:
                        totals.remaining_by_finalizer[finalizer] = (
                            totals.remaining_by_finalizer.get(finalizer, 0) + count
                        )
        updater.process_content_totals(totals)
        # Conditions are always written: "it worked" must replace an earlier "it did not".
        status = copy.deepcopy(namespace.get("status") or {})
        if updater.update(status):
            updated = copy.deepcopy(namespace)
            updated["status"] = status
            try:
                await self.client.update(resources.NAMESPACES, updated, subresource="status")
            except ApiError as err:
                log.warning("couldn't update status condition for namespace %r: %s", name, err)
        if errors:
            raise ContentDeletionError(errors)
        return estimate

    async def _delete_content_of(
        self, resource: Resource, namespace: str, deleted_at: datetime | None
    ) -> _ResourceOutcome:
        """``deleteAllContentForGroupVersionResource``."""
        try:
            estimate = await self._estimate_graceful_termination(resource, namespace, deleted_at)
        except ApiError as err:
            raise _ContentError(str(err), _ResourceOutcome()) from err
        try:
            await self._delete_each_item(resource, namespace)
            remaining = await self._list(resource, namespace)
        except ApiError as err:
            raise _ContentError(str(err), _ResourceOutcome(estimate=estimate)) from err
        if remaining is None or not remaining:
            return _ResourceOutcome(estimate=0 if remaining is not None else estimate)
        finalizers: dict[str, int] = {}
        for item in remaining:
            for finalizer in item["metadata"].get("finalizers") or []:
                finalizers[finalizer] = finalizers.get(finalizer, 0) + 1
        if estimate:
            return _ResourceOutcome(estimate, len(remaining), finalizers)
        if finalizers:
            # Finalizers are a normal reason to wait (the garbage collector, a storage driver...).
            return _ResourceOutcome(FINALIZER_ESTIMATE_SECONDS, len(remaining), finalizers)
        raise _ContentError(
            f"unexpected items still remain in namespace: {namespace} for gvr: {_gvr(resource)}",
            _ResourceOutcome(estimate, len(remaining)),
        )

    async def _list(self, resource: Resource, namespace: str) -> list[Object] | None:
        """The objects of ``resource`` in ``namespace``, or None if the resource cannot be listed."""
        if "list" not in resource.verbs:
            return None
        try:
            listed = await self.client.list(resource, namespace)
        except (MethodNotAllowed, NotFound):
            return None
        return list(listed.get("items") or [])

    async def _delete_each_item(self, resource: Resource, namespace: str) -> None:
        items = await self._list(resource, namespace)
        for item in items or []:
            # Background: the namespace controller removes everything itself and must not have the
            # garbage collector add the orphan finalizer (kinds whose default policy is Orphan).
            try:
                await self.client.delete(
                    resource, item["metadata"]["name"], namespace, propagation_policy="Background"
                )
            except (NotFound, MethodNotAllowed):
                continue

    async def _estimate_graceful_termination(
        self, resource: Resource, namespace: str, deleted_at: datetime | None
    ) -> int:
        """Pods may take up to their grace period to go; other kinds go at once. No wait once the
        namespace has been deleting for longer than that."""
        if (resource.group, resource.plural) != ("", "pods"):
            return 0
        listed = await self.client.list(resources.PODS, namespace)
        estimate = 0
        for pod in listed.get("items") or []:
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds")
            if isinstance(grace, int) and grace > estimate:
                estimate = grace
        if deleted_at is not None and (self.clock.now() - deleted_at).total_seconds() >= estimate:
            return 0
        return estimate


class _ContentError(Exception):
    def __init__(self, message: str, outcome: _ResourceOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome
