"""Pods, pod specs and pod templates, on create and on update.

Reproduces ``ValidatePodSpec``, ``ValidatePodTemplateSpec``, ``ValidatePodCreate``, ``ValidatePodUpdate``,
``ValidatePodSpecificAnnotations``, ``validatePodSpecSecurityContext``, ``validatePodDNSConfig`` and their
helpers from ``pkg/apis/core/validation/validation.go``, with Kubernetes 1.32 feature gates at their defaults.
Containers live in :mod:`.container`, security contexts in :mod:`.security`, volumes in :mod:`.volumes`,
scheduling constraints in :mod:`.affinity`. ``spec.hostUsers`` and ``procMount`` are dropped as upstream
does while their gates (UserNamespacesSupport, ProcMountType) are off.

Defaults the API server applies first (``restartPolicy: Always``, ``dnsPolicy: ClusterFirst``,
``terminationGracePeriodSeconds: 30``) are assumed when absent. The pod-update ``Forbidden`` message ends with
a diff; upstream renders it with go-cmp over Go structs, which cannot be reproduced, so Pinnace lists the
changed JSON paths instead.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Final

from pinnace.api.gofmt import go_string_slice
from pinnace.api.names import (
    IP_ADDRESS_ERROR,
    blen,
    inclusive_range_error,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    name_is_dns_subdomain,
    parse_ip_sloppy,
)
from pinnace.api.validation.affinity import (
    validate_affinity,
    validate_tolerations,
    validate_topology_spread_constraints,
)
from pinnace.api.validation.container import (
    PodOptions,
    validate_containers,
    validate_containers_only_for_pod,
    validate_init_containers,
)
from pinnace.api.validation.field import (
    FieldError,
    Path,
    duplicate,
    forbidden,
    invalid,
    invalid_each,
    not_supported,
    required,
)
from pinnace.api.validation.meta import (
    validate_annotations,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from pinnace.api.validation.resources import validate_resource_requirements
from pinnace.api.validation.security import validate_pod_security_context, validate_seccomp_annotation
from pinnace.api.validation.values import (
    Obj,
    boolean,
    integer,
    obj,
    objects,
    opt_obj,
    semantic_equal,
    string,
    string_map,
    strings,
)
from pinnace.api.validation.volumes import validate_volumes

RESTART_POLICIES: Final = ["Always", "OnFailure", "Never"]
_DNS_POLICIES: Final = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
_MAX_INT32: Final = 2**31 - 1
_MIRROR_POD: Final = "kubernetes.io/config.mirror"
_DELETION_COST: Final = "controller.kubernetes.io/pod-deletion-cost"
_SECCOMP_POD: Final = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_PREFIX: Final = "container.seccomp.security.alpha.kubernetes.io/"
_APPARMOR_PREFIX: Final = "container.apparmor.security.beta.kubernetes.io/"
_SPEC: Final = Path.root("spec")
_METADATA: Final = Path.root("metadata")

_DELETION_COST_RE: Final = re.compile("-[0-9]+|0|[1-9][0-9]*")

UPDATABLE_POD_SPEC_FIELDS: Final = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)


def restart_policy(spec: Obj) -> str:
    """The pod's ``restartPolicy``, ``Always`` when absent (``SetDefaults_PodSpec``)."""
    return string(spec, "restartPolicy") or "Always"


def _all_containers(spec: Obj) -> list[Obj]:
    return (
        objects(spec, "initContainers") + objects(spec, "containers") + objects(spec, "ephemeralContainers")
    )


def validate_pod_specific_annotations(
    annotations: dict[str, str] | None, spec: Obj, path: Path
) -> list[FieldError]:
    errs: list[FieldError] = []
    annotations = annotations or {}
    if _MIRROR_POD in annotations and not string(spec, "nodeName"):
        detail = "must set spec.nodeName if mirror pod annotation is set"
        errs.append(invalid(path.key(_MIRROR_POD), annotations[_MIRROR_POD], detail))
    if _DELETION_COST in annotations:
        cost = annotations[_DELETION_COST]
        # GetDeletionCostFromPodAnnotations: no "+", no leading zeros, then a 32-bit integer.
        ok = _DELETION_COST_RE.fullmatch(cost) is not None and -(2**31) <= int(cost) <= _MAX_INT32
        if not ok:
            errs.append(invalid(path.key(_DELETION_COST), cost, "must be a 32bit integer"))
    if _SECCOMP_POD in annotations:
        errs += validate_seccomp_annotation(annotations[_SECCOMP_POD], path.child(_SECCOMP_POD))
    for key, profile in annotations.items():
        if key.startswith(_SECCOMP_CONTAINER_PREFIX):
            errs += validate_seccomp_annotation(profile, path.child(key))
    names = {string(c, "name") for c in _all_containers(spec)}
    for key, profile in annotations.items():
        if not key.startswith(_APPARMOR_PREFIX):
            continue
        container = key.removeprefix(_APPARMOR_PREFIX)
        if container not in names:
            errs.append(invalid(path.key(key), container, "container not found"))
        if (
            profile
            and profile not in ("runtime/default", "unconfined")
            and not profile.startswith("localhost/")
        ):
            errs.append(invalid(path.key(key), profile, f'invalid AppArmor profile name: "{profile}"'))
    return errs


