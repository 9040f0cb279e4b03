"""What only the etcd backend has to prove: paging under gRPC's message limit, etcd's own snapshots,
failure translation when etcd goes away, clean watch cancellation, the watch stream's handling of
fragments, progress and compaction (against a scripted stream), and the URL it accepts."""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import grpc
import pytest
from aetcd import rpc

from pinnace.storage import (
    MAX_VALUE_BYTES,
    CompactedError,
    Event,
    EventType,
    KeyValue,
    StorageError,
    StoreClosedError,
    StoreUnavailableError,
    ValueTooLargeError,
)
from pinnace.storage.etcd import EtcdStore, open_etcd_store
from pinnace.storage.etcd_list import Page, ResponseTooLargeError, list_range
from pinnace.storage.etcd_rpc import EtcdConnection, EtcdOptions
from pinnace.storage.etcd_server import EtcdServer, free_port
from pinnace.storage.etcd_watch import watch_events

GRPC_DEFAULT_LIMIT = 4 * 1024 * 1024


@pytest.fixture
async def store(etcd_server: EtcdServer) -> AsyncIterator[EtcdStore]:
    opened = await open_etcd_store(etcd_server.url)
    try:
        yield opened
    finally:
        await opened.close()


async def fill(store: EtcdStore, prefix: str, count: int, value: bytes, lanes: int = 64) -> None:
    async def lane(first: int) -> None:
        for index in range(first, count, lanes):
            await store.create(f"{prefix}{index:05d}", value)

    await asyncio.gather(*(lane(first) for first in range(lanes)))


async def next_write(watch: AsyncIterator[Event]) -> Event:
    """The next event that is a write; PROGRESS events may come between them on a quiet watch."""
    async for event in watch:
        if event.type is not EventType.PROGRESS:
            return event
    raise AssertionError("the watch ended")


def assert_is_a_storage_error(err: BaseException) -> None:
    assert isinstance(err, StorageError)
    assert type(err).__module__.startswith("pinnace."), f"{type(err)} leaked out of the store"


async def watcher_gauge(server: EtcdServer) -> int:
    """etcd's own count of live watchers (etcd 3.4 exports it as a debugging metric)."""

    def scrape() -> str:
        with urllib.request.urlopen(f"http://{server.endpoint}/metrics", timeout=5) as response:
            text: str = response.read().decode()
            return text

    found = re.search(r"^etcd_debugging_mvcc_watcher_total (\S+)$", await asyncio.to_thread(scrape), re.M)
    assert found, "etcd exported no watcher gauge"
    return int(float(found.group(1)))


# --- paging ----------------------------------------------------------------------------------


