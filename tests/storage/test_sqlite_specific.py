"""What only the SQLite backend promises: bounded files, other-process writes, URL options."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinnace.storage import Store, open_store
from pinnace.storage.compactor import CompactionPolicy, Compactor
from pinnace.storage.sqlite import SQLiteOptions


def file_sizes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if not p.name.endswith(".lock"))


async def churn(store: Store, keys: int, updates: int, value: bytes) -> None:
    revisions = {}
    for index in range(keys):
        key = f"/registry/leases/kube-node-lease/node-{index}"
        kv = await store.get(key)
        revisions[key] = kv.mod_revision if kv else await store.create(key, value)
    names = list(revisions)

    async def lane(offset: int) -> None:
        for step in range(offset, updates, 16):
            key = names[step % keys]
            revisions[key] = await store.update(key, value, expected_mod_revision=revisions[key])

    await asyncio.gather(*(lane(offset) for offset in range(16)))


async def test_files_stay_bounded_under_lease_churn_with_compaction(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    store = await open_store(f"sqlite://{db}?compact-interval=0")
    value = os.urandom(1024)
    sizes = []
    try:
        for _round in range(4):
            await churn(store, keys=200, updates=5000, value=value)
            await store.compact(await store.current_revision() - 1000)
            sizes.append(file_sizes(db))
    finally:
        await store.close()
    # 20,000 updates of 1 KiB are over 20 MB of history. With compaction the files peak at one
    # round's worth of rows (5,000) and then stop growing: freed pages are reused.
    assert sizes[-1] < 12 * 1024 * 1024, sizes
    assert sizes[-1] <= sizes[1] * 1.05, sizes


async def test_compactor_waits_for_both_the_time_and_the_revision_window(tmp_path: Path) -> None:
    store = await open_store(f"sqlite://{tmp_path / 'state.db'}?compact-interval=0")
    now = [0.0]
    compactor = Compactor(store, CompactionPolicy(min_age=300, min_revisions=10), clock=lambda: now[0])
    try:

        async def write_up_to(revision: int) -> None:
            while await store.current_revision() < revision:
                await store.create(f"/k/{await store.current_revision()}", b"x")

        await write_up_to(50)
        assert await compactor.tick() is None, "nothing is five minutes old yet"
        now[0] = 100
        await write_up_to(100)
        assert await compactor.tick() is None
        now[0] = 301
        assert await compactor.tick() == 50, "the sample taken at t=0 (revision 50) is old enough"
        assert await store.compacted_revision() == 50
        now[0] = 401
        await write_up_to(105)
        assert await compactor.tick() == 95, "revision 100 is old enough, but 10 revisions stay"
        now[0] = 402
        assert await compactor.tick() is None, "nothing new is old enough"
    finally:
        await store.close()


OTHER_PROCESS_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pinnace.storage import open_store

    async def main(url):
        store = await open_store(url)
        for index in range(5):
            await store.create(f"/shared/{index}", b"from another process")
        await store.close()

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_a_watch_sees_writes_made_by_another_process(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'state.db'}?poll-interval=0.1"
    store = await open_store(url)
    try:
        start = await store.create("/shared/mine", b"local") + 1
        events = store.watch("/shared/", start_revision=start)
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", OTHER_PROCESS_WRITER, url)
        assert await process.wait() == 0
        seen = []
        async with asyncio.timeout(10):
            async for event in events:
                seen.append((event.key, event.mod_revision))
                if len(seen) == 5:
                    break
        assert seen == [(f"/shared/{i}", start + i) for i in range(5)]
        local = await store.create("/shared/after", b"local again")
        assert local == start + 5, "our writer must continue after the other process's revisions"
    finally:
        await store.close()


async def test_snapshot_is_a_consistent_copy_that_opens_as_a_store(tmp_path: Path) -> None:
    store = await open_store(f"sqlite://{tmp_path / 'state.db'}")
    try:
        for index in range(100):
            await store.create(f"/s/{index:03d}", str(index).encode())
        revision = await store.current_revision()
        await store.snapshot(str(tmp_path / "backup.db"))
        await store.create("/s/after", b"not in the snapshot")
    finally:
        await store.close()
    copy = await open_store(f"sqlite://{tmp_path / 'backup.db'}")
    try:
        page = await copy.list("/s/")
        assert len(page.items) == 100 and page.revision == revision
    finally:
        await copy.close()


@pytest.mark.parametrize(
    "url, message",
    [
        ("sqlite://", "names no file"),
        ("sqlite:///tmp/x.db?sync=sometimes", "sync must be 'normal' or 'full'"),
        ("sqlite:///tmp/x.db?compact-interval=soon", "could not convert"),
    ],
    ids=["a URL without a path", "an unknown sync level", "a non-numeric interval"],
)
def test_bad_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SQLiteOptions.from_url(url)


def test_sync_full_is_offered_for_power_loss_durability() -> None:
    assert SQLiteOptions.from_url("sqlite:///tmp/x.db?sync=full").synchronous == "FULL"
    assert SQLiteOptions.from_url("sqlite:///tmp/x.db").synchronous == "NORMAL"


def test_the_writer_process_exits_cleanly_after_close(tmp_path: Path) -> None:
    # A store that is closed must leave no thread behind that keeps the interpreter alive.
    code = OTHER_PROCESS_WRITER
    result = subprocess.run(
        [sys.executable, "-c", code, f"sqlite://{tmp_path / 'state.db'}"], timeout=30, check=False
    )
    assert result.returncode == 0
