"""Types from the schema data, field sets of objects, and validation of applied configurations."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.fieldmanager import builtin_types
from pinnace.api.fieldmanager.fieldpath import FieldSet, field, path_string
from pinnace.api.fieldmanager.schematypes import DEDUCED, LIST_TYPE, MAP_TYPE, STRUCT_TYPE, Type, TypedError
from pinnace.api.fieldmanager.typed import ensure_named_fields, to_field_set
from pinnace.api.fieldmanager.validate import validate

Object = dict[str, Any]

POD = builtin_types().for_kind("v1", "Pod")
DEPLOYMENT = builtin_types().for_kind("apps/v1", "Deployment")
SERVICE = builtin_types().for_kind("v1", "Service")


def listed(s: FieldSet) -> list[str]:
    return [path_string(p) for p in s.paths()]


def type_at(t: Type, *names: str) -> Type:
    for name in names:
        found = t.child(name) if t.kind != LIST_TYPE else t.elem
        assert found is not None, name
        t = found
    return t


@pytest.mark.parametrize(
    ("names", "kind", "atomic", "keys"),
    [
        (("spec", "template", "spec", "containers"), LIST_TYPE, False, ("name",)),
        (
            ("spec", "template", "spec", "containers", "*", "ports"),
            LIST_TYPE,
            False,
            ("containerPort", "protocol"),
        ),
        (("spec", "template", "spec", "containers", "*", "args"), LIST_TYPE, True, None),
        (("metadata", "finalizers"), LIST_TYPE, False, ()),
        (("metadata", "labels"), MAP_TYPE, False, None),
        (("spec", "template", "spec", "nodeSelector"), MAP_TYPE, True, None),
        (("spec", "selector"), STRUCT_TYPE, True, None),
        (("spec", "strategy"), STRUCT_TYPE, False, None),
    ],
    ids=[
        "containers: a map list keyed by name",
        "ports: keyed by containerPort and protocol",
        "args: atomic",
        "finalizers: a set",
        "labels: a granular map",
        "nodeSelector: an atomic map",
        "a LabelSelector: an atomic struct",
        "a struct",
    ],
)
def test_deployment_types_follow_the_schema_extensions(
    names: tuple[str, ...], kind: int, atomic: bool, keys: tuple[str, ...] | None
) -> None:
    t = type_at(DEPLOYMENT, *names)
    assert (t.kind, t.atomic, t.keys) == (kind, atomic, keys)


def test_a_field_can_make_an_atomic_struct_granular() -> None:
    pv = builtin_types().for_kind("v1", "PersistentVolume")
    assert type_at(pv, "spec", "claimRef").atomic is False  # ObjectReference is atomic elsewhere
    assert type_at(POD, "spec", "volumes", "*", "persistentVolumeClaim").kind == STRUCT_TYPE


def test_custom_resources_are_deduced() -> None:
    assert builtin_types().for_kind("example.com/v1", "Widget").kind == DEDUCED


DEPLOYMENT_OBJECT: Object = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a/b"]},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "nginx",
                        "image": "nginx",
                        "args": ["-v"],
                        "ports": [{"containerPort": 80}],
                        "resources": {},
                    }
                ],
                "nodeSelector": {"disk": "ssd"},
            },
        },
    },
}


def test_the_field_set_of_an_object_lists_leaves_items_and_map_entries() -> None:
    assert listed(to_field_set(DEPLOYMENT_OBJECT, DEPLOYMENT)) == [
        ".apiVersion",
        ".kind",
        ".metadata.name",
        '.metadata.finalizers[="a/b"]',
        ".metadata.labels.app",
        ".spec.replicas",
        ".spec.selector",
        ".spec.strategy",
        ".spec.template.metadata.labels.app",
        ".spec.template.spec.nodeSelector",
        '.spec.template.spec.containers[name="nginx"]',
        '.spec.template.spec.containers[name="nginx"].args',
        '.spec.template.spec.containers[name="nginx"].image',
        '.spec.template.spec.containers[name="nginx"].name',
        '.spec.template.spec.containers[name="nginx"].resources',
        '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]',
        '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort',
    ]


def test_duplicated_list_items_are_owned_as_a_whole() -> None:
    pod = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]}}
    assert listed(to_field_set(pod, POD)) == ['.spec.containers[name="a"]']


def test_ensure_named_fields_adds_struct_fields_not_map_keys() -> None:
    s = FieldSet.of(
        (field("spec"), field("replicas")),
        (field("metadata"), field("labels"), field("app")),
    )
    assert listed(ensure_named_fields(s, DEPLOYMENT)) == [
        ".metadata",
        ".spec",
        ".metadata.labels",
        ".metadata.labels.app",
        ".spec.replicas",
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"spec": {"replica": 2}}, ".spec.replica: field not declared in schema"),
        ({"spec": {"replicas": "2"}}, ".spec.replicas: expected numeric (int or float), got string"),
        (
            {"spec": {"paused": "yes"}},
            ".spec.paused: expected boolean, got &{yes}",
        ),
        (
            {"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}}},
            '.spec.template.spec.containers: duplicate entries for key [name="a"]',
        ),
        (
            {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}},
            ".spec.template.spec.containers: element 0: associative list with keys has an element that "
            'omits key field "name" (and doesn\'t have default value)',
        ),
        (
            {"metadata": {"name": 3}},
            ".metadata.name: expected string, got &value.valueUnstructured{Value:3}",
        ),
    ],
    ids=[
        "an unknown field",
        "a string for a number",
        "a string for a bool",
        "a duplicated key",
        "an item without its key",
        "a number for a string",
    ],
)
def test_applied_configurations_are_validated_with_upstreams_messages(config: Object, message: str) -> None:
    with pytest.raises(TypedError) as raised:
        validate({"apiVersion": "apps/v1", "kind": "Deployment", **config}, DEPLOYMENT)
    assert str(raised.value) == message


def test_a_port_without_protocol_is_keyed_by_the_default() -> None:
    service = {"spec": {"ports": [{"port": 80}, {"port": 80, "protocol": "UDP"}]}}
    validate(service, SERVICE)  # TCP and UDP: no duplicate
    assert listed(to_field_set(service, SERVICE)) == [
        '.spec.ports[port=80,protocol="TCP"]',
        '.spec.ports[port=80,protocol="UDP"]',
        '.spec.ports[port=80,protocol="TCP"].port',
        '.spec.ports[port=80,protocol="UDP"].port',
        '.spec.ports[port=80,protocol="UDP"].protocol',
    ]


def test_zero_objects_are_what_go_marshals_for_an_empty_kind() -> None:
    types = builtin_types()
    assert types.zero_object("apps/v1", "Deployment") == {
        "metadata": {"creationTimestamp": None},
        "spec": {
            "selector": None,
            "strategy": {},
            "template": {"metadata": {"creationTimestamp": None}, "spec": {"containers": None}},
        },
        "status": {},
    }
    assert types.zero_object("v1", "ConfigMap") == {"metadata": {"creationTimestamp": None}}
    assert types.zero_object("example.com/v1", "Widget") == {}
