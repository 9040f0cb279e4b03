"""Conversion between the API versions of one kind, for kinds served in several versions but stored in one.

Kubernetes stores each resource in one version and converts on the way in and out: an ``autoscaling/v1``
HorizontalPodAutoscaler is stored as ``autoscaling/v2``, and events written through ``events.k8s.io/v1`` are
stored as core ``v1`` Events (one storage, so ``kubectl get events`` shows both). The API server calls
:func:`storage_version` to learn the stored version of a kind and :func:`convert` to move an object between
the version of a request and the stored one, both ways.

Conversions are pure functions on JSON dicts, one module per API group naming the upstream files it
reproduces (:mod:`~pinnace.api.conversion.autoscaling`, :mod:`~pinnace.api.conversion.events`), registered by
(source group-version-kind, target group-version) in :mod:`~pinnace.api.conversion.scheme`. Where upstream's
result depends on Go's typed round trip - fields dropped or defaulted, zero values written as ``null``,
``"0"`` or ``{}``, structs serialized into annotations - :mod:`~pinnace.api.conversion.gojson` reproduces Go's
``encoding/json`` from type descriptions, so the output is what a 1.32 cluster shows.

Inputs are never mutated (they may be shared cached objects); see
:data:`~pinnace.api.conversion.base.Converter` for the contract.
"""

from pinnace.api.conversion.base import ConversionError, ConversionKey, Converter
from pinnace.api.conversion.scheme import CONVERSIONS, STORAGE_VERSIONS, convert, storage_version

__all__ = [
    "CONVERSIONS",
    "STORAGE_VERSIONS",
    "ConversionError",
    "ConversionKey",
    "Converter",
    "convert",
    "storage_version",
]
