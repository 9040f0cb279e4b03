"""kube-apiserver's audit flags as one frozen value (``AuditOptions`` of ``pkg/server/options/audit.go``).

Field names follow the flags: ``--audit-policy-file``, ``--audit-log-path`` (``-`` is standard output),
``--audit-log-maxage``, ``--audit-log-maxbackup``, ``--audit-log-maxsize``, ``--audit-log-compress`` and
``--audit-log-batch-buffer-size``. Invalid values are refused with upstream's messages when the value is
made. :mod:`.auditlog` builds the running log from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pinnace.apiserver.audit.backend import DEFAULT_BUFFER_SIZE

STDOUT = "-"


@dataclass(frozen=True, slots=True)
class AuditOptions:
    policy_file: Path | None = None
    log_path: str = ""  # "" records nothing, "-" is standard output
    log_maxage: int = 0  # days; 0 keeps backups whatever their age
    log_maxbackup: int = 0  # 0 keeps every backup
    log_maxsize: int = 0  # megabytes; 0 never rotates
    log_compress: bool = False
    log_batch_buffer_size: int = DEFAULT_BUFFER_SIZE

    def __post_init__(self) -> None:
        if not self.log_path:
            return
        # Upstream's AuditLogOptions.Validate, in its order; the first error stops the start.
        if self.log_batch_buffer_size <= 0:
            raise ValueError(
                f"invalid audit batch log buffer size {self.log_batch_buffer_size}, must be a positive number"
            )
        for flag, value in (
            ("--audit-log-maxage", self.log_maxage),
            ("--audit-log-maxbackup", self.log_maxbackup),
            ("--audit-log-maxsize", self.log_maxsize),
        ):
            if value < 0:
                raise ValueError(f"{flag} {value} can't be a negative number")
