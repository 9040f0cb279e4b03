"""The field manager of one resource endpoint: apimachinery's ``FieldManager`` and its chain of managers.

Upstream (``util/managedfields/internal/fieldmanager.go`` ``NewDefaultFieldManager``) wraps the structured
merge manager in layers, outermost first; :class:`FieldManager` runs the same steps:

- *version check*: an applied configuration must be of the endpoint's apiVersion and kind;
- *last-applied updater and manager*: for the manager ``kubectl`` only, conflicts on fields that still hold
  what the ``kubectl.kubernetes.io/last-applied-configuration`` annotation says are no conflicts (the
  client-side apply upgrade), and that annotation is kept in step with what is applied;
- *skip non-applied*: an object whose managed fields are empty is not tracked again by updates; an apply to
  one first gives its existing fields to ``before-first-apply``;
- *cap managers*: beyond 10 Update entries the oldest merge into ``ancient-changes``;
- *build manager info*: the manager identifier from name, operation, version and subresource;
- *managed fields updater*: an Update entry's fields accumulate, and its time moves whenever it takes a field;
- *strip meta*: ``apiVersion``, ``kind``, ``metadata`` and its server-set fields are never owned;
- *structured merge*: :class:`~pinnace.api.fieldmanager.updater.Updater`.

:meth:`FieldManager.update` is ``UpdateNoErrors`` (create, update, non-apply patch): it never fails a
request - on an internal error the object is written without managed fields. :meth:`FieldManager.apply`
raises :class:`ApplyError` or :class:`~pinnace.api.fieldmanager.conflicts.Conflicts`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from pinnace.api.conversion.gojson import marshal
from pinnace.api.fieldmanager import managed as managedfields
from pinnace.api.fieldmanager.compare import compare
from pinnace.api.fieldmanager.conflicts import Conflicts
from pinnace.api.fieldmanager.fieldpath import FieldSet, field
from pinnace.api.fieldmanager.managed import APPLY, UPDATE, Managed, manager_identifier
from pinnace.api.fieldmanager.merge import MergeError
from pinnace.api.fieldmanager.schematypes import MISSING, Type, TypedError, TypeRegistry
from pinnace.api.fieldmanager.typed import to_field_set
from pinnace.api.fieldmanager.updater import Convert, Updater, VersionedSet
from pinnace.api.fieldmanager.validate import validate

log = logging.getLogger(__name__)

Object = dict[str, Any]

LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
_CURRENT_OPERATION: Final = "current-operation"
_BEFORE_FIRST_APPLY: Final = "before-first-apply"
_KUBECTL: Final = "kubectl"

# stripMetaManager: fields nobody owns.
_STRIP: Final = FieldSet.of(
    (field("apiVersion"),),
    (field("kind"),),
    (field("metadata"),),
    *(
        (field("metadata"), field(name))
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        )
    ),
)


class ApplyError(Exception):
    """An apply the field manager refuses: ``code`` 400 (a bad request) or 500 (upstream's plain errors)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def rfc3339(now: datetime) -> str:
    """``metav1.Time`` as JSON: UTC, whole seconds."""
    return _rfc3339(int(now.timestamp()))


@functools.lru_cache(maxsize=4)
def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FieldManager:
    """Field management for one endpoint: a kind at the request's version, through one (sub)resource."""

    def __init__(
        self,
        *,
        api_version: str,
        kind: str,
        types: TypeRegistry,
        convert: Convert,
        clock: Callable[[], datetime],
        subresource: str = "",
        reset: FieldSet | None = None,
        zero: Object | None = None,
    ) -> None:
        self.api_version = api_version
        self.kind = kind
        self.subresource = subresource
        self.types = types
        self.clock = clock
        self.zero = zero if zero is not None else {}
        self._convert = convert
        self.updater = Updater(self._types_for, self._to_version, reset)

    # Versions -------------------------------------------------------------------------------------------

    def _types_for(self, api_version: str) -> Type | None:
        return self.types.for_version(api_version, self.kind, request_version=self.api_version)

    def _to_version(self, obj: Any, api_version: str) -> Any | None:
        if not isinstance(obj, dict) or obj.get("apiVersion", self.api_version) == api_version:
            return obj
        return self._convert(obj, api_version)

    def _type(self) -> Type:
        found = self._types_for(self.api_version)
        assert found is not None
        return found

    # Update -------------------------------------------------------------------------------------------------

    def update(self, live: Object | None, new: Object, manager: str) -> Object:
        """``UpdateNoErrors``: ``new`` with the managed fields after ``manager`` wrote it over ``live``.

        ``live`` is None for a create. Managed fields the request sets itself are kept (kubectl upgrades
        client-side apply entries that way), unless they do not decode; ``[]`` or ``[{}]`` clears them.
        Writes through a subresource ignore the request's managed fields.
        """
        live_obj = live if live is not None else self.zero
        try:
            managed = self._decode_live_or_new(live_obj, new)
            result = _without_managed_fields(new)
            managed = self._update_chain(live_obj, result, managed, manager)
        except Exception:  # upstream: "[SHOULD NOT HAPPEN] failed to update managedFields"
            log.exception("failed to update managedFields", extra={"kind": self.kind})
            return _without_managed_fields(new)
        return _with_managed_fields(result, managed)

    def _decode_live_or_new(self, live: Object, new: Object) -> Managed:
        live_entries = _entries(live)
        if not self.subresource:
            new_entries = new.get("metadata", {}).get("managedFields")
            if managedfields.is_reset(new_entries):
                return Managed()
            if isinstance(new_entries, list):
                try:
                    found = managedfields.decode(new_entries)
                except managedfields.ManagedFieldsError:
                    found = Managed()
                if found.fields:
                    return found
        try:
            return managedfields.decode(live_entries)
        except managedfields.ManagedFieldsError:
            return Managed()

    def _update_chain(self, live: Object, new: Object, managed: Managed, manager: str) -> Managed:
        """skipNonApplied -> capManagers -> buildManagerInfo -> managedFieldsUpdater -> stripMeta -> merge."""
        if not managed.fields and live.get("metadata", {}).get("uid"):
            return managed  # an existing object nobody tracks: updates do not start tracking it
        managed = self._tracked_update(live, new, managed, manager)
        managedfields.cap_update_managers(managed)
        return managed

    def _tracked_update(self, live: Object, new: Object, managed: Managed, manager: str) -> Managed:
        identifier = manager_identifier(manager or "unknown", UPDATE, self.api_version, self.subresource)
        fields = self.updater.update(
            _typed(live), _typed(new), self.api_version, managed.fields, _CURRENT_OPERATION
        )
        _strip(fields, _CURRENT_OPERATION)
        times = dict(managed.times)
        taken = fields.pop(_CURRENT_OPERATION, None)
        if taken is not None:
            previous = fields.get(identifier)
            if previous is not None:
                taken = VersionedSet(taken.set.union(previous.set), taken.api_version, taken.applied)
            fields[identifier] = taken
            times[identifier] = rfc3339(self.clock())
        return Managed(fields, times)

    # Apply --------------------------------------------------------------------------------------------------

    def apply(self, live: Object | None, config: Object, manager: str, *, force: bool) -> Object:
        """The object after ``manager`` applied ``config`` to ``live`` (None: the object does not exist)."""
        live_obj = live if live is not None else self.zero
        try:
            managed = managedfields.decode(_entries(live_obj))
        except managedfields.ManagedFieldsError as err:
            raise ApplyError(500, f"failed to decode managed fields: {err}") from None
        gvk = _gvk(config.get("apiVersion"), config.get("kind"))
        if gvk != _gvk(self.api_version, self.kind):
            raise ApplyError(400, f"invalid object type: {gvk}")
        result, managed = self._apply_last_applied(live_obj, config, managed, manager, force)
        if manager == _KUBECTL and _last_applied(result):
            result = _with_last_applied(result, _build_last_applied(config))
        return _with_managed_fields(result, managed)

    def _apply_last_applied(
        self, live: Object, config: Object, managed: Managed, manager: str, force: bool
    ) -> tuple[Object, Managed]:
        """lastAppliedManager: conflicts kubectl's own client-side apply left are not conflicts."""
        try:
            return self._apply_chain(live, config, managed, manager, force)
        except Conflicts as conflicts:
            if manager != _KUBECTL:
                raise
            allowed = self._allowed_from_last_applied(live)
            if allowed is None:
                raise
            remaining = conflicts.without(allowed)
            if remaining is not None:
                raise remaining from None
        return self._apply_chain(live, config, managed, manager, True)

    def _allowed_from_last_applied(self, live: Object) -> FieldSet | None:
        """The fields of the last-applied annotation that still hold its values, or None."""
        text = _last_applied(live)
        if not text:
            return None
        try:
            last = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(last, dict) or last.get("apiVersion") != self.api_version:
            return None
        t = self._type()
        try:
            validate(last, t)
        except TypedError:
            return None
        fields = to_field_set(last, t)
        comparison = compare(last, _typed(live), t)
        return (
            fields.difference(comparison.modified).difference(comparison.added).difference(comparison.removed)
        )

    def _apply_chain(
        self, live: Object, config: Object, managed: Managed, manager: str, force: bool
    ) -> tuple[Object, Managed]:
        """skipNonApplied -> buildManagerInfo -> managedFieldsUpdater -> stripMeta -> structured merge."""
        if not managed.fields:
            managed = self._tracked_update(self.zero, live, managed, _BEFORE_FIRST_APPLY)
        identifier = manager_identifier(manager or "unknown", APPLY, subresource=self.subresource)
        metadata = config.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("managedFields"), list):
            raise ApplyError(400, "metadata.managedFields must be nil")
        t = self._type()
        try:
            validate(config, t)
        except TypedError as err:
            raise ApplyError(
                500, f"failed to create typed patch object ({self._gvknn(config)}): {err}"
            ) from None
        try:
            new, fields = self.updater.apply(
                _typed(live), config, self.api_version, managed.fields, identifier, force=force
            )
        except MergeError as err:
            raise ApplyError(500, f"failed to merge config: {err}") from None
        _strip(fields, identifier)
        times = dict(managed.times)
        if new is MISSING:
            result = _without_managed_fields(live)
        else:
            times[identifier] = rfc3339(self.clock())
            result = new
        return result, Managed(fields, times)

    def _gvknn(self, obj: Object) -> str:
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        assert isinstance(metadata, dict)
        namespace, name = metadata.get("namespace", ""), metadata.get("name", "")
        return f"{namespace}/{name}; {_gvk(self.api_version, self.kind)}"


