"""Deployments, ReplicaSets, StatefulSets and DaemonSets (``apps/v1``).

Reproduces ``pkg/apis/apps/validation/validation.go`` (Kubernetes 1.32): selectors (required, non-empty,
matching the template's labels), replicas, ``ValidatePositiveIntOrPercent`` for rolling-update fields,
``restartPolicy: Always`` templates, the StatefulSet update rule, plus the selector immutability that the
registry strategies (``pkg/registry/apps/*/strategy.go``) add for ``apps/v1``.

As upstream, a StatefulSet's pod template is only checked for labels and annotations, not as a full pod spec,
and StatefulSet names are DNS-1123 labels (since 1.27). Defaulted fields (``replicas``, the strategies and
their rolling-update parameters, ``podManagementPolicy``) are assumed when absent.
"""

from __future__ import annotations

from typing import Any, Final

from pinnace.api.gofmt import (
    GoValue,
    go_int_or_string,
    go_label_selector,
    go_pointer,
    go_quote,
    go_string_map,
)
from pinnace.api.names import is_valid_percent, name_is_dns_label, name_is_dns_subdomain
from pinnace.api.validation.field import FieldError, Path, forbidden, invalid, not_supported, required
from pinnace.api.validation.meta import (
    label_selector_as_selector,
    validate_annotations,
    validate_immutable_field,
    validate_label_selector,
    validate_labels,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)
from pinnace.api.validation.pod import (
    restart_policy,
    validate_pod_specific_annotations,
    validate_pod_template_spec,
)
from pinnace.api.validation.values import Obj, integer, obj, opt_obj, semantic_equal, string, string_map

_SPEC: Final = Path.root("spec")
_METADATA: Final = Path.root("metadata")
_MISMATCH: Final = "`selector` does not match template `labels`"


