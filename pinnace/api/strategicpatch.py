"""Strategic merge patch, as kube-apiserver applies ``application/strategic-merge-patch+json``.

A port of the apply half of apimachinery ``pkg/util/strategicpatch/patch.go`` (``StrategicMergeMapPatch``,
which the apiserver calls with ``MergeParallelList`` and ``IgnoreUnmatchedNulls``), driven by the patch
metadata of the Kubernetes 1.32 types (:mod:`pinnace.api.strategicpatch_meta`). On top of JSON merge patch:

* a list whose field says ``x-kubernetes-patch-strategy: merge`` merges element by element: objects by the
  ``x-kubernetes-patch-merge-key`` (``containers`` by ``name``, container ``ports`` by ``containerPort``,
  Service ``ports`` by ``port``), scalars as a set (``finalizers``); every other list is replaced
  (``tolerations``, node ``taints``, ``args``). A field with strategy ``replace`` takes the patch's object
  whole (``PodDisruptionBudget.spec.selector``). Maps (``labels``, ConfigMap ``data``) always merge key by
  key; ``x-kubernetes-map-type: atomic`` plays no part, as upstream reads only the Go struct tags;
* ``null`` deletes a key; a key the original lacks takes the patch's value with its nulls and directive
  elements dropped;
* directives: ``$patch: replace`` (the object is the patch's; in a merge list, the list is the patch's
  elements) and ``$patch: delete`` (the object becomes ``{}``; in a merge list, the elements with that merge
  key go); ``$patch: merge`` is an error, as upstream (``unknown patch type`` in an object, ``merging lists
  cannot yet be specified in the patch`` in a list). ``$retainKeys: [...]`` clears the keys it does not
  list (and the patch may only set keys it lists). ``$deleteFromPrimitiveList/<list>: [...]`` takes values
  out of a merge list of scalars. ``$setElementOrder/<list>: [...]`` orders a merged list: the elements it
  names in its order, and each element only the server has placed before the first patch element that
  followed it in the live list (``mergeSortedSlice``); upstream reads that live list from the Go array the
  merge wrote into, which this port reproduces (upstream's cases depend on it).

Without the directive a merged list is ordered the same way by the patch list: patch elements in the
patch's order, the other live elements interleaved where they stood, so an element the live list lacks
comes before them. Errors are :class:`StrategicPatchError` with upstream's text and the status code the
apiserver answers with.

Custom resources have no patch metadata: upstream serves their ``PATCH`` with JSON patch, merge patch and
apply only, so a strategic merge patch gets 415 ``UnsupportedMediaType`` (the CRD handler's list of patch
types, apiextensions-apiserver ``customresource_handler.go``) before any merging;
:func:`supports_strategic_merge` answers that question, :func:`unsupported_patch_type_message` words the
answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from pinnace.api.schema import SchemaRegistry, builtin_schemas
from pinnace.api.strategicpatch_meta import (
    BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST,
    BAD_PATCH_FORMAT_FOR_RETAIN_KEYS,
    BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST,
    NO_LIST_OF_LISTS,
    UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT,
    PatchMeta,
    StrategicPatchError,
    bad_arg_type,
    bad_patch_type,
    go_equal,
    go_v,
    no_merge_key,
    scalar_key,
)

__all__ = [
    "CUSTOM_RESOURCE_PATCH_TYPES",
    "StrategicPatchError",
    "apply_strategic_merge_patch",
    "supports_strategic_merge",
    "unsupported_patch_type_message",
]

DIRECTIVE_MARKER: Final = "$patch"
DELETE: Final = "delete"
REPLACE: Final = "replace"
MERGE: Final = "merge"
RETAIN_KEYS: Final = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST: Final = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER: Final = "$setElementOrder"

#: The patch types upstream accepts for a custom resource (without the CBORServingAndStorage gate).
CUSTOM_RESOURCE_PATCH_TYPES: Final = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
)


def supports_strategic_merge(api_version: str, kind: str, registry: SchemaRegistry | None = None) -> bool:
    """Whether the kind has patch metadata: a built-in kind, not a custom resource."""
    return (registry or builtin_schemas()).schema_for(api_version, kind) is not None


def unsupported_patch_type_message(accepted: Sequence[str] = CUSTOM_RESOURCE_PATCH_TYPES) -> str:
    """The 415 message for a patch Content-Type the endpoint does not take (``negotiation/errors.go``)."""
    return "the body of the request was in an unknown format - accepted media types include: " + ", ".join(
        accepted
    )


def apply_strategic_merge_patch(
    original: dict[str, Any],
    patch: dict[str, Any] | None,
    api_version: str,
    kind: str,
    registry: SchemaRegistry | None = None,
) -> dict[str, Any]:
    """The object ``patch`` makes of ``original``; the inputs are not changed and share nothing with it.

    Raises :class:`StrategicPatchError` for what upstream rejects, and for a kind without a schema (upstream's
    ``strategic merge patch format is not supported``; the API server answers custom resources earlier).
    """
    if patch is None:
        patch = {}  # json.Unmarshal of null into a map leaves it nil: nothing to merge
    if type(patch) is not dict:
        raise StrategicPatchError(
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type map[string]interface {{}}",
            code=400,
        )
    definition = (registry or builtin_schemas()).schema_for(api_version, kind)
    if definition is None:
        raise StrategicPatchError(UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT)
    # Upstream mutates both maps as it goes; working on copies keeps the port close to the original.
    return _merge_map(_copy(original), _copy(patch), PatchMeta(definition))


def _json_kind(value: Any) -> str:
    if type(value) is list:
        return "array"
    if type(value) is str:
        return "string"
    if type(value) is bool:
        return "bool"
    if value is None:
        return "null"
    return "number"


def _copy(value: Any) -> Any:
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


# Maps ----------------------------------------------------------------------------------------------------


def _merge_map(original: dict[str, Any] | None, patch: dict[str, Any], schema: PatchMeta) -> dict[str, Any]:
    """``mergeMap``: merge ``patch`` into ``original`` (both changed) and return the result."""
    if DIRECTIVE_MARKER in patch:
        return _directive_in_merge_map(patch[DIRECTIVE_MARKER], patch)
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)
    for key, patch_value in list(patch.items()):
        is_delete_list = False
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            key = _extract_key(key, DELETE_FROM_PRIMITIVE_LIST)
            is_delete_list = True
        if patch_value is None:
            original.pop(key, None)
            continue
        if key not in original or type(original[key]) is not type(patch_value):
            if not is_delete_list:
                _discard_nulls(patch_value)
                _set_without_directives(original, key, patch_value)
            continue
        if type(patch_value) is dict:
            sub = schema.for_struct(key)
            if sub.strategy() == REPLACE:
                original[key] = patch_value
            else:
                original[key] = _merge_map(original[key], patch_value, sub)
        elif type(patch_value) is list:
            sub = schema.for_slice(key)
            original[key] = _merge_slice_handler(original[key], patch_value, sub, is_delete_list)
        else:
            _set_without_directives(original, key, patch_value)
    return original


def _directive_in_merge_map(directive: Any, patch: dict[str, Any]) -> dict[str, Any]:
    """``handleDirectiveInMergeMap``: ``replace`` keeps the patch, ``delete`` empties the object."""
    if directive == REPLACE and type(directive) is str:
        del patch[DIRECTIVE_MARKER]
        return patch
    if directive == DELETE and type(directive) is str:
        return {}
    raise bad_patch_type(directive, patch)


def _set_without_directives(target: dict[str, Any], key: str, value: Any) -> None:
    kept, keep = _remove_directives(value)
    if keep:
        target[key] = kept
    else:
        target.pop(key, None)


def _remove_directives(value: Any) -> tuple[Any, bool]:
    """``removeDirectives``: objects carrying ``$patch`` vanish, at any depth; other keys are kept."""
    if type(value) is dict:
        if DIRECTIVE_MARKER in value:
            return None, False
        for key in list(value):
            kept, keep = _remove_directives(value[key])
            if keep:
                value[key] = kept
            else:
                del value[key]
        return value, True
    if type(value) is list:
        out = []
        for item in value:
            kept, keep = _remove_directives(item)
            if keep:
                out.append(kept)
        return out, True
    return value, True


def _discard_nulls(value: Any) -> None:
    """``discardNullValuesFromPatch``: a new value keeps no null fields, at any depth."""
    if type(value) is dict:
        for key in list(value):
            if value[key] is None:
                del value[key]
            else:
                _discard_nulls(value[key])
    elif type(value) is list:
        for item in value:
            _discard_nulls(item)


def _extract_key(key: str, prefix: str) -> str:
    """``extractKey``: the list a ``$deleteFromPrimitiveList/`` or ``$setElementOrder/`` directive names."""
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        if prefix == DELETE_FROM_PRIMITIVE_LIST:
            raise StrategicPatchError(BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST)
        raise StrategicPatchError(BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST)
    return rest


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """``applyRetainKeysDirective``: clear what ``$retainKeys`` does not list; the patch stays within it."""
    if RETAIN_KEYS not in patch:
        return
    retain = patch.pop(RETAIN_KEYS)
    if type(retain) is not list:
        raise StrategicPatchError(BAD_PATCH_FORMAT_FOR_RETAIN_KEYS)
    keys = {scalar_key(item) for item in retain}
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if (str, key) not in keys:
            raise StrategicPatchError(BAD_PATCH_FORMAT_FOR_RETAIN_KEYS)
    for key in list(original):
        if (str, key) not in keys:
            del original[key]


# $setElementOrder ----------------------------------------------------------------------------------------


def _merge_ordered_lists(original: dict[str, Any], patch: dict[str, Any], schema: PatchMeta) -> None:
    """``mergePatchIntoOriginal``: merge each list named by ``$setElementOrder/`` and put it in that order.

    The directive and its list leave ``patch``, so the main loop does not merge the list again.
    """
    for directive in [key for key in patch if key.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(directive)
        if type(order) is not list:
            raise bad_arg_type(list, order)
        key = _extract_key(directive, SET_ELEMENT_ORDER)
        found_original, found_patch = key in original, key in patch
        original_list: list[Any] = []
        patch_list: list[Any] = []
        if found_original:
            if type(original[key]) is not list:
                raise bad_arg_type(list, original[key])
            original_list = original[key]
        if found_patch:
            if type(patch[key]) is not list:
                raise bad_arg_type(list, patch[key])
            patch_list = patch[key]
        sub = schema.for_slice(key)
        strategy = sub.strategy()
        merge_key = sub.merge_key
        _validate_order(patch_list, order, merge_key)
        if found_original and not found_patch:
            merged = original_list
        elif found_patch and not found_original:
            merged = _remove_directives(patch_list)[0]
        elif found_original and found_patch:
            # Upstream orders by the live slice after the merge wrote into its array: deletions shift its
            # elements left, and elements appended into the room they left show through (see _merge_by_key).
            backing = list(original_list)
            merged = _merge_slice_handler(original_list, patch_list, sub, False, strategy, backing)
            original_list = backing
        else:
            continue
        if merge_key:
            in_patch, server_only = _partition_maps(merged, order, merge_key)
        else:
            in_patch, server_only = _partition_scalars(merged, order)
        element = _element_type(original_list, patch_list)
        original[key] = _normalize_order(in_patch, server_only, order, original_list, merge_key, element)
        patch.pop(key, None)


def _validate_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """``validatePatchWithSetOrderList``: the patch's elements must appear in the directive, in its order."""
    if not order or not patch_list:
        return
    items = _split_deletions(patch_list)[0] if merge_key else patch_list
    i = j = 0
    while i < len(items) and j < len(order):
        if type(items[i]) is dict and DIRECTIVE_MARKER in items[i]:
            i += 1
            continue
        if _merge_key_equal(items[i], order[j], merge_key):
            i += 1
        j += 1
    if i < len(items) and j >= len(order):
        raise StrategicPatchError(
            f"The order in patch list:\n{go_v(patch_list)}\n doesn't match {SET_ELEMENT_ORDER} list:\n"
            f"{go_v(order)}\n"
        )


