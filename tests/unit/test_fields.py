"""Field selectors (apimachinery pkg/fields/selector.go) and each kind's field labels in Kubernetes 1.32.

Parser outputs and messages were produced by upstream's own code (apimachinery v0.32.9); the per-kind tables
follow kubernetes pkg/apis/*/v1/conversion.go and pkg/registry/*/*/strategy.go.
"""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.fields import (
    EVERYTHING,
    NOTHING,
    FieldRequirement,
    FieldSelector,
    escape_value,
    parse_field_selector,
    selector_from_set,
    unescape_value,
)
from pinnace.api.fieldsets import (
    UnsupportedFieldError,
    convert_field_selector,
    custom_resource_field_labels,
    field_labels,
    field_set,
    supported_fields,
)
from pinnace.api.labels import Operator, SelectorParseError

EQ, NE = Operator.EQUALS, Operator.NOT_EQUALS


# Parsing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "requirements"),
    [
        pytest.param("", "", [], id="an empty selector selects everything"),
        pytest.param(
            "spec.nodeName=node1", "spec.nodeName=node1", [("spec.nodeName", EQ, "node1")], id="drain"
        ),
        pytest.param(
            "status.phase!=Succeeded,status.phase!=Failed",
            "status.phase!=Failed,status.phase!=Succeeded",
            [("status.phase", NE, "Failed"), ("status.phase", NE, "Succeeded")],
            id="kubectl describe node's running pods, terms sorted",
        ),
        pytest.param(
            "involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid=1234",
            "involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid=1234",
            [
                ("involvedObject.name", EQ, "p"),
                ("involvedObject.namespace", EQ, "ns"),
                ("involvedObject.uid", EQ, "1234"),
            ],
            id="kubectl describe's events of an object",
        ),
        pytest.param("a==b", "a=b", [("a", EQ, "b")], id="double equals is plain equality"),
        pytest.param(
            "a=b\\,c\\=d\\\\e",
            "a=b\\,c\\=d\\\\e",
            [("a", EQ, "b,c=d\\e")],
            id="escaped comma, equals and backslash",
        ),
        pytest.param("a = b", "a = b", [("a ", EQ, " b")], id="whitespace belongs to field and value"),
        pytest.param("a=", "a=", [("a", EQ, "")], id="an empty value"),
        pytest.param("=", "", [], id="a term with neither field nor value is dropped"),
        pytest.param("a=1,,b=2", "a=1,b=2", [("a", EQ, "1"), ("b", EQ, "2")], id="empty terms are skipped"),
        pytest.param("x=é", "x=é", [("x", EQ, "é")], id="unicode values"),
        pytest.param("a!=b,a!=c", "a!=b,a!=c", [("a", NE, "b"), ("a", NE, "c")], id="the same field twice"),
    ],
)
def test_a_valid_field_selector(
    text: str, canonical: str, requirements: list[tuple[str, Operator, str]]
) -> None:
    selector = parse_field_selector(text)
    assert str(selector) == canonical
    assert [(r.field, r.operator, r.value) for r in selector.requirements] == requirements
    assert parse_field_selector(canonical) == selector, "the canonical form parses back to the same selector"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("a", "invalid selector: 'a'; can't understand 'a'", id="a term without an operator"),
        pytest.param(
            "b=1,a",
            "invalid selector: 'b=1,a'; can't understand 'a'",
            id="the message names the whole selector",
        ),
        pytest.param(
            "a=b=c", "invalid field selector: unescaped character in value: 61", id="a bare equals sign"
        ),
        pytest.param(
            "a=b\\c", "invalid field selector: invalid escape sequence: \\c", id="an unknown escape"
        ),
        pytest.param(
            "a=b\\", "invalid field selector: invalid escape sequence: \\", id="a trailing backslash"
        ),
    ],
)
def test_an_invalid_field_selector_is_rejected_with_upstreams_message(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        parse_field_selector(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("plain", id="plain"),
        pytest.param("a,b=c\\d", id="every special character"),
        pytest.param("\\\\,,==", id="runs of special characters"),
        pytest.param("", id="empty"),
    ],
)
def test_escaping_round_trips(value: str) -> None:
    assert unescape_value(escape_value(value)) == value
    assert parse_field_selector(f"f={escape_value(value)}").requirements[0].value == value


