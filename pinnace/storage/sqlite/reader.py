"""Reads: a small pool of threads, each with its own connection, each read one snapshot transaction.

WAL mode lets these run alongside the writer. Every read opens ``BEGIN`` so that the revision it
reports and the rows it returns come from the same snapshot.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pinnace.storage.errors import CompactedError, FutureRevisionError, StoreUnavailableError
from pinnace.storage.interface import Event, EventType, KeyValue, ListResult, prefix_end
from pinnace.storage.sqlite import schema

T = TypeVar("T")

# Rows fetched per query when replaying history for a watch.
HISTORY_PAGE = 1000


class SQLiteReader:
    def __init__(self, path: str, *, synchronous: str, threads: int = 4) -> None:
        self._path = path
        self._synchronous = synchronous
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sqlite-reader")

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = schema.connect(self._path, synchronous=self._synchronous)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    async def run(self, read: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``read`` in a snapshot transaction on a pool thread."""

        def in_transaction() -> T:
            conn = self._connection()
            try:
                conn.execute("BEGIN")
                try:
                    return read(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as err:
                raise StoreUnavailableError(f"sqlite read failed: {err}") from err

        return await asyncio.get_running_loop().run_in_executor(self._executor, in_transaction)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


# --- queries, each run inside SQLiteReader.run ------------------------------------------------


def _resolve_revision(conn: sqlite3.Connection, revision: int) -> int:
    """The revision a read happens at: the latest for 0, else ``revision`` after range checks."""
    current = schema.current_revision(conn)
    if revision == 0:
        return current
    if revision > current:
        raise FutureRevisionError(revision, current)
    compacted = schema.compacted_revision(conn)
    if revision < compacted:
        raise CompactedError(revision, compacted)
    return revision


def _key_value(row: tuple[int, str, int, int, int, bytes | None]) -> KeyValue:
    id_, name, _created, _deleted, create_revision, value = row
    return KeyValue(name, value or b"", create_revision, id_)


def get(conn: sqlite3.Connection, key: str, revision: int) -> KeyValue | None:
    at = _resolve_revision(conn, revision)
    row = conn.execute(
        f"SELECT {schema.ROW_COLUMNS} FROM log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1",
        (key, at),
    ).fetchone()
    if row is None or row[3]:
        return None
    return _key_value(row)


def _range_bounds(prefix: str, start: str) -> tuple[str, str]:
    low = max(prefix, start)
    high = prefix_end(prefix) or "\U0010ffff"
    return low, high


# The latest row of every key in [low, high) as of revision `at`; tombstones filtered afterwards so
# that a deleted key does not resurrect an older version.
_LATEST_IN_RANGE = """
    SELECT {columns} FROM log WHERE id IN (
        SELECT MAX(id) FROM log WHERE name >= :low AND name < :high AND id <= :at GROUP BY name
    ) AND deleted = 0
"""


def list_range(conn: sqlite3.Connection, prefix: str, start: str, limit: int, revision: int) -> ListResult:
    at = _resolve_revision(conn, revision)
    low, high = _range_bounds(prefix, start)
    params = {"low": low, "high": high, "at": at}
    if limit <= 0:
        query = _LATEST_IN_RANGE.format(columns=schema.ROW_COLUMNS) + " ORDER BY name"
        rows = conn.execute(query, params).fetchall()
        return ListResult(items=[_key_value(row) for row in rows], revision=at, more=False, count=len(rows))
    rows = _live_page(conn, low, high, at, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    count = len(rows)
    if more:
        count_query = "SELECT COUNT(*) FROM (" + _LATEST_IN_RANGE.format(columns="id") + ")"
        count = int(conn.execute(count_query, params).fetchone()[0])
    return ListResult(items=[_key_value(row) for row in rows], revision=at, more=more, count=count)


# The latest version of up to `limit` keys from `low` on, walking the (name, id) index in key order,
# so a page costs its own size rather than the rest of the range. Tombstones are dropped here, and
# the walk continues until the page is full.
_PAGE = """
    SELECT {columns} FROM log WHERE id IN (
        SELECT MAX(id) FROM log WHERE name >= :low AND name < :high AND id <= :at
        GROUP BY name ORDER BY name LIMIT :limit
    ) ORDER BY name
"""


def _live_page(
    conn: sqlite3.Connection, low: str, high: str, at: int, limit: int
) -> list[tuple[int, str, int, int, int, bytes | None]]:
    live: list[tuple[int, str, int, int, int, bytes | None]] = []
    query = _PAGE.format(columns=schema.ROW_COLUMNS)
    while len(live) < limit:
        wanted = limit - len(live)
        rows = conn.execute(query, {"low": low, "high": high, "at": at, "limit": wanted}).fetchall()
        live.extend(row for row in rows if not row[3])
        if len(rows) < wanted:
            break  # the range is exhausted
        low = rows[-1][1] + "\x00"
    return live


def count(conn: sqlite3.Connection, prefix: str) -> int:
    low, high = _range_bounds(prefix, "")
    query = "SELECT COUNT(*) FROM (" + _LATEST_IN_RANGE.format(columns="id") + ")"
    params = {"low": low, "high": high, "at": schema.current_revision(conn)}
    return int(conn.execute(query, params).fetchone()[0])


def revisions(conn: sqlite3.Connection) -> tuple[int, int]:
    """(current revision, compacted revision)."""
    return schema.current_revision(conn), schema.compacted_revision(conn)


def history(
    conn: sqlite3.Connection, prefix: str, after: int, upto: int, *, check_compaction_from: int = 0
) -> list[Event]:
    """Events with after < revision <= upto under ``prefix``, in revision order.

    With ``check_compaction_from`` set, fail if that revision has been compacted away (checked in
    the same snapshot as the rows, so a concurrent compaction cannot leave a silent gap).
    """
    if check_compaction_from:
        compacted = schema.compacted_revision(conn)
        if check_compaction_from <= compacted:
            raise CompactedError(check_compaction_from, compacted)
    low, high = _range_bounds(prefix, "")
    events: list[Event] = []
    cursor = after
    while cursor < upto:
        rows = conn.execute(
            """SELECT l.id, l.name, l.created, l.deleted, l.create_revision, l.value, p.value
               FROM log l LEFT JOIN log p ON p.id = l.prev_revision
               WHERE l.id > ? AND l.id <= ? AND l.name >= ? AND l.name < ?
               ORDER BY l.id LIMIT ?""",
            (cursor, upto, low, high, HISTORY_PAGE),
        ).fetchall()
        if not rows:
            break
        for id_, name, created, deleted, create_revision, value, prev_value in rows:
            if deleted:
                events.append(Event(EventType.DELETE, name, None, prev_value, id_, create_revision))
            elif created:
                events.append(Event(EventType.CREATE, name, value, None, id_, create_revision))
            else:
                events.append(Event(EventType.UPDATE, name, value, prev_value, id_, create_revision))
        cursor = rows[-1][0]
    return events
