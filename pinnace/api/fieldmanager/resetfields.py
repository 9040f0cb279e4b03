"""The fields a write through an endpoint cannot change, which nobody therefore owns through it.

Upstream strategies declare them with ``GetResetFields`` (``pkg/registry/<group>/<resource>/strategy.go``)
and the field manager ignores them (``fieldpath.NewExcludeFilterSetMap``): a kind with a status subresource
resets ``status`` on the main resource, and its status strategy resets ``spec`` (and, for the workloads,
``metadata.labels``; for pods the deletion timestamp and owner references, which only the main resource
sets). A manager that writes ``status`` through the main resource therefore owns nothing there, and one
that writes a spec through ``/status`` neither.
"""

from __future__ import annotations

from typing import Final

from pinnace.api.fieldmanager.fieldpath import FieldSet, Path, field

_STATUS: Final = (field("status"),)
_SPEC: Final = (field("spec"),)
_LABELS: Final = (field("metadata"), field("labels"))

# Status strategies that reset more than spec, by (group, kind).
_STATUS_RESETS: Final[dict[tuple[str, str], tuple[Path, ...]]] = {
    ("apps", "Deployment"): (_SPEC, _LABELS),
    ("apps", "StatefulSet"): (_SPEC, _LABELS),
    ("apps", "DaemonSet"): (_SPEC, _LABELS),
    ("apps", "ReplicaSet"): (_SPEC, _LABELS),
    ("", "ReplicationController"): (_SPEC, _LABELS),
    (
        "",
        "Pod",
    ): (
        _SPEC,
        (field("metadata"), field("deletionTimestamp")),
        (field("metadata"), field("ownerReferences")),
    ),
}


def reset_fields(group: str, kind: str, subresource: str, *, has_status: bool) -> FieldSet | None:
    """The reset fields of a write to ``kind`` through ``subresource`` ("" for the main resource)."""
    if not has_status:
        return None
    if subresource == "":
        return FieldSet.of(_STATUS)
    if subresource == "status":
        return FieldSet.of(*_STATUS_RESETS.get((group, kind), (_SPEC,)))
    return None
