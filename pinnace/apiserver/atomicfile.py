"""Write a file so that readers see either the old content or the new, never a torn mix.

The PKI and the kubeconfig are rewritten on start; a crash half-way must not leave a truncated key that
the next start would try to load. Each write goes to a temporary file in the same directory (so the rename
stays on one file system), is fsynced, and is renamed over the target. ``mkstemp`` creates the file with
mode 0600, so a private key is never readable by others, not even for a moment.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data``; the file ends up with permission bits ``mode``."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fchmod(tmp.fileno(), mode)
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
