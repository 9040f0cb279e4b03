"""Pod Security admission: namespace labels, enforce/audit/warn, exemptions, workload templates, and the
warnings for existing pods when a namespace's enforce level is raised."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.admission.podsecurity import api
from pinnace.apiserver.admission.podsecurity.api import Level, LevelVersion, Policy, Version
from pinnace.apiserver.admission.podsecurity.configuration import ConfigurationError, load
from pinnace.apiserver.admission.podsecurity.plugin import PodSecurity, new
from tests.unit.admission_fakes import FakeObjects, attributes, context, namespace, pod, warnings_of

NAMESPACES = GroupVersionResource("", "v1", "namespaces")
NAMESPACE_KIND = GroupVersionKind("", "v1", "Namespace")
DEPLOYMENTS = GroupVersionResource("apps", "v1", "deployments")
DEPLOYMENT_KIND = GroupVersionKind("apps", "v1", "Deployment")
ENFORCE, WARN, AUDIT = api.ENFORCE_LEVEL_LABEL, api.WARN_LEVEL_LABEL, api.AUDIT_LEVEL_LABEL

PRIVILEGED_POD_DETAIL = (
    'privileged (container "c" must not set securityContext.privileged=true), '
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
    'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
    'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
    'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" '
    'or "Localhost")'
)


def privileged_pod(name: str = "p", ns: str = "ns") -> dict[str, Any]:
    body = pod(name, ns)
    body["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    return body


def plugin(objects: FakeObjects, config: dict[str, Any] | None = None) -> PodSecurity:
    return new(context(objects, config))


def lv(level: str, version: str = "latest") -> LevelVersion:
    return LevelVersion(Level(level), api.parse_version(version))


# --- policy from labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "policy", "errors"),
    [
        ({}, Policy(), []),
        ({ENFORCE: "restricted"}, Policy(lv("restricted"), lv("privileged"), lv("restricted")), []),
        (
            {ENFORCE: "baseline", api.ENFORCE_VERSION_LABEL: "v1.30", WARN: "privileged"},
            Policy(lv("baseline", "v1.30"), lv("privileged"), lv("privileged")),
            [],
        ),
        (
            {ENFORCE: "baseline", api.ENFORCE_VERSION_LABEL: "v1.30", api.WARN_VERSION_LABEL: "v1.31"},
            Policy(lv("baseline", "v1.30"), lv("privileged"), lv("baseline", "v1.31")),
            [],
        ),
        (
            {ENFORCE: "strict", AUDIT: "nope", api.WARN_VERSION_LABEL: "1.25"},
            Policy(lv("restricted"), lv("privileged"), lv("privileged")),
            [
                'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of '
                "privileged, baseline, restricted",
                'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "nope": must be one of '
                "privileged, baseline, restricted",
                'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.25": '
                'must be "latest" or "v1.x"',
            ],
        ),
    ],
    ids=[
        "no labels: the defaults",
        "enforce raises warn to match",
        "an explicit warn level stays",
        "warn takes enforce's level with its own version",
        "bad labels: enforce fails closed, audit and warn open",
    ],
)
def test_namespace_labels_choose_the_policy(
    labels: dict[str, str], policy: Policy, errors: list[str]
) -> None:
    found, found_errors = api.policy_to_evaluate(labels, Policy())
    assert found == policy
    assert [str(e) for e in found_errors] == errors


def test_versions_compare_with_latest_newest() -> None:
    assert Version(1, 9).older(Version(1, 10)) and not api.LATEST.older(Version(1, 99))
    assert str(api.parse_version("v1.25")) == "v1.25"


# --- pods --------------------------------------------------------------------------------------------------


async def test_enforce_refuses_a_violating_pod_with_every_violation_listed() -> None:
    objects = FakeObjects((NAMESPACES, namespace("ns", {ENFORCE: "restricted"})))
    attrs = attributes(privileged_pod())
    with pytest.raises(status.Forbidden) as refused:
        await plugin(objects).validate(attrs)
    assert (
        refused.value.message
        == f'pods "p" is forbidden: violates PodSecurity "restricted:latest": {PRIVILEGED_POD_DETAIL}'
    )
    assert warnings_of(attrs) == []  # a refused request gets no warnings
    assert attrs.annotations == {"pod-security.kubernetes.io/enforce-policy": "restricted:latest"}


async def test_warn_mode_admits_with_a_warning_and_audit_mode_annotates() -> None:
    labels = {WARN: "baseline", api.WARN_VERSION_LABEL: "v1.30", AUDIT: "baseline"}
    objects = FakeObjects((NAMESPACES, namespace("ns", labels)))
    attrs = attributes(privileged_pod())
    await plugin(objects).validate(attrs)
    detail = 'privileged (container "c" must not set securityContext.privileged=true)'
    assert warnings_of(attrs) == [f'would violate PodSecurity "baseline:v1.30": {detail}']
    assert attrs.annotations == {
        "pod-security.kubernetes.io/enforce-policy": "privileged:latest",
        "pod-security.kubernetes.io/audit-violations": f'would violate PodSecurity "baseline:latest": {detail}',
    }


async def test_a_fully_privileged_namespace_admits_anything() -> None:
    objects = FakeObjects((NAMESPACES, namespace("ns")))
    attrs = attributes(privileged_pod())
    await plugin(objects).validate(attrs)
    assert attrs.annotations == {"pod-security.kubernetes.io/enforce-policy": "privileged:latest"}


@pytest.mark.parametrize(
    ("exemptions", "attrs_user", "runtime_class", "reason"),
    [
        ({"usernames": ["bob"]}, "bob", None, "user"),
        ({"namespaces": ["ns"]}, "alice", None, "namespace"),
        ({"runtimeClasses": ["kata"]}, "alice", "kata", "runtimeClass"),
    ],
    ids=["user", "namespace", "runtime class"],
)
async def test_exemptions_admit_with_the_reason_annotated(
    exemptions: dict[str, list[str]], attrs_user: str, runtime_class: str | None, reason: str
) -> None:
    objects = FakeObjects((NAMESPACES, namespace("ns", {ENFORCE: "restricted"})))
    config = {
        "apiVersion": "pod-security.admission.config.k8s.io/v1",
        "kind": "PodSecurityConfiguration",
        "exemptions": exemptions,
    }
    body = privileged_pod()
    if runtime_class:
        body["spec"]["runtimeClassName"] = runtime_class
    attrs = attributes(body, user=attrs_user)
    await plugin(objects, config).validate(attrs)
    assert attrs.annotations == {"pod-security.kubernetes.io/exempt": reason}


async def test_pod_updates_are_judged_only_when_an_image_changes() -> None:
    objects = FakeObjects((NAMESPACES, namespace("ns", {ENFORCE: "restricted"})))
    old = privileged_pod()
    relabelled = privileged_pod()
    relabelled["metadata"]["labels"] = {"a": "b"}
    await plugin(objects).validate(attributes(relabelled, operation=Operation.UPDATE, old=old))
    new_image = privileged_pod()
    new_image["spec"]["containers"][0]["image"] = "nginx:2"
    with pytest.raises(status.Forbidden):
        await plugin(objects).validate(attributes(new_image, operation=Operation.UPDATE, old=old))


async def test_status_and_binding_are_not_judged() -> None:
    objects = FakeObjects((NAMESPACES, namespace("ns", {ENFORCE: "restricted"})))
    for subresource in ("status", "binding", "eviction"):
        await plugin(objects).validate(attributes(privileged_pod(), subresource=subresource))


async def test_workload_templates_are_warned_about_never_refused() -> None:
    objects = FakeObjects((NAMESPACES, namespace("ns", {ENFORCE: "restricted"})))
    template = privileged_pod()
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {"template": {"metadata": {}, "spec": template["spec"]}},
    }
    attrs = attributes(deployment, resource=DEPLOYMENTS, kind=DEPLOYMENT_KIND)
    await plugin(objects).validate(attrs)
    assert warnings_of(attrs) == [f'would violate PodSecurity "restricted:latest": {PRIVILEGED_POD_DETAIL}']
    assert "pod-security.kubernetes.io/enforce-policy" not in attrs.annotations


# --- namespaces -----------------------------------------------------------------------------------------


async def test_a_namespace_with_bad_labels_is_invalid() -> None:
    body = namespace("team", {ENFORCE: "strict"})
    attrs = attributes(body, resource=NAMESPACES, kind=NAMESPACE_KIND, namespace="team")
    with pytest.raises(status.Invalid) as refused:
        await plugin(FakeObjects()).validate(attrs)
    assert refused.value.message == (
        'Namespace "team" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: '
        '"strict": must be one of privileged, baseline, restricted'
    )


async def test_raising_the_enforce_level_warns_about_the_pods_already_there() -> None:
    objects = FakeObjects()
    for name in ("web-b", "web-a", "web-c"):
        objects.put(GroupVersionResource("", "v1", "pods"), privileged_pod(name, "team"))
    fine = pod("fine", "team")
    fine["spec"]["containers"][0]["securityContext"] = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    objects.put(GroupVersionResource("", "v1", "pods"), fine)
    host = pod("host", "team", hostNetwork=True)
    objects.put(GroupVersionResource("", "v1", "pods"), host)
    attrs = attributes(
        namespace("team", {ENFORCE: "baseline"}),
        operation=Operation.UPDATE,
        old=namespace("team"),
        resource=NAMESPACES,
        kind=NAMESPACE_KIND,
        namespace="team",
    )
    await plugin(objects).validate(attrs)
    assert warnings_of(attrs) == [
        'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
        "host: host namespaces",
        "web-a (and 2 other pods): privileged",
    ]


async def test_relaxing_the_enforce_level_checks_nothing() -> None:
    objects = FakeObjects((GroupVersionResource("", "v1", "pods"), privileged_pod("p", "team")))
    attrs = attributes(
        namespace("team", {ENFORCE: "baseline"}),
        operation=Operation.UPDATE,
        old=namespace("team", {ENFORCE: "restricted"}),
        resource=NAMESPACES,
        kind=NAMESPACE_KIND,
        namespace="team",
    )
    await plugin(objects).validate(attrs)
    assert warnings_of(attrs) == []


async def test_an_exempt_namespace_is_told_its_policy_is_ignored() -> None:
    config = {
        "apiVersion": "pod-security.admission.config.k8s.io/v1",
        "kind": "PodSecurityConfiguration",
        "exemptions": {"namespaces": ["kube-system"]},
    }
    attrs = attributes(
        namespace("kube-system", {ENFORCE: "restricted"}),
        resource=NAMESPACES,
        kind=NAMESPACE_KIND,
        namespace="kube-system",
    )
    await plugin(FakeObjects(), config).validate(attrs)
    assert warnings_of(attrs) == [
        'namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be '
        "ignored"
    ]


# --- configuration ------------------------------------------------------------------------------------------


def test_configuration_defaults_are_privileged_at_latest() -> None:
    config = load(
        {
            "apiVersion": "pod-security.admission.config.k8s.io/v1",
            "kind": "PodSecurityConfiguration",
            "defaults": {"enforce": "baseline", "warn-version": "v1.30"},
        }
    )
    assert config.defaults == Policy(lv("baseline"), lv("privileged"), lv("privileged", "v1.30"))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"defaults": {"enforce": "strict"}},
            'defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted',
        ),
        (
            {"exemptions": {"namespaces": ["Bad_Name", "ok", "ok"]}},
            r'\[exemptions.namespaces\[0\]: Invalid value: "Bad_Name": .*, '
            r'exemptions.namespaces\[2\]: Duplicate value: "ok"\]',
        ),
        ({"exemptions": {"usernames": [""]}}, "username must not be empty"),
        (
            {"defaults": {"enforce-verison": "v1"}},
            'strict decoding error: unknown field "defaults.enforce-verison"',
        ),
    ],
    ids=["bad level", "bad and duplicate namespaces", "empty username", "unknown field"],
)
def test_bad_configurations_are_refused_with_upstreams_field_errors(
    config: dict[str, Any], message: str
) -> None:
    document = {"apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration"}
    document.update(config)
    with pytest.raises(ConfigurationError, match=message):
        load(document)


async def test_configured_defaults_apply_to_unlabelled_namespaces() -> None:
    config = {
        "apiVersion": "pod-security.admission.config.k8s.io/v1beta1",
        "kind": "PodSecurityConfiguration",
        "defaults": {"enforce": "baseline"},
    }
    objects = FakeObjects((NAMESPACES, namespace("ns")))
    with pytest.raises(status.Forbidden, match='violates PodSecurity "baseline:latest": privileged'):
        await plugin(objects, config).validate(attributes(privileged_pod()))