# Matching --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        pytest.param("spec.nodeName=node1", {"spec.nodeName": "node1"}, True, id="equal value"),
        pytest.param("spec.nodeName=node1", {"spec.nodeName": "node2"}, False, id="another value"),
        pytest.param("spec.nodeName=", {}, True, id="an absent field equals the empty value"),
        pytest.param("a!=b", {}, True, id="an absent field differs from any value"),
        pytest.param(
            "status.phase!=Succeeded,status.phase!=Failed",
            {"status.phase": "Running"},
            True,
            id="running pod",
        ),
        pytest.param(
            "status.phase!=Succeeded,status.phase!=Failed", {"status.phase": "Failed"}, False, id="failed pod"
        ),
        pytest.param("", {}, True, id="everything"),
    ],
)
def test_field_matching(text: str, fields: dict[str, str], expected: bool) -> None:
    assert parse_field_selector(text).matches(fields) is expected


def test_everything_nothing_and_exact_matches() -> None:
    assert EVERYTHING.is_empty and EVERYTHING.matches({})
    assert not NOTHING.is_empty and not NOTHING.matches({}) and str(NOTHING) == ""
    selector = parse_field_selector("metadata.name!=x,metadata.name=web,spec.nodeName=n")
    assert selector.requires_exact_match("metadata.name") == "web"
    assert selector.requires_exact_match("status.phase") is None
    assert FieldSelector.one_term_equal("metadata.name", "web") == selector_from_set({"metadata.name": "web"})
    assert str(selector_from_set({"b": "x,y", "a": "1"})) == "a=1,b=x\\,y"


def test_transform_rewrites_terms_and_drops_emptied_ones() -> None:
    selector = parse_field_selector("spec.host=n1,drop=me")

    def rename(field: str, value: str) -> tuple[str, str]:
        return ("", "") if field == "drop" else ("spec.nodeName", value)

    assert selector.transform(rename) == FieldSelector((FieldRequirement("spec.nodeName", EQ, "n1"),))
    assert NOTHING.transform(rename) is NOTHING


# Supported field labels per kind ---------------------------------------------------------------------------

META = {"metadata.name", "metadata.namespace"}


@pytest.mark.parametrize(
    ("group", "kind", "labels"),
    [
        pytest.param(
            "",
            "Pod",
            META
            | {
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
                "spec.host",
            },
            id="pods",
        ),
        pytest.param("", "Node", {"metadata.name", "spec.unschedulable"}, id="nodes are cluster-scoped"),
        pytest.param(
            "",
            "Event",
            META
            | {
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            },
            id="core events",
        ),
        pytest.param(
            "events.k8s.io",
            "Event",
            META
            | {
                "regarding.kind",
                "regarding.namespace",
                "regarding.name",
                "regarding.uid",
                "regarding.apiVersion",
                "regarding.resourceVersion",
                "regarding.fieldPath",
                "reason",
                "reportingController",
                "source",
                "type",
            },
            id="events.k8s.io events use their own field names",
        ),
        pytest.param("", "Secret", META | {"type"}, id="secrets"),
        pytest.param("", "Namespace", {"metadata.name", "status.phase"}, id="namespaces"),
        pytest.param("", "ReplicationController", META | {"status.replicas"}, id="replication controllers"),
        pytest.param("", "Service", META | {"spec.clusterIP", "spec.type"}, id="services since 1.31"),
        pytest.param("batch", "Job", META | {"status.successful"}, id="jobs"),
        pytest.param(
            "certificates.k8s.io",
            "CertificateSigningRequest",
            {"metadata.name", "spec.signerName"},
            id="csrs",
        ),
        pytest.param("apps", "ReplicaSet", META, id="apps/v1 has no conversion, so no status.replicas"),
        pytest.param("", "ConfigMap", META, id="a kind without a conversion func"),
        pytest.param(
            "rbac.authorization.k8s.io",
            "ClusterRole",
            META,
            id="the default accepts a namespace even when cluster-scoped",
        ),
    ],
)
def test_supported_fields(group: str, kind: str, labels: set[str]) -> None:
    assert supported_fields(group, kind) == frozenset(labels)


