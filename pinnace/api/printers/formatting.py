"""Cell helpers shared by several kinds, each the Python twin of an upstream helper.

Label and selector strings follow apimachinery (``labels.FormatLabels``, ``metav1.FormatLabelSelector``,
``LabelSelectorAsSelector(...).String()``: requirements sorted by key, ``in``/``notin`` values sorted);
the rest are the small helpers of kubernetes/pkg/printers/internalversion/printers.go
(``layoutContainerCells``, ``printBoolPtr``, ``listWithMoreString``, the load-balancer stringers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pinnace.api.printers.fields import Obj, get_dicts, get_list, get_str

LOAD_BALANCER_WIDTH = 16
"""``loadBalancerWidth``: non-wide output clips load-balancer addresses to this many bytes."""

# apimachinery/pkg/util/validation: IsQualifiedName and IsValidLabelValue.
_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


class InvalidSelectorError(ValueError):
    """A label selector that ``metav1.LabelSelectorAsSelector`` rejects."""


def _is_qualified_name(key: str) -> bool:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return False
    return 0 < len(name) <= 63 and _NAME_PART.fullmatch(name) is not None


def _is_label_value(value: str) -> bool:
    return value == "" or (len(value) <= 63 and _NAME_PART.fullmatch(value) is not None)


def format_labels(labels: Mapping[str, str]) -> str:
    """``labels.FormatLabels``: ``k=v`` pairs sorted by key, or ``<none>``."""
    text = ",".join(f"{key}={labels[key]}" for key in sorted(labels))
    return text or "<none>"


def _requirement(key: str, operator: str, values: Sequence[str]) -> str:
    """``labels.NewRequirement`` validation plus ``Requirement.String``."""
    if not _is_qualified_name(key):
        raise InvalidSelectorError(f"invalid label key {key!r}")
    if operator in ("In", "NotIn"):
        if not values:
            raise InvalidSelectorError("for 'in', 'notin' operators, values set can't be empty")
    elif operator == "Equals":
        if len(values) != 1:
            raise InvalidSelectorError("exact-match compatibility requires one single value")
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            raise InvalidSelectorError("values set must be empty for exists and does not exist")
    else:
        raise InvalidSelectorError(f"{operator!r} is not a valid label selector operator")
    for value in values:
        if not _is_label_value(value):
            raise InvalidSelectorError(f"invalid label value {value!r}")
    if operator == "Exists":
        return key
    if operator == "DoesNotExist":
        return f"!{key}"
    joined = values[0] if len(values) == 1 else ",".join(sorted(values))
    if operator == "Equals":
        return f"{key}={joined}"
    return f"{key} {'in' if operator == 'In' else 'notin'} ({joined})"


def selector_string(selector: Obj | None) -> str:
    """``metav1.LabelSelectorAsSelector(selector).String()``.

    A missing selector selects nothing and an empty one everything; both print as ``""``. Raises
    :class:`InvalidSelectorError` where upstream's conversion fails.
    """
    if selector is None:
        return ""
    match_labels = {k: v for k, v in (selector.get("matchLabels") or {}).items() if isinstance(v, str)}
    expressions = get_dicts(selector, "matchExpressions")
    requirements: list[tuple[str, str]] = [
        (key, _requirement(key, "Equals", [value])) for key, value in match_labels.items()
    ]
    for expression in expressions:
        key = get_str(expression, "key")
        values = [v for v in get_list(expression, "values") if isinstance(v, str)]
        requirements.append((key, _requirement(key, get_str(expression, "operator"), values)))
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)


def format_label_selector(selector: Obj | None) -> str:
    """``metav1.FormatLabelSelector``: the selector, ``<none>`` when empty, ``<error>`` when invalid."""
    try:
        text = selector_string(selector)
    except InvalidSelectorError:
        return "<error>"
    return text or "<none>"


def selector_struct_string(selector: Obj) -> str:
    """The gogo-protobuf ``(*LabelSelector).String()`` (Go struct syntax), as ParamRef cells show it."""
    match_labels = {k: v for k, v in (selector.get("matchLabels") or {}).items() if isinstance(v, str)}
    labels = "".join(f"{key}: {match_labels[key]}," for key in sorted(match_labels))
    expressions = ""
    for expression in get_dicts(selector, "matchExpressions"):
        values = " ".join(str(v) for v in get_list(expression, "values"))
        expressions += (
            f"LabelSelectorRequirement{{Key:{get_str(expression, 'key')},"
            f"Operator:{get_str(expression, 'operator')},Values:[{values}],}},"
        )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )


def layout_container_cells(containers: Iterable[Obj]) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, each comma-joined."""
    items = list(containers)
    return ",".join(get_str(c, "name") for c in items), ",".join(get_str(c, "image") for c in items)


def print_bool(value: bool) -> str:
    return "True" if value else "False"


def print_bool_ptr(value: bool | None) -> str:
    """``printBoolPtr``: ``True``/``False``, or ``<unset>`` for a nil pointer."""
    return "<unset>" if value is None else print_bool(value)


def int_or_string(value: Any) -> str:
    """``intstr.IntOrString.String()``."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def list_with_more(items: Sequence[str], more: bool, count: int, limit: int) -> str:
    """``listWithMoreString``: the first items, ``" + N more..."``, or ``<unset>`` when empty."""
    text = ",".join(items)
    if more:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


def load_balancer_addresses(ingress: Iterable[Obj], *, wide: bool = True) -> str:
    """``loadBalancerStatusStringer``: the sorted, de-duplicated IPs (else hostnames) of a load balancer.

    The API server renders tables as ``-o wide`` (pkg/printers/storage ``GenerateOptions{Wide: true}``), so
    addresses are never clipped there; ``wide=False`` gives the clipped client-side form.
    """
    found: set[str] = set()
    for entry in ingress:
        address = get_str(entry, "ip") or get_str(entry, "hostname")
        if address:
            found.add(address)
    text = ",".join(sorted(found))
    if not wide and len(text) > LOAD_BALANCER_WIDTH:
        text = text[: LOAD_BALANCER_WIDTH - 3] + "..."
    return text


def join_host_port(host: str, port: int) -> str:
    """Go ``net.JoinHostPort``: brackets around IPv6 literals."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# Go's unicode.IsSpace, unlike str.isspace, does not count the ASCII information separators as space.
_NOT_GO_SPACE = frozenset("\x1c\x1d\x1e\x1f")


def go_trim_space(text: str) -> str:
    """``strings.TrimSpace``."""
    start, end = 0, len(text)
    while start < end and text[start].isspace() and text[start] not in _NOT_GO_SPACE:
        start += 1
    while end > start and text[end - 1].isspace() and text[end - 1] not in _NOT_GO_SPACE:
        end -= 1
    return text[start:end]


def controller_of(obj: Obj) -> Obj | None:
    """``metav1.GetControllerOf``: the owner reference marked ``controller: true``."""
    for ref in get_dicts(obj, "metadata", "ownerReferences"):
        if ref.get("controller") is True:
            return ref
    return None
