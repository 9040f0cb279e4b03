"""The audit log of a running API server, built from :class:`~.options.AuditOptions` (upstream
``AuditOptions.ApplyTo``).

``--audit-policy-file`` and ``--audit-log-path`` must both be given for anything to be recorded (with only a
log path upstream logs "No audit policy file provided, no events will be recorded for log backend").
A log path other than ``-`` is created at start (directory 0700, file 0600), so that a path the server
cannot write stops it at once, as upstream's ``ensureLogFile`` does. :func:`build` does blocking I/O; the
server calls it from a thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pinnace.apiserver.audit import policy
from pinnace.apiserver.audit.backend import LogBackend, LogWriter, StreamWriter
from pinnace.apiserver.audit.checker import PolicyRuleEvaluator
from pinnace.apiserver.audit.context import AuditFilters
from pinnace.apiserver.audit.filter import Auditing
from pinnace.apiserver.audit.options import STDOUT, AuditOptions
from pinnace.apiserver.audit.rotation import RotatingFile, utc_now

log = logging.getLogger(__name__)


class AuditLog:
    """The audit log of a running API server: its middlewares and the backend's lifetime."""

    def __init__(self, auditing: Auditing, backend: LogBackend) -> None:
        self.auditing = auditing
        self.backend = backend

    def filters(self) -> AuditFilters:
        return self.auditing.filters()

    def start(self) -> None:
        self.backend.start()

    async def aclose(self) -> None:
        """Write every pending event and close the log (the blocking part runs in a thread)."""
        await self.backend.aclose()

    def close(self) -> None:
        """:meth:`aclose` without an event loop (blocking)."""
        self.backend.close()


def build(options: AuditOptions, *, clock: Callable[[], datetime] = utc_now) -> AuditLog | None:
    """Load the policy and open the log (blocking). None when auditing is off."""
    evaluator = None
    if options.policy_file is not None:
        evaluator = PolicyRuleEvaluator(policy.load(options.policy_file))
    if not options.log_path:
        return None
    if evaluator is None:
        log.info("No audit policy file provided, no events will be recorded for log backend")
        return None
    backend = LogBackend(_writer(options, clock), buffer_size=options.log_batch_buffer_size)
    log.info("Using audit backend: buffered<log> path=%s", options.log_path)
    return AuditLog(Auditing(evaluator, backend, clock=clock), backend)


def _writer(options: AuditOptions, clock: Callable[[], datetime]) -> LogWriter:
    if options.log_path == STDOUT:
        return StreamWriter()
    path = Path(options.log_path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_RDWR, 0o600))
    except OSError as err:
        reason = (err.strerror or str(err)).lower()
        raise OSError(f"ensureLogFile: open {err.filename or path}: {reason}") from err
    return RotatingFile(
        path,
        max_size_mb=options.log_maxsize,
        max_backups=options.log_maxbackup,
        max_age_days=options.log_maxage,
        compress=options.log_compress,
        clock=clock,
    )
