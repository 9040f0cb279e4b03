"""The vocabulary the conversion modules share: what a conversion is keyed by, its signature, its error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pinnace.api.gvk import GroupVersion, GroupVersionKind

Obj = dict[str, Any]

Converter = Callable[[Obj], Obj]
"""A conversion of one kind from one version to another.

The contract callers rely on: the argument is never mutated (it may be a cached object shared with other
readers); the result is a new dict with ``apiVersion`` and ``kind`` of the target, whose spec and status are
built fresh and whose ``metadata`` is a new dict (its nested values - labels, managedFields - may be shared
with the argument, as a shallow copy shares them). A malformed argument raises :class:`ConversionError`.
"""


@dataclass(frozen=True, slots=True)
class ConversionKey:
    """One direction of one kind's conversion: ``source`` (a group-version-kind) to ``target``.

    The target names its own group: Event converts between the core group and ``events.k8s.io``.
    """

    source: GroupVersionKind
    target: GroupVersion

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"


class ConversionError(ValueError):
    """An object cannot be converted: no conversion between the versions, or a malformed object."""