@pytest.mark.parametrize(
    ("group", "kind", "label", "message"),
    [
        pytest.param("", "Pod", "spec.foo", "field label not supported: spec.foo", id="pods"),
        pytest.param(
            "", "Node", "metadata.namespace", "field label not supported: metadata.namespace", id="nodes"
        ),
        pytest.param(
            "events.k8s.io",
            "Event",
            "involvedObject.name",
            "field label not supported: involvedObject.name",
            id="events.k8s.io rejects the core spelling",
        ),
        pytest.param(
            "batch",
            "Job",
            "status.succeeded",
            'field label "status.succeeded" not supported for batchv1.Job',
            id="jobs",
        ),
        pytest.param(
            "apps",
            "ReplicaSet",
            "status.replicas",
            '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
            id="kinds without a conversion func",
        ),
    ],
)
def test_an_unsupported_field_label_is_rejected_with_the_kinds_message(
    group: str, kind: str, label: str, message: str
) -> None:
    selector = parse_field_selector(f"metadata.name=x,{label}=v")
    with pytest.raises(UnsupportedFieldError) as caught:
        convert_field_selector(group, kind, selector)
    assert str(caught.value) == message
    assert caught.value.label == label


def test_the_first_rejected_term_in_sorted_order_is_reported() -> None:
    with pytest.raises(UnsupportedFieldError) as caught:
        convert_field_selector("", "Pod", parse_field_selector("zzz=1,aaa=2"))
    assert str(caught.value) == "field label not supported: aaa"


# Field sets (GetAttrs) -------------------------------------------------------------------------------------


def pod(
    name: str = "p",
    namespace: str = "ns",
    spec: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec or {},
        "status": status or {},
    }


def core_event(involved: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "ns"},
        "involvedObject": involved,
        **fields,
    }


