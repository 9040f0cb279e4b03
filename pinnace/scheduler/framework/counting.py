"""Keys under which the scheduler cache counts pods per node, so topology plugins never walk every pod.

Upstream's InterPodAffinity and PodTopologySpread walk all pods of all nodes in PreFilter/PreScore (in 16
goroutines). Here the cache keeps, for each node, incrementally maintained counts:

* :class:`PodMatcher`: how many pods on the node match a conjunction of (namespaces, label selector) clauses
  (optionally ignoring terminating pods). Tracked on demand when a plugin first asks, then kept up to date on
  every pod add/remove; least recently used matchers are dropped beyond a bound.
* :class:`CarrierKey`: how many pods on the node carry a given affinity term of a given kind (existing pods'
  anti-affinity and preferred terms, which the incoming pod is matched against). Always tracked.

Per-topology-value counts are then one ``numpy.bincount`` over a label column.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from pinnace.api.labels import LabelSelector
from pinnace.scheduler.framework.affinity import AffinityTerm


@dataclass(frozen=True, slots=True)
class Clause:
    """Pods in ``namespaces`` (None: every namespace) whose labels match ``selector``."""

    namespaces: frozenset[str] | None
    selector: LabelSelector

    def matches(self, namespace: str, labels: Mapping[str, str]) -> bool:
        if self.namespaces is not None and namespace not in self.namespaces:
            return False
        return self.selector.matches(labels)


@dataclass(frozen=True, slots=True)
class PodMatcher:
    clauses: tuple[Clause, ...]
    skip_terminating: bool = False

    def matches(self, namespace: str, labels: Mapping[str, str], terminating: bool) -> bool:
        if self.skip_terminating and terminating:
            return False
        return all(clause.matches(namespace, labels) for clause in self.clauses)

    def namespaces(self) -> frozenset[str] | None:
        """The namespaces a matching pod can be in (None: any), to index matchers by namespace."""
        result: frozenset[str] | None = None
        for clause in self.clauses:
            if clause.namespaces is not None:
                result = clause.namespaces if result is None else result & clause.namespaces
        return result


def clause_of_term(term: AffinityTerm) -> Clause:
    """The clause of an *incoming* pod's term whose namespaceSelector was merged into its namespaces: an
    Everything selector left in place means every namespace."""
    if term.namespace_selector.is_empty:
        return Clause(None, term.selector)
    return Clause(term.namespaces, term.selector)


class TermKind(enum.Enum):
    REQUIRED_AFFINITY = "requiredAffinity"
    REQUIRED_ANTI_AFFINITY = "requiredAntiAffinity"
    PREFERRED_AFFINITY = "preferredAffinity"
    PREFERRED_ANTI_AFFINITY = "preferredAntiAffinity"


@dataclass(frozen=True, slots=True)
class CarrierKey:
    """Pods carrying ``term`` as a term of ``kind`` (``weight`` for preferred terms, else 0)."""

    kind: TermKind
    term: AffinityTerm
    weight: int = 0


def carrier_keys(
    required_affinity: tuple[AffinityTerm, ...],
    required_anti_affinity: tuple[AffinityTerm, ...],
    preferred_affinity: tuple[tuple[AffinityTerm, int], ...],
    preferred_anti_affinity: tuple[tuple[AffinityTerm, int], ...],
) -> list[CarrierKey]:
    """Every carrier key of one pod (a term listed twice counts twice, as upstream iterates terms)."""
    keys = [CarrierKey(TermKind.REQUIRED_AFFINITY, t) for t in required_affinity]
    keys += [CarrierKey(TermKind.REQUIRED_ANTI_AFFINITY, t) for t in required_anti_affinity]
    keys += [CarrierKey(TermKind.PREFERRED_AFFINITY, t, w) for t, w in preferred_affinity]
    keys += [CarrierKey(TermKind.PREFERRED_ANTI_AFFINITY, t, w) for t, w in preferred_anti_affinity]
    return keys
