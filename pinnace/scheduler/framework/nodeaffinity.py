"""Node selectors and node affinity (``k8s.io/component-helpers/scheduling/corev1/nodeaffinity``, 1.32).

* :class:`NodeSelector`: ORed ``nodeSelectorTerms``; a term ANDs ``matchExpressions`` on labels (In, NotIn,
  Exists, DoesNotExist, Gt, Lt) and ``matchFields`` on ``metadata.name`` (In / NotIn with one value). An
  empty term selects nothing; a term that does not parse is dropped (upstream's LazyErrorNodeSelector), so
  it matches no node.
* :class:`RequiredNodeAffinity`: ``spec.nodeSelector`` (label equality) AND the required node affinity.
* :class:`PreferredSchedulingTerms`: the sum of the weights of the preferred terms a node matches.

Each also evaluates over a whole :class:`~pinnace.scheduler.framework.snapshot.Snapshot` at once with numpy
(label values are interned per key as integer columns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from pinnace.api.gofmt import go_quote
from pinnace.api.labels import (
    LabelRequirement,
    LabelSelector,
    Operator,
    SelectorParseError,
    new_requirement,
    selector_from_set,
)

if TYPE_CHECKING:
    from pinnace.scheduler.framework.interface import BoolArray, IntArray
    from pinnace.scheduler.framework.snapshot import Snapshot

_OPERATORS: Final = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
    "Gt": Operator.GREATER_THAN,
    "Lt": Operator.LESS_THAN,
}
OBJECT_NAME_FIELD: Final = "metadata.name"


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """One ``matchFields`` entry: ``metadata.name`` equal (In) or not equal (NotIn) to ``value``."""

    equal: bool
    value: str


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    labels: LabelSelector | None
    fields: tuple[FieldRequirement, ...] | None

    def match(self, labels: Mapping[str, str], name: str) -> bool:
        """``nodeSelectorTerm.match``."""
        if self.labels is not None and not self.labels.matches(labels):
            return False
        if self.fields is not None:
            for req in self.fields:
                if (name == req.value) != req.equal:
                    return False
        return True

    def match_all(self, snapshot: Snapshot) -> BoolArray:
        mask = np.ones(snapshot.num_nodes, dtype=bool)
        if self.labels is not None:
            for requirement in self.labels.requirements:
                mask &= requirement_mask(requirement, snapshot)
        if self.fields is not None:
            for req in self.fields:
                index = snapshot.index.get(req.value)
                hit = np.zeros(snapshot.num_nodes, dtype=bool)
                if index is not None:
                    hit[index] = True
                mask &= hit if req.equal else ~hit
        return mask


def requirement_mask(requirement: LabelRequirement, snapshot: Snapshot) -> BoolArray:
    """``Requirement.Matches`` for every node of the snapshot."""
    ids = snapshot.label_ids(requirement.key)
    op = requirement.operator
    if op is Operator.EXISTS:
        return ids >= 0
    if op is Operator.DOES_NOT_EXIST:
        return ids < 0
    if op in (Operator.GREATER_THAN, Operator.LESS_THAN):
        values, valid = snapshot.label_ints(requirement.key)
        want = int(requirement.values[0])
        return valid & (values > want if op is Operator.GREATER_THAN else values < want)
    hit = snapshot.label_table(requirement.key, requirement.values)
    if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
        return hit
    return ~hit  # NotIn, !=: an absent label matches


def _label_requirements(raw: Sequence[Mapping[str, Any]]) -> LabelSelector:
    """``nodeSelectorRequirementsAsSelector``."""
    requirements: list[LabelRequirement] = []
    for expr in raw:
        name = str(expr.get("operator") or "")
        op = _OPERATORS.get(name)
        if op is None:
            raise SelectorParseError(f"{go_quote(name)} is not a valid node selector operator")
        values = expr.get("values")
        requirements.append(new_requirement(str(expr.get("key") or ""), op, list(values) if values else None))
    return LabelSelector().add(*requirements)


def _field_requirements(raw: Sequence[Mapping[str, Any]]) -> tuple[FieldRequirement, ...]:
    """``nodeSelectorRequirementsAsFieldSelector``: only In / NotIn with exactly one value are valid."""
    out: list[FieldRequirement] = []
    for expr in raw:
        op = expr.get("operator")
        values = expr.get("values") or []
        if op not in ("In", "NotIn") or len(values) != 1:
            raise SelectorParseError(f"invalid matchFields requirement {expr!r}")
        if expr.get("key") != OBJECT_NAME_FIELD:
            # Upstream builds a field selector on any key, but nodes only have metadata.name: never matches.
            out.append(FieldRequirement(True, "\x00"))
            continue
        out.append(FieldRequirement(op == "In", str(values[0])))
    return tuple(out)


def parse_term(raw: Mapping[str, Any]) -> NodeSelectorTerm | None:
    """A parsed term, or None when it is empty or invalid (it then selects no node)."""
    expressions = raw.get("matchExpressions") or []
    fields = raw.get("matchFields") or []
    if not expressions and not fields:
        return None
    try:
        return NodeSelectorTerm(
            _label_requirements(expressions) if expressions else None,
            _field_requirements(fields) if fields else None,
        )
    except SelectorParseError:
        return None


@dataclass(frozen=True, slots=True)
class NodeSelector:
    """ORed node selector terms (a ``v1.NodeSelector``); no usable term matches no node."""

    terms: tuple[NodeSelectorTerm, ...]

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> NodeSelector:
        terms = (parse_term(t) for t in raw.get("nodeSelectorTerms") or [])
        return cls(tuple(t for t in terms if t is not None))

    def match(self, labels: Mapping[str, str], name: str) -> bool:
        return any(term.match(labels, name) for term in self.terms)

    def match_all(self, snapshot: Snapshot) -> BoolArray:
        mask = np.zeros(snapshot.num_nodes, dtype=bool)
        for term in self.terms:
            mask |= term.match_all(snapshot)
        return mask


@dataclass(frozen=True, slots=True)
class RequiredNodeAffinity:
    """``nodeaffinity.GetRequiredNodeAffinity(pod)``: nodeSelector AND required node affinity."""

    label_selector: LabelSelector | None = None
    node_selector: NodeSelector | None = None

    @classmethod
    def of_pod(cls, pod: Mapping[str, Any]) -> RequiredNodeAffinity:
        spec = pod.get("spec") or {}
        selector = spec.get("nodeSelector")
        label_selector = selector_from_set(selector) if selector else None
        required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        node_selector = NodeSelector.parse(required) if required is not None else None
        return cls(label_selector, node_selector)

    @property
    def is_empty(self) -> bool:
        return self.label_selector is None and self.node_selector is None

    def match(self, labels: Mapping[str, str], name: str) -> bool:
        if self.label_selector is not None and not self.label_selector.matches(labels):
            return False
        if self.node_selector is not None:
            return self.node_selector.match(labels, name)
        return True

    def match_all(self, snapshot: Snapshot) -> BoolArray:
        """Every node's match, remembered by the snapshot until node labels change (pods of one template
        share the result)."""
        mask: BoolArray = snapshot.label_memo(
            ("RequiredNodeAffinity", self), lambda: self._match_all(snapshot)
        )
        return mask

    def _match_all(self, snapshot: Snapshot) -> BoolArray:
        mask = np.ones(snapshot.num_nodes, dtype=bool)
        if self.label_selector is not None:
            for requirement in self.label_selector.requirements:
                mask &= requirement_mask(requirement, snapshot)
        if self.node_selector is not None:
            mask &= self.node_selector.match_all(snapshot)
        mask.flags.writeable = False
        return mask


@dataclass(frozen=True, slots=True)
class PreferredSchedulingTerms:
    """``nodeaffinity.PreferredSchedulingTerms``; terms of weight 0 and unusable terms are dropped."""

    terms: tuple[tuple[NodeSelectorTerm, int], ...]

    @classmethod
    def parse(cls, raw: Sequence[Mapping[str, Any]]) -> PreferredSchedulingTerms:
        terms: list[tuple[NodeSelectorTerm, int]] = []
        for entry in raw:
            weight = int(entry.get("weight") or 0)
            if weight == 0:
                continue
            term = parse_term(entry.get("preference") or {})
            if term is not None:
                terms.append((term, weight))
        return cls(tuple(terms))

    def score(self, labels: Mapping[str, str], name: str) -> int:
        return sum(weight for term, weight in self.terms if term.match(labels, name))

    def score_all(self, snapshot: Snapshot) -> IntArray:
        total = np.zeros(snapshot.num_nodes, dtype=np.int64)
        for term, weight in self.terms:
            total += term.match_all(snapshot).astype(np.int64) * weight
        return total
