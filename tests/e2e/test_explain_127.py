"""kubectl 1.27 explain, which reads only /openapi/v2 (gnostic protobuf), against the 1.32 definitions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("explain-127"))
    try:
        yield started
    finally:
        started.stop()


def explain(server: APIServerProcess, cache: Path, *args: str) -> str:
    result = kubectl(server.kubeconfig, cache, "explain", *args, version="1.27")
    assert result.returncode == 0, result.stderr
    return result.stdout


# kubectl's own layout, blank lines with their four-space indent included.
STRATEGY = (
    "GROUP:      apps\n"
    "KIND:       Deployment\n"
    "VERSION:    v1\n"
    "\n"
    "FIELD: strategy <DeploymentStrategy>\n"
    "\n"
    "DESCRIPTION:\n"
    "    The deployment strategy to use to replace existing pods with new ones.\n"
    "    DeploymentStrategy describes how to replace existing pods with new ones.\n"
    "    \n"
    "FIELDS:\n"
    "  rollingUpdate\t<RollingUpdateDeployment>\n"
    "    Rolling update config params. Present only if DeploymentStrategyType =\n"
    "    RollingUpdate.\n"
    "\n"
    "  type\t<string>\n"
    '    Type of deployment. Can be "Recreate" or "RollingUpdate". Default is\n'
    "    RollingUpdate.\n"
    "\n"
    "\n"
)


def test_explain_prints_a_fields_upstream_description(server: APIServerProcess, tmp_path: Path) -> None:
    assert explain(server, tmp_path / "cache", "deployment.spec.strategy") == STRATEGY


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("pods", ["KIND:       Pod", "Pod is a collection of containers that can run on a host."]),
        ("svc.spec.ports.port", ["FIELD: port <integer>", "The port that will be exposed by this service."]),
        (
            "pdb.spec.unhealthyPodEvictionPolicy",
            ["GROUP:      policy", "FIELD: unhealthyPodEvictionPolicy <string>"],
        ),
        ("cronjobs.spec.jobTemplate.spec.template.spec.containers.name", ["FIELD: name <string>"]),
    ],
    ids=["a kind", "a field through a list", "a policy/v1 field", "a field deep in a template"],
)
def test_explain_walks_kinds_and_fields(
    server: APIServerProcess, tmp_path: Path, target: str, expected: list[str]
) -> None:
    output = explain(server, tmp_path / "cache", target)
    for line in expected:
        assert line in output


def test_explain_recursive_lists_nested_fields(server: APIServerProcess, tmp_path: Path) -> None:
    output = explain(server, tmp_path / "cache", "deployment.spec.strategy", "--recursive")
    assert "rollingUpdate\t<RollingUpdateDeployment>" in output
    # IntOrString is {type: string, format: int-or-string} in v2, so 1.27 calls it a string.
    assert "    maxSurge\t<string>" in output