def _gvk(api_version: Any, kind: Any) -> str:
    """``schema.GroupVersionKind.String()``: ``apps/v1, Kind=Deployment``, ``/v1, Kind=Pod``."""
    group, _, version = str(api_version or "").rpartition("/")
    return f"{group}/{version}, Kind={kind or ''}"


def _entries(obj: Object) -> list[Any]:
    entries = obj.get("metadata", {}).get("managedFields")
    return entries if isinstance(entries, list) else []


def _typed(obj: Object) -> Object:
    """The object as the typed walks see it: without its managed fields (nobody owns them)."""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        obj = dict(obj)
        obj["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    return obj


def _without_managed_fields(obj: Object) -> Object:
    out = dict(obj)
    metadata = out.get("metadata")
    out["metadata"] = (
        {k: v for k, v in metadata.items() if k != "managedFields"} if isinstance(metadata, dict) else {}
    )
    return out


def _with_managed_fields(obj: Object, managed: Managed) -> Object:
    out = _without_managed_fields(obj)
    entries = managedfields.encode(managed)
    if entries is not None:
        out["metadata"]["managedFields"] = entries
    return out


def _strip(fields: dict[str, VersionedSet], manager: str) -> None:
    owned = fields.get(manager)
    if owned is None:
        return
    rest = owned.set.difference(_STRIP)
    if rest.empty():
        del fields[manager]
    else:
        fields[manager] = owned.with_set(rest)


def _last_applied(obj: Object) -> str:
    annotations = obj.get("metadata", {}).get("annotations")
    found = annotations.get(LAST_APPLIED) if isinstance(annotations, dict) else None
    return found if isinstance(found, str) else ""


def _build_last_applied(config: Object) -> str:
    """``buildLastApplied``: the applied configuration without the annotation, as Go's JSON encoder writes
    an unstructured object (sorted keys, trailing newline)."""
    out = dict(config)
    metadata = out.get("metadata")
    if isinstance(metadata, dict):
        metadata = dict(metadata)
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            annotations = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
            if annotations:
                metadata["annotations"] = annotations
            else:
                metadata.pop("annotations")
        out["metadata"] = metadata
    return marshal(_sorted(out)) + "\n"


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _with_last_applied(obj: Object, text: str) -> Object:
    out = dict(obj)
    metadata = dict(out.get("metadata") or {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}), LAST_APPLIED: text}
    out["metadata"] = metadata
    return out
