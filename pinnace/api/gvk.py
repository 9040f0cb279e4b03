"""The names of API types: group-version, group-version-kind, group-version-resource.

Value types shaped like apimachinery's ``schema.GroupVersion``/``GroupVersionKind``/``GroupVersionResource``.
The core group is the empty string, so ``GroupVersion("", "v1").api_version == "v1"``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GroupVersion:
    group: str
    version: str

    @classmethod
    def parse(cls, api_version: str) -> GroupVersion:
        """``"apps/v1"`` -> apps, v1; ``"v1"`` -> the core group (apimachinery ``ParseGroupVersion``).

        Raises ValueError for more than one slash and, unlike upstream, for an empty version.
        """
        group, _, version = api_version.rpartition("/")
        if "/" in group or not version:
            raise ValueError(f"unexpected GroupVersion string: {api_version!r}")
        return cls(group, version)

    @property
    def api_version(self) -> str:
        """The ``apiVersion`` / ``groupVersion`` string: ``apps/v1``, or ``v1`` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def with_kind(self, kind: str) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, kind)

    def with_resource(self, resource: str) -> GroupVersionResource:
        return GroupVersionResource(self.group, self.version, resource)

    def __str__(self) -> str:
        return self.api_version


@dataclass(frozen=True, slots=True)
class GroupVersionKind:
    group: str
    version: str
    kind: str

    @classmethod
    def from_api_version(cls, api_version: str, kind: str) -> GroupVersionKind:
        """The GVK an object names with its ``apiVersion`` and ``kind`` fields."""
        return GroupVersion.parse(api_version).with_kind(kind)

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def api_version(self) -> str:
        return self.group_version.api_version

    def __str__(self) -> str:
        # As apimachinery prints it: "apps/v1, Kind=Deployment", "/v1, Kind=Pod".
        return f"{self.group}/{self.version}, Kind={self.kind}"


@dataclass(frozen=True, slots=True)
class GroupVersionResource:
    group: str
    version: str
    resource: str

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    def __str__(self) -> str:
        # As apimachinery prints it: "apps/v1, Resource=deployments", "/v1, Resource=pods".
        return f"{self.group}/{self.version}, Resource={self.resource}"
