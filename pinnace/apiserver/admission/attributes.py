"""What an admission plugin is told about a request (``k8s.io/apiserver/pkg/admission``: ``Attributes``,
``Operation``, ``ReinvocationContext``).

Objects are the request's JSON dicts in the version the client used (for the core group that is ``v1``,
as upstream's PodSecurity library wants). A mutating plugin changes ``attributes.object`` in place, or
assigns a new dict to it (a webhook applying a JSON patch); validating plugins must not change it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pinnace.api.gofmt import go_quote
from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]


class Operation(enum.StrEnum):
    """``admission.Operation``: the verb as admission sees it (a patch is an UPDATE)."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    CONNECT = "CONNECT"


class AnnotationConflict(ValueError):
    """An annotation key set twice with different values (upstream's ``AddAnnotation`` error)."""


@dataclass
class ReinvocationContext:
    """``admission.ReinvocationContext``: whether the mutating chain runs a second time.

    A plugin that wants to see the result of later mutations (a webhook with
    ``reinvocationPolicy: IfNeeded``) calls :meth:`set_should_reinvoke`; the chain then runs every mutating
    plugin once more with ``is_reinvoke`` set, and plugins decide from :meth:`value` (their own notes from
    the first pass) whether to act again.
    """

    is_reinvoke: bool = False
    should_reinvoke: bool = False
    _values: dict[str, Any] = field(default_factory=dict)

    def set_is_reinvoke(self) -> None:
        self.is_reinvoke = True

    def set_should_reinvoke(self) -> None:
        self.should_reinvoke = True

    def set_value(self, plugin: str, value: Any) -> None:
        self._values[plugin] = value

    def value(self, plugin: str) -> Any:
        return self._values.get(plugin)


@dataclass
class Attributes:
    """One request as admission sees it (upstream ``admission.AttributesRecord``).

    ``name`` is the name in the request: empty on a create that relies on ``generateName``. For the
    ``namespaces`` resource ``namespace`` is the namespace's own name, as upstream's handlers set it.
    ``old_object`` is set for UPDATE and DELETE; ``object`` is None for DELETE. ``options`` is the
    request's ``CreateOptions``/``UpdateOptions``/``DeleteOptions`` as a dict (what webhooks receive).
    """

    kind: GroupVersionKind
    resource: GroupVersionResource
    operation: Operation
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    object: Object | None = None
    old_object: Object | None = None
    user: UserInfo | None = None
    dry_run: bool = False
    options: Object | None = None
    reinvocation: ReinvocationContext = field(default_factory=ReinvocationContext)
    # Audit annotations (upstream ``AddAnnotation``): ``<plugin>.admission.k8s.io/<key>`` -> value.
    annotations: dict[str, str] = field(default_factory=dict)
    # Where warnings go as they are added: the request's ``Warning`` headers (``warning.AddWarning``).
    warn: Callable[[str], None] = field(default=lambda text: None, repr=False, compare=False)

    @property
    def username(self) -> str:
        return self.user.name if self.user is not None else ""

    def add_annotation(self, key: str, value: str) -> None:
        """Record an audit annotation; setting a key again to another value is an error, as upstream."""
        current = self.annotations.get(key)
        if current is not None and current != value:
            raise AnnotationConflict(
                f"admission annotations are not allowd to be overwritten, key:{go_quote(key)}, "
                f"old value: {current}, new value: {value}"
            )
        self.annotations[key] = value

    def add_warning(self, text: str) -> None:
        """A warning for the client (``Warning: 299 - "<text>"``), kept even if the request later fails."""
        self.warn(text)

    def object_name(self) -> str:
        """The name an admission error names: the request's, else the object's name or generateName, else
        ``Unknown`` (upstream ``extractResourceName``; names are generated only after admission)."""
        if self.name:
            return self.name
        metadata = (self.object or {}).get("metadata")
        if not isinstance(metadata, dict):
            return "Unknown"
        # A create without a name has had one generated before admission here, after it upstream.
        return str(metadata.get("generateName") or metadata.get("name") or "Unknown")
