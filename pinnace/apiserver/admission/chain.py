"""The admission chain: every enabled plugin, in upstream's order (``chain.go`` and ``reinvocation.go``).

:meth:`AdmissionChain.admit` runs the mutating half of each plugin that handles the operation, in order, and
runs all of them once more if one asked for re-invocation (a webhook with ``reinvocationPolicy: IfNeeded``);
:meth:`AdmissionChain.validate` then runs the validating half, in the same order. The first error stops the
chain. The REST layer calls them at upstream's points (:mod:`pinnace.apiserver.rest.resource`).

Work the API server does on a request's behalf without upstream's handler chain (a binding's write to
the pod, an eviction's delete) runs inside :func:`admission_skipped`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar

from pinnace.apiserver.admission.attributes import Attributes, Operation
from pinnace.apiserver.admission.interfaces import Interface, MutationInterface, ValidationInterface

_skipped: ContextVar[bool] = ContextVar("pinnace.admission.skipped", default=False)


@contextlib.contextmanager
def admission_skipped(skipped: bool = True) -> Iterator[None]:
    """Writes made inside run no admission (upstream's storage-level writes, below the handlers);
    ``skipped=False`` runs admission again inside such a write (the scale subresource admits its Scale
    within the workload's update, which itself skips admission)."""
    token = _skipped.set(skipped)
    try:
        yield
    finally:
        _skipped.reset(token)


def is_admission_skipped() -> bool:
    return _skipped.get()


class AdmissionChain:
    """Named plugins in execution order. ``warn`` receives the warnings plugins add (the request's
    ``Warning`` headers in the API server) as they add them; ``annotate`` receives the audit annotations
    plugins added, at the end of each phase, even when a plugin refused the request (upstream's
    ``admission.WithAudit``)."""

    def __init__(
        self,
        plugins: Sequence[tuple[str, Interface]] = (),
        *,
        warn: Callable[[str], None] = lambda text: None,
        annotate: Callable[[str, str], None] = lambda key, value: None,
    ) -> None:
        self.plugins = tuple(plugins)
        self.warn = warn
        self.annotate = annotate
        self._mutating = tuple(
            (name, plugin) for name, plugin in self.plugins if isinstance(plugin, MutationInterface)
        )
        self._validating = tuple(
            (name, plugin) for name, plugin in self.plugins if isinstance(plugin, ValidationInterface)
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.plugins)

    def plugin(self, name: str) -> Interface | None:
        return next((plugin for plugin_name, plugin in self.plugins if plugin_name == name), None)

    def handles(self, operation: Operation) -> bool:
        return any(plugin.handles(operation) for _, plugin in self.plugins)

    def mutates(self, operation: Operation) -> bool:
        return any(plugin.handles(operation) for _, plugin in self._mutating)

    def validates(self, operation: Operation) -> bool:
        return any(plugin.handles(operation) for _, plugin in self._validating)

    async def admit(self, attributes: Attributes) -> None:
        """The mutating phase; a second pass if a plugin asked for re-invocation."""
        attributes.warn = self.warn
        try:
            await self._admit_once(attributes)
            if attributes.reinvocation.should_reinvoke:
                attributes.reinvocation.set_is_reinvoke()
                await self._admit_once(attributes)
        finally:
            self._flush_annotations(attributes)

    async def _admit_once(self, attributes: Attributes) -> None:
        for _, plugin in self._mutating:
            if plugin.handles(attributes.operation):
                await plugin.admit(attributes)

    async def validate(self, attributes: Attributes) -> None:
        attributes.warn = self.warn
        try:
            for _, plugin in self._validating:
                if plugin.handles(attributes.operation):
                    await plugin.validate(attributes)
        finally:
            self._flush_annotations(attributes)

    def _flush_annotations(self, attributes: Attributes) -> None:
        for key, value in attributes.annotations.items():
            self.annotate(key, value)
