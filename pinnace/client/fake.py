"""``FakeClient``: an in-memory :class:`~pinnace.client.interface.Client` for unit tests of controllers, the
scheduler and node agents (the role of client-go's ``fake.NewSimpleClientset`` and its object tracker).

What it models, as the API server does:

* one global ``resourceVersion`` counter; ``uid``, ``creationTimestamp`` (from the injected clock),
  ``generateName``; ``generation`` 1 on create and +1 when ``spec`` changes (not for Pods, Nodes, Namespaces,
  Events, as upstream's strategies);
* optimistic concurrency (``Conflict`` on a stale ``metadata.resourceVersion`` in an update or patch);
  ``AlreadyExists``, ``NotFound`` with upstream's wording; updates that change nothing are dropped (no new
  resourceVersion, no event), as the registry's ``GuaranteedUpdate`` does;
* the ``status`` subresource (writes only status; main-resource writes keep the old status for kinds that have
  one), namespaces' ``finalize``; pods' ``binding`` (sets ``spec.nodeName`` and ``PodScheduled``) and
  ``eviction`` (deletes the pod; PodDisruptionBudgets are not consulted);
* merge, JSON and strategic merge patch with the server's own libraries; ``apply`` is a create-or-merge-patch;
* deletion: ``Orphan``/``Foreground`` add their finalizers; an object with finalizers, a scheduled pod with
  a grace period, or a namespace with ``spec.finalizers`` gets ``deletionTimestamp`` and stays until they are
  gone; otherwise it goes at once. Preconditions (uid, resourceVersion) are checked;
* label and field selectors (the API's own parsers and per-kind field sets); ``limit``/``continue``;
* watch: live events to every watcher, replay from a ``resourceVersion`` within the last ``history`` events
  (``Gone`` before that), selector transitions as ADDED/DELETED like the watch cache, :meth:`end_watches`
  (a server-side timeout) and :meth:`bookmark`.

Test hooks: :attr:`actions` records every call; :meth:`fail_next` and :meth:`add_error_hook` inject errors
(checked after the action is recorded, before anything changes); :meth:`seed` stores objects without
recording.

Not modelled: admission, defaulting and validation; RBAC; server-side apply field ownership; pods' graceful
deletion running out on its own (a test or the node agent deletes again with grace 0); a namespace's
contents going with it; ``resourceVersion`` semantics of lists (always the latest state) and list snapshots
across pages; ``timeoutSeconds``. The ``scale`` subresource reads and writes ``spec.replicas`` of kinds that
serve it.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import random
import uuid
from collections import deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from pinnace.client import fakeobjects as objects
from pinnace.client.clock import REAL_CLOCK, Clock, rfc3339
from pinnace.client.errors import ApiError, status_error
from pinnace.client.interface import Object, PatchType, WatchEvent
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import Resource

# kube's names.SimpleNameGenerator alphabet (no vowels, no confusable digits).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


@dataclass(frozen=True, slots=True)
class Action:
    """One call the client received; ``resource`` is the plural (``pods``)."""

    verb: str
    resource: str
    namespace: str = ""
    name: str = ""
    subresource: str = ""


ErrorHook = Callable[[Action], ApiError | None]


@dataclass(frozen=True, slots=True)
class _Change:
    revision: int
    bucket: tuple[str, str]
    type: str  # ADDED, MODIFIED, DELETED
    object: Object
    previous: Object | None


@dataclass
class _Watcher:
    bucket: tuple[str, str]
    queue: asyncio.Queue[_Change | int | None] = field(default_factory=asyncio.Queue)
    bookmarks: bool = True


class FakeClient:
    """See the module docstring. Objects handed in are copied; objects handed out are the caller's."""

    def __init__(self, *, clock: Clock = REAL_CLOCK, history: int = 1000, seed: int = 0) -> None:
        self.actions: list[Action] = []
        self._clock = clock
        self._store: dict[tuple[str, str], dict[ObjectKey, Object]] = {}
        self._revision = 0
        self._history: deque[_Change] = deque(maxlen=history)
        self._compacted = 0  # events at or below this revision can no longer be replayed
        self._watchers: list[_Watcher] = []
        self._failures: list[tuple[str, str, ApiError]] = []
        self._hooks: list[ErrorHook] = []
        self._rng = random.Random(seed)
        self._uids = itertools.count(1)

    # Test hooks -------------------------------------------------------------------------------------------

    def fail_next(self, verb: str, plural: str, error: ApiError) -> None:
        """The next ``verb`` on ``plural`` (``"*"`` matches any) raises ``error``; queued in order."""
        self._failures.append((verb, plural, error))

    def add_error_hook(self, hook: ErrorHook) -> None:
        """``hook(action)`` is asked before every call; an error it returns is raised."""
        self._hooks.append(hook)

    def seed(self, resource: Resource, *items: Object) -> list[Object]:
        """Store objects as they are (metadata the server would set is filled in), without an action."""
        return [self._insert(resource, copy.deepcopy(item)) for item in items]

    def objects(self, resource: Resource, namespace: str = "") -> list[Object]:
        """The stored objects (copies), sorted by key."""
        bucket = self._store.get(_bucket(resource), {})
        return [
            copy.deepcopy(o) for k, o in sorted(bucket.items()) if not namespace or k.namespace == namespace
        ]

    def actions_of(self, verb: str, plural: str = "") -> list[Action]:
        return [a for a in self.actions if a.verb == verb and (not plural or a.resource == plural)]

    def end_watches(self) -> None:
        """End every open watch, as the server does when ``timeoutSeconds`` runs out."""
        for watcher in self._watchers:
            watcher.queue.put_nowait(None)

    def bookmark(self) -> None:
        """Send a BOOKMARK at the current resourceVersion to every watcher that allows them."""
        for watcher in self._watchers:
            if watcher.bookmarks:
                watcher.queue.put_nowait(self._revision)

    def compact(self) -> None:
        """Forget the event history: watches from any earlier resourceVersion now fail with ``Gone``."""
        self._history.clear()
        self._compacted = self._revision

    @property
    def resource_version(self) -> int:
        return self._revision

    def _record(self, action: Action) -> None:
        self.actions.append(action)
        for index, (verb, plural, failure) in enumerate(self._failures):
            if verb in (action.verb, "*") and plural in (action.resource, "*"):
                del self._failures[index]
                raise failure
        for hook in self._hooks:
            if (error := hook(action)) is not None:
                raise error

    # Reads -----------------------------------------------------------------------------------------------

    async def get(
        self, resource: Resource, name: str, namespace: str = "", *, subresource: str = ""
    ) -> Object:
        namespace = _scope(resource, namespace)
        self._record(Action("get", resource.plural, namespace, name, subresource))
        current = self._current(resource, ObjectKey(namespace, name))
        if subresource == "scale":
            return objects.scale_of(resource, current)
        if subresource not in ("", "status"):
            raise status_error(
                405, "MethodNotAllowed", f"FakeClient does not model GET {resource.plural}/{subresource}"
            )
        return copy.deepcopy(current)

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
        namespace = _scope(resource, namespace)
        self._record(Action("list", resource.plural, namespace))
        matches = objects.selector_matcher(resource, label_selector, field_selector)
        items = [
            (key, obj)
            for key, obj in sorted(self._store.get(_bucket(resource), {}).items())
            if (not namespace or key.namespace == namespace) and matches(obj)
        ]
        if continue_token:
            after = ObjectKey(*continue_token.split("/", 1))
            items = [(key, obj) for key, obj in items if key > after]
        metadata: Object = {"resourceVersion": str(self._revision)}
        if 0 < limit < len(items):
            items = items[:limit]
            last = items[-1][0]
            metadata["continue"] = f"{last.namespace}/{last.name}"
        return {
            "kind": resource.list_kind,
            "apiVersion": resource.api_version,
            "metadata": metadata,
            "items": [copy.deepcopy(obj) for _, obj in items],
        }

    # Writes ----------------------------------------------------------------------------------------------

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
        body_key = key_of(body)
        namespace = _scope(resource, namespace or body_key.namespace)
        self._record(Action("create", resource.plural, namespace, name or body_key.name, subresource))
        if subresource:
            return self._create_subresource(resource, body, namespace, name or body_key.name, subresource)
        if resource.namespaced and body_key.namespace and body_key.namespace != namespace:
            raise status_error(
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the request",
            )
        if resource.namespaced and not namespace:
            raise status_error(400, "BadRequest", "a namespace is required to create a namespaced object")
        obj = copy.deepcopy(body)
        metadata = obj.setdefault("metadata", {})
        if resource.namespaced:
            metadata["namespace"] = namespace
        if not metadata.get("name"):
            if not metadata.get("generateName"):
                raise status_error(
                    422,
                    "Invalid",
                    f'{resource.kind} "" is invalid: metadata.name: Required value: name or '
                    "generateName is required",
                )
            metadata["name"] = metadata["generateName"] + "".join(self._rng.choices(_NAME_ALPHABET, k=5))
        key = key_of(obj)
        if key in self._store.get(_bucket(resource), {}):
            raise status_error(
                409,
                "AlreadyExists",
                f'{resource.qualified} "{key.name}" already exists',
                {"name": key.name, "group": resource.group, "kind": resource.plural},
            )
        for server_owned in (
            "resourceVersion",
            "uid",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "creationTimestamp",
            "generation",
        ):
            metadata.pop(server_owned, None)
        if dry_run:
            return self._stamp(resource, obj)
        return copy.deepcopy(self._insert(resource, obj))

    async def update(
        self, resource: Resource, body: Object, *, subresource: str = "", field_manager: str = ""
    ) -> Object:
        key = key_of(body)
        key = ObjectKey(_scope(resource, key.namespace), key.name)
        self._record(Action("update", resource.plural, key.namespace, key.name, subresource))
        current = self._current(resource, key)
        wanted = str((body.get("metadata") or {}).get("resourceVersion") or "")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            raise objects.conflict(resource, key.name, objects.STALE)
        if subresource == "scale":
            return objects.scale_of(resource, self._write(resource, current, body, subresource))
        return copy.deepcopy(self._write(resource, current, body, subresource))

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
        namespace = _scope(resource, namespace)
        self._record(Action("patch", resource.plural, namespace, name, subresource))
        key = ObjectKey(namespace, name)
        if patch_type == "apply" and key not in self._store.get(_bucket(resource), {}):
            body = copy.deepcopy(patch)
            body.setdefault("metadata", {}).update({"name": name, "namespace": namespace})
            return copy.deepcopy(self._insert(resource, body))
        current = self._current(resource, key)
        if subresource == "scale":  # the patch applies to the Scale, not to the object
            scale = objects.apply_patch(objects.SCALE, objects.scale_of(resource, current), patch, patch_type)
            wanted = str((scale.get("metadata") or {}).get("resourceVersion") or "")
            if wanted and wanted != current["metadata"]["resourceVersion"]:
                raise objects.conflict(resource, name, objects.STALE)
            return objects.scale_of(resource, self._write(resource, current, scale, subresource))
        patched = objects.apply_patch(resource, current, patch, patch_type)
        wanted = str((patched.get("metadata") or {}).get("resourceVersion") or "")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            raise objects.conflict(resource, name, objects.STALE)
        return copy.deepcopy(self._write(resource, current, patched, subresource))

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
        namespace = _scope(resource, namespace)
        self._record(Action("delete", resource.plural, namespace, name))
        return self._delete(
            resource,
            ObjectKey(namespace, name),
            propagation_policy,
            grace_period_seconds,
            preconditions or {},
            dry_run,
        )

    async def close(self) -> None:
        self.end_watches()

    # Watch -----------------------------------------------------------------------------------------------

    async def watch(
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
        namespace = _scope(resource, namespace)
        self._record(Action("watch", resource.plural, namespace))
        matches = objects.selector_matcher(resource, label_selector, field_selector)
        bucket = _bucket(resource)
        backlog: list[_Change | int] = []
        if resource_version in ("", "0"):
            current = self._store.get(bucket, {})
            backlog = [_Change(self._revision, bucket, "ADDED", o, None) for _, o in sorted(current.items())]
        else:
            since = int(resource_version)
            if since < self._compacted:
                raise status_error(
                    410, "Expired", f"too old resource version: {since} ({self._compacted + 1})"
                )
            backlog = [c for c in self._history if c.revision > since and c.bucket == bucket]
        watcher = _Watcher(bucket, bookmarks=allow_bookmarks)
        for item in backlog:
            watcher.queue.put_nowait(item)
        self._watchers.append(watcher)
        try:
            while True:
                next_item = await watcher.queue.get()
                if next_item is None:
                    return
                if isinstance(next_item, int):
                    yield WatchEvent(
                        "BOOKMARK",
                        {
                            "kind": resource.kind,
                            "apiVersion": resource.api_version,
                            "metadata": {"resourceVersion": str(next_item)},
                        },
                    )
                    continue
                if next_item.bucket != bucket:
                    continue
                event = objects.watch_event(
                    next_item.type, next_item.object, next_item.previous, namespace, matches
                )
                if event is not None:
                    yield event
        finally:
            self._watchers.remove(watcher)

    # Internals -------------------------------------------------------------------------------------------

    def _current(self, resource: Resource, key: ObjectKey) -> Object:
        found = self._store.get(_bucket(resource), {}).get(key)
        if found is None:
            raise objects.not_found(resource, key.name)
        return found

    def _stamp(self, resource: Resource, obj: Object) -> Object:
        obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
        metadata = obj.setdefault("metadata", {})
        if not resource.namespaced:
            metadata.pop("namespace", None)
        metadata.setdefault("uid", str(uuid.UUID(int=next(self._uids), version=4)))
        metadata.setdefault("creationTimestamp", rfc3339(self._clock.now()))
        if objects.tracks_generation(resource, obj):
            metadata.setdefault("generation", 1)
        return obj

    def _insert(self, resource: Resource, obj: Object) -> Object:
        obj = self._stamp(resource, obj)
        self._revision += 1
        obj["metadata"]["resourceVersion"] = str(self._revision)
        self._store.setdefault(_bucket(resource), {})[key_of(obj)] = obj
        self._emit(resource, "ADDED", obj, None)
        return obj

    def _write(self, resource: Resource, current: Object, new: Object, subresource: str) -> Object:
        if subresource == "scale":
            new, subresource = objects.scaled(resource, current, new), ""
        if subresource not in ("", "status") and not (
            subresource == "finalize" and resource.kind == "Namespace"
        ):
            raise status_error(
                405, "MethodNotAllowed", f"FakeClient does not model {resource.plural}/{subresource}"
            )
        result = objects.merge_for_update(resource, current, new, subresource)
        if objects.same_content(result, current):
            return current
        result["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self._replace(resource, current, result)

    def _replace(self, resource: Resource, current: Object, result: Object) -> Object:
        """Store ``result`` in place of ``current``, or remove it when its deletion has finished."""
        self._revision += 1
        result["metadata"]["resourceVersion"] = str(self._revision)
        key = key_of(current)
        if objects.finished_deleting(resource, result):
            del self._store[_bucket(resource)][key]
            self._emit(resource, "DELETED", result, current)
        else:
            self._store[_bucket(resource)][key] = result
            self._emit(resource, "MODIFIED", result, current)
        return result

    def _delete(
        self,
        resource: Resource,
        key: ObjectKey,
        policy: str,
        grace: int | None,
        preconditions: dict[str, str],
        dry_run: bool,
    ) -> Object:
        current = self._current(resource, key)
        if (failure := objects.precondition_failure(resource, current, preconditions)) is not None:
            raise failure
        marked = objects.mark_for_deletion(resource, current, policy, grace, self._clock.now())
        if marked is not None:
            if dry_run or objects.same_content(marked, current):
                return copy.deepcopy(marked if dry_run else current)
            return copy.deepcopy(self._replace(resource, current, marked))
        if dry_run:
            return copy.deepcopy(current)
        self._revision += 1
        gone = copy.deepcopy(current)
        gone["metadata"]["resourceVersion"] = str(self._revision)
        del self._store[_bucket(resource)][key]
        self._emit(resource, "DELETED", gone, current)
        if resource.kind == "Pod":  # pods return the deleted object (ReturnDeletedObject)
            return copy.deepcopy(gone)
        return objects.deleted_status(resource, key.name, str(current["metadata"].get("uid", "")))

    def _create_subresource(
        self, resource: Resource, body: Object, namespace: str, name: str, subresource: str
    ) -> Object:
        key = ObjectKey(namespace, name)
        if resource.kind == "Pod" and subresource == "binding":
            current = self._current(resource, key)
            self._replace(resource, current, objects.bind(current, body, self._clock.now()))
            return _SUCCESS_CREATED
        if resource.kind == "Pod" and subresource == "eviction":
            options = body.get("deleteOptions") or {}
            policy = str(options.get("propagationPolicy") or "")
            grace, preconditions = options.get("gracePeriodSeconds"), options.get("preconditions") or {}
            self._delete(resource, key, policy, grace, preconditions, False)
            return _SUCCESS_CREATED
        raise status_error(
            405, "MethodNotAllowed", f"FakeClient does not model POST {resource.plural}/{subresource}"
        )

    def _emit(self, resource: Resource, kind: str, obj: Object, previous: Object | None) -> None:
        change = _Change(self._revision, _bucket(resource), kind, obj, previous)
        if len(self._history) == self._history.maxlen and self._history:
            self._compacted = self._history[0].revision
        self._history.append(change)
        for watcher in self._watchers:
            if watcher.bucket == change.bucket:
                watcher.queue.put_nowait(change)


_SUCCESS_CREATED: Object = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Success",
    "code": 201,
}


def _bucket(resource: Resource) -> tuple[str, str]:
    return (resource.group, resource.plural)


def _scope(resource: Resource, namespace: str) -> str:
    return namespace if resource.namespaced else ""
