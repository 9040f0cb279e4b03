"""Event rows for ``core/v1`` and ``events.k8s.io/v1`` (``printEvent`` in printers.go).

Both groups are served by one storage upstream and print the internal (core-shaped) Event, so an
``events.k8s.io/v1`` object is first read through its conversion to the core shape
(:mod:`pinnace.api.conversion.events`: ``regarding`` -> ``involvedObject``, ``note`` -> ``message``,
``deprecatedSource``/``deprecatedFirstTimestamp``/``deprecatedLastTimestamp``/``deprecatedCount`` -> the
old fields). LAST SEEN falls back to the first time seen, then to ``eventTime``; a series overrides the
last time and the count; a singleton event of the new API counts 1.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.conversion import ConversionError, convert
from pinnace.api.printers.columns import Cell, TablePrinter, column, doc, wide
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import Obj, get_dict, get_int, get_opt_dict, get_opt_str, get_str, name_of
from pinnace.api.printers.formatting import go_trim_space

COLUMNS = (
    column("Last Seen", doc("core/v1.Event.lastTimestamp")),
    column("Type", doc("core/v1.Event.type")),
    column("Reason", doc("core/v1.Event.reason")),
    column("Object", doc("core/v1.Event.involvedObject")),
    wide("Subobject", doc("core/v1.ObjectReference.fieldPath")),
    wide("Source", doc("core/v1.Event.source")),
    column("Message", doc("core/v1.Event.message")),
    wide("First Seen", doc("core/v1.Event.firstTimestamp")),
    wide("Count", doc("core/v1.Event.count")),
    column("Name", doc("meta/v1.ObjectMeta.name"), format="name", priority=1),
)


def core_event_from_events_v1(event: Obj) -> Obj:
    """An ``events.k8s.io/v1`` Event in the core shape the printer reads.

    :func:`pinnace.api.conversion.convert` to core ``v1``; an object the conversion refuses as malformed
    (which the API server never stores) is read as it is, through the fields both shapes share.
    """
    try:
        return convert({**event, "apiVersion": "events.k8s.io/v1", "kind": "Event"}, "v1")
    except ConversionError:
        return event


def event_source(event: Obj) -> str:
    """``formatEventSource``: component (else reporting controller), then host (else reporting instance)."""
    source = get_dict(event, "source")
    component = get_str(source, "component") or get_str(event, "reportingComponent")
    instance = get_str(source, "host") or get_str(event, "reportingInstance")
    return f"{component}, {instance}" if instance else component


def event_cells(event: Obj, now: datetime) -> list[Cell]:
    first_seen = get_opt_str(event, "firstTimestamp")
    first = (
        translate_timestamp_since(first_seen, now)
        if first_seen
        else translate_timestamp_since(get_opt_str(event, "eventTime"), now)
    )
    last_seen = get_opt_str(event, "lastTimestamp")
    last = translate_timestamp_since(last_seen, now) if last_seen else first
    count = get_int(event, "count")
    series = get_opt_dict(event, "series")
    if series is not None:
        last = translate_timestamp_since(get_opt_str(series, "lastObservedTime"), now)
        count = get_int(series, "count")
    elif count == 0:
        count = 1  # singleton events of the events.k8s.io API leave count unset
    involved = get_dict(event, "involvedObject")
    kind = get_str(involved, "kind").lower()
    target = f"{kind}/{get_str(involved, 'name')}" if get_str(involved, "name") else kind
    return [
        last,
        get_str(event, "type"),
        get_str(event, "reason"),
        target,
        get_str(involved, "fieldPath"),
        event_source(event),
        go_trim_space(get_str(event, "message")),
        first,
        count,
        name_of(event),
    ]


EVENT = TablePrinter(COLUMNS, event_cells)
"""A ``core/v1`` Event."""

EVENTS_V1_EVENT = TablePrinter(COLUMNS, lambda obj, now: event_cells(core_event_from_events_v1(obj), now))
"""An ``events.k8s.io/v1`` Event."""

PRINTERS: dict[str, TablePrinter] = {"Event": EVENTS_V1_EVENT}
"""``events.k8s.io`` printers by kind."""
