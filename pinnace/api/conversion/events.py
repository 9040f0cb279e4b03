"""Event between the core group's ``v1`` (the stored version) and ``events.k8s.io/v1``.

Reproduces Kubernetes 1.32's ``pkg/apis/events/v1/conversion.go`` (``Convert_v1_Event_To_core_Event`` and
``Convert_core_Event_To_v1_Event``) with the generated part in ``zz_generated.conversion.go``. Upstream keeps
both APIs in one storage (``/registry/events``), so ``kubectl get events`` lists the events a component wrote
through events.k8s.io/v1 and the reverse. The two are one type with renamed fields (events.k8s.io/v1 first):

- ``regarding`` - ``involvedObject``; ``note`` - ``message``;
- ``deprecatedSource`` - ``source`` (``component``, ``host``); ``deprecatedFirstTimestamp`` -
  ``firstTimestamp``; ``deprecatedLastTimestamp`` - ``lastTimestamp``; ``deprecatedCount`` - ``count``;
- ``reportingController`` - ``reportingComponent`` (one Go field ``ReportingController``, two JSON names);
- the same in both: ``reportingInstance``, ``eventTime``, ``series`` (``count``, ``lastObservedTime``),
  ``action``, ``reason``, ``related``, ``type``.

The old and new reporting fields stay apart: ``source.component``/``source.host`` are not copied into
``reportingController``/``reportingInstance`` nor the reverse, as upstream's conversion does not.

Every field has a counterpart, so the conversion is lossless both ways. What each version's JSON encoder adds
is added too, as a real cluster shows it: core events always carry ``source`` (``{}``), ``involvedObject``,
``reportingComponent`` and ``reportingInstance`` (``""``), and zero times as ``null``; events.k8s.io events
always carry ``eventTime`` (``null`` for an event recorded the old way), ``regarding`` and
``deprecatedSource``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pinnace.api.conversion.base import ConversionError, ConversionKey, Converter, Obj
from pinnace.api.conversion.gojson import INT32, STRING, TIME, DecodeError, Field, Ptr, Struct, decode, encode
from pinnace.api.gvk import GroupVersion, GroupVersionKind

KIND = "Event"
CORE_V1 = GroupVersion("", "v1")
EVENTS_V1 = GroupVersion("events.k8s.io", "v1")

_OPTIONAL = True

_OBJECT_REFERENCE = Struct(
    "ObjectReference",
    tuple(
        Field(name, STRING, _OPTIONAL)
        for name in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    ),
)
_EVENT_SOURCE = Struct(
    "EventSource", (Field("component", STRING, _OPTIONAL), Field("host", STRING, _OPTIONAL))
)

# k8s.io/api/core/v1/types.go: Event and EventSeries.
_CORE_SERIES = Struct(
    "EventSeries", (Field("count", INT32, _OPTIONAL), Field("lastObservedTime", TIME, _OPTIONAL))
)
_CORE_EVENT = Struct(
    "Event",
    (
        Field("involvedObject", _OBJECT_REFERENCE),
        Field("reason", STRING, _OPTIONAL),
        Field("message", STRING, _OPTIONAL),
        Field("source", _EVENT_SOURCE, _OPTIONAL),
        Field("firstTimestamp", TIME, _OPTIONAL),
        Field("lastTimestamp", TIME, _OPTIONAL),
        Field("count", INT32, _OPTIONAL),
        Field("type", STRING, _OPTIONAL),
        Field("eventTime", TIME, _OPTIONAL),
        Field("series", Ptr(_CORE_SERIES), _OPTIONAL),
        Field("action", STRING, _OPTIONAL),
        Field("related", Ptr(_OBJECT_REFERENCE), _OPTIONAL),
        Field("reportingComponent", STRING),
        Field("reportingInstance", STRING),
    ),
)

# k8s.io/api/events/v1/types.go: Event and EventSeries.
_EVENTS_SERIES = Struct("EventSeries", (Field("count", INT32), Field("lastObservedTime", TIME)))
_EVENTS_EVENT = Struct(
    "Event",
    (
        Field("eventTime", TIME),
        Field("series", Ptr(_EVENTS_SERIES), _OPTIONAL),
        Field("reportingController", STRING, _OPTIONAL),
        Field("reportingInstance", STRING, _OPTIONAL),
        Field("action", STRING, _OPTIONAL),
        Field("reason", STRING, _OPTIONAL),
        Field("regarding", _OBJECT_REFERENCE, _OPTIONAL),
        Field("related", Ptr(_OBJECT_REFERENCE), _OPTIONAL),
        Field("note", STRING, _OPTIONAL),
        Field("type", STRING, _OPTIONAL),
        Field("deprecatedSource", _EVENT_SOURCE, _OPTIONAL),
        Field("deprecatedFirstTimestamp", TIME, _OPTIONAL),
        Field("deprecatedLastTimestamp", TIME, _OPTIONAL),
        Field("deprecatedCount", INT32, _OPTIONAL),
    ),
)


def _convert(
    obj: Obj, source: Struct, target: Struct, version: GroupVersion, renames: Mapping[str, str]
) -> Obj:
    """Decode ``obj`` as ``source``, rename its fields (same name unless listed), encode it as ``target``."""
    try:
        body = decode({key: value for key, value in obj.items() if key != "metadata"}, source)
    except DecodeError as err:
        raise ConversionError(f"{KIND}: {err}") from err
    converted = {field.name: body[renames.get(field.name, field.name)] for field in target.fields}
    out: Obj = {"kind": KIND, "apiVersion": version.api_version}
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        out["metadata"] = dict(metadata)
    out.update(encode(converted, target))
    return out


# The JSON name in the target -> the JSON name in the source; the series structs match field for field.
_CORE_FROM_EVENTS = MappingProxyType(
    {
        "involvedObject": "regarding",
        "message": "note",
        "source": "deprecatedSource",
        "firstTimestamp": "deprecatedFirstTimestamp",
        "lastTimestamp": "deprecatedLastTimestamp",
        "count": "deprecatedCount",
        "reportingComponent": "reportingController",
    }
)
_EVENTS_FROM_CORE = MappingProxyType({source: target for target, source in _CORE_FROM_EVENTS.items()})


def event_events_v1_to_core(obj: Obj) -> Obj:
    """``Convert_v1_Event_To_core_Event``: an events.k8s.io/v1 Event in the stored core shape."""
    return _convert(obj, _EVENTS_EVENT, _CORE_EVENT, CORE_V1, _CORE_FROM_EVENTS)


def event_core_to_events_v1(obj: Obj) -> Obj:
    """``Convert_core_Event_To_v1_Event``: a core Event as events.k8s.io/v1 shows it."""
    return _convert(obj, _CORE_EVENT, _EVENTS_EVENT, EVENTS_V1, _EVENTS_FROM_CORE)


CONVERSIONS: Mapping[ConversionKey, Converter] = MappingProxyType(
    {
        ConversionKey(GroupVersionKind("events.k8s.io", "v1", KIND), CORE_V1): event_events_v1_to_core,
        ConversionKey(GroupVersionKind("", "v1", KIND), EVENTS_V1): event_core_to_events_v1,
    }
)

STORAGE_VERSIONS: Mapping[tuple[str, str], GroupVersion] = MappingProxyType(
    {("", KIND): CORE_V1, ("events.k8s.io", KIND): CORE_V1}
)
