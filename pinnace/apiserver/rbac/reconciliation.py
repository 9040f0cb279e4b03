"""What to write so that an existing role or binding holds at least what the bootstrap policy says
(upstream ``pkg/registry/rbac/reconciliation``, in its union mode: nothing is ever taken away).

For a ClusterRole: annotations and labels the policy sets are added (the existing values win), rules
the existing role does not cover are added (as the uncovered atoms, as upstream adds them), and missing
aggregation selectors are added; an aggregation rule the policy does not have is removed. For a
ClusterRoleBinding: missing subjects are added; a different roleRef (which cannot be updated) means
deleting the binding and creating the policy's. An object annotated
``rbac.authorization.kubernetes.io/autoupdate: "false"`` is protected: it is left as it is.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass, field
from typing import Any

from pinnace.apiserver.rbac.covers import covers
from pinnace.apiserver.rbac.rules import PolicyRule, rules_from

Object = dict[str, Any]

AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"
RBAC_GROUP = "rbac.authorization.k8s.io"


class Operation(enum.Enum):
    NONE = "none"
    CREATE = "create"
    UPDATE = "update"
    RECREATE = "recreate"


@dataclass
class ReconcileResult:
    operation: Operation
    obj: Object
    protected: bool = False
    missing_rules: list[PolicyRule] = field(default_factory=list)


def _protected(existing: Object) -> bool:
    annotations = (existing.get("metadata") or {}).get("annotations") or {}
    return annotations.get(AUTOUPDATE_ANNOTATION) == "false"


def _merge_metadata(result: Object, expected: Object) -> bool:
    """Add the expected annotations and labels that are missing; True if anything changed."""
    changed = False
    metadata = result.setdefault("metadata", {})
    expected_metadata = expected.get("metadata") or {}
    for key in ("annotations", "labels"):
        merged = {**(expected_metadata.get(key) or {}), **(metadata.get(key) or {})}
        if merged != (metadata.get(key) or {}):
            metadata[key] = merged
            changed = True
    return changed


def reconcile_cluster_role(existing: Object | None, expected: Object) -> ReconcileResult:
    if existing is None:
        return ReconcileResult(
            Operation.CREATE, copy.deepcopy(expected), missing_rules=list(rules_from(expected))
        )
    result = copy.deepcopy(existing)
    operation = Operation.UPDATE if _merge_metadata(result, expected) else Operation.NONE
    _, missing = covers(rules_from(existing), rules_from(expected))
    if missing:
        result["rules"] = [*(existing.get("rules") or []), *(rule.to_dict() for rule in missing)]
        operation = Operation.UPDATE
    expected_selectors = (expected.get("aggregationRule") or {}).get("clusterRoleSelectors") or []
    existing_rule = existing.get("aggregationRule")
    existing_selectors = (existing_rule or {}).get("clusterRoleSelectors") or []
    missing_selectors = [s for s in expected_selectors if s not in existing_selectors]
    if expected.get("aggregationRule") is None and existing_rule is not None:
        # The policy does not aggregate this role: upstream removes the aggregation.
        result.pop("aggregationRule", None)
        operation = Operation.UPDATE
    elif missing_selectors:
        result["aggregationRule"] = {"clusterRoleSelectors": [*existing_selectors, *missing_selectors]}
        operation = Operation.UPDATE
    return ReconcileResult(operation, result, protected=_protected(existing), missing_rules=missing)


def _subject_key(subject: Object) -> tuple[str, str, str, str]:
    kind = str(subject.get("kind", ""))
    # rbac/v1 defaults a User or Group subject's apiGroup; compare as if defaulted.
    default_group = RBAC_GROUP if kind in ("User", "Group") else ""
    return (
        kind,
        str(subject.get("apiGroup") or default_group),
        str(subject.get("name", "")),
        str(subject.get("namespace", "")),
    )


def _role_ref_key(obj: Object) -> tuple[str, str, str]:
    ref = obj.get("roleRef") or {}
    return (str(ref.get("apiGroup", "")), str(ref.get("kind", "")), str(ref.get("name", "")))


def reconcile_binding(existing: Object | None, expected: Object) -> ReconcileResult:
    if existing is None:
        return ReconcileResult(Operation.CREATE, copy.deepcopy(expected))
    protected = _protected(existing)
    if _role_ref_key(existing) != _role_ref_key(expected):
        return ReconcileResult(Operation.RECREATE, copy.deepcopy(expected), protected=protected)
    result = copy.deepcopy(existing)
    operation = Operation.UPDATE if _merge_metadata(result, expected) else Operation.NONE
    have = {_subject_key(subject) for subject in existing.get("subjects") or []}
    missing = [s for s in expected.get("subjects") or [] if _subject_key(s) not in have]
    if missing:
        result["subjects"] = [*(existing.get("subjects") or []), *missing]
        operation = Operation.UPDATE
    return ReconcileResult(operation, result, protected=protected)
