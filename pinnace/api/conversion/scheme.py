"""The conversion registry: (source group-version-kind, target group-version) -> the function converting.

Upstream registers conversion functions in the scheme (``scheme.AddConversionFunc``) and the codec runs them
whenever an object is read or written in a version other than the stored one. Here each group module exports
``CONVERSIONS`` and ``STORAGE_VERSIONS``; :func:`convert` dispatches on the object's ``apiVersion`` and
``kind`` and the target, and refuses loudly, with :class:`ConversionError`, what nothing registers.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pinnace.api.conversion import autoscaling, events
from pinnace.api.conversion.base import ConversionError, ConversionKey, Converter, Obj
from pinnace.api.gvk import GroupVersion, GroupVersionKind

_MODULES = (autoscaling, events)

CONVERSIONS: Mapping[ConversionKey, Converter] = MappingProxyType(
    {key: converter for module in _MODULES for key, converter in module.CONVERSIONS.items()}
)
STORAGE_VERSIONS: Mapping[tuple[str, str], GroupVersion] = MappingProxyType(
    {key: version for module in _MODULES for key, version in module.STORAGE_VERSIONS.items()}
)


def _source_gvk(obj: Obj) -> GroupVersionKind:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    # apimachinery's missing-TypeMeta wording (runtime.NewMissingKindErr / NewMissingVersionErr).
    if not isinstance(kind, str) or not kind:
        raise ConversionError("Object 'Kind' is missing")
    if not isinstance(api_version, str) or not api_version:
        raise ConversionError("Object 'apiVersion' is missing")
    try:
        return GroupVersionKind.from_api_version(api_version, kind)
    except ValueError as err:
        raise ConversionError(str(err)) from err


def convert(obj: Obj, target_api_version: str) -> Obj:
    """``obj`` as ``target_api_version`` shows it: a new dict; ``obj`` is never mutated.

    The same version gives a shallow copy (``apiVersion`` spelled as the target spells it). Between versions
    the registered conversion runs (see :data:`~pinnace.api.conversion.base.Converter` for what its result
    shares with ``obj``). Raises :class:`ConversionError` when nothing converts the kind between the two
    versions, for an object without ``apiVersion``/``kind``, and for a malformed object.
    """
    source = _source_gvk(obj)
    try:
        target = GroupVersion.parse(target_api_version)
    except ValueError as err:
        raise ConversionError(str(err)) from err
    if source.group_version == target:
        return {**obj, "apiVersion": target.api_version}
    converter = CONVERSIONS.get(ConversionKey(source, target))
    if converter is None:
        # runtime.NewNotRegisteredErrForTarget's wording, without the scheme name.
        raise ConversionError(f"{source} is not suitable for converting to {target.api_version!r}")
    return converter(obj)


def storage_version(group: str, kind: str) -> str | None:
    """The ``apiVersion`` objects of a kind served in several versions are stored as; None for other kinds.

    HorizontalPodAutoscaler -> ``autoscaling/v2``; Event, of either group, -> ``v1`` (one storage upstream).
    """
    version = STORAGE_VERSIONS.get((group, kind))
    return None if version is None else version.api_version
