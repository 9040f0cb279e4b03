"""ObjectMeta, labels, annotations, owner references, finalizers and label selectors, for every kind.

Upstream: apimachinery ``pkg/api/validation/objectmeta.go``, ``pkg/apis/meta/v1/validation/validation.go``
and core's ``ValidateObjectMeta`` wrapper; the create/update order is ``rest.BeforeCreate``/``BeforeUpdate``.
"""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from tests.unit.test_validation_builders import (
    DELETE,
    create_message,
    deployment,
    patched,
    stored,
    update_message,
)
from tests.unit.test_validation_names import LABEL, QUALIFIED, SUBDOMAIN

CONFIG_MAP: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "app-config", "namespace": "default"},
    "data": {"LOG_LEVEL": "info"},
}

CREATE_CASES = [
    (
        "a name or a generateName is required",
        {"metadata.name": DELETE},
        'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    ),
    (
        "a generateName alone is enough before the server generates the name",
        {"metadata.name": DELETE, "metadata.generateName": "app-"},
        None,
    ),
    (
        "a generateName is checked as a prefix",
        {"metadata.generateName": "App-"},
        'ConfigMap "app-config" is invalid: metadata.generateName: Invalid value: "App-": ' + SUBDOMAIN,
    ),
    (
        "names follow the kind's rule",
        {"metadata.name": "Web_1"},
        'ConfigMap "Web_1" is invalid: metadata.name: Invalid value: "Web_1": ' + SUBDOMAIN,
    ),
    (
        "namespaced kinds need a namespace",
        {"metadata.namespace": DELETE},
        'ConfigMap "app-config" is invalid: metadata.namespace: Required value',
    ),
    (
        "namespaces are DNS labels",
        {"metadata.namespace": "team.a"},
        'ConfigMap "app-config" is invalid: metadata.namespace: Invalid value: "team.a": must not contain dots',
    ),
    (
        "label keys are qualified names and values label values",
        {"metadata.labels": {"app/": "web", "tier": "front end"}},
        'ConfigMap "app-config" is invalid: [metadata.labels: Invalid value: "app/": name part must be non-empty, '
        f'metadata.labels: Invalid value: "app/": {QUALIFIED}, metadata.labels: Invalid value: "front end": '
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
        "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
    ),
    (
        "label values are at most 63 characters",
        {"metadata.labels": {"app": "x" * 64}},
        'ConfigMap "app-config" is invalid: metadata.labels: Invalid value: "'
        + "x" * 64
        + '": must be no more than 63 characters',
    ),
    (
        "annotation keys are qualified names, whatever their case",
        {"metadata.annotations": {"Example.COM/Owner": "me", "bad key": "x"}},
        'ConfigMap "app-config" is invalid: metadata.annotations: Invalid value: "bad key": '
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ),
    (
        "annotations total at most 256 KiB",
        {"metadata.annotations": {"big": "x" * (256 * 1024)}},
        'ConfigMap "app-config" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes',
    ),
    (
        "a finalizer without a domain must be a standard one",
        {"metadata.finalizers": ["kubernetes", "cleanup"]},
        'ConfigMap "app-config" is invalid: metadata.finalizers[1]: Invalid value: "cleanup": '
        "name is neither a standard finalizer name nor is it fully qualified",
    ),
    (
        "orphan and foregroundDeletion exclude each other",
        {"metadata.finalizers": ["orphan", "foregroundDeletion"]},
        'ConfigMap "app-config" is invalid: metadata.finalizers: Invalid value: []string{"orphan", '
        '"foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
    ),
    (
        "owner references need apiVersion, kind, name and uid",
        {"metadata.ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1"}]},
        'ConfigMap "app-config" is invalid: metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
    ),
    (
        "owner references need a version",
        {
            "metadata.ownerReferences": [
                {"apiVersion": "apps/", "kind": "ReplicaSet", "name": "r", "uid": "u"}
            ]
        },
        'ConfigMap "app-config" is invalid: metadata.ownerReferences.apiVersion: Invalid value: "apps/": '
        "version must not be empty",
    ),
    (
        "at most one owner reference is the controller",
        {
            "metadata.ownerReferences": [
                {"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": True},
                {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": True},
            ]
        },
        'ConfigMap "app-config" is invalid: metadata.ownerReferences: Invalid value: []v1.OwnerReference{'
        'v1.OwnerReference{APIVersion:"v1", Kind:"A", Name:"a", UID:"1", Controller:(*bool)(0xc000000000), '
        'BlockOwnerDeletion:(*bool)(nil)}, v1.OwnerReference{APIVersion:"v1", Kind:"B", Name:"b", UID:"2", '
        "Controller:(*bool)(0xc000000000), BlockOwnerDeletion:(*bool)(nil)}}: Only one reference can have "
        'Controller set to true. Found "true" in references for A/a and B/b',
    ),
    (
        "generation is not negative",
        {"metadata.generation": -1},
        'ConfigMap "app-config" is invalid: metadata.generation: Invalid value: -1: must be greater than or equal to 0',
    ),
    (
        "managed fields operations are Apply or Update",
        {"metadata.managedFields": [{"manager": "kubectl", "operation": "Patch"}]},
        'ConfigMap "app-config" is invalid: metadata.managedFields[0].operation: Invalid value: "Patch": '
        "must be `Apply` or `Update`",
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES]
)
def test_object_meta_on_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(CONFIG_MAP, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


OLD = stored(CONFIG_MAP)

UPDATE_CASES = [
    (
        "a resourceVersion is required on update",
        {"metadata.resourceVersion": DELETE},
        'ConfigMap "app-config" is invalid: metadata.resourceVersion: Invalid value: "": must be specified for an update',
    ),
    (
        "the uid is immutable",
        {"metadata.uid": "other"},
        'ConfigMap "app-config" is invalid: metadata.uid: Invalid value: "other": field is immutable',
    ),
    (
        "the creation timestamp is immutable and prints like Go's time",
        {"metadata.creationTimestamp": "2025-04-01T00:00:00Z"},
        'ConfigMap "app-config" is invalid: metadata.creationTimestamp: Invalid value: 2025-04-01 00:00:00 +0000 UTC: '
        "field is immutable",
    ),
    ("the generation may go up", {"metadata.generation": 1}, None),
    ("labels are checked again", {"metadata.labels": {"a": "b c"}}, "labels"),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in UPDATE_CASES], ids=[c[0] for c in UPDATE_CASES]
)
def test_object_meta_on_update(changes: dict[str, Any], expected: str | None) -> None:
    new = patched(OLD, changes)
    if expected is None:
        assert validate_update(new, OLD) == []
    elif expected == "labels":
        assert update_message(new, OLD).startswith(
            'ConfigMap "app-config" is invalid: metadata.labels: Invalid value: "b c"'
        )
    else:
        assert update_message(new, OLD) == expected


