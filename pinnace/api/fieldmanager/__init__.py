"""Server-side apply and ``metadata.managedFields``, as Kubernetes 1.32 has them. Pure: no I/O.

Upstream splits this between sigs.k8s.io/structured-merge-diff (field paths and sets, typed values,
merging, conflicts) and apimachinery's ``util/managedfields`` (the managed fields of an object and the chain
of managers around the merge). Modules, bottom up:

- :mod:`~pinnace.api.fieldmanager.fieldpath`: path elements and field sets, and their ``FieldsV1`` JSON;
- :mod:`~pinnace.api.fieldmanager.schematypes`: types compiled from the schema data, list item keys, the Go
  zero value of a kind;
- :mod:`~pinnace.api.fieldmanager.typed`: the field set of an object;
- :mod:`~pinnace.api.fieldmanager.validate`: validation of an applied configuration;
- :mod:`~pinnace.api.fieldmanager.compare`: fields added, modified and removed between two objects;
- :mod:`~pinnace.api.fieldmanager.merge`: merging a configuration into an object, removing items;
- :mod:`~pinnace.api.fieldmanager.updater`: ownership after an update or an apply, pruning, conflicts;
- :mod:`~pinnace.api.fieldmanager.conflicts`: conflicts and the 409 message upstream words;
- :mod:`~pinnace.api.fieldmanager.managed`: ``metadata.managedFields`` entries, manager identifiers, the cap
  of 10 Update entries;
- :mod:`~pinnace.api.fieldmanager.resetfields`: fields a strategy resets, which nobody owns through it;
- :mod:`~pinnace.api.fieldmanager.manager`: :class:`FieldManager`, the entry point the API server calls on
  every create, update and patch (:meth:`FieldManager.update`) and on apply (:meth:`FieldManager.apply`).

Objects are JSON dicts in the request's API version; inputs are never modified.
"""

from pinnace.api.fieldmanager.conflicts import Conflict, Conflicts
from pinnace.api.fieldmanager.fieldpath import FieldSet
from pinnace.api.fieldmanager.manager import LAST_APPLIED, ApplyError, FieldManager
from pinnace.api.fieldmanager.schematypes import TypeRegistry, builtin_types

__all__ = [
    "LAST_APPLIED",
    "ApplyError",
    "Conflict",
    "Conflicts",
    "FieldManager",
    "FieldSet",
    "TypeRegistry",
    "builtin_types",
]
