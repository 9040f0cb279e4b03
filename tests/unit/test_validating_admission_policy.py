"""ValidatingAdmissionPolicy: which bindings judge a request, what users see on a denial, warnings and
audit annotations, parameters, variables, matchConditions and failure policies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.admission.policy.source import BINDINGS, POLICIES
from pinnace.apiserver.admission.policy.validating import ValidatingAdmissionPolicy
from tests.unit.admission_fakes import FakeObjects, attributes, context, namespace, warnings_of

Object = dict[str, Any]

DEPLOYMENTS = GroupVersionResource("apps", "v1", "deployments")
DEPLOYMENT = GroupVersionKind("apps", "v1", "Deployment")
CONFIGMAPS = GroupVersionResource("", "v1", "configmaps")
NAMESPACES = GroupVersionResource("", "v1", "namespaces")


def deployment(name: str = "web", replicas: int = 3, labels: dict[str, str] | None = None) -> Object:
    metadata: Object = {"name": name, "namespace": "ns"}
    if labels:
        metadata["labels"] = labels
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {"replicas": replicas},
    }


def policy(name: str = "p", *validations: Object, **spec: Any) -> Object:
    body: Object = {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": ["apps"],
                    "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": ["deployments"],
                }
            ],
            "matchPolicy": "Equivalent",
            "namespaceSelector": {},
            "objectSelector": {},
        },
        "validations": list(validations) or [{"expression": "object.spec.replicas <= 5"}],
    }
    body.update(spec)
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name},
        "spec": body,
    }


def binding(
    name: str = "b", policy_name: str = "p", actions: tuple[str, ...] = ("Deny",), **spec: Any
) -> Object:
    body: Object = {"policyName": policy_name, "validationActions": list(actions)}
    body.update(spec)
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name},
        "spec": body,
    }


def cluster(*objects: Object) -> FakeObjects:
    fake = FakeObjects((NAMESPACES, namespace("ns", {"env": "prod"})))
    for obj in objects:
        kind = obj["kind"]
        resource = {
            "ValidatingAdmissionPolicy": POLICIES,
            "ValidatingAdmissionPolicyBinding": BINDINGS,
            "ConfigMap": CONFIGMAPS,
        }[kind]
        fake.put(resource, obj)
    return fake


async def judge(objects: FakeObjects, obj: Object, **kwargs: Any) -> Any:
    attrs = attributes(obj, resource=DEPLOYMENTS, kind=DEPLOYMENT, **kwargs)
    await ValidatingAdmissionPolicy(context(objects)).validate(attrs)
    return attrs


async def denial(objects: FakeObjects, obj: Object, **kwargs: Any) -> status.StatusError:
    with pytest.raises(status.StatusError) as caught:
        await judge(objects, obj, **kwargs)
    return caught.value


async def test_a_denial_reads_as_upstream_with_reason_invalid_and_the_message_as_a_cause() -> None:
    error = await denial(cluster(policy(), binding()), deployment(replicas=6))
    message = (
        "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: "
        "failed expression: object.spec.replicas <= 5"
    )
    assert error.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "Invalid",
        "details": {
            "name": "web",
            "group": "apps",
            "kind": "deployments",
            "causes": [{"message": message.split(" is forbidden: ", 1)[1]}],
        },
        "code": 422,
    }


async def test_an_allowed_request_passes() -> None:
    await judge(cluster(policy(), binding()), deployment(replicas=5))


@pytest.mark.parametrize(
    ("validation", "message", "code"),
    [
        ({"expression": "false", "message": "too many"}, "too many", 422),
        (
            {
                "expression": "false",
                "messageExpression": "'replicas ' + string(object.spec.replicas) + ' > 5'",
            },
            "replicas 6 > 5",
            422,
        ),
        ({"expression": "false", "message": "fallback", "messageExpression": "1"}, "fallback", 422),
        ({"expression": "false", "reason": "Forbidden"}, "failed expression: false", 403),
        (
            {"expression": "object.spec.missing > 1"},
            "expression 'object.spec.missing > 1' resulted in error: no such key: missing",
            422,
        ),
        ({"expression": "object.spec.replicas +"}, None, 422),
    ],
    ids=[
        "message",
        "messageExpression",
        "non-string messageExpression falls back",
        "reason Forbidden",
        "runtime error",
        "compile error",
    ],
)
async def test_messages_reasons_and_errors(validation: Object, message: str | None, code: int) -> None:
    error = await denial(cluster(policy("p", validation), binding()), deployment(replicas=6))
    assert error.code == code
    if message is None:
        assert "compilation error: compilation failed: ERROR: <input>:1:" in error.message
    else:
        assert error.message.endswith(f"denied request: {message}")


async def test_failure_policy_ignore_admits_on_errors_but_not_on_false() -> None:
    objects = cluster(
        policy("p", {"expression": "object.spec.missing > 1"}, failurePolicy="Ignore"), binding()
    )
    await judge(objects, deployment())
    objects = cluster(policy("p", {"expression": "false"}, failurePolicy="Ignore"), binding())
    await denial(objects, deployment())


async def test_warn_and_audit_actions_do_not_refuse() -> None:
    attrs = await judge(cluster(policy(), binding(actions=("Warn", "Audit"))), deployment(replicas=6))
    assert warnings_of(attrs) == [
        "Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': failed expression: object.spec.replicas <= 5"
    ]
    assert json.loads(attrs.annotations["validation.policy.admission.k8s.io/validation_failure"]) == [
        {
            "message": "failed expression: object.spec.replicas <= 5",
            "policy": "p",
            "binding": "b",
            "expressionIndex": 0,
            "validationActions": ["Warn", "Audit"],
        }
    ]


async def test_audit_annotations_are_published_under_the_policys_name() -> None:
    annotations = [
        {"key": "high-replicas", "valueExpression": "object.spec.replicas > 2 ? 'yes' : null"},
        {"key": "empty", "valueExpression": "''"},
    ]
    attrs = await judge(cluster(policy(auditAnnotations=annotations), binding()), deployment(replicas=3))
    assert attrs.annotations == {"p/high-replicas": "yes"}


async def test_a_policy_without_bindings_does_nothing_and_bindings_select_by_match_resources() -> None:
    await judge(cluster(policy()), deployment(replicas=9))
    only_canary = binding(matchResources={"objectSelector": {"matchLabels": {"track": "canary"}}})
    objects = cluster(policy(), only_canary)
    await judge(objects, deployment(replicas=9))
    await denial(objects, deployment(replicas=9, labels={"track": "canary"}))


@pytest.mark.parametrize(
    ("constraints", "name", "judged"),
    [
        (
            {
                "excludeResourceRules": [
                    {
                        "apiGroups": ["apps"],
                        "apiVersions": ["*"],
                        "operations": ["*"],
                        "resources": ["deployments"],
                        "resourceNames": ["web"],
                    }
                ]
            },
            "web",
            False,
        ),
        ({"namespaceSelector": {"matchLabels": {"env": "dev"}}}, "web", False),
        ({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, "web", True),
    ],
    ids=["excluded by name", "namespace not selected", "namespace selected"],
)
async def test_match_constraints(constraints: Object, name: str, judged: bool) -> None:
    body = policy()
    body["spec"]["matchConstraints"].update(constraints)
    objects = cluster(body, binding())
    if judged:
        await denial(objects, deployment(name, replicas=9))
    else:
        await judge(objects, deployment(name, replicas=9))


async def test_resource_names_limit_a_rule_to_named_objects() -> None:
    body = policy()
    body["spec"]["matchConstraints"]["resourceRules"][0]["resourceNames"] = ["special"]
    objects = cluster(body, binding())
    await judge(objects, deployment("web", replicas=9))
    await denial(objects, deployment("special", replicas=9))


def limits(name: str, max_replicas: int, labels: dict[str, str] | None = None) -> Object:
    metadata: Object = {"name": name, "namespace": "ns"}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"max": str(max_replicas)}}


PARAM_POLICY = policy(
    "p",
    {
        "expression": "object.spec.replicas <= int(params.data.max)",
        "messageExpression": "'at most ' + params.data.max",
    },
    paramKind={"apiVersion": "v1", "kind": "ConfigMap"},
)


async def test_params_by_name_and_by_selector() -> None:
    objects = cluster(
        PARAM_POLICY,
        binding(paramRef={"name": "limits", "parameterNotFoundAction": "Deny"}),
        limits("limits", 4),
    )
    await judge(objects, deployment(replicas=4))
    assert (await denial(objects, deployment(replicas=5))).message.endswith("denied request: at most 4")

    objects = cluster(
        PARAM_POLICY,
        binding(
            paramRef={"selector": {"matchLabels": {"kind": "limit"}}, "parameterNotFoundAction": "Allow"}
        ),
        limits("a", 10, {"kind": "limit"}),
        limits("b", 2, {"kind": "limit"}),
    )
    assert (await denial(objects, deployment(replicas=3))).message.endswith("denied request: at most 2")


async def test_missing_params_follow_parameter_not_found_action() -> None:
    objects = cluster(PARAM_POLICY, binding(paramRef={"name": "nope", "parameterNotFoundAction": "Deny"}))
    error = await denial(objects, deployment())
    assert error.message.endswith(
        "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed to configure binding: "
        "no params found for policy binding with `Deny` parameterNotFoundAction"
    )
    objects = cluster(PARAM_POLICY, binding(paramRef={"name": "nope", "parameterNotFoundAction": "Allow"}))
    await judge(objects, deployment())


async def test_an_unknown_param_kind_is_a_configuration_error() -> None:
    body = policy(paramKind={"apiVersion": "example.com/v1", "kind": "Limits"})
    error = await denial(cluster(body, binding()), deployment())
    assert error.message.endswith(
        "ValidatingAdmissionPolicy 'p' denied request: failed to configure policy: failed to find resource "
        "referenced by paramKind: 'example.com/v1, Kind=Limits'"
    )


async def test_variables_and_match_conditions() -> None:
    body = policy(
        "p",
        {
            "expression": "variables.replicas <= 5",
            "messageExpression": "'too many: ' + string(variables.replicas)",
        },
        variables=[{"name": "replicas", "expression": "object.spec.replicas"}],
        matchConditions=[
            {
                "name": "not-exempt",
                "expression": "!has(object.metadata.labels) || object.metadata.labels.exempt != 'true'",
            }
        ],
    )
    objects = cluster(body, binding())
    assert (await denial(objects, deployment(replicas=6))).message.endswith("denied request: too many: 6")
    await judge(objects, deployment(replicas=6, labels={"exempt": "true"}))


async def test_a_failing_variable_names_itself() -> None:
    body = policy(
        "p", {"expression": "variables.v > 1"}, variables=[{"name": "v", "expression": "object.spec.nope"}]
    )
    error = await denial(cluster(body, binding()), deployment())
    assert error.message.endswith(
        "denied request: expression 'variables.v > 1' resulted in error: composited variable \"v\" fails to "
        "evaluate: no such key: nope"
    )


async def test_the_request_and_namespace_object_are_available() -> None:
    body = policy(
        "p",
        {
            "expression": "request.operation == 'CREATE' && namespaceObject.metadata.labels.env == 'prod' && request.userInfo.username == 'alice'"
        },
    )
    await judge(cluster(body, binding()), deployment())


async def test_deletes_see_old_object() -> None:
    body = policy("p", {"expression": "oldObject.spec.replicas == 0", "message": "scale to zero first"})
    body["spec"]["matchConstraints"]["resourceRules"][0]["operations"] = ["DELETE"]
    error = await denial(
        cluster(body, binding()), None, operation=Operation.DELETE, old=deployment(), name="web"
    )
    assert error.message == (
        "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: "
        "scale to zero first"
    )
