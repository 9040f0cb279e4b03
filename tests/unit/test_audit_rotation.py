"""The audit log rotates as lumberjack rotates kube-apiserver's: by size, with timestamped backups, pruned by
count and age. A "megabyte" of 10 bytes and a settable clock keep the tests small and sleep-free."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pinnace.apiserver.audit.rotation import RotatingFile, backup_name

START = datetime(2026, 11, 25, 15, 4, 5, 678000, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def rotating(path: Path, clock: Clock, **limits: int | bool) -> RotatingFile:
    return RotatingFile(path, clock=clock, megabyte=10, **limits)  # type: ignore[arg-type]


def names(directory: Path) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir())


def test_backup_names_are_lumberjacks() -> None:
    assert backup_name(Path("/var/log/audit.log"), START) == Path(
        "/var/log/audit-2026-11-25T15-04-05.678.log"
    )
    assert backup_name(Path("/l/audit"), START) == Path("/l/audit-2026-11-25T15-04-05.678")


def test_a_write_that_would_overflow_rotates_first(tmp_path: Path) -> None:
    clock = Clock()
    log = rotating(tmp_path / "audit.log", clock, max_size_mb=2)  # 20 bytes
    log.write(b"0123456789\n")
    log.write(b"abcdefgh\n")  # 20 bytes: fits exactly
    clock.advance(seconds=1)
    log.write(b"next\n")
    log.close()
    assert names(tmp_path) == ["audit-2026-11-25T15-04-06.678.log", "audit.log"]
    assert (tmp_path / "audit-2026-11-25T15-04-06.678.log").read_bytes() == b"0123456789\nabcdefgh\n"
    assert (tmp_path / "audit.log").read_bytes() == b"next\n"


def test_a_write_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    log = rotating(tmp_path / "audit.log", Clock(), max_size_mb=1)
    with pytest.raises(OSError, match="write length 11 exceeds maximum file size 10"):
        log.write(b"0123456789\n")


def test_an_existing_file_is_appended_to_or_rotated_when_full(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    clock = Clock()
    log = rotating(path, clock, max_size_mb=1)
    log.write(b"new\n")
    log.close()
    assert path.read_bytes() == b"old\nnew\n"
    log = rotating(path, clock, max_size_mb=1)
    log.write(b"three\n")  # 8 + 6 bytes >= 10: rotate at open
    log.close()
    assert path.read_bytes() == b"three\n"
    backup = tmp_path / "audit-2026-11-25T15-04-05.678.log"
    assert backup.read_bytes() == b"old\nnew\n"
    assert path.stat().st_mode & 0o777 == 0o640  # the new file keeps the old one's mode


def test_size_zero_never_rotates(tmp_path: Path) -> None:
    log = rotating(tmp_path / "audit.log", Clock(), max_size_mb=0)
    for _ in range(100):
        log.write(b"0123456789\n")
    log.close()
    assert names(tmp_path) == ["audit.log"]


def fill(log: RotatingFile, clock: Clock, rotations: int) -> None:
    for _ in range(rotations + 1):
        log.write(b"012345678\n")
        clock.advance(days=1)


def test_max_backup_keeps_the_newest(tmp_path: Path) -> None:
    clock = Clock()
    (tmp_path / "unrelated-2020-01-01T00-00-00.000.log").write_bytes(b"")
    log = rotating(tmp_path / "audit.log", clock, max_size_mb=1, max_backups=2)
    fill(log, clock, rotations=4)
    log.close()
    assert names(tmp_path) == [
        "audit-2026-11-28T15-04-05.678.log",
        "audit-2026-11-29T15-04-05.678.log",
        "audit.log",
        "unrelated-2020-01-01T00-00-00.000.log",
    ]


def test_max_age_removes_backups_older_than_the_days_given(tmp_path: Path) -> None:
    clock = Clock()
    log = rotating(tmp_path / "audit.log", clock, max_size_mb=1, max_age_days=2)
    fill(log, clock, rotations=4)
    log.close()
    # The last rotation ran on 11-29: the cutoff is 11-27 15:04:05.678, which the 11-27 backup is not before.
    assert names(tmp_path) == [
        "audit-2026-11-27T15-04-05.678.log",
        "audit-2026-11-28T15-04-05.678.log",
        "audit-2026-11-29T15-04-05.678.log",
        "audit.log",
    ]


def test_no_limits_keep_every_backup(tmp_path: Path) -> None:
    clock = Clock()
    log = rotating(tmp_path / "audit.log", clock, max_size_mb=1)
    fill(log, clock, rotations=3)
    log.close()
    assert len(names(tmp_path)) == 4


def test_compress_gzips_backups(tmp_path: Path) -> None:
    clock = Clock()
    log = rotating(tmp_path / "audit.log", clock, max_size_mb=1, max_backups=1, compress=True)
    fill(log, clock, rotations=2)
    log.close()
    assert names(tmp_path) == ["audit-2026-11-27T15-04-05.678.log.gz", "audit.log"]
    with gzip.open(tmp_path / "audit-2026-11-27T15-04-05.678.log.gz") as packed:
        assert packed.read() == b"012345678\n"


def test_a_new_file_is_private(tmp_path: Path) -> None:
    log = rotating(tmp_path / "sub" / "audit.log", Clock(), max_size_mb=1)
    log.write(b"x\n")
    log.close()
    assert os.stat(tmp_path / "sub" / "audit.log").st_mode & 0o777 == 0o600
