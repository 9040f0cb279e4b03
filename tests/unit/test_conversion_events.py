"""Events between core v1 (stored) and events.k8s.io/v1: one storage, two shapes, as a 1.32 cluster shows them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pinnace.api.conversion import ConversionError, convert

Obj = dict[str, Any]

POD = {
    "kind": "Pod",
    "namespace": "default",
    "name": "web-1",
    "uid": "5c1d0a4e",
    "apiVersion": "v1",
    "resourceVersion": "512",
}
CONTAINER = {**POD, "fieldPath": "spec.containers{app}"}
NODE = {"kind": "Node", "name": "node-1", "uid": "node-1", "apiVersion": "v1"}
T0 = "2025-01-10T12:00:00Z"
T1 = "2025-01-10T12:05:00Z"
MICRO = "2025-01-10T12:00:00.123456Z"


def metadata(name: str) -> Obj:
    return {
        "name": name,
        "namespace": "default",
        "uid": "e-1",
        "resourceVersion": "600",
        "creationTimestamp": T0,
    }


# The scheduler records through events.k8s.io/v1 (k8s.io/client-go/tools/events).
SCHEDULED = {
    "kind": "Event",
    "apiVersion": "events.k8s.io/v1",
    "metadata": metadata("web-1.181a2b3c4d5e6f70"),
    "eventTime": MICRO,
    "reportingController": "default-scheduler",
    "reportingInstance": "default-scheduler-control-plane",
    "action": "Binding",
    "reason": "Scheduled",
    "regarding": POD,
    "note": "Successfully assigned default/web-1 to node-1",
    "type": "Normal",
}
SCHEDULED_AS_CORE = {
    "kind": "Event",
    "apiVersion": "v1",
    "metadata": metadata("web-1.181a2b3c4d5e6f70"),
    "involvedObject": POD,
    "reason": "Scheduled",
    "message": "Successfully assigned default/web-1 to node-1",
    "source": {},
    "firstTimestamp": None,
    "lastTimestamp": None,
    "type": "Normal",
    "eventTime": MICRO,
    "action": "Binding",
    "reportingComponent": "default-scheduler",
    "reportingInstance": "default-scheduler-control-plane",
}
# As events.k8s.io/v1 serves it back: Go writes the deprecated struct and times it has no value for.
SCHEDULED_SERVED = {
    **SCHEDULED,
    "deprecatedSource": {},
    "deprecatedFirstTimestamp": None,
    "deprecatedLastTimestamp": None,
}

# The kubelet records through core v1 (k8s.io/client-go/tools/record).
PULLED = {
    "kind": "Event",
    "apiVersion": "v1",
    "metadata": metadata("web-1.181a2b3c4d5e6f71"),
    "involvedObject": CONTAINER,
    "reason": "Pulled",
    "message": 'Container image "nginx:1.27" already present on machine',
    "source": {"component": "kubelet", "host": "node-1"},
    "firstTimestamp": T0,
    "lastTimestamp": T1,
    "count": 4,
    "type": "Normal",
    "eventTime": None,
    "reportingComponent": "kubelet",
    "reportingInstance": "node-1",
}
PULLED_AS_EVENTS = {
    "kind": "Event",
    "apiVersion": "events.k8s.io/v1",
    "metadata": metadata("web-1.181a2b3c4d5e6f71"),
    "eventTime": None,
    "reportingController": "kubelet",
    "reportingInstance": "node-1",
    "reason": "Pulled",
    "regarding": CONTAINER,
    "note": 'Container image "nginx:1.27" already present on machine',
    "type": "Normal",
    "deprecatedSource": {"component": "kubelet", "host": "node-1"},
    "deprecatedFirstTimestamp": T0,
    "deprecatedLastTimestamp": T1,
    "deprecatedCount": 4,
}

# A series from the new API, with a related object.
SERIES = {
    "kind": "Event",
    "apiVersion": "events.k8s.io/v1",
    "metadata": metadata("node-1.181a2b3c4d5e6f72"),
    "eventTime": MICRO,
    "series": {"count": 3, "lastObservedTime": "2025-01-10T12:09:00.000001Z"},
    "reportingController": "node-controller",
    "reportingInstance": "kube-controller-manager-control-plane",
    "action": "Evicting",
    "reason": "NodeNotReady",
    "regarding": NODE,
    "related": POD,
    "note": "Node is not ready",
    "type": "Warning",
    "deprecatedSource": {},
    "deprecatedFirstTimestamp": None,
    "deprecatedLastTimestamp": None,
}
SERIES_AS_CORE = {
    "kind": "Event",
    "apiVersion": "v1",
    "metadata": metadata("node-1.181a2b3c4d5e6f72"),
    "involvedObject": NODE,
    "reason": "NodeNotReady",
    "message": "Node is not ready",
    "source": {},
    "firstTimestamp": None,
    "lastTimestamp": None,
    "type": "Warning",
    "eventTime": MICRO,
    "series": {"count": 3, "lastObservedTime": "2025-01-10T12:09:00.000001Z"},
    "action": "Evicting",
    "related": POD,
    "reportingComponent": "node-controller",
    "reportingInstance": "kube-controller-manager-control-plane",
}

CASES: list[tuple[str, Obj, str, Obj]] = [
    ("a scheduler event reads as core v1", SCHEDULED, "v1", SCHEDULED_AS_CORE),
    ("and back with Go's zero values", SCHEDULED_AS_CORE, "events.k8s.io/v1", SCHEDULED_SERVED),
    ("a kubelet event reads as events.k8s.io/v1", PULLED, "events.k8s.io/v1", PULLED_AS_EVENTS),
    ("and back", PULLED_AS_EVENTS, "v1", PULLED),
    ("a series and a related object map field for field", SERIES, "v1", SERIES_AS_CORE),
    ("and back", SERIES_AS_CORE, "events.k8s.io/v1", SERIES),
    (
        "a core event without reporting fields, as events.k8s.io/v1",
        {
            "kind": "Event",
            "apiVersion": "v1",
            "metadata": metadata("x"),
            "involvedObject": POD,
            "message": "hi",
        },
        "events.k8s.io/v1",
        {
            "kind": "Event",
            "apiVersion": "events.k8s.io/v1",
            "metadata": metadata("x"),
            "eventTime": None,
            "regarding": POD,
            "note": "hi",
            "deprecatedSource": {},
            "deprecatedFirstTimestamp": None,
            "deprecatedLastTimestamp": None,
        },
    ),
    (
        "the old source is not copied into the reporting fields",
        {**PULLED, "reportingComponent": "", "reportingInstance": ""},
        "events.k8s.io/v1",
        {key: value for key, value in PULLED_AS_EVENTS.items() if not key.startswith("reporting")},
    ),
    (
        "a series count of 0 is kept by events.k8s.io/v1",
        {**SERIES_AS_CORE, "series": {"lastObservedTime": MICRO}},
        "events.k8s.io/v1",
        {**SERIES, "series": {"count": 0, "lastObservedTime": MICRO}},
    ),
]


@pytest.mark.parametrize(("event", "target", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_event_conversion(event: Obj, target: str, expected: Obj) -> None:
    assert convert(event, target) == expected


ROUND_TRIPS: list[tuple[str, Obj, str]] = [
    ("an events.k8s.io/v1 event survives storage as core v1", SCHEDULED_SERVED, "v1"),
    ("a series survives storage as core v1", SERIES, "v1"),
    ("a core event survives a read through events.k8s.io/v1", PULLED, "events.k8s.io/v1"),
    ("a core event from the new API survives it too", SCHEDULED_AS_CORE, "events.k8s.io/v1"),
]


@pytest.mark.parametrize(("event", "via"), [c[1:] for c in ROUND_TRIPS], ids=[c[0] for c in ROUND_TRIPS])
def test_event_round_trips_are_lossless(event: Obj, via: str) -> None:
    assert convert(convert(event, via), event["apiVersion"]) == event


def test_a_written_event_is_served_as_upstream_serves_it_from_then_on() -> None:
    # The first read adds Go's zero values; every later round trip is the identity.
    served = convert(convert(SCHEDULED, "v1"), "events.k8s.io/v1")
    assert served == SCHEDULED_SERVED
    assert convert(convert(served, "v1"), "events.k8s.io/v1") == served


@pytest.mark.parametrize(
    ("event", "target"),
    [(SCHEDULED, "v1"), (PULLED, "events.k8s.io/v1"), (SERIES, "v1")],
    ids=["events.k8s.io/v1 to core", "core to events.k8s.io/v1", "a series to core"],
)
def test_events_are_never_mutated_nor_shared(event: Obj, target: str) -> None:
    before = copy.deepcopy(event)
    out = convert(event, target)
    assert event == before
    assert out["metadata"] is not event["metadata"]
    for value in out.values():
        if isinstance(value, dict) and value:
            value["changed"] = "yes"
    assert event == before


def test_a_malformed_event_raises_a_conversion_error() -> None:
    with pytest.raises(ConversionError) as raised:
        convert({**PULLED, "count": "four"}, "events.k8s.io/v1")
    assert (
        str(raised.value)
        == "Event: json: cannot unmarshal string into Go struct field Event.count of type int32"
    )
