#!/usr/bin/env python3
"""Generate ``pinnace/api/data/resources.json``: the built-in resources Pinnace serves, as Kubernetes 1.32.

Most facts come from the Kubernetes 1.32 OpenAPI v2 document (``shared/api-data``): each path operation
carries ``x-kubernetes-action`` and ``x-kubernetes-group-version-kind``, and from the paths follow every
resource's group, version, kind, plural, scope (a ``/namespaces/{namespace}/`` path), discovery verbs, and
subresources with their kinds. What OpenAPI does not hold is kept by hand below, each table naming where
upstream keeps it: which group-versions are served (and their discovery priorities), short names and
categories. Singular names are the lower-cased kind for every built-in resource (each 1.32 REST storage's
``GetSingularName()``).

Run ``python hack/gen_api_data.py`` after changing a table; ``--check`` fails when the committed file is
stale. A unit test compares the two as well, so nobody edits the JSON by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "pinnace" / "api" / "data" / "resources.json"
OPENAPI_NAME = "kubernetes-1.32-openapi-v2.json"
# The shared interface data sits beside the checkout (see shared/api-data/README.md).
DEFAULT_OPENAPI = REPO.parent / "shared" / "api-data" / OPENAPI_NAME

# Served group-versions: group -> (group priority, {version: version priority}). The priorities are
# kube-apiserver's APIService priorities (cmd/kube-apiserver/app/aggregator.go `apiVersionPriorities` merged
# with pkg/controlplane/apiserver/aggregator.go `DefaultGenericAPIServicePriorities`): /apis lists groups by
# group priority, highest first, ties by name; a group lists its versions by version priority, and the first
# is the preferred version. Groups outside this table are not advertised (wire-notes §1.2: a listed group that
# fails discovery makes kubectl print errors).
SERVED: dict[str, tuple[int, dict[str, int]]] = {
    "": (18000, {"v1": 1}),
    "apps": (17800, {"v1": 15}),
    "events.k8s.io": (17750, {"v1": 15}),
    "authentication.k8s.io": (17700, {"v1": 15}),
    "authorization.k8s.io": (17600, {"v1": 15}),
    "autoscaling": (17500, {"v2": 30, "v1": 15}),
    "batch": (17400, {"v1": 15}),
    "certificates.k8s.io": (17300, {"v1": 15}),
    "networking.k8s.io": (17200, {"v1": 15}),
    "policy": (17100, {"v1": 15}),
    "rbac.authorization.k8s.io": (17000, {"v1": 15}),
    "storage.k8s.io": (16800, {"v1": 15}),
    "admissionregistration.k8s.io": (16700, {"v1": 15}),
    "apiextensions.k8s.io": (16700, {"v1": 15}),
    "scheduling.k8s.io": (16600, {"v1": 15}),
    "coordination.k8s.io": (16500, {"v1": 15}),
    "discovery.k8s.io": (16200, {"v1": 15}),
}

# Parts of served group-versions that the 1.32 OpenAPI document lists but a default 1.32 cluster does not
# serve: (group, version, "resource" or "resource/subresource") -> why.
NOT_SERVED: dict[tuple[str, str, str], str] = {
    # pkg/registry/core/rest/storage_core.go installs pods/resize only with the InPlacePodVerticalScaling
    # feature gate, alpha and off by default in 1.32.
    ("", "v1", "pods/resize"): "feature gate InPlacePodVerticalScaling is off by default in 1.32",
}

# (group, plural) -> short names, as each REST storage's ShortNames() returns them (pkg/registry/*/*/storage).
SHORT_NAMES: dict[tuple[str, str], list[str]] = {
    ("", "componentstatuses"): ["cs"],
    ("", "configmaps"): ["cm"],
    ("", "endpoints"): ["ep"],
    ("", "events"): ["ev"],
    ("", "limitranges"): ["limits"],
    ("", "namespaces"): ["ns"],
    ("", "nodes"): ["no"],
    ("", "persistentvolumeclaims"): ["pvc"],
    ("", "persistentvolumes"): ["pv"],
    ("", "pods"): ["po"],
    ("", "replicationcontrollers"): ["rc"],
    ("", "resourcequotas"): ["quota"],
    ("", "serviceaccounts"): ["sa"],
    ("", "services"): ["svc"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["crd", "crds"],
    ("apps", "daemonsets"): ["ds"],
    ("apps", "deployments"): ["deploy"],
    ("apps", "replicasets"): ["rs"],
    ("apps", "statefulsets"): ["sts"],
    ("autoscaling", "horizontalpodautoscalers"): ["hpa"],
    ("batch", "cronjobs"): ["cj"],
    ("certificates.k8s.io", "certificatesigningrequests"): ["csr"],
    ("events.k8s.io", "events"): ["ev"],
    ("networking.k8s.io", "ingresses"): ["ing"],
    ("networking.k8s.io", "networkpolicies"): ["netpol"],
    ("policy", "poddisruptionbudgets"): ["pdb"],
    ("scheduling.k8s.io", "priorityclasses"): ["pc"],
    ("storage.k8s.io", "storageclasses"): ["sc"],
}

# (group, plural) -> categories, as each REST storage's Categories() returns them. "all" is what
# `kubectl get all` lists; "api-extensions" marks the resources that extend the API.
CATEGORIES: dict[tuple[str, str], list[str]] = {
    ("", "pods"): ["all"],
    ("", "replicationcontrollers"): ["all"],
    ("", "services"): ["all"],
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): ["api-extensions"],
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"): ["api-extensions"],
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): ["api-extensions"],
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): ["api-extensions"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["api-extensions"],
    ("apiregistration.k8s.io", "apiservices"): ["api-extensions"],
    ("apps", "daemonsets"): ["all"],
    ("apps", "deployments"): ["all"],
    ("apps", "replicasets"): ["all"],
    ("apps", "statefulsets"): ["all"],
    ("autoscaling", "horizontalpodautoscalers"): ["all"],
    ("batch", "cronjobs"): ["all"],
    ("batch", "jobs"): ["all"],
}

# x-kubernetes-action -> discovery verb (apiserver endpoints/installer.go `toDiscoveryKubeVerb`).
ACTION_VERBS = {
    "get": "get",
    "list": "list",
    "watch": "watch",
    "watchlist": "watch",
    "post": "create",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
    "deletecollection": "deletecollection",
}
# A connect subresource (exec, attach, portforward, proxy) advertises the verbs of the HTTP methods it
# accepts; HEAD and OPTIONS have no verb.
CONNECT_METHOD_VERBS = {"get": "get", "post": "create", "put": "update", "patch": "patch", "delete": "delete"}

PATH_RE = re.compile(r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))/(?P<rest>.+)$")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")

Kind = tuple[str, str, str]  # group, version, kind


@dataclass
class _Part:
    """What the paths say about a resource (subresource "") or one of its subresources."""

    kinds: set[Kind] = field(default_factory=set)
    verbs: set[str] = field(default_factory=set)


@dataclass
class _Resource:
    group: str
    version: str
    plural: str
    namespaced: bool = False
    parts: dict[str, _Part] = field(default_factory=dict)


def load_openapi(path: Path = DEFAULT_OPENAPI) -> dict[str, Any]:
    with path.open("rb") as f:
        spec: dict[str, Any] = json.load(f)
    return spec


def _split_path(path: str) -> tuple[str, str, str, str, bool] | None:
    """``/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale``
    -> ``("apps", "v1", "deployments", "scale", True)``; None for paths that name no resource."""
    m = PATH_RE.match(path)
    if m is None:
        return None
    group, version = ("", "v1") if m["core"] else (m["group"], m["version"])
    segments = m["rest"].strip("/").split("/")
    if segments[0] == "watch":  # the deprecated /watch/ paths carry the watch verb
        segments = segments[1:]
    namespaced = len(segments) >= 3 and segments[0] == "namespaces" and segments[1] == "{namespace}"
    if namespaced:
        segments = segments[2:]
    if not segments or not segments[0] or segments[0].startswith("{"):
        return None
    subresource = segments[2] if len(segments) >= 3 else ""
    return group, version, segments[0], subresource, namespaced


def collect(spec: Mapping[str, Any]) -> dict[tuple[str, str, str], _Resource]:
    """Every resource of every group-version in the document, keyed by (group, version, plural)."""
    resources: dict[tuple[str, str, str], _Resource] = {}
    for path, item in spec["paths"].items():
        split = _split_path(path)
        if split is None:
            continue
        group, version, plural, subresource, namespaced = split
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None or "x-kubernetes-action" not in op:
                continue
            action = op["x-kubernetes-action"]
            verb = CONNECT_METHOD_VERBS.get(method) if action == "connect" else ACTION_VERBS[action]
            gvk = op["x-kubernetes-group-version-kind"]
            resource = resources.setdefault((group, version, plural), _Resource(group, version, plural))
            resource.namespaced |= namespaced
            part = resource.parts.setdefault(subresource, _Part())
            part.kinds.add((gvk["group"], gvk["version"], gvk["kind"]))
            if verb is not None:
                part.verbs.add(verb)
    return resources


def _only_kind(resource: _Resource, subresource: str) -> Kind:
    kinds = resource.parts[subresource].kinds
    if len(kinds) != 1:
        name = "/".join(filter(None, (resource.plural, subresource)))
        raise SystemExit(
            f"{resource.group}/{resource.version} {name}: expected one kind, found {sorted(kinds)}"
        )
    return next(iter(kinds))


def _check_tables(resources: Mapping[tuple[str, str, str], _Resource]) -> None:
    known_gvs = {(g, v) for g, v, _ in resources}
    known_resources = {(g, p) for g, _, p in resources}
    for group, (_, versions) in SERVED.items():
        for version in versions:
            if (group, version) not in known_gvs:
                raise SystemExit(
                    f"served group-version {group or 'core'}/{version} is not in the OpenAPI document"
                )
    for table_name, table in (("SHORT_NAMES", SHORT_NAMES), ("CATEGORIES", CATEGORIES)):
        for key in table:
            if key not in known_resources:
                raise SystemExit(f"{table_name} names {key}, which the OpenAPI document does not have")
    for group, version, name in NOT_SERVED:
        plural, _, subresource = name.partition("/")
        resource = resources.get((group, version, plural))
        if resource is None or (subresource and subresource not in resource.parts):
            raise SystemExit(
                f"NOT_SERVED names {group}/{version} {name}, which the OpenAPI document does not have"
            )


def _resource_record(resource: _Resource) -> dict[str, Any]:
    if "" not in resource.parts:
        raise SystemExit(
            f"{resource.group}/{resource.version} {resource.plural}: no operations on the resource"
        )
    group, version, kind = _only_kind(resource, "")
    if (group, version) != (resource.group, resource.version):
        raise SystemExit(f"{resource.plural}: kind {group}/{version} {kind} is not of its own group-version")
    record: dict[str, Any] = {
        "group": resource.group,
        "version": resource.version,
        "plural": resource.plural,
        "singular": kind.lower(),
        "kind": kind,
        "namespaced": resource.namespaced,
        "verbs": sorted(resource.parts[""].verbs),
    }
    key = (resource.group, resource.plural)
    if key in SHORT_NAMES:
        record["shortNames"] = SHORT_NAMES[key]
    if key in CATEGORIES:
        record["categories"] = CATEGORIES[key]
    subresources: dict[str, Any] = {}
    for name in sorted(resource.parts):
        if not name or (resource.group, resource.version, f"{resource.plural}/{name}") in NOT_SERVED:
            continue
        sub_group, sub_version, sub_kind = _only_kind(resource, name)
        subresources[name] = {
            "group": sub_group,
            "version": sub_version,
            "kind": sub_kind,
            "verbs": sorted(resource.parts[name].verbs),
        }
    if subresources:
        record["subresources"] = subresources
    return record


def _group_order(item: tuple[str, tuple[int, dict[str, int]]]) -> tuple[bool, int, str]:
    """The core group first (served at /api), then /apis order: priority, highest first, ties by name."""
    name, (priority, _) = item
    return name != "", -priority, name


def build(spec: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The data: served groups in discovery order, their resources sorted by (group, version, plural)."""
    resources = collect(spec)
    _check_tables(resources)
    groups = [
        {"name": name, "priority": priority, "versions": sorted(versions, key=lambda v: -versions[v])}
        for name, (priority, versions) in sorted(SERVED.items(), key=_group_order)
    ]
    served = {(name, version) for name, (_, versions) in SERVED.items() for version in versions}
    records = [
        _resource_record(r)
        for key, r in sorted(resources.items())
        if key[:2] in served and key not in NOT_SERVED
    ]
    return {"groups": groups, "resources": records}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def render(spec: Mapping[str, Any]) -> str:
    """The file's exact text: compact JSON, one group or resource per line so that diffs stay readable."""
    doc = build(spec)
    groups = ",\n".join(_dumps(g) for g in doc["groups"])
    resources = ",\n".join(_dumps(r) for r in doc["resources"])
    return f'{{"groups":[\n{groups}\n],\n"resources":[\n{resources}\n]}}\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--openapi", type=Path, default=DEFAULT_OPENAPI, help="Kubernetes 1.32 OpenAPI v2 JSON"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the output file is not up to date")
    args = parser.parse_args(argv)
    text = render(load_openapi(args.openapi))
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is stale; run: python hack/gen_api_data.py", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
