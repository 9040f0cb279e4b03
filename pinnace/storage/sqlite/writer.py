"""The single writer thread: every write goes through it, batched into one transaction (group commit).

Callers on the event loop submit operations and await a future. The thread takes everything that
is queued, applies the operations one after another inside ``BEGIN IMMEDIATE`` (so each one's
precondition sees the ones before it, and writers in other processes are locked out), commits, and
only then resolves the futures and hands the batch's events to the watch hub. A failed
precondition fails only its own operation; a failed commit fails the whole batch, and nothing of it
is visible.

While one batch is committing (an fsync under ``synchronous=FULL``), new operations queue up and
become the next batch: this is what makes many concurrent writers cheaper than one.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pinnace.storage.errors import (
    ConflictError,
    KeyExistsError,
    KeyNotFoundError,
    StorageError,
    StoreClosedError,
    StoreUnavailableError,
)
from pinnace.storage.interface import Event, EventType, KeyValue
from pinnace.storage.sqlite import schema

log = logging.getLogger(__name__)

MAX_BATCH = 512


@dataclass(slots=True)
class WriteOp:
    """One create (expected 0, must_exist False), update, or delete (value None)."""

    key: str
    value: bytes | None
    expected_mod_revision: int
    kind: str  # "create" | "update" | "delete"
    future: asyncio.Future[Any]
    result: Any = None
    error: StorageError | None = None


@dataclass(slots=True)
class MaintenanceOp:
    """Work that must run alone in the writer's connection (compaction chunks, checkpoints)."""

    action: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


@dataclass(slots=True)
class _Latest:
    id: int
    deleted: bool
    create_revision: int
    value: bytes | None


@dataclass
class SQLiteWriter:
    """Owns the write connection and the thread that uses it."""

    path: str
    synchronous: str
    loop: asyncio.AbstractEventLoop
    on_commit: Callable[[list[Event]], None]
    _queue: queue.SimpleQueue[WriteOp | MaintenanceOp | None] = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None
    _closed: bool = False

    def start(self) -> None:
        conn = schema.connect(self.path, synchronous=self.synchronous)
        schema.initialize(conn)
        self._thread = threading.Thread(target=self._run, args=(conn,), name="sqlite-writer", daemon=True)
        self._thread.start()

    def submit(self, op: WriteOp | MaintenanceOp) -> None:
        if self._closed:
            raise StoreClosedError("the store is closed")
        self._queue.put(op)

    def stop(self) -> None:
        """Finish what is queued, then end the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join()

    # --- the thread -------------------------------------------------------------------------

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                if isinstance(first, MaintenanceOp):
                    self._run_maintenance(conn, first)
                    continue
                batch = [first]
                stop_after = False
                while len(batch) < MAX_BATCH:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop_after = True
                        break
                    if isinstance(nxt, MaintenanceOp):
                        # Keep it for after this batch, in order.
                        self._commit_batch(conn, batch)
                        batch = []
                        self._run_maintenance(conn, nxt)
                        break
                    batch.append(nxt)
                if batch:
                    self._commit_batch(conn, batch)
                if stop_after:
                    return
        finally:
            conn.close()

    def _run_maintenance(self, conn: sqlite3.Connection, op: MaintenanceOp) -> None:
        try:
            op.result = op.action(conn)
        except sqlite3.Error as err:
            op.error = StoreUnavailableError(f"sqlite maintenance failed: {err}")
        except Exception as err:
            op.error = err
        self.loop.call_soon_threadsafe(_resolve, op.future, op.result, op.error)

    def _commit_batch(self, conn: sqlite3.Connection, batch: list[WriteOp]) -> None:
        events: list[Event] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                revision = schema.current_revision(conn)
                for op in batch:
                    event = self._apply(conn, op, revision + 1)
                    if event is not None:
                        revision += 1
                        events.append(event)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as err:
            log.error("sqlite write batch of %d failed: %s", len(batch), err)
            failure = StoreUnavailableError(f"sqlite write failed: {err}")
            for op in batch:
                self.loop.call_soon_threadsafe(_resolve, op.future, None, failure)
            return
        # Events first, acknowledgements second: a client that sees its write acknowledged and then
        # opens a watch from that revision must find the event already in the hub's history.
        if events:
            self.loop.call_soon_threadsafe(self.on_commit, events)
        for op in batch:
            self.loop.call_soon_threadsafe(_resolve, op.future, op.result, op.error)

    @staticmethod
    def _latest(conn: sqlite3.Connection, key: str) -> _Latest | None:
        row = conn.execute(
            "SELECT id, deleted, create_revision, value FROM log WHERE name = ? ORDER BY id DESC LIMIT 1",
            (key,),
        ).fetchone()
        if row is None:
            return None
        return _Latest(id=row[0], deleted=bool(row[1]), create_revision=row[2], value=row[3])

    def _apply(self, conn: sqlite3.Connection, op: WriteOp, revision: int) -> Event | None:
        """Apply one operation at ``revision``; record its result or error on the op."""
        latest = self._latest(conn, op.key)
        live = latest if latest is not None and not latest.deleted else None
        if op.kind == "create":
            if live is not None:
                op.error = KeyExistsError(op.key)
                return None
            conn.execute(
                "INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value) "
                "VALUES (?, ?, 1, 0, ?, 0, ?)",
                (revision, op.key, revision, op.value),
            )
            op.result = revision
            return Event(EventType.CREATE, op.key, op.value, None, revision, revision)
        if live is None:
            op.error = KeyNotFoundError(op.key)
            return None
        if op.expected_mod_revision and live.id != op.expected_mod_revision:
            current = KeyValue(op.key, live.value or b"", live.create_revision, live.id)
            op.error = ConflictError(op.key, op.expected_mod_revision, current)
            return None
        deleted = op.kind == "delete"
        conn.execute(
            "INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value) "
            "VALUES (?, ?, 0, ?, ?, ?, ?)",
            (revision, op.key, int(deleted), live.create_revision, live.id, None if deleted else op.value),
        )
        if deleted:
            op.result = KeyValue(op.key, live.value or b"", live.create_revision, revision)
            return Event(EventType.DELETE, op.key, None, live.value, revision, live.create_revision)
        op.result = revision
        return Event(EventType.UPDATE, op.key, op.value, live.value, revision, live.create_revision)


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller was cancelled; the write itself still happened (or not) as decided
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
