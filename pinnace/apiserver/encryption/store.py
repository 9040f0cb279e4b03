"""EncryptingStore: the store as the API server sees it, each value transformed for its resource.

Upstream gives every resource's etcd3 store a ``value.Transformer``
(``apiserver/pkg/storage/etcd3/store.go``): values are transformed to storage just before a write and
from storage just after a read, with the key as authenticated data. Pinnace does the same one level down,
around the whole store, so ResourceStore, the watch cache and the Service IP allocator are unchanged: the
resource of a key is found from its storage prefix (``/registry/secrets/`` → secrets), and keys of no
resource (IP ranges) are stored as they are.

Reads set ``KeyValue.stale`` when the value came through a transformer other than the writing one, so an
update that changes nothing is still written (upstream's ``objState.stale``): that is how ``kubectl get
secrets -A -o json | kubectl replace -f -`` re-encrypts everything with the new first key.

A value that cannot be transformed raises :class:`StoredValueError`, a StorageError, which ResourceStore
answers as an InternalError with upstream's message (``no matching key was found for the provided AES
transformer``; for lists ``unable to transform key "/registry/secrets/default/s": ...``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from pinnace.api.registry import ResourceRegistry
from pinnace.apiserver.encryption.providers import ResourceTransformers
from pinnace.apiserver.encryption.transformer import ENCRYPTED_PREFIX, IDENTITY, Transformer, TransformError
from pinnace.apiserver.rest.keys import resource_prefix
from pinnace.storage import Event, KeyValue, ListResult, StorageError, Store

# Resources that live in another resource's storage (upstream's cohabitating resources, kube-apiserver's
# ``AddCohabitatingResources``): events.k8s.io Events are core Events, and the config names them "events".
_STORED_AS: Mapping[tuple[str, str], tuple[str, str]] = {("events.k8s.io", "events"): ("", "events")}


class StoredValueError(StorageError):
    """A stored value could not be decrypted (or a value could not be encrypted)."""


def storage_resources(registry: ResourceRegistry) -> dict[str, tuple[str, str]]:
    """Each storage prefix of ``registry`` → the (group, resource) whose configuration applies to it."""
    prefixes: dict[str, tuple[str, str]] = {}
    for info in registry.resources():
        owner = _STORED_AS.get((info.group, info.plural), (info.group, info.plural))
        prefixes.setdefault(resource_prefix(info), owner)
    return prefixes


class EncryptingStore:
    """A :class:`pinnace.storage.Store` that transforms values per resource on their way in and out."""

    def __init__(
        self, store: Store, transformers: ResourceTransformers, resources: Mapping[str, tuple[str, str]]
    ) -> None:
        self.store = store
        self._by_prefix: dict[str, Transformer] = {
            prefix: transformers.for_resource(group, resource)
            for prefix, (group, resource) in resources.items()
        }

    @classmethod
    def around(
        cls, store: Store, transformers: ResourceTransformers, registry: ResourceRegistry
    ) -> EncryptingStore:
        """``store`` with the transformers of ``registry``'s resources."""
        return cls(store, transformers, storage_resources(registry))

    def transformer(self, key: str) -> Transformer:
        """The transformer of the resource ``key`` belongs to; identity for keys of no resource."""
        found = self._lookup(key)
        return IDENTITY if found is None else found

    def _lookup(self, key: str) -> Transformer | None:
        """The transformer of the resource prefix ``key`` starts with (``/registry/<prefix>/...``, a prefix
        having one or two segments, like ``/registry/services/specs/``), None if it starts with none."""
        end = key.find("/", len("/registry/"))
        for _segments in range(2):
            if end < 0:
                break
            transformer = self._by_prefix.get(key[: end + 1])
            if transformer is not None:
                return transformer
            end = key.find("/", end + 1)
        return None

    # --- the two directions ------------------------------------------------------------------------

    def _to_storage(self, key: str, value: bytes) -> bytes:
        transformer = self.transformer(key)
        if transformer is IDENTITY:
            return value
        try:
            return transformer.transform_to_storage(value, key.encode())
        except TransformError as err:
            raise StoredValueError(str(err)) from err

    def _from_storage(self, key: str, value: bytes, *, in_list: bool = False) -> tuple[bytes, bool]:
        transformer = self.transformer(key)
        if transformer is IDENTITY and not value.startswith(ENCRYPTED_PREFIX):
            return value, False  # the common case, without a call
        try:
            return transformer.transform_from_storage(value, key.encode())
        except TransformError as err:
            message = f'unable to transform key "{key}": {err}' if in_list else str(err)
            raise StoredValueError(message) from err

    def _kv_from_storage(self, kv: KeyValue, *, in_list: bool = False) -> KeyValue:
        value, stale = self._from_storage(kv.key, kv.value, in_list=in_list)
        if value is kv.value and not stale:
            return kv
        return KeyValue(kv.key, value, kv.create_revision, kv.mod_revision, stale=stale)

    # --- the Store protocol ------------------------------------------------------------------------

    async def create(self, key: str, value: bytes) -> int:
        return await self.store.create(key, self._to_storage(key, value))

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        kv = await self.store.get(key, revision=revision)
        return None if kv is None else self._kv_from_storage(kv)

    async def list(self, prefix: str, *, start: str = "", limit: int = 0, revision: int = 0) -> ListResult:
        page = await self.store.list(prefix, start=start, limit=limit, revision=revision)
        if self._lookup(prefix) is IDENTITY and not any(
            kv.value.startswith(ENCRYPTED_PREFIX) for kv in page.items
        ):
            return page  # a plain resource: one check per item, and the page as it is
        items = [self._kv_from_storage(kv, in_list=True) for kv in page.items]
        return ListResult(items, page.revision, page.more, page.count)

    async def count(self, prefix: str) -> int:
        return await self.store.count(prefix)

    async def update(self, key: str, value: bytes, *, expected_mod_revision: int) -> int:
        return await self.store.update(
            key, self._to_storage(key, value), expected_mod_revision=expected_mod_revision
        )

    async def delete(self, key: str, *, expected_mod_revision: int = 0) -> KeyValue:
        return self._kv_from_storage(
            await self.store.delete(key, expected_mod_revision=expected_mod_revision)
        )

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[Event]:
        return self._watch(prefix, start_revision)

    async def _watch(self, prefix: str, start_revision: int) -> AsyncIterator[Event]:
        events = self.store.watch(prefix, start_revision=start_revision)
        plain = self._lookup(prefix) is IDENTITY
        try:
            async for event in events:
                if _as_stored(event.value, plain) and _as_stored(event.prev_value, plain):
                    yield event  # progress marks, and a plain resource's events
                    continue
                value = event.value
                if value is not None:
                    value = self._from_storage(event.key, value, in_list=True)[0]
                prev_value = event.prev_value
                if prev_value is not None:
                    prev_value = self._from_storage(event.key, prev_value, in_list=True)[0]
                if value is event.value and prev_value is event.prev_value:
                    yield event
                    continue
                yield Event(
                    event.type, event.key, value, prev_value, event.mod_revision, event.create_revision
                )
        finally:
            # Closing this generator must end the store's watch at once, not when it is collected.
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()

    async def current_revision(self) -> int:
        return await self.store.current_revision()

    async def compact(self, revision: int) -> None:
        await self.store.compact(revision)

    async def compacted_revision(self) -> int:
        return await self.store.compacted_revision()

    async def snapshot(self, path: str) -> None:
        await self.store.snapshot(path)

    async def close(self) -> None:
        await self.store.close()


def _as_stored(value: bytes | None, plain: bool) -> bool:
    """Whether a watched value passes unchanged: absent, or plain data of a resource stored as it is."""
    return value is None or (plain and not value.startswith(ENCRYPTED_PREFIX))
