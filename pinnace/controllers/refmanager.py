"""Adoption and release of dependents through controller ownerReferences (upstream's
``ControllerRefManager``, ``pkg/controller/controller_ref_manager.go``).

A controller owns the objects that carry its controller ownerReference. An orphan whose labels match the
controller's selector is adopted; an owned object whose labels no longer match is released. Objects being
deleted are left alone, and a controller being deleted adopts nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from pinnace.api.labels import LabelSelector
from pinnace.client.errors import NotFound
from pinnace.client.interface import Client
from pinnace.client.resources import Resource
from pinnace.controllers.ownerrefs import controller_ref

Object = dict[str, Any]


def _labels(obj: Object) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


class ControllerRefManager:
    """Claims dependents of one ``resource`` kind for one owner."""

    def __init__(
        self,
        client: Client,
        resource: Resource,
        owner: Object,
        selector: LabelSelector,
        controller_ref: Object,
        can_adopt: Callable[[], Awaitable[None]],
        finalizers: Sequence[str] = (),
        match_filter: Callable[[Object], bool] | None = None,
    ) -> None:
        """``can_adopt`` raises if the owner may not adopt now; upstream re-reads the owner from the API
        (not the cache) once before the first adoption, so a recreated owner with the same name does not
        adopt its predecessor's orphans. ``finalizers`` are added to what is adopted (the Job controller's
        ``batch.kubernetes.io/job-tracking``, as upstream's ``NewPodControllerRefManager`` takes them).
        ``match_filter`` narrows what matches beyond the selector (upstream's ``ClaimPods`` filters, such
        as the StatefulSet controller's ``isMemberOf``): an owned object it rejects is released."""
        self._client = client
        self._resource = resource
        self._owner = owner
        self._selector = selector
        self._ref = controller_ref
        self._can_adopt = can_adopt
        self._adoption_checked = False
        self._finalizers = list(finalizers)
        self._filter = match_filter

    @property
    def _owner_uid(self) -> str:
        return str(self._owner["metadata"]["uid"])

    @property
    def _owner_deleting(self) -> bool:
        return bool(self._owner["metadata"].get("deletionTimestamp"))

    async def claim(self, candidates: Iterable[Object]) -> list[Object]:
        """The candidates this owner controls after adopting and releasing as needed."""
        claimed: list[Object] = []
        for obj in candidates:
            if await self._claim_one(obj):
                claimed.append(obj)
        return claimed

    async def _claim_one(self, obj: Object) -> bool:
        ref = controller_ref(obj)
        matches = self._selector.matches(_labels(obj)) and (self._filter is None or self._filter(obj))
        deleting = bool((obj.get("metadata") or {}).get("deletionTimestamp"))
        if ref is not None:
            if ref.get("uid") != self._owner_uid:
                return False
            if matches or self._owner_deleting or deleting:
                return True
            await self._release(obj)
            return False
        if self._owner_deleting or not matches or deleting:
            return False
        if not self._adoption_checked:
            await self._can_adopt()
            self._adoption_checked = True
        try:
            await self._adopt(obj)
        except NotFound:
            return False  # it went away; nothing to own
        return True

    async def _adopt(self, obj: Object) -> None:
        metadata = obj["metadata"]
        patch: Object = {"metadata": {"ownerReferences": [self._ref], "uid": metadata["uid"]}}
        if self._finalizers:
            patch["metadata"]["finalizers"] = self._finalizers
        await self._client.patch(
            self._resource, metadata["name"], patch, metadata.get("namespace", ""), patch_type="strategic"
        )

    async def _release(self, obj: Object) -> None:
        metadata = obj["metadata"]
        patch = {
            "metadata": {
                "ownerReferences": [{"$patch": "delete", "uid": self._owner_uid}],
                "uid": metadata["uid"],
            }
        }
        try:
            await self._client.patch(
                self._resource, metadata["name"], patch, metadata.get("namespace", ""), patch_type="strategic"
            )
        except NotFound:
            pass  # already gone: released by definition