def _merge_key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return go_equal(left, right)
    if type(left) is not dict:
        raise bad_arg_type(dict, left)
    if type(right) is not dict:
        raise bad_arg_type(dict, right)
    if merge_key not in left:
        raise no_merge_key(left, merge_key)
    if merge_key not in right:
        raise no_merge_key(right, merge_key)
    return go_equal(left[merge_key], right[merge_key])


# Lists ---------------------------------------------------------------------------------------------------


def _merge_slice_handler(
    original: Any,
    patch: Any,
    schema: PatchMeta,
    is_delete_list: bool,
    strategy: str | None = None,
    backing: list[Any] | None = None,
) -> list[Any]:
    """``mergeSliceHandler``: merge lists of strategy ``merge`` (and deletion lists); replace the others."""
    if type(original) is not list:
        raise bad_arg_type(list, original)
    if type(patch) is not list:
        raise bad_arg_type(list, patch)
    if (schema.strategy() if strategy is None else strategy) == MERGE or is_delete_list:
        return _merge_slice(original, patch, schema, schema.merge_key, is_delete_list, backing)
    return patch


def _merge_slice(
    original: list[Any],
    patch: list[Any],
    schema: PatchMeta,
    merge_key: str,
    is_delete_list: bool,
    backing: list[Any] | None = None,
) -> list[Any]:
    """``mergeSlice``: scalars as a set (or minus a deletion list), objects by merge key; then ordered.

    ``backing`` stands for the Go array under ``original`` when the caller reads it afterwards; the merge of a
    list of objects changes it as Go's in-place ``append`` calls do.
    """
    if not original and not patch:
        return original
    element = _element_type(original, patch)
    if element is not dict:
        if is_delete_list:
            remove = {scalar_key(item) for item in patch}
            return [item for item in original if scalar_key(item) not in remove]
        merged = _deduplicate([*original, *patch])
    else:
        if not merge_key:
            raise StrategicPatchError(f"cannot merge lists without merge key for {schema.name()}")
        original, patch, replaced = _merge_special_elements(original, patch, merge_key, backing)
        server_order = list(original)
        merged = _merge_by_key(original, patch, merge_key, schema, None if replaced else backing)
        original = server_order
    if not merge_key:
        in_patch, server_only = _partition_scalars(merged, patch)
    else:
        in_patch, server_only = _partition_maps(merged, patch, merge_key)
    return _normalize_order(in_patch, server_only, patch, original, merge_key, element)


