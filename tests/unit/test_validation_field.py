"""Field errors render exactly like apimachinery's ``field.Error``; the 422 message like ``NewInvalid``."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gofmt import go_int_or_string, go_label_selector, go_quote, go_string_map
from pinnace.api.validation import ErrorType, FieldError, Path, invalid_status, invalid_status_message
from pinnace.api.validation.field import (
    OMIT_VALUE,
    duplicate,
    forbidden,
    internal_error,
    invalid,
    not_found,
    not_supported,
    required,
    too_long,
    too_many,
    type_invalid,
)

SPEC = Path.root("spec")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(
            required(SPEC.child("selector")), "spec.selector: Required value", id="required without detail"
        ),
        pytest.param(
            required(Path.root("metadata", "name"), "name or generateName is required"),
            "metadata.name: Required value: name or generateName is required",
            id="required with detail",
        ),
        pytest.param(
            invalid(SPEC.child("replicas"), -1, "must be greater than or equal to 0"),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            id="numbers print plainly",
        ),
        pytest.param(
            invalid(Path.root("metadata", "name"), 'say "hi"\n', "bad"),
            'metadata.name: Invalid value: "say \\"hi\\"\\n": bad',
            id="strings print Go-quoted",
        ),
        pytest.param(invalid(SPEC, None, "x"), "spec: Invalid value: null: x", id="nil prints as null"),
        pytest.param(
            invalid(SPEC, True, "x"), "spec: Invalid value: true: x", id="bools print as true and false"
        ),
        pytest.param(
            not_supported(SPEC.child("ports").index(0).child("protocol"), "TPC", ["SCTP", "TCP", "UDP"]),
            'spec.ports[0].protocol: Unsupported value: "TPC": supported values: "SCTP", "TCP", "UDP"',
            id="unsupported values list the supported ones quoted",
        ),
        pytest.param(
            duplicate(SPEC.child("containers").index(1).child("name"), "web"),
            'spec.containers[1].name: Duplicate value: "web"',
            id="duplicate",
        ),
        pytest.param(
            not_found(SPEC.child("containers").index(0).child("volumeMounts").index(0).child("name"), "data"),
            'spec.containers[0].volumeMounts[0].name: Not found: "data"',
            id="not found",
        ),
        pytest.param(
            forbidden(SPEC.child("nodeName"), "cannot be set until all schedulingGates have been cleared"),
            "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared",
            id="forbidden never prints the value",
        ),
        pytest.param(
            too_long(Path.root("metadata", "annotations"), 262144),
            "metadata.annotations: Too long: may not be more than 262144 bytes",
            id="too long never prints the value",
        ),
        pytest.param(
            too_many(SPEC.child("rules"), 25, 20),
            "spec.rules: Too many: 25: must have at most 20 items",
            id="too many prints the count",
        ),
        pytest.param(
            invalid(SPEC.child("rules").index(0), OMIT_VALUE, "specifying one of OnExitCodes is required"),
            "spec.rules[0]: Invalid value: specifying one of OnExitCodes is required",
            id="an omitted value prints nothing",
        ),
        pytest.param(
            type_invalid(SPEC, "x", "must be an integer"),
            'spec: Invalid value: "x": must be an integer',
            id="type invalid",
        ),
        pytest.param(internal_error(SPEC, "boom"), "spec: Internal error: boom", id="internal error"),
        pytest.param(
            invalid(SPEC, go_string_map({"b": "2", "a": "1"}), "x"),
            'spec: Invalid value: map[string]string{"a":"1", "b":"2"}: x',
            id="maps print as Go maps with sorted keys",
        ),
    ],
)
def test_errors_render_like_field_error(error: FieldError, expected: str) -> None:
    assert error.message() == expected
    assert str(error) == expected
    assert error.body() == expected.split(": ", 1)[1]


def test_error_types_are_the_status_cause_types() -> None:
    assert [t.value for t in ErrorType] == [
        "FieldValueNotFound",
        "FieldValueRequired",
        "FieldValueDuplicate",
        "FieldValueInvalid",
        "FieldValueNotSupported",
        "FieldValueForbidden",
        "FieldValueTooLong",
        "FieldValueTooMany",
        "InternalError",
        "FieldValueTypeInvalid",
    ]
    assert ErrorType.FieldValueTypeInvalid.text == "Invalid value"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(
            Path.root("metadata").child("labels").key("app"), "metadata.labels[app]", id="a key subscript"
        ),
        pytest.param(Path.root("spec", "template", "spec"), "spec.template.spec", id="several names at once"),
        pytest.param(
            SPEC.child("containers").index(0).child("ports").index(2),
            "spec.containers[0].ports[2]",
            id="indexes",
        ),
        pytest.param(
            Path.root("spec").child("ordinals.start"), "spec.ordinals.start", id="a name with a dot"
        ),
        pytest.param(Path(), "[]", id='the empty root path prints like upstream\'s field.NewPath("")'),
    ],
)
def test_paths_render_like_field_path(path: Path, expected: str) -> None:
    assert str(path) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("plain", '"plain"', id="plain text"),
        pytest.param("tab\there", '"tab\\there"', id="tab escape"),
        pytest.param("\x01", '"\\x01"', id="control characters as hex"),
        pytest.param("é 한국어", '"é 한국어"', id="printable unicode kept"),
        pytest.param("\u00a0", '"\\u00a0"', id="non-ASCII spaces escaped"),
    ],
)
def test_go_quote_matches_strconv_quote(value: str, expected: str) -> None:
    assert go_quote(value) == expected


def test_go_renderings_of_upstream_structs() -> None:
    assert go_int_or_string("25%").text == 'intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}'
    assert go_int_or_string(0).text == 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}'
    assert go_label_selector({"matchLabels": {"app": "web"}}).text == (
        'v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
    )
    assert go_label_selector(
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]}
    ).text == (
        "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{"
        'v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string{"a"}}}}'
    )


ONE = [required(Path.root("spec", "template", "spec", "containers").index(0).child("image"))]
TWO = [invalid(SPEC.child("replicas"), -1, "must be greater than or equal to 0"), *ONE]


@pytest.mark.parametrize(
    ("kind", "group", "name", "errors", "expected"),
    [
        pytest.param(
            "Deployment",
            "apps",
            "web",
            ONE,
            'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value',
            id="one error, no brackets, group suffix",
        ),
        pytest.param(
            "Deployment",
            "apps",
            "web",
            TWO,
            'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, '
            "spec.template.spec.containers[0].image: Required value]",
            id="several errors in brackets",
        ),
        pytest.param(
            "Pod",
            "",
            "p",
            [*ONE, *ONE],
            'Pod "p" is invalid: spec.template.spec.containers[0].image: Required value',
            id="core kinds have no group and repeats are dropped",
        ),
        pytest.param("Pod", "", "p", [], 'Pod "p" is invalid', id="no errors at all"),
    ],
)
def test_invalid_status_message(
    kind: str, group: str, name: str, errors: list[FieldError], expected: str
) -> None:
    assert invalid_status_message(kind, group, name, errors) == expected


def test_invalid_status_is_the_422_body_kubectl_reads() -> None:
    status: dict[str, Any] = invalid_status("Deployment", "apps", "web", [*ONE, *ONE])
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value',
        "reason": "Invalid",
        "details": {
            "name": "web",
            "group": "apps",
            "kind": "Deployment",
            "causes": [
                {
                    "reason": "FieldValueRequired",
                    "message": "Required value",
                    "field": "spec.template.spec.containers[0].image",
                }
            ]
            * 2,
        },
        "code": 422,
    }