def test_a_pods_field_set() -> None:
    obj = pod(
        spec={
            "nodeName": "node1",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "hostNetwork": True,
        },
        status={"phase": "Running", "podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]},
    )
    assert field_set("", "Pod", obj) == {
        "metadata.name": "p",
        "metadata.namespace": "ns",
        "spec.nodeName": "node1",
        "spec.restartPolicy": "Always",
        "spec.schedulerName": "default-scheduler",
        "spec.serviceAccountName": "",
        "spec.hostNetwork": "true",
        "status.phase": "Running",
        "status.podIP": "10.0.0.1",
        "status.nominatedNodeName": "",
    }


@pytest.mark.parametrize(
    ("obj", "label", "value"),
    [
        pytest.param(pod(), "spec.hostNetwork", "false", id="host network defaults to false"),
        pytest.param(
            pod(status={"podIP": "10.0.0.9"}), "status.podIP", "10.0.0.9", id="pod ip without pod ips"
        ),
        pytest.param(
            pod(status={"podIPs": [{"ip": "fd00::2"}]}),
            "status.podIP",
            "fd00::2",
            id="the first pod ip is primary",
        ),
        pytest.param(
            pod(spec={"serviceAccount": "old"}),
            "spec.serviceAccountName",
            "old",
            id="the deprecated service account",
        ),
        pytest.param(
            pod(spec={"serviceAccount": "old", "serviceAccountName": "new"}),
            "spec.serviceAccountName",
            "new",
            id="service account name wins",
        ),
    ],
)
def test_pod_fields_follow_the_internal_conversion(obj: dict[str, Any], label: str, value: str) -> None:
    assert field_set("", "Pod", obj)[label] == value


@pytest.mark.parametrize(
    ("group", "kind", "obj", "expected"),
    [
        pytest.param(
            "",
            "Node",
            {"metadata": {"name": "n1"}, "spec": {"unschedulable": True}},
            {"metadata.name": "n1", "spec.unschedulable": "true"},
            id="a cordoned node",
        ),
        pytest.param(
            "",
            "Node",
            {"metadata": {"name": "n1"}},
            {"metadata.name": "n1", "spec.unschedulable": "false"},
            id="an uncordoned node",
        ),
        pytest.param(
            "",
            "ReplicationController",
            {"metadata": {"name": "rc", "namespace": "ns"}, "status": {"replicas": 3}},
            {"metadata.name": "rc", "metadata.namespace": "ns", "status.replicas": "3"},
            id="replicas in decimal",
        ),
        pytest.param(
            "batch",
            "Job",
            {"metadata": {"name": "j", "namespace": "ns"}, "status": {}},
            {"metadata.name": "j", "metadata.namespace": "ns", "status.successful": "0"},
            id="a job's succeeded count defaults to 0",
        ),
        pytest.param(
            "",
            "Secret",
            {"metadata": {"name": "s", "namespace": "ns"}, "type": "kubernetes.io/tls"},
            {"metadata.name": "s", "metadata.namespace": "ns", "type": "kubernetes.io/tls"},
            id="a secret's type",
        ),
        pytest.param(
            "",
            "Namespace",
            {"metadata": {"name": "ns"}, "status": {"phase": "Terminating"}},
            {"metadata.name": "ns", "status.phase": "Terminating", "name": "ns"},
            id="a namespace keeps the legacy name field",
        ),
        pytest.param(
            "",
            "Service",
            {
                "metadata": {"name": "svc", "namespace": "ns"},
                "spec": {"clusterIP": "None", "type": "ClusterIP"},
            },
            {
                "metadata.name": "svc",
                "metadata.namespace": "ns",
                "spec.clusterIP": "None",
                "spec.type": "ClusterIP",
            },
            id="a headless service",
        ),
        pytest.param(
            "certificates.k8s.io",
            "CertificateSigningRequest",
            {"metadata": {"name": "csr"}, "spec": {"signerName": "kubernetes.io/kubelet-serving"}},
            {"metadata.name": "csr", "spec.signerName": "kubernetes.io/kubelet-serving"},
            id="a csr's signer",
        ),
        pytest.param(
            "",
            "ConfigMap",
            {"metadata": {"name": "cm", "namespace": "ns"}, "data": {"a": "b"}},
            {"metadata.name": "cm", "metadata.namespace": "ns"},
            id="any other namespaced kind",
        ),
        pytest.param(
            "rbac.authorization.k8s.io",
            "ClusterRole",
            {"metadata": {"name": "admin"}},
            {"metadata.name": "admin"},
            id="any other cluster-scoped kind",
        ),
    ],
)
def test_field_sets(group: str, kind: str, obj: dict[str, Any], expected: dict[str, str]) -> None:
    assert field_set(group, kind, obj) == expected


def test_the_scope_of_a_kind_without_a_conversion_only_decides_the_namespace_key() -> None:
    role = {"metadata": {"name": "admin"}}
    assert field_labels("rbac.authorization.k8s.io", "ClusterRole", namespaced=False).field_set(role) == {
        "metadata.name": "admin"
    }
    assert field_labels("", "ConfigMap", namespaced=True).field_set(role) == {
        "metadata.name": "admin",
        "metadata.namespace": "",
    }


def test_an_events_source_falls_back_to_its_reporting_controller() -> None:
    reported = core_event({"name": "p"}, reportingComponent="kubelet")
    sourced = core_event({"name": "p"}, source={"component": "scheduler"}, reportingComponent="kubelet")
    assert field_set("", "Event", reported)["source"] == "kubelet"
    assert field_set("", "Event", sourced)["source"] == "scheduler"


def test_an_events_k8s_io_event_has_the_core_field_set() -> None:
    involved = {"kind": "Pod", "name": "p", "namespace": "ns", "uid": "u1", "apiVersion": "v1"}
    core = core_event(involved, reason="Pulled", type="Normal", reportingComponent="kubelet")
    events_v1 = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "ns"},
        "regarding": involved,
        "reason": "Pulled",
        "type": "Normal",
        "reportingController": "kubelet",
    }
    assert field_set("events.k8s.io", "Event", events_v1) == field_set("", "Event", core)
    # Either shape can sit in storage: the apiVersion says which one it is.
    assert field_set("events.k8s.io", "Event", core) == field_set("", "Event", core)


