"""Backups: ``pinnace datastore snapshot save|restore``.

Saving goes through the open store (SQLite's online backup, etcd's Maintenance.Snapshot), so it
runs against a live cluster. Restoring replaces the data the cluster starts from, so it needs the
cluster stopped: for SQLite the file lock held by every open store tells; for etcd the snapshot
is unpacked into a new member data dir with etcdctl, as upstream's disaster-recovery guide does.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from pinnace.storage.errors import StorageError
from pinnace.storage.registry import open_store


class SnapshotError(StorageError):
    """A snapshot could not be saved or restored; the message says why and what to do."""


async def save_snapshot(url: str, path: Path) -> int:
    """Write a backup of the store at ``url`` to ``path``; return the revision it holds."""
    store = await open_store(url)
    try:
        revision = await store.current_revision()
        await store.snapshot(str(path))
        return revision
    finally:
        await store.close()


def restore_snapshot(url: str, path: Path, *, etcd_data_dir: Path | None = None) -> str:
    """Restore ``path`` as the store that ``url`` names; return a sentence saying what was done."""
    if not path.is_file():
        raise SnapshotError(f"snapshot file {path} does not exist")
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return _restore_sqlite(Path(urlsplit(url).path), path)
    if scheme == "etcd":
        if etcd_data_dir is None:
            raise SnapshotError(
                "restoring an etcd snapshot writes a new member data dir: pass --etcd-data-dir DIR, "
                "then start etcd with --data-dir DIR"
            )
        return _restore_etcd(path, etcd_data_dir)
    raise SnapshotError(f"cannot restore snapshots for datastore {url!r}")


def _restore_sqlite(db: Path, snapshot: Path) -> str:
    try:
        check = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"log", "meta"} <= tables:
                raise SnapshotError(f"{snapshot} is an SQLite file but not a Pinnace store snapshot")
            verdict = check.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise SnapshotError(f"{snapshot} is damaged: {verdict}")
        finally:
            check.close()
    except sqlite3.DatabaseError as err:
        raise SnapshotError(f"{snapshot} is not a readable SQLite snapshot: {err}") from err
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(str(db) + ".lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SnapshotError(
                f"{db} is in use by a running Pinnace process: stop the cluster before restoring"
            ) from None
        staged = db.with_name(db.name + ".restoring")
        shutil.copyfile(snapshot, staged)
        with open(staged, "rb") as handle:
            os.fsync(handle.fileno())
        for stale in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(staged, db)
    return f"restored {snapshot} into {db}"


def _restore_etcd(snapshot: Path, data_dir: Path) -> str:
    if data_dir.exists() and any(data_dir.iterdir()):
        raise SnapshotError(f"{data_dir} is not empty: etcd restores only into a new data dir")
    etcdctl = shutil.which("etcdctl")
    if etcdctl is None:
        raise SnapshotError("etcdctl not found: install Debian's etcd-client")
    result = subprocess.run(
        [etcdctl, "snapshot", "restore", str(snapshot), "--data-dir", str(data_dir)],
        env={**os.environ, "ETCDCTL_API": "3"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SnapshotError(f"etcdctl snapshot restore failed: {result.stderr.strip()}")
    return f"restored {snapshot} into etcd data dir {data_dir}; start etcd with --data-dir {data_dir}"
