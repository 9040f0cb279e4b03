"""Roles, ClusterRoles, RoleBindings and ClusterRoleBindings (``rbac.authorization.k8s.io/v1``).

Reproduces ``pkg/apis/rbac/validation/validation.go``: RBAC names only need to be path segments
(``ValidateRBACName``), rules need verbs and either API groups plus resources or (cluster roles only)
non-resource URLs, bindings need a ``roleRef`` in the RBAC group of kind Role/ClusterRole with a name that
never changes, and subjects are Users, Groups or ServiceAccounts. Subject ``apiGroup`` defaults
(``rbac.authorization.k8s.io`` for users and groups) are assumed when absent.
"""

from __future__ import annotations

from typing import Final

from pinnace.api.gofmt import GoValue, go_quote, go_string_slice
from pinnace.api.names import name_is_dns_subdomain, path_segment_name
from pinnace.api.validation.field import FieldError, Path, invalid, invalid_each, not_supported, required
from pinnace.api.validation.meta import (
    label_selector_as_selector,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from pinnace.api.validation.values import Obj, obj, objects, string, strings

GROUP: Final = "rbac.authorization.k8s.io"


def _rule(rule: Obj, namespaced: bool, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    if not strings(rule, "verbs"):
        errs.append(required(path.child("verbs"), "verbs must contain at least one value"))
    urls = strings(rule, "nonResourceURLs")
    if urls:
        value = go_string_slice(urls)
        if namespaced:
            errs.append(
                invalid(
                    path.child("nonResourceURLs"), value, "namespaced rules cannot apply to non-resource URLs"
                )
            )
        if strings(rule, "apiGroups") or strings(rule, "resources") or strings(rule, "resourceNames"):
            detail = "rules cannot apply to both regular resources and non-resource URLs"
            errs.append(invalid(path.child("nonResourceURLs"), value, detail))
        return errs
    if not strings(rule, "apiGroups"):
        errs.append(required(path.child("apiGroups"), "resource rules must supply at least one api group"))
    if not strings(rule, "resources"):
        errs.append(required(path.child("resources"), "resource rules must supply at least one resource"))
    return errs


def _role(role: Obj, namespaced: bool) -> list[FieldError]:
    errs = validate_object_meta(obj(role, "metadata"), namespaced=namespaced, name_fn=path_segment_name)
    for i, rule in enumerate(objects(role, "rules")):
        errs += _rule(rule, namespaced, Path.root("rules").index(i))
    return errs


def validate_role(role: Obj) -> list[FieldError]:
    return _role(role, True)


def validate_role_update(new: Obj, old: Obj) -> list[FieldError]:
    return validate_role(new) + validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))


def validate_cluster_role(role: Obj) -> list[FieldError]:
    errs = _role(role, False)
    aggregation = role.get("aggregationRule")
    if isinstance(aggregation, dict):
        selectors = objects(aggregation, "clusterRoleSelectors")
        path = Path.root("aggregationRule", "clusterRoleSelectors")
        if not selectors:
            detail = "at least one clusterRoleSelector required if aggregationRule is non-nil"
            errs.append(required(path, detail))
        for i, selector in enumerate(selectors):
            errs += validate_label_selector(selector, path.index(i))
            if label_selector_as_selector(selector) is None:
                errs.append(invalid(path.index(i), None, "invalid label selector."))
    return errs


def validate_cluster_role_update(new: Obj, old: Obj) -> list[FieldError]:
    return validate_cluster_role(new) + validate_object_meta_update(
        obj(new, "metadata"), obj(old, "metadata")
    )


def _subject(subject: Obj, namespaced: bool, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    name, kind, api_group = string(subject, "name"), string(subject, "kind"), string(subject, "apiGroup")
    if not name:
        errs.append(required(path.child("name")))
    if kind == "ServiceAccount":
        if name:
            errs += invalid_each(path.child("name"), name, name_is_dns_subdomain(name, False))
        if api_group:
            errs.append(not_supported(path.child("apiGroup"), api_group, [""]))
        if not namespaced and not string(subject, "namespace"):
            errs.append(required(path.child("namespace")))
    elif kind in ("User", "Group"):
        if (api_group or GROUP) != GROUP:
            errs.append(not_supported(path.child("apiGroup"), api_group, [GROUP]))
    else:
        errs.append(not_supported(path.child("kind"), kind, ["ServiceAccount", "User", "Group"]))
    return errs


def _binding(binding: Obj, namespaced: bool) -> list[FieldError]:
    errs = validate_object_meta(obj(binding, "metadata"), namespaced=namespaced, name_fn=path_segment_name)
    ref = obj(binding, "roleRef")
    ref_path = Path.root("roleRef")
    if string(ref, "apiGroup") != GROUP:
        errs.append(not_supported(ref_path.child("apiGroup"), string(ref, "apiGroup"), [GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if string(ref, "kind") not in kinds:
        errs.append(not_supported(ref_path.child("kind"), string(ref, "kind"), kinds))
    name = string(ref, "name")
    if not name:
        errs.append(required(ref_path.child("name")))
    else:
        errs += invalid_each(ref_path.child("name"), name, path_segment_name(name, False))
    for i, subject in enumerate(objects(binding, "subjects")):
        errs += _subject(subject, namespaced, Path.root("subjects").index(i))
    return errs


def _go_role_ref(ref: Obj) -> GoValue:
    return GoValue(
        f"rbac.RoleRef{{APIGroup:{go_quote(string(ref, 'apiGroup'))}, Kind:{go_quote(string(ref, 'kind'))}, "
        f"Name:{go_quote(string(ref, 'name'))}}}"
    )


def _binding_update(new: Obj, old: Obj, namespaced: bool) -> list[FieldError]:
    errs = _binding(new, namespaced)
    errs += validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    new_ref, old_ref = obj(new, "roleRef"), obj(old, "roleRef")
    if any(string(new_ref, k) != string(old_ref, k) for k in ("apiGroup", "kind", "name")):
        errs.append(invalid(Path.root("roleRef"), _go_role_ref(new_ref), "cannot change roleRef"))
    return errs


def validate_role_binding(binding: Obj) -> list[FieldError]:
    return _binding(binding, True)


def validate_role_binding_update(new: Obj, old: Obj) -> list[FieldError]:
    return _binding_update(new, old, True)


def validate_cluster_role_binding(binding: Obj) -> list[FieldError]:
    return _binding(binding, False)


def validate_cluster_role_binding_update(new: Obj, old: Obj) -> list[FieldError]:
    return _binding_update(new, old, False)