def _element_type(*lists: list[Any]) -> type:
    """``sliceElementType``: the one type of every element; lists of lists are not supported."""
    found: type | None = None
    for items in lists:
        for item in items:
            if found is None:
                found = type(item)
                if found is list:
                    raise StrategicPatchError(NO_LIST_OF_LISTS)
            elif type(item) is not found:
                shown = "[" + " ".join(go_v(each) for each in lists) + "]"
                raise StrategicPatchError(f"list element types are not identical: {shown}")
    if found is None:
        raise StrategicPatchError("no elements in any of the given slices")
    return found


def _deduplicate(items: list[Any]) -> list[Any]:
    """``deduplicateScalars``; the order it leaves does not matter, the caller orders the list again."""
    seen: set[tuple[type, Any]] = set()
    out = []
    for item in items:
        key = scalar_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _merge_special_elements(
    original: list[Any], patch: list[Any], merge_key: str, backing: list[Any] | None
) -> tuple[list[Any], list[Any], bool]:
    """``mergeSliceWithSpecialElements``: apply the ``$patch`` elements.

    Returns (original, the patch without them, whether ``$patch: replace`` made the patch the original).
    """
    plain: list[Any] = []
    replace = False
    for item in patch:
        if DIRECTIVE_MARKER not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE_MARKER]
        if directive == DELETE and type(directive) is str:
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
            original = list(original)  # deleteMatchingEntries
            while (index := _find(original, merge_key, item[merge_key])) >= 0:
                if backing is not None:  # append(original[:i], original[i+1:]...) shifts the array in place
                    backing[index : len(original) - 1] = backing[index + 1 : len(original)]
                del original[index]
        elif directive == REPLACE and type(directive) is str:
            replace = True
        elif directive == MERGE and type(directive) is str:
            raise StrategicPatchError("merging lists cannot yet be specified in the patch")
        else:
            raise bad_patch_type(directive, item)
    if replace:
        return plain, [], True
    return original, plain, False


