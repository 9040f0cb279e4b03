"""Namespaces of inter-pod affinity terms (``interpodaffinity/plugin.go``:
mergeAffinityTermNamespacesIfNotEmpty, GetNamespaceLabelsSnapshot)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from pinnace.api.labels import NOTHING
from pinnace.scheduler.framework.affinity import AffinityTerm
from pinnace.scheduler.framework.handle import Handle


def namespace_labels(handle: Handle, namespace: str) -> Mapping[str, str] | None:
    """``GetNamespaceLabelsSnapshot``: the labels of the namespace (None when unknown)."""
    ns = handle.listers.namespace(namespace)
    if ns is None:
        return None
    labels: Mapping[str, str] = (ns.get("metadata") or {}).get("labels") or {}
    return labels


def merge_namespaces(handle: Handle, term: AffinityTerm) -> AffinityTerm:
    """``mergeAffinityTermNamespacesIfNotEmpty``: unroll a non-empty namespaceSelector into the namespaces."""
    selector = term.namespace_selector
    if selector.is_empty or selector.matches_nothing:
        return term
    matching = {
        str((ns.get("metadata") or {}).get("name"))
        for ns in handle.listers.namespaces()
        if selector.matches((ns.get("metadata") or {}).get("labels") or {})
    }
    return replace(term, namespaces=term.namespaces | matching, namespace_selector=NOTHING)
