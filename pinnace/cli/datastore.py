"""``pinnace datastore snapshot save|restore``: back up and restore the cluster's store."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pinnace.storage.snapshot import restore_snapshot, save_snapshot


def snapshot_save(url: str, path: Path) -> int:
    revision = asyncio.run(save_snapshot(url, path))
    print(f"Snapshot saved at revision {revision} to {path}")
    return 0


def snapshot_restore(url: str, path: Path, etcd_data_dir: Path | None) -> int:
    print(restore_snapshot(url, path, etcd_data_dir=etcd_data_dir), file=sys.stdout)
    return 0
