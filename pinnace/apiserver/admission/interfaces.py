"""The contracts of admission: what a plugin is, and what it may use (``k8s.io/apiserver/pkg/admission``
``interfaces.go`` and ``initializer``).

A plugin is an object with ``handles(operation)`` and one or both of:

- ``admit(attributes)`` (:class:`MutationInterface`): may change ``attributes.object``; runs in the
  mutating phase, after the request is decoded and defaulted and before the kind's validation;
- ``validate(attributes)`` (:class:`ValidationInterface`): must not change anything; runs in the
  validating phase, after the kind's validation and just before the write.

Both refuse a request by raising a :class:`~pinnace.apiserver.status.StatusError` (usually
:func:`~pinnace.apiserver.admission.errors.forbidden`); the first refusal ends admission. Both run on
dry-run requests too, so a plugin with side effects (ResourceQuota charging usage) checks
``attributes.dry_run`` before writing anything. A plugin is built once per API server by the factory
registered under its upstream name, from a :class:`PluginContext`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver.admission.attributes import Attributes, Operation

Object = dict[str, Any]


@runtime_checkable
class Interface(Protocol):
    """``admission.Interface``: which operations the plugin wants to see."""

    def handles(self, operation: Operation) -> bool: ...


@runtime_checkable
class MutationInterface(Interface, Protocol):
    """``admission.MutationInterface``: a plugin that may change the object (it may also refuse)."""

    async def admit(self, attributes: Attributes) -> None: ...


@runtime_checkable
class ValidationInterface(Interface, Protocol):
    """``admission.ValidationInterface``: a plugin that accepts or refuses, changing nothing."""

    async def validate(self, attributes: Attributes) -> None: ...


class Handler:
    """``admission.Handler``: a base for plugins that handle a fixed set of operations."""

    def __init__(self, *operations: Operation) -> None:
        self.operations = frozenset(operations)

    def handles(self, operation: Operation) -> bool:
        return operation in self.operations


class ObjectSource(Protocol):
    """How plugins read (and the few that must, write) API objects, without going through admission.

    Upstream plugins read from informer listers and fall back to a live read through the loopback client;
    here ``get``/``list`` read the API server's watch cache and ``live=True`` reads the store. Objects are
    returned as served in ``resource``'s version; callers must not change them.
    """

    async def get(
        self, resource: GroupVersionResource, namespace: str, name: str, *, live: bool = False
    ) -> Object | None:
        """The object, or None if it does not exist."""
        ...

    async def list(
        self, resource: GroupVersionResource, namespace: str = "", *, live: bool = False
    ) -> list[Object]:
        """Every object of ``resource`` (in ``namespace``, or everywhere for "")."""
        ...

    async def update_status(self, resource: GroupVersionResource, obj: Object) -> Object:
        """Write ``obj``'s status, guarded by its ``metadata.resourceVersion``: raises
        :class:`~pinnace.apiserver.status.Conflict` if the object changed since (quota usage updates)."""
        ...

    async def create(self, resource: GroupVersionResource, obj: Object) -> Object:
        """Create ``obj`` (raises :class:`~pinnace.apiserver.status.AlreadyExists` if it exists)."""
        ...


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PluginContext:
    """What a plugin factory gets (upstream's plugin initializers inject the same things).

    ``config`` is the plugin's entry in the AdmissionConfiguration file (its ``configuration`` object, or
    the parsed file its ``path`` names), None when the file says nothing about the plugin. ``clock`` and
    ``sleep`` are seams for tests: plugins that wait (ServiceAccount looking for the default account) sleep
    through ``sleep``.
    """

    objects: ObjectSource
    config: Object | None = None
    clock: Callable[[], datetime] = field(default=_now)
    sleep: Callable[[float], Awaitable[None]] = field(default=_sleep)


class PluginFactory(Protocol):
    """Builds one plugin (upstream ``admission.Factory``); raises ValueError for a bad configuration."""

    def __call__(self, context: PluginContext) -> Interface: ...