def test_generation_may_not_decrease() -> None:
    old = patched(OLD, {"metadata.generation": 3})
    new = patched(old, {"metadata.generation": 2})
    assert update_message(new, old) == (
        'ConfigMap "app-config" is invalid: metadata.generation: Invalid value: 2: must not be decremented'
    )


def test_no_new_finalizers_once_deleting() -> None:
    old = patched(
        OLD, {"metadata.deletionTimestamp": "2025-04-01T00:00:00Z", "metadata.finalizers": ["a.io/x"]}
    )
    new = patched(old, {"metadata.finalizers": ["a.io/x", "b.io/y"]})
    assert update_message(new, old) == (
        'ConfigMap "app-config" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the '
        'object is being deleted, found new finalizers []string{"b.io/y"}'
    )


def test_renaming_repeats_the_error_in_causes_but_not_in_the_message() -> None:
    new = patched(OLD, {"metadata.name": "other"})
    errors = validate_update(new, OLD)
    assert [e.message() for e in errors] == ['metadata.name: Invalid value: "other": field is immutable'] * 2
    assert (
        update_message(new, OLD)
        == 'ConfigMap "other" is invalid: metadata.name: Invalid value: "other": field is immutable'
    )


SELECTOR_CASES = [
    (
        "In needs values",
        {"key": "tier", "operator": "In"},
        [
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
        ],
    ),
    (
        "Exists takes no values",
        {"key": "tier", "operator": "Exists", "values": ["a"]},
        [
            "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' "
            "or 'DoesNotExist'"
        ],
    ),
    (
        "operators are In, NotIn, Exists, DoesNotExist",
        {"key": "tier", "operator": "Equals", "values": ["a"]},
        [
            'spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'
        ],
    ),
    (
        "values are label values",
        {"key": "tier", "operator": "In", "values": ["-bad"]},
        [
            'spec.selector.matchExpressions[0].values[0]: Invalid value: "-bad": a valid label must be an empty string'
        ],
    ),
]


@pytest.mark.parametrize(
    ("expression", "expected"), [c[1:] for c in SELECTOR_CASES], ids=[c[0] for c in SELECTOR_CASES]
)
def test_label_selector_requirements(expression: dict[str, Any], expected: list[str]) -> None:
    obj = patched(
        deployment(), {"spec.selector": {"matchLabels": {"app": "web"}, "matchExpressions": [expression]}}
    )
    messages = [e.message() for e in validate_create(obj)]
    assert len(messages) == len(expected) + 1
    for got, want in zip(messages, expected, strict=False):
        assert got.startswith(want)
    # LabelSelectorAsSelector fails too, and the template is then not checked against the selector.
    assert messages[-1].startswith("spec.selector: Invalid value: v1.LabelSelector{")
    assert messages[-1].endswith(": invalid label selector")


def test_kinds_without_metadata_checks_get_the_generic_path_segment_rules() -> None:
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "Web_PDB", "namespace": "default"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
    }
    assert validate_create(pdb) == []
    assert create_message(patched(pdb, {"metadata.name": "a/b"})) == (
        'PodDisruptionBudget.policy "a/b" is invalid: metadata.name: Invalid value: "a/b": may not contain \'/\''
    )
    assert create_message(patched(pdb, {"metadata.namespace": DELETE})) == (
        'PodDisruptionBudget.policy "Web_PDB" is invalid: metadata.namespace: Required value'
    )


def test_unknown_kinds_get_custom_resource_object_meta_rules() -> None:
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "api-sm", "namespace": "default", "finalizers": ["cleanup"]},
        "spec": {"anything": "goes"},
    }
    assert validate_create(monitor) == []
    assert create_message(patched(monitor, {"metadata.name": "API"})) == (
        'ServiceMonitor.monitoring.coreos.com "API" is invalid: metadata.name: Invalid value: "API": '
        + SUBDOMAIN
    )
    cluster_scoped = validate_create(monitor, namespaced=False)
    assert [e.message() for e in cluster_scoped] == [
        "metadata.namespace: Forbidden: not allowed on this type"
    ]


def test_cluster_scoped_kinds_forbid_a_namespace() -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "namespace": "default"}}
    assert (
        create_message(ns)
        == 'Namespace "prod" is invalid: metadata.namespace: Forbidden: not allowed on this type'
    )
    assert create_message(patched(ns, {"metadata.namespace": DELETE, "metadata.name": "Prod"})) == (
        f'Namespace "Prod" is invalid: metadata.name: Invalid value: "Prod": {LABEL}'
    )
