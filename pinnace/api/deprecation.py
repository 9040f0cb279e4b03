"""API lifecycle of built-in kinds: when a group-version's kind is deprecated, removed, and what replaces it.

kube-apiserver adds ``Warning: 299 - "<message>"`` to every request on a resource whose kind is deprecated in
the running release (apiserver/pkg/endpoints/installer.go; the wording is apiserver/pkg/endpoints/
deprecation's ``WarningMessage``)::

    policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use policy/v1
    PodDisruptionBudget   (one line)

The facts come from k8s.io/api's generated ``APILifecycle*`` methods, turned into ``data/deprecations.json``
by ``hack/gen_deprecations.py``. A kind is deprecated once the release reaches its deprecation release
(``IsDeprecated``); a kind with no entry never is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources as package_files
from typing import Any

from pinnace.api.gvk import GroupVersionKind

Release = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """One kind's lifecycle; ``removed`` and ``replacement`` are absent for some kinds."""

    gvk: GroupVersionKind
    deprecated: Release
    removed: Release | None = None
    replacement: GroupVersionKind | None = None

    def is_deprecated(self, current: Release) -> bool:
        """``deprecation.IsDeprecated``: the current release is at or past the deprecation release."""
        return current >= self.deprecated

    def warning_message(self) -> str:
        """``deprecation.WarningMessage``, word for word."""
        major, minor = self.deprecated
        message = f"{self.gvk.api_version} {self.gvk.kind} is deprecated in v{major}.{minor}+"
        if self.removed is not None:
            message += f", unavailable in v{self.removed[0]}.{self.removed[1]}+"
        if self.replacement is not None:
            message += f"; use {self.replacement.api_version} {self.replacement.kind}"
        return message


class DeprecationTable:
    """Lifecycles by group-version-kind, answering which warning a request on a kind gets."""

    __slots__ = ("_by_gvk",)

    def __init__(self, entries: Iterable[Lifecycle]) -> None:
        self._by_gvk = {entry.gvk: entry for entry in entries}

    def lookup(self, gvk: GroupVersionKind) -> Lifecycle | None:
        return self._by_gvk.get(gvk)

    def warning(self, gvk: GroupVersionKind, current: Release) -> str | None:
        """The warning for a request on ``gvk`` in release ``current``, if the kind is deprecated by then."""
        entry = self._by_gvk.get(gvk)
        if entry is None or not entry.is_deprecated(current):
            return None
        return entry.warning_message()

    @classmethod
    def from_json(cls, data: str | bytes) -> DeprecationTable:
        return cls(_lifecycle(entry) for entry in json.loads(data)["kinds"])


def _gvk(obj: Mapping[str, Any]) -> GroupVersionKind:
    return GroupVersionKind(obj["group"], obj["version"], obj["kind"])


def _release(value: Any) -> Release:
    major, minor = value
    return int(major), int(minor)


def _lifecycle(obj: Mapping[str, Any]) -> Lifecycle:
    return Lifecycle(
        gvk=_gvk(obj),
        deprecated=_release(obj["deprecated"]),
        removed=_release(obj["removed"]) if "removed" in obj else None,
        replacement=_gvk(obj["replacement"]) if "replacement" in obj else None,
    )


@functools.cache
def builtin_table() -> DeprecationTable:
    """The lifecycles of Kubernetes 1.32's built-in kinds (package data)."""
    data = package_files.files("pinnace.api").joinpath("data/deprecations.json").read_bytes()
    return DeprecationTable.from_json(data)
