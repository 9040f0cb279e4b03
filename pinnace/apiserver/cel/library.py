"""The functions Kubernetes adds to CEL, as far as admission policies use them (``k8s.io/apiserver/pkg/cel/
library`` and the cel-go extensions its base environment enables, ``environment/base.go``, 1.32).

- strings (cel-go ``ext.Strings`` v2): ``charAt``, ``indexOf``, ``lastIndexOf``, ``lowerAscii``,
  ``upperAscii``, ``replace``, ``split``, ``substring``, ``trim``, ``join``, ``strings.quote``;
- lists (``library/lists.go``): ``isSorted``, ``sum``, ``min``, ``max``, ``indexOf``, ``lastIndexOf``;
- regex (``library/regex.go``): ``find``, ``findAll``;
- URLs (``library/urls.go``): ``url``, ``isURL``, ``getScheme``, ``getHost``, ``getHostname``, ``getPort``,
  ``getEscapedPath``, ``getQuery``;
- quantities (``library/quantity.go``): ``quantity``, ``isQuantity``, ``sign``, ``isInteger``,
  ``asInteger``, ``asApproximateFloat``, ``add``, ``sub``, ``isGreaterThan``, ``isLessThan``,
  ``compareTo``;
- sets (``ext.Sets``): ``sets.contains``, ``sets.equivalent``, ``sets.intersects``;
- ``math.greatest``, ``math.least`` (``ext.Math``); ``base64.encode``, ``base64.decode`` (``ext.Encoders``).

celpy calls ``x.f(a)`` as ``f(x, a)`` and resolves ``sets.contains(a, b)`` as the method ``contains`` on
the variable ``sets``: :data:`NAMESPACES` binds those names to markers, and each function here looks at its
first argument to pick the overload, as cel-go's overload resolution would. A function refuses arguments of
the wrong type by raising TypeError, which celpy reports as ``no such overload``.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from celpy import celtypes
from celpy.evaluation import CELEvalError, base_functions

from pinnace.api.quantity import Quantity, QuantityError

_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)


class Namespace(celtypes.MapType):
    """A function namespace (``sets``, ``math``, ``base64``, ``strings``) bound as a variable."""

    def __init__(self, name: str) -> None:
        super().__init__({})
        self.name = name

    def __repr__(self) -> str:
        return f"Namespace({self.name})"


NAMESPACES: dict[str, Namespace] = {name: Namespace(name) for name in ("sets", "math", "base64", "strings")}


def _in(namespace: str, value: Any) -> bool:
    return isinstance(value, Namespace) and value.name == namespace


def _string(value: Any) -> celtypes.StringType:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return celtypes.StringType(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an int")
    return int(value)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


# --- strings --------------------------------------------------------------------------------------------


def char_at(text: Any, index: Any) -> Any:
    text, i = _string(text), _int(index)
    if i < 0 or i > len(text):
        return CELEvalError(f"index out of range: {i}")
    return celtypes.StringType(text[i : i + 1])


def index_of(target: Any, item: Any, *start: Any) -> Any:
    if isinstance(target, list):
        return celtypes.IntType(_list_index(target, item, last=False))
    text, sub = _string(target), _string(item)
    offset = _int(start[0]) if start else 0
    if offset < 0 or offset > len(text):
        return CELEvalError(f"index out of range: {offset}")
    return celtypes.IntType(text.find(sub, offset))


def last_index_of(target: Any, item: Any, *start: Any) -> Any:
    if isinstance(target, list):
        return celtypes.IntType(_list_index(target, item, last=True))
    text, sub = _string(target), _string(item)
    offset = _int(start[0]) if start else len(text)
    if offset < 0 or offset > len(text):
        return CELEvalError(f"index out of range: {offset}")
    return celtypes.IntType(text.rfind(sub, 0, offset + len(sub)))


def _list_index(items: list[Any], item: Any, *, last: bool) -> int:
    indexes = range(len(items) - 1, -1, -1) if last else range(len(items))
    for i in indexes:
        if items[i] == item and type(items[i]) is type(item):
            return i
    return -1


def lower_ascii(text: Any) -> Any:
    return celtypes.StringType("".join(c.lower() if c.isascii() else c for c in _string(text)))


def upper_ascii(text: Any) -> Any:
    return celtypes.StringType("".join(c.upper() if c.isascii() else c for c in _string(text)))


def replace(text: Any, old: Any, new: Any, *limit: Any) -> Any:
    count = _int(limit[0]) if limit else -1
    return celtypes.StringType(_string(text).replace(_string(old), _string(new), count))


def split(text: Any, separator: Any, *limit: Any) -> Any:
    text, separator = _string(text), _string(separator)
    count = _int(limit[0]) if limit else -1
    if count == 0:
        return celtypes.ListType([])
    if separator == "":
        parts = list(text)
        if count > 0 and len(parts) > count:
            parts = [*parts[: count - 1], "".join(parts[count - 1 :])]
    else:
        parts = text.split(separator, count - 1 if count > 0 else -1)
    return celtypes.ListType([celtypes.StringType(part) for part in parts])


def substring(text: Any, start: Any, *end: Any) -> Any:
    text, begin = _string(text), _int(start)
    stop = _int(end[0]) if end else len(text)
    if begin < 0 or begin > len(text):
        return CELEvalError(f"index out of range: {begin}")
    if stop < 0 or stop > len(text):
        return CELEvalError(f"index out of range: {stop}")
    if begin > stop:
        return CELEvalError(f"invalid substring range. start: {begin}, end: {stop}")
    return celtypes.StringType(text[begin:stop])


def trim(text: Any) -> Any:
    return celtypes.StringType(_string(text).strip())


def join(items: Any, *separator: Any) -> Any:
    sep = _string(separator[0]) if separator else ""
    return celtypes.StringType(sep.join(_string(item) for item in _list(items)))


def quote(namespace: Any, text: Any) -> Any:
    if not _in("strings", namespace):
        raise TypeError("quote is strings.quote")
    escaped = _string(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return celtypes.StringType(f'"{escaped}"')


# --- lists ----------------------------------------------------------------------------------------------


def is_sorted(items: Any) -> Any:
    values = _list(items)
    return celtypes.BoolType(all(values[i] <= values[i + 1] for i in range(len(values) - 1)))


def list_sum(items: Any) -> Any:
    values = _list(items)
    if not values:
        return celtypes.IntType(0)
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def _extreme(items: Any, pick: Callable[..., Any], name: str) -> Any:
    values = _list(items)
    if not values:
        return CELEvalError(f"{name}(list) called on an empty list")
    return pick(values)


def list_min(items: Any) -> Any:
    return _extreme(items, min, "min")


def list_max(items: Any) -> Any:
    return _extreme(items, max, "max")


# --- regex ----------------------------------------------------------------------------------------------


def find(text: Any, pattern: Any) -> Any:
    try:
        match = re.search(_string(pattern), _string(text))
    except re.error as err:
        return CELEvalError(f"error parsing regexp: {err}")
    return celtypes.StringType(match.group(0) if match else "")


def find_all(text: Any, pattern: Any, *limit: Any) -> Any:
    count = _int(limit[0]) if limit else -1
    try:
        found = [m.group(0) for m in re.finditer(_string(pattern), _string(text))]
    except re.error as err:
        return CELEvalError(f"error parsing regexp: {err}")
    if count >= 0:
        found = found[:count]
    return celtypes.ListType([celtypes.StringType(item) for item in found])


# --- URLs -----------------------------------------------------------------------------------------------


class URLValue:
    """``kubernetes.URL``: a parsed absolute URI or absolute path."""

    def __init__(self, parsed: urllib.parse.SplitResult) -> None:
        self.parsed = parsed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URLValue) and self.parsed == other.parsed

    def __hash__(self) -> int:
        return hash(self.parsed)


def _parse_url(text: str) -> urllib.parse.SplitResult | None:
    # Go's url.ParseRequestURI: an absolute URI (with a scheme) or an absolute path.
    try:
        parsed = urllib.parse.urlsplit(text)
    except ValueError:
        return None
    if not parsed.scheme and not text.startswith("/"):
        return None
    return parsed


def url(text: Any) -> Any:
    parsed = _parse_url(_string(text))
    if parsed is None:
        return CELEvalError(f"URL parse error during conversion from string: parse {text!r}: invalid URI")
    return URLValue(parsed)


def is_url(text: Any) -> Any:
    return celtypes.BoolType(_parse_url(_string(text)) is not None)


def _url(value: Any) -> urllib.parse.SplitResult:
    if not isinstance(value, URLValue):
        raise TypeError("expected a URL")
    return value.parsed


def get_scheme(value: Any) -> Any:
    return celtypes.StringType(_url(value).scheme)


def get_host(value: Any) -> Any:
    return celtypes.StringType(_url(value).netloc.rpartition("@")[2])


def get_hostname(value: Any) -> Any:
    host = _url(value).netloc.rpartition("@")[2]
    if host.startswith("["):
        return celtypes.StringType(host[1 : host.find("]")])
    return celtypes.StringType(host.partition(":")[0])


def get_port(value: Any) -> Any:
    host = _url(value).netloc.rpartition("@")[2]
    if host.startswith("["):
        host = host[host.find("]") + 1 :]
    return celtypes.StringType(host.rpartition(":")[2] if ":" in host else "")


def get_escaped_path(value: Any) -> Any:
    return celtypes.StringType(_url(value).path)


def get_query(value: Any) -> Any:
    query = urllib.parse.parse_qs(_url(value).query, keep_blank_values=True)
    return celtypes.MapType(
        {
            celtypes.StringType(key): celtypes.ListType([celtypes.StringType(v) for v in values])
            for key, values in query.items()
        }
    )


# --- quantities -----------------------------------------------------------------------------------------


class QuantityValue:
    """``kubernetes.Quantity`` (``library/quantity.go``): compared through its methods, not operators."""

    def __init__(self, quantity: Quantity) -> None:
        self.quantity = quantity

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QuantityValue) and self.quantity.value == other.quantity.value

    def __hash__(self) -> int:
        return hash(self.quantity.value)

    def __str__(self) -> str:
        return str(self.quantity)

    def __repr__(self) -> str:
        return f"quantity({str(self.quantity)!r})"


def quantity(text: Any) -> Any:
    try:
        return QuantityValue(Quantity.parse(_string(text)))
    except QuantityError as err:
        return CELEvalError(str(err))


def is_quantity(text: Any) -> Any:
    try:
        Quantity.parse(_string(text))
    except QuantityError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def _quantity(value: Any) -> Fraction:
    if isinstance(value, QuantityValue):
        return value.quantity.value
    raise TypeError("expected a quantity")


def _operand(value: Any) -> Fraction:
    if isinstance(value, QuantityValue):
        return value.quantity.value
    return Fraction(_int(value))


def sign(value: Any) -> Any:
    amount = _quantity(value)
    return celtypes.IntType((amount > 0) - (amount < 0))


def is_integer(value: Any) -> Any:
    amount = _quantity(value)
    return celtypes.BoolType(amount.denominator == 1 and _INT64_MIN <= amount <= _INT64_MAX)


def as_integer(value: Any) -> Any:
    amount = _quantity(value)
    if amount.denominator != 1 or not _INT64_MIN <= amount <= _INT64_MAX:
        return CELEvalError("cannot convert value to integer")
    return celtypes.IntType(int(amount))


def as_approximate_float(value: Any) -> Any:
    return celtypes.DoubleType(float(_quantity(value)))


def _new_quantity(like: Any, amount: Fraction) -> QuantityValue:
    fmt = like.quantity.format if isinstance(like, QuantityValue) else "DecimalSI"
    return QuantityValue(Quantity(amount, fmt, "", None))


def add(left: Any, right: Any) -> Any:
    return _new_quantity(left, _quantity(left) + _operand(right))


def sub(left: Any, right: Any) -> Any:
    return _new_quantity(left, _quantity(left) - _operand(right))


def is_greater_than(left: Any, right: Any) -> Any:
    return celtypes.BoolType(_quantity(left) > _quantity(right))


def is_less_than(left: Any, right: Any) -> Any:
    return celtypes.BoolType(_quantity(left) < _quantity(right))


def compare_to(left: Any, right: Any) -> Any:
    a, b = _quantity(left), _quantity(right)
    return celtypes.IntType((a > b) - (a < b))


# --- sets, math, base64 ---------------------------------------------------------------------------------

_base_contains = base_functions["contains"]


def contains(target: Any, *args: Any) -> Any:
    if _in("sets", target):
        first, second = (_list(arg) for arg in args)
        return celtypes.BoolType(all(item in first for item in second))
    return _base_contains(target, *args)


def equivalent(namespace: Any, first: Any, second: Any) -> Any:
    if not _in("sets", namespace):
        raise TypeError("equivalent is sets.equivalent")
    a, b = _list(first), _list(second)
    return celtypes.BoolType(all(x in b for x in a) and all(y in a for y in b))


def intersects(namespace: Any, first: Any, second: Any) -> Any:
    if not _in("sets", namespace):
        raise TypeError("intersects is sets.intersects")
    b = _list(second)
    return celtypes.BoolType(any(x in b for x in _list(first)))


def _numbers(args: tuple[Any, ...]) -> list[Any]:
    values = list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
    if not values:
        raise TypeError("math.greatest and math.least need arguments")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("expected numbers")
    return values


def greatest(namespace: Any, *args: Any) -> Any:
    if not _in("math", namespace):
        raise TypeError("greatest is math.greatest")
    return max(_numbers(args))


def least(namespace: Any, *args: Any) -> Any:
    if not _in("math", namespace):
        raise TypeError("least is math.least")
    return min(_numbers(args))


def encode(namespace: Any, data: Any) -> Any:
    if not _in("base64", namespace) or not isinstance(data, bytes):
        raise TypeError("encode is base64.encode(bytes)")
    return celtypes.StringType(base64.b64encode(data).decode())


def decode(namespace: Any, text: Any) -> Any:
    if not _in("base64", namespace):
        raise TypeError("decode is base64.decode(string)")
    raw = _string(text)
    try:
        return celtypes.BytesType(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True))
    except ValueError as err:
        return CELEvalError(f"illegal base64 data: {err}")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "charAt": char_at,
    "indexOf": index_of,
    "lastIndexOf": last_index_of,
    "lowerAscii": lower_ascii,
    "upperAscii": upper_ascii,
    "replace": replace,
    "split": split,
    "substring": substring,
    "trim": trim,
    "join": join,
    "quote": quote,
    "isSorted": is_sorted,
    "sum": list_sum,
    "min": list_min,
    "max": list_max,
    "find": find,
    "findAll": find_all,
    "url": url,
    "isURL": is_url,
    "getScheme": get_scheme,
    "getHost": get_host,
    "getHostname": get_hostname,
    "getPort": get_port,
    "getEscapedPath": get_escaped_path,
    "getQuery": get_query,
    "quantity": quantity,
    "isQuantity": is_quantity,
    "sign": sign,
    "isInteger": is_integer,
    "asInteger": as_integer,
    "asApproximateFloat": as_approximate_float,
    "add": add,
    "sub": sub,
    "isGreaterThan": is_greater_than,
    "isLessThan": is_less_than,
    "compareTo": compare_to,
    "contains": contains,
    "equivalent": equivalent,
    "intersects": intersects,
    "greatest": greatest,
    "least": least,
    "encode": encode,
    "decode": decode,
}
