"""``bench/scale.py --quick`` runs end to end: it prints and saves every figure and leaves nothing behind.

It starts real processes (the API server and the hollow-nodes process), hence the e2e marker; the quick
sizes (100 nodes, 200 pods, a 5 s steady-state window) keep it under a minute.
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

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scale.py"
TIMEOUT_SECONDS = 180
FIGURES = {
    "100 nodes Ready s": ["baseline", "hollow"],
    "200 pods Running s": ["baseline", "hollow"],
    "steady Lease writes/s": ["baseline", "hollow"],
    "Lease writes/s needed (one per node per 10 s)": ["hollow"],
    "steady hollow-nodes CPU %": ["hollow"],
    "steady apiserver CPU %": ["hollow"],
}


def test_quick_run_reports_every_figure_and_cleans_up(tmp_path: Path) -> None:
    json_path = tmp_path / "scale.json"
    process = subprocess.Popen(
        [sys.executable, str(BENCH), "--quick", "--mode", "direct", "--json", str(json_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        # SIGTERM, not SIGKILL: the benchmark then stops what it started and removes its files.
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
        pytest.fail(f"bench/scale.py --quick took over {TIMEOUT_SECONDS}s:\n{stderr}")

    assert process.returncode == 0, stderr
    for name in FIGURES:
        assert re.search(rf"^{re.escape(name)}\s+\d", stdout, re.MULTILINE), f"{name!r} missing:\n{stdout}"
    assert "mode: direct" in stdout
    document = json.loads(json_path.read_text())
    assert document["mode"] == "direct"
    assert {name: sorted(columns) for name, columns in document["figures"].items()} == FIGURES
    # Every node renews its Lease every 10 s: 100 nodes are 10 writes/s (give or take the window's edges).
    assert 7 <= document["figures"]["steady Lease writes/s"]["hollow"] <= 13
    assert json_path.with_suffix(".svg").read_text().startswith("<svg")

    pids = [int(pid) for pid in re.findall(r"^started [\w-]+ pid=(\d+)$", stderr, re.MULTILINE)]
    assert len(pids) == 3, stderr  # the baseline's API server, the measured one, hollow-nodes
    assert [pid for pid in pids if Path(f"/proc/{pid}").exists()] == []
    (temporary,) = re.findall(r"^round 1/1 in (\S+)$", stderr, re.MULTILINE)
    assert not Path(temporary).exists()
