"""Scheduling constraints in a pod spec: affinity, tolerations and topology spread constraints.

Reproduces ``validateAffinity`` (node affinity terms and weights, pod (anti-)affinity terms with
``topologyKey``, ``matchLabelKeys``/``mismatchLabelKeys``), ``ValidateNodeSelectorRequirement``,
``ValidateTolerations`` and ``validateTopologySpreadConstraints`` from
``pkg/apis/core/validation/validation.go``.
"""

from __future__ import annotations

from typing import Final

from pinnace.api.names import is_valid_label_value, name_is_dns_label, name_is_dns_subdomain
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
from pinnace.api.validation.meta import validate_label_name, validate_label_selector
from pinnace.api.validation.values import Obj, integer, obj, objects, opt_obj, present, string, strings

_TAINT_EFFECTS: Final = ["NoSchedule", "PreferNoSchedule", "NoExecute"]


def validate_node_selector_requirement(
    rq: Obj, path: Path, *, allow_invalid_values: bool
) -> list[FieldError]:
    errs: list[FieldError] = []
    operator, values = string(rq, "operator"), strings(rq, "values")
    if operator in ("In", "NotIn"):
        if not values:
            errs.append(
                required(path.child("values"), "must be specified when `operator` is 'In' or 'NotIn'")
            )
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            errs.append(forbidden(path.child("values"), detail))
    elif operator in ("Gt", "Lt"):
        if len(values) != 1:
            detail = "must be specified single value when `operator` is 'Lt' or 'Gt'"
            errs.append(required(path.child("values"), detail))
    else:
        errs.append(invalid(path.child("operator"), operator, "not a valid selector operator"))
    errs += validate_label_name(string(rq, "key"), path.child("key"))
    if not allow_invalid_values:
        for i, value in enumerate(values):
            errs += invalid_each(path.child("values").index(i), value, is_valid_label_value(value))
    return errs


