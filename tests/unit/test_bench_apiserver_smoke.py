"""``bench/apiserver.py --quick`` runs end to end: it prints and saves every figure, and leaves nothing behind.

It starts real processes (the API server and the ceiling server), hence the e2e marker; the quick sizes
keep it well under a minute.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).resolve().parents[2] / "bench" / "apiserver.py"
TIMEOUT_SECONDS = 120

COMPARED = [
    f"{verb}{figure} @{concurrency}"
    for verb in ("create", "get")
    for figure in ("/s", " p50 ms", " p99 ms")
    for concurrency in (1, 16, 64)
]
PINNACE_ONLY = [
    "apiserver RSS MiB idle",
    "apiserver RSS MiB before the pods",
    "list 1000 pods ms",
    "list 1000 pods in pages of 500 ms",
    "list 1000 pods resourceVersion=0 ms",
    "list 2000 pods ms",
    "list 2000 pods in pages of 500 ms",
    "list 2000 pods resourceVersion=0 ms",
    "apiserver RSS MiB with 2000 pods",
    "apiserver peak RSS MiB (VmHWM) after the lists",
    "pod create/s @64 (loading the lists)",
    "watch events/s (10 watchers x 50 writes)",
    "watch delay p50 ms (10 watchers x 50 writes)",
    "watch delay p99 ms (50 watchers x 50 writes)",
    "apiserver RSS MiB after the watches",
]


def run_quick(json_path: Path) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(
        [sys.executable, str(BENCH), "--quick", "--json", str(json_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        # SIGTERM, not SIGKILL: the benchmark then stops the servers it started and removes its files.
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
        pytest.fail(f"bench/apiserver.py --quick took over {TIMEOUT_SECONDS}s:\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def table_row(line: str) -> tuple[str, list[str]]:
    """A report line as (figure name, the numbers after it); no figure name ends in a bare number."""
    words = line.split()
    numbers: list[str] = []
    while words and re.fullmatch(r"-?\d+(\.\d+)?", words[-1]):
        numbers.insert(0, words.pop())
    return " ".join(words), numbers


def test_quick_run_reports_every_figure_and_cleans_up(tmp_path: Path) -> None:
    json_path = tmp_path / "figures.json"

    result = run_quick(json_path)

    assert result.returncode == 0, result.stderr
    rows = dict(table_row(line) for line in result.stdout.splitlines())
    for name in COMPARED:
        assert len(rows.get(name, [])) == 3, f"{name!r} lacks pinnace, ceiling and ratio:\n{result.stdout}"
    for name in PINNACE_ONLY:
        assert len(rows.get(name, [])) == 1, f"{name!r} missing:\n{result.stdout}"
    figures = json.loads(json_path.read_text())
    assert {name: sorted(figures[name]) for name in COMPARED} == {
        name: ["ceiling", "pinnace"] for name in COMPARED
    }
    assert all(figures[name]["pinnace"] > 0 for name in PINNACE_ONLY)

    pids = [int(pid) for pid in re.findall(r"^started \w+ pid=(\d+)$", result.stderr, re.MULTILINE)]
    assert len(pids) == 2, result.stderr
    assert [pid for pid in pids if Path(f"/proc/{pid}").exists()] == []
    (temporary,) = re.findall(r"^temporary directory (\S+)$", result.stderr, re.MULTILINE)
    assert not Path(temporary).exists()
