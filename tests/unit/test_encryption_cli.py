"""``--encryption-provider-config`` reaches the API server from both ``pinnace apiserver`` and ``pinnace up``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinnace.cli import up
from pinnace.cli.main import build_parser


@pytest.mark.parametrize("command", ["apiserver", "up"])
def test_both_commands_take_the_flag(command: str) -> None:
    args = build_parser().parse_args([command, "--encryption-provider-config", "enc.yaml"])
    assert args.encryption_provider_config == Path("enc.yaml")
    assert build_parser().parse_args([command]).encryption_provider_config is None


def test_up_passes_an_absolute_path_to_its_api_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = up.UpConfig(tmp_path / "data", 6443, encryption_provider_config=Path("enc.yaml"))
    apiserver = next(child for child in up.components(config) if child.name == "apiserver")
    flag = apiserver.args.index("--encryption-provider-config")
    assert apiserver.args[flag + 1] == str(tmp_path / "enc.yaml")
    without = up.UpConfig(tmp_path / "data", 6443)
    assert all("--encryption-provider-config" not in c.args for c in up.components(without))
