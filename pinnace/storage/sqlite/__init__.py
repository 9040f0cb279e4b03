"""The embedded store: etcd's model in one SQLite file, kine-style.

```
 create/update/delete ──► SQLiteWriter thread ──BEGIN IMMEDIATE … COMMIT (group commit)──► log table
        ▲   ack after commit        │ committed events                                      │
        │                           ▼                                                       │
     callers ◄── watch streams ◄── WatchHub ◄── poll: writes by other processes ────────────┤
        │                                                                                   │
        └── get / list / count ──► SQLiteReader pool (snapshot reads in WAL mode) ──────────┘
```

* ``schema``: the log table (one row per write, row id = revision) and connection settings.
* ``writer``: the only thread that writes; batches concurrent writes into one transaction.
* ``reader``: snapshot reads (get, ranges at a revision, counts, history for watches).
* ``watch``: ordered, gap-free fan-out of committed events to watchers.
* ``store``: the Store protocol on top; compaction and WAL checkpoints.

Durability: WAL with ``synchronous=NORMAL`` by default, so an acknowledged write is in the WAL file
and survives ``kill -9`` of any process; ``?sync=full`` fsyncs every commit and survives power loss.
"""

from pinnace.storage.sqlite.store import SQLiteOptions, SQLiteStore, open_sqlite_store

__all__ = ["SQLiteOptions", "SQLiteStore", "open_sqlite_store"]
