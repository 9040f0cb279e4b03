"""Store benchmark: SQLite and etcd measured in the same run, with raw sqlite3 as the ceiling.

    .venv/bin/python bench/store.py [--quick] [--backends sqlite,etcd] [--json FILE]

Measures, per backend: create and update rates with p50/p99 commit latency at 1, 16 and 64
concurrent writers; a prefix range over 10k keys (whole, and in pages of 500); watch delivery rate;
and the database size after 100k updates to 1k keys with compaction on. Each figure is the median
of several rounds, and the report gives SQLite/etcd ratios and the ratio to raw sqlite3 inserts in
one transaction (the most a SQLite-backed store could do), all measured here and now: the machines
are shared and noisy, so only same-run ratios mean anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Results, percentile, timed_ops

from pinnace.storage import Store, open_store
from pinnace.storage.etcd_server import EtcdServer

VALUE = os.urandom(512)


@dataclass(frozen=True)
class Scale:
    writes: int  # per concurrency level
    range_keys: int
    watch_events: int
    churn_updates: int
    churn_keys: int
    rounds: int


FULL = Scale(
    writes=4000, range_keys=10_000, watch_events=10_000, churn_updates=100_000, churn_keys=1000, rounds=3
)
QUICK = Scale(writes=300, range_keys=1000, watch_events=500, churn_updates=3000, churn_keys=100, rounds=1)
CONCURRENCY = (1, 16, 64)


async def bench_writes(store: Store, scale: Scale, results: Results, backend: str, tag: str) -> None:
    for concurrency in CONCURRENCY:
        create_rates, update_rates, create_lat, update_lat = [], [], [], []
        for round_ in range(scale.rounds):
            prefix = f"/bench/{tag}/c{concurrency}/r{round_}/"
            revisions: dict[int, int] = {}

            async def create(index: int, prefix: str = prefix, revisions: dict[int, int] = revisions) -> None:
                revisions[index] = await store.create(f"{prefix}{index}", VALUE)

            async def update(index: int, prefix: str = prefix, revisions: dict[int, int] = revisions) -> None:
                revisions[index] = await store.update(
                    f"{prefix}{index}", VALUE, expected_mod_revision=revisions[index]
                )

            rate, latencies = await timed_ops(concurrency, scale.writes, create)
            create_rates.append(rate)
            create_lat += latencies
            rate, latencies = await timed_ops(concurrency, scale.writes, update)
            update_rates.append(rate)
            update_lat += latencies
        results.put(backend, f"create/s @{concurrency}", statistics.median(create_rates))
        results.put(backend, f"create p50 ms @{concurrency}", percentile(create_lat, 0.5) * 1000)
        results.put(backend, f"create p99 ms @{concurrency}", percentile(create_lat, 0.99) * 1000)
        results.put(backend, f"update/s @{concurrency}", statistics.median(update_rates))
        results.put(backend, f"update p50 ms @{concurrency}", percentile(update_lat, 0.5) * 1000)
        results.put(backend, f"update p99 ms @{concurrency}", percentile(update_lat, 0.99) * 1000)


async def bench_range(store: Store, scale: Scale, results: Results, backend: str) -> None:
    prefix = "/bench/range/"
    await timed_ops(64, scale.range_keys, lambda i: store.create(f"{prefix}{i:06d}", VALUE))
    whole, paged = [], []
    for _ in range(max(3, scale.rounds)):
        start = time.perf_counter()
        page = await store.list(prefix)
        whole.append(time.perf_counter() - start)
        assert len(page.items) == scale.range_keys
        start = time.perf_counter()
        seen, key, revision, more = 0, "", 0, True
        while more:
            page = await store.list(prefix, start=key, limit=500, revision=revision)
            seen += len(page.items)
            revision, more = page.revision, page.more
            key = page.items[-1].key + "\x00" if page.items else key
        paged.append(time.perf_counter() - start)
        assert seen == scale.range_keys
    results.put(backend, f"range {scale.range_keys} keys ms", statistics.median(whole) * 1000)
    results.put(backend, f"range {scale.range_keys} keys in pages of 500 ms", statistics.median(paged) * 1000)


async def bench_watch(store: Store, scale: Scale, results: Results, backend: str) -> None:
    rates = []
    for round_ in range(scale.rounds):
        prefix = f"/bench/watch/{round_}/"
        start_revision = await store.current_revision() + 1
        received = 0

        async def consume(prefix: str = prefix, start_revision: int = start_revision) -> None:
            nonlocal received
            async for _event in store.watch(prefix, start_revision=start_revision):
                received += 1
                if received == scale.watch_events:
                    return

        received = 0
        consumer = asyncio.create_task(consume())
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        await timed_ops(64, scale.watch_events, lambda i, p=prefix: store.create(f"{p}{i}", VALUE))
        await asyncio.wait_for(consumer, 120)
        rates.append(scale.watch_events / (time.perf_counter() - start))
    results.put(backend, "watch events/s (64 writers)", statistics.median(rates))


async def bench_churn(
    store: Store, scale: Scale, results: Results, backend: str, size_of: Callable[[], int]
) -> None:
    """Lease-like churn: many updates to few keys, compacting like the automatic compactor would."""
    prefix = "/bench/churn/"
    revisions = {i: await store.create(f"{prefix}{i}", VALUE) for i in range(scale.churn_keys)}
    compact_every = max(1000, scale.churn_updates // 20)

    # Each lane owns the keys k with k % lanes == lane, so no two lanes race on one key.
    lanes = 16
    done = 0

    async def lane(first: int) -> None:
        nonlocal done
        own = list(range(first, scale.churn_keys, lanes))
        for step in range(scale.churn_updates // lanes):
            key = own[step % len(own)]
            revisions[key] = await store.update(f"{prefix}{key}", VALUE, expected_mod_revision=revisions[key])
            done += 1
            if done % compact_every == 0:
                await store.compact(await store.current_revision() - 1000)

    await asyncio.gather(*(lane(i) for i in range(lanes)))
    await store.compact(await store.current_revision() - 1000)
    results.put(
        backend,
        f"size MiB after {scale.churn_updates} updates to {scale.churn_keys} keys",
        size_of() / 2**20,
    )


def raw_sqlite_ceiling(scale: Scale, directory: Path) -> float:
    """Inserts per second into a plain table in one transaction: what SQLite itself can do here."""
    rates = []
    for round_ in range(max(3, scale.rounds)):
        conn = sqlite3.connect(directory / f"raw{round_}.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, value BLOB)")
        conn.execute("CREATE INDEX log_name ON log (name, id)")
        count = scale.writes * 4
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO log (name, value) VALUES (?, ?)", ((f"/raw/{i}", VALUE) for i in range(count))
        )
        conn.execute("COMMIT")
        rates.append(count / (time.perf_counter() - start))
        conn.close()
    return statistics.median(rates)


@asynccontextmanager
async def backend_store(backend: str, directory: Path) -> AsyncIterator[tuple[Store, Callable[[], int]]]:
    if backend == "sqlite":
        db = directory / "state.db"
        store = await open_store(f"sqlite://{db}?compact-interval=0")

        def sqlite_size() -> int:
            return sum(p.stat().st_size for p in directory.glob("state.db*") if not p.name.endswith(".lock"))

        try:
            yield store, sqlite_size
        finally:
            await store.close()
        return
    with EtcdServer(directory / "etcd") as server:
        store = await open_store(server.url)

        def etcd_size() -> int:
            # The bbolt database; etcd's WAL is preallocated in 64 MB segments whatever the load.
            return (directory / "etcd" / "etcd" / "member" / "snap" / "db").stat().st_size

        try:
            yield store, etcd_size
        finally:
            await store.close()


async def run(scale: Scale, backends: list[str]) -> Results:
    results = Results()
    with tempfile.TemporaryDirectory(prefix="pinnace-bench-") as tmp:
        root = Path(tmp)
        results.put("raw sqlite3", "create/s @1", raw_sqlite_ceiling(scale, root))
        for backend in backends:
            directory = root / backend
            directory.mkdir()
            print(f"benchmarking {backend} ...", file=sys.stderr, flush=True)
            async with backend_store(backend, directory) as (store, _size_of):
                await bench_writes(store, scale, results, backend, "w")
                await bench_range(store, scale, results, backend)
                await bench_watch(store, scale, results, backend)
            # Churn starts from an empty store so that the size is the churn's alone.
            churn_directory = root / f"{backend}-churn"
            churn_directory.mkdir()
            async with backend_store(backend, churn_directory) as (store, size_of):
                await bench_churn(store, scale, results, backend, size_of)
    return results


def report(results: Results, backends: list[str]) -> str:
    columns = [*backends, "raw sqlite3"]
    ratio = len(backends) == 2
    header = f"{'figure':52}" + "".join(f"{c:>14}" for c in columns)
    if ratio:
        header += f"{backends[0] + '/' + backends[1]:>16}"
    lines = [header, "-" * len(header)]
    for name, by_backend in results.figures.items():
        row = f"{name:52}" + "".join(
            f"{by_backend[c]:>14.1f}" if c in by_backend else f"{'':>14}" for c in columns
        )
        if ratio and all(b in by_backend for b in backends) and by_backend[backends[1]]:
            row += f"{by_backend[backends[0]] / by_backend[backends[1]]:>16.2f}"
        lines.append(row)
    ceiling = results.figures["create/s @1"]["raw sqlite3"]
    lines.append("")
    for backend in backends:
        best = max(results.figures[f"create/s @{c}"][backend] for c in CONCURRENCY)
        lines.append(
            f"{backend}: best create rate is {best / ceiling:.3f} of raw sqlite3 inserts in one transaction"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (a smoke test)")
    parser.add_argument("--backends", default="sqlite,etcd", help="comma-separated: sqlite,etcd")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    results = asyncio.run(run(QUICK if args.quick else FULL, backends))
    print(report(results, backends))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results.figures, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
