"""The watch cache over a real (SQLite) store: replay, initial events, 410s, and progress."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from pinnace.apiserver.watchcache import CacheEvent, ResourceVersionTooNew, ResourceVersionTooOld, WatchCache
from pinnace.storage import Store, open_store

PREFIX = "/registry/configmaps/"


def decode(value: bytes, revision: int) -> dict[str, Any]:
    obj: dict[str, Any] = orjson.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


def configmap(name: str, data: str = "x") -> bytes:
    return orjson.dumps(
        {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {"k": data}}
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(f"sqlite://{tmp_path / 'state.db'}")
    yield opened
    await opened.close()


@pytest.fixture
async def cache(store: Store) -> AsyncIterator[WatchCache]:
    started = WatchCache(store, PREFIX, decode, capacity=5)
    started.start()
    await started.wait_ready()
    yield started
    await started.stop()


async def events_of(stream: AsyncIterator[CacheEvent | int], count: int) -> list[CacheEvent]:
    taken: list[CacheEvent] = []
    async with asyncio.timeout(10):
        async for item in stream:
            if isinstance(item, CacheEvent):
                taken.append(item)
                if len(taken) == count:
                    break
    return taken


def summary(events: list[CacheEvent]) -> list[tuple[str, str, str]]:
    return [(e.type, e.object["metadata"]["name"], e.object["metadata"]["resourceVersion"]) for e in events]


async def test_initial_events_list_every_object_then_follow_changes(store: Store, cache: WatchCache) -> None:
    r1 = await store.create(PREFIX + "default/a", configmap("a"))
    r2 = await store.create(PREFIX + "default/b", configmap("b"))
    await cache.wait_for_revision(r2)
    stream = await cache.watch(PREFIX, 0, initial_events=True)
    r3 = await store.update(PREFIX + "default/a", configmap("a", "y"), expected_mod_revision=r1)
    events = await events_of(stream, 3)
    assert summary(events) == [("ADDED", "a", str(r1)), ("ADDED", "b", str(r2)), ("MODIFIED", "a", str(r3))]


async def test_a_watch_from_a_resource_version_replays_what_followed(store: Store, cache: WatchCache) -> None:
    r1 = await store.create(PREFIX + "default/a", configmap("a"))
    r2 = await store.create(PREFIX + "default/b", configmap("b"))
    deleted = await store.delete(PREFIX + "default/a")
    await cache.wait_for_revision(deleted.mod_revision)
    events = await events_of(await cache.watch(PREFIX, r1, initial_events=False), 2)
    assert summary(events) == [("ADDED", "b", str(r2)), ("DELETED", "a", str(deleted.mod_revision))]
    assert events[1].object["data"] == {"k": "x"}, "a DELETED event carries the object's last state"


async def test_a_watch_older_than_the_ring_is_gone(store: Store, cache: WatchCache) -> None:
    first = await store.create(PREFIX + "default/a", configmap("a"))
    revision = first
    for step in range(8):  # more than the ring's capacity of 5
        revision = await store.update(
            PREFIX + "default/a", configmap("a", str(step)), expected_mod_revision=revision
        )
    await cache.wait_for_revision(revision)
    with pytest.raises(ResourceVersionTooOld, match=f"too old resource version: {first}"):
        await cache.watch(PREFIX, first, initial_events=False)
    recent = await events_of(await cache.watch(PREFIX, revision - 2, initial_events=False), 2)
    assert [e.revision for e in recent] == [revision - 1, revision]


async def test_writes_elsewhere_advance_a_quiet_cache(store: Store, cache: WatchCache) -> None:
    elsewhere = await store.create("/registry/secrets/default/s", b"{}")
    await cache.wait_for_revision(elsewhere)
    assert cache.revision >= elsewhere


async def test_a_resource_version_that_never_comes_times_out(cache: WatchCache) -> None:
    with pytest.raises(ResourceVersionTooNew):
        await cache.wait_for_revision(10_000, within=0.3)


async def test_namespace_prefix_filters_events(store: Store, cache: WatchCache) -> None:
    stream = await cache.watch(PREFIX + "team-a/", 0, initial_events=True)
    await store.create(PREFIX + "team-b/x", configmap("x"))
    await store.create(PREFIX + "team-a/y", configmap("y"))
    assert [e.key for e in await events_of(stream, 1)] == [PREFIX + "team-a/y"]


async def test_snapshot_serves_current_objects_in_key_order(store: Store, cache: WatchCache) -> None:
    await store.create(PREFIX + "default/b", configmap("b"))
    revision = await store.create(PREFIX + "default/a", configmap("a"))
    await cache.wait_for_revision(revision)
    objects, at = cache.snapshot()
    assert [o["metadata"]["name"] for o in objects] == ["a", "b"] and at >= revision
