"""Resource quantities as apimachinery's ``resource.Quantity`` reads and writes them.

Reproduces ``k8s.io/apimachinery/pkg/api/resource/quantity.go`` (``ParseQuantity``, ``CanonicalizeBytes``,
``RoundUp``) and core/v1's ``SetDefaults_ResourceList``. A quantity is decoded into an exact value plus the
format its suffix implies, then always written back in canonical form, which is why a real cluster shows
``cpu: 500m`` for ``cpu: 0.5``, ``memory: 1536Mi`` for ``1.5Gi`` and ``cpu: "2"`` for the JSON number ``2``.
Values are exact (``Fraction``) where upstream uses ``inf.Dec``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from pinnace.api.defaults._fields import Obj

Format = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

_DECIMAL_SUFFIXES: Mapping[str, int] = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY_SUFFIXES: Mapping[str, int] = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {exponent: suffix for suffix, exponent in _BINARY_SUFFIXES.items()}

# <signedNumber><suffix>, as parseQuantityString splits it; the suffix is checked against the tables after.
_QUANTITY = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?P<suffix>[eEinumkKMGTP]*(?:[+-]?[0-9]+)?)"
)
_EXPONENT_SUFFIX = re.compile(r"[eE][+-]?[0-9]+")

# Exponents are int32 upstream; far smaller bounds keep exact arithmetic cheap and still cover every real use.
_MAX_EXPONENT = 1000

NANO = -9
MILLI = -3
# BinarySI values are capped at the largest int64 (ParseQuantity's maxAllowed).
_MAX_BINARY = Fraction(2**63 - 1)


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact amount and the format it is written back in."""

    value: Fraction
    format: Format

    def __str__(self) -> str:
        return canonical(self)


def _round_away(value: Fraction, scale: int) -> Fraction:
    """``value`` rounded away from zero to a multiple of 10**scale (inf.RoundUp)."""
    unit = Fraction(10) ** scale
    steps, remainder = divmod(abs(value), unit)
    if remainder:
        steps += 1
    return (steps * unit) * (1 if value >= 0 else -1)


def parse_quantity(raw: str | int | float) -> Quantity:
    """Parse a quantity as ``ParseQuantity`` does; raises ValueError for what it rejects."""
    text = raw.strip() if isinstance(raw, str) else str(raw)
    match = _QUANTITY.fullmatch(text)
    if match is None or not (match["int"] or match["frac"]):
        raise ValueError(f"quantities must match the regular expression: {text!r}")
    suffix = match["suffix"]
    digits = match["int"] + (match["frac"] or "")
    value = Fraction(int(digits or "0"), 10 ** len(match["frac"] or ""))
    fmt: Format
    if suffix in _DECIMAL_SUFFIXES:
        value *= Fraction(10) ** _DECIMAL_SUFFIXES[suffix]
        fmt = "DecimalSI"
    elif suffix in _BINARY_SUFFIXES:
        value *= 2 ** _BINARY_SUFFIXES[suffix]
        fmt = "BinarySI"
    elif _EXPONENT_SUFFIX.fullmatch(suffix) and abs(int(suffix[1:])) <= _MAX_EXPONENT:
        value *= Fraction(10) ** int(suffix[1:])
        fmt = "DecimalExponent"
    else:
        raise ValueError(f"unable to parse quantity's suffix: {text!r}")
    # Precision is capped at nano, rounding the magnitude up; BinarySI is capped at int64 and a BinarySI
    # fraction of one is shown as DecimalSI "to avoid rounding and confusion".
    value = _round_away(value, NANO)
    if fmt == "BinarySI":
        value = min(value, _MAX_BINARY)
        if 0 < value < 1:
            fmt = "DecimalSI"
    return Quantity(-value if match["sign"] == "-" else value, fmt)


def round_up(quantity: Quantity, scale: int) -> Quantity:
    """``Quantity.RoundUp``: round away from zero to 10**scale."""
    return Quantity(_round_away(quantity.value, scale), quantity.format)


def _remove_factors(number: int, base: int) -> tuple[int, int]:
    times = 0
    while number and number % base == 0:
        number //= base
        times += 1
    return number, times


def canonical(quantity: Quantity) -> str:
    """The string ``Quantity.MarshalJSON`` writes (``CanonicalizeBytes``)."""
    value = _round_away(quantity.value, NANO)  # a no-op for parsed quantities; bounds the loop below
    if value == 0:
        return "0"
    fmt = quantity.format
    if fmt == "BinarySI" and (-1024 < value < 1024 or value.denominator != 1):
        # Small or fractional binary amounts would need rounding in base 1024: written as DecimalSI.
        fmt = "DecimalSI"
    if fmt == "BinarySI":
        mantissa, times = _remove_factors(int(value), 1024)
        return f"{mantissa}{_BINARY_BY_EXPONENT.get(times * 10, '')}"
    # Decimal: an integer mantissa with an exponent that is a multiple of three (AsCanonicalBytes).
    scale = 0
    while (value * Fraction(10) ** -scale).denominator != 1:
        scale -= 1
    mantissa, times = _remove_factors(int(value * Fraction(10) ** -scale), 10)
    exponent = scale + times
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    if fmt == "DecimalSI" and exponent in _DECIMAL_BY_EXPONENT:
        return f"{mantissa}{_DECIMAL_BY_EXPONENT[exponent]}"
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)


def canonicalize(raw: Any, *, scale: int = NANO) -> Any:
    """``raw`` in canonical form, rounded up to 10**scale; anything unparseable is returned unchanged."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return raw
    try:
        return canonical(round_up(parse_quantity(raw), scale))
    except (ValueError, ZeroDivisionError, OverflowError):
        return raw


def default_resource_list(obj: Obj | None, key: str) -> None:
    """``SetDefaults_ResourceList`` on ``obj[key]``: every value rounded up to milli, written canonically."""
    resources = obj.get(key) if obj is not None else None
    if isinstance(resources, dict):
        for name, raw in resources.items():
            resources[name] = canonicalize(raw, scale=MILLI)


def quantity_value(raw: Any) -> Fraction | None:
    """The exact value of a quantity, or None when it does not parse."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        return parse_quantity(raw).value
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
