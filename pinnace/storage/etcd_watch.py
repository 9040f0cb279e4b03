"""``watch`` for the etcd store: one etcd Watch stream per store watch, read in the caller's task.

Why not aetcd's ``Client.watch``: it multiplexes every watch over one stream served by a background
task that outlives the watch, drops the ``fragment`` flag, and reports a compaction only by
cancelling. A private bidirectional stream per watch costs one HTTP/2 stream on the shared
connection, needs no task of its own (the consumer's ``async for`` drives the reads), and ends
cleanly: closing or cancelling the iterator cancels the gRPC call, and etcd drops the watch with
the stream (go.etcd.io/etcd/etcdserver/api/v3rpc/watch.go, recvLoop/sendLoop).

Events come with ``prev_kv`` (so updates and deletes carry the previous value) and with
``fragment`` set, so etcd splits a response holding many large events into pieces under its
request limit (etcd 3.4+); pieces are joined before events are yielded. etcd reports a start
revision below the compaction point by cancelling the new watch with ``compact_revision`` set,
which becomes CompactedError on the first iteration.

PROGRESS events come from etcd's periodic progress notifications (``progress_notify``), sent to a
quiet watch every ``--experimental-watch-progress-notify-interval`` (etcd's default is 10 minutes;
Pinnace's own etcd launcher should shorten it). They travel in order with the events. On-demand
progress requests (WatchProgressRequest) are deliberately not used: before etcd 3.4.31 / 3.5.13 the
answer can overtake events still queued on the stream (etcd-io/etcd#15220), which is why
kube-apiserver also refuses them on older servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
from aetcd import rpc

from pinnace.storage.errors import CompactedError, StoreClosedError, StoreUnavailableError
from pinnace.storage.etcd_rpc import EtcdConnection, decode_key, is_rpc_error, key_range
from pinnace.storage.interface import Event, EventType


async def watch_events(connection: EtcdConnection, prefix: str, start_revision: int) -> AsyncIterator[Event]:
    """Every write under ``prefix`` from ``start_revision`` (0: the next write), in order, forever."""
    if connection.closed:
        raise StoreClosedError("the etcd store is closed")
    key, range_end = key_range(prefix)
    create = rpc.WatchCreateRequest(
        key=key,
        range_end=range_end,
        start_revision=start_revision,
        prev_kv=True,
        fragment=True,
        progress_notify=True,
    )
    call = connection.watch.Watch(metadata=None)
    # Every event up to here has been yielded; progress never goes backwards.
    delivered = max(start_revision - 1, 0)
    try:
        await call.write(rpc.WatchRequest(create_request=create))
        pieces: list[Any] = []
        while True:
            response = await call.read()
            if response is grpc.aio.EOF:
                raise StoreUnavailableError(f"etcd at {connection.endpoint} ended the watch stream")
            if response.compact_revision:
                raise CompactedError(delivered + 1, int(response.compact_revision))
            if response.canceled:
                raise StoreUnavailableError(
                    f"etcd at {connection.endpoint} cancelled the watch: {response.cancel_reason}"
                )
            if response.created:
                continue
            pieces.extend(response.events)
            if response.fragment:
                continue  # more pieces of the same response follow
            events, pieces = pieces, []
            if not events:
                # A progress notification. etcd sends these (progress_notify) through the
                # watcher's own event channel, and only while the watcher is caught up, so the
                # header revision really is "everything up to here was delivered"
                # (mvcc/watchable_store.go, progress).
                revision = int(response.header.revision)
                if revision > delivered:
                    delivered = revision
                    yield progress_event(revision)
                continue
            for raw in events:
                event = to_event(raw)
                delivered = event.mod_revision
                yield event
    except asyncio.CancelledError:
        if connection.cancelled_by_close():
            raise StoreClosedError("the etcd store was closed while watching") from None
        raise
    except Exception as err:
        if not is_rpc_error(err):
            raise
        raise connection.error(err) from err
    finally:
        # Synchronous, so it also runs when the consumer was cancelled mid-read; etcd cancels the
        # watch when its stream goes away.
        call.cancel()


def progress_event(revision: int) -> Event:
    return Event(
        type=EventType.PROGRESS, key="", value=None, prev_value=None, mod_revision=revision, create_revision=0
    )


def to_event(raw: Any) -> Event:
    """An etcd mvccpb.Event as a store Event."""
    kv = raw.kv
    prev = raw.prev_kv if raw.HasField("prev_kv") else None
    key = decode_key(bytes(kv.key))
    if raw.type == rpc.Event.DELETE:
        # etcd's delete event carries only the key and the delete's revision; the deleted
        # version (and its create_revision) is in prev_kv unless compaction removed it.
        return Event(
            type=EventType.DELETE,
            key=key,
            value=None,
            prev_value=None if prev is None else bytes(prev.value),
            mod_revision=int(kv.mod_revision),
            create_revision=0 if prev is None else int(prev.create_revision),
        )
    # A put that gives the key version 1 created it (also after a delete): etcd's own rule
    # (clientv3 Event.IsCreate).
    created = int(kv.version) == 1
    return Event(
        type=EventType.CREATE if created else EventType.UPDATE,
        key=key,
        value=bytes(kv.value),
        prev_value=None if created or prev is None else bytes(prev.value),
        mod_revision=int(kv.mod_revision),
        create_revision=int(kv.create_revision),
    )
