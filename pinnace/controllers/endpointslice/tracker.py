"""``EndpointSliceTracker``: the generation of every EndpointSlice this controller last wrote, per Service
(upstream's ``k8s.io/endpointslice/util/endpointslice_tracker.go``).

It answers two questions: does a slice event come from someone else (sync the Service again) or is it the
echo of this controller's own write (ignore it); and is the slice cache behind this controller's writes
(then a sync would work from stale data, so it is retried instead).
"""

from __future__ import annotations

from typing import Any, Final

from pinnace.client.keys import ObjectKey

Object = dict[str, Any]

#: ``deletionExpected``: this controller deleted the slice and waits for the cache to see it go.
DELETION_EXPECTED: Final = -1

LABEL_SERVICE_NAME: Final = "kubernetes.io/service-name"


def service_key_of_slice(endpoint_slice: Object) -> ObjectKey:
    metadata = endpoint_slice.get("metadata") or {}
    service = str((metadata.get("labels") or {}).get(LABEL_SERVICE_NAME) or "")
    return ObjectKey(str(metadata.get("namespace") or ""), service)


def _uid(endpoint_slice: Object) -> str:
    return str((endpoint_slice.get("metadata") or {}).get("uid") or "")


def _generation(endpoint_slice: Object) -> int:
    return int((endpoint_slice.get("metadata") or {}).get("generation") or 0)


class EndpointSliceTracker:
    def __init__(self) -> None:
        self._generations: dict[ObjectKey, dict[str, int]] = {}
        self._service_uids: dict[ObjectKey, str] = {}

    def has(self, endpoint_slice: Object) -> bool:
        return _uid(endpoint_slice) in self._generations.get(service_key_of_slice(endpoint_slice), {})

    def should_sync(self, endpoint_slice: Object) -> bool:
        """Not a slice this controller wrote, or changed since it did."""
        generations = self._generations.get(service_key_of_slice(endpoint_slice))
        if generations is None:
            return True
        tracked = generations.get(_uid(endpoint_slice))
        return tracked is None or _generation(endpoint_slice) > tracked

    def stale_slices(self, service: Object, slices: list[Object]) -> bool:
        """The cache lags: a slice older than written, one expected gone, or one written but not yet seen.
        A Service recreated under the same name starts afresh."""
        key = ObjectKey(str(service["metadata"].get("namespace") or ""), service["metadata"]["name"])
        uid = str(service["metadata"].get("uid") or "")
        tracked_uid = self._service_uids.get(key)
        if tracked_uid and uid and tracked_uid != uid:
            self._generations.pop(key, None)
        self._service_uids[key] = uid
        generations = self._generations.get(key)
        if generations is None:
            return False
        provided = {_uid(s) for s in slices}
        for endpoint_slice in slices:
            tracked = generations.get(_uid(endpoint_slice))
            if tracked is not None and (
                tracked == DELETION_EXPECTED or tracked > _generation(endpoint_slice)
            ):
                return True
        return any(g != DELETION_EXPECTED and u not in provided for u, g in generations.items())

    def update(self, endpoint_slice: Object) -> None:
        key = service_key_of_slice(endpoint_slice)
        self._generations.setdefault(key, {})[_uid(endpoint_slice)] = _generation(endpoint_slice)

    def expect_deletion(self, endpoint_slice: Object) -> None:
        key = service_key_of_slice(endpoint_slice)
        self._generations.setdefault(key, {})[_uid(endpoint_slice)] = DELETION_EXPECTED

    def handle_deletion(self, endpoint_slice: Object) -> bool:
        """Forget a deleted slice; False when its deletion was not this controller's doing."""
        generations = self._generations.get(service_key_of_slice(endpoint_slice))
        if generations is not None:
            tracked = generations.pop(_uid(endpoint_slice), None)
            if tracked is not None and tracked != DELETION_EXPECTED:
                return False
        return True

    def delete_service(self, key: ObjectKey) -> None:
        self._generations.pop(key, None)
        self._service_uids.pop(key, None)
