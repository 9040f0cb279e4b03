"""A log file that rotates by size, as ``gopkg.in/natefinch/lumberjack.v2`` does for kube-apiserver's
audit log.

Semantics reproduced from ``lumberjack.go``:

- a write that would take the file past ``max_size_mb`` first moves the file aside to
  ``<name>-<UTC time as 2006-01-02T15-04-05.000><ext>`` (``audit-2026-11-25T15-04-05.000.log``) and starts a
  new one with the old file's permissions; a single write larger than the limit is refused;
- the first write appends to an existing file, or rotates it if it is already full;
- after each rotation (and at the first open) old backups are removed: beyond the newest ``max_backups``
  (0 keeps all), and those whose name says they are older than ``max_age_days`` (0 keeps them whatever
  their age); with ``compress`` the remaining ones are gzipped to ``<backup>.gz``.

``max_size_mb`` 0 means no rotation at all: the file only grows (what ``--audit-log-maxsize``'s help says;
lumberjack itself would rotate at 100 MB, which upstream stopped relying on).

This is blocking file I/O: only the audit writer thread calls it. Time and the size of a megabyte are
injected so tests rotate without sleeping or writing megabytes.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Final

BACKUP_TIME_FORMAT: Final = "%Y-%m-%dT%H-%M-%S"  # Go's "2006-01-02T15-04-05" before ".000"
COMPRESS_SUFFIX: Final = ".gz"
MEGABYTE: Final = 1024 * 1024


def utc_now() -> datetime:
    return datetime.now(UTC)


def backup_name(path: Path, moment: datetime) -> Path:
    """``<dir>/<name>-<timestamp><ext>``; the timestamp is UTC with milliseconds."""
    moment = moment.astimezone(UTC)
    timestamp = f"{moment.strftime(BACKUP_TIME_FORMAT)}.{moment.microsecond // 1000:03d}"
    return path.with_name(f"{path.stem}-{timestamp}{path.suffix}")


def _time_from_name(name: str, prefix: str, ext: str) -> datetime | None:
    if not name.startswith(prefix) or not name.endswith(ext) or len(name) < len(prefix) + len(ext):
        return None
    try:
        parsed = datetime.strptime(name[len(prefix) : len(name) - len(ext)], BACKUP_TIME_FORMAT + ".%f")
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Backup:
    timestamp: datetime
    name: str


class RotatingFile:
    """Appends bytes to ``path``, rotating and pruning backups as lumberjack does."""

    def __init__(
        self,
        path: Path,
        *,
        max_size_mb: int = 0,
        max_backups: int = 0,
        max_age_days: int = 0,
        compress: bool = False,
        clock: Callable[[], datetime] = utc_now,
        megabyte: int = MEGABYTE,
    ) -> None:
        self.path = path
        self.max_bytes = max_size_mb * megabyte  # 0: never rotate
        self.max_backups = max_backups
        self.max_age_days = max_age_days
        self.compress = compress
        self._clock = clock
        self._file: BinaryIO | None = None
        self._size = 0

    def write(self, data: bytes) -> None:
        if self.max_bytes and len(data) > self.max_bytes:
            raise OSError(f"write length {len(data)} exceeds maximum file size {self.max_bytes}")
        if self._file is None:
            self._open_existing_or_new(len(data))
        if self.max_bytes and self._size + len(data) > self.max_bytes:
            self.rotate()
        assert self._file is not None
        self._file.write(data)
        self._size += len(data)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def rotate(self) -> None:
        """Close the file, move it aside, start a new one and prune old backups (``Logger.Rotate``)."""
        self.close()
        self._open_new()
        self._mill()

    def _open_existing_or_new(self, write_length: int) -> None:
        self._mill()
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            self._open_new()
            return
        if self.max_bytes and size + write_length >= self.max_bytes:
            self.rotate()
            return
        try:
            self._file = self.path.open("ab")
        except OSError:
            self._open_new()  # as lumberjack: an unreadable old file is replaced
            return
        self._size = size

    def _open_new(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mode = 0o600
        try:
            info = self.path.stat()
        except FileNotFoundError:
            pass
        else:
            mode = info.st_mode & 0o777
            os.replace(self.path, backup_name(self.path, self._clock()))
        descriptor = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
        self._file = os.fdopen(descriptor, "wb")
        self._size = 0

    def backups(self) -> list[_Backup]:
        """Backups of this file, newest first (by the time in their names)."""
        prefix, ext = f"{self.path.stem}-", self.path.suffix
        found: list[_Backup] = []
        for entry in os.scandir(self.path.parent):
            if not entry.is_file():
                continue
            moment = _time_from_name(entry.name, prefix, ext)
            if moment is None:
                moment = _time_from_name(entry.name, prefix, ext + COMPRESS_SUFFIX)
            if moment is not None:
                found.append(_Backup(moment, entry.name))
        found.sort(key=lambda backup: backup.timestamp, reverse=True)
        return found

    def _mill(self) -> None:
        """Remove backups beyond the count and age limits, compress the rest if asked (``millRunOnce``)."""
        if not self.max_backups and not self.max_age_days and not self.compress:
            return
        files = self.backups()
        remove: list[_Backup] = []
        if 0 < self.max_backups < len(files):
            kept: set[str] = set()
            remaining: list[_Backup] = []
            for backup in files:
                # A backup and its compressed copy count once.
                kept.add(backup.name.removesuffix(COMPRESS_SUFFIX))
                (remove if len(kept) > self.max_backups else remaining).append(backup)
            files = remaining
        if self.max_age_days > 0:
            cutoff = self._clock() - timedelta(days=self.max_age_days)
            remove += [backup for backup in files if backup.timestamp < cutoff]
            files = [backup for backup in files if backup.timestamp >= cutoff]
        for backup in remove:
            (self.path.parent / backup.name).unlink(missing_ok=True)
        if self.compress:
            for backup in files:
                if not backup.name.endswith(COMPRESS_SUFFIX):
                    _compress(self.path.parent / backup.name)


def _compress(source: Path) -> None:
    target = source.with_name(source.name + COMPRESS_SUFFIX)
    mode = source.stat().st_mode & 0o777
    try:
        with source.open("rb") as raw, gzip.open(target, "wb") as packed:
            shutil.copyfileobj(raw, packed)
        target.chmod(mode)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    source.unlink()
