"""bench/store.py still runs: a quick pass against SQLite prints every figure (numbers are not judged here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "store.py"


def test_store_benchmark_quick_run_reports_every_figure(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--quick",
            "--backends",
            "sqlite",
            "--json",
            str(tmp_path / "store.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for figure in (
        "create/s @64",
        "update p99 ms @16",
        "range 1000 keys ms",
        "watch events/s",
        "size MiB after",
    ):
        assert figure in result.stdout
    assert "of raw sqlite3 inserts in one transaction" in result.stdout
    assert (tmp_path / "store.json").read_text().startswith("{")
