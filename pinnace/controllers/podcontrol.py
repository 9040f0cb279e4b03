"""Creating and deleting a controller's pods, as upstream's ``RealPodControl`` and ``slowStartBatch`` do.

Pods are created from the owner's template with ``generateName`` ``<owner>-``, the template's labels,
annotations and finalizers, and a controller ownerReference; every outcome is an Event on the owner with
upstream's reasons (``SuccessfulCreate``, ``FailedCreate``, ``SuccessfulDelete``, ``FailedDelete``).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from typing import Any

from pinnace.client import resources
from pinnace.client.errors import ApiError, NotFound
from pinnace.client.events import EventRecorder
from pinnace.client.interface import Client

Object = dict[str, Any]

#: Upstream's ``SlowStartInitialBatchSize``: the first batch of a burst of creations.
SLOW_START_INITIAL_BATCH_SIZE = 1


def pod_from_template(
    template: Object, owner: Object, controller_ref: Object | None, *, generate_name: str = ""
) -> Object:
    """The pod a controller asks for (upstream's ``GetPodFromTemplate``)."""
    template_meta = template.get("metadata") or {}
    metadata: Object = {
        "namespace": owner["metadata"].get("namespace", ""),
        "generateName": generate_name or f"{owner['metadata']['name']}-",
        "labels": dict(template_meta.get("labels") or {}),
    }
    if template_meta.get("annotations"):
        metadata["annotations"] = dict(template_meta["annotations"])
    if template_meta.get("finalizers"):
        metadata["finalizers"] = list(template_meta["finalizers"])
    if controller_ref is not None:
        metadata["ownerReferences"] = [controller_ref]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


class PodControl:
    """Pod writes on behalf of one controller, each recorded as an Event on the owner."""

    def __init__(self, client: Client, recorder: EventRecorder) -> None:
        self._client = client
        self._recorder = recorder

    async def create_pod(self, pod: Object, owner: Object) -> Object:
        namespace = pod["metadata"].get("namespace", "")
        try:
            created = await self._client.create(resources.PODS, pod, namespace)
        except ApiError as err:
            self._recorder.event(owner, "Warning", "FailedCreate", f"Error creating: {err.message}")
            raise
        name = created["metadata"]["name"]
        self._recorder.event(owner, "Normal", "SuccessfulCreate", f"Created pod: {name}")
        return created

    async def delete_pod(self, namespace: str, name: str, owner: Object) -> bool:
        """Delete a pod; one that is already gone counts as deleted. Returns False in that case: no watch
        event will follow this call, so a caller that expects one must lower its expectations itself."""
        try:
            await self._client.delete(resources.PODS, name, namespace)
        except NotFound:
            return False
        except ApiError as err:
            self._recorder.event(owner, "Warning", "FailedDelete", f"Error deleting: {err.message}")
            raise
        self._recorder.event(owner, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
        return True


async def slow_start_batch(
    count: int, fn: Callable[[], Awaitable[object]], initial_batch_size: int = SLOW_START_INITIAL_BATCH_SIZE
) -> tuple[int, BaseException | None]:
    """Call ``fn`` ``count`` times in batches of 1, 2, 4, ... and stop after the first batch with a failure.

    A quota or admission error then costs one request instead of hundreds (upstream's ``slowStartBatch``).
    Returns how many calls succeeded and the first error, if any.
    """
    remaining = count
    successes = 0
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        results = await asyncio.gather(*(fn() for _ in range(batch)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        for error in errors:
            if not isinstance(error, Exception):
                raise error  # cancellation and other BaseExceptions are never results
        successes += batch - len(errors)
        if errors:
            return successes, errors[0]
        remaining -= batch
        batch = min(remaining, 2 * batch)
    return successes, None
