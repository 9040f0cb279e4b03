"""`pinnace datastore snapshot save|restore`, driven as a user would, for both backends."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from pinnace.storage import open_store
from pinnace.storage.etcd_server import EtcdServer


def pinnace(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pinnace.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def write_keys(url: str, prefix: str, count: int) -> int:
    store = await open_store(url)
    try:
        for index in range(count):
            await store.create(f"{prefix}{index:03d}", f"value {index}".encode())
        return await store.current_revision()
    finally:
        await store.close()


async def read_keys(url: str, prefix: str) -> dict[str, bytes]:
    store = await open_store(url)
    try:
        return {kv.key: kv.value for kv in (await store.list(prefix)).items}
    finally:
        await store.close()


def test_sqlite_snapshot_restores_the_state_at_save_time(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite://{data_dir / 'state.db'}"
    revision = asyncio.run(write_keys(url, "/registry/configmaps/default/", 50))
    backup = tmp_path / "backup.db"

    saved = pinnace("datastore", "snapshot", "save", "--data-dir", str(data_dir), str(backup))
    assert saved.returncode == 0, saved.stderr
    assert f"Snapshot saved at revision {revision}" in saved.stdout

    asyncio.run(write_keys(url, "/registry/configmaps/later/", 5))
    restored = pinnace("datastore", "snapshot", "restore", "--data-dir", str(data_dir), str(backup))
    assert restored.returncode == 0, restored.stderr

    keys = asyncio.run(read_keys(url, "/registry/configmaps/"))
    assert len(keys) == 50 and all(k.startswith("/registry/configmaps/default/") for k in keys)
    assert keys["/registry/configmaps/default/007"] == b"value 7"


async def test_sqlite_restore_refuses_while_the_store_is_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite://{data_dir / 'state.db'}"
    await write_keys(url, "/k/", 3)
    backup = tmp_path / "backup.db"
    saved = await asyncio.to_thread(
        pinnace, "datastore", "snapshot", "save", "--data-dir", str(data_dir), str(backup)
    )
    assert saved.returncode == 0, saved.stderr
    running = await open_store(url)
    try:
        refused = await asyncio.to_thread(
            pinnace, "datastore", "snapshot", "restore", "--data-dir", str(data_dir), str(backup)
        )
        assert refused.returncode == 1
        assert "in use by a running Pinnace process" in refused.stderr
        assert await running.count("/k/") == 3
    finally:
        await running.close()


def test_restoring_something_that_is_not_a_snapshot_fails_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    result = pinnace("datastore", "snapshot", "restore", "--data-dir", str(tmp_path / "data"), str(bogus))
    assert result.returncode == 1
    assert "not a readable SQLite snapshot" in result.stderr
    assert not (tmp_path / "data" / "state.db").exists()


def test_etcd_snapshot_is_readable_by_etcdctl_and_restores_into_a_new_member(tmp_path: Path) -> None:
    backup = tmp_path / "etcd.snap"
    with EtcdServer(tmp_path / "first") as server:
        revision = asyncio.run(write_keys(server.url, "/registry/secrets/default/", 20))
        saved = pinnace("datastore", "snapshot", "save", "--datastore", server.url, str(backup))
        assert saved.returncode == 0, saved.stderr
        assert f"revision {revision}" in saved.stdout

    status = subprocess.run(
        ["etcdctl", "--write-out=json", "snapshot", "status", str(backup)],
        capture_output=True,
        text=True,
        env={**os.environ, "ETCDCTL_API": "3"},
        check=True,
    )
    assert json.loads(status.stdout)["revision"] == revision

    new_dir = tmp_path / "restored" / "etcd"
    restored = pinnace(
        "datastore", "snapshot", "restore", "--datastore", "etcd://127.0.0.1:2379",
        "--etcd-data-dir", str(new_dir), str(backup),
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    # EtcdServer keeps its member data in DATA_DIR/etcd, which is where the snapshot was restored.
    with EtcdServer(tmp_path / "restored") as server:
        keys = asyncio.run(read_keys(server.url, "/registry/secrets/"))
    assert len(keys) == 20 and keys["/registry/secrets/default/019"] == b"value 19"
