"""Cell helpers shared by several kinds, each the Python twin of an upstream helper.

Label and selector strings follow apimachinery (``labels.FormatLabels``, and ``metav1.FormatLabelSelector``
from :mod:`pinnace.api.labels`), quantities print as ``resource.Quantity.String()`` (from
:mod:`pinnace.api.quantity`); the rest are the small helpers of
kubernetes/pkg/printers/internalversion/printers.go (``layoutContainerCells``, ``printBoolPtr``,
``listWithMoreString``, the load-balancer stringers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pinnace.api import labels
from pinnace.api.printers.fields import Obj, get_dict, get_dicts, get_list, get_str
from pinnace.api.quantity import Quantity, QuantityError

LOAD_BALANCER_WIDTH = 16
"""``loadBalancerWidth``: non-wide output clips load-balancer addresses to this many bytes."""


def format_labels(labels: Mapping[str, str]) -> str:
    """``labels.FormatLabels``: ``k=v`` pairs sorted by key, or ``<none>``."""
    text = ",".join(f"{key}={labels[key]}" for key in sorted(labels))
    return text or "<none>"


def _typed_selector(selector: Obj | None) -> Obj | None:
    """A ``metav1.LabelSelector`` read field by field: entries of the wrong JSON type are Go's zero values."""
    if selector is None:
        return None
    return {
        "matchLabels": {k: v for k, v in get_dict(selector, "matchLabels").items() if isinstance(v, str)},
        "matchExpressions": [
            {
                "key": get_str(expression, "key"),
                "operator": get_str(expression, "operator"),
                "values": [v for v in get_list(expression, "values") if isinstance(v, str)],
            }
            for expression in get_dicts(selector, "matchExpressions")
        ],
    }


def selector_string(selector: Obj | None) -> str:
    """``metav1.LabelSelectorAsSelector(selector).String()``.

    A missing selector selects nothing and an empty one everything; both print as ``""``. Raises
    :class:`~pinnace.api.labels.SelectorParseError` where upstream's conversion fails.
    """
    return labels.label_selector_to_string(_typed_selector(selector))


def format_label_selector(selector: Obj | None) -> str:
    """``metav1.FormatLabelSelector``: the selector, ``<none>`` when empty, ``<error>`` when invalid."""
    return labels.format_label_selector(_typed_selector(selector))


def quantity_string(value: object) -> str:
    """How a stored quantity cell prints: ``"<nil>"`` for a missing ``*Quantity``, the text if unparseable.

    Otherwise ``String()`` of the parsed value: the text itself when ``ParseQuantity`` judges it canonical,
    else the canonical form (``"1.5Gi"`` -> ``"1536Mi"``, ``"0.5"`` -> ``"500m"``).
    """
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return str(value)
    try:
        return str(Quantity.parse(value.strip()))
    except QuantityError:
        return value


def zero_or_quantity(value: object) -> str:
    """A quantity read from a ``ResourceList`` map: a missing entry is the zero quantity, ``"0"``."""
    return "0" if value is None else quantity_string(value)


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