async def test_a_list_of_10k_one_kib_values_is_paged_under_the_grpc_limit(
    store: EtcdStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(store, "/registry/configmaps/big/", 10_000, os.urandom(1024))
    await store.create("/registry/configmaps/bigger", b"outside the prefix")
    revision = await store.current_revision()
    pages: list[Page] = []
    fetch_page = store._fetch_page

    async def spy(key: bytes, range_end: bytes, limit: int, at: int) -> Page:
        pages.append(await fetch_page(key, range_end, limit, at))
        return pages[-1]

    monkeypatch.setattr(store, "_fetch_page", spy)

    result = await store.list("/registry/configmaps/big/")

    assert len(pages) > 1 and all(page.size < GRPC_DEFAULT_LIMIT for page in pages)
    assert {page.revision for page in pages} == {revision}

    assert len(result.items) == result.count == 10_000 and not result.more
    assert sum(len(kv.value) for kv in result.items) > 2 * GRPC_DEFAULT_LIMIT
    assert [kv.key for kv in result.items] == [f"/registry/configmaps/big/{i:05d}" for i in range(10_000)]
    assert result.revision == revision


async def test_a_limited_list_spanning_several_pages_keeps_etcd_count_and_more(store: EtcdStore) -> None:
    await fill(store, "/p/", 3_000, os.urandom(2048))
    result = await store.list("/p/", start="/p/00100", limit=2_500)
    assert [kv.key for kv in result.items] == [f"/p/{i:05d}" for i in range(100, 2_600)]
    assert (result.count, result.more) == (2_900, True)


async def test_values_near_the_limit_are_paged_one_response_at_a_time(store: EtcdStore) -> None:
    # 24 values of 1 MiB: the first page request (128 keys) overflows even the raised 16 MiB
    # receive limit, so the pager must halve until a page fits.
    value = os.urandom(1024 * 1024)
    await fill(store, "/large/", 24, value, lanes=8)
    result = await store.list("/large/")
    assert len(result.items) == 24 and all(kv.value == value for kv in result.items)


def page_of(keys: list[str], *, count: int, revision: int = 7) -> Page:
    items = [KeyValue(key, b"x" * 100, 1, 1) for key in keys]
    return Page(items=items, count=count, more=count > len(keys), revision=revision, size=120 * len(keys))


async def test_pager_pins_later_pages_to_the_first_revision_and_halves_oversized_pages() -> None:
    keys = [f"/k/{i:03d}" for i in range(300)]
    calls: list[tuple[bytes, int, int]] = []

    async def fetch(key: bytes, range_end: bytes, limit: int, revision: int) -> Page:
        calls.append((key, limit, revision))
        if limit > 100:
            raise ResponseTooLargeError("too large")
        rest = [k for k in keys if k.encode() >= key]
        return page_of(rest[:limit], count=len(rest), revision=revision or 42)

    result = await list_range(fetch, b"/k/", b"/k0", limit=0, revision=0, page_bytes=120 * 50)

    assert [kv.key for kv in result.items] == keys
    assert (result.revision, result.count, result.more) == (42, 300, False)
    assert [limit for _, limit, _ in calls[:3]] == [128, 64, 50]
    assert {revision for _, _, revision in calls[2:]} == {42}
    assert calls[2][0] == b"/k/063\x00"


# --- snapshot --------------------------------------------------------------------------------


async def test_snapshot_is_readable_by_etcdctl(store: EtcdStore, tmp_path: Path) -> None:
    await fill(store, "/registry/pods/default/", 50, b"pod")
    revision = await store.current_revision()
    path = str(tmp_path / "backup.db")

    await store.snapshot(path)

    process = await asyncio.create_subprocess_exec(
        "etcdctl",
        "--write-out=json",
        "snapshot",
        "status",
        path,
        env={**os.environ, "ETCDCTL_API": "3"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    status = json.loads(stdout)
    assert status["revision"] == revision
    assert status["totalKey"] >= 50
    assert not await asyncio.to_thread(os.path.exists, path + ".part")


# --- failures --------------------------------------------------------------------------------


async def test_no_grpc_error_leaks_when_etcd_stops_mid_use(etcd_server: EtcdServer, tmp_path: Path) -> None:
    store = await open_etcd_store(f"{etcd_server.url}?timeout=3")
    try:
        revision = await store.create("/k", b"v")
        watch = store.watch("/", start_revision=revision)
        assert (await next_write(watch)).key == "/k"
        pending_event = asyncio.ensure_future(next_write(watch))

        await asyncio.to_thread(etcd_server.stop)

        with pytest.raises(StoreUnavailableError) as caught:
            await asyncio.wait_for(pending_event, 30)
        assert_is_a_storage_error(caught.value)
        operations: dict[str, Callable[[], Awaitable[object]]] = {
            "create": lambda: store.create("/k2", b"v"),
            "update": lambda: store.update("/k", b"w", expected_mod_revision=revision),
            "delete": lambda: store.delete("/k"),
            "get": lambda: store.get("/k"),
            "list": lambda: store.list("/"),
            "count": lambda: store.count("/"),
            "current_revision": store.current_revision,
            "compact": lambda: store.compact(revision + 1),
            "compacted_revision": store.compacted_revision,
            "snapshot": lambda: store.snapshot(str(tmp_path / "snap.db")),
            "watch": lambda: next_write(store.watch("/", start_revision=0)),
        }
        for name, operation in operations.items():
            with pytest.raises(StoreUnavailableError) as caught:
                await asyncio.wait_for(operation(), 30)
            assert_is_a_storage_error(caught.value)
            assert "etcd" in str(caught.value), name
    finally:
        await store.close()


async def test_opening_an_unreachable_etcd_fails_as_unavailable() -> None:
    with pytest.raises(StoreUnavailableError, match="no etcd endpoint answered"):
        await open_etcd_store(f"etcd://127.0.0.1:{free_port()}")


async def test_the_first_reachable_endpoint_is_used(etcd_server: EtcdServer) -> None:
    store = await open_etcd_store(f"etcd://127.0.0.1:{free_port()},{etcd_server.endpoint}")
    try:
        assert await store.create("/k", b"v") > 0
    finally:
        await store.close()


async def test_closing_the_store_ends_watches_and_later_calls(etcd_server: EtcdServer) -> None:
    store = await open_etcd_store(etcd_server.url)
    watch = store.watch("/", start_revision=0)
    pending_event = asyncio.ensure_future(next_write(watch))
    await asyncio.sleep(0.2)
    await store.close()
    with pytest.raises(StoreClosedError):
        await asyncio.wait_for(pending_event, 10)
    with pytest.raises(StoreClosedError):
        await store.get("/k")
    with pytest.raises(StoreClosedError):
        await next_write(store.watch("/", start_revision=0))


async def test_a_value_at_the_limit_can_still_exceed_etcds_request_limit(store: EtcdStore) -> None:
    # etcd's --max-request-bytes (1.5 MiB) bounds the whole transaction, key and compares
    # included, so exactly MAX_VALUE_BYTES is refused by etcd itself; it must still surface as
    # ValueTooLargeError, like kube-apiserver's 413.
    with pytest.raises(ValueTooLargeError):
        await store.create("/exact", os.urandom(MAX_VALUE_BYTES))
    assert await store.get("/exact") is None


# --- watch -----------------------------------------------------------------------------------


async def test_cancelling_a_watch_leaves_no_task_and_no_etcd_watcher(
    store: EtcdStore, etcd_server: EtcdServer
) -> None:
    tasks_before = asyncio.all_tasks()
    start = await store.create("/w/a", b"1")

    async def consume() -> None:
        async for _event in store.watch("/w/", start_revision=start):
            pass

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0.3)
    assert await watcher_gauge(etcd_server) == 1
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer

    # Closing the iterator explicitly works the same way.
    watch = store.watch("/w/", start_revision=start)
    assert (await next_write(watch)).value == b"1"
    await watch.aclose()  # type: ignore[attr-defined]

    await asyncio.sleep(0.3)  # etcd drops a watcher when it sees its stream reset
    assert await watcher_gauge(etcd_server) == 0
    assert asyncio.all_tasks() - tasks_before == set()
    assert await store.update("/w/a", b"2", expected_mod_revision=start) > start


class FakeWatchCall:
    """A scripted etcd Watch stream: answers reads from a list of WatchResponses, then EOF."""

    def __init__(self, responses: list[Any]) -> None:
        self.responses = responses
        self.requests: list[Any] = []
        self.cancelled = False

    async def write(self, request: Any) -> None:
        self.requests.append(request)

    async def read(self) -> Any:
        return self.responses.pop(0) if self.responses else grpc.aio.EOF

    def cancel(self) -> None:
        self.cancelled = True


class FakeConnection:
    endpoint = "fake:2379"
    closed = False

    def __init__(self, call: FakeWatchCall) -> None:
        self.watch = SimpleNamespace(Watch=lambda metadata: call)

    def cancelled_by_close(self) -> bool:
        return False


def put(key: str, revision: int, *, version: int = 2) -> Any:
    kv = rpc.KeyValue(key=key.encode(), value=b"v", create_revision=1, mod_revision=revision, version=version)
    return rpc.Event(type=rpc.Event.PUT, kv=kv)


def response(*events: Any, revision: int = 0, fragment: bool = False, **fields: Any) -> Any:
    header = rpc.ResponseHeader(revision=revision)
    return rpc.WatchResponse(header=header, events=list(events), fragment=fragment, **fields)


async def scripted_watch(responses: list[Any], start_revision: int) -> tuple[list[Event], FakeWatchCall]:
    call = FakeWatchCall([response(created=True), *responses])
    connection = cast(EtcdConnection, FakeConnection(call))
    events = []
    with pytest.raises(StoreUnavailableError, match="ended the watch stream"):
        async for event in watch_events(connection, "/w/", start_revision):
            events.append(event)
    return events, call


async def test_progress_notifications_become_progress_events_that_never_go_backwards() -> None:
    events, call = await scripted_watch(
        [
            response(revision=5),  # quiet until 5
            response(put("/w/a", 6), revision=6),
            response(revision=6),  # nothing new: not repeated
            response(revision=9),
        ],
        start_revision=3,
    )
    assert [(e.type, e.key, e.mod_revision) for e in events] == [
        (EventType.PROGRESS, "", 5),
        (EventType.UPDATE, "/w/a", 6),
        (EventType.PROGRESS, "", 9),
    ]
    create = call.requests[0].create_request
    assert (create.start_revision, create.prev_kv, create.fragment, create.progress_notify) == (
        3,
        True,
        True,
        True,
    )
    assert call.cancelled


async def test_fragments_are_joined_into_one_ordered_batch() -> None:
    events, _ = await scripted_watch(
        [
            response(put("/w/a", 4, version=1), put("/w/b", 5), fragment=True),
            response(put("/w/c", 6), revision=6),
        ],
        start_revision=4,
    )
    assert [(e.type, e.key, e.mod_revision) for e in events] == [
        (EventType.CREATE, "/w/a", 4),
        (EventType.UPDATE, "/w/b", 5),
        (EventType.UPDATE, "/w/c", 6),
    ]


async def test_a_watch_that_falls_behind_the_compaction_point_names_the_revision_it_needed() -> None:
    call = FakeWatchCall(
        [response(created=True), response(put("/w/a", 6)), response(compact_revision=9, canceled=True)]
    )
    watch = watch_events(cast(EtcdConnection, FakeConnection(call)), "/w/", 6)
    assert (await next_write(watch)).mod_revision == 6
    with pytest.raises(CompactedError) as caught:
        await next_write(watch)
    assert (caught.value.requested_revision, caught.value.compacted_revision) == (7, 9)
    assert call.cancelled


async def test_a_catch_up_larger_than_the_receive_limit_arrives_in_fragments(store: EtcdStore) -> None:
    # etcd batches up to 1000 past revisions into one watch response; 12 updates of 1 MiB with
    # their previous values are ~24 MiB, over the 16 MiB receive limit unless etcd fragments.
    value = os.urandom(1024 * 1024)
    start = revision = await store.create("/f/a", value)
    for _ in range(11):
        revision = await store.update("/f/a", value, expected_mod_revision=revision)
    watch = store.watch("/f/", start_revision=start)
    try:
        events = [await asyncio.wait_for(next_write(watch), 30) for _ in range(12)]
    finally:
        await watch.aclose()  # type: ignore[attr-defined]
    assert [e.mod_revision for e in events] == list(range(start, revision + 1))
    assert [e.type for e in events] == [EventType.CREATE] + [EventType.UPDATE] * 11


async def test_a_delete_event_carries_the_deleted_keys_create_revision(store: EtcdStore) -> None:
    created = await store.create("/d/a", b"1")
    deleted = await store.delete("/d/a")
    watch = store.watch("/d/", start_revision=deleted.mod_revision)
    try:
        event = await asyncio.wait_for(next_write(watch), 10)
    finally:
        await watch.aclose()  # type: ignore[attr-defined]
    assert (event.type, event.value, event.prev_value) == (EventType.DELETE, None, b"1")
    assert (event.mod_revision, event.create_revision) == (deleted.mod_revision, created)


# --- compaction ------------------------------------------------------------------------------


async def test_a_compaction_by_another_client_is_learned_from_etcd(etcd_server: EtcdServer) -> None:
    ours, theirs = await open_etcd_store(etcd_server.url), await open_etcd_store(etcd_server.url)
    try:
        first = await ours.create("/k", b"0")
        revision = first
        for step in range(1, 40):
            revision = await ours.update("/k", str(step).encode(), expected_mod_revision=revision)
        assert await ours.compacted_revision() == 0
        await theirs.compact(first + 17)
        assert await ours.compacted_revision() == first + 17
        with pytest.raises(CompactedError) as caught:
            await ours.get("/k", revision=first)
        assert (caught.value.requested_revision, caught.value.compacted_revision) == (first, first + 17)
        await ours.compact(first + 5)  # behind the point someone else set: a no-op
        assert await ours.compacted_revision() == first + 17
    finally:
        await ours.close()
        await theirs.close()


async def test_non_ascii_keys_round_trip_and_bound_their_prefix(store: EtcdStore) -> None:
    await store.create("/registry/configmaps/ns/café", b"1")
    await store.create("/registry/configmaps/ns/caf\U0001f600", b"2")
    await store.create("/registry/configmaps/nt/x", b"3")
    result = await store.list("/registry/configmaps/ns/")
    assert [kv.key for kv in result.items] == [
        "/registry/configmaps/ns/café",
        "/registry/configmaps/ns/caf😀",
    ]


# --- URL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, endpoints, timeout",
    [
        ("etcd://127.0.0.1:2379", ("127.0.0.1:2379",), 30.0),
        ("etcd://10.0.0.1:2379,10.0.0.2:22379/", ("10.0.0.1:2379", "10.0.0.2:22379"), 30.0),
        ("etcd://etcd.local", ("etcd.local:2379",), 30.0),
        ("etcd://[::1]:2379,[fd00::2]?timeout=2.5", ("[::1]:2379", "[fd00::2]:2379"), 2.5),
    ],
    ids=["one endpoint", "several endpoints", "default port", "IPv6 and a timeout"],
)
def test_etcd_urls_name_endpoints_and_options(url: str, endpoints: tuple[str, ...], timeout: float) -> None:
    options = EtcdOptions.from_url(url)
    assert (options.endpoints, options.request_timeout) == (endpoints, timeout)


@pytest.mark.parametrize(
    "url, message",
    [
        ("etcd://", "names no endpoint"),
        ("etcd://127.0.0.1:port", "bad endpoint"),
        ("etcd://127.0.0.1:2379/registry", "must name only endpoints"),
        ("etcd://127.0.0.1:2379?cacert=/ca.pem", r"unsupported parameter\(s\) \['cacert'\]"),
    ],
    ids=["no endpoint", "a port that is not a number", "a path", "TLS, which is not supported yet"],
)
def test_bad_etcd_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EtcdOptions.from_url(url)
