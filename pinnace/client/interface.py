"""The contract every component codes against: :class:`Client`, the verbs of the Kubernetes API.

Two implementations keep it: :class:`~pinnace.client.rest.RestClient` (HTTP to a real API server) and
:class:`~pinnace.client.fake.FakeClient` (in memory, for unit tests). Objects are plain JSON dicts in and out
(design.md §3); a caller owns what it gets back and may change it. Every failure is an
:class:`~pinnace.client.errors.ApiError` subclass chosen by the Status the server answered
(``NotFound``, ``Conflict``...), or ``ConnectionFailed`` when there was no answer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pinnace.client.resources import Resource

Object = dict[str, Any]

#: JSON patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge patch (built-in kinds only), and
#: server-side apply (``application/apply-patch+yaml``; needs ``field_manager``).
PatchType = Literal["json", "merge", "strategic", "apply"]

PATCH_CONTENT_TYPES: dict[str, str] = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}

WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One watch event. ``object`` is the object after the change (for DELETED: its last state, with the
    resourceVersion of the deletion); for BOOKMARK only ``metadata.resourceVersion`` is meaningful."""

    type: str
    object: Object

    @property
    def resource_version(self) -> str:
        return str((self.object.get("metadata") or {}).get("resourceVersion") or "")


class Client(Protocol):
    """The Kubernetes API as a component sees it. ``namespace`` is ignored for cluster-scoped resources.

    Guarantees callers rely on:

    * writes return the object as stored (with its new ``resourceVersion``), except ``delete`` (below);
    * ``update`` and ``patch`` with a ``metadata.resourceVersion`` in the body fail with ``Conflict`` when the
      object changed since; without one they overwrite (last writer wins);
    * the ``status`` subresource changes only ``status``; the main resource of a kind that has a status
      subresource ignores changes to ``status``;
    * reads (``get``, ``list``, the start of ``watch``) and writes that certainly never reached the server are
      retried by the implementation; anything else is the caller's to retry (a work queue does it).
    """

    async def get(
        self, resource: Resource, name: str, namespace: str = "", *, subresource: str = ""
    ) -> Object:
        """The object, or ``NotFound``. ``subresource="scale"`` answers the autoscaling/v1 ``Scale``."""
        ...

    async def list(
        self,
        resource: Resource,
        namespace: str = "",
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
        resource_version: str = "",
    ) -> Object:
        """The List object (``kind: PodList``; ``items``; ``metadata.resourceVersion`` to watch from;
        ``metadata.continue`` when ``limit`` cut it short). ``namespace=""`` lists all namespaces.
        ``resource_version="0"`` allows a possibly stale answer from the server's cache, ``""`` is a
        consistent read; an expired ``continue_token`` raises ``Gone``."""
        ...

    async def create(
        self,
        resource: Resource,
        body: Object,
        namespace: str = "",
        *,
        subresource: str = "",
        name: str = "",
        dry_run: bool = False,
        field_manager: str = "",
    ) -> Object:
        """POST ``body``. ``namespace`` defaults to the body's ``metadata.namespace``. For a subresource
        POST (pods' ``binding`` and ``eviction``), ``name`` is the parent object's name and the answer is what
        the server returns (a Status for binding). ``AlreadyExists`` when the name is taken."""
        ...

    async def update(
        self, resource: Resource, body: Object, *, subresource: str = "", field_manager: str = ""
    ) -> Object:
        """PUT ``body`` at the namespace and name in its metadata (``subresource="status"`` for status)."""
        ...

    async def patch(
        self,
        resource: Resource,
        name: str,
        patch: Any,
        namespace: str = "",
        *,
        patch_type: PatchType = "merge",
        subresource: str = "",
        field_manager: str = "",
        force: bool = False,
    ) -> Object:
        """PATCH the object; ``patch`` is a dict (a list for ``json``). ``force`` only for ``apply``."""
        ...

    async def delete(
        self,
        resource: Resource,
        name: str,
        namespace: str = "",
        *,
        propagation_policy: str = "",
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> Object:
        """DELETE with DeleteOptions. Returns what the server answered: the object when deletion waits
        (finalizers, a pod's grace period: ``metadata.deletionTimestamp`` is set) or for kinds that return
        it (pods), else a ``Status`` with ``status: Success``. ``preconditions`` takes ``uid`` and/or
        ``resourceVersion`` (``Conflict`` if they do not hold). ``propagation_policy``: ``Background``,
        ``Foreground`` or ``Orphan``."""
        ...

    def watch(
        self,
        resource: Resource,
        namespace: str = "",
        *,
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        allow_bookmarks: bool = True,
        timeout_seconds: int | None = None,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Changes after ``resource_version`` (``""``/``"0"``: ADDED for every current object first).

        An async generator: iterate it inside ``contextlib.aclosing`` (or exhaust it) so the stream is
        closed. It ends when the server ends the stream (``timeout_seconds``, server shutdown): re-watch
        from the last event's resourceVersion. Raises ``Gone`` when ``resource_version`` is too old (an HTTP
        410 or an ERROR event with code 410): re-list. Other ERROR events raise their ``ApiError``.
        """
        ...

    async def close(self) -> None:
        """Release connections; the client is unusable afterwards."""
        ...