def validate_positive_int_or_percent(value: Any, path: Path) -> list[FieldError]:
    """``ValidatePositiveIntOrPercent``: a non-negative integer or a ``N%`` string."""
    if isinstance(value, str):
        return [invalid(path, go_int_or_string(value), msg) for msg in is_valid_percent(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return validate_nonnegative(value, path)
    return [invalid(path, go_int_or_string(value), "must be an integer or percentage (e.g '5%%')")]


def _percent(value: Any) -> int | None:
    if isinstance(value, str) and not is_valid_percent(value):
        return int(value[:-1])
    return None


def int_or_percent_value(value: Any) -> int:
    """``getIntOrPercentValue``: the percentage, the integer, or ``Atoi`` of another string."""
    if (p := _percent(value)) is not None:
        return p
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0


def is_not_more_than_100_percent(value: Any, path: Path) -> list[FieldError]:
    p = _percent(value)
    return (
        [invalid(path, go_int_or_string(value), "must not be greater than 100%")]
        if p is not None and p > 100
        else []
    )


def _selector(spec: Obj, kind: str) -> list[FieldError]:
    """``spec.selector``: required, valid and not empty."""
    selector = opt_obj(spec, "selector")
    if selector is None:
        return [required(_SPEC.child("selector"))]
    errs = validate_label_selector(selector, _SPEC.child("selector"))
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        errs.append(
            invalid(
                _SPEC.child("selector"), go_label_selector(selector), f"empty selector is invalid for {kind}"
            )
        )
    return errs


def _template_labels(spec: Obj) -> dict[str, str] | None:
    return string_map(obj(obj(spec, "template"), "metadata"), "labels")


def _template_for_replica_set(spec: Obj, kind: str) -> list[FieldError]:
    """``ValidatePodTemplateSpecForReplicaSet``, reached only when the selector parses."""
    selector = opt_obj(spec, "selector")
    parsed = label_selector_as_selector(selector)
    if parsed is None:
        return [invalid(_SPEC.child("selector"), go_label_selector(selector), "invalid label selector")]
    tpath = _SPEC.child("template")
    errs: list[FieldError] = []
    labels = _template_labels(spec)
    if not parsed.is_empty and not parsed.matches(labels or {}):
        errs.append(invalid(tpath.child("metadata", "labels"), go_string_map(labels), _MISMATCH))
    errs += validate_pod_template_spec(obj(spec, "template"), tpath)
    return errs + _always_restart(spec, kind)


def _always_restart(spec: Obj, kind: str) -> list[FieldError]:
    tspec = obj(obj(spec, "template"), "spec")
    errs: list[FieldError] = []
    policy = restart_policy(tspec)
    if policy != "Always":
        errs.append(not_supported(_SPEC.child("template", "spec", "restartPolicy"), policy, ["Always"]))
    if tspec.get("activeDeadlineSeconds") is not None:
        path = _SPEC.child("template", "spec", "activeDeadlineSeconds")
        errs.append(forbidden(path, f"activeDeadlineSeconds in {kind} is not Supported"))
    return errs


def _go_deployment_strategy(strategy: Obj) -> GoValue:
    ptr = go_pointer("apps.RollingUpdateDeployment", strategy.get("rollingUpdate") is not None)
    return GoValue(
        f"apps.DeploymentStrategy{{Type:{go_quote(string(strategy, 'type'))}, RollingUpdate:{ptr}}}"
    )


def _deployment_strategy(strategy: Obj) -> list[FieldError]:
    path = _SPEC.child("strategy")
    kind = string(strategy, "type") or "RollingUpdate"
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [
                forbidden(
                    path.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"
                )
            ]
        return []
    if kind != "RollingUpdate":
        return [not_supported(path, _go_deployment_strategy(strategy), ["Recreate", "RollingUpdate"])]
    rolling = obj(strategy, "rollingUpdate")
    rpath = path.child("rollingUpdate")
    max_unavailable = rolling.get("maxUnavailable", "25%")
    max_surge = rolling.get("maxSurge", "25%")
    errs = validate_positive_int_or_percent(max_unavailable, rpath.child("maxUnavailable"))
    errs += validate_positive_int_or_percent(max_surge, rpath.child("maxSurge"))
    if int_or_percent_value(max_unavailable) == 0 and int_or_percent_value(max_surge) == 0:
        detail = "may not be 0 when `maxSurge` is 0"
        errs.append(invalid(rpath.child("maxUnavailable"), go_int_or_string(max_unavailable), detail))
    return errs + is_not_more_than_100_percent(max_unavailable, rpath.child("maxUnavailable"))


def _deployment_spec(spec: Obj) -> list[FieldError]:
    errs = validate_nonnegative(integer(spec, "replicas"), _SPEC.child("replicas"))
    errs += _selector(spec, "deployment")
    errs += _template_for_replica_set(spec, "ReplicaSet")
    errs += _deployment_strategy(obj(spec, "strategy"))
    min_ready = integer(spec, "minReadySeconds") or 0
    errs += validate_nonnegative(min_ready, _SPEC.child("minReadySeconds"))
    errs += validate_nonnegative(integer(spec, "revisionHistoryLimit"), _SPEC.child("revisionHistoryLimit"))
    rollback = opt_obj(spec, "rollbackTo")
    if rollback is not None:
        errs += validate_nonnegative(integer(rollback, "revision"), _SPEC.child("rollback", "version"))
    deadline = integer(spec, "progressDeadlineSeconds")
    if deadline is not None:
        errs += validate_nonnegative(deadline, _SPEC.child("progressDeadlineSeconds"))
        if deadline <= min_ready:
            errs.append(
                invalid(
                    _SPEC.child("progressDeadlineSeconds"), deadline, "must be greater than minReadySeconds"
                )
            )
    return errs


def _selector_immutable(new: Obj, old: Obj) -> list[FieldError]:
    """The strategies' ``apps/v1`` rule: ``spec.selector`` never changes."""
    new_sel, old_sel = opt_obj(obj(new, "spec"), "selector"), opt_obj(obj(old, "spec"), "selector")
    return validate_immutable_field(new_sel, old_sel, _SPEC.child("selector"), go_label_selector(new_sel))


def validate_deployment(deployment: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(deployment, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + _deployment_spec(obj(deployment, "spec"))


def validate_deployment_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    return errs + _deployment_spec(obj(new, "spec")) + _selector_immutable(new, old)


def _replica_set_spec(spec: Obj) -> list[FieldError]:
    errs = validate_nonnegative(integer(spec, "replicas"), _SPEC.child("replicas"))
    errs += validate_nonnegative(integer(spec, "minReadySeconds"), _SPEC.child("minReadySeconds"))
    # Upstream's ReplicaSet message really says "deployment".
    errs += _selector(spec, "deployment")
    return errs + _template_for_replica_set(spec, "ReplicaSet")


def validate_replica_set(rs: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(rs, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + _replica_set_spec(obj(rs, "spec"))


def validate_replica_set_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    return errs + _replica_set_spec(obj(new, "spec")) + _selector_immutable(new, old)


def _go_daemonset_strategy(strategy: Obj) -> GoValue:
    ptr = go_pointer("apps.RollingUpdateDaemonSet", strategy.get("rollingUpdate") is not None)
    return GoValue(
        f"apps.DaemonSetUpdateStrategy{{Type:{go_quote(string(strategy, 'type'))}, RollingUpdate:{ptr}}}"
    )


def _daemon_set_strategy(strategy: Obj) -> list[FieldError]:
    path = _SPEC.child("updateStrategy")
    kind = string(strategy, "type") or "RollingUpdate"
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [not_supported(path, _go_daemonset_strategy(strategy), ["RollingUpdate", "OnDelete"])]
    rolling, rpath = obj(strategy, "rollingUpdate"), path.child("rollingUpdate")
    max_unavailable, max_surge = rolling.get("maxUnavailable", 1), rolling.get("maxSurge", 0)
    errs = validate_positive_int_or_percent(max_unavailable, rpath.child("maxUnavailable"))
    errs += validate_positive_int_or_percent(max_surge, rpath.child("maxSurge"))
    errs += is_not_more_than_100_percent(max_unavailable, rpath.child("maxUnavailable"))
    errs += is_not_more_than_100_percent(max_surge, rpath.child("maxSurge"))
    has_unavailable, has_surge = (
        int_or_percent_value(max_unavailable) != 0,
        int_or_percent_value(max_surge) != 0,
    )
    if has_unavailable and has_surge:
        detail = "may not be set when maxUnavailable is non-zero"
        errs.append(invalid(rpath.child("maxSurge"), go_int_or_string(max_surge), detail))
    elif not has_unavailable and not has_surge:
        errs.append(required(rpath.child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    return errs


def _daemon_set_spec(spec: Obj) -> list[FieldError]:
    """``ValidateDaemonSetSpec``: a nil selector is not "required", it just matches nothing."""
    selector = opt_obj(spec, "selector")
    errs = validate_label_selector(selector, _SPEC.child("selector"))
    parsed = label_selector_as_selector(selector)
    labels = _template_labels(spec)
    if parsed is not None and not parsed.matches(labels or {}):
        errs.append(invalid(_SPEC.child("template", "metadata", "labels"), go_string_map(labels), _MISMATCH))
    if selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions"):
        detail = "empty selector is invalid for daemonset"
        errs.append(invalid(_SPEC.child("selector"), go_label_selector(selector), detail))
    errs += validate_pod_template_spec(obj(spec, "template"), _SPEC.child("template"))
    errs += _always_restart(spec, "DaemonSet")
    errs += validate_nonnegative(integer(spec, "minReadySeconds"), _SPEC.child("minReadySeconds"))
    errs += _daemon_set_strategy(obj(spec, "updateStrategy"))
    return errs + validate_nonnegative(
        integer(spec, "revisionHistoryLimit"), _SPEC.child("revisionHistoryLimit")
    )


def validate_daemon_set(ds: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(ds, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + _daemon_set_spec(obj(ds, "spec"))


def validate_daemon_set_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    return errs + _daemon_set_spec(obj(new, "spec")) + _selector_immutable(new, old)


def _go_sts_rolling(rolling: Obj) -> GoValue:
    ptr = go_pointer("intstr.IntOrString", rolling.get("maxUnavailable") is not None)
    return GoValue(
        f"apps.RollingUpdateStatefulSetStrategy{{Partition:{integer(rolling, 'partition') or 0}, "
        f"MaxUnavailable:{ptr}}}"
    )


def _stateful_set_spec(spec: Obj) -> list[FieldError]:
    errs: list[FieldError] = []
    policy = string(spec, "podManagementPolicy") or "OrderedReady"
    if policy not in ("OrderedReady", "Parallel"):
        detail = "must be 'OrderedReady' or 'Parallel'"
        errs.append(invalid(_SPEC.child("podManagementPolicy"), policy, detail))
    strategy = obj(spec, "updateStrategy")
    kind = string(strategy, "type") or "RollingUpdate"
    rolling = opt_obj(strategy, "rollingUpdate")
    spath = _SPEC.child("updateStrategy")
    if kind == "OnDelete":
        if rolling is not None:
            detail = "only allowed for updateStrategy 'RollingUpdate'"
            errs.append(invalid(spath.child("rollingUpdate"), _go_sts_rolling(rolling), detail))
    elif kind == "RollingUpdate":
        if rolling is not None:
            rpath = spath.child("rollingUpdate")
            errs += validate_nonnegative(integer(rolling, "partition"), rpath.child("partition"))
            if (max_unavailable := rolling.get("maxUnavailable")) is not None:
                errs += validate_positive_int_or_percent(max_unavailable, rpath.child("maxUnavailable"))
                if int_or_percent_value(max_unavailable) == 0:
                    errs.append(
                        invalid(
                            rpath.child("maxUnavailable"), go_int_or_string(max_unavailable), "cannot be 0"
                        )
                    )
                errs += is_not_more_than_100_percent(max_unavailable, rpath.child("maxUnavailable"))
    else:
        ptr = go_pointer("apps.RollingUpdateStatefulSetStrategy", rolling is not None)
        value = GoValue(f"apps.StatefulSetUpdateStrategy{{Type:{go_quote(kind)}, RollingUpdate:{ptr}}}")
        errs.append(invalid(spath, value, "must be 'RollingUpdate' or 'OnDelete'"))
    retention = opt_obj(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        rpath = _SPEC.child("persistentVolumeClaimRetentionPolicy")
        for key in ("whenDeleted", "whenScaled"):
            value_ = string(retention, key) or "Retain"
            if value_ not in ("Retain", "Delete"):
                errs.append(not_supported(rpath.child(key), value_, ["Retain", "Delete"]))
    errs += validate_nonnegative(integer(spec, "replicas"), _SPEC.child("replicas"))
    errs += validate_nonnegative(integer(spec, "minReadySeconds"), _SPEC.child("minReadySeconds"))
    ordinals = opt_obj(spec, "ordinals")
    if ordinals is not None:
        errs += validate_nonnegative(integer(ordinals, "start"), _SPEC.child("ordinals.start"))
    errs += _selector(spec, "statefulset")
    errs += _template_for_stateful_set(spec)
    return errs + _always_restart(spec, "StatefulSet")


def _template_for_stateful_set(spec: Obj) -> list[FieldError]:
    """``ValidatePodTemplateSpecForStatefulSet``: labels and annotations, not the pod spec (upstream TODO)."""
    selector = opt_obj(spec, "selector")
    parsed = label_selector_as_selector(selector)
    if parsed is None:
        return [invalid(_SPEC.child("selector"), go_label_selector(selector), "")]
    tpath = _SPEC.child("template")
    errs: list[FieldError] = []
    labels = _template_labels(spec)
    if not parsed.is_empty and not parsed.matches(labels or {}):
        errs.append(invalid(tpath.child("metadata", "labels"), go_string_map(labels), _MISMATCH))
    meta = obj(obj(spec, "template"), "metadata")
    errs += validate_labels(labels, tpath.child("labels"))
    annotations = string_map(meta, "annotations")
    errs += validate_annotations(annotations, tpath.child("annotations"))
    return errs + validate_pod_specific_annotations(
        annotations, obj(obj(spec, "template"), "spec"), tpath.child("annotations")
    )


def validate_stateful_set(sts: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(sts, "metadata"), namespaced=True, name_fn=name_is_dns_label)
    return errs + _stateful_set_spec(obj(sts, "spec"))


_STS_MUTABLE: Final = (
    "replicas",
    "template",
    "updateStrategy",
    "minReadySeconds",
    "ordinals",
    "persistentVolumeClaimRetentionPolicy",
)


def validate_stateful_set_update(new: Obj, old: Obj) -> list[FieldError]:
    """``ValidateStatefulSetUpdate``: only replicas, ordinals, template, strategies, minReadySeconds."""
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    errs += _stateful_set_spec(obj(new, "spec"))
    new_rest = {k: v for k, v in obj(new, "spec").items() if k not in _STS_MUTABLE}
    old_rest = {k: v for k, v in obj(old, "spec").items() if k not in _STS_MUTABLE}
    if not semantic_equal(new_rest, old_rest):
        detail = (
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
            "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        )
        errs.append(forbidden(_SPEC, detail))
    return errs
