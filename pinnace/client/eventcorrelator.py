"""What happens to an Event between ``recorder.event(...)`` and the API: client-go's ``EventCorrelator``
(``tools/record/events_cache.go``), three stages in order:

1. **spam filter**: each (source, involved object) has a token bucket of 25 events refilled one per 5 minutes;
   events beyond it are dropped;
2. **aggregator**: once an object has had 10 events with the same reason and type but different messages
   within 10 minutes, further ones become one event, ``(combined from similar events): <message>``;
3. **logger**: an event identical to one already written (same source, object, type, reason, message) is not
   created again: the existing Event's ``count`` and ``lastTimestamp`` are PATCHed instead.

Pure bookkeeping over the injected clock; :class:`~pinnace.client.events.EventRecorder` does the writing.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from pinnace.client.clock import Clock
from pinnace.client.interface import Object
from pinnace.client.ratelimit import TokenBucket

CACHE_SIZE = 4096  # maxLruCacheEntries
SPAM_BURST = 25  # defaultSpamBurst
SPAM_QPS = 1.0 / 300.0  # defaultSpamQPS
AGGREGATE_MAX_EVENTS = 10  # defaultAggregateMaxEvents
AGGREGATE_INTERVAL = timedelta(seconds=600)  # defaultAggregateIntervalInSeconds
AGGREGATE_PREFIX = "(combined from similar events): "


@dataclass(slots=True)
class Observation:
    """What the logger remembers of an Event it wrote."""

    name: str
    count: int
    first_timestamp: str
    resource_version: str = ""


@dataclass(slots=True)
class _Similar:
    messages: set[str] = field(default_factory=set)
    last: datetime | None = None


@dataclass(frozen=True, slots=True)
class Correlated:
    """The event to write; ``patch`` is set when it updates an earlier Event (name in ``event``)."""

    event: Object
    key: str
    patch: Object | None


def _involved(event: Object) -> list[str]:
    ref = event.get("involvedObject") or {}
    return [str(ref.get(f) or "") for f in ("kind", "namespace", "name", "fieldPath", "uid", "apiVersion")]


def _source(event: Object) -> list[str]:
    source = event.get("source") or {}
    return [str(source.get("component") or ""), str(source.get("host") or "")]


def event_key(event: Object) -> str:
    """``getEventKey``: everything that makes two events the same event."""
    parts = [*_source(event), *_involved(event), str(event.get("type")), str(event.get("reason"))]
    return "".join([*parts, str(event.get("message"))])


def _aggregate_key(event: Object) -> str:
    parts = [*_source(event), *_involved(event), str(event.get("type")), str(event.get("reason"))]
    parts += [str(event.get("reportingComponent") or ""), str(event.get("reportingInstance") or "")]
    return "".join(parts)


def _spam_key(event: Object) -> str:
    return "".join([*_source(event), *_involved(event)])


V = TypeVar("V")


class _LRU(Generic[V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def pop(self, key: str) -> None:
        self._items.pop(key, None)

    def put(self, key: str, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class EventCorrelator:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._spam: _LRU[TokenBucket] = _LRU(CACHE_SIZE)
        self._similar: _LRU[_Similar] = _LRU(CACHE_SIZE)
        self._observed: _LRU[Observation] = _LRU(CACHE_SIZE)

    def correlate(self, event: Object) -> Correlated | None:
        """The write to make for ``event``, or None when the spam filter drops it."""
        spam_key = _spam_key(event)
        bucket = self._spam.get(spam_key)
        if bucket is None:
            bucket = TokenBucket(SPAM_QPS, SPAM_BURST, clock=self._clock)
            self._spam.put(spam_key, bucket)
        if not bucket.try_accept():
            return None
        event, key = self._aggregate(event)
        return self._observe(event, key)

    def _aggregate(self, event: Object) -> tuple[Object, str]:
        aggregate_key, now = _aggregate_key(event), self._clock.now()
        similar = self._similar.get(aggregate_key)
        if similar is None or similar.last is None or now - similar.last > AGGREGATE_INTERVAL:
            similar = _Similar()
        similar.messages.add(str(event.get("message")))
        similar.last = now
        self._similar.put(aggregate_key, similar)
        if len(similar.messages) < AGGREGATE_MAX_EVENTS:
            return event, event_key(event)
        similar.messages.pop()  # keep the set bounded, as upstream does
        combined = copy.deepcopy(event)
        combined["message"] = AGGREGATE_PREFIX + str(event.get("message"))
        return combined, aggregate_key

    def _observe(self, event: Object, key: str) -> Correlated:
        seen = self._observed.get(key)
        if seen is None:
            return Correlated(event, key, None)
        updated = copy.deepcopy(event)
        updated["metadata"]["name"] = seen.name
        updated["count"] = seen.count + 1
        updated["firstTimestamp"] = seen.first_timestamp
        patch = {
            "count": updated["count"],
            "lastTimestamp": updated["lastTimestamp"],
            "message": updated["message"],
        }
        return Correlated(updated, key, patch)

    def written(self, key: str, stored: Object) -> None:
        """Remember an Event the API server accepted, so the next identical one patches it."""
        metadata = stored.get("metadata") or {}
        self._observed.put(
            key,
            Observation(
                name=str(metadata.get("name") or ""),
                count=int(stored.get("count") or 1),
                first_timestamp=str(stored.get("firstTimestamp") or ""),
                resource_version=str(metadata.get("resourceVersion") or ""),
            ),
        )

    def forget(self, key: str) -> None:
        """The Event is gone from the server (a patch answered NotFound): create it anew next time."""
        self._observed.pop(key)