# From query string to matching objects ---------------------------------------------------------------------


def select(group: str, kind: str, text: str, objects: list[dict[str, Any]]) -> list[str]:
    """What the API server does with ?fieldSelector=: parse, convert the labels, match each object."""
    labels = field_labels(group, kind)
    selector = labels.transform(parse_field_selector(text))
    return [obj["metadata"]["name"] for obj in objects if selector.matches(labels.field_set(obj))]


PODS = [
    pod("running-on-1", spec={"nodeName": "node1"}, status={"phase": "Running"}),
    pod("done-on-1", spec={"nodeName": "node1"}, status={"phase": "Succeeded"}),
    pod("failed-on-2", spec={"nodeName": "node2"}, status={"phase": "Failed"}),
    pod("pending", status={"phase": "Pending"}),
]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        pytest.param(
            "spec.nodeName=node1", ["running-on-1", "done-on-1"], id="kubectl drain lists a node's pods"
        ),
        pytest.param(
            "status.phase!=Succeeded,status.phase!=Failed",
            ["running-on-1", "pending"],
            id="non-terminated pods",
        ),
        pytest.param(
            "spec.nodeName=node1,status.phase!=Succeeded,status.phase!=Failed",
            ["running-on-1"],
            id="kubectl describe node",
        ),
        pytest.param("spec.nodeName=", ["pending"], id="unscheduled pods"),
        pytest.param("spec.host=node2", ["failed-on-2"], id="old clients' spec.host means spec.nodeName"),
        pytest.param("status.podIPs=10.0.0.1", [], id="status.podIPs is accepted but never set"),
        pytest.param("metadata.namespace=ns,metadata.name=pending", ["pending"], id="by name and namespace"),
    ],
)
def test_pods_selected_by_field(text: str, names: list[str]) -> None:
    assert select("", "Pod", text, PODS) == names


def test_kubectl_describe_finds_an_objects_events() -> None:
    uid = "1f0a6c2e-0000-4000-8000-000000000001"
    events = [
        core_event({"kind": "Pod", "name": "p", "namespace": "ns", "uid": uid})
        | {"metadata": {"name": "mine"}},
        core_event({"kind": "Pod", "name": "p", "namespace": "ns", "uid": "old"})
        | {"metadata": {"name": "old-p"}},
        core_event({"kind": "Pod", "name": "q", "namespace": "ns", "uid": uid})
        | {"metadata": {"name": "other"}},
    ]
    text = f"involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid={uid}"
    assert select("", "Event", text, events) == ["mine"]
    # The same events read through events.k8s.io/v1 are selected by their regarding.* names.
    assert select("events.k8s.io", "Event", f"regarding.name=p,regarding.uid={uid}", events) == ["mine"]


# Custom resources ------------------------------------------------------------------------------------------


def test_custom_resources_select_by_name_namespace_and_selectable_fields() -> None:
    labels = custom_resource_field_labels(
        namespaced=True, selectable_fields=[".spec.color", ".spec.size", ".spec.on"]
    )
    assert labels.supported == frozenset(META | {"spec.color", "spec.size", "spec.on"})
    obj = {"metadata": {"name": "w", "namespace": "ns"}, "spec": {"color": "red", "size": 3, "on": False}}
    assert labels.field_set(obj) == {
        "metadata.name": "w",
        "metadata.namespace": "ns",
        "spec.color": "red",
        "spec.size": "3",
        "spec.on": "false",
    }
    assert labels.field_set({"metadata": {"name": "w", "namespace": "ns"}})["spec.color"] == ""


def test_a_cluster_scoped_custom_resource_rejects_the_namespace_field() -> None:
    labels = custom_resource_field_labels(namespaced=False)
    with pytest.raises(UnsupportedFieldError) as caught:
        labels.transform(parse_field_selector("metadata.namespace=ns"))
    assert str(caught.value) == "field label not supported: metadata.namespace"
