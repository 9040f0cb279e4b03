"""SQLiteStore: the Store protocol over one SQLite file (see the package docstring)."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pinnace.storage.compactor import CompactionPolicy, Compactor
from pinnace.storage.errors import StoreUnavailableError, ValueTooLargeError
from pinnace.storage.interface import MAX_VALUE_BYTES, Event, KeyValue, ListResult
from pinnace.storage.sqlite import reader, schema
from pinnace.storage.sqlite.watch import WatchHub, stream
from pinnace.storage.sqlite.writer import MaintenanceOp, SQLiteWriter, WriteOp

# Revisions compacted per transaction, so one compaction never stalls writers for long.
COMPACTION_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class SQLiteOptions:
    """Settings from the URL's query string, e.g. ``sqlite:///data/state.db?sync=full``.

    ``compact-interval``, ``compact-min-age`` (seconds) and ``compact-min-revisions`` tune automatic
    compaction (see :mod:`pinnace.storage.compactor`); ``compact-interval=0`` turns it off.

    ``sync``: ``normal`` (default) acknowledges a write once it is in the WAL file, which survives
    ``kill -9`` of any process but not a power cut; ``full`` also fsyncs the WAL at every commit,
    which survives power loss (group commit shares each fsync among the writes of a batch).
    """

    path: str
    synchronous: str = "NORMAL"
    poll_interval: float = 1.0
    reader_threads: int = 4
    compaction: CompactionPolicy = field(default_factory=CompactionPolicy)

    @classmethod
    def from_url(cls, url: str) -> SQLiteOptions:
        parts = urlsplit(url)
        path = parts.path
        if not path:
            raise ValueError(f"sqlite URL {url!r} names no file; use sqlite:///path/to/state.db")
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        sync = query.get("sync", "normal").upper()
        if sync not in ("NORMAL", "FULL"):
            raise ValueError(f"sqlite URL {url!r}: sync must be 'normal' or 'full', not {sync.lower()!r}")
        defaults = CompactionPolicy()
        try:
            return cls(
                path=path,
                synchronous=sync,
                poll_interval=float(query.get("poll-interval", "1.0")),
                reader_threads=int(query.get("reader-threads", "4")),
                compaction=CompactionPolicy(
                    interval=float(query.get("compact-interval", defaults.interval)),
                    min_age=float(query.get("compact-min-age", defaults.min_age)),
                    min_revisions=int(query.get("compact-min-revisions", defaults.min_revisions)),
                ),
            )
        except ValueError as err:
            raise ValueError(f"sqlite URL {url!r}: {err}") from err


class SQLiteStore:
    """The embedded store. Open it with :func:`open_sqlite_store`."""

    def __init__(self, options: SQLiteOptions) -> None:
        self.options = options
        self._loop = asyncio.get_running_loop()
        Path(options.path).parent.mkdir(parents=True, exist_ok=True)
        # A shared lock marks the file as in use, so `snapshot restore` can refuse to replace it
        # under a running server; other processes may share the store (and their writes are polled).
        self._lock_file = open(options.path + ".lock", "a")
        fcntl.flock(self._lock_file, fcntl.LOCK_SH)
        self._writer = SQLiteWriter(options.path, options.synchronous, self._loop, on_commit=self._on_commit)
        self._writer.start()  # creates the schema before any reader connects
        self._reader = reader.SQLiteReader(
            options.path, synchronous=options.synchronous, threads=options.reader_threads
        )
        self._hub: WatchHub | None = None
        self._compactor_task: asyncio.Task[None] | None = None
        self._closed = False

    async def _start(self) -> None:
        current, _ = await self._reader.run(reader.revisions)
        self._hub = WatchHub(
            read_history=self._read_all_history,
            read_revision=self.current_revision,
            delivered=current,
            poll_interval=self.options.poll_interval,
        )
        self._hub.start()
        self._compactor_task = asyncio.create_task(
            Compactor(self, self.options.compaction).run(), name="sqlite-compactor"
        )

    def _on_commit(self, events: list[Event]) -> None:
        if self._hub is not None:
            self._hub.publish(events)

    async def _write(self, op_kind: str, key: str, value: bytes | None, expected: int) -> Any:
        if value is not None and len(value) > MAX_VALUE_BYTES:
            raise ValueTooLargeError(key, len(value), MAX_VALUE_BYTES)
        future: asyncio.Future[Any] = self._loop.create_future()
        self._writer.submit(WriteOp(key, value, expected, op_kind, future))
        return await future

    # --- the Store protocol -----------------------------------------------------------------

    async def create(self, key: str, value: bytes) -> int:
        revision: int = await self._write("create", key, value, 0)
        return revision

    async def update(self, key: str, value: bytes, *, expected_mod_revision: int) -> int:
        revision: int = await self._write("update", key, value, expected_mod_revision)
        return revision

    async def delete(self, key: str, *, expected_mod_revision: int = 0) -> KeyValue:
        deleted: KeyValue = await self._write("delete", key, None, expected_mod_revision)
        return deleted

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        return await self._reader.run(lambda conn: reader.get(conn, key, revision))

    async def list(self, prefix: str, *, start: str = "", limit: int = 0, revision: int = 0) -> ListResult:
        return await self._reader.run(lambda conn: reader.list_range(conn, prefix, start, limit, revision))

    async def count(self, prefix: str) -> int:
        return await self._reader.run(lambda conn: reader.count(conn, prefix))

    async def current_revision(self) -> int:
        current, _ = await self._reader.run(reader.revisions)
        return current

    async def compacted_revision(self) -> int:
        _, compacted = await self._reader.run(reader.revisions)
        return compacted

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[Event]:
        if self._hub is None:
            raise StoreUnavailableError("the store is not started")
        return stream(self._hub, prefix, start_revision, self._read_history)

    async def compact(self, revision: int) -> None:
        current, compacted = await self._reader.run(reader.revisions)
        target = min(revision, current)
        while compacted < target:
            upto = min(compacted + COMPACTION_CHUNK, target)
            await self._maintain(lambda conn, after=compacted, upto=upto: _compact_range(conn, after, upto))
            compacted = upto
        await self._maintain(_checkpoint)

    async def snapshot(self, path: str) -> None:
        # A connection of its own: the online backup copies one consistent image under a read
        # lock, which in WAL mode does not hold up the writer.
        tmp = path + ".partial"

        def backup() -> None:
            source = schema.connect(self.options.path, synchronous=self.options.synchronous)
            target = sqlite3.connect(tmp)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()

        try:
            await asyncio.to_thread(backup)
        except sqlite3.Error as err:
            raise StoreUnavailableError(f"sqlite snapshot to {path} failed: {err}") from err
        os.replace(tmp, path)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._compactor_task is not None:
            self._compactor_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._compactor_task
        if self._hub is not None:
            await self._hub.stop()
        await asyncio.to_thread(self._writer.stop)
        await asyncio.to_thread(self._reader.close)
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()

    # --- helpers ----------------------------------------------------------------------------

    async def _maintain(self, action: Any) -> Any:
        future: asyncio.Future[Any] = self._loop.create_future()
        self._writer.submit(MaintenanceOp(action, future))
        return await future

    async def _read_all_history(self, prefix: str, after: int, upto: int) -> builtins.list[Event]:
        return await self._reader.run(lambda conn: reader.history(conn, prefix, after, upto))

    async def _read_history(self, prefix: str, after: int, upto: int, start: int) -> builtins.list[Event]:
        return await self._reader.run(
            lambda conn: reader.history(conn, prefix, after, upto, check_compaction_from=start)
        )


def _compact_range(conn: sqlite3.Connection, after: int, upto: int) -> None:
    """Drop history in (after, upto]: each write there supersedes its previous row, and tombstones go.

    Following kine: only rows written in the range need looking at, since everything superseded
    before ``after`` went in earlier compactions. The latest version of every key survives.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "DELETE FROM log WHERE id IN "
            "(SELECT prev_revision FROM log WHERE id > ? AND id <= ? AND prev_revision != 0)",
            (after, upto),
        )
        conn.execute("DELETE FROM log WHERE id > ? AND id <= ? AND deleted = 1", (after, upto))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'compacted_revision' AND value < ?", (upto, upto))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _checkpoint(conn: sqlite3.Connection) -> None:
    """Give freed pages back and truncate the WAL, so the files stay bounded under churn."""
    conn.execute("PRAGMA incremental_vacuum")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def open_sqlite_store(url: str) -> SQLiteStore:
    store = SQLiteStore(SQLiteOptions.from_url(url))
    await store._start()
    return store
