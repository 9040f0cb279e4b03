"""The audit policy file: what kube-apiserver accepts, and its refusals word for word."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pinnace.apiserver.audit.policy import GroupResources, Policy, PolicyError, PolicyRule, load

HEADER = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
SEED_POLICY = HEADER + 'rules:\n- level: Metadata\n  verbs: ["create","update","patch","delete"]\n'
DNS_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def refusal(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load(path)
    message = str(err.value)
    prefix, suffix = "loading audit policy file: ", f": from file {path}"
    assert message.startswith(prefix) and message.endswith(suffix), message
    return message[len(prefix) : -len(suffix)]


def test_the_seeds_policy_loads(tmp_path: Path) -> None:
    assert load(write(tmp_path, SEED_POLICY)) == Policy(
        rules=(PolicyRule(level="Metadata", verbs=("create", "update", "patch", "delete")),)
    )


def test_every_field_is_read(tmp_path: Path) -> None:
    text = HEADER + (
        "omitStages: [RequestReceived]\n"
        "omitManagedFields: true\n"
        "rules:\n"
        "- level: RequestResponse\n"
        "  users: [alice]\n"
        "  userGroups: [dev]\n"
        "  verbs: [get]\n"
        "  namespaces: [dev, '']\n"
        "  resources:\n"
        "  - group: apps\n"
        "    resources: [deployments, deployments/scale]\n"
        "    resourceNames: [web]\n"
        "  omitStages: [ResponseStarted]\n"
        "  omitManagedFields: false\n"
        "- level: None\n"
        "  nonResourceURLs: ['/healthz*', /version]\n"
    )
    assert load(write(tmp_path, text)) == Policy(
        rules=(
            PolicyRule(
                level="RequestResponse",
                users=("alice",),
                user_groups=("dev",),
                verbs=("get",),
                namespaces=("dev", ""),
                resources=(GroupResources("apps", ("deployments", "deployments/scale"), ("web",)),),
                omit_stages=("ResponseStarted",),
                omit_managed_fields=False,
            ),
            PolicyRule(level="None", non_resource_urls=("/healthz*", "/version")),
        ),
        omit_stages=("RequestReceived",),
        omit_managed_fields=True,
    )


def test_json_is_a_policy_file_too(tmp_path: Path) -> None:
    text = '{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Metadata"}]}'
    assert load(write(tmp_path, text)).rules == (PolicyRule(level="Metadata"),)


REFUSALS = [
    pytest.param(HEADER + "rules: []\n", "loaded illegal policy with 0 rules", id="a policy without rules"),
    pytest.param(
        HEADER + "rules:\n- verbs: [get]\n", "rules[0].level: Required value", id="a rule without level"
    ),
    pytest.param(
        HEADER + "rules:\n- level: Everything\n",
        'rules[0].level: Unsupported value: "Everything": supported values: "None", "Metadata", "Request", '
        '"RequestResponse"',
        id="an unknown level",
    ),
    pytest.param(
        HEADER + "omitStages: [Started]\nrules:\n- level: None\n",
        'omitStages[0]: Invalid value: "Started": allowed stages are '
        "RequestReceived,ResponseStarted,ResponseComplete,Panic",
        id="an unknown stage to omit",
    ),
    pytest.param(
        HEADER + "rules:\n- level: None\n  omitStages: [RequestReceived, Done]\n",
        'rules[0].omitStages[1]: Invalid value: "Done": allowed stages are '
        "RequestReceived,ResponseStarted,ResponseComplete,Panic",
        id="an unknown stage to omit in a rule",
    ),
    pytest.param(
        HEADER + "rules:\n- level: None\n  nonResourceURLs: [healthz]\n",
        "rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin with a '/' "
        "character",
        id="a non-resource URL without a leading slash",
    ),
    pytest.param(
        HEADER + "rules:\n- level: None\n  nonResourceURLs: ['/api/*/x']\n",
        "rules[0].nonResourceURLs[0]: Invalid value: \"/api/*/x\": non-resource URL wildcards '*' must be the "
        "final character of the rule",
        id="a wildcard inside a non-resource URL",
    ),
    pytest.param(
        HEADER + "rules:\n- level: None\n  nonResourceURLs: [/healthz]\n  namespaces: [dev]\n",
        'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular '
        "resources and non-resource URLs",
        id="a rule for both resources and non-resource URLs",
    ),
    pytest.param(
        HEADER + "rules:\n- level: None\n  resources: [{group: rbac.authorization.k8s.io/v1}]\n",
        f'rules[0].resources.group: Invalid value: "rbac.authorization.k8s.io/v1": {DNS_SUBDOMAIN}',
        id="a group with its version",
    ),
    pytest.param(
        HEADER + "rules:\n- level: None\n  resources: [{group: '', resourceNames: [x]}]\n",
        'rules[0].resources.resourceNames: Invalid value: []string{"x"}: using resourceNames requires at least '
        "one resource",
        id="resource names without resources",
    ),
    pytest.param(
        HEADER + "rules:\n- level: Metadata\n- {}\n- level: Loud\n",
        '[rules[1].level: Required value, rules[2].level: Unsupported value: "Loud": supported values: "None", '
        '"Metadata", "Request", "RequestResponse"]',
        id="several errors at once",
    ),
    pytest.param(
        "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n",
        'failed decoding: no kind "Policy" is registered for version "audit.k8s.io/v1beta1" in scheme '
        '"k8s.io/apiserver/pkg/audit/scheme.go:30"',
        id="a removed version",
    ),
    pytest.param(
        "apiVersion: audit.k8s.io/v1\nrules: [{level: None}]\n",
        'failed decoding: Object \'Kind\' is missing in \'{"apiVersion":"audit.k8s.io/v1","rules":[{"level":'
        '"None"}]}\'',
        id="no kind",
    ),
    pytest.param(
        HEADER + "rules: everything\n",
        "failed decoding: json: cannot unmarshal string into Go struct field Policy.rules of type []v1.PolicyRule",
        id="rules that are not a list",
    ),
    pytest.param(
        HEADER + "rules:\n- level: 3\n",
        "failed decoding: json: cannot unmarshal number into Go struct field PolicyRule.rules.level of type "
        "v1.Level",
        id="a level that is not a string",
    ),
    pytest.param(
        HEADER + "rules:\n- level: None\n  resources: [{resources: pods}]\n",
        "failed decoding: json: cannot unmarshal string into Go struct field GroupResources.rules.resources."
        "resources of type []string",
        id="resources that are not a list",
    ),
]


@pytest.mark.parametrize(("text", "message"), REFUSALS)
def test_refusals_read_as_upstreams(tmp_path: Path, text: str, message: str) -> None:
    assert refusal(tmp_path, text) == message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    with pytest.raises(PolicyError) as err:
        load(path)
    assert str(err.value) == (
        f'loading audit policy file: failed to read file path "{path}": open {path}: no such file or directory'
    )


def test_unknown_fields_only_warn_and_are_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = HEADER + "rules:\n- level: Metadata\n  verb: [get]\n"
    with caplog.at_level(logging.WARNING):
        policy = load(write(tmp_path, text))
    assert policy.rules == (PolicyRule(level="Metadata"),)
    assert (
        'Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field "rules[0].verb"'
        in caplog.text
    )
