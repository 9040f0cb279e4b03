"""The request decoder: kube-apiserver 1.32's type errors, unknown and duplicate fields, and pruning."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from importlib import resources as package_files
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pinnace.api.schema import (
    SchemaTypeError,
    TypeMetaError,
    builtin_schemas,
    interpret,
    unrecognized_message,
)
from pinnace.api.schema_go import GoError, decode_base64, parse_time
from pinnace.api.schema_strict import (
    find_duplicate_fields,
    strict_decoding_message,
    strict_warnings,
    yaml_duplicate_error,
)

REPO = Path(__file__).resolve().parents[2]
QUANTITY_FORMAT = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_schemas", REPO / "hack" / "gen_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_committed_data_is_what_the_generator_produces_now() -> None:
    gen = load_generator()
    assert gen.DEFAULT_OPENAPI.exists(), f"the Kubernetes OpenAPI document is not at {gen.DEFAULT_OPENAPI}"
    committed = package_files.files("pinnace.api").joinpath("data").joinpath("schemas.json").read_text()
    assert committed == gen.render(gen.load_openapi(gen.DEFAULT_OPENAPI)), "run: python hack/gen_schemas.py"


def test_the_registry_loads_once() -> None:
    assert builtin_schemas() is builtin_schemas()


# Builders ------------------------------------------------------------------------------------------------


def configmap(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, **fields}


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": list(containers) or [container()], **spec},
    }


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "nginx", **fields}


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container()]}},
            **spec,
        },
    }


def crd(schema: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "pets.zoo.example.com"},
        "spec": {
            "group": "zoo.example.com",
            "names": {"kind": "Pet", "plural": "pets"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}
            ],
            **spec,
        },
    }


def decode(obj: dict[str, Any], **kwargs: Any) -> Any:
    return builtin_schemas().decode(obj, obj["apiVersion"], obj["kind"], **kwargs)


def decode_error(obj: dict[str, Any], **kwargs: Any) -> str:
    with pytest.raises(SchemaTypeError) as caught:
        decode(obj, **kwargs)
    return str(caught.value)


# Type errors ---------------------------------------------------------------------------------------------

CM = 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal'
POD = 'Pod in version "v1" cannot be handled as a Pod:'
DEPLOY = 'Deployment in version "v1" cannot be handled as a Deployment:'

TYPE_ERRORS = [
    pytest.param(
        configmap(data={"a": 1}),
        f"{CM} number into Go struct field ConfigMap.data of type string",
        id="a number in ConfigMap data is not a string",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "labels": {"app": 1}}),
        f"{CM} number into Go struct field ObjectMeta.metadata.labels of type string",
        id="a label value is checked against ObjectMeta.metadata.labels",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "labels": ["app"]}),
        f"{CM} array into Go struct field ObjectMeta.metadata.labels of type map[string]string",
        id="labels as a list are not a map",
    ),
    pytest.param(
        configmap(metadata="x"),
        f"{CM} string into Go struct field ConfigMap.metadata of type v1.ObjectMeta",
        id="metadata as a string is not an ObjectMeta",
    ),
    pytest.param(
        configmap(metadata=[{"name": "c"}]),
        f"{CM} array into Go struct field ConfigMap.metadata of type v1.ObjectMeta",
        id="an array where an object is expected",
    ),
    pytest.param(
        configmap(apiVersion="v1", kind="ConfigMap", immutable="yes"),
        f"{CM} string into Go struct field ConfigMap.immutable of type bool",
        id="a string is not a bool",
    ),
    pytest.param(
        deployment(replicas="3"),
        f"{DEPLOY} json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        id="replicas as a string is not an int32",
    ),
    pytest.param(
        deployment(replicas=1.5),
        f"{DEPLOY} json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
        id="a fractional number prints its text for an integer field",
    ),
    pytest.param(
        deployment(replicas=3_000_000_000),
        f"{DEPLOY} json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32",
        id="a number past int32 does not fit",
    ),
    pytest.param(
        pod(activeDeadlineSeconds=2**63),
        f"{POD} json: cannot unmarshal number 9223372036854775808 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64",
        id="a number past int64 does not fit",
    ),
    pytest.param(
        deployment(template=[]),
        f"{DEPLOY} json: cannot unmarshal array into Go struct field DeploymentSpec.spec.template of type v1.PodTemplateSpec",
        id="an array where the pod template is expected",
    ),
    pytest.param(
        deployment(template={"spec": {"containers": {"name": "app"}}}),
        f"{DEPLOY} json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container",
        id="an object where the container list is expected",
    ),
    pytest.param(
        pod(container(args=["--port", {"value": 80}])),
        f"{POD} json: cannot unmarshal object into Go struct field Container.spec.containers.args of type string",
        id="an object in a string slice, reported without the list index",
    ),
    pytest.param(
        pod(container(command="nginx -g daemon off;")),
        f"{POD} json: cannot unmarshal string into Go struct field Container.spec.containers.command of type []string",
        id="a string where a string slice is expected",
    ),
    pytest.param(
        pod(container(ports=[{"containerPort": "80"}])),
        f"{POD} json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
        id="a quoted port in a container port",
    ),
    pytest.param(
        pod(container(env=[{"name": "DEBUG", "value": True}])),
        f"{POD} json: cannot unmarshal bool into Go struct field EnvVar.spec.containers.env.value of type string",
        id="a bool as an environment value",
    ),
    pytest.param(
        pod(container(imagePullPolicy=True)),
        f"{POD} json: cannot unmarshal bool into Go struct field Container.spec.containers.imagePullPolicy of type v1.PullPolicy",
        id="a named string type prints its Go name",
    ),
    pytest.param(
        pod(container(securityContext={"capabilities": {"add": [1]}})),
        f"{POD} json: cannot unmarshal number into Go struct field Capabilities.spec.containers.securityContext.capabilities.add of type v1.Capability",
        id="an element of a named string slice prints the element type",
    ),
    pytest.param(
        pod(container(resources={"limits": ["cpu"]})),
        f"{POD} json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList",
        id="a named map type prints its Go name",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "uid": 7}),
        f"{CM} number into Go struct field ObjectMeta.metadata.uid of type types.UID",
        id="uid is a types.UID",
    ),
    pytest.param(
        deployment(strategy={"rollingUpdate": {"maxUnavailable": True}}),
        f"{DEPLOY} json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxUnavailable of type int32",
        id="an IntOrString that is a bool is reported as an int32",
    ),
    pytest.param(
        deployment(strategy={"rollingUpdate": {"maxSurge": {"percent": 25}}}),
        f"{DEPLOY} json: cannot unmarshal object into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32",
        id="an IntOrString that is an object",
    ),
    pytest.param(
        pod(container(readinessProbe={"httpGet": {"port": 80.5}})),
        f"{POD} json: cannot unmarshal number 80.5 into Go struct field HTTPGetAction.spec.containers.readinessProbe.httpGet.port of type int32",
        id="an IntOrString with a fraction",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "creationTimestamp": "x"}),
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "x" as '
        '"2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"',
        id="a time that is not RFC 3339",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "creationTimestamp": "2024-05-01 10:00:00"}),
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "2024-05-01 10:00:00" as '
        '"2006-01-02T15:04:05Z07:00": cannot parse " 10:00:00" as "T"',
        id="a time with a space for the T",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "creationTimestamp": "2024-13-01T00:00:00Z"}),
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "2024-13-01T00:00:00Z": '
        "month out of range",
        id="a time with month 13",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "creationTimestamp": 1714557600}),
        f"{CM} number into Go struct field ObjectMeta.metadata.creationTimestamp of type string",
        id="a number where a time is expected",
    ),
    pytest.param(
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "spec": {"renewTime": "2024-05-01T10:00:00Z"},
        },
        'Lease in version "v1" cannot be handled as a Lease: parsing time "2024-05-01T10:00:00Z" as '
        '"2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
        id="a micro time needs six fractional digits",
    ),
    pytest.param(
        {"apiVersion": "v1", "kind": "Secret", "data": {"password": "admin"}},
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4',
        id="Secret data that is not base64",
    ),
    pytest.param(
        {"apiVersion": "v1", "kind": "Secret", "data": {"password": "My-pass-123"}},
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2',
        id="Secret data with a character outside the alphabet",
    ),
    pytest.param(
        {"apiVersion": "v1", "kind": "Secret", "data": {"n": 5}},
        'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct '
        "field Secret.data of type []uint8",
        id="a number is not base64 bytes",
    ),
    pytest.param(
        configmap(binaryData={"b": [1, 256]}),
        f"{CM} number 256 into Go struct field ConfigMap.binaryData of type uint8",
        id="bytes as an array of numbers must each fit a byte",
    ),
    pytest.param(
        pod(container(resources={"limits": {"cpu": "one"}})),
        f"{POD} {QUANTITY_FORMAT}",
        id="a quantity that does not parse",
    ),
    pytest.param(
        pod(container(resources={"requests": {"memory": "1ki"}})),
        f"{POD} unable to parse quantity's suffix",
        id="a quantity with an unknown suffix",
    ),
    pytest.param(
        pod(container(resources={"requests": {"memory": True}})),
        f"{POD} {QUANTITY_FORMAT}",
        id="a bool is not a quantity",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "labels": {"a": 1}, "annotations": {"b": 2}}),
        f"{CM} number into Go struct field ObjectMeta.metadata.labels of type string",
        id="the first type error in the body wins",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "labels": {"a": 1}, "creationTimestamp": "x"}),
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "x" as '
        '"2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"',
        id="an UnmarshalJSON error wins over an earlier type error",
    ),
    pytest.param(
        crd({"type": "object", "properties": {"spec": {"type": "object", "items": {"type": 5}}}}),
        'CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: json: '
        "cannot unmarshal number into Go struct field JSONSchemaProps.spec.versions.schema.openAPIV3Schema"
        ".properties.items of type string",
        id="an error inside a nested schema decode is reported where that decode began",
    ),
    pytest.param(
        crd({"type": "object", "additionalProperties": "yes"}),
        'CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: '
        "boolean or JSON schema expected",
        id="additionalProperties is a bool or a schema",
    ),
]


@pytest.mark.parametrize(("body", "message"), TYPE_ERRORS)
def test_type_errors_are_upstreams_messages(body: dict[str, Any], message: str) -> None:
    assert decode_error(body) == message


def test_the_message_names_the_kind_of_the_endpoint() -> None:
    message = decode_error(configmap(data={"a": 1}), target_kind="Secret")
    assert message.startswith('ConfigMap in version "v1" cannot be handled as a Secret: json:')


def test_the_error_carries_the_decoders_own_message() -> None:
    with pytest.raises(SchemaTypeError) as caught:
        decode(deployment(replicas="3"))
    error = caught.value
    assert error.cause == (
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    )
    assert (error.kind, error.version, error.target_kind) == ("Deployment", "v1", "Deployment")
    assert isinstance(error, ValueError)


def test_custom_resource_metadata_is_an_object_meta_of_its_own() -> None:
    body = {
        "apiVersion": "zoo.example.com/v1",
        "kind": "Pet",
        "metadata": {"name": "rex", "labels": {"a": 1}},
    }
    assert decode_error(body) == (
        'Pet in version "v1" cannot be handled as a Pet: json: cannot unmarshal number into Go struct field '
        "ObjectMeta.labels of type string"
    )


# Unknown fields ------------------------------------------------------------------------------------------

UNKNOWN = [
    pytest.param(deployment(foo=1), ["spec.foo"], id="a field the spec does not have"),
    pytest.param(configmap(extra="x"), ["extra"], id="a top-level field"),
    pytest.param(
        deployment(
            template={"spec": {"containers": [container(), container(name="b", imagePullPolicyy="Always")]}}
        ),
        ["spec.template.spec.containers[1].imagePullPolicyy"],
        id="a field inside a list element carries its index",
    ),
    pytest.param(
        pod(container(ports=[{"containerPort": 80, "hostport": 80}])),
        ["spec.containers[0].ports[0].hostport"],
        id="field names are case-sensitive",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "app": "web"}),
        ["metadata.app"],
        id="a label written straight into metadata",
    ),
    pytest.param(
        crd({"type": "object", "properties": {"spec": {"type": "object", "descripton": "typo"}}}),
        ["spec.versions[0].schema.openAPIV3Schema.properties.spec.descripton"],
        id="a field inside a map value carries the map key",
    ),
    pytest.param(
        crd({"type": "object"}, versions=[{"name": "v1", "subresources": {"status": {"enabled": True}}}]),
        ["spec.versions[0].subresources.status.enabled"],
        id="an empty Go struct knows no fields",
    ),
    pytest.param(
        {
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "revision": 1,
            "data": {"anything": {"goes": 1}},
        },
        [],
        id="nothing under a RawExtension is unknown",
    ),
    pytest.param(
        configmap(metadata={"name": "c", "labels": {"whatever": "x"}, "annotations": {"any/key": "y"}}),
        [],
        id="nothing in a free-form map is unknown",
    ),
    pytest.param(
        crd({"type": "array", "items": {"type": "string", "descripton": "typo"}}),
        [],
        id="a nested schema decode is not strict",
    ),
    pytest.param(
        {"apiVersion": "zoo.example.com/v1", "kind": "Pet", "metadata": {"name": "rex", "nick": "r"}, "x": 1},
        ["metadata.nick"],
        id="a custom resource's unknown metadata is reported under metadata",
    ),
]


@pytest.mark.parametrize(("body", "paths"), UNKNOWN)
def test_unknown_fields_are_reported_with_upstreams_paths(body: dict[str, Any], paths: list[str]) -> None:
    result = decode(body)
    assert result.unknown_fields == paths
    assert result.strict_errors == [f'unknown field "{path}"' for path in paths]


def test_strict_and_warn_messages() -> None:
    result = decode(deployment(foo=1, replicas=2))
    errors = [*result.strict_errors, 'duplicate field "replicas"']
    assert strict_decoding_message(errors) == (
        'strict decoding error: unknown field "spec.foo", duplicate field "replicas"'
    )
    assert strict_warnings(errors) == ['unknown field "spec.foo"', 'duplicate field "replicas"']


def test_unknown_fields_are_reported_once_each_and_at_most_a_hundred() -> None:
    result = decode(configmap(**{f"x{i}": i for i in range(150)}))
    assert len(result.unknown_fields) == len(result.strict_errors) == 100
    assert result.unknown_fields[:2] == ["x0", "x1"]


# Duplicate fields ----------------------------------------------------------------------------------------

DUPLICATE_BODIES = [
    pytest.param(b'{"a":1,"a":2}', ["a"], id="a top-level key"),
    pytest.param(
        b'{"spec":{"replicas":1,"template":{},"replicas":2}}',
        ["spec.replicas"],
        id="a key of a nested object",
    ),
    pytest.param(
        b'{"spec":{"containers":[{"name":"a"},{"name":"b","image":"x","name":"c"}]}}',
        ["spec.containers[1].name"],
        id="a key inside a list element",
    ),
    pytest.param(b'{"a":1,"a":2,"a":3}', ["a"], id="a key three times is one duplicate"),
    pytest.param(b'{"a":{"b":1},"c":[1,2]}', [], id="no duplicates"),
    pytest.param(b"not json", [], id="not JSON"),
]


@pytest.mark.parametrize(("body", "paths"), DUPLICATE_BODIES)
def test_duplicate_keys_are_found_in_the_raw_body(body: bytes, paths: list[str]) -> None:
    assert find_duplicate_fields(body) == paths


TRICKY_BODIES = [
    pytest.param(b'{"a" : 1, "a" :2}', ["a"], id="spaces before the colon"),
    pytest.param(
        json.dumps({"note": 'x":1', "k": 'a\\":b', "n": "\\"}).encode(),
        [],
        id="colons, escaped quotes and backslashes inside strings",
    ),
    pytest.param(
        json.dumps({"metadata": {"annotations": {"last-applied": '{"spec":{"a":1,"a":2}}'}}}).encode(),
        [],
        id="a JSON document inside a string has no keys",
    ),
    pytest.param(b'{"k\\"":1,"k\\"":2}', ['k"'], id="a repeated key with an escaped quote"),
]


@pytest.mark.parametrize(("body", "paths"), TRICKY_BODIES)
def test_counting_keys_in_the_raw_text_is_exact(body: bytes, paths: list[str]) -> None:
    assert find_duplicate_fields(body) == paths
    assert find_duplicate_fields(body, json.loads(body)) == paths


def test_duplicates_count_where_go_decodes_a_field_or_a_map_key() -> None:
    body = (
        b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"a":"1","a":"2"}},'
        b'"spec":{"replicas":1,"replicas":2,"foo":1,"foo":2}}'
    )
    result = decode(json.loads(body), duplicate_fields=find_duplicate_fields(body))
    assert result.strict_errors == [
        'duplicate field "metadata.labels.a"',
        'duplicate field "spec.replicas"',
        'unknown field "spec.foo"',
    ]
    assert result.obj["spec"] == {"replicas": 2}


def test_duplicates_inside_raw_json_do_not_count() -> None:
    body = b'{"apiVersion":"apps/v1","kind":"ControllerRevision","revision":1,"data":{"x":1,"x":2}}'
    assert find_duplicate_fields(body) == ["data.x"]
    assert decode(json.loads(body), duplicate_fields=["data.x"]).strict_errors == []


def test_every_duplicate_of_a_custom_resource_counts() -> None:
    body = (
        b'{"apiVersion":"zoo.example.com/v1","kind":"Pet","spec":{"x":1,"x":2},"metadata":{"name":"a","q":1}}'
    )
    result = decode(json.loads(body), duplicate_fields=find_duplicate_fields(body))
    assert result.strict_errors == ['duplicate field "spec.x"', 'unknown field "metadata.q"']


def test_yaml_duplicates_are_goyaml_errors_split_into_warnings() -> None:
    body = b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: x\n  a: y\nmetadata:\n  name: c\nmetadata:\n  name: d\n"
    error = yaml_duplicate_error(body)
    assert error == (
        'yaml: unmarshal errors:\n  line 5: key "a" already set in map\n  line 9: key "metadata" already set in map'
    )
    assert strict_warnings([error]) == [
        'line 5: key "a" already set in map',
        'line 9: key "metadata" already set in map',
    ]
    assert yaml_duplicate_error(b"a: 1\nb: 2\n") is None


# Pruning ---------------------------------------------------------------------------------------------------


def test_pruning_drops_unknown_fields_and_keeps_free_form_maps() -> None:
    body = configmap(
        metadata={"name": "c", "labels": {"app": "web"}, "annotations": {"note": "hi"}, "bogus": 1},
        data={"key": "value"},
        binaryData={"b": "AAEC"},
        extra={"nested": True},
    )
    assert decode(body).obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {"app": "web"}, "annotations": {"note": "hi"}},
        "data": {"key": "value"},
        "binaryData": {"b": "AAEC"},
    }


def test_raw_extensions_managed_fields_and_status_are_kept() -> None:
    revision = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": "r",
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Update",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {".": {}, "f:spec": {}}},
                }
            ],
        },
        "data": {"spec": {"template": {"$patch": "replace", "anything": [1, None, {"x": "y"}]}}},
        "revision": 2,
    }
    assert decode(revision).obj == revision
    status = {"replicas": 3, "readyReplicas": 2, "conditions": [{"type": "Available", "status": "True"}]}
    assert decode(deployment(replicas=3) | {"status": status}).obj["status"] == status


def test_the_result_shares_nothing_mutable_with_the_body() -> None:
    body = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 1, "data": {"a": [1]}}
    before = copy.deepcopy(body)
    result = decode(body).obj
    result["data"]["a"].append(2)
    assert body == before


def test_unknown_kinds_pass_through_except_metadata() -> None:
    body = {
        "apiVersion": "zoo.example.com/v1",
        "kind": "Pet",
        "metadata": {"name": "rex", "nick": "r", "labels": {"a": "b"}},
        "spec": {"anything": {"goes": [1, 2]}},
    }
    assert decode(body).obj == {
        "apiVersion": "zoo.example.com/v1",
        "kind": "Pet",
        "metadata": {"name": "rex", "labels": {"a": "b"}},
        "spec": {"anything": {"goes": [1, 2]}},
    }


VALUES = [
    pytest.param(
        {"cpu": 0.5, "memory": "1.5Gi", "ephemeral-storage": 2},
        {"cpu": "500m", "memory": "1536Mi", "ephemeral-storage": "2"},
        id="quantities are written back canonically, numbers as strings",
    ),
    pytest.param({"cpu": None}, {"cpu": "0"}, id="a null quantity in a resource list is zero"),
]


@pytest.mark.parametrize(("limits", "expected"), VALUES)
def test_quantities_are_decoded_and_written_back(limits: dict[str, Any], expected: dict[str, Any]) -> None:
    result = decode(pod(container(resources={"limits": limits})))
    assert result.obj["spec"]["containers"][0]["resources"]["limits"] == expected


TIMES = [
    pytest.param("2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z", id="a time is written in UTC"),
    pytest.param("2024-05-01T10:00:00.75Z", "2024-05-01T10:00:00Z", id="a time keeps whole seconds"),
    pytest.param("0001-01-01T00:00:00Z", None, id="the zero time is left out"),
]


@pytest.mark.parametrize(("stamp", "expected"), TIMES)
def test_times_are_written_back_as_metav1_time_marshals_them(stamp: str, expected: str | None) -> None:
    metadata = decode(configmap(metadata={"name": "c", "creationTimestamp": stamp})).obj["metadata"]
    assert metadata.get("creationTimestamp") == expected


def test_a_micro_time_keeps_microseconds() -> None:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "spec": {"renewTime": "2024-05-01T10:00:00.123456+01:00"},
    }
    assert decode(lease).obj["spec"] == {"renewTime": "2024-05-01T09:00:00.123456Z"}


def test_base64_with_line_breaks_is_written_back_canonically() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "data": {"a": "YWJj\nZA==", "b": "YWJj"}}
    assert decode(secret).obj["data"] == {"a": "YWJjZA==", "b": "YWJj"}


NULLS = [
    pytest.param(deployment(replicas=None), "spec", "replicas", None, id="a null field is left out"),
    pytest.param(
        configmap(metadata={"name": "c", "creationTimestamp": None}),
        "metadata",
        "creationTimestamp",
        None,
        id="kubectl's null creationTimestamp is left out",
    ),
    pytest.param(configmap(data=None), None, "data", None, id="a null map is left out"),
]


@pytest.mark.parametrize(("body", "parent", "key", "expected"), NULLS)
def test_null_fields_are_unset(body: dict[str, Any], parent: str | None, key: str, expected: Any) -> None:
    result = decode(body)
    holder = result.obj[parent] if parent else result.obj
    assert key not in holder
    assert result.strict_errors == []


def test_null_elements_and_map_values_become_go_zero_values() -> None:
    body = pod(container(args=["a", None]))
    body["spec"]["containers"].append(None)
    body["metadata"]["labels"] = {"a": None}
    result = decode(body).obj
    assert result["spec"]["containers"] == [{"name": "app", "image": "nginx", "args": ["a", ""]}, {}]
    assert result["metadata"]["labels"] == {"a": ""}


# Schema metadata for patches ---------------------------------------------------------------------------


def test_schema_for_carries_strategic_merge_patch_metadata() -> None:
    registry = builtin_schemas()
    deployment_type = registry.schema_for("apps/v1", "Deployment")
    assert deployment_type is not None
    spec = deployment_type.fields["spec"].type.definition
    assert spec is not None and spec.name == "io.k8s.api.apps.v1.DeploymentSpec"
    pod_spec = registry.definitions["io.k8s.api.core.v1.PodSpec"]
    containers = pod_spec.fields["containers"]
    assert (containers.patch_strategy, containers.patch_merge_key, containers.list_type) == (
        "merge",
        "name",
        "map",
    )
    assert containers.list_map_keys == ("name",)
    ports = registry.definitions["io.k8s.api.core.v1.Container"].fields["ports"]
    assert ports.list_map_keys == ("containerPort", "protocol")
    volumes = pod_spec.fields["volumes"]
    assert volumes.patch_strategy == "merge,retainKeys"
    assert registry.definitions["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"].map_type == "atomic"
    assert registry.schema_for("zoo.example.com/v1", "Pet") is None


# Interpret -----------------------------------------------------------------------------------------------


def test_interpret_reads_api_version_and_kind() -> None:
    assert interpret({"apiVersion": "apps/v1", "kind": "Deployment"}) == ("apps/v1", "Deployment")
    assert interpret({"KIND": "Pod"}) == ("", "Pod")  # encoding/json matches keys case-insensitively
    assert interpret(None) == ("", "")


INTERPRET_ERRORS = [
    pytest.param(
        {"apiVersion": 1, "kind": "Pod"},
        "couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field "
        ".apiVersion of type string",
        id="a number apiVersion",
    ),
    pytest.param(
        ["x"],
        "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type "
        'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
        id="a body that is not an object",
    ),
    pytest.param(
        {"apiVersion": "a/b/c", "kind": "Pod"}, "unexpected GroupVersion string: a/b/c", id="two slashes"
    ),
]


@pytest.mark.parametrize(("body", "message"), INTERPRET_ERRORS)
def test_interpret_errors(body: Any, message: str) -> None:
    with pytest.raises(TypeMetaError) as caught:
        interpret(body)
    assert str(caught.value) == message


def test_unrecognized_message_summarizes_the_body() -> None:
    body = b'{"apiVersion":1,"kind":"ConfigMap","metadata":{}}'
    assert unrecognized_message("ConfigMap", "boom", body) == (
        'the object provided is unrecognized (must be of type ConfigMap): boom ({"apiVersion":1,"kind":"Config ...)'
    )
    assert unrecognized_message("Pod", "boom", b"[1]") == (
        "the object provided is unrecognized (must be of type Pod): boom (5b315d)"
    )


# Go's parsers ---------------------------------------------------------------------------------------------

BAD_TIMES = [
    pytest.param("2024-02-30T00:00:00Z", ": day out of range", id="February 30th"),
    pytest.param("2024-05-01T24:00:00Z", ": hour out of range", id="hour 24"),
    pytest.param("2024-05-01T10:00:00Zjunk", ': extra text: "junk"', id="text after the zone"),
    pytest.param(
        "2024-05-01T10:00:00",
        ' as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"',
        id="no time zone",
    ),
    pytest.param(
        "2024-5-01T10:00:00Z",
        ' as "2006-01-02T15:04:05Z07:00": cannot parse "5-01T10:00:00Z" as "01"',
        id="a one-digit month",
    ),
]


@pytest.mark.parametrize(("stamp", "tail"), BAD_TIMES)
def test_time_parse_errors(stamp: str, tail: str) -> None:
    with pytest.raises(GoError) as caught:
        parse_time(stamp)
    assert str(caught.value) == f'parsing time "{stamp}"{tail}'


def test_go_accepts_a_one_digit_hour() -> None:
    assert parse_time("2024-05-01T9:05:00Z") == "2024-05-01T09:05:00Z"


BASE64 = [
    pytest.param("MFRGG===", 5, id="padding after one character of a quantum"),
    pytest.param("YWJjZA", 4, id="missing padding"),
    pytest.param("YQ=", 3, id="half the padding"),
    pytest.param("YWJjZA==x", 8, id="text after the padding"),
    pytest.param("a" * 43, 40, id="a 43-character key without padding"),
]


@pytest.mark.parametrize(("text", "offset"), BASE64)
def test_base64_errors_name_the_byte(text: str, offset: int) -> None:
    with pytest.raises(GoError) as caught:
        decode_base64(text)
    assert str(caught.value) == f"illegal base64 data at input byte {offset}"
