"""The store contract, written once and run against every backend (sqlite and etcd)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

import pytest

from pinnace.storage import (
    MAX_VALUE_BYTES,
    CompactedError,
    ConflictError,
    Event,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    Store,
    ValueTooLargeError,
    open_store,
)


async def take(events: AsyncIterator[Event], count: int, within: float = 10.0) -> list[Event]:
    taken: list[Event] = []

    async def collect() -> None:
        async for event in events:
            if event.type is EventType.PROGRESS:
                continue
            taken.append(event)
            if len(taken) == count:
                return

    await asyncio.wait_for(collect(), within)
    return taken


# --- single-key operations ------------------------------------------------------------------


async def test_create_then_get_returns_the_value_and_its_revisions(store: Store) -> None:
    revision = await store.create("/registry/pods/default/web", b"v1")
    kv = await store.get("/registry/pods/default/web")
    assert kv is not None
    assert (kv.value, kv.create_revision, kv.mod_revision) == (b"v1", revision, revision)
    assert await store.current_revision() == revision


async def test_create_of_an_existing_key_fails_and_keeps_the_value(store: Store) -> None:
    await store.create("/k", b"first")
    with pytest.raises(KeyExistsError):
        await store.create("/k", b"second")
    kv = await store.get("/k")
    assert kv is not None and kv.value == b"first"


async def test_every_write_advances_the_revision_by_one(store: Store) -> None:
    start = await store.current_revision()
    r1 = await store.create("/k", b"1")
    r2 = await store.update("/k", b"2", expected_mod_revision=r1)
    deleted = await store.delete("/k")
    assert [r1, r2, deleted.mod_revision] == [start + 1, start + 2, start + 3]


async def test_failed_writes_do_not_advance_the_revision(store: Store) -> None:
    r1 = await store.create("/k", b"1")
    with pytest.raises(KeyExistsError):
        await store.create("/k", b"again")
    with pytest.raises(ConflictError):
        await store.update("/k", b"2", expected_mod_revision=r1 + 100)
    assert await store.current_revision() == r1


async def test_get_of_a_missing_key_returns_none(store: Store) -> None:
    assert await store.get("/nothing/here") is None


async def test_update_guarded_by_the_current_revision_succeeds(store: Store) -> None:
    r1 = await store.create("/k", b"1")
    r2 = await store.update("/k", b"2", expected_mod_revision=r1)
    kv = await store.get("/k")
    assert kv is not None
    assert (kv.value, kv.create_revision, kv.mod_revision) == (b"2", r1, r2)


async def test_update_guarded_by_a_stale_revision_reports_the_current_value(store: Store) -> None:
    r1 = await store.create("/k", b"1")
    r2 = await store.update("/k", b"2", expected_mod_revision=r1)
    with pytest.raises(ConflictError) as caught:
        await store.update("/k", b"3", expected_mod_revision=r1)
    assert caught.value.current.mod_revision == r2
    assert caught.value.current.value == b"2"


async def test_update_of_a_missing_key_is_not_found(store: Store) -> None:
    with pytest.raises(KeyNotFoundError):
        await store.update("/missing", b"x", expected_mod_revision=1)


async def test_delete_returns_the_last_value_and_the_delete_revision(store: Store) -> None:
    r1 = await store.create("/k", b"last")
    deleted = await store.delete("/k", expected_mod_revision=r1)
    assert (deleted.value, deleted.create_revision, deleted.mod_revision) == (b"last", r1, r1 + 1)
    assert await store.get("/k") is None


async def test_guarded_delete_with_a_stale_revision_keeps_the_key(store: Store) -> None:
    r1 = await store.create("/k", b"1")
    await store.update("/k", b"2", expected_mod_revision=r1)
    with pytest.raises(ConflictError):
        await store.delete("/k", expected_mod_revision=r1)
    assert await store.get("/k") is not None


async def test_delete_of_a_missing_key_is_not_found(store: Store) -> None:
    with pytest.raises(KeyNotFoundError):
        await store.delete("/missing")


async def test_a_deleted_key_can_be_created_again_with_a_new_create_revision(store: Store) -> None:
    await store.create("/k", b"1")
    await store.delete("/k")
    r3 = await store.create("/k", b"again")
    kv = await store.get("/k")
    assert kv is not None and kv.create_revision == r3


async def test_get_at_a_past_revision_sees_the_value_of_that_time(store: Store) -> None:
    r1 = await store.create("/k", b"1")
    r2 = await store.update("/k", b"2", expected_mod_revision=r1)
    await store.delete("/k")
    at_r1, at_r2, latest = (
        await store.get("/k", revision=r1),
        await store.get("/k", revision=r2),
        await store.get("/k"),
    )
    assert at_r1 is not None and at_r1.value == b"1"
    assert at_r2 is not None and at_r2.value == b"2"
    assert latest is None


async def test_get_at_a_future_revision_fails(store: Store) -> None:
    current = await store.create("/k", b"1")
    with pytest.raises(FutureRevisionError):
        await store.get("/k", revision=current + 10)


@pytest.mark.parametrize(
    "size, accepted",
    [(1024 * 1024, True), (MAX_VALUE_BYTES + 1, False), (4 * 1024 * 1024, False)],
    ids=["a 1 MiB value is stored", "one byte over 1.5 MiB is refused", "4 MiB is refused"],
)
async def test_value_size_limit(store: Store, size: int, accepted: bool) -> None:
    value = os.urandom(size)
    if accepted:
        await store.create("/big", value)
        kv = await store.get("/big")
        assert kv is not None and kv.value == value
    else:
        with pytest.raises(ValueTooLargeError, match="1572864"):
            await store.create("/big", value)
        assert await store.get("/big") is None


# --- ranges ----------------------------------------------------------------------------------


async def fill(store: Store, prefix: str, count: int) -> int:
    revision = 0
    for index in range(count):
        revision = await store.create(f"{prefix}{index:04d}", str(index).encode())
    return revision


async def test_list_returns_only_the_prefix_in_key_order(store: Store) -> None:
    await store.create("/registry/pods/b", b"b")
    await store.create("/registry/pods/a", b"a")
    await store.create("/registry/podsx/c", b"c")
    await store.create("/registry/pod", b"d")
    result = await store.list("/registry/pods/")
    assert [kv.key for kv in result.items] == ["/registry/pods/a", "/registry/pods/b"]
    assert result.count == 2 and not result.more
    assert result.revision == await store.current_revision()


async def test_list_pages_continue_at_a_fixed_revision_despite_concurrent_writes(store: Store) -> None:
    await fill(store, "/p/", 25)
    first = await store.list("/p/", limit=10)
    assert len(first.items) == 10 and first.more and first.count == 25
    # Writes after the first page must not show up in later pages read at the same revision.
    await store.create("/p/0005a", b"new")
    await store.delete("/p/0020")
    kv = await store.get("/p/0021")
    assert kv is not None
    await store.update("/p/0021", b"changed", expected_mod_revision=kv.mod_revision)

    keys = [kv.key for kv in first.items]
    page = first
    while page.more:
        page = await store.list("/p/", start=page.items[-1].key + "\x00", limit=10, revision=first.revision)
        assert page.revision == first.revision
        keys += [kv.key for kv in page.items]
        values = {kv.key: kv.value for kv in page.items}
        assert values.get("/p/0021", b"21") == b"21"
    assert keys == [f"/p/{index:04d}" for index in range(25)]


async def test_list_count_covers_the_rest_of_the_range(store: Store) -> None:
    await fill(store, "/c/", 12)
    page = await store.list("/c/", start="/c/0005", limit=3)
    assert [kv.key for kv in page.items] == ["/c/0005", "/c/0006", "/c/0007"]
    assert page.count == 7 and page.more


async def test_list_at_a_past_revision_shows_deleted_keys(store: Store) -> None:
    revision = await fill(store, "/d/", 3)
    await store.delete("/d/0001")
    assert [kv.key for kv in (await store.list("/d/")).items] == ["/d/0000", "/d/0002"]
    past = await store.list("/d/", revision=revision)
    assert [kv.key for kv in past.items] == ["/d/0000", "/d/0001", "/d/0002"]


async def test_count_counts_live_keys_under_the_prefix(store: Store) -> None:
    await fill(store, "/n/", 5)
    await store.delete("/n/0000")
    await store.create("/nx", b"outside")
    assert await store.count("/n/") == 4


# --- concurrency -----------------------------------------------------------------------------


async def test_concurrent_compare_and_swap_loses_no_increment(store: Store) -> None:
    await store.create("/counter", b"0")
    conflicts = 0

    async def increment(times: int) -> None:
        nonlocal conflicts
        for _ in range(times):
            while True:
                kv = await store.get("/counter")
                assert kv is not None
                try:
                    await store.update(
                        "/counter", str(int(kv.value) + 1).encode(), expected_mod_revision=kv.mod_revision
                    )
                    break
                except ConflictError:
                    conflicts += 1

    await asyncio.gather(*(increment(10) for _ in range(8)))
    kv = await store.get("/counter")
    assert kv is not None and kv.value == b"80"
    assert conflicts > 0, "eight writers racing on one key must have collided at least once"


async def test_concurrent_creates_of_one_key_have_exactly_one_winner(store: Store) -> None:
    results = await asyncio.gather(
        *(store.create("/lock", str(i).encode()) for i in range(20)), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert all(isinstance(r, KeyExistsError) for r in results if not isinstance(r, int))


# --- watch -----------------------------------------------------------------------------------


async def test_watch_sees_creates_updates_and_deletes_with_previous_values(store: Store) -> None:
    start = await store.current_revision() + 1
    r1 = await store.create("/w/a", b"1")
    r2 = await store.update("/w/a", b"2", expected_mod_revision=r1)
    await store.create("/other/b", b"not watched")
    deleted = await store.delete("/w/a")
    events = await take(store.watch("/w/", start_revision=start), 3)
    assert [(e.type, e.key, e.value, e.prev_value, e.mod_revision) for e in events] == [
        (EventType.CREATE, "/w/a", b"1", None, r1),
        (EventType.UPDATE, "/w/a", b"2", b"1", r2),
        (EventType.DELETE, "/w/a", None, b"2", deleted.mod_revision),
    ]
    assert all(e.create_revision == r1 for e in events)


async def test_watch_from_zero_starts_with_the_next_write(store: Store) -> None:
    await store.create("/z/old", b"old")
    watch = store.watch("/z/", start_revision=0)
    collector = asyncio.create_task(take(watch, 1))
    await asyncio.sleep(0.3)  # let the watch establish before writing
    revision = await store.create("/z/new", b"new")
    events = await collector
    assert [(e.key, e.mod_revision) for e in events] == [("/z/new", revision)]


async def test_watch_has_no_gaps_or_reordering_under_concurrent_writers(store: Store) -> None:
    start = await store.current_revision() + 1
    writers, writes_each = 16, 25

    async def writer(index: int) -> None:
        revision = await store.create(f"/g/{index}", b"0")
        for step in range(1, writes_each):
            revision = await store.update(f"/g/{index}", str(step).encode(), expected_mod_revision=revision)

    watch = store.watch("/g/", start_revision=start)
    collector = asyncio.create_task(take(watch, writers * writes_each, within=60))
    await asyncio.gather(*(writer(i) for i in range(writers)))
    events = await collector
    revisions = [e.mod_revision for e in events]
    assert revisions == sorted(set(revisions)), "events must arrive once each, in revision order"
    assert revisions == list(range(start, start + writers * writes_each)), "no revision may be skipped"
    for index in range(writers):
        values = [e.value for e in events if e.key == f"/g/{index}"]
        assert values == [str(step).encode() for step in range(writes_each)]


async def test_watch_resumes_from_a_past_revision_with_history_then_live(store: Store) -> None:
    revisions = [await store.create(f"/r/{i}", b"x") for i in range(5)]
    watch = store.watch("/r/", start_revision=revisions[2])
    collector = asyncio.create_task(take(watch, 5))
    await asyncio.sleep(0.2)
    revisions.append(await store.create("/r/5", b"live"))
    revisions.append(await store.create("/r/6", b"live"))
    events = await collector
    assert [e.mod_revision for e in events] == revisions[2:]


async def test_two_watchers_see_the_same_events(store: Store) -> None:
    start = await store.current_revision() + 1
    first = asyncio.create_task(take(store.watch("/t/", start_revision=start), 10))
    second = asyncio.create_task(take(store.watch("/t/", start_revision=start), 10))
    for i in range(10):
        await store.create(f"/t/{i}", b"x")
    assert [e.mod_revision for e in await first] == [e.mod_revision for e in await second]


async def test_a_quiet_watch_learns_the_revision_through_progress_events(store: Store) -> None:
    start = await store.current_revision() + 1
    watch = store.watch("/quiet/", start_revision=start)

    async def first_progress() -> Event:
        async for event in watch:
            assert event.type is EventType.PROGRESS, "nothing was written under /quiet/"
            return event
        raise AssertionError("the watch ended")

    waiter = asyncio.create_task(first_progress())
    await asyncio.sleep(0.2)
    revision = await store.create("/loud/a", b"x")
    event = await asyncio.wait_for(waiter, 15)
    assert event.mod_revision >= revision and event.key == ""


async def test_closing_a_watch_stops_it(store: Store) -> None:
    watch = store.watch("/s/", start_revision=0)
    collector = asyncio.create_task(take(watch, 100))
    await asyncio.sleep(0.2)
    collector.cancel()
    with pytest.raises(asyncio.CancelledError):
        await collector
    # The store still works for everyone else.
    assert await store.create("/s/after", b"x") > 0


# --- compaction ------------------------------------------------------------------------------


async def test_compaction_keeps_latest_values_and_forgets_history(store: Store) -> None:
    r1 = await store.create("/h/a", b"1")
    r2 = await store.update("/h/a", b"2", expected_mod_revision=r1)
    await store.create("/h/b", b"b")
    await store.delete("/h/b")
    keep = await store.create("/h/c", b"c")
    await store.compact(keep)
    assert await store.compacted_revision() >= keep
    latest = await store.get("/h/a")
    assert latest is not None and (latest.value, latest.mod_revision) == (b"2", r2)
    assert [kv.key for kv in (await store.list("/h/")).items] == ["/h/a", "/h/c"]
    with pytest.raises(CompactedError):
        await store.get("/h/a", revision=r1)
    with pytest.raises(CompactedError):
        await store.list("/h/", revision=r1)


async def test_watch_from_a_compacted_revision_fails_clearly(store: Store) -> None:
    r1 = await store.create("/x/a", b"1")
    for step in range(5):
        await store.update("/x/a", str(step).encode(), expected_mod_revision=r1 + step)
    current = await store.current_revision()
    await store.compact(current)
    with pytest.raises(CompactedError) as caught:
        await take(store.watch("/x/", start_revision=r1), 1)
    assert caught.value.compacted_revision >= current
    assert "compacted" in str(caught.value)


async def test_watch_after_the_compaction_point_still_works(store: Store) -> None:
    r1 = await store.create("/y/a", b"1")
    r2 = await store.update("/y/a", b"2", expected_mod_revision=r1)
    await store.compact(r2)
    r3 = await store.update("/y/a", b"3", expected_mod_revision=r2)
    events = await take(store.watch("/y/", start_revision=r3), 1)
    assert [(e.value, e.prev_value) for e in events] == [(b"3", b"2")]


async def test_compacting_backwards_is_a_no_op(store: Store) -> None:
    revision = await fill(store, "/b/", 4)
    await store.compact(revision)
    await store.compact(revision - 2)
    assert await store.compacted_revision() == revision


# --- durability ------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pinnace.storage import open_store

    async def main(url, run):
        store = await open_store(url)
        counter = 0
        async def writer(lane):
            nonlocal counter
            while True:
                counter += 1
                key = f"/crash/{run}/{lane}/{counter}"
                revision = await store.create(key, key.encode())
                print(key, revision, flush=True)
        await asyncio.gather(*(writer(lane) for lane in range(8)))

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def test_acknowledged_writes_survive_kill_9_of_the_writer(store_url: str) -> None:
    acknowledged: dict[str, int] = {}
    rng = random.Random(7)
    for run in range(20):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, store_url, str(run)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        wanted = rng.randint(20, 200)
        try:
            for _ in range(wanted):
                line = process.stdout.readline()
                assert line, f"writer exited early with {process.poll()}"
                key, revision = line.split()
                acknowledged[key] = int(revision)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            process.stdout.close()
    asyncio.run(verify_present(store_url, acknowledged))


async def verify_present(store_url: str, acknowledged: dict[str, int]) -> None:
    reopened = await open_store(store_url)
    try:
        for key, revision in acknowledged.items():
            kv = await reopened.get(key)
            assert kv is not None, f"acknowledged write {key} at revision {revision} was lost"
            assert (kv.value, kv.mod_revision) == (key.encode(), revision)
    finally:
        await reopened.close()
