"""Who owns what after a write: structured-merge-diff's ``merge.Updater`` (``merge/update.go``).

Managers are keyed by their identifier (:mod:`~pinnace.api.fieldmanager.managed`) and own a
:class:`VersionedSet`: fields at the API version they wrote them in.

* :meth:`Updater.update` (create, update, non-apply patch): the writer takes every field it added or
  changed, loses what it removed, and other managers lose the fields that changed under them (a write
  never conflicts).
* :meth:`Updater.apply`: the configuration is merged into the live object; fields the applier owned
  before and no longer applies are pruned unless another manager owns them; then the change is checked
  against every other manager: a field another manager owns whose value changes is a conflict
  (:class:`~pinnace.api.fieldmanager.conflicts.Conflicts`), unless ``force`` takes it over. Applying the
  value a field already has is no conflict, and leaves it shared.

Fields listed as reset by the strategy (``status`` on the main resource, ``spec`` on ``/status``) are owned
by nobody through this endpoint: ``ignore`` filters them out of every comparison and field set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pinnace.api.fieldmanager.compare import Comparison, compare
from pinnace.api.fieldmanager.conflicts import Conflicts
from pinnace.api.fieldmanager.fieldpath import FieldSet
from pinnace.api.fieldmanager.merge import merge, remove_items
from pinnace.api.fieldmanager.schematypes import MISSING, Type
from pinnace.api.fieldmanager.typed import ensure_named_fields, to_field_set


@dataclass(frozen=True, slots=True)
class VersionedSet:
    """``fieldpath.VersionedSet``: a manager's fields, the version they are in, and whether applied."""

    set: FieldSet
    api_version: str
    applied: bool

    def with_set(self, fields: FieldSet) -> VersionedSet:
        return VersionedSet(fields, self.api_version, self.applied)


ManagedFields = dict[str, VersionedSet]
# An object in another API version, or None when that version is not served (its managers are dropped).
Convert = Callable[[Any, str], Any | None]
TypesFor = Callable[[str], Type | None]