def _dns_config(config: Obj | None, policy: str, path: Path) -> list[FieldError]:
    if policy == "None":
        if config is None:
            return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not strings(config, "nameservers"):
            detail = "must provide at least one DNS nameserver when `dnsPolicy` is None"
            return [required(path.child("nameservers"), detail)]
    if config is None:
        return []
    errs: list[FieldError] = []
    nameservers = strings(config, "nameservers")
    if len(nameservers) > 3:
        errs.append(
            invalid(
                path.child("nameservers"),
                go_string_slice(nameservers),
                "must not have more than 3 nameservers",
            )
        )
    for i, ns in enumerate(nameservers):
        if parse_ip_sloppy(ns) is None:
            errs.append(invalid(path.child("nameservers").index(i), ns, IP_ADDRESS_ERROR))
    searches = strings(config, "searches")
    if len(searches) > 32:
        errs.append(
            invalid(
                path.child("searches"), go_string_slice(searches), "must not have more than 32 search paths"
            )
        )
    if blen(" ".join(searches)) > 2048:
        detail = "must not have more than 2048 characters (including spaces) in the search list"
        errs.append(invalid(path.child("searches"), go_string_slice(searches), detail))
    for i, search in enumerate(searches):
        search = search.removesuffix(".")
        errs += invalid_each(path.child("searches").index(i), search, is_dns1123_subdomain(search))
    for i, option in enumerate(objects(config, "options")):
        if not string(option, "name"):
            errs.append(required(path.child("options").index(i), "must not be empty"))
    return errs


def _host_network_ports(spec: Obj, path: Path) -> list[FieldError]:
    """``validatePodHostNetworkDeps``: with ``hostNetwork`` a host port equals its container port.

    Upstream also rejects a zero ``hostPort`` in a Pod, but ``SetDefaults_Pod`` has by then set it to the
    container port, so only explicit ports are checked here.
    """
    if boolean(spec, "hostNetwork") is not True:
        return []
    errs: list[FieldError] = []
    for i, ctr in enumerate(objects(spec, "containers")):
        for j, port in enumerate(objects(ctr, "ports")):
            host, container = integer(port, "hostPort") or 0, integer(port, "containerPort") or 0
            if host != 0 and host != container:
                p = path.child("containers").index(i).child("ports").index(j).child("hostPort")
                errs.append(invalid(p, host, "must match `containerPort` when `hostNetwork` is true"))
    return errs


def _os(spec: Obj, path: Path) -> list[FieldError]:
    os_obj = opt_obj(spec, "os")
    if os_obj is None:
        return []
    name = string(os_obj, "name")
    if not name:
        return [required(path.child("os", "name"), "cannot be empty")]
    if name not in ("linux", "windows"):
        return [not_supported(path.child("os"), name, ["linux", "windows"])]
    errs: list[FieldError] = []
    if name == "linux":
        if opt_obj(obj(spec, "securityContext"), "windowsOptions") is not None:
            p = path.child("securityContext", "windowsOptions")
            errs.append(forbidden(p, "windows options cannot be set for a linux pod"))
        for kind in ("containers", "initContainers", "ephemeralContainers"):
            for i, ctr in enumerate(objects(spec, kind)):
                if opt_obj(obj(ctr, "securityContext"), "windowsOptions") is not None:
                    p = path.child(kind).index(i).child("securityContext", "windowsOptions")
                    errs.append(forbidden(p, "windows options cannot be set for a linux pod"))
    return errs