def _find(items: list[Any], key: str, value: Any) -> int:
    """``findMapInSliceBasedOnKeyValue``: the index of the first object whose ``key`` is ``value``, or -1."""
    for index, element in enumerate(items):
        if type(element) is not dict:
            raise StrategicPatchError(f"value for key {index} is not a map")
        if key in element and go_equal(element[key], value):
            return index
    return -1


def _merge_by_key(
    original: list[Any], patch: list[Any], merge_key: str, schema: PatchMeta, backing: list[Any] | None
) -> list[Any]:
    """``mergeSliceWithoutSpecialElements``: merge each patch object into the live one with its key.

    A new element is appended; while the live array has room (left by deletions) Go's ``append`` writes it
    there, which ``backing`` records.
    """
    for item in patch:
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
        index = _find(original, merge_key, item[merge_key])
        if index >= 0:
            original[index] = _merge_map(original[index], item, schema)
        else:
            if backing is not None and len(original) < len(backing):
                backing[len(original)] = item
            original.append(item)
    return original


def _split_deletions(items: list[Any]) -> tuple[list[Any], list[Any]]:
    """``extractToDeleteItems``: (elements to keep, ``$patch: delete`` elements)."""
    keep: list[Any] = []
    delete: list[Any] = []
    for item in items:
        if type(item) is not dict:
            raise bad_arg_type(dict, item)
        (delete if item.get(DIRECTIVE_MARKER) == DELETE else keep).append(item)
    return keep, delete