class Updater:
    def __init__(self, types_for: TypesFor, convert: Convert, ignore: FieldSet | None = None) -> None:
        self.types_for = types_for
        self.convert = convert
        self.ignore = ignore if ignore is not None and not ignore.empty() else None

    def _filter(self, fields: FieldSet) -> FieldSet:
        return fields if self.ignore is None else fields.recursive_difference(self.ignore)

    def _in_version(self, obj: Any, api_version: str) -> tuple[Any, Type] | None:
        t = self.types_for(api_version)
        if t is None:
            return None
        converted = self.convert(obj, api_version)
        return None if converted is None else (converted, t)

    def _compare(self, old: Any, new: Any, t: Type) -> Comparison:
        return compare(old, new, t).filtered(self.ignore)

    def _update(
        self, old: Any, new: Any, version: str, managers: ManagedFields, workflow: str, *, force: bool
    ) -> tuple[ManagedFields, Comparison]:
        t = self.types_for(version)
        assert t is not None
        comparison = self._compare(old, new, t)
        by_version = {version: comparison}
        conflicts: dict[str, VersionedSet] = {}
        removed: dict[str, FieldSet] = {}
        for manager, owned in list(managers.items()):
            if manager == workflow:
                continue
            found = by_version.get(owned.api_version)
            if found is None:
                old_v = self._in_version(old, owned.api_version)
                new_v = self._in_version(new, owned.api_version)
                if old_v is None or new_v is None:
                    del managers[manager]  # a version no longer served: its manager goes
                    continue
                found = by_version[owned.api_version] = self._compare(old_v[0], new_v[0], new_v[1])
            taken = owned.set.intersection(found.modified.union(found.added))
            if not taken.empty():
                conflicts[manager] = VersionedSet(taken, owned.api_version, False)
            if not found.removed.empty():
                removed[manager] = found.removed
        if not force and conflicts:
            raise Conflicts.from_managers({m: owned.set for m, owned in conflicts.items()})
        for manager, taken_set in conflicts.items():
            managers[manager] = managers[manager].with_set(managers[manager].set.difference(taken_set.set))
        for manager, removed_set in removed.items():
            managers[manager] = managers[manager].with_set(managers[manager].set.difference(removed_set))
        for manager in [m for m, owned in managers.items() if owned.set.empty()]:
            del managers[manager]
        return managers, comparison

    def update(
        self, live: Any, new: Any, version: str, managers: ManagedFields, manager: str
    ) -> ManagedFields:
        """The managers after ``manager`` turned ``live`` into ``new`` (``Updater.Update``)."""
        managers, comparison = self._update(live, new, version, dict(managers), manager, force=True)
        previous = managers.get(manager)
        owned = previous.set if previous is not None else FieldSet()
        owned = owned.difference(comparison.removed).union(comparison.modified).union(comparison.added)
        owned = self._filter(owned)
        if owned.empty():
            managers.pop(manager, None)
        else:
            managers[manager] = VersionedSet(owned, version, False)
        return managers

    def apply(
        self, live: Any, config: Any, version: str, managers: ManagedFields, manager: str, *, force: bool
    ) -> tuple[Any, ManagedFields]:
        """``Updater.Apply``: (the new object, or MISSING when it equals ``live``; the managers)."""
        t = self.types_for(version)
        assert t is not None
        managers = dict(managers)
        new = merge(live, config, t)
        last = managers.get(manager)
        managers[manager] = VersionedSet(self._filter(to_field_set(config, t)), version, True)
        new = self._prune(new, managers, manager, last)
        managers, _ = self._update(live, new, version, managers, manager, force=force)
        if new == live:
            new = MISSING
        return new, managers

    # Pruning -------------------------------------------------------------------------------------------

    def _prune(self, merged: Any, managers: ManagedFields, applying: str, last: VersionedSet | None) -> Any:
        """Remove what ``applying`` applied last time and not now, unless someone else still owns it."""
        if last is None or last.set.empty():
            return merged
        at_last = self._in_version(merged, last.api_version)
        if at_last is None:
            return merged
        converted, t = at_last
        pruned = remove_items(converted, ensure_named_fields(last.set, t), t)
        pruned = self._add_back_owned(converted, pruned, last.api_version, managers)
        pruned = self._add_back_dangling(converted, pruned, last, t)
        back = self.convert(pruned, managers[applying].api_version)
        return back if back is not None else merged

    def _add_back_owned(self, merged: Any, pruned: Any, pruned_version: str, managers: ManagedFields) -> Any:
        """Put back what prune removed that any manager (the applier's new set included) owns."""
        by_version: dict[str, FieldSet] = {}
        for owned in managers.values():
            by_version[owned.api_version] = by_version.get(owned.api_version, FieldSet()).union(owned.set)
        versions = sorted(by_version, key=lambda v: v != pruned_version)  # the pruned version first
        for version in versions:
            merged_v = self._in_version(merged, version)
            pruned_v = self._in_version(pruned, version)
            if merged_v is None or pruned_v is None:
                continue
            merged, t = merged_v
            merged_set = ensure_named_fields(to_field_set(merged, t), t)
            pruned_set = ensure_named_fields(to_field_set(pruned_v[0], t), t)
            keep = pruned_set.union(ensure_named_fields(by_version[version], t))
            pruned = remove_items(merged, merged_set.difference(keep), t)
        return pruned

    def _add_back_dangling(self, merged: Any, pruned: Any, last: VersionedSet, t: Type) -> Any:
        """Remove only what the applier owned last time: unowned items prune took stay."""
        converted = self.convert(pruned, last.api_version)
        if converted is None:
            return merged
        pruned_set = ensure_named_fields(to_field_set(converted, t), t)
        merged_set = ensure_named_fields(to_field_set(merged, t), t)
        last_set = ensure_named_fields(last.set, t)
        return remove_items(merged, merged_set.difference(pruned_set).intersection(last_set), t)
