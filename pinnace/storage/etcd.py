"""The etcd v3 store: Pinnace's distributed backend, speaking etcd's gRPC API through aetcd.

The Store contract *is* etcd's data model, so every verb maps onto one etcd request, the way
kube-apiserver's own etcd3 store does it (k8s.io/apiserver/pkg/storage/etcd3/store.go)::

    create  Txn( create_revision(key) == 0            ? Put            : -        )  KeyExistsError
    update  Txn( mod_revision(key) == expected,
                 create_revision(key) > 0              ? Put            : Range(key) ) ConflictError /
                                                                                       KeyNotFoundError
    delete  Txn( [mod_revision(key) == expected]      ? Delete(prev_kv) : Range(key) )
    get     Range(key, revision)
    list    Range(prefix, revision, limit) in pages at one revision   (pinnace.storage.etcd_list)
    count   Range(prefix, count_only)
    watch   one Watch stream each, prev_kv + fragment + progress_notify (pinnace.storage.etcd_watch)
    compact Compact(revision, physical)      snapshot  Maintenance.Snapshot, streamed to a file

Revisions are etcd's own, so ``resourceVersion`` means the same thing to Pinnace and to
``etcdctl``. One quirk shows: a fresh etcd is at revision 1, not 0, and its first write is 2.

The compaction point is asked of etcd, not stored beside it: a Range at revision r fails with
"compacted" exactly when r is below the point (mvcc/kvstore_txn.go, rangeKeys), so the point is the
lowest revision that still reads. The store remembers the last point it learned, so the usual
question costs one request; after another client compacts, a binary search finds the new point.

aetcd supplies the channel factory, the generated stubs and the protobuf messages. Its high-level
Client is not used: its range calls cannot pass a revision, a limit or count_only (a TODO in
aetcd 1.0), it has no TLS, and its watcher is discussed in etcd_watch. Every gRPC failure becomes a
storage error in pinnace.storage.etcd_rpc; nothing from grpc or aetcd leaves these modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import IO, TYPE_CHECKING, Any

from aetcd import rpc

from pinnace.storage.errors import (
    CompactedError,
    ConflictError,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    StoreClosedError,
    ValueTooLargeError,
)
from pinnace.storage.etcd_list import Page, ResponseTooLargeError, list_range
from pinnace.storage.etcd_rpc import (
    EtcdConnection,
    EtcdOptions,
    EtcdRpcError,
    RpcFailure,
    connect,
    encode_key,
    is_rpc_error,
    key_range,
    probe_request,
    to_key_value,
    to_key_values,
)
from pinnace.storage.etcd_watch import watch_events
from pinnace.storage.interface import MAX_VALUE_BYTES, Event, KeyValue, ListResult, Store

# A physical compaction rewrites etcd's database and may take long on a large one.
COMPACT_TIMEOUT = 300.0
# Snapshot chunks from etcd are 32 KiB; hand them to the writing thread in bigger batches.
SNAPSHOT_BATCH_BYTES = 4 * 1024 * 1024


class EtcdStore:
    """A Store on an etcd v3 cluster (3.4 or later). Open it with :func:`open_etcd_store`."""

    def __init__(self, connection: EtcdConnection) -> None:
        self._conn = connection
        # The highest compaction point seen; compaction only ever moves forward.
        self._compacted = 0

    # -- writes ------------------------------------------------------------------------------

    async def create(self, key: str, value: bytes) -> int:
        name = _check_value(key, value)
        response = await self._txn(
            key,
            len(value),
            compare=[_compare_create(name, rpc.Compare.EQUAL, 0)],
            success=[rpc.RequestOp(request_put=rpc.PutRequest(key=name, value=value))],
        )
        if not response.succeeded:
            raise KeyExistsError(key)
        return int(response.header.revision)

    async def update(self, key: str, value: bytes, *, expected_mod_revision: int) -> int:
        name = _check_value(key, value)
        response = await self._txn(
            key,
            len(value),
            # The create_revision guard keeps expected_mod_revision=0 from creating a missing key
            # (an absent key's mod_revision compares as 0).
            compare=[
                _compare_mod(name, expected_mod_revision),
                _compare_create(name, rpc.Compare.GREATER, 0),
            ],
            success=[rpc.RequestOp(request_put=rpc.PutRequest(key=name, value=value))],
            failure=[_get_op(name)],
        )
        if not response.succeeded:
            raise _guard_failure(key, expected_mod_revision, response)
        return int(response.header.revision)

    async def delete(self, key: str, *, expected_mod_revision: int = 0) -> KeyValue:
        name = encode_key(key)
        delete = rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=name, prev_kv=True))
        if expected_mod_revision:
            compare, failure = [_compare_mod(name, expected_mod_revision)], [_get_op(name)]
        else:
            compare, failure = [], []
        response = await self._txn(key, 0, compare=compare, success=[delete], failure=failure)
        if not response.succeeded:
            raise _guard_failure(key, expected_mod_revision, response)
        deleted = response.responses[0].response_delete_range
        if not deleted.deleted:
            raise KeyNotFoundError(key)
        # The contract returns the deleted value stamped with the delete's own revision, which is
        # the transaction's header revision (a delete does not appear in prev_kv).
        return to_key_value(deleted.prev_kvs[0], mod_revision=int(response.header.revision))

    async def _txn(
        self,
        key: str,
        size: int,
        *,
        compare: list[Any],
        success: list[Any],
        failure: list[Any] | None = None,
    ) -> Any:
        request = rpc.TxnRequest(compare=compare, success=success, failure=failure or [])
        try:
            return await self._conn.call(self._conn.kv.Txn, request)
        except EtcdRpcError as err:
            # etcd limits the whole request (--max-request-bytes, 1.5 MiB by default), key and
            # transaction included, so a value just under MAX_VALUE_BYTES can still be refused.
            # kube-apiserver answers this with 413 too.
            if err.failure is RpcFailure.REQUEST_TOO_LARGE:
                raise ValueTooLargeError(key, size, MAX_VALUE_BYTES) from err
            raise

    # -- reads -------------------------------------------------------------------------------

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        response = await self._range(rpc.RangeRequest(key=encode_key(key), revision=revision))
        return to_key_value(response.kvs[0]) if response.kvs else None

    async def list(self, prefix: str, *, start: str = "", limit: int = 0, revision: int = 0) -> ListResult:
        key, range_end = key_range(prefix)
        if start:
            key = max(key, encode_key(start))
        return await list_range(self._fetch_page, key, range_end, limit=limit, revision=revision)

    async def _fetch_page(self, key: bytes, range_end: bytes, limit: int, revision: int) -> Page:
        request = rpc.RangeRequest(key=key, range_end=range_end, limit=limit, revision=revision)
        response = await self._range(request)
        return Page(
            items=to_key_values(response.kvs),
            count=int(response.count),
            more=bool(response.more),
            revision=int(response.header.revision),
            size=int(response.ByteSize()),
        )

    async def count(self, prefix: str) -> int:
        key, range_end = key_range(prefix)
        response = await self._range(rpc.RangeRequest(key=key, range_end=range_end, count_only=True))
        return int(response.count)

    async def _range(self, request: Any) -> Any:
        try:
            return await self._conn.call(self._conn.kv.Range, request)
        except EtcdRpcError as err:
            revision = int(request.revision)
            if err.failure is RpcFailure.COMPACTED:
                raise CompactedError(revision, await self.compacted_revision()) from err
            if err.failure is RpcFailure.FUTURE_REVISION:
                raise FutureRevisionError(revision, await self.current_revision()) from err
            if err.failure is RpcFailure.RESPONSE_TOO_LARGE:
                raise ResponseTooLargeError(str(err)) from err
            raise

    async def current_revision(self) -> int:
        response = await self._conn.call(self._conn.kv.Range, probe_request())
        return int(response.header.revision)

    # -- watch -------------------------------------------------------------------------------

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[Event]:
        return watch_events(self._conn, prefix, start_revision)

    # -- maintenance -------------------------------------------------------------------------

    async def compact(self, revision: int) -> None:
        if revision <= self._compacted:
            return
        # etcd refuses a revision beyond the current one; like the SQLite store, compact up to
        # the present instead, which is what the caller meant ("forget everything older").
        target = min(revision, await self.current_revision())
        if target <= self._compacted:
            return
        request = rpc.CompactionRequest(revision=target, physical=True)
        try:
            await self._conn.call(self._conn.kv.Compact, request, deadline=COMPACT_TIMEOUT)
        except EtcdRpcError as err:
            # etcd answers "compacted" when the point is already at or past ``target``: someone
            # else compacted further, which is the no-op the contract asks for.
            if err.failure is not RpcFailure.COMPACTED:
                raise
            await self.compacted_revision()
            return
        self._compacted = max(self._compacted, target)

    async def compacted_revision(self) -> int:
        if not await self._readable(max(self._compacted, 1)):
            # Someone compacted past what we know: binary search (known, current] for the lowest
            # readable revision; the current revision always reads.
            low, high = max(self._compacted, 1) + 1, await self.current_revision()
            while low < high:
                middle = (low + high) // 2
                if await self._readable(middle):
                    high = middle
                else:
                    low = middle + 1
            self._compacted = max(self._compacted, low)
        return self._compacted

    async def _readable(self, revision: int) -> bool:
        try:
            await self._conn.call(self._conn.kv.Range, probe_request(revision))
        except EtcdRpcError as err:
            if err.failure is RpcFailure.COMPACTED:
                return False
            raise
        return True

    async def snapshot(self, path: str) -> None:
        """Stream etcd's Maintenance.Snapshot to ``path``, as ``etcdctl snapshot save`` does.

        The stream is etcd's bbolt database followed by its sha256, which ``etcdctl snapshot
        restore`` verifies. Written to ``path.part``, fsynced, then renamed, so ``path`` is never
        a torn backup.
        """
        if self._conn.closed:
            raise StoreClosedError("the etcd store is closed")
        partial = f"{path}.part"
        file = await asyncio.to_thread(open, partial, "wb")
        try:
            try:
                await self._stream_snapshot(file)
            finally:
                await asyncio.to_thread(_sync_and_close, file)
            await asyncio.to_thread(os.replace, partial, path)
        except BaseException:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(os.unlink, partial)
            raise

    async def _stream_snapshot(self, file: IO[bytes]) -> None:
        batch: list[bytes] = []
        pending = 0
        call: Any = None
        try:
            # No deadline: a large database takes as long as it takes; etcd streams one
            # consistent read transaction.
            call = self._conn.maintenance.Snapshot(rpc.SnapshotRequest())
            async for response in call:
                batch.append(bytes(response.blob))
                pending += len(batch[-1])
                if pending >= SNAPSHOT_BATCH_BYTES:
                    await asyncio.to_thread(file.write, b"".join(batch))
                    batch, pending = [], 0
        except asyncio.CancelledError:
            if self._conn.cancelled_by_close():
                raise StoreClosedError("the etcd store was closed during the snapshot") from None
            raise
        except Exception as err:
            if not is_rpc_error(err):
                raise
            raise self._conn.error(err) from err
        finally:
            if call is not None:
                call.cancel()
        await asyncio.to_thread(file.write, b"".join(batch))

    async def close(self) -> None:
        """Close the channel; pending calls and watches end with StoreClosedError."""
        if not self._conn.closed:
            await self._conn.close()


if TYPE_CHECKING:
    # mypy proves here that EtcdStore implements every method of the Store protocol.
    _: type[Store] = EtcdStore


async def open_etcd_store(url: str) -> EtcdStore:
    """Open ``etcd://host:port[,host:port...][?timeout=SECONDS]``, connected to the first member
    that answers; raises StoreUnavailableError if none does."""
    return EtcdStore(await connect(EtcdOptions.from_url(url)))


def _check_value(key: str, value: bytes) -> bytes:
    """The key as etcd bytes, after refusing oversized values before they are sent."""
    if len(value) > MAX_VALUE_BYTES:
        raise ValueTooLargeError(key, len(value), MAX_VALUE_BYTES)
    return encode_key(key)


def _compare_mod(name: bytes, revision: int) -> Any:
    return rpc.Compare(key=name, target=rpc.Compare.MOD, result=rpc.Compare.EQUAL, mod_revision=revision)


def _compare_create(name: bytes, result: Any, revision: int) -> Any:
    return rpc.Compare(key=name, target=rpc.Compare.CREATE, result=result, create_revision=revision)


def _get_op(name: bytes) -> Any:
    return rpc.RequestOp(request_range=rpc.RangeRequest(key=name))


def _guard_failure(key: str, expected: int, response: Any) -> Exception:
    """Why a guarded transaction failed, from the Range its failure branch ran."""
    kvs = response.responses[0].response_range.kvs
    if not kvs:
        return KeyNotFoundError(key)
    return ConflictError(key, expected, to_key_value(kvs[0]))


def _sync_and_close(file: IO[bytes]) -> None:
    try:
        file.flush()
        os.fsync(file.fileno())
    finally:
        file.close()
