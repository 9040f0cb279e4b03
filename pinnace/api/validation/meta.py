"""ObjectMeta, labels, annotations, owner references, finalizers and label selectors.

Reproduces ``k8s.io/apimachinery/pkg/api/validation/objectmeta.go`` (``ValidateObjectMetaAccessor``,
``ValidateObjectMetaAccessorUpdate``, annotations ≤ 256 KiB, owner references, finalizers),
``pkg/apis/meta/v1/validation/validation.go`` (labels, ``ValidateLabelSelector``, managed fields), and the
core wrappers of ``pkg/apis/core/validation/validation.go`` (``ValidateObjectMeta`` adds the check that a
finalizer without a ``/`` is one of the standard ones). Selectors are matched with
:mod:`pinnace.api.labels` (:func:`label_selector_as_selector` reads one for it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from pinnace.api.gofmt import GO_POINTER, GoValue, go_quote, go_string_slice
from pinnace.api.labels import NOTHING, LabelSelector, SelectorParseError, from_label_selector_object
from pinnace.api.names import (
    NameFunc,
    blen,
    is_qualified_name,
    is_valid_label_value,
    name_is_dns_label,
)
from pinnace.api.validation.field import (
    FieldError,
    Path,
    forbidden,
    invalid,
    invalid_each,
    required,
    too_long,
)
from pinnace.api.validation.values import (
    Obj,
    integer,
    obj,
    objects,
    semantic_equal,
    string,
    string_map,
    strings,
)

FIELD_IMMUTABLE: Final = "field is immutable"
IS_NEGATIVE: Final = "must be greater than or equal to 0"
TOTAL_ANNOTATION_SIZE_LIMIT: Final = 256 * 1024
_STANDARD_FINALIZERS: Final = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
_METADATA: Final = Path.root("metadata")


def validate_nonnegative(value: int | None, path: Path) -> list[FieldError]:
    """``ValidateNonnegativeField`` (an absent value is Go's zero, which passes)."""
    return [invalid(path, value, IS_NEGATIVE)] if value is not None and value < 0 else []


def validate_label_name(name: str, path: Path) -> list[FieldError]:
    return invalid_each(path, name, is_qualified_name(name))


def validate_labels(labels: Mapping[str, str] | None, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    for key, value in (labels or {}).items():
        errs += validate_label_name(key, path)
        errs += invalid_each(path, value, is_valid_label_value(value))
    return errs


def validate_annotations(annotations: Mapping[str, str] | None, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    total = 0
    for key, value in (annotations or {}).items():
        # The rule is QualifiedName except that case doesn't matter (upstream lowercases first).
        errs += invalid_each(path, key, is_qualified_name(key.lower()))
        total += blen(key) + blen(value)
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def _go_owner_ref(r: Obj) -> str:
    ctrl = "(*bool)(" + (GO_POINTER if "controller" in r else "nil") + ")"
    block = "(*bool)(" + (GO_POINTER if "blockOwnerDeletion" in r else "nil") + ")"
    return (
        f"v1.OwnerReference{{APIVersion:{go_quote(string(r, 'apiVersion'))}, "
        f"Kind:{go_quote(string(r, 'kind'))}, "
        f"Name:{go_quote(string(r, 'name'))}, UID:{go_quote(string(r, 'uid'))}, Controller:{ctrl}, "
        f"BlockOwnerDeletion:{block}}}"
    )


def _go_owner_refs(refs: Sequence[Obj]) -> GoValue:
    return GoValue(f"[]v1.OwnerReference{{{', '.join(_go_owner_ref(r) for r in refs)}}}")


def _split_api_version(api_version: str) -> tuple[str, str]:
    """``schema.ParseGroupVersion``; more than one slash yields the empty group-version."""
    if not api_version:
        return "", ""
    parts = api_version.split("/")
    if len(parts) == 1:
        return "", api_version
    if len(parts) == 2:
        return parts[0], parts[1]
    return "", ""


def validate_owner_references(refs: Sequence[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    first_controller = ""
    for ref in refs:
        api_version, kind = string(ref, "apiVersion"), string(ref, "kind")
        group, version = _split_api_version(api_version)
        if not version:
            errs.append(invalid(path.child("apiVersion"), api_version, "version must not be empty"))
        if not kind:
            errs.append(invalid(path.child("kind"), kind, "kind must not be empty"))
        if not string(ref, "name"):
            errs.append(invalid(path.child("name"), "", "name must not be empty"))
        if not string(ref, "uid"):
            errs.append(invalid(path.child("uid"), "", "uid must not be empty"))
        if (group, version, kind) == ("", "v1", "Event"):
            errs.append(
                invalid(
                    path, GoValue(_go_owner_ref(ref)), "/v1, Kind=Event is disallowed from being an owner"
                )
            )
        if ref.get("controller") is True:
            current = f"{kind}/{string(ref, 'name')}"
            if first_controller:
                detail = (
                    'Only one reference can have Controller set to true. Found "true" in references for '
                    f"{first_controller} and {current}"
                )
                errs.append(invalid(path, _go_owner_refs(refs), detail))
            else:
                first_controller = current
    return errs


def validate_finalizers(finalizers: Sequence[str], path: Path) -> list[FieldError]:
    """Apimachinery's ``ValidateFinalizers``: qualified names, and not both orphan and foregroundDeletion."""
    errs: list[FieldError] = []
    for f in finalizers:
        errs += invalid_each(path, f, is_qualified_name(f))
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        detail = "finalizer orphan and foregroundDeletion cannot be both set"
        errs.append(invalid(path, go_string_slice(finalizers), detail))
    return errs


def validate_kube_finalizer_name(name: str, path: Path) -> list[FieldError]:
    """Core's extra rule: a finalizer without a ``/`` must be a standard one."""
    if "/" not in name and name not in _STANDARD_FINALIZERS:
        return [invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified")]
    return []


def _validate_field_manager(manager: str, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    if blen(manager) > 128:
        errs.append(too_long(path, 128))
    for i, ch in enumerate(manager.encode("utf-8").decode("utf-8")):
        if not ch.isprintable():
            errs.append(invalid(path, manager, f"invalid character U+{ord(ch):04X} (at position {i})"))
    return errs


def validate_managed_fields(entries: Sequence[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, entry in enumerate(entries):
        p = path.index(i)
        operation = string(entry, "operation")
        if operation not in ("Apply", "Update"):
            errs.append(invalid(p.child("operation"), operation, "must be `Apply` or `Update`"))
        fields_type = string(entry, "fieldsType")
        if fields_type and fields_type != "FieldsV1":
            errs.append(invalid(p.child("fieldsType"), fields_type, "must be `FieldsV1`"))
        errs += _validate_field_manager(string(entry, "manager"), p.child("manager"))
        if blen(string(entry, "subresource")) > 256:
            errs.append(too_long(p.child("subresource"), 256))
    return errs


def validate_object_meta(
    meta: Obj,
    *,
    namespaced: bool,
    name_fn: NameFunc,
    path: Path = _METADATA,
    kube_finalizers: bool = True,
) -> list[FieldError]:
    """``ValidateObjectMeta``: apimachinery's checks, plus core's finalizer rule when ``kube_finalizers``.

    A missing ``name`` is accepted when ``generateName`` is set: the API server generates the name before it
    validates, so upstream never sees that state.
    """
    errs: list[FieldError] = []
    generate_name, name = string(meta, "generateName"), string(meta, "name")
    if generate_name:
        errs += invalid_each(path.child("generateName"), generate_name, name_fn(generate_name, True))
    if not name:
        if not generate_name:
            errs.append(required(path.child("name"), "name or generateName is required"))
    else:
        errs += invalid_each(path.child("name"), name, name_fn(name, False))
    namespace = string(meta, "namespace")
    if namespaced:
        if not namespace:
            errs.append(required(path.child("namespace")))
        else:
            errs += invalid_each(path.child("namespace"), namespace, name_is_dns_label(namespace, False))
    elif namespace:
        errs.append(forbidden(path.child("namespace"), "not allowed on this type"))
    errs += validate_nonnegative(integer(meta, "generation"), path.child("generation"))
    errs += validate_labels(string_map(meta, "labels"), path.child("labels"))
    errs += validate_annotations(string_map(meta, "annotations"), path.child("annotations"))
    errs += validate_owner_references(objects(meta, "ownerReferences"), path.child("ownerReferences"))
    finalizers = strings(meta, "finalizers")
    errs += validate_finalizers(finalizers, path.child("finalizers"))
    errs += validate_managed_fields(objects(meta, "managedFields"), path.child("managedFields"))
    if kube_finalizers:
        for i, f in enumerate(finalizers):
            errs += validate_kube_finalizer_name(f, path.child("finalizers").index(i))
    return errs


def go_time(value: Any) -> GoValue:
    """``metav1.Time.String()`` (Go's ``time.Time.String`` in UTC) of an RFC 3339 timestamp."""
    text = value if isinstance(value, str) else ""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None
    except ValueError:
        t = None
    if t is None:
        return GoValue("0001-01-01 00:00:00 +0000 UTC")
    frac = f".{t.microsecond:06d}".rstrip("0") if t.microsecond else ""
    return GoValue(t.strftime("%Y-%m-%d %H:%M:%S") + frac + " +0000 UTC")


def _same_time(a: Any, b: Any) -> bool:
    return go_time(a) == go_time(b) and (a is None) == (b is None)


def validate_immutable_field(new: Any, old: Any, path: Path, bad_value: Any = None) -> list[FieldError]:
    """``ValidateImmutableField``: ``field is immutable`` unless the values are semantically equal."""
    if semantic_equal(new, old):
        return []
    return [invalid(path, new if bad_value is None else bad_value, FIELD_IMMUTABLE)]


def validate_object_meta_update(
    new: Obj, old: Obj, *, path: Path = _METADATA, kube_finalizers: bool = True
) -> list[FieldError]:
    """``ValidateObjectMetaUpdate``: immutable identity fields, no decrementing generation, valid maps."""
    errs: list[FieldError] = []
    new_finalizers = strings(new, "finalizers")
    if old.get("deletionTimestamp") is not None:
        extra = sorted(set(new_finalizers) - set(strings(old, "finalizers")))
        if extra:
            detail = "no new finalizers can be added if the object is being deleted, found new finalizers "
            errs.append(forbidden(path.child("finalizers"), detail + go_string_slice(extra).text))
    if not string(new, "resourceVersion"):
        errs.append(invalid(path.child("resourceVersion"), "", "must be specified for an update"))
    new_gen, old_gen = integer(new, "generation") or 0, integer(old, "generation") or 0
    if new_gen < old_gen:
        errs.append(invalid(path.child("generation"), new_gen, "must not be decremented"))
    for key in ("name", "namespace", "uid"):
        if string(new, key) != string(old, key):
            errs.append(invalid(path.child(key), string(new, key), FIELD_IMMUTABLE))
    if not _same_time(new.get("creationTimestamp") or "", old.get("creationTimestamp") or ""):
        errs.append(
            invalid(path.child("creationTimestamp"), go_time(new.get("creationTimestamp")), FIELD_IMMUTABLE)
        )
    new_del, old_del = new.get("deletionTimestamp"), old.get("deletionTimestamp")
    if not _same_time(new_del, old_del):
        errs.append(
            invalid(
                path.child("deletionTimestamp"),
                None if new_del is None else go_time(new_del),
                FIELD_IMMUTABLE,
            )
        )
    new_grace, old_grace = (
        integer(new, "deletionGracePeriodSeconds"),
        integer(old, "deletionGracePeriodSeconds"),
    )
    if new_grace != old_grace:
        errs.append(invalid(path.child("deletionGracePeriodSeconds"), new_grace, FIELD_IMMUTABLE))
    errs += validate_labels(string_map(new, "labels"), path.child("labels"))
    errs += validate_annotations(string_map(new, "annotations"), path.child("annotations"))
    errs += validate_owner_references(objects(new, "ownerReferences"), path.child("ownerReferences"))
    errs += validate_managed_fields(objects(new, "managedFields"), path.child("managedFields"))
    if kube_finalizers:
        for i, f in enumerate(new_finalizers):
            errs += validate_kube_finalizer_name(f, path.child("finalizers").index(i))
    return errs


def validate_template_object_meta(meta: Obj, path: Path) -> list[FieldError]:
    """``ValidateTemplateObjectMeta``: only labels and annotations may be set in an embedded template."""
    errs = validate_annotations(string_map(meta, "annotations"), path.child("annotations"))
    errs += validate_labels(string_map(meta, "labels"), path.child("labels"))
    for key, value in meta.items():
        if key not in ("labels", "annotations") and value not in (None, "", [], {}, 0):
            errs.append(forbidden(path.child(key), "cannot be set"))
    return errs


def validate_label_selector(
    selector: Obj | None, path: Path, *, allow_invalid_label_value: bool = False
) -> list[FieldError]:
    """``ValidateLabelSelector``; ``None`` (a nil pointer) is valid."""
    if selector is None:
        return []
    errs = validate_labels(string_map(selector, "matchLabels"), path.child("matchLabels"))
    for i, expr in enumerate(objects(selector, "matchExpressions")):
        p = path.child("matchExpressions").index(i)
        operator, values = string(expr, "operator"), strings(expr, "values")
        if operator in ("In", "NotIn"):
            if not values:
                errs.append(
                    required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                errs.append(forbidden(p.child("values"), detail))
        else:
            errs.append(invalid(p.child("operator"), operator, "not a valid selector operator"))
        errs += validate_label_name(string(expr, "key"), p.child("key"))
        if not allow_invalid_label_value:
            for j, value in enumerate(values):
                errs += invalid_each(p.child("values").index(j), value, is_valid_label_value(value))
    return errs


def label_selector_as_selector(selector: Obj | None) -> LabelSelector | None:
    """``metav1.LabelSelectorAsSelector`` of the selector's typed reading; ``None`` where upstream errs.

    A nil selector is ``labels.Nothing()``; an empty one ``labels.Everything()``.
    """
    if selector is None:
        return NOTHING
    typed = {
        "matchLabels": string_map(selector, "matchLabels"),
        "matchExpressions": [
            {"key": string(e, "key"), "operator": string(e, "operator"), "values": strings(e, "values")}
            for e in objects(selector, "matchExpressions")
        ],
    }
    try:
        return from_label_selector_object(typed)
    except SelectorParseError:
        return None


def meta_of(o: Obj) -> Obj:
    return obj(o, "metadata")
