"""Resource lists (``{"requests.cpu": "500m", ...}``) as quota arithmetic sees them (``pkg/quota/v1``'s
``Add``, ``Mask``, ``Equals`` and resourcehelper's ``addResourceList``/``maxResourceList``).

Values are :class:`~pinnace.api.quantity.Quantity`; a sum takes the format of its first non-zero term, as
``Quantity.Add`` does, so memory stays ``Mi``/``Gi`` and CPU stays in millicores when written back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from pinnace.api.quantity import DECIMAL_SI, Quantity, QuantityError, parse_quantity

ResourceList = dict[str, Quantity]

ZERO = Quantity(Fraction(0), DECIMAL_SI, "", (0, 0))


def count(n: int) -> Quantity:
    """``resource.NewQuantity(n, DecimalSI)``."""
    return Quantity(Fraction(n), DECIMAL_SI, "", (n, 0))


def add_quantities(a: Quantity, b: Quantity) -> Quantity:
    """``a.Add(b)``: the cached text is dropped; a zero takes the other's format."""
    fmt = b.format if a.value == 0 else a.format
    return Quantity(a.value + b.value, fmt, "", None)


def parse_list(raw: Mapping[str, Any] | None) -> ResourceList:
    """A resource list from JSON; values the API server would not have accepted are skipped."""
    parsed: ResourceList = {}
    for name, value in (raw or {}).items():
        try:
            parsed[str(name)] = parse_quantity(value)
        except QuantityError:
            continue
    return parsed


def render(resources: ResourceList) -> dict[str, str]:
    """As the API writes a ResourceList: ``String()`` of each quantity, keys sorted."""
    return {name: str(resources[name]) for name in sorted(resources)}


def add(a: ResourceList, b: ResourceList) -> ResourceList:
    """``quota.Add``: the sum of both lists, key by key."""
    result = dict(a)
    for name, value in b.items():
        result[name] = add_quantities(result[name], value) if name in result else value
    return result


def add_into(target: ResourceList, other: ResourceList) -> None:
    """``addResourceList``."""
    for name, value in other.items():
        target[name] = add_quantities(target[name], value) if name in target else value


def max_into(target: ResourceList, other: ResourceList) -> None:
    """``maxResourceList``: the larger value per key."""
    for name, value in other.items():
        if name not in target or value.cmp(target[name]) > 0:
            target[name] = value


def mask(resources: ResourceList, names: Iterable[str]) -> ResourceList:
    """``quota.Mask``: only the named resources."""
    wanted = set(names)
    return {name: value for name, value in resources.items() if name in wanted}


def equals(a: ResourceList, b: ResourceList) -> bool:
    """``quota.Equals``: same keys, equal values (``1000m`` equals ``1``)."""
    return a.keys() == b.keys() and all(a[name].cmp(b[name]) == 0 for name in a)
