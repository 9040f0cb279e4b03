"""Deployments, ReplicaSets, DaemonSets and StatefulSets (apps/validation, apps strategies, 1.32)."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from tests.unit.test_validation_builders import (
    DELETE,
    container,
    create_message,
    deployment,
    patched,
    stored,
    template,
    update_message,
    workload,
)

MISMATCH = 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'
EMPTY_SELECTOR = (
    "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for"
)

DEPLOYMENT_CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "a missing selector is required and then matches nothing",
        {"spec.selector": DELETE},
        f'Deployment.apps "web" is invalid: [spec.selector: Required value, {MISMATCH}]',
    ),
    (
        "an empty selector is invalid",
        {"spec.selector": {}},
        f'Deployment.apps "web" is invalid: {EMPTY_SELECTOR} deployment',
    ),
    (
        "the selector must match the template labels",
        {"spec.selector.matchLabels.app": "api"},
        f'Deployment.apps "web" is invalid: {MISMATCH}',
    ),
    (
        "replicas are not negative",
        {"spec.replicas": -1},
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ),
    (
        "templates restart always",
        {"spec.template.spec.restartPolicy": "Never"},
        'Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": '
        'supported values: "Always"',
    ),
    (
        "templates have no active deadline",
        {"spec.template.spec.activeDeadlineSeconds": 60},
        'Deployment.apps "web" is invalid: spec.template.spec.activeDeadlineSeconds: Forbidden: '
        "activeDeadlineSeconds in ReplicaSet is not Supported",
    ),
    (
        "strategy types",
        {"spec.strategy": {"type": "Canary"}},
        'Deployment.apps "web" is invalid: spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Canary", '
        'RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
    ),
    (
        "Recreate takes no rolling update parameters",
        {"spec.strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}},
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when '
        "strategy `type` is 'Recreate'",
    ),
    (
        "maxUnavailable and maxSurge are not both zero",
        {"spec.strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}},
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: '
        'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    ),
    (
        "maxUnavailable is an integer or a percentage",
        {"spec.strategy": {"rollingUpdate": {"maxUnavailable": "25"}}},
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: '
        'intstr.IntOrString{Type:1, IntVal:0, StrVal:"25"}: a valid percent string must be a numeric string '
        "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ),
    (
        "maxUnavailable is at most 100%",
        {"spec.strategy": {"rollingUpdate": {"maxUnavailable": "150%"}}},
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: '
        'intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
    ),
    (
        "maxSurge is not negative",
        {"spec.strategy": {"rollingUpdate": {"maxSurge": -1}}},
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be '
        "greater than or equal to 0",
    ),
    (
        "the progress deadline exceeds minReadySeconds",
        {"spec.minReadySeconds": 30, "spec.progressDeadlineSeconds": 30},
        'Deployment.apps "web" is invalid: spec.progressDeadlineSeconds: Invalid value: 30: must be greater than '
        "minReadySeconds",
    ),
    (
        "revisionHistoryLimit is not negative",
        {"spec.revisionHistoryLimit": -1},
        'Deployment.apps "web" is invalid: spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in DEPLOYMENT_CASES], ids=[c[0] for c in DEPLOYMENT_CASES]
)
def test_deployment_create(changes: dict[str, Any], expected: str) -> None:
    assert create_message(patched(deployment(), changes)) == expected


def test_a_deployment_with_two_containers_and_a_rolling_update_is_valid() -> None:
    obj = deployment(
        template=template(containers=[container(), container("log-agent", "fluent/fluent-bit:3.0")]),
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "50%"}},
        minReadySeconds=5,
        progressDeadlineSeconds=600,
    )
    assert validate_create(obj) == []


def test_the_selector_of_an_apps_v1_workload_is_immutable() -> None:
    old = stored(deployment())
    new = patched(old, {"spec.selector.matchLabels.app": "web2", "spec.template.metadata.labels.app": "web2"})
    assert update_message(new, old) == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'
    )
    assert (
        validate_update(
            patched(old, {"spec.replicas": 5, "spec.template.spec.containers[0].image": "nginx:1.28"}), old
        )
        == []
    )


def test_replica_sets_share_the_deployment_wording() -> None:
    rs = workload("ReplicaSet")
    assert (
        create_message(patched(rs, {"spec.selector": {}}))
        == f'ReplicaSet.apps "web" is invalid: {EMPTY_SELECTOR} deployment'
    )


DAEMON_SET_CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "a nil selector is not reported as required, it matches nothing",
        {"spec.selector": DELETE},
        f'DaemonSet.apps "web" is invalid: {MISMATCH}',
    ),
    (
        "an empty selector is invalid",
        {"spec.selector": {}},
        f'DaemonSet.apps "web" is invalid: {EMPTY_SELECTOR} daemonset',
    ),
    (
        "maxSurge and maxUnavailable are not both set",
        {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}},
        'DaemonSet.apps "web" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: '
        'intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    ),
    (
        "nor both zero",
        {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 0}}},
        'DaemonSet.apps "web" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be '
        "0 when maxSurge is 0",
    ),
    (
        "update strategy types",
        {"spec.updateStrategy": {"type": "Never"}},
        'DaemonSet.apps "web" is invalid: spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{'
        'Type:"Never", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"',
    ),
    (
        "templates restart always",
        {"spec.template.spec.restartPolicy": "OnFailure"},
        'DaemonSet.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "OnFailure": '
        'supported values: "Always"',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in DAEMON_SET_CASES], ids=[c[0] for c in DAEMON_SET_CASES]
)
def test_daemon_set_create(changes: dict[str, Any], expected: str) -> None:
    assert create_message(patched(workload("DaemonSet"), changes)) == expected


def stateful_set(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "pg", "namespace": "default"},
        "spec": {
            "serviceName": "pg",
            "replicas": 3,
            "selector": {"matchLabels": {"app": "pg"}},
            "template": {
                "metadata": {"labels": {"app": "pg"}},
                "spec": {
                    "containers": [
                        container(
                            "postgres",
                            "postgres:16",
                            volumeMounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                        )
                    ]
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "100Gi"}},
                    },
                }
            ],
            **spec,
        },
    }


STATEFUL_SET_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("a StatefulSet with volume claim templates is valid", {}, None),
    (
        "names are DNS labels since 1.27",
        {"metadata.name": "pg.db"},
        'StatefulSet.apps "pg.db" is invalid: metadata.name: Invalid value: "pg.db": must not contain dots',
    ),
    (
        "upstream does not validate the pod spec of a StatefulSet template",
        {"spec.template.spec.containers[0].image": DELETE},
        None,
    ),
    (
        "pod management policies",
        {"spec.podManagementPolicy": "Random"},
        "StatefulSet.apps \"pg\" is invalid: spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    ),
    (
        "OnDelete takes no rolling update parameters",
        {"spec.updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}},
        'StatefulSet.apps "pg" is invalid: spec.updateStrategy.rollingUpdate: Invalid value: '
        "apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed "
        "for updateStrategy 'RollingUpdate'",
    ),
    (
        "partitions are not negative",
        {"spec.updateStrategy": {"rollingUpdate": {"partition": -1}}},
        'StatefulSet.apps "pg" is invalid: spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be '
        "greater than or equal to 0",
    ),
    (
        "an empty selector is invalid",
        {"spec.selector": {}},
        f'StatefulSet.apps "pg" is invalid: {EMPTY_SELECTOR} statefulset',
    ),
    (
        "templates restart always",
        {"spec.template.spec.restartPolicy": "Never"},
        'StatefulSet.apps "pg" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in STATEFUL_SET_CASES], ids=[c[0] for c in STATEFUL_SET_CASES]
)
def test_stateful_set_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(stateful_set(), changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


def test_a_stateful_set_update_may_only_touch_some_fields() -> None:
    old = stored(stateful_set())
    ok = patched(
        old,
        {
            "spec.replicas": 5,
            "spec.template.spec.containers[0].image": "postgres:17",
            "spec.minReadySeconds": 3,
        },
    )
    assert validate_update(ok, old) == []
    assert update_message(patched(old, {"spec.serviceName": "postgres"}), old) == (
        'StatefulSet.apps "pg" is invalid: spec: Forbidden: updates to statefulset spec for fields other than '
        "'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
        "'minReadySeconds' are forbidden"
    )
