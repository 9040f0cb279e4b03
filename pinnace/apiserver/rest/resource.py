"""ResourceStore: the verbs of one resource over the store and its watch cache.

This is upstream's generic registry store (apiserver/pkg/registry/generic/registry/store.go) in
small form. Handlers decode requests and render responses; this module decides what is stored,
and speaks only StatusErrors to its callers.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pinnace.api.conversion import ConversionError, convert, storage_version
from pinnace.api.fieldmanager import FieldManager
from pinnace.api.registry import ResourceInfo
from pinnace.apiserver import status
from pinnace.apiserver.admission import AdmissionChain, Attributes, Operation
from pinnace.apiserver.rest import admit, codec, csr, deletion, objectmeta
from pinnace.apiserver.rest.continuetoken import ContinueToken, InvalidContinueToken
from pinnace.apiserver.rest.deletion import DeleteOptions, DeleteResult
from pinnace.apiserver.rest.fieldmanagers import FieldManagers
from pinnace.apiserver.rest.keys import collection_prefix, object_key
from pinnace.apiserver.rest.strategy import (
    Strategy,
    generation_changed,
    keep_status,
    strategy_for,
    take_status,
    update_template_generation,
)
from pinnace.apiserver.watchcache import (
    CacheEvent,
    Flush,
    ResourceVersionTooNew,
    ResourceVersionTooOld,
    WatchCache,
)
from pinnace.storage import (
    CompactedError,
    ConflictError,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    StorageError,
    Store,
    ValueTooLargeError,
)

Object = dict[str, Any]
Filter = Callable[[Object], bool]
Validator = Callable[[Object, Object | None], list[status.StatusCause]]

CONFLICT_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)
UPDATE_RETRIES = 5
# Subresources that write status alone (a CSR's approval conditions go through ``approval``).
STATUS_LIKE = ("status", "approval")


@dataclass(frozen=True, slots=True)
class ListOptions:
    namespace: str = ""
    matches: Filter | None = None
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[Object]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


class WriteHooks(Protocol):
    """Side effects a kind needs around its writes (Service IP and port allocation).

    ``before_*`` returns what it claimed, handed to ``rollback`` if the write then fails.
    """

    async def before_create(self, obj: Object) -> list[str]: ...
    async def before_update(self, new: Object, old: Object) -> list[str]: ...
    async def after_update(self, new: Object, old: Object) -> None: ...
    async def after_delete(self, obj: Object) -> None: ...
    async def rollback(self, claimed: list[str]) -> None: ...


@dataclass
class Hooks:
    """Per-kind defaulting and validation, and the admission chain, plugged in by the API server."""

    default: Callable[[Object], None] = lambda obj: None
    validate: Validator = lambda new, old: []
    # The API server's admission plugins (pinnace.apiserver.admission.install sets it on every store).
    admission: AdmissionChain | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    writes: WriteHooks | None = None
    # Create-time changes of the kind (initial status, generation 1, ...), given the RFC 3339 now.
    prepare_for_create: Callable[[Object, str], None] = lambda obj, now: None
    tracks_generation: bool = False


class ResourceStore:
    def __init__(self, info: ResourceInfo, store: Store, cache: WatchCache, hooks: Hooks) -> None:
        self.info = info
        self.store = store
        self.cache = cache
        self.hooks = hooks
        self.strategy: Strategy = strategy_for(info.group, info.kind)
        self.has_status = "status" in info.subresources
        # HPAs are stored as autoscaling/v2 and Events as core v1 whichever version wrote them.
        self.storage_version = storage_version(info.group, info.kind) or info.api_version
        self._field_managers = FieldManagers(info, lambda: self.hooks.clock(), has_status=self.has_status)

    # --- naming and errors -----------------------------------------------------------------

    @property
    def resource(self) -> str:
        return self.info.plural

    def _not_found(self, name: str) -> status.StatusError:
        return status.not_found(self.resource, name, group=self.info.group)

    def _conflict(self, name: str, reason: str = CONFLICT_MESSAGE) -> status.StatusError:
        return status.conflict(self.resource, name, reason, group=self.info.group)

    def _storage_error(self, err: StorageError, name: str = "") -> status.StatusError:
        if isinstance(err, ValueTooLargeError):
            return status.request_entity_too_large(f"etcdserver: request is too large: {err}")
        if isinstance(err, CompactedError):
            return status.resource_expired(
                f"too old resource version: {err.requested_revision} ({err.compacted_revision})"
            )
        if isinstance(err, FutureRevisionError):
            return status.timeout(
                f"Too large resource version: {err.requested_revision}, current: {err.current_revision}", 1
            )
        return status.internal_error(err)

    def _key(self, namespace: str, name: str) -> str:
        return object_key(self.info, namespace, name)

    def _with_type(self, obj: Object) -> Object:
        obj["apiVersion"] = self.info.api_version
        obj["kind"] = self.info.kind
        return obj

    def view(self, stored: Object) -> Object:
        """A stored object as this version serves it (a new dict; the input may be cached)."""
        if stored.get("apiVersion") == self.info.api_version or stored.get("apiVersion") is None:
            return self._with_type(stored)
        try:
            return convert(stored, self.info.api_version)
        except ConversionError as err:
            raise status.internal_error(err) from err

    def _to_storage(self, obj: Object) -> Object:
        """A request's object in the version it is stored in (several versions share one storage)."""
        if obj.get("apiVersion") == self.storage_version:
            return obj
        try:
            return convert(obj, self.storage_version)
        except ConversionError as err:
            raise status.bad_request(str(err)) from err

    def field_manager(self, subresource: str = "") -> FieldManager:
        """Field management for writes through this version of the resource (or its ``subresource``)."""
        return self._field_managers.get(subresource)

    # --- reads -----------------------------------------------------------------------------

    async def get(self, namespace: str, name: str, *, resource_version: str = "") -> Object:
        key = self._key(namespace, name)
        if resource_version:
            await self._wait_for_cache(resource_version)
            cached = self.cache.get(key)
            if cached is None:
                raise self._not_found(name)
            return self.view(copy.deepcopy(cached))
        try:
            kv = await self.store.get(key)
        except StorageError as err:
            raise self._storage_error(err, name) from err
        if kv is None:
            raise self._not_found(name)
        return self.view(codec.decode(kv.value, kv.mod_revision))

    async def _wait_for_cache(self, resource_version: str) -> None:
        revision = parse_resource_version(resource_version)
        try:
            await self.cache.wait_for_revision(revision)
        except ResourceVersionTooNew as err:
            raise status.timeout(str(err), 1) from err

    async def list(self, options: ListOptions) -> ListResult:
        matches = options.matches or (lambda obj: True)
        prefix = collection_prefix(self.info, options.namespace)
        from_cache = not options.continue_token and (
            options.resource_version == "0"
            or (options.resource_version and options.resource_version_match != "Exact" and not options.limit)
        )
        if from_cache:
            if options.resource_version != "0":
                await self._wait_for_cache(options.resource_version)
            else:
                await self.cache.wait_ready()
            objects, revision = self.cache.snapshot(prefix)
            # Shallow copies: responses only build new top-level dicts, and a deep copy of every cached
            # object made large lists slower from the cache than from the store.
            items = [self.view(dict(obj)) for obj in objects if matches(obj)]
            return ListResult(items, revision)
        return await self._list_from_store(prefix, matches, options)

    async def _list_from_store(self, prefix: str, matches: Filter, options: ListOptions) -> ListResult:
        revision = 0
        start = prefix
        if options.continue_token:
            try:
                resume = ContinueToken.decode(options.continue_token)
            except InvalidContinueToken as err:
                raise status.bad_request(str(err)) from err
            revision, start = resume.revision, prefix + resume.start
        elif options.resource_version and options.resource_version_match == "Exact":
            revision = parse_resource_version(options.resource_version)
        items: list[Object] = []
        more = False
        remaining: int | None = None
        last_key = ""
        # Fetch pages until the limit is filled with objects that pass the filter (upstream does the same).
        page_size = max(options.limit, 500) if options.limit else 0
        while True:
            try:
                page = await self.store.list(prefix, start=start, limit=page_size, revision=revision)
            except CompactedError as err:
                if options.continue_token:
                    raise status.resource_expired(EXPIRED_CONTINUE_MESSAGE) from err
                raise self._storage_error(err) from err
            except StorageError as err:
                raise self._storage_error(err) from err
            revision = page.revision
            for index, kv in enumerate(page.items):
                obj = codec.decode(kv.value, kv.mod_revision)
                if not matches(obj):
                    continue
                items.append(self.view(obj))
                last_key = kv.key
                if options.limit and len(items) == options.limit:
                    rest_in_page = index + 1 < len(page.items)
                    more = rest_in_page or page.more
                    if more and options.matches is None:
                        remaining = page.count - index - 1
                    break
            else:
                if page.more and page.items:
                    start = page.items[-1].key + "\x00"
                    continue
            break
        next_token = ContinueToken(revision, last_key[len(prefix) :] + "\x00").encode() if more else ""
        return ListResult(items, revision, next_token, remaining)

    # --- writes ----------------------------------------------------------------------------

    async def create(
        self, namespace: str, obj: Object, *, dry_run: bool = False, field_manager: str | None = None
    ) -> Object:
        """Store a new object. ``field_manager`` records its fields as that manager's (an Update entry);
        None leaves ``metadata.managedFields`` as given (an apply has set them already)."""
        obj = copy.deepcopy(obj)
        now = self.hooks.clock()
        # The name the request gave (upstream generates names only after admission, which names a refused
        # generateName create by its prefix).
        requested_name = str((obj.get("metadata") or {}).get("name") or "")
        objectmeta.prepare_for_create(obj, namespace=namespace, namespaced=self.info.namespaced, now=now)
        self._with_type(obj)
        self.hooks.default(obj)  # defaulting is per version: the request's
        if field_manager is not None:
            obj = self.field_manager().update(None, obj, field_manager)
        admission = self.hooks.admission
        if admit.applies(admission, Operation.CREATE, mutating=True):
            attrs = self._admission(
                Operation.CREATE, namespace, requested_name, obj, None, dry_run, field_manager
            )
            obj = self._admitted_object(await admit.mutate(admission, attrs))
        obj = self._to_storage(obj)
        self.hooks.prepare_for_create(obj, objectmeta.rfc3339(now))
        name = obj["metadata"].get("name", "")
        self._validate(obj, None, name)
        if admit.applies(admission, Operation.CREATE, mutating=False):
            # The validating phase sees the generated name (upstream's AdmissionToValidateObjectFunc).
            attrs = self._admission(
                Operation.CREATE, namespace, name, self.view(obj), None, dry_run, field_manager
            )
            await admit.validate(admission, attrs)
        if dry_run:
            key = self._key(namespace, name)
            if await self.store.get(key) is not None:
                raise status.already_exists(self.resource, name, group=self.info.group)
            return self.view(obj)
        claimed = await self.hooks.writes.before_create(obj) if self.hooks.writes else []
        try:
            revision = await self.store.create(self._key(namespace, name), codec.encode(obj))
        except BaseException as err:
            if self.hooks.writes is not None:
                await self.hooks.writes.rollback(claimed)
            if isinstance(err, KeyExistsError):
                raise status.already_exists(self.resource, name, group=self.info.group) from err
            if isinstance(err, StorageError):
                raise self._storage_error(err, name) from err
            raise
        obj["metadata"]["resourceVersion"] = str(revision)
        return self.view(obj)

    def _validate(self, obj: Object, old: Object | None, name: str) -> None:
        causes = self.hooks.validate(obj, old)
        if causes:
            raise status.invalid(self.info.kind, name, causes, group=self.info.group)

    async def update(
        self,
        namespace: str,
        name: str,
        transform: Callable[[Object], Awaitable[Object] | Object],
        *,
        subresource: str = "",
        dry_run: bool = False,
        validate: bool = True,
        create_if_missing: Callable[[], Awaitable[Object]] | None = None,
        field_manager: str | None = None,
    ) -> tuple[Object, bool]:
        """Read, transform, write, retrying on a conflict the client did not ask to be told about.

        ``transform`` gets a private copy of the current object (with its resourceVersion) and
        returns the desired one; a resourceVersion in the result is a precondition (409 on
        mismatch). ``validate=False`` is for server-internal writes that upstream also makes
        without the kind's update validation (a pod's binding). ``field_manager`` records the
        fields the write changed as that manager's, as upstream's FieldManager does on every
        update and patch; None keeps the managed fields ``transform`` returns (an apply, or a
        server-internal write). Returns (stored object, created).
        """
        key = self._key(namespace, name)
        for _attempt in range(UPDATE_RETRIES):
            try:
                kv = await self.store.get(key)
            except StorageError as err:
                raise self._storage_error(err, name) from err
            if kv is None:
                if create_if_missing is None:
                    raise self._not_found(name)
                return await create_if_missing(), True
            current = codec.decode(kv.value, kv.mod_revision)
            current_view = self.view(copy.deepcopy(current))
            desired = transform(copy.deepcopy(current_view))
            if isinstance(desired, Awaitable):
                desired = await desired
            wanted_version = str(desired.get("metadata", {}).get("resourceVersion", ""))
            if wanted_version and wanted_version != str(kv.mod_revision):
                raise self._conflict(name)
            if not wanted_version and not self.strategy.allow_unconditional_update:
                raise status.invalid(
                    self.info.kind,
                    name,
                    [
                        status.StatusCause(
                            "FieldValueRequired",
                            "must be specified for an update",
                            "metadata.resourceVersion",
                        )
                    ],
                    group=self.info.group,
                )
            defaulted = False
            if field_manager is not None:
                # Upstream's field manager sees the request's object as decoded, defaults included.
                if subresource not in STATUS_LIKE:
                    desired = self._defaulted(desired)
                    defaulted = True
                desired = self.field_manager(subresource).update(current_view, desired, field_manager)
            admission = self.hooks.admission
            if admit.applies(admission, Operation.UPDATE, mutating=True):
                # Mutating admission sees the decoded, defaulted object and the current one (upstream runs
                # it inside the update's retry loop, as here).
                if not defaulted and subresource not in STATUS_LIKE:
                    desired = self._defaulted(desired)
                    defaulted = True
                attrs = self._admission(
                    Operation.UPDATE,
                    namespace,
                    name,
                    desired,
                    current_view,
                    dry_run,
                    field_manager,
                    subresource,
                )
                desired = self._admitted_object(await admit.mutate(admission, attrs))
            stored = self._prepare_update(
                desired, current, subresource, validate=validate, defaulted=defaulted
            )
            if admit.applies(admission, Operation.UPDATE, mutating=False):
                attrs = self._admission(
                    Operation.UPDATE,
                    namespace,
                    name,
                    # Not a copy, as upstream: validating plugins must not change what they are shown.
                    self.view(stored),
                    current_view,
                    dry_run,
                    field_manager,
                    subresource,
                )
                await admit.validate(admission, attrs)
            if stored == current and not kv.stale:
                # Nothing changed: upstream skips the write, so the resourceVersion stays the same. A stale
                # value (read with an old encryption key) is rewritten all the same, as upstream does.
                return current_view, False
            if dry_run:
                return self.view(stored), False
            if deletion.finished_deleting(stored, self.strategy):
                try:
                    await self.store.delete(key, expected_mod_revision=kv.mod_revision)
                except ConflictError:
                    if wanted_version:
                        raise self._conflict(name) from None
                    continue
                except KeyNotFoundError as err:
                    raise self._not_found(name) from err
                if self.hooks.writes is not None:
                    await self.hooks.writes.after_delete(stored)
                return self.view(stored), False
            writes = self.hooks.writes if subresource not in STATUS_LIKE else None
            claimed = await writes.before_update(stored, current) if writes is not None else []
            try:
                revision = await self.store.update(
                    key, codec.encode(stored), expected_mod_revision=kv.mod_revision
                )
            except BaseException as err:
                if writes is not None:
                    await writes.rollback(claimed)
                if isinstance(err, ConflictError):
                    if wanted_version:
                        raise self._conflict(name) from None
                    continue
                if isinstance(err, KeyNotFoundError):
                    raise self._not_found(name) from err
                if isinstance(err, StorageError):
                    raise self._storage_error(err, name) from err
                raise
            if writes is not None:
                await writes.after_update(stored, current)
            stored["metadata"]["resourceVersion"] = str(revision)
            return self.view(stored), False
        raise self._conflict(name)

    # --- admission ---------------------------------------------------------------------------

    def _admission(
        self,
        operation: Operation,
        namespace: str,
        name: str,
        obj: Object | None,
        old: Object | None,
        dry_run: bool,
        field_manager: str | None = None,
        subresource: str = "",
    ) -> Attributes:
        return admit.attributes(
            self.info,
            operation,
            namespace,
            name,
            obj,
            old,
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
        )

    def _admitted_object(self, obj: Object | None) -> Object:
        """What mutating admission returned: still an object of this kind (a webhook may replace it)."""
        if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
            raise status.internal_error("admission returned no object")
        return self._with_type(obj)

    async def _admit_delete(self, namespace: str, name: str, current: Object, dry_run: bool) -> None:
        """Both phases; the object to delete is the old object (``AdmissionToValidateObjectDeleteFunc``)."""
        admission = self.hooks.admission
        mutating = admit.applies(admission, Operation.DELETE, mutating=True)
        validating = admit.applies(admission, Operation.DELETE, mutating=False)
        if not (mutating or validating):
            return
        attrs = self._admission(
            Operation.DELETE, namespace, name, None, self.view(copy.deepcopy(current)), dry_run
        )
        if mutating:
            await admit.mutate(admission, attrs)
        if validating:
            await admit.validate(admission, attrs)

    def _defaulted(self, desired: Object) -> Object:
        """``desired`` with the defaults of the request's version (upstream defaults while decoding)."""
        desired = self._with_type(copy.deepcopy(desired))
        self.hooks.default(desired)
        return desired

    def _prepare_update(
        self, desired: Object, current: Object, subresource: str, *, validate: bool, defaulted: bool = False
    ) -> Object:
        """The object to store: ``desired`` (in the request's version) merged with ``current`` (stored)."""
        desired = self._with_type(copy.deepcopy(desired))
        if subresource not in STATUS_LIKE and not defaulted:
            self.hooks.default(desired)
        desired = self._to_storage(desired)
        if subresource in STATUS_LIKE:
            new = take_status(desired, current)
            # Status writes keep the rest of the stored object, but not its managed fields: upstream's
            # ResetObjectMetaForStatus leaves managedFields as the field manager set them.
            managed = desired.get("metadata", {}).get("managedFields")
            if managed is not None:
                new.setdefault("metadata", {})["managedFields"] = managed
            else:
                new.get("metadata", {}).pop("managedFields", None)
        else:
            new = keep_status(desired, current) if self.has_status else dict(desired)
        new = copy.deepcopy(new)
        if csr.is_csr(new):
            csr.prepare_for_update(new, current, subresource, objectmeta.rfc3339(self.hooks.clock()))
        objectmeta.prepare_for_update(new, current)
        new["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        if (
            subresource not in STATUS_LIKE
            and self.hooks.tracks_generation
            and generation_changed(self.strategy, new, current)
        ):
            new["metadata"]["generation"] = int(current["metadata"].get("generation", 0)) + 1
        if subresource not in STATUS_LIKE:
            update_template_generation(self.strategy, new, current)
        if validate:
            self._validate(new, current, new["metadata"].get("name", ""))
        added = deletion.new_finalizers(new, current)
        if added:
            raise status.invalid(
                self.info.kind,
                new["metadata"].get("name", ""),
                [
                    status.StatusCause(
                        "FieldValueForbidden",
                        "Forbidden: no new finalizers can be added if the object is being deleted, "
                        f"found new finalizers {sorted(added)!r}",
                        "metadata.finalizers",
                    )
                ],
                group=self.info.group,
            )
        return new

    async def delete(self, namespace: str, name: str, options: DeleteOptions) -> DeleteResult:
        key = self._key(namespace, name)
        for _attempt in range(UPDATE_RETRIES):
            try:
                kv = await self.store.get(key)
            except StorageError as err:
                raise self._storage_error(err, name) from err
            if kv is None:
                raise self._not_found(name)
            current = codec.decode(kv.value, kv.mod_revision)
            failed = deletion.precondition_failure(current, options)
            if failed:
                raise self._conflict(name, failed)
            await self._admit_delete(namespace, name, current, options.dry_run)
            updated = deletion.mark_for_deletion(current, options, self.strategy, self.hooks.clock())
            if updated is None:
                if options.dry_run:
                    return DeleteResult(self.view(current), True)
                try:
                    deleted = await self.store.delete(key, expected_mod_revision=kv.mod_revision)
                except ConflictError:
                    continue
                except KeyNotFoundError as err:
                    raise self._not_found(name) from err
                except StorageError as err:
                    raise self._storage_error(err, name) from err
                if self.hooks.writes is not None:
                    await self.hooks.writes.after_delete(current)
                current["metadata"]["resourceVersion"] = str(deleted.mod_revision)
                return DeleteResult(self.view(current), True)
            if updated == current or options.dry_run:
                return DeleteResult(self.view(updated), False)
            try:
                revision = await self.store.update(
                    key, codec.encode(updated), expected_mod_revision=kv.mod_revision
                )
            except ConflictError:
                continue
            except StorageError as err:
                raise self._storage_error(err, name) from err
            updated["metadata"]["resourceVersion"] = str(revision)
            return DeleteResult(self.view(updated), False)
        raise self._conflict(name)

    # --- watch -----------------------------------------------------------------------------

    async def watch(
        self, namespace: str, resource_version: str, *, send_initial_events: bool
    ) -> AsyncIterator[CacheEvent | int | Flush]:
        """Changes after ``resource_version``; with none given, or "0", or ``send_initial_events``,
        first a synthetic ADDED event per existing object (upstream's watch semantics).
        """
        prefix = collection_prefix(self.info, namespace)
        try:
            if send_initial_events or resource_version in ("", "0"):
                if resource_version == "":
                    # "Most recent": the cache must first catch up with everything stored now.
                    await self.cache.wait_for_revision(await self.store.current_revision())
                elif resource_version != "0":
                    await self.cache.wait_for_revision(parse_resource_version(resource_version))
                return await self.cache.watch(prefix, 0, initial_events=True)
            return await self.cache.watch(
                prefix, parse_resource_version(resource_version), initial_events=False
            )
        except ResourceVersionTooOld as err:
            raise status.resource_expired(str(err)) from err
        except ResourceVersionTooNew as err:
            raise status.timeout(str(err), 1) from err
        except StorageError as err:
            raise self._storage_error(err) from err


EXPIRED_CONTINUE_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
    "that were created, modified, or deleted between the time the first chunk was returned and now may show "
    "up in the list."
)


def parse_resource_version(value: str) -> int:
    try:
        revision = int(value)
    except ValueError:
        raise status.bad_request(f"invalid resource version: {value}") from None
    if revision < 0:
        raise status.bad_request(f"invalid resource version: {value}")
    return revision
