"""The resource registry: built-in resources as Kubernetes 1.32 serves them, and the discovery documents."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from importlib import resources as package_files
from pathlib import Path
from types import ModuleType
from typing import Literal

import pytest

from pinnace.api import (
    APIGroupInfo,
    GroupVersion,
    GroupVersionKind,
    GroupVersionResource,
    ResourceInfo,
    ResourceRegistry,
    builtin_registry,
)

REPO = Path(__file__).resolve().parents[2]

CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
STATUS_VERBS = ["get", "patch", "update"]


def gvr(api_version: str, resource: str) -> GroupVersionResource:
    return GroupVersion.parse(api_version).with_resource(resource)


def info(api_version: str, resource: str) -> ResourceInfo:
    found = builtin_registry().by_gvr(gvr(api_version, resource))
    assert found is not None, f"{resource} is not served at {api_version}"
    return found


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api_data", REPO / "hack" / "gen_api_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def test_the_committed_data_is_what_the_generator_produces_now() -> None:
    gen = load_generator()
    # CI clones the repository beside a copy of shared/, so the source document is always there.
    assert gen.DEFAULT_OPENAPI.exists(), f"the Kubernetes OpenAPI document is not at {gen.DEFAULT_OPENAPI}"
    committed = package_files.files("pinnace.api").joinpath("data").joinpath("resources.json").read_text()
    assert committed == gen.render(gen.load_openapi(gen.DEFAULT_OPENAPI)), "run: python hack/gen_api_data.py"


# Resources ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """One row: ``what`` is "api-version plural Kind"; the other lists are space-separated."""

    what: str
    scope: Literal["Namespaced", "Cluster"]
    short: str = ""
    categories: str = ""
    subresources: str = ""
    verbs: str = " ".join(CRUD)


RESOURCES = [
    pytest.param(
        Expect("apps/v1 deployments Deployment", "Namespaced", "deploy", "all", "scale status"),
        id="deployments are apps/v1, namespaced, deploy, in all, with scale and status",
    ),
    pytest.param(
        Expect("v1 nodes Node", "Cluster", "no", "", "proxy status"),
        id="nodes are cluster-scoped with short name no",
    ),
    pytest.param(
        Expect(
            "v1 pods Pod",
            "Namespaced",
            "po",
            "all",
            "attach binding ephemeralcontainers eviction exec log portforward proxy status",
        ),
        id="pods have po, are in all, and have the subresources kubectl uses but not the gated resize",
    ),
    pytest.param(
        Expect("v1 services Service", "Namespaced", "svc", "all", "proxy status"),
        id="services are svc and in all",
    ),
    pytest.param(
        Expect(
            "v1 namespaces Namespace",
            "Cluster",
            "ns",
            "",
            "finalize status",
            verbs=" ".join(CRUD[:2] + CRUD[3:]),
        ),
        id="namespaces are cluster-scoped, finalizable, and cannot be deleted as a collection",
    ),
    pytest.param(
        Expect("v1 endpoints Endpoints", "Namespaced", "ep"),
        id="endpoints keep their plural as singular kind name",
    ),
    pytest.param(
        Expect("v1 componentstatuses ComponentStatus", "Cluster", "cs", verbs="get list"),
        id="componentstatuses are read-only",
    ),
    pytest.param(Expect("v1 bindings Binding", "Namespaced", verbs="create"), id="bindings are create-only"),
    pytest.param(Expect("v1 secrets Secret", "Namespaced"), id="secrets have no short name"),
    pytest.param(
        Expect("batch/v1 jobs Job", "Namespaced", "", "all", "status"),
        id="jobs are in all without a short name",
    ),
    pytest.param(
        Expect("batch/v1 cronjobs CronJob", "Namespaced", "cj", "all", "status"),
        id="cronjobs are cj and in all",
    ),
    pytest.param(
        Expect(
            "autoscaling/v1 horizontalpodautoscalers HorizontalPodAutoscaler",
            "Namespaced",
            "hpa",
            "all",
            "status",
        ),
        id="horizontalpodautoscalers are served at autoscaling v1",
    ),
    pytest.param(
        Expect(
            "autoscaling/v2 horizontalpodautoscalers HorizontalPodAutoscaler",
            "Namespaced",
            "hpa",
            "all",
            "status",
        ),
        id="horizontalpodautoscalers are served at autoscaling v2",
    ),
    pytest.param(
        Expect("policy/v1 poddisruptionbudgets PodDisruptionBudget", "Namespaced", "pdb", "", "status"),
        id="poddisruptionbudgets are pdb",
    ),
    pytest.param(
        Expect("networking.k8s.io/v1 networkpolicies NetworkPolicy", "Namespaced", "netpol"),
        id="networkpolicies are netpol",
    ),
    pytest.param(
        Expect("networking.k8s.io/v1 ingresses Ingress", "Namespaced", "ing", "", "status"),
        id="ingresses are ing",
    ),
    pytest.param(
        Expect(
            "apiextensions.k8s.io/v1 customresourcedefinitions CustomResourceDefinition",
            "Cluster",
            "crd crds",
            "api-extensions",
            "status",
        ),
        id="customresourcedefinitions are cluster-scoped crd and crds in api-extensions",
    ),
    pytest.param(
        Expect(
            "admissionregistration.k8s.io/v1 validatingwebhookconfigurations ValidatingWebhookConfiguration",
            "Cluster",
            "",
            "api-extensions",
        ),
        id="webhook configurations are in api-extensions",
    ),
    pytest.param(
        Expect(
            "certificates.k8s.io/v1 certificatesigningrequests CertificateSigningRequest",
            "Cluster",
            "csr",
            "",
            "approval status",
        ),
        id="certificatesigningrequests are csr with approval",
    ),
    pytest.param(
        Expect("scheduling.k8s.io/v1 priorityclasses PriorityClass", "Cluster", "pc"),
        id="priorityclasses are pc",
    ),
    pytest.param(
        Expect("storage.k8s.io/v1 storageclasses StorageClass", "Cluster", "sc"),
        id="storageclasses are sc",
    ),
    pytest.param(
        Expect(
            "authorization.k8s.io/v1 selfsubjectaccessreviews SelfSubjectAccessReview",
            "Cluster",
            verbs="create",
        ),
        id="selfsubjectaccessreviews are create-only and cluster-scoped",
    ),
    pytest.param(
        Expect(
            "authorization.k8s.io/v1 localsubjectaccessreviews LocalSubjectAccessReview",
            "Namespaced",
            verbs="create",
        ),
        id="localsubjectaccessreviews are create-only and namespaced",
    ),
    pytest.param(
        Expect("authentication.k8s.io/v1 selfsubjectreviews SelfSubjectReview", "Cluster", verbs="create"),
        id="selfsubjectreviews answer kubectl auth whoami",
    ),
    pytest.param(
        Expect("coordination.k8s.io/v1 leases Lease", "Namespaced"),
        id="leases are plain namespaced resources",
    ),
]


@pytest.mark.parametrize("expect", RESOURCES)
def test_resource_facts_are_as_upstream(expect: Expect) -> None:
    api_version, resource, kind = expect.what.split()
    got = info(api_version, resource)
    assert (got.kind, got.singular) == (kind, kind.lower())
    assert got.namespaced is (expect.scope == "Namespaced")
    assert got.short_names == tuple(expect.short.split())
    assert got.categories == tuple(expect.categories.split())
    assert tuple(sorted(got.subresources)) == tuple(expect.subresources.split())
    assert got.verbs == tuple(expect.verbs.split())


@pytest.mark.parametrize(
    ("where", "kind", "verbs"),
    [
        pytest.param(
            "v1 pods eviction",
            "policy/v1 Eviction",
            "create",
            id="pods/eviction is a policy/v1 Eviction, which kubectl drain needs",
        ),
        pytest.param(
            "apps/v1 deployments scale",
            "autoscaling/v1 Scale",
            "get patch update",
            id="deployments/scale is an autoscaling/v1 Scale",
        ),
        pytest.param(
            "v1 replicationcontrollers scale",
            "autoscaling/v1 Scale",
            "get patch update",
            id="replicationcontrollers/scale is an autoscaling/v1 Scale",
        ),
        pytest.param(
            "apps/v1 deployments status",
            "apps/v1 Deployment",
            "get patch update",
            id="deployments/status returns the Deployment",
        ),
        pytest.param(
            "v1 serviceaccounts token",
            "authentication.k8s.io/v1 TokenRequest",
            "create",
            id="serviceaccounts/token creates an authentication.k8s.io/v1 TokenRequest",
        ),
        pytest.param(
            "v1 pods exec",
            "v1 PodExecOptions",
            "create get",
            id="pods/exec advertises the verbs of its GET and POST",
        ),
        pytest.param(
            "v1 pods proxy",
            "v1 PodProxyOptions",
            "create delete get patch update",
            id="pods/proxy advertises every proxied method but HEAD and OPTIONS",
        ),
        pytest.param("v1 pods log", "v1 Pod", "get", id="pods/log is get-only"),
        pytest.param("v1 pods binding", "v1 Binding", "create", id="pods/binding is create-only"),
        pytest.param(
            "v1 namespaces finalize", "v1 Namespace", "update", id="namespaces/finalize is update-only"
        ),
        pytest.param(
            "certificates.k8s.io/v1 certificatesigningrequests approval",
            "certificates.k8s.io/v1 CertificateSigningRequest",
            "get patch update",
            id="certificatesigningrequests/approval returns the request",
        ),
    ],
)
def test_subresource_kinds_and_verbs(where: str, kind: str, verbs: str) -> None:
    api_version, resource, subresource = where.split()
    sub = info(api_version, resource).subresources[subresource]
    assert sub.name == subresource
    assert sub.kind == GroupVersionKind.from_api_version(*kind.split())
    assert sub.verbs == tuple(verbs.split())


def test_kubectl_get_all_lists_exactly_upstreams_all_category() -> None:
    registry = builtin_registry()
    in_all = {
        (r.group, r.plural)
        for g in registry.groups()
        for r in registry.resources(GroupVersion(g.name, g.preferred_version))
        if "all" in r.categories
    }
    assert in_all == {
        ("", "pods"),
        ("", "services"),
        ("", "replicationcontrollers"),
        ("apps", "daemonsets"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("autoscaling", "horizontalpodautoscalers"),
        ("batch", "cronjobs"),
        ("batch", "jobs"),
    }


def test_every_resource_with_a_status_subresource_upstream_has_one() -> None:
    with_status = {(r.group, r.plural) for r in builtin_registry().resources() if "status" in r.subresources}
    assert with_status >= {
        ("", "pods"),
        ("", "nodes"),
        ("", "services"),
        ("", "namespaces"),
        ("", "persistentvolumes"),
        ("", "persistentvolumeclaims"),
        ("", "replicationcontrollers"),
        ("", "resourcequotas"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
        ("autoscaling", "horizontalpodautoscalers"),
        ("policy", "poddisruptionbudgets"),
        ("networking.k8s.io", "ingresses"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
        ("certificates.k8s.io", "certificatesigningrequests"),
    }
    assert ("", "configmaps") not in with_status


# Groups ---------------------------------------------------------------------------------------------------

APIS_ORDER = [
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
]


def test_groups_are_in_upstream_discovery_order_with_core_first() -> None:
    assert [g.name for g in builtin_registry().groups()] == ["", *APIS_ORDER]


@pytest.mark.parametrize(
    "group",
    [
        pytest.param("flowcontrol.apiserver.k8s.io", id="flow control is not served"),
        pytest.param("node.k8s.io", id="runtime classes are not served"),
        pytest.param("resource.k8s.io", id="dynamic resource allocation is not served"),
        pytest.param("apiregistration.k8s.io", id="API aggregation is not served"),
        pytest.param("storagemigration.k8s.io", id="storage migration is not served"),
        pytest.param("internal.apiserver.k8s.io", id="storage versions are not served"),
        pytest.param("metrics.k8s.io", id="metrics are not advertised without an implementation"),
        pytest.param("extensions", id="long-gone groups are not served"),
    ],
)
def test_groups_outside_the_served_set_are_not_advertised(group: str) -> None:
    registry = builtin_registry()
    assert registry.group(group) is None
    assert group not in {g["name"] for g in registry.discovery_api_group_list()["groups"]}
    assert group not in {i["metadata"].get("name") for i in registry.discovery_aggregated("/apis")["items"]}


@pytest.mark.parametrize(
    ("api_version", "served"),
    [
        pytest.param("v1", True, id="core v1 is served"),
        pytest.param("autoscaling/v2", True, id="autoscaling v2 is served"),
        pytest.param("autoscaling/v1", True, id="autoscaling v1 is served too"),
        pytest.param("apps/v1beta1", False, id="old versions of served groups are not"),
        pytest.param("networking.k8s.io/v1beta1", False, id="beta versions off by default are not"),
        pytest.param("storage.k8s.io/v1beta1", False, id="beta storage versions off by default are not"),
    ],
)
def test_served_group_versions(api_version: str, served: bool) -> None:
    assert builtin_registry().is_served(GroupVersion.parse(api_version)) is served


def test_autoscaling_prefers_v2() -> None:
    autoscaling = builtin_registry().group("autoscaling")
    assert autoscaling is not None
    assert (autoscaling.versions, autoscaling.preferred_version) == (("v2", "v1"), "v2")


# Lookups --------------------------------------------------------------------------------------------------


def test_lookups_by_gvk_and_group_resource() -> None:
    registry = builtin_registry()
    assert registry.by_gvk(GroupVersionKind("apps", "v1", "Deployment")) == info("apps/v1", "deployments")
    assert registry.by_gvk(GroupVersionKind("", "v1", "Event")) == info("v1", "events")
    assert registry.by_gvk(GroupVersionKind("events.k8s.io", "v1", "Event")) == info(
        "events.k8s.io/v1", "events"
    )
    assert registry.by_gvk(GroupVersionKind("autoscaling", "v1", "Scale")) is None, (
        "a subresource's kind only"
    )
    hpa = registry.by_group_resource("autoscaling", "horizontalpodautoscalers")
    assert hpa is not None and hpa.version == "v2"
    assert registry.by_group_resource("apps", "pods") is None
    assert registry.by_gvr(gvr("apps/v1", "widgets")) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("po", ("", "v1", "pods"), id="a short name"),
        pytest.param("pod", ("", "v1", "pods"), id="a singular name"),
        pytest.param("pods", ("", "v1", "pods"), id="a plural name"),
        pytest.param("Pod", ("", "v1", "pods"), id="a kind, case-insensitively"),
        pytest.param("deploy", ("apps", "v1", "deployments"), id="a short name of a named group"),
        pytest.param("deployments.apps", ("apps", "v1", "deployments"), id="resource dot group"),
        pytest.param(
            "deployments.v1.apps", ("apps", "v1", "deployments"), id="resource dot version dot group"
        ),
        pytest.param("hpa", ("autoscaling", "v2", "horizontalpodautoscalers"), id="the preferred version"),
        pytest.param(
            "hpa.v1.autoscaling", ("autoscaling", "v1", "horizontalpodautoscalers"), id="a pinned version"
        ),
        pytest.param("ev", ("", "v1", "events"), id="the core group wins an ambiguous short name"),
        pytest.param("events", ("", "v1", "events"), id="the core group wins an ambiguous plural"),
        pytest.param("events.events.k8s.io", ("events.k8s.io", "v1", "events"), id="a dotted group"),
        pytest.param(
            "ingresses.networking.k8s.io",
            ("networking.k8s.io", "v1", "ingresses"),
            id="a dotted group that looks like version dot group",
        ),
        pytest.param(
            "crds", ("apiextensions.k8s.io", "v1", "customresourcedefinitions"), id="a second short name"
        ),
        pytest.param("pods.apps", None, id="a resource of another group"),
        pytest.param("widgets", None, id="an unknown name"),
    ],
)
def test_resolve_names_as_kubectl_does(name: str, expected: tuple[str, str, str] | None) -> None:
    got = builtin_registry().resolve(name)
    assert (None if got is None else (got.group, got.version, got.plural)) == expected


def test_resource_info_is_a_hashable_value() -> None:
    pods = info("v1", "pods")
    assert hash(pods) == hash(info("v1", "pods"))
    assert pods.gvr == gvr("v1", "pods") and pods.gvk == GroupVersionKind("", "v1", "Pod")
    assert (pods.api_version, pods.list_kind) == ("v1", "PodList")
    assert pods.supports("deletecollection") and pods.supports("create", "eviction")
    assert not pods.supports("update", "log") and not pods.supports("get", "resize")
    with pytest.raises(TypeError):
        pods.subresources["scale"] = pods.subresources["status"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("groups", "resources", "message"),
    [
        pytest.param(
            [APIGroupInfo("", ("v1",))],
            [ResourceInfo("apps", "v1", "Deployment", "deployments", "deployment", True, ())],
            "not served",
            id="a resource of an unserved group-version is refused",
        ),
        pytest.param(
            [APIGroupInfo("", ("v1",))],
            [ResourceInfo("", "v1", "Pod", "pods", "pod", True, ())] * 2,
            "registered twice",
            id="a resource registered twice is refused",
        ),
    ],
)
def test_inconsistent_registries_are_refused(
    groups: list[APIGroupInfo], resources: list[ResourceInfo], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ResourceRegistry(groups, resources)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("apps/v1", GroupVersion("apps", "v1"), id="group slash version"),
        pytest.param("v1", GroupVersion("", "v1"), id="the core group"),
        pytest.param(
            "rbac.authorization.k8s.io/v1", GroupVersion("rbac.authorization.k8s.io", "v1"), id="dots"
        ),
        pytest.param("a/b/c", None, id="two slashes are refused"),
        pytest.param("", None, id="an empty string is refused"),
        pytest.param("apps/", None, id="an empty version is refused"),
    ],
)
def test_parse_group_version(text: str, expected: GroupVersion | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="unexpected GroupVersion"):
            GroupVersion.parse(text)
    else:
        assert GroupVersion.parse(text) == expected
        assert str(expected) == text


def test_gvk_and_gvr_print_as_apimachinery_does() -> None:
    assert str(GroupVersionKind("apps", "v1", "Deployment")) == "apps/v1, Kind=Deployment"
    assert str(GroupVersionKind("", "v1", "Pod")) == "/v1, Kind=Pod"
    assert str(gvr("v1", "pods")) == "/v1, Resource=pods"
    assert GroupVersionKind.from_api_version("batch/v1", "Job").api_version == "batch/v1"


# Legacy discovery -----------------------------------------------------------------------------------------


def test_api_lists_v1_and_the_server_address() -> None:
    assert builtin_registry().discovery_api_versions("10.0.0.1:6443") == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}],
    }


def test_apis_lists_named_groups_in_order_with_preferred_version_equal_to_an_entry() -> None:
    doc = builtin_registry().discovery_api_group_list()
    assert (doc["kind"], doc["apiVersion"]) == ("APIGroupList", "v1")
    assert [g["name"] for g in doc["groups"]] == APIS_ORDER
    for group in doc["groups"]:
        assert group["preferredVersion"] == group["versions"][0]
    autoscaling = next(g for g in doc["groups"] if g["name"] == "autoscaling")
    assert autoscaling == {
        "name": "autoscaling",
        "versions": [
            {"groupVersion": "autoscaling/v2", "version": "v2"},
            {"groupVersion": "autoscaling/v1", "version": "v1"},
        ],
        "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"},
    }


def test_apis_group_document() -> None:
    registry = builtin_registry()
    assert registry.discovery_api_group("apps") == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    }
    assert registry.discovery_api_group("") is None
    assert registry.discovery_api_group("node.k8s.io") is None


def api_resource(api_version: str, name: str) -> object:
    gv = GroupVersion.parse(api_version)
    doc = builtin_registry().discovery_api_resource_list(gv.group, gv.version)
    assert doc is not None
    return next((r for r in doc["resources"] if r["name"] == name), None)


@pytest.mark.parametrize(
    ("api_version", "name", "expected"),
    [
        pytest.param(
            "apps/v1",
            "deployments",
            {
                "name": "deployments",
                "singularName": "deployment",
                "namespaced": True,
                "kind": "Deployment",
                "verbs": CRUD,
                "shortNames": ["deploy"],
                "categories": ["all"],
            },
            id="deployments as kubectl reads them",
        ),
        pytest.param(
            "apps/v1",
            "deployments/scale",
            {
                "name": "deployments/scale",
                "singularName": "",
                "namespaced": True,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": STATUS_VERBS,
            },
            id="deployments/scale names the autoscaling/v1 Scale kind",
        ),
        pytest.param(
            "apps/v1",
            "deployments/status",
            {
                "name": "deployments/status",
                "singularName": "",
                "namespaced": True,
                "kind": "Deployment",
                "verbs": STATUS_VERBS,
            },
            id="deployments/status has no group or version of its own",
        ),
        pytest.param(
            "v1",
            "pods/eviction",
            {
                "name": "pods/eviction",
                "singularName": "",
                "namespaced": True,
                "group": "policy",
                "version": "v1",
                "kind": "Eviction",
                "verbs": ["create"],
            },
            id="pods/eviction names policy/v1, or kubectl drain falls back to v1beta1",
        ),
        pytest.param(
            "v1",
            "pods/log",
            {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
            id="pods/log is listed",
        ),
        pytest.param(
            "v1",
            "pods/exec",
            {
                "name": "pods/exec",
                "singularName": "",
                "namespaced": True,
                "kind": "PodExecOptions",
                "verbs": ["create", "get"],
            },
            id="pods/exec is listed",
        ),
        pytest.param(
            "v1",
            "pods/binding",
            {
                "name": "pods/binding",
                "singularName": "",
                "namespaced": True,
                "kind": "Binding",
                "verbs": ["create"],
            },
            id="pods/binding is listed",
        ),
        pytest.param(
            "v1",
            "nodes",
            {
                "name": "nodes",
                "singularName": "node",
                "namespaced": False,
                "kind": "Node",
                "verbs": CRUD,
                "shortNames": ["no"],
            },
            id="nodes are cluster-scoped",
        ),
        pytest.param(
            "v1", "pods/resize", None, id="pods/resize is not listed, as its feature gate is off in 1.32"
        ),
    ],
)
def test_api_resource_list_entries(api_version: str, name: str, expected: object) -> None:
    assert api_resource(api_version, name) == expected


def test_api_resource_keys_come_in_upstreams_order() -> None:
    # Byte-for-byte diffs against a real server's /apis/apps/v1 stay quiet only if keys are ordered alike.
    scale = api_resource("apps/v1", "deployments/scale")
    deployments = api_resource("apps/v1", "deployments")
    assert isinstance(scale, dict) and isinstance(deployments, dict)
    assert list(scale) == ["name", "singularName", "namespaced", "group", "version", "kind", "verbs"]
    assert list(deployments) == [
        "name",
        "singularName",
        "namespaced",
        "kind",
        "verbs",
        "shortNames",
        "categories",
    ]


def test_api_resource_list_is_sorted_by_name_as_upstream() -> None:
    doc = builtin_registry().discovery_api_resource_list("", "v1")
    assert doc is not None
    assert (doc["kind"], doc["apiVersion"], doc["groupVersion"]) == ("APIResourceList", "v1", "v1")
    names = [r["name"] for r in doc["resources"]]
    assert names == sorted(names)
    assert names.index("pods") < names.index("pods/attach") < names.index("podtemplates")


@pytest.mark.parametrize(
    ("group", "version"),
    [
        pytest.param("flowcontrol.apiserver.k8s.io", "v1", id="an unserved group"),
        pytest.param("apps", "v1beta2", id="an unserved version of a served group"),
        pytest.param("", "v2", id="an unknown core version"),
    ],
)
def test_unserved_group_versions_have_no_resource_list(group: str, version: str) -> None:
    assert builtin_registry().discovery_api_resource_list(group, version) is None


# Aggregated discovery -------------------------------------------------------------------------------------


def test_aggregated_apis_lists_every_named_group_in_order() -> None:
    doc = builtin_registry().discovery_aggregated("/apis")
    assert (doc["kind"], doc["apiVersion"], doc["metadata"]) == (
        "APIGroupDiscoveryList",
        "apidiscovery.k8s.io/v2",
        {},
    )
    assert [item["metadata"].get("name") for item in doc["items"]] == APIS_ORDER
    autoscaling = next(i for i in doc["items"] if i["metadata"].get("name") == "autoscaling")
    assert [(v["version"], v["freshness"]) for v in autoscaling["versions"]] == [
        ("v2", "Current"),
        ("v1", "Current"),
    ]


def test_aggregated_deployments_as_upstream_serves_them() -> None:
    doc = builtin_registry().discovery_aggregated("/apis")
    apps = next(i for i in doc["items"] if i["metadata"].get("name") == "apps")
    deployments = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deployments == {
        "resource": "deployments",
        "responseKind": {"group": "", "version": "", "kind": "Deployment"},
        "scope": "Namespaced",
        "singularResource": "deployment",
        "verbs": CRUD,
        "shortNames": ["deploy"],
        "categories": ["all"],
        "subresources": [
            {
                "subresource": "scale",
                "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                "verbs": STATUS_VERBS,
            },
            {
                "subresource": "status",
                "responseKind": {"group": "", "version": "", "kind": "Deployment"},
                "verbs": STATUS_VERBS,
            },
        ],
    }


def test_aggregated_api_is_the_core_group_alone_without_a_name() -> None:
    doc = builtin_registry().discovery_aggregated("/api", version="v2beta1")
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2beta1"
    [core] = doc["items"]
    assert core["metadata"] == {}
    [v1] = core["versions"]
    nodes = next(r for r in v1["resources"] if r["resource"] == "nodes")
    assert (nodes["scope"], nodes["singularResource"], nodes.get("shortNames")) == ("Cluster", "node", ["no"])
    pods = next(r for r in v1["resources"] if r["resource"] == "pods")
    eviction = next(s for s in pods.get("subresources", []) if s["subresource"] == "eviction")
    assert eviction["responseKind"] == {"group": "policy", "version": "v1", "kind": "Eviction"}


def test_every_aggregated_resource_has_a_response_kind() -> None:
    # client-go rejects a resource without one (aggregated_discovery.go).
    paths: tuple[Literal["/api", "/apis"], ...] = ("/api", "/apis")
    for path in paths:
        for item in builtin_registry().discovery_aggregated(path)["items"]:
            for version in item["versions"]:
                for resource in version["resources"]:
                    assert resource["responseKind"]["kind"], resource["resource"]