def _partition_scalars(items: list[Any], by: list[Any]) -> tuple[list[Any], list[Any]]:
    present = {scalar_key(item) for item in by}
    in_patch = [item for item in items if scalar_key(item) in present]
    return in_patch, [item for item in items if scalar_key(item) not in present]


def _partition_maps(items: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    in_patch: list[Any] = []
    server_only: list[Any] = []
    for item in items:
        if type(item) is not dict:
            raise bad_arg_type(dict, item)
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
        (in_patch if _find(by, merge_key, item[merge_key]) >= 0 else server_only).append(item)
    return in_patch, server_only


# Order ---------------------------------------------------------------------------------------------------


def _normalize_order(
    in_patch: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
    element: type,
) -> list[Any]:
    """``normalizeElementOrder``: each part in its own order, then interleaved by the live order."""
    by_key = element is dict
    in_patch = _sort_by(in_patch, patch_order, merge_key, by_key)
    server_only = _sort_by(server_only, server_order, merge_key, by_key)
    return _merge_sorted(server_only, in_patch, server_order, merge_key, by_key)


def _index_function(order: list[Any], merge_key: str, by_key: bool) -> Callable[[Any], int]:
    """``index``: where an element stands in ``order`` (by merge key for objects), or -1."""
    if not by_key:

        def scalar_index(item: Any) -> int:
            return next((i for i, other in enumerate(order) if go_equal(item, other)), -1)

        return scalar_index

    def value(item: Any) -> Any:
        return item.get(merge_key) if type(item) is dict else None

    def key_index(item: Any) -> int:
        wanted = value(item)  # an element without the key matches another without it: nil == nil
        return next((i for i, other in enumerate(order) if go_equal(wanted, value(other))), -1)

    return key_index


def _sort_by(items: list[Any], order: list[Any], merge_key: str, by_key: bool) -> list[Any]:
    """``normalizeSliceOrder``: stable sort by place in ``order``; ``$patch: delete`` elements go last."""
    deletions: list[Any] = []
    if by_key:
        for item in [*items, *order]:
            if type(item) is not dict:
                raise bad_arg_type(dict, item)
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
        items, deletions = _split_deletions(items)
    index = _index_function(order, merge_key, by_key)
    places = [index(item) for item in items]
    if all(place >= 0 for place in places):
        ranked = sorted(range(len(items)), key=places.__getitem__)
        return [items[i] for i in ranked] + deletions
    # sort.SliceStable with upstream's less (true whenever either element is missing from ``order``) is not
    # a strict ordering; for small lists Go runs an insertion sort, reproduced here.
    pairs = list(zip(places, items, strict=True))
    for i in range(1, len(pairs)):
        j = i
        while j > 0 and (pairs[j][0] < 0 or pairs[j - 1][0] < 0 or pairs[j][0] < pairs[j - 1][0]):
            pairs[j], pairs[j - 1] = pairs[j - 1], pairs[j]
            j -= 1
    return [item for _, item in pairs] + deletions


def _merge_sorted(
    left: list[Any], right: list[Any], server_order: list[Any], merge_key: str, by_key: bool
) -> list[Any]:
    """``mergeSortedSlice``: insert the server-only elements (left) among the patch's (right).

    A server-only element goes first only when both it and the next patch element are in the live list and it
    stood before that element there; the relative order inside each part is kept.
    """
    index = _index_function(server_order, merge_key, by_key)
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
            out.append(left[i])
            i += 1
        else:
            li, ri = index(left[i]), index(right[j])
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out
