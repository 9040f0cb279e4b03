"""KubeSchedulerConfiguration loading: upstream's default profile, merging, weights, args and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pinnace.scheduler.config import ConfigurationError, from_dict, load
from pinnace.scheduler.plugins import IN_TREE_REGISTRY

HEADER = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}


def names(refs: list[Any]) -> list[str]:
    return [r.name for r in refs]


def test_defaults_are_upstreams_default_plugins_in_order() -> None:
    config = from_dict({}, IN_TREE_REGISTRY)
    (profile,) = config.profiles
    plugins = profile.plugins
    assert profile.scheduler_name == "default-scheduler"
    assert names(plugins["queueSort"]) == ["PrioritySort"]
    assert names(plugins["filter"]) == [
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "VolumeRestrictions",
        "VolumeBinding",
        "VolumeZone",
        "PodTopologySpread",
        "InterPodAffinity",
    ]
    assert {r.name: r.weight for r in plugins["score"]} == {
        "TaintToleration": 3,
        "NodeAffinity": 2,
        "NodeResourcesFit": 1,
        "PodTopologySpread": 2,
        "InterPodAffinity": 2,
        "NodeResourcesBalancedAllocation": 1,
        "ImageLocality": 1,
    }
    assert names(plugins["postFilter"]) == ["DefaultPreemption"]
    assert names(plugins["bind"]) == ["DefaultBinder"]
    assert config.pod_initial_backoff_seconds == 1 and config.pod_max_backoff_seconds == 10
    assert config.leader_election.resource_name == "kube-scheduler"


def test_disabling_and_reweighting() -> None:
    raw = {
        **HEADER,
        "profiles": [
            {
                "schedulerName": "default-scheduler",
                "plugins": {
                    "multiPoint": {"disabled": [{"name": "ImageLocality"}]},
                    "score": {
                        "enabled": [{"name": "NodeResourcesFit", "weight": 5}],
                        "disabled": [{"name": "TaintToleration"}],
                    },
                },
            }
        ],
    }
    (profile,) = from_dict(raw, IN_TREE_REGISTRY).profiles
    weights = {r.name: r.weight for r in profile.plugins["score"]}
    assert "ImageLocality" not in weights and "TaintToleration" not in weights
    assert weights["NodeResourcesFit"] == 5
    assert (
        names(profile.plugins["score"])[0] == "NodeResourcesFit"
    )  # explicitly configured plugins come first
    assert "TaintToleration" in names(profile.plugins["filter"])  # disabled only at score


def test_disable_all_then_enable_some() -> None:
    raw = {
        **HEADER,
        "profiles": [
            {
                "schedulerName": "bin-packer",
                "plugins": {
                    "score": {
                        "disabled": [{"name": "*"}],
                        "enabled": [{"name": "NodeResourcesFit", "weight": 1}],
                    }
                },
                "pluginConfig": [
                    {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}
                ],
            }
        ],
    }
    (profile,) = from_dict(raw, IN_TREE_REGISTRY).profiles
    assert names(profile.plugins["score"]) == ["NodeResourcesFit"]
    assert profile.plugin_args["NodeResourcesFit"]["scoringStrategy"] == {"type": "MostAllocated"}


def test_several_profiles_and_percentage(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "apiVersion: kubescheduler.config.k8s.io/v1\n"
        "kind: KubeSchedulerConfiguration\n"
        "percentageOfNodesToScore: 30\n"
        "profiles:\n"
        "- schedulerName: default-scheduler\n"
        "- schedulerName: no-scoring\n"
        "  percentageOfNodesToScore: 70\n"
        "  plugins:\n"
        "    preScore: {disabled: [{name: '*'}]}\n"
        "    score: {disabled: [{name: '*'}]}\n"
    )
    config = load(path, IN_TREE_REGISTRY)
    first, second = config.profiles
    assert (first.scheduler_name, first.percentage_of_nodes_to_score) == ("default-scheduler", 30)
    assert (second.scheduler_name, second.percentage_of_nodes_to_score) == ("no-scoring", 70)
    assert second.plugins["score"] == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            {"apiVersion": "v1", "kind": "Pod"},
            'no kind "Pod" is registered for version "v1"',
            id="wrong kind",
        ),
        pytest.param({**HEADER, "bogus": 1}, 'unknown field "bogus"', id="unknown field"),
        pytest.param(
            {**HEADER, "percentageOfNodesToScore": 101},
            "not in valid range [0-100]",
            id="percentage out of range",
        ),
        pytest.param(
            {**HEADER, "profiles": [{"schedulerName": "a"}, {"schedulerName": "a"}]},
            'Duplicate value: "a"',
            id="duplicate profile",
        ),
        pytest.param(
            {
                **HEADER,
                "profiles": [
                    {"schedulerName": "a", "plugins": {"multiPoint": {"enabled": [{"name": "Nope"}]}}}
                ],
            },
            'plugin "Nope" does not exist',
            id="unknown plugin",
        ),
    ],
)
def test_invalid_configurations_are_rejected_by_name(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        from_dict(raw, IN_TREE_REGISTRY)