def _node_field_requirement(rq: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    operator, values = string(rq, "operator"), strings(rq, "values")
    if operator in ("In", "NotIn"):
        if len(values) != 1:
            detail = "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"
            errs.append(required(path.child("values"), detail))
    else:
        errs.append(invalid(path.child("operator"), operator, "not a valid selector operator"))
    if string(rq, "key") != "metadata.name":
        errs.append(invalid(path.child("key"), string(rq, "key"), "not a valid field selector key"))
    else:
        for i, value in enumerate(values):
            errs += invalid_each(path.child("values").index(i), value, name_is_dns_subdomain(value, False))
    return errs


def validate_node_selector_term(term: Obj, path: Path, *, allow_invalid_values: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    for j, rq in enumerate(objects(term, "matchExpressions")):
        p = path.child("matchExpressions").index(j)
        errs += validate_node_selector_requirement(rq, p, allow_invalid_values=allow_invalid_values)
    for j, rq in enumerate(objects(term, "matchFields")):
        errs += _node_field_requirement(rq, path.child("matchFields").index(j))
    return errs


def validate_node_selector(selector: Obj, path: Path) -> list[FieldError]:
    terms = objects(selector, "nodeSelectorTerms")
    term_path = path.child("nodeSelectorTerms")
    if not terms:
        return [required(term_path, "must have at least one node selector term")]
    errs: list[FieldError] = []
    for i, term in enumerate(terms):
        errs += validate_node_selector_term(term, term_path.index(i), allow_invalid_values=False)
    return errs


def _weight(term: Obj, path: Path) -> list[FieldError]:
    weight = integer(term, "weight") or 0
    return (
        [invalid(path.child("weight"), weight, "must be in the range 1-100")] if not 0 < weight <= 100 else []
    )


def _label_keys(keys: list[str], selector: Obj | None, path: Path) -> list[FieldError]:
    if not keys:
        return []
    if selector is None:
        return [forbidden(path, "must not be specified when labelSelector is not set")]
    errs: list[FieldError] = []
    for i, key in enumerate(keys):
        errs += validate_label_name(key, path.index(i))
    return errs


def _pod_affinity_term(term: Obj, path: Path) -> list[FieldError]:
    selector = opt_obj(term, "labelSelector")
    errs = validate_label_selector(selector, path.child("labelSelector"))
    errs += validate_label_selector(opt_obj(term, "namespaceSelector"), path.child("namespaceSelector"))
    for name in strings(term, "namespaces"):
        errs += invalid_each(path.child("namespace"), name, name_is_dns_label(name, False))
    match_keys, mismatch_keys = strings(term, "matchLabelKeys"), strings(term, "mismatchLabelKeys")
    errs += _label_keys(match_keys, selector, path.child("matchLabelKeys"))
    errs += _label_keys(mismatch_keys, selector, path.child("mismatchLabelKeys"))
    if selector is not None:
        index = {k: i for i, k in enumerate(match_keys)}
        seen = set((obj(selector, "matchLabels") or {}).keys())
        for expr in objects(selector, "matchExpressions"):
            key = string(expr, "key")
            if key in index and key in seen:
                errs.append(
                    invalid(path.index(index[key]), key, "exists in both matchLabelKeys and labelSelector")
                )
            seen.add(key)
    for i, key in enumerate(match_keys):
        if key in mismatch_keys:
            detail = "exists in both matchLabelKeys and mismatchLabelKeys"
            errs.append(invalid(path.child("matchLabelKeys").index(i), key, detail))
    topology_key = string(term, "topologyKey")
    if not topology_key:
        errs.append(required(path.child("topologyKey"), "can not be empty"))
    return errs + validate_label_name(topology_key, path.child("topologyKey"))


def _pod_affinity(affinity: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    req_path = path.child("requiredDuringSchedulingIgnoredDuringExecution")
    for i, term in enumerate(objects(affinity, "requiredDuringSchedulingIgnoredDuringExecution")):
        errs += _pod_affinity_term(term, req_path.index(i))
    pref_path = path.child("preferredDuringSchedulingIgnoredDuringExecution")
    for i, weighted in enumerate(objects(affinity, "preferredDuringSchedulingIgnoredDuringExecution")):
        errs += _weight(weighted, pref_path.index(i))
        errs += _pod_affinity_term(
            obj(weighted, "podAffinityTerm"), pref_path.index(i).child("podAffinityTerm")
        )
    return errs


def validate_affinity(affinity: Obj | None, path: Path) -> list[FieldError]:
    if affinity is None:
        return []
    errs: list[FieldError] = []
    node = opt_obj(affinity, "nodeAffinity")
    if node is not None:
        node_path = path.child("nodeAffinity")
        req = opt_obj(node, "requiredDuringSchedulingIgnoredDuringExecution")
        if req is not None:
            errs += validate_node_selector(
                req, node_path.child("requiredDuringSchedulingIgnoredDuringExecution")
            )
        pref_path = node_path.child("preferredDuringSchedulingIgnoredDuringExecution")
        for i, term in enumerate(objects(node, "preferredDuringSchedulingIgnoredDuringExecution")):
            errs += _weight(term, pref_path.index(i))
            # Preferred terms always tolerate invalid label values (they can match a one-node cluster).
            errs += validate_node_selector_term(
                obj(term, "preference"), pref_path.index(i).child("preference"), allow_invalid_values=True
            )
    for key in ("podAffinity", "podAntiAffinity"):
        if (pod := opt_obj(affinity, key)) is not None:
            errs += _pod_affinity(pod, path.child(key))
    return errs


def validate_taint_effect(effect: str, path: Path, *, allow_empty: bool) -> list[FieldError]:
    if not allow_empty and not effect:
        return [required(path)]
    return [] if effect in _TAINT_EFFECTS else [not_supported(path, effect, _TAINT_EFFECTS)]


def validate_tolerations(tolerations: list[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, tol in enumerate(tolerations):
        p = path.index(i)
        key, operator, value, effect = (string(tol, k) for k in ("key", "operator", "value", "effect"))
        if key:
            errs += validate_label_name(key, p.child("key"))
        if not key and operator != "Exists":
            detail = (
                'operator must be Exists when `key` is empty, which means "match all values and all keys"'
            )
            errs.append(invalid(p.child("operator"), operator, detail))
        if present(tol, "tolerationSeconds") and effect != "NoExecute":
            errs.append(
                invalid(
                    p.child("effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"
                )
            )
        if operator in ("Equal", ""):
            if msgs := is_valid_label_value(value):
                errs.append(invalid(p.child("operator"), value, ";".join(msgs)))
        elif operator == "Exists":
            if value:
                errs.append(
                    invalid(p.child("operator"), value, "value must be empty when `operator` is 'Exists'")
                )
        else:
            errs.append(not_supported(p.child("operator"), operator, ["Equal", "Exists"]))
        if effect:
            errs += validate_taint_effect(effect, p.child("effect"), allow_empty=True)
    return errs


def validate_topology_spread_constraints(constraints: list[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, c in enumerate(constraints):
        p = path.index(i)
        max_skew = integer(c, "maxSkew") or 0
        if max_skew <= 0:
            errs.append(invalid(p.child("maxSkew"), max_skew, "must be greater than zero"))
        topology_key, action = string(c, "topologyKey"), string(c, "whenUnsatisfiable")
        if not topology_key:
            errs.append(required(p.child("topologyKey"), "can not be empty"))
        if action not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(
                not_supported(p.child("whenUnsatisfiable"), action, ["DoNotSchedule", "ScheduleAnyway"])
            )
        for rest in constraints[i + 1 :]:
            if string(rest, "topologyKey") == topology_key and string(rest, "whenUnsatisfiable") == action:
                errs.append(
                    duplicate(p.child("{topologyKey, whenUnsatisfiable}"), f"{{{topology_key}, {action}}}")
                )
                break
        min_domains = integer(c, "minDomains")
        if min_domains is not None:
            if min_domains <= 0:
                errs.append(invalid(p.child("minDomains"), min_domains, "must be greater than zero"))
            if action != "DoNotSchedule":
                detail = f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}"
                errs.append(invalid(p.child("minDomains"), min_domains, detail))
        for key in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            policy = c.get(key)
            if isinstance(policy, str) and policy not in ("Honor", "Ignore"):
                errs.append(not_supported(p.child(key), policy, ["Honor", "Ignore"]))
        selector = opt_obj(c, "labelSelector")
        keys = strings(c, "matchLabelKeys")
        if keys:
            kp = p.child("matchLabelKeys")
            if selector is None:
                errs.append(forbidden(kp, "must not be specified when labelSelector is not set"))
            existing = set((obj(selector or {}, "matchLabels") or {}).keys())
            existing |= {string(e, "key") for e in objects(selector or {}, "matchExpressions")}
            for j, key in enumerate(keys):
                errs += validate_label_name(key, kp.index(j))
                if key in existing:
                    errs.append(invalid(kp.index(j), key, "exists in both matchLabelKeys and labelSelector"))
        errs += validate_label_selector(selector, p.child("labelSelector"))
    return errs
