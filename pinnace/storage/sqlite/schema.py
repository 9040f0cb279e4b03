"""The on-disk layout of the SQLite store: a kine-style log with one row per write.

Row ``id`` is the revision of the write. A key's state at revision R is its row with the greatest
``id <= R``; a ``deleted`` row is a tombstone. ``prev_revision`` points at the row a write
superseded, which gives watch events their previous value and tells compaction what to drop.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

# auto_vacuum must be chosen before the first table exists; INCREMENTAL lets compaction hand freed
# pages back to the file system without a full VACUUM.
CREATE_STATEMENTS = (
    "PRAGMA auto_vacuum = INCREMENTAL",
    """CREATE TABLE IF NOT EXISTS log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        created INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        create_revision INTEGER NOT NULL,
        prev_revision INTEGER NOT NULL,
        value BLOB
    )""",
    "CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)

ROW_COLUMNS = "id, name, created, deleted, create_revision, value"


def connect(path: str, *, synchronous: str, read_only: bool = False) -> sqlite3.Connection:
    """Open a connection in autocommit mode: transactions are explicit (BEGIN IMMEDIATE / BEGIN)."""
    uri = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    # Bound the WAL file after each checkpoint: k3s/kine users have seen WALs grow to hundreds of GB.
    conn.execute("PRAGMA journal_size_limit = 67108864")
    conn.execute("PRAGMA cache_size = -16384")
    return conn


def initialize(conn: sqlite3.Connection) -> None:
    """Create the tables if absent and check that the file is a Pinnace store of a known version."""
    for statement in CREATE_STATEMENTS:
        conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('compacted_revision', 0)")
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    if version != SCHEMA_VERSION:
        raise RuntimeError(f"store schema version {version} is not supported (expected {SCHEMA_VERSION})")


def current_revision(conn: sqlite3.Connection) -> int:
    """The revision of the latest write; AUTOINCREMENT's counter survives compaction of that row."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'log'").fetchone()
    return int(row[0]) if row else 0


def compacted_revision(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'compacted_revision'").fetchone()
    return int(row[0]) if row else 0
