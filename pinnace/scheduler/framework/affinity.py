"""Inter-pod affinity terms, parsed (``pkg/scheduler/framework/types.go``: AffinityTerm, newAffinityTerm).

A term selects pods by label selector within a set of namespaces: the ``namespaces`` listed, plus those whose
labels match ``namespaceSelector``; with neither given, the namespace of the pod that owns the term. Terms are
frozen and hashable, so that the scheduler cache can count, per node, the pods carrying each distinct term.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pinnace.api.labels import NOTHING, LabelSelector, from_label_selector_object


@dataclass(frozen=True, slots=True)
class AffinityTerm:
    """``framework.AffinityTerm``. ``namespace_selector`` is NOTHING when the term has none."""

    namespaces: frozenset[str]
    selector: LabelSelector
    topology_key: str
    namespace_selector: LabelSelector = NOTHING

    def matches(self, namespace: str, labels: Mapping[str, str], ns_labels: Mapping[str, str] | None) -> bool:
        """``AffinityTerm.Matches``: the pod is in one of the term's namespaces and its labels match."""
        if namespace in self.namespaces or self.namespace_selector.matches(ns_labels or {}):
            return self.selector.matches(labels)
        return False


@dataclass(frozen=True, slots=True)
class WeightedAffinityTerm:
    term: AffinityTerm
    weight: int


def new_affinity_term(pod_namespace: str, raw: Mapping[str, Any]) -> AffinityTerm:
    """``newAffinityTerm``; raises ``SelectorParseError`` for an invalid selector (a pod parse error)."""
    selector = from_label_selector_object(raw.get("labelSelector"))
    ns_selector_raw = raw.get("namespaceSelector")
    ns_selector = from_label_selector_object(ns_selector_raw)
    listed = raw.get("namespaces") or []
    if not listed and ns_selector_raw is None:
        namespaces = frozenset((pod_namespace,))
    else:
        namespaces = frozenset(str(n) for n in listed)
    return AffinityTerm(namespaces, selector, str(raw.get("topologyKey") or ""), ns_selector)


def affinity_terms(pod_namespace: str, raw: Iterable[Mapping[str, Any]] | None) -> tuple[AffinityTerm, ...]:
    return tuple(new_affinity_term(pod_namespace, term) for term in raw or ())


def weighted_affinity_terms(
    pod_namespace: str, raw: Iterable[Mapping[str, Any]] | None
) -> tuple[WeightedAffinityTerm, ...]:
    return tuple(
        WeightedAffinityTerm(
            new_affinity_term(pod_namespace, term.get("podAffinityTerm") or {}), int(term.get("weight") or 0)
        )
        for term in raw or ()
    )


def pod_matches_all_terms(
    terms: Iterable[AffinityTerm],
    namespace: str,
    labels: Mapping[str, str],
    ns_labels: Mapping[str, str] | None,
) -> bool:
    """``podMatchesAllAffinityTerms``: false for no terms."""
    any_term = False
    for term in terms:
        any_term = True
        if not term.matches(namespace, labels, ns_labels):
            return False
    return any_term
