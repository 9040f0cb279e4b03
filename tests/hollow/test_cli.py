"""``pinnace hollow-nodes``: flags become the runtime's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinnace.cli.main import main
from pinnace.hollow import server
from pinnace.hollow.config import HollowConfig


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[HollowConfig]:
    seen: list[HollowConfig] = []

    async def fake_run(config: HollowConfig) -> None:
        seen.append(config)

    monkeypatch.setattr(server, "run", fake_run)
    return seen


def test_flags_map_to_the_configuration(captured: list[HollowConfig], tmp_path: Path) -> None:
    code = main(
        [
            "hollow-nodes",
            "--kubeconfig", str(tmp_path / "k"),
            "--count", "7",
            "--prefix", "sim-",
            "--zones", "a, b,,c",
            "--cpu", "8",
            "--memory", "32Gi",
            "--pods", "50",
            "--label", "pool=batch",
            "--label", "tier=",
            "--node-lease-duration-seconds", "8",
            "--stages", str(tmp_path / "s.yaml"),
        ]
    )  # fmt: skip
    assert code == 0
    (config,) = captured
    assert (config.count, config.prefix, config.zones) == (7, "sim-", ("a", "b", "c"))
    assert (config.cpu, config.memory, config.pods) == ("8", "32Gi", 50)
    assert config.extra_labels == {"pool": "batch", "tier": ""}
    assert (config.lease_duration_seconds, config.lease_renew_interval) == (8, 2.0)
    assert config.stages_file == tmp_path / "s.yaml"
    assert config.kubeconfig == tmp_path / "k"


def test_the_default_kubeconfig_is_the_minted_identity(captured: list[HollowConfig]) -> None:
    assert main(["hollow-nodes"]) == 0
    assert captured[0].kubeconfig.parts[-2:] == ("components", "hollow-nodes.kubeconfig")
    assert (captured[0].count, captured[0].lease_renew_interval) == (1, 10.0)


def test_a_bad_label_is_refused(captured: list[HollowConfig], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hollow-nodes", "--label", "novalue"]) == 1
    assert "--label expects KEY=VALUE, got 'novalue'" in capsys.readouterr().err
