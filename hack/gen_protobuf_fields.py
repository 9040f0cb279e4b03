#!/usr/bin/env python3
"""Generate ``pinnace/api/data/protobuf-fields.json``: the tables behind Pinnace's generic protobuf codec.

kubectl 1.32+ sends ``application/vnd.kubernetes.protobuf`` bodies (wire-notes §5.2). ``pinnace.api.protobuf``
decodes them with one generic proto2 decoder driven by this file, which holds:

``kinds``
    ``apiVersion`` -> ``kind`` -> fully qualified message name, from the OpenAPI document's
    ``x-kubernetes-group-version-kind`` (definition ``io.k8s.api.apps.v1.Deployment`` is message
    ``k8s.io.api.apps.v1.Deployment``). That also teaches each group's proto package
    (``internal.apiserver.k8s.io`` lives in ``k8s.io.api.apiserverinternal``), so versions of a group that the
    table holds but OpenAPI does not describe (``apps/v1beta1``) get the group's kinds found in their package.
    DeleteOptions and WatchEvent live in ``meta.v1`` and belong to every group-version; ``meta.k8s.io/v1``
    holds the meta kinds as well.
``forms``
    messages whose JSON form is not an object (apimachinery's own ``MarshalJSON``): Time, MicroTime, Duration,
    Quantity, IntOrString, RawExtension, FieldsV1, and the named string slices wrapped in a message
    (``ExtraValue``, ``Verbs``: one repeated scalar field ``items``, JSON a plain list).
``messages``
    every message reachable from a kind, one ``[number, jsonName, label, type, keepZero]`` per field in field
    order. ``label`` is ``optional``, ``repeated`` or ``map:<key type>``; ``jsonName`` is ``""`` for a struct
    embedded inline in JSON (``Volume.volumeSource``, ``Probe.handler``); ``keepZero`` is 1 where a zero value
    that arrives on the wire must stay in the JSON object.

The field table (``protobuf-fields-1.32.json``, from each package's ``generated.proto``) names fields as
``generated.proto`` does, which is the JSON name except for about forty fields, and it cannot say which zero
values Go's JSON encoder keeps. Those facts live in Go struct tags, summarised in ``GO_FACTS`` below for the
fields that differ from the default (JSON name = proto name, ``omitempty``, not a pointer). A proto2 body
carries every non-pointer scalar, zero or not; upstream decodes it into the Go struct, and its JSON drops the
zeros of ``omitempty`` fields but keeps those of pointers (``replicas: 0``, ``gracePeriodSeconds: 0``,
``automountServiceAccountToken: false``) and of json tags without ``omitempty`` (``allowed: false``). Refresh
the block from Go sources with ``--go-facts API_DIR APIMACHINERY_DIR`` (checkouts of k8s.io/api and
k8s.io/apimachinery at the table's version).

Run ``python hack/gen_protobuf_fields.py`` to regenerate; ``--check`` fails when the committed file is stale.
A unit test runs the check too, so nobody edits the JSON by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "pinnace" / "api" / "data" / "protobuf-fields.json"
FIELDS_NAME = "protobuf-fields-1.32.json"
OPENAPI_NAME = "kubernetes-1.32-openapi-v2.json"
# The shared interface data sits beside the checkout (see shared/api-data/README.md).
SHARED = REPO.parent / "shared" / "api-data"

META = "k8s.io.apimachinery.pkg.apis.meta.v1"
# metav1.SchemeGroupVersion: apimachinery/pkg/apis/meta/v1/register.go registers the meta kinds there too.
META_API_VERSION = "meta.k8s.io/v1"

# Messages with a custom MarshalJSON in apimachinery -> the form the decoder applies.
FORMS: dict[str, str] = {
    f"{META}.Time": "time",  # meta/v1/time.go: RFC 3339, seconds; zero is null
    f"{META}.MicroTime": "microtime",  # meta/v1/micro_time.go: RFC 3339 with 6 fractional digits
    f"{META}.Duration": "duration",  # meta/v1/duration.go: time.Duration.String()
    f"{META}.FieldsV1": "rawjson",  # meta/v1/fields_proto.go: raw JSON bytes
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "quantity",  # api/resource/quantity.go: the string
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "intorstring",  # util/intstr/intstr.go
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "rawjson",  # runtime/extension.go: raw JSON bytes
}
# A message with this single field is a Go named slice (``type ExtraValue []string``): its JSON is the list.
LIST_FORM_FIELD = "items"

SCALARS = frozenset(
    (
        *("double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64"),
        *("fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"),
    )
)

Table = Mapping[str, Mapping[str, Mapping[str, str]]]


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def generate(fields_path: Path, openapi_path: Path) -> str:
    """The file's text: a pure function of the two inputs and ``GO_FACTS``."""
    source = read_json(fields_path)
    table: Table = source["messages"]
    definitions: Mapping[str, Any] = read_json(openapi_path)["definitions"]
    facts = parse_go_facts(GO_FACTS)
    for message, by_field in facts.items():
        known = {field["name"] for field in table.get(message, {}).values()}
        if not by_field.keys() <= known:
            raise SystemExit(f"GO_FACTS is stale: {message} has no field {sorted(by_field.keys() - known)}")
    kinds = build_kinds(table, definitions)
    forms = dict(FORMS)
    for name, fields in table.items():
        only = list(fields.values())
        if (
            len(only) == 1
            and only[0]["name"] == LIST_FORM_FIELD
            and only[0]["label"] == "repeated"
            and only[0]["type"] in SCALARS
        ):
            forms[name] = "list"
    messages = {
        name: compact_fields(name, table[name], facts.get(name, {}))
        for name in sorted(reachable(table, (m for by_kind in kinds.values() for m in by_kind.values())))
    }
    lines = ["{", f'"source": {json.dumps(source["source"] + "; JSON names and zero values from Go tags")},']
    lines.append(f'"forms": {dumps({k: v for k, v in sorted(forms.items()) if k in messages})},')
    lines.append('"kinds": {')
    lines += [f"{json.dumps(v)}: {dumps(kinds[v])}," for v in sorted(kinds)]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["},", '"messages": {']
    lines += [f"{json.dumps(name)}: {dumps(fields)}," for name, fields in messages.items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["}", "}", ""]
    return "\n".join(lines)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def build_kinds(table: Table, definitions: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    kinds: dict[str, dict[str, str]] = {}
    group_stem: dict[str, str] = {}  # group -> proto package without version: "apps" -> "k8s.io.api.apps"
    group_kinds: dict[str, set[str]] = {}
    meta_everywhere: dict[str, str] = {}  # DeleteOptions, WatchEvent: registered in every group-version
    meta_kinds: dict[str, str] = {}
    groups: set[str] = set()
    for definition, schema in sorted(definitions.items()):
        message = "k8s.io." + definition.removeprefix("io.k8s.")
        gvks = schema.get("x-kubernetes-group-version-kind", [])
        if message not in table or not gvks:
            continue  # apiextensions and kube-aggregator types are not in the protobuf table
        package, kind = message.rsplit(".", 1)
        for gvk in gvks:
            groups.add(gvk["group"])
            api_version = f"{gvk['group']}/{gvk['version']}".lstrip("/")
            kinds.setdefault(api_version, {})[gvk["kind"]] = message
            if package == META:
                meta_kinds[gvk["kind"]] = message
                if len(gvks) > 1:
                    meta_everywhere[gvk["kind"]] = message
            else:
                group_stem[gvk["group"]] = package.rsplit(".", 1)[0]
                group_kinds.setdefault(gvk["group"], set()).add(kind)
    packages = {name.rsplit(".", 1)[0] for name in table}
    for group in sorted(groups):
        # A group whose kinds OpenAPI never lists is found by its first label: admission.k8s.io -> admission.
        stem = group_stem.get(group) or f"k8s.io.api.{group.split('.')[0]}"
        for package in sorted(p for p in packages if p.rsplit(".", 1)[0] == stem):
            api_version = f"{group}/{package.rsplit('.', 1)[1]}".lstrip("/")
            by_kind = kinds.setdefault(api_version, {})
            for kind in sorted(group_kinds.get(group, ())):
                if f"{package}.{kind}" in table:
                    by_kind.setdefault(kind, f"{package}.{kind}")
            for kind, message in meta_everywhere.items():
                by_kind.setdefault(kind, message)
    kinds[META_API_VERSION] = dict(meta_kinds)
    return kinds


def reachable(table: Table, roots: Iterator[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack += [f["type"] for f in table[name].values() if f["type"] not in SCALARS]
    return seen


def compact_fields(
    message: str, fields: Mapping[str, Mapping[str, str]], facts: Mapping[str, tuple[str, bool]]
) -> list[list[str | int]]:
    out: list[list[str | int]] = []
    for number, field in sorted(fields.items(), key=lambda item: int(item[0])):
        name, label, type_ = field["name"], field["label"], field["type"]
        if label == "map":
            label = f"map:{field['key']}"
        elif label not in ("optional", "repeated"):
            raise SystemExit(f"{message}.{name}: unexpected label {label!r}")
        json_name, keep_zero = facts.get(name, (name, False))
        out.append([int(number), json_name, label, type_, int(keep_zero)])
    return out


# --- Go struct tag facts ---------------------------------------------------------------------------------
#
# One line per message (package without the leading "k8s.io."); a message may span several lines. Each
# token names a field by its generated.proto name: "proto>json" when the JSON name differs, "proto>" for a
# struct embedded inline in JSON; suffix "*" for a Go pointer, "!" for a json tag without omitempty. Either
# suffix means a zero value on the wire is kept. Only scalar fields carry a suffix: a message present on the
# wire is always in the JSON (Go never omits a struct, and a pointer is on the wire only when set).


def parse_go_facts(text: str) -> dict[str, dict[str, tuple[str, bool]]]:
    facts: dict[str, dict[str, tuple[str, bool]]] = {}
    for line in text.strip().splitlines():
        message, _, tokens = line.partition(":")
        by_field = facts.setdefault(f"k8s.io.{message.strip()}", {})
        for token in tokens.split():
            keep = token[-1] in "*!"
            name, arrow, json_name = token.rstrip("*!").partition(">")
            by_field[name] = (json_name if arrow else name, keep)
    return facts


GO_STRUCT = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
GO_ALIAS = re.compile(r"^type (\w+) (\w+)\.(\w+)$", re.M)
GO_IMPORT = re.compile(r'^\s*(\w+) "k8s\.io/(api|apimachinery)/([\w/]+)"$', re.M)
GO_FIELD = re.compile(r"^\s*(?:\w+\s+)?(\S+)\s+`([^`]*)`", re.M)
GO_TAG = re.compile(r'(\w+):"([^"]*)"')


def go_facts(api_dir: Path, apimachinery_dir: Path, table: Table) -> str:
    """The ``GO_FACTS`` block from the Go types of k8s.io/api and k8s.io/apimachinery checkouts."""
    tags: dict[str, dict[int, tuple[str, str]]] = {}  # message -> number -> (go type, json tag)
    aliases: dict[str, str] = {}
    for root, prefix in ((api_dir, "k8s.io.api"), (apimachinery_dir, "k8s.io.apimachinery")):
        for path in sorted(root.rglob("*.go")):
            if path.name.endswith("_test.go") or "generated" in path.name:
                continue
            package = ".".join((prefix, *path.parent.relative_to(root).parts))
            source = path.read_text(encoding="utf-8")
            imports = {m[0]: f"k8s.io.{m[1]}.{m[2].replace('/', '.')}" for m in GO_IMPORT.findall(source)}
            for name, alias, target in GO_ALIAS.findall(source):
                if alias in imports:
                    aliases[f"{package}.{name}"] = f"{imports[alias]}.{target}"
            for struct in GO_STRUCT.finditer(source):
                fields = tags.setdefault(f"{package}.{struct[1]}", {})
                for go_type, tag in GO_FIELD.findall(struct[2]):
                    parts = dict(GO_TAG.findall(tag))
                    proto = parts.get("protobuf", "").split(",")
                    if len(proto) > 1 and "json" in parts:
                        fields[int(proto[1])] = (go_type, parts["json"])
    lines: list[str] = []
    for message, rows in sorted(table.items()):
        if message in FORMS or message.startswith("k8s.io.apimachinery.pkg.runtime."):
            continue  # special JSON forms, and the envelope (runtime.Unknown) the decoder reads itself
        known = tags.get(message) or tags.get(aliases.get(message, ""), {})
        tokens: list[str] = []
        for number, field in sorted(rows.items(), key=lambda item: int(item[0])):
            if int(number) not in known:
                continue
            go_type, json_tag = known[int(number)]
            json_name, *options = json_tag.split(",")
            token = field["name"]
            if "inline" in options:
                token += ">"
            elif json_name != field["name"]:
                token += f">{json_name}"
            if field["label"] == "optional" and field["type"] in SCALARS:
                token += "*" if go_type.startswith("*") else "" if "omitempty" in options else "!"
            if token != field["name"]:
                tokens.append(token)
        if tokens:
            head = message.removeprefix("k8s.io.") + ":"
            width = 100 - len(head) - 1
            chunks = textwrap.wrap(" ".join(tokens), width, break_on_hyphens=False, break_long_words=False)
            lines += [f"{head} {chunk}" for chunk in chunks]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--fields", type=Path, default=SHARED / FIELDS_NAME, help="protobuf field table")
    parser.add_argument("--openapi", type=Path, default=SHARED / OPENAPI_NAME, help="OpenAPI v2 document")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    parser.add_argument(
        "--go-facts", nargs=2, type=Path, metavar=("API_DIR", "APIMACHINERY_DIR"), help="print GO_FACTS"
    )
    args = parser.parse_args(argv)
    if args.go_facts:
        api_dir, apimachinery_dir = args.go_facts
        sys.stdout.write(go_facts(api_dir, apimachinery_dir, read_json(args.fields)["messages"]))
        return 0
    text = generate(args.fields, args.openapi)
    if args.check:
        if not args.output.exists() or args.output.read_text(encoding="utf-8") != text:
            print(f"{args.output} is stale: run python hack/gen_protobuf_fields.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


# From k8s.io/api and k8s.io/apimachinery v0.32.13 (``--go-facts``).
GO_FACTS = """
api.admission.v1.AdmissionRequest: uid! operation! dryRun*
api.admission.v1.AdmissionResponse: uid! allowed! patchType*
api.admission.v1beta1.AdmissionRequest: uid! operation! dryRun*
api.admission.v1beta1.AdmissionResponse: uid! allowed! patchType*
api.admissionregistration.v1.AuditAnnotation: key! valueExpression!
api.admissionregistration.v1.ExpressionWarning: fieldRef! warning!
api.admissionregistration.v1.MatchCondition: name! expression!
api.admissionregistration.v1.MatchResources: matchPolicy*
api.admissionregistration.v1.MutatingWebhook: name! failurePolicy* sideEffects* timeoutSeconds*
api.admissionregistration.v1.MutatingWebhook: matchPolicy* reinvocationPolicy*
api.admissionregistration.v1.MutatingWebhookConfiguration: Webhooks>webhooks
api.admissionregistration.v1.NamedRuleWithOperations: ruleWithOperations>
api.admissionregistration.v1.ParamRef: parameterNotFoundAction*
api.admissionregistration.v1.Rule: scope*
api.admissionregistration.v1.RuleWithOperations: rule>
api.admissionregistration.v1.ServiceReference: namespace! name! path* port*
api.admissionregistration.v1.ValidatingAdmissionPolicySpec: failurePolicy*
api.admissionregistration.v1.ValidatingWebhook: name! failurePolicy* sideEffects* timeoutSeconds*
api.admissionregistration.v1.ValidatingWebhook: matchPolicy*
api.admissionregistration.v1.ValidatingWebhookConfiguration: Webhooks>webhooks
api.admissionregistration.v1.Validation: Expression>expression! reason*
api.admissionregistration.v1.Variable: Name>name! Expression>expression!
api.admissionregistration.v1.WebhookClientConfig: url*
api.admissionregistration.v1alpha1.AuditAnnotation: key! valueExpression!
api.admissionregistration.v1alpha1.ExpressionWarning: fieldRef! warning!
api.admissionregistration.v1alpha1.MatchCondition: name! expression!
api.admissionregistration.v1alpha1.MatchResources: matchPolicy*
api.admissionregistration.v1alpha1.MutatingAdmissionPolicySpec: failurePolicy*
api.admissionregistration.v1alpha1.Mutation: patchType!
api.admissionregistration.v1alpha1.NamedRuleWithOperations: ruleWithOperations>
api.admissionregistration.v1alpha1.ParamRef: parameterNotFoundAction*
api.admissionregistration.v1alpha1.ValidatingAdmissionPolicySpec: failurePolicy*
api.admissionregistration.v1alpha1.Validation: Expression>expression! reason*
api.admissionregistration.v1alpha1.Variable: Name>name! Expression>expression!
api.admissionregistration.v1beta1.AuditAnnotation: key! valueExpression!
api.admissionregistration.v1beta1.ExpressionWarning: fieldRef! warning!
api.admissionregistration.v1beta1.MatchCondition: name! expression!
api.admissionregistration.v1beta1.MatchResources: matchPolicy*
api.admissionregistration.v1beta1.MutatingWebhook: name! failurePolicy* sideEffects* timeoutSeconds*
api.admissionregistration.v1beta1.MutatingWebhook: matchPolicy* reinvocationPolicy*
api.admissionregistration.v1beta1.MutatingWebhookConfiguration: Webhooks>webhooks
api.admissionregistration.v1beta1.NamedRuleWithOperations: ruleWithOperations>
api.admissionregistration.v1beta1.ParamRef: parameterNotFoundAction*
api.admissionregistration.v1beta1.ServiceReference: namespace! name! path* port*
api.admissionregistration.v1beta1.ValidatingAdmissionPolicySpec: failurePolicy*
api.admissionregistration.v1beta1.ValidatingWebhook: name! failurePolicy* sideEffects*
api.admissionregistration.v1beta1.ValidatingWebhook: timeoutSeconds* matchPolicy*
api.admissionregistration.v1beta1.ValidatingWebhookConfiguration: Webhooks>webhooks
api.admissionregistration.v1beta1.Validation: Expression>expression! reason*
api.admissionregistration.v1beta1.Variable: Name>name! Expression>expression!
api.admissionregistration.v1beta1.WebhookClientConfig: url*
api.apidiscovery.v2.APIResourceDiscovery: resource! scope! singularResource!
api.apidiscovery.v2.APISubresourceDiscovery: subresource!
api.apidiscovery.v2.APIVersionDiscovery: version!
api.apidiscovery.v2beta1.APIResourceDiscovery: resource! scope! singularResource!
api.apidiscovery.v2beta1.APISubresourceDiscovery: subresource!
api.apidiscovery.v2beta1.APIVersionDiscovery: version!
api.apiserverinternal.v1alpha1.StorageVersionCondition: type! status! reason!
api.apiserverinternal.v1alpha1.StorageVersionStatus: commonEncodingVersion*
api.apps.v1.ControllerRevision: revision!
api.apps.v1.DaemonSetCondition: type! status!
api.apps.v1.DaemonSetSpec: revisionHistoryLimit*
api.apps.v1.DaemonSetStatus: currentNumberScheduled! numberMisscheduled! desiredNumberScheduled!
api.apps.v1.DaemonSetStatus: numberReady! collisionCount*
api.apps.v1.DeploymentCondition: type! status!
api.apps.v1.DeploymentSpec: replicas* revisionHistoryLimit* progressDeadlineSeconds*
api.apps.v1.DeploymentStatus: collisionCount*
api.apps.v1.ReplicaSetCondition: type! status!
api.apps.v1.ReplicaSetSpec: replicas*
api.apps.v1.ReplicaSetStatus: replicas!
api.apps.v1.RollingUpdateStatefulSetStrategy: partition*
api.apps.v1.StatefulSetCondition: type! status!
api.apps.v1.StatefulSetOrdinals: start!
api.apps.v1.StatefulSetSpec: replicas* serviceName! revisionHistoryLimit*
api.apps.v1.StatefulSetStatus: replicas! collisionCount* availableReplicas!
api.apps.v1beta1.ControllerRevision: revision!
api.apps.v1beta1.DeploymentCondition: type! status!
api.apps.v1beta1.DeploymentRollback: name!
api.apps.v1beta1.DeploymentSpec: replicas* revisionHistoryLimit* progressDeadlineSeconds*
api.apps.v1beta1.DeploymentStatus: collisionCount*
api.apps.v1beta1.RollingUpdateStatefulSetStrategy: partition*
api.apps.v1beta1.ScaleStatus: replicas!
api.apps.v1beta1.StatefulSetCondition: type! status!
api.apps.v1beta1.StatefulSetOrdinals: start!
api.apps.v1beta1.StatefulSetSpec: replicas* serviceName! revisionHistoryLimit*
api.apps.v1beta1.StatefulSetStatus: observedGeneration* replicas! collisionCount* availableReplicas!
api.apps.v1beta2.ControllerRevision: revision!
api.apps.v1beta2.DaemonSetCondition: type! status!
api.apps.v1beta2.DaemonSetSpec: revisionHistoryLimit*
api.apps.v1beta2.DaemonSetStatus: currentNumberScheduled! numberMisscheduled!
api.apps.v1beta2.DaemonSetStatus: desiredNumberScheduled! numberReady! collisionCount*
api.apps.v1beta2.DeploymentCondition: type! status!
api.apps.v1beta2.DeploymentSpec: replicas* revisionHistoryLimit* progressDeadlineSeconds*
api.apps.v1beta2.DeploymentStatus: collisionCount*
api.apps.v1beta2.ReplicaSetCondition: type! status!
api.apps.v1beta2.ReplicaSetSpec: replicas*
api.apps.v1beta2.ReplicaSetStatus: replicas!
api.apps.v1beta2.RollingUpdateStatefulSetStrategy: partition*
api.apps.v1beta2.ScaleStatus: replicas!
api.apps.v1beta2.StatefulSetCondition: type! status!
api.apps.v1beta2.StatefulSetOrdinals: start!
api.apps.v1beta2.StatefulSetSpec: replicas* serviceName! revisionHistoryLimit*
api.apps.v1beta2.StatefulSetStatus: replicas! collisionCount* availableReplicas!
api.authentication.v1.BoundObjectReference: uID>uid
api.authentication.v1.TokenRequestSpec: expirationSeconds*
api.authentication.v1.TokenRequestStatus: token!
api.authorization.v1.SubjectAccessReviewStatus: allowed!
api.authorization.v1.SubjectRulesReviewStatus: incomplete!
api.authorization.v1beta1.SubjectAccessReviewStatus: allowed!
api.authorization.v1beta1.SubjectRulesReviewStatus: incomplete!
api.autoscaling.v1.ContainerResourceMetricSource: name! targetAverageUtilization* container!
api.autoscaling.v1.ContainerResourceMetricStatus: name! currentAverageUtilization* container!
api.autoscaling.v1.CrossVersionObjectReference: kind! name!
api.autoscaling.v1.ExternalMetricSource: metricName!
api.autoscaling.v1.ExternalMetricStatus: metricName!
api.autoscaling.v1.HorizontalPodAutoscalerCondition: type! status!
api.autoscaling.v1.HorizontalPodAutoscalerSpec: minReplicas* maxReplicas!
api.autoscaling.v1.HorizontalPodAutoscalerSpec: targetCPUUtilizationPercentage*
api.autoscaling.v1.HorizontalPodAutoscalerStatus: observedGeneration* currentReplicas!
api.autoscaling.v1.HorizontalPodAutoscalerStatus: desiredReplicas! currentCPUUtilizationPercentage*
api.autoscaling.v1.MetricSpec: type!
api.autoscaling.v1.MetricStatus: type!
api.autoscaling.v1.ObjectMetricSource: metricName!
api.autoscaling.v1.ObjectMetricStatus: metricName!
api.autoscaling.v1.PodsMetricSource: metricName!
api.autoscaling.v1.PodsMetricStatus: metricName!
api.autoscaling.v1.ResourceMetricSource: name! targetAverageUtilization*
api.autoscaling.v1.ResourceMetricStatus: name! currentAverageUtilization*
api.autoscaling.v1.ScaleStatus: replicas!
api.autoscaling.v2.ContainerResourceMetricSource: name! container!
api.autoscaling.v2.ContainerResourceMetricStatus: name! container!
api.autoscaling.v2.CrossVersionObjectReference: kind! name!
api.autoscaling.v2.HPAScalingPolicy: type! value! periodSeconds!
api.autoscaling.v2.HPAScalingRules: selectPolicy* stabilizationWindowSeconds*
api.autoscaling.v2.HorizontalPodAutoscalerCondition: type! status!
api.autoscaling.v2.HorizontalPodAutoscalerSpec: minReplicas* maxReplicas!
api.autoscaling.v2.HorizontalPodAutoscalerStatus: observedGeneration* desiredReplicas!
api.autoscaling.v2.MetricIdentifier: name!
api.autoscaling.v2.MetricSpec: type!
api.autoscaling.v2.MetricStatus: type!
api.autoscaling.v2.MetricTarget: type! averageUtilization*
api.autoscaling.v2.MetricValueStatus: averageUtilization*
api.autoscaling.v2.ResourceMetricSource: name!
api.autoscaling.v2.ResourceMetricStatus: name!
api.autoscaling.v2beta1.ContainerResourceMetricSource: name! targetAverageUtilization* container!
api.autoscaling.v2beta1.ContainerResourceMetricStatus: name! currentAverageUtilization* container!
api.autoscaling.v2beta1.CrossVersionObjectReference: kind! name!
api.autoscaling.v2beta1.ExternalMetricSource: metricName!
api.autoscaling.v2beta1.ExternalMetricStatus: metricName!
api.autoscaling.v2beta1.HorizontalPodAutoscalerCondition: type! status!
api.autoscaling.v2beta1.HorizontalPodAutoscalerSpec: minReplicas* maxReplicas!
api.autoscaling.v2beta1.HorizontalPodAutoscalerStatus: observedGeneration* currentReplicas!
api.autoscaling.v2beta1.HorizontalPodAutoscalerStatus: desiredReplicas!
api.autoscaling.v2beta1.MetricSpec: type!
api.autoscaling.v2beta1.MetricStatus: type!
api.autoscaling.v2beta1.ObjectMetricSource: metricName!
api.autoscaling.v2beta1.ObjectMetricStatus: metricName!
api.autoscaling.v2beta1.PodsMetricSource: metricName!
api.autoscaling.v2beta1.PodsMetricStatus: metricName!
api.autoscaling.v2beta1.ResourceMetricSource: name! targetAverageUtilization*
api.autoscaling.v2beta1.ResourceMetricStatus: name! currentAverageUtilization*
api.autoscaling.v2beta2.ContainerResourceMetricSource: name! container!
api.autoscaling.v2beta2.ContainerResourceMetricStatus: name! container!
api.autoscaling.v2beta2.CrossVersionObjectReference: kind! name!
api.autoscaling.v2beta2.HPAScalingPolicy: type! value! periodSeconds!
api.autoscaling.v2beta2.HPAScalingRules: selectPolicy* stabilizationWindowSeconds*
api.autoscaling.v2beta2.HorizontalPodAutoscalerCondition: type! status!
api.autoscaling.v2beta2.HorizontalPodAutoscalerSpec: minReplicas* maxReplicas!
api.autoscaling.v2beta2.HorizontalPodAutoscalerStatus: observedGeneration* currentReplicas!
api.autoscaling.v2beta2.HorizontalPodAutoscalerStatus: desiredReplicas!
api.autoscaling.v2beta2.MetricIdentifier: name!
api.autoscaling.v2beta2.MetricSpec: type!
api.autoscaling.v2beta2.MetricStatus: type!
api.autoscaling.v2beta2.MetricTarget: type! averageUtilization*
api.autoscaling.v2beta2.MetricValueStatus: averageUtilization*
api.autoscaling.v2beta2.ResourceMetricSource: name!
api.autoscaling.v2beta2.ResourceMetricStatus: name!
api.batch.v1.CronJobSpec: schedule! startingDeadlineSeconds* suspend* successfulJobsHistoryLimit*
api.batch.v1.CronJobSpec: failedJobsHistoryLimit* timeZone*
api.batch.v1.JobCondition: type! status!
api.batch.v1.JobSpec: parallelism* completions* activeDeadlineSeconds* manualSelector* backoffLimit*
api.batch.v1.JobSpec: ttlSecondsAfterFinished* completionMode* suspend* backoffLimitPerIndex*
api.batch.v1.JobSpec: maxFailedIndexes* podReplacementPolicy* managedBy*
api.batch.v1.JobStatus: ready* failedIndexes* terminating*
api.batch.v1.PodFailurePolicyOnExitCodesRequirement: containerName* operator!
api.batch.v1.PodFailurePolicyOnPodConditionsPattern: type! status!
api.batch.v1.PodFailurePolicyRule: action!
api.batch.v1.SuccessPolicyRule: succeededIndexes* succeededCount*
api.batch.v1beta1.CronJobSpec: schedule! startingDeadlineSeconds* suspend*
api.batch.v1beta1.CronJobSpec: successfulJobsHistoryLimit* failedJobsHistoryLimit* timeZone*
api.certificates.v1.CertificateSigningRequestCondition: type! status!
api.certificates.v1.CertificateSigningRequestSpec: request! signerName! expirationSeconds*
api.certificates.v1alpha1.ClusterTrustBundleSpec: trustBundle!
api.certificates.v1beta1.CertificateSigningRequestCondition: type! status!
api.certificates.v1beta1.CertificateSigningRequestSpec: request! signerName* expirationSeconds*
api.coordination.v1.LeaseSpec: holderIdentity* leaseDurationSeconds* leaseTransitions* strategy*
api.coordination.v1.LeaseSpec: preferredHolder*
api.coordination.v1alpha2.LeaseCandidateSpec: leaseName! binaryVersion!
api.coordination.v1beta1.LeaseSpec: holderIdentity* leaseDurationSeconds* leaseTransitions*
api.coordination.v1beta1.LeaseSpec: strategy* preferredHolder*
api.core.v1.AWSElasticBlockStoreVolumeSource: volumeID!
api.core.v1.AppArmorProfile: type! localhostProfile*
api.core.v1.AttachedVolume: name! devicePath!
api.core.v1.AzureDiskVolumeSource: diskName! diskURI! cachingMode* fsType* readOnly* kind*
api.core.v1.AzureFilePersistentVolumeSource: secretName! shareName! secretNamespace*
api.core.v1.AzureFileVolumeSource: secretName! shareName!
api.core.v1.CSIPersistentVolumeSource: driver! volumeHandle!
api.core.v1.CSIVolumeSource: driver! readOnly* fsType*
api.core.v1.CinderPersistentVolumeSource: volumeID!
api.core.v1.CinderVolumeSource: volumeID!
api.core.v1.ClientIPConfig: timeoutSeconds*
api.core.v1.ClusterTrustBundleProjection: name* signerName* path! optional*
api.core.v1.ComponentCondition: type! status!
api.core.v1.ConfigMap: immutable*
api.core.v1.ConfigMapEnvSource: localObjectReference> optional*
api.core.v1.ConfigMapKeySelector: localObjectReference> key! optional*
api.core.v1.ConfigMapNodeConfigSource: namespace! name! kubeletConfigKey!
api.core.v1.ConfigMapProjection: localObjectReference> optional*
api.core.v1.ConfigMapVolumeSource: localObjectReference> defaultMode* optional*
api.core.v1.Container: name! restartPolicy*
api.core.v1.ContainerPort: containerPort!
api.core.v1.ContainerResizePolicy: resourceName! restartPolicy!
api.core.v1.ContainerStateTerminated: exitCode!
api.core.v1.ContainerStatus: name! ready! restartCount! image! imageID! started*
api.core.v1.DaemonEndpoint: Port!
api.core.v1.DownwardAPIVolumeFile: path! mode*
api.core.v1.DownwardAPIVolumeSource: defaultMode*
api.core.v1.EndpointAddress: ip! nodeName*
api.core.v1.EndpointPort: port! appProtocol*
api.core.v1.EnvVar: name!
api.core.v1.EphemeralContainer: ephemeralContainerCommon>
api.core.v1.EphemeralContainerCommon: name! restartPolicy*
api.core.v1.Event: reportingComponent! reportingInstance!
api.core.v1.FCVolumeSource: lun*
api.core.v1.FlexPersistentVolumeSource: driver!
api.core.v1.FlexVolumeSource: driver!
api.core.v1.GCEPersistentDiskVolumeSource: pdName!
api.core.v1.GRPCAction: port! service*
api.core.v1.GitRepoVolumeSource: repository!
api.core.v1.GlusterfsPersistentVolumeSource: endpoints! path! endpointsNamespace*
api.core.v1.GlusterfsVolumeSource: endpoints! path!
api.core.v1.HTTPHeader: name! value!
api.core.v1.HostAlias: ip!
api.core.v1.HostIP: ip!
api.core.v1.HostPathVolumeSource: path! type*
api.core.v1.ISCSIPersistentVolumeSource: targetPortal! iqn! lun! initiatorName*
api.core.v1.ISCSIVolumeSource: targetPortal! iqn! lun! initiatorName*
api.core.v1.KeyToPath: key! path! mode*
api.core.v1.LimitRangeItem: type!
api.core.v1.LinuxContainerUser: uid! gid!
api.core.v1.LoadBalancerIngress: ipMode*
api.core.v1.LocalVolumeSource: path! fsType*
api.core.v1.ModifyVolumeStatus: status!
api.core.v1.NFSVolumeSource: server! path!
api.core.v1.NamespaceCondition: type! status!
api.core.v1.NodeAddress: type! address!
api.core.v1.NodeCondition: type! status!
api.core.v1.NodeFeatures: supplementalGroupsPolicy*
api.core.v1.NodeRuntimeHandler: name!
api.core.v1.NodeRuntimeHandlerFeatures: recursiveReadOnlyMounts* userNamespaces*
api.core.v1.NodeSelectorRequirement: key! operator!
api.core.v1.NodeSystemInfo: machineID! systemUUID! bootID! kernelVersion! osImage!
api.core.v1.NodeSystemInfo: containerRuntimeVersion! kubeletVersion! kubeProxyVersion!
api.core.v1.NodeSystemInfo: operatingSystem! architecture!
api.core.v1.ObjectFieldSelector: fieldPath!
api.core.v1.PersistentVolumeClaimCondition: type! status!
api.core.v1.PersistentVolumeClaimSpec: storageClassName* volumeMode* volumeAttributesClassName*
api.core.v1.PersistentVolumeClaimStatus: currentVolumeAttributesClassName*
api.core.v1.PersistentVolumeClaimVolumeSource: claimName!
api.core.v1.PersistentVolumeSpec: persistentVolumeSource> volumeMode* volumeAttributesClassName*
api.core.v1.PhotonPersistentDiskVolumeSource: pdID!
api.core.v1.PodAffinityTerm: topologyKey!
api.core.v1.PodCondition: type! status!
api.core.v1.PodDNSConfigOption: value*
api.core.v1.PodIP: ip!
api.core.v1.PodLogOptions: sinceSeconds* tailLines* limitBytes* stream*
api.core.v1.PodOS: name!
api.core.v1.PodReadinessGate: conditionType!
api.core.v1.PodResourceClaim: name! resourceClaimName* resourceClaimTemplateName*
api.core.v1.PodResourceClaimStatus: name! resourceClaimName*
api.core.v1.PodSchedulingGate: name!
api.core.v1.PodSecurityContext: runAsUser* runAsNonRoot* fsGroup* runAsGroup* fsGroupChangePolicy*
api.core.v1.PodSecurityContext: supplementalGroupsPolicy* seLinuxChangePolicy*
api.core.v1.PodSpec: terminationGracePeriodSeconds* activeDeadlineSeconds*
api.core.v1.PodSpec: automountServiceAccountToken* priority* shareProcessNamespace*
api.core.v1.PodSpec: runtimeClassName* enableServiceLinks* preemptionPolicy* setHostnameAsFQDN*
api.core.v1.PodSpec: hostUsers*
api.core.v1.PortStatus: port! protocol! error*
api.core.v1.PortworxVolumeSource: volumeID!
api.core.v1.Preconditions: uid*
api.core.v1.PreferredSchedulingTerm: weight!
api.core.v1.Probe: handler> terminationGracePeriodSeconds*
api.core.v1.ProjectedVolumeSource: defaultMode*
api.core.v1.QuobyteVolumeSource: registry! volume!
api.core.v1.RBDPersistentVolumeSource: image!
api.core.v1.RBDVolumeSource: image!
api.core.v1.RangeAllocation: range! data!
api.core.v1.ReplicationControllerCondition: type! status!
api.core.v1.ReplicationControllerSpec: replicas*
api.core.v1.ReplicationControllerStatus: replicas!
api.core.v1.ResourceClaim: name!
api.core.v1.ResourceFieldSelector: resource!
api.core.v1.ResourceHealth: resourceID!
api.core.v1.ResourceStatus: name!
api.core.v1.ScaleIOPersistentVolumeSource: gateway! system!
api.core.v1.ScaleIOVolumeSource: gateway! system!
api.core.v1.ScopedResourceSelectorRequirement: scopeName! operator!
api.core.v1.SeccompProfile: type! localhostProfile*
api.core.v1.Secret: immutable*
api.core.v1.SecretEnvSource: localObjectReference> optional*
api.core.v1.SecretKeySelector: localObjectReference> key! optional*
api.core.v1.SecretProjection: localObjectReference> optional*
api.core.v1.SecretVolumeSource: defaultMode* optional*
api.core.v1.SecurityContext: privileged* runAsUser* runAsNonRoot* readOnlyRootFilesystem*
api.core.v1.SecurityContext: allowPrivilegeEscalation* runAsGroup* procMount*
api.core.v1.ServiceAccount: automountServiceAccountToken*
api.core.v1.ServiceAccountTokenProjection: expirationSeconds* path!
api.core.v1.ServicePort: port! appProtocol*
api.core.v1.ServiceSpec: ipFamilyPolicy* allocateLoadBalancerNodePorts* loadBalancerClass*
api.core.v1.ServiceSpec: internalTrafficPolicy* trafficDistribution*
api.core.v1.SleepAction: seconds!
api.core.v1.Sysctl: name! value!
api.core.v1.Taint: key! effect!
api.core.v1.Toleration: tolerationSeconds*
api.core.v1.TopologySelectorLabelRequirement: key!
api.core.v1.TopologySpreadConstraint: maxSkew! topologyKey! whenUnsatisfiable! minDomains*
api.core.v1.TopologySpreadConstraint: nodeAffinityPolicy* nodeTaintsPolicy*
api.core.v1.TypedLocalObjectReference: apiGroup* kind! name!
api.core.v1.TypedObjectReference: apiGroup* kind! name! namespace*
api.core.v1.Volume: name! volumeSource>
api.core.v1.VolumeDevice: name! devicePath!
api.core.v1.VolumeMount: name! mountPath! mountPropagation* recursiveReadOnly*
api.core.v1.VolumeMountStatus: name! mountPath! recursiveReadOnly*
api.core.v1.VsphereVirtualDiskVolumeSource: volumePath!
api.core.v1.WeightedPodAffinityTerm: weight!
api.core.v1.WindowsSecurityContextOptions: gmsaCredentialSpecName* gmsaCredentialSpec*
api.core.v1.WindowsSecurityContextOptions: runAsUserName* hostProcess*
api.discovery.v1.Endpoint: hostname* nodeName* zone*
api.discovery.v1.EndpointConditions: ready* serving* terminating*
api.discovery.v1.EndpointPort: name* protocol* port* appProtocol*
api.discovery.v1.EndpointSlice: addressType!
api.discovery.v1.ForZone: name!
api.discovery.v1beta1.Endpoint: hostname* nodeName*
api.discovery.v1beta1.EndpointConditions: ready* serving* terminating*
api.discovery.v1beta1.EndpointPort: name* protocol* port* appProtocol*
api.discovery.v1beta1.EndpointSlice: addressType!
api.discovery.v1beta1.ForZone: name!
api.events.v1.EventSeries: count!
api.events.v1beta1.EventSeries: count!
api.extensions.v1beta1.DaemonSetCondition: type! status!
api.extensions.v1beta1.DaemonSetSpec: revisionHistoryLimit*
api.extensions.v1beta1.DaemonSetStatus: currentNumberScheduled! numberMisscheduled!
api.extensions.v1beta1.DaemonSetStatus: desiredNumberScheduled! numberReady! collisionCount*
api.extensions.v1beta1.DeploymentCondition: type! status!
api.extensions.v1beta1.DeploymentRollback: name!
api.extensions.v1beta1.DeploymentSpec: replicas* revisionHistoryLimit* progressDeadlineSeconds*
api.extensions.v1beta1.DeploymentStatus: collisionCount*
api.extensions.v1beta1.HTTPIngressPath: pathType*
api.extensions.v1beta1.IPBlock: cidr!
api.extensions.v1beta1.IngressPortStatus: port! protocol! error*
api.extensions.v1beta1.IngressRule: ingressRuleValue>
api.extensions.v1beta1.IngressSpec: ingressClassName*
api.extensions.v1beta1.NetworkPolicyPort: protocol* endPort*
api.extensions.v1beta1.ReplicaSetCondition: type! status!
api.extensions.v1beta1.ReplicaSetSpec: replicas*
api.extensions.v1beta1.ReplicaSetStatus: replicas!
api.extensions.v1beta1.ScaleStatus: replicas!
api.flowcontrol.v1.ExemptPriorityLevelConfiguration: nominalConcurrencyShares* lendablePercent*
api.flowcontrol.v1.FlowDistinguisherMethod: type!
api.flowcontrol.v1.FlowSchemaSpec: matchingPrecedence!
api.flowcontrol.v1.GroupSubject: name!
api.flowcontrol.v1.LimitResponse: type!
api.flowcontrol.v1.LimitedPriorityLevelConfiguration: nominalConcurrencyShares* lendablePercent*
api.flowcontrol.v1.LimitedPriorityLevelConfiguration: borrowingLimitPercent*
api.flowcontrol.v1.PriorityLevelConfigurationReference: name!
api.flowcontrol.v1.PriorityLevelConfigurationSpec: type!
api.flowcontrol.v1.QueuingConfiguration: queues! handSize! queueLengthLimit!
api.flowcontrol.v1.ServiceAccountSubject: namespace! name!
api.flowcontrol.v1.Subject: kind!
api.flowcontrol.v1.UserSubject: name!
api.flowcontrol.v1beta1.ExemptPriorityLevelConfiguration: nominalConcurrencyShares* lendablePercent*
api.flowcontrol.v1beta1.FlowDistinguisherMethod: type!
api.flowcontrol.v1beta1.FlowSchemaSpec: matchingPrecedence!
api.flowcontrol.v1beta1.GroupSubject: name!
api.flowcontrol.v1beta1.LimitResponse: type!
api.flowcontrol.v1beta1.LimitedPriorityLevelConfiguration: assuredConcurrencyShares!
api.flowcontrol.v1beta1.LimitedPriorityLevelConfiguration: lendablePercent* borrowingLimitPercent*
api.flowcontrol.v1beta1.PriorityLevelConfigurationReference: name!
api.flowcontrol.v1beta1.PriorityLevelConfigurationSpec: type!
api.flowcontrol.v1beta1.QueuingConfiguration: queues! handSize! queueLengthLimit!
api.flowcontrol.v1beta1.ServiceAccountSubject: namespace! name!
api.flowcontrol.v1beta1.Subject: kind!
api.flowcontrol.v1beta1.UserSubject: name!
api.flowcontrol.v1beta2.ExemptPriorityLevelConfiguration: nominalConcurrencyShares* lendablePercent*
api.flowcontrol.v1beta2.FlowDistinguisherMethod: type!
api.flowcontrol.v1beta2.FlowSchemaSpec: matchingPrecedence!
api.flowcontrol.v1beta2.GroupSubject: name!
api.flowcontrol.v1beta2.LimitResponse: type!
api.flowcontrol.v1beta2.LimitedPriorityLevelConfiguration: assuredConcurrencyShares!
api.flowcontrol.v1beta2.LimitedPriorityLevelConfiguration: lendablePercent* borrowingLimitPercent*
api.flowcontrol.v1beta2.PriorityLevelConfigurationReference: name!
api.flowcontrol.v1beta2.PriorityLevelConfigurationSpec: type!
api.flowcontrol.v1beta2.QueuingConfiguration: queues! handSize! queueLengthLimit!
api.flowcontrol.v1beta2.ServiceAccountSubject: namespace! name!
api.flowcontrol.v1beta2.Subject: kind!
api.flowcontrol.v1beta2.UserSubject: name!
api.flowcontrol.v1beta3.ExemptPriorityLevelConfiguration: nominalConcurrencyShares* lendablePercent*
api.flowcontrol.v1beta3.FlowDistinguisherMethod: type!
api.flowcontrol.v1beta3.FlowSchemaSpec: matchingPrecedence!
api.flowcontrol.v1beta3.GroupSubject: name!
api.flowcontrol.v1beta3.LimitResponse: type!
api.flowcontrol.v1beta3.LimitedPriorityLevelConfiguration: nominalConcurrencyShares!
api.flowcontrol.v1beta3.LimitedPriorityLevelConfiguration: lendablePercent* borrowingLimitPercent*
api.flowcontrol.v1beta3.PriorityLevelConfigurationReference: name!
api.flowcontrol.v1beta3.PriorityLevelConfigurationSpec: type!
api.flowcontrol.v1beta3.QueuingConfiguration: queues! handSize! queueLengthLimit!
api.flowcontrol.v1beta3.ServiceAccountSubject: namespace! name!
api.flowcontrol.v1beta3.Subject: kind!
api.flowcontrol.v1beta3.UserSubject: name!
api.imagepolicy.v1alpha1.ImageReviewStatus: allowed!
api.networking.v1.HTTPIngressPath: pathType*
api.networking.v1.IPBlock: cidr!
api.networking.v1.IngressClassParametersReference: aPIGroup>apiGroup* kind! name! scope* namespace*
api.networking.v1.IngressPortStatus: port! protocol! error*
api.networking.v1.IngressRule: ingressRuleValue>
api.networking.v1.IngressServiceBackend: name!
api.networking.v1.IngressSpec: ingressClassName*
api.networking.v1.NetworkPolicyPort: protocol* endPort*
api.networking.v1beta1.HTTPIngressPath: pathType*
api.networking.v1beta1.IngressClassParametersReference: aPIGroup>apiGroup* kind! name! scope*
api.networking.v1beta1.IngressClassParametersReference: namespace*
api.networking.v1beta1.IngressPortStatus: port! protocol! error*
api.networking.v1beta1.IngressRule: ingressRuleValue>
api.networking.v1beta1.IngressSpec: ingressClassName*
api.node.v1.RuntimeClass: handler!
api.node.v1alpha1.RuntimeClassSpec: runtimeHandler!
api.node.v1beta1.RuntimeClass: handler!
api.policy.v1.PodDisruptionBudgetSpec: unhealthyPodEvictionPolicy*
api.policy.v1.PodDisruptionBudgetStatus: disruptionsAllowed! currentHealthy! desiredHealthy!
api.policy.v1.PodDisruptionBudgetStatus: expectedPods!
api.policy.v1beta1.PodDisruptionBudgetSpec: unhealthyPodEvictionPolicy*
api.policy.v1beta1.PodDisruptionBudgetStatus: disruptionsAllowed! currentHealthy! desiredHealthy!
api.policy.v1beta1.PodDisruptionBudgetStatus: expectedPods!
api.rbac.v1.RoleRef: apiGroup! kind! name!
api.rbac.v1.Subject: kind! name!
api.rbac.v1alpha1.RoleRef: apiGroup! kind! name!
api.rbac.v1alpha1.Subject: kind! name!
api.rbac.v1beta1.RoleRef: apiGroup! kind! name!
api.rbac.v1beta1.Subject: kind! name!
api.resource.v1alpha3.AllocatedDeviceStatus: driver! pool! device!
api.resource.v1alpha3.CELDeviceSelector: expression!
api.resource.v1alpha3.Device: name!
api.resource.v1alpha3.DeviceAllocationConfiguration: source! deviceConfiguration>
api.resource.v1alpha3.DeviceAttribute: int* bool* string* version*
api.resource.v1alpha3.DeviceClaimConfiguration: deviceConfiguration>
api.resource.v1alpha3.DeviceClassConfiguration: deviceConfiguration>
api.resource.v1alpha3.DeviceConstraint: matchAttribute*
api.resource.v1alpha3.DeviceRequest: name! deviceClassName! adminAccess*
api.resource.v1alpha3.DeviceRequestAllocationResult: request! driver! pool! device! adminAccess*
api.resource.v1alpha3.OpaqueDeviceConfiguration: driver!
api.resource.v1alpha3.ResourceClaimConsumerReference: resource! name! uid!
api.resource.v1alpha3.ResourcePool: name! generation! resourceSliceCount!
api.resource.v1alpha3.ResourceSliceSpec: driver!
api.resource.v1beta1.AllocatedDeviceStatus: driver! pool! device!
api.resource.v1beta1.CELDeviceSelector: expression!
api.resource.v1beta1.Device: name!
api.resource.v1beta1.DeviceAllocationConfiguration: source! deviceConfiguration>
api.resource.v1beta1.DeviceAttribute: int* bool* string* version*
api.resource.v1beta1.DeviceClaimConfiguration: deviceConfiguration>
api.resource.v1beta1.DeviceClassConfiguration: deviceConfiguration>
api.resource.v1beta1.DeviceConstraint: matchAttribute*
api.resource.v1beta1.DeviceRequest: name! deviceClassName! adminAccess*
api.resource.v1beta1.DeviceRequestAllocationResult: request! driver! pool! device! adminAccess*
api.resource.v1beta1.OpaqueDeviceConfiguration: driver!
api.resource.v1beta1.ResourceClaimConsumerReference: resource! name! uid!
api.resource.v1beta1.ResourcePool: name! generation! resourceSliceCount!
api.resource.v1beta1.ResourceSliceSpec: driver!
api.scheduling.v1.PriorityClass: value! preemptionPolicy*
api.scheduling.v1alpha1.PriorityClass: value! preemptionPolicy*
api.scheduling.v1beta1.PriorityClass: value! preemptionPolicy*
api.storage.v1.CSIDriverSpec: attachRequired* podInfoOnMount* storageCapacity* fsGroupPolicy*
api.storage.v1.CSIDriverSpec: requiresRepublish* seLinuxMount*
api.storage.v1.CSINodeDriver: name! nodeID!
api.storage.v1.CSIStorageCapacity: storageClassName!
api.storage.v1.StorageClass: provisioner! reclaimPolicy* allowVolumeExpansion* volumeBindingMode*
api.storage.v1.TokenRequest: audience! expirationSeconds*
api.storage.v1.VolumeAttachmentSource: persistentVolumeName*
api.storage.v1.VolumeAttachmentSpec: attacher! nodeName!
api.storage.v1.VolumeAttachmentStatus: attached!
api.storage.v1.VolumeNodeResources: count*
api.storage.v1alpha1.CSIStorageCapacity: storageClassName!
api.storage.v1alpha1.VolumeAttachmentSource: persistentVolumeName*
api.storage.v1alpha1.VolumeAttachmentSpec: attacher! nodeName!
api.storage.v1alpha1.VolumeAttachmentStatus: attached!
api.storage.v1alpha1.VolumeAttributesClass: driverName!
api.storage.v1beta1.CSIDriverSpec: attachRequired* podInfoOnMount* storageCapacity* fsGroupPolicy*
api.storage.v1beta1.CSIDriverSpec: requiresRepublish* seLinuxMount*
api.storage.v1beta1.CSINodeDriver: name! nodeID!
api.storage.v1beta1.CSIStorageCapacity: storageClassName!
api.storage.v1beta1.StorageClass: provisioner! reclaimPolicy* allowVolumeExpansion*
api.storage.v1beta1.StorageClass: volumeBindingMode*
api.storage.v1beta1.TokenRequest: audience! expirationSeconds*
api.storage.v1beta1.VolumeAttachmentSource: persistentVolumeName*
api.storage.v1beta1.VolumeAttachmentSpec: attacher! nodeName!
api.storage.v1beta1.VolumeAttachmentStatus: attached!
api.storage.v1beta1.VolumeAttributesClass: driverName!
api.storage.v1beta1.VolumeNodeResources: count*
api.storagemigration.v1alpha1.MigrationCondition: type! status!
apimachinery.pkg.apis.meta.v1.APIGroup: name!
apimachinery.pkg.apis.meta.v1.APIResource: name! namespaced! kind! singularName!
apimachinery.pkg.apis.meta.v1.APIResourceList: groupVersion!
apimachinery.pkg.apis.meta.v1.ApplyOptions: force! fieldManager!
apimachinery.pkg.apis.meta.v1.Condition: type! status! reason! message!
apimachinery.pkg.apis.meta.v1.DeleteOptions: gracePeriodSeconds* orphanDependents*
apimachinery.pkg.apis.meta.v1.DeleteOptions: propagationPolicy*
apimachinery.pkg.apis.meta.v1.DeleteOptions: ignoreStoreReadErrorWithClusterBreakingPotential*
apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement: key! operator!
apimachinery.pkg.apis.meta.v1.GroupKind: group! kind!
apimachinery.pkg.apis.meta.v1.GroupResource: group! resource!
apimachinery.pkg.apis.meta.v1.GroupVersion: group! version!
apimachinery.pkg.apis.meta.v1.GroupVersionForDiscovery: groupVersion! version!
apimachinery.pkg.apis.meta.v1.GroupVersionKind: group! version! kind!
apimachinery.pkg.apis.meta.v1.GroupVersionResource: group! version! resource!
apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement: key! operator!
apimachinery.pkg.apis.meta.v1.ListMeta: remainingItemCount*
apimachinery.pkg.apis.meta.v1.ListOptions: timeoutSeconds* sendInitialEvents*
apimachinery.pkg.apis.meta.v1.ObjectMeta: deletionGracePeriodSeconds*
apimachinery.pkg.apis.meta.v1.OwnerReference: kind! name! uid! apiVersion! controller*
apimachinery.pkg.apis.meta.v1.OwnerReference: blockOwnerDeletion*
apimachinery.pkg.apis.meta.v1.PatchOptions: force*
apimachinery.pkg.apis.meta.v1.Preconditions: uid* resourceVersion*
apimachinery.pkg.apis.meta.v1.ServerAddressByClientCIDR: clientCIDR! serverAddress!
apimachinery.pkg.apis.meta.v1.Timestamp: seconds! nanos!
apimachinery.pkg.apis.meta.v1.WatchEvent: type!
apimachinery.pkg.apis.testapigroup.v1.CarpCondition: type! status!
apimachinery.pkg.apis.testapigroup.v1.CarpSpec: terminationGracePeriodSeconds*
apimachinery.pkg.apis.testapigroup.v1.CarpSpec: activeDeadlineSeconds*
"""

if __name__ == "__main__":
    sys.exit(main())
