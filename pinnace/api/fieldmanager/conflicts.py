"""Apply conflicts and how the API server words them.

A :class:`Conflict` is a field another manager owns whose value an apply would change (structured-merge-diff
``merge/conflict.go``). :class:`Conflicts` is what a refused apply raises; :meth:`Conflicts.message` and
:meth:`Conflicts.causes` are apimachinery's ``NewConflictError``
(``util/managedfields/internal/conflict.go``): the 409 message kubectl prints - ``Apply failed with 1
conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas``, or for several,
grouped by manager in identifier order::

    Apply failed with 2 conflicts: conflicts with "x" using apps/v1:
    - .spec.a
    - .spec.b

- and one ``FieldManagerConflict`` cause per field. A manager prints as its name, then ``with subresource
"status"`` when it wrote through one, then ``using <apiVersion>`` for an Update (applies are version-free).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson

from pinnace.api.fieldmanager.fieldpath import FieldSet, Path, path_string
from pinnace.api.gofmt import go_quote

FIELD_MANAGER_CONFLICT = "FieldManagerConflict"


@dataclass(frozen=True, slots=True)
class Conflict:
    manager: str  # the manager identifier (see pinnace.api.fieldmanager.managed)
    path: Path


class Conflicts(Exception):
    """An apply that would change fields other managers own; never empty."""

    def __init__(self, conflicts: Iterable[Conflict]) -> None:
        self.conflicts = list(conflicts)
        super().__init__(self.message())

    @classmethod
    def from_managers(cls, sets: Mapping[str, FieldSet]) -> Conflicts:
        """``ConflictsFromManagers``: every field of every manager's conflicting set (managers in order)."""
        return cls(Conflict(manager, path) for manager in sorted(sets) for path in sets[manager].paths())

    def to_set(self) -> FieldSet:
        return FieldSet.of(*(conflict.path for conflict in self.conflicts))

    def without(self, allowed: FieldSet) -> Conflicts | None:
        """The conflicts on fields not in ``allowed``, or None if there are none."""
        left = [conflict for conflict in self.conflicts if not allowed.has(conflict.path)]
        return Conflicts(left) if left else None

    def message(self) -> str:
        conflicts = self.conflicts
        if len(conflicts) == 1:
            only = conflicts[0]
            return (
                f"Apply failed with 1 conflict: conflict with {print_manager(only.manager)}: "
                + path_string(only.path)
            )
        by_manager: dict[str, list[Path]] = {}
        for conflict in conflicts:
            by_manager.setdefault(conflict.manager, []).append(conflict.path)
        lines: list[str] = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {print_manager(manager)}:")
            lines += [f"- {path_string(path)}" for path in by_manager[manager]]
        return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)

    def causes(self) -> list[tuple[str, str, str]]:
        """(reason, message, field) of each ``details.causes`` entry."""
        return [
            (FIELD_MANAGER_CONFLICT, f"conflict with {print_manager(c.manager)}", path_string(c.path))
            for c in self.conflicts
        ]


def print_manager(manager: str) -> str:
    """``printManager``: how a manager identifier reads in a conflict."""
    try:
        entry = orjson.loads(manager)
    except orjson.JSONDecodeError:
        return go_quote(manager)
    if not isinstance(entry, dict):
        return go_quote(manager)
    text = go_quote(str(entry.get("manager", "")))
    if entry.get("subresource"):
        text += f" with subresource {go_quote(str(entry['subresource']))}"
    if entry.get("operation") == "Update":
        text += f" using {entry.get('apiVersion', '')}"
        if entry.get("time"):
            text += f" at {entry['time']}"
    return text
