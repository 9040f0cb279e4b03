"""The field managers of one resource version: one for the resource and one per subresource written.

Upstream builds a ``FieldManager`` per endpoint (``installer.go``: the kind at the request's version, the
strategy's reset fields, and the subresource), whose work is :mod:`pinnace.api.fieldmanager`. The managers
compare with the kind's Go zero value on create and convert objects to another version when a manager
owns fields at that version (autoscaling/v1 HPAs stored as v2, events.k8s.io Events stored as core v1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pinnace.api.conversion import ConversionError, convert
from pinnace.api.fieldmanager import FieldManager, builtin_types
from pinnace.api.fieldmanager.resetfields import reset_fields
from pinnace.api.registry import ResourceInfo

Object = dict[str, Any]


class FieldManagers:
    def __init__(self, info: ResourceInfo, clock: Callable[[], datetime], *, has_status: bool) -> None:
        self.info = info
        self.clock = clock
        self.has_status = has_status
        self._managers: dict[str, FieldManager] = {}

    def get(self, subresource: str = "") -> FieldManager:
        found = self._managers.get(subresource)
        if found is None:
            info, types = self.info, builtin_types()
            found = self._managers[subresource] = FieldManager(
                api_version=info.api_version,
                kind=info.kind,
                types=types,
                convert=_convert_or_none,
                clock=self.clock,
                subresource=subresource,
                reset=reset_fields(info.group, info.kind, subresource, has_status=self.has_status),
                zero=types.zero_object(info.api_version, info.kind),
            )
        return found


def _convert_or_none(obj: Object, api_version: str) -> Object | None:
    """An object at another version of its kind; None when it has none (that manager is dropped)."""
    try:
        return convert(obj, api_version)
    except ConversionError:
        return None