def validate_pod_spec(spec: Obj, path: Path, opts: PodOptions, *, pod_name: str = "") -> list[FieldError]:
    """``ValidatePodSpec``."""
    errs: list[FieldError] = []
    grace = integer(spec, "terminationGracePeriodSeconds")
    opts = PodOptions(
        resource_is_pod=opts.resource_is_pod,
        grace_period=30 if grace is None else grace,
    )
    volumes, vol_errs = validate_volumes(
        objects(spec, "volumes"),
        path.child("volumes"),
        pod_name=pod_name,
        resource_is_pod=opts.resource_is_pod,
    )
    errs += vol_errs
    claims = frozenset(string(c, "name") for c in objects(spec, "resourceClaims") if string(c, "name"))
    for i, claim in enumerate(objects(spec, "resourceClaims")):
        p = path.child("resourceClaims").index(i)
        if not string(claim, "name"):
            errs.append(required(p.child("name")))
        else:
            errs += invalid_each(
                p.child("name"), string(claim, "name"), is_dns1123_label(string(claim, "name"))
            )
    containers = objects(spec, "containers")
    errs += validate_containers(containers, volumes, claims, path.child("containers"), opts)
    errs += validate_init_containers(
        objects(spec, "initContainers"), containers, volumes, claims, path.child("initContainers"), opts
    )
    errs += _host_network_ports(spec, path)
    policy = restart_policy(spec)
    if policy not in RESTART_POLICIES:
        errs.append(not_supported(path.child("restartPolicy"), policy, RESTART_POLICIES))
    dns_policy = string(spec, "dnsPolicy") or "ClusterFirst"
    if dns_policy not in _DNS_POLICIES:
        errs.append(not_supported(path.child("dnsPolicy"), dns_policy, _DNS_POLICIES))
    errs += validate_labels(string_map(spec, "nodeSelector"), path.child("nodeSelector"))
    errs += validate_pod_security_context(spec, path.child("securityContext"))
    for i, secret in enumerate(objects(spec, "imagePullSecrets")):
        if set(secret) - {"name"}:
            errs.append(
                invalid(
                    path.child("imagePullSecrets").index(i), string(secret, "name"), "only name may be set"
                )
            )
    errs += validate_affinity(opt_obj(spec, "affinity"), path.child("affinity"))
    errs += _dns_config(opt_obj(spec, "dnsConfig"), dns_policy, path.child("dnsConfig"))
    for i, gate in enumerate(objects(spec, "readinessGates")):
        p = path.child("readinessGates").index(i).child("conditionType")
        errs += invalid_each(
            p, string(gate, "conditionType"), is_qualified_name(string(gate, "conditionType"))
        )
    seen_gates: set[str] = set()
    for i, gate in enumerate(objects(spec, "schedulingGates")):
        name = string(gate, "name")
        errs += invalid_each(path.child("schedulingGates").index(i), name, is_qualified_name(name))
        if name in seen_gates:
            errs.append(duplicate(path.child("schedulingGates").index(i), name))
        seen_gates.add(name)
    errs += validate_topology_spread_constraints(
        objects(spec, "topologySpreadConstraints"), path.child("topologySpreadConstraints")
    )
    # spec.hostUsers: the UserNamespacesSupport gate is beta and off in 1.32, so the field is dropped
    # before validation (dropDisabledFields) and its host-namespace checks never run.
    for key in ("serviceAccountName", "nodeName"):
        if value := string(spec, key):
            errs += invalid_each(path.child(key), value, name_is_dns_subdomain(value, False))
    deadline = integer(spec, "activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= _MAX_INT32:
        errs.append(
            invalid(path.child("activeDeadlineSeconds"), deadline, inclusive_range_error(1, _MAX_INT32))
        )
    for key in ("hostname", "subdomain"):
        if value := string(spec, key):
            errs += invalid_each(path.child(key), value, is_dns1123_label(value))
    errs += validate_tolerations(objects(spec, "tolerations"), path.child("tolerations"))
    for i, alias in enumerate(objects(spec, "hostAliases")):
        p = path.child("hostAliases").index(i)
        if parse_ip_sloppy(string(alias, "ip")) is None:
            errs.append(invalid(p.child("ip"), string(alias, "ip"), IP_ADDRESS_ERROR))
        for j, hostname in enumerate(strings(alias, "hostnames")):
            errs += invalid_each(p.child("hostnames").index(j), hostname, is_dns1123_subdomain(hostname))
    for key in ("priorityClassName", "runtimeClassName"):
        if value := string(spec, key):
            errs += invalid_each(path.child(key), value, name_is_dns_subdomain(value, False))
    preemption = spec.get("preemptionPolicy")
    if isinstance(preemption, str) and preemption not in ("PreemptLowerPriority", "Never"):
        p = path.child("preemptionPolicy")
        errs.append(not_supported(p, preemption, ["PreemptLowerPriority", "Never"]))
    if spec.get("overhead") is not None:
        errs += validate_resource_requirements({"limits": spec.get("overhead")}, path.child("overhead"))
    return errs + _os(spec, path)


def validate_pod_template_spec(template: Obj, path: Path) -> list[FieldError]:
    """``ValidatePodTemplateSpec``: labels, annotations, the pod spec; no ephemeral containers."""
    meta, spec = obj(template, "metadata"), obj(template, "spec")
    annotations = string_map(meta, "annotations")
    errs = validate_labels(string_map(meta, "labels"), path.child("labels"))
    errs += validate_annotations(annotations, path.child("annotations"))
    errs += validate_pod_specific_annotations(annotations, spec, path.child("annotations"))
    errs += validate_pod_spec(spec, path.child("spec"), PodOptions(resource_is_pod=False))
    if objects(spec, "ephemeralContainers"):
        errs.append(
            forbidden(
                path.child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"
            )
        )
    return errs


def _metadata_and_spec(pod: Obj) -> list[FieldError]:
    meta, spec = obj(pod, "metadata"), obj(pod, "spec")
    errs = validate_object_meta(meta, namespaced=True, name_fn=name_is_dns_subdomain)
    errs += validate_pod_specific_annotations(
        string_map(meta, "annotations"), spec, _METADATA.child("annotations")
    )
    errs += validate_pod_spec(spec, _SPEC, PodOptions(resource_is_pod=True), pod_name=string(meta, "name"))
    errs += validate_containers_only_for_pod(objects(spec, "containers"), _SPEC.child("containers"))
    return errs + validate_containers_only_for_pod(
        objects(spec, "initContainers"), _SPEC.child("initContainers")
    )


def validate_pod(pod: Obj) -> list[FieldError]:
    """``ValidatePodCreate``."""
    spec = obj(pod, "spec")
    errs = _metadata_and_spec(pod)
    if objects(spec, "ephemeralContainers"):
        errs.append(forbidden(_SPEC.child("ephemeralContainers"), "cannot be set on create"))
    if string(spec, "nodeName") and objects(spec, "schedulingGates"):
        errs.append(
            forbidden(_SPEC.child("nodeName"), "cannot be set until all schedulingGates have been cleared")
        )
    return errs


def _container_updates(new: list[Obj], old: list[Obj], path: Path) -> tuple[list[FieldError], bool]:
    if len(new) != len(old):
        return [forbidden(path, "pod updates may not add or remove containers")], True
    errs: list[FieldError] = []
    for i, ctr in enumerate(new):
        image = string(ctr, "image")
        if not image:
            errs.append(required(path.index(i).child("image")))
        if image.strip() != image:
            errs.append(
                invalid(path.index(i).child("image"), image, "must not have leading or trailing whitespace")
            )
    return errs, False


def _only_added_tolerations(new: list[Obj], old: list[Obj], path: Path) -> list[FieldError]:
    for o in old:
        stripped = {k: v for k, v in o.items() if k != "tolerationSeconds"}
        if not any(
            semantic_equal(stripped, {k: v for k, v in n.items() if k != "tolerationSeconds"}) for n in new
        ):
            return [forbidden(path, "existing toleration can not be modified except its tolerationSeconds")]
    return validate_tolerations(new, path)


def _diff(old: Any, new: Any, path: str, out: list[str]) -> None:
    if semantic_equal(old, new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _diff(old.get(key), new.get(key), f"{path}.{key}", out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, f"{path}[{i}]", out)
    else:
        out.append(f"- {path}: {old!r}\n+ {path}: {new!r}")


def _drop_disabled(spec: Obj) -> Obj:
    """A copy of ``spec`` without the fields whose 1.32 feature gates are off (``dropDisabledFields``)."""
    out: dict[str, Any] = {k: v for k, v in spec.items() if k != "hostUsers"}
    for kind in ("containers", "initContainers", "ephemeralContainers"):
        if not isinstance(spec.get(kind), list):
            continue
        ctrs: list[Any] = []
        for ctr in spec[kind]:
            sc = ctr.get("securityContext") if isinstance(ctr, dict) else None
            if isinstance(sc, dict) and "procMount" in sc:
                ctr = dict(ctr) | {"securityContext": {k: v for k, v in sc.items() if k != "procMount"}}
            ctrs.append(ctr)
        out[kind] = ctrs
    return out


def validate_pod_update(new: Obj, old: Obj) -> list[FieldError]:
    """``ValidatePodUpdate``: only images, activeDeadlineSeconds, added tolerations, removed gates change."""
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    errs += _metadata_and_spec(new)
    new_ann, old_ann = (
        string_map(obj(new, "metadata"), "annotations") or {},
        string_map(obj(old, "metadata"), "annotations") or {},
    )
    ann_path = _METADATA.child("annotations")
    for key, old_value in old_ann.items():
        if new_ann.get(key) == old_value:
            continue
        if key.startswith(_APPARMOR_PREFIX):
            errs.append(forbidden(ann_path.key(key), "may not remove or update AppArmor annotations"))
        if key == _MIRROR_POD:
            errs.append(forbidden(ann_path.key(key), "may not remove or update mirror pod annotation"))
    for key in new_ann:
        if key in old_ann:
            continue
        if key.startswith(_APPARMOR_PREFIX):
            errs.append(forbidden(ann_path.key(key), "may not add AppArmor annotations"))
        if key == _MIRROR_POD:
            errs.append(forbidden(ann_path.key(key), "may not add mirror pod annotation"))
    new_spec, old_spec = _drop_disabled(obj(new, "spec")), _drop_disabled(obj(old, "spec"))
    for kind in ("containers", "initContainers"):
        c_errs, stop = _container_updates(objects(new_spec, kind), objects(old_spec, kind), _SPEC.child(kind))
        errs += c_errs
        if stop:
            return errs
    new_deadline, old_deadline = (
        integer(new_spec, "activeDeadlineSeconds"),
        integer(old_spec, "activeDeadlineSeconds"),
    )
    deadline_path = _SPEC.child("activeDeadlineSeconds")
    if new_deadline is not None:
        if not 0 <= new_deadline <= _MAX_INT32:
            return [*errs, invalid(deadline_path, new_deadline, inclusive_range_error(0, _MAX_INT32))]
        if old_deadline is not None and old_deadline < new_deadline:
            return [
                *errs,
                invalid(deadline_path, new_deadline, "must be less than or equal to previous value"),
            ]
    elif old_deadline is not None:
        errs.append(invalid(deadline_path, None, "must not update from a positive integer to nil value"))
    errs += _only_added_tolerations(
        objects(new_spec, "tolerations"), objects(old_spec, "tolerations"), _SPEC.child("tolerations")
    )
    old_gates = {string(g, "name") for g in objects(old_spec, "schedulingGates")}
    for i, gate in enumerate(objects(new_spec, "schedulingGates")):
        if string(gate, "name") not in old_gates:
            detail = f"only deletion is allowed, but found new scheduling gate '{string(gate, 'name')}'"
            errs.append(forbidden(_SPEC.child("schedulingGates").index(i).child("name"), detail))
    if semantic_equal(new_spec, old_spec):
        return errs
    munged: dict[str, Any] = copy.deepcopy(dict(new_spec))
    for kind in ("containers", "initContainers"):
        old_ctrs = objects(old_spec, kind)
        munged[kind] = [
            dict(c) | {"image": old_ctrs[i].get("image")} for i, c in enumerate(objects(new_spec, kind))
        ]
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        munged[key] = old_spec.get(key)
    old_grace, new_grace = (
        integer(old_spec, "terminationGracePeriodSeconds"),
        integer(munged, "terminationGracePeriodSeconds"),
    )
    if old_grace is not None and old_grace < 0 and new_grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if old_gates and not semantic_equal(munged.get("nodeSelector"), old_spec.get("nodeSelector")):
        old_selector, new_selector = (
            string_map(old_spec, "nodeSelector") or {},
            string_map(munged, "nodeSelector") or {},
        )
        if any(new_selector.get(k) != v for k, v in old_selector.items()):
            detail = "only additions to spec.nodeSelector are allowed (no mutations or deletions)"
            errs.append(invalid(_SPEC.child("nodeSelector"), new_selector, detail))
        munged["nodeSelector"] = old_spec.get("nodeSelector")
    if not semantic_equal(munged, old_spec):
        lines: list[str] = []
        _diff(dict(old_spec), munged, "spec", lines)
        detail = "pod updates may not change fields other than " + ",".join(UPDATABLE_POD_SPEC_FIELDS)
        errs.append(forbidden(_SPEC, detail + "\n" + "\n".join(lines)))
    return errs


def validate_pod_template(template: Obj) -> list[FieldError]:
    """``ValidatePodTemplate`` (the PodTemplate kind)."""
    errs = validate_object_meta(obj(template, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + validate_pod_template_spec(obj(template, "template"), Path.root("template"))


def validate_pod_template_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    return errs + validate_pod_template_spec(obj(new, "template"), Path.root("template"))
