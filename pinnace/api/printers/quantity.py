"""Resource quantities printed as ``resource.Quantity.String()`` prints them.

Cells that show a quantity (PV and PVC capacity, ResourceQuota usage, HPA metric values) print what
apimachinery's ``pkg/api/resource/quantity.go`` gives back after parsing the stored string: the string
itself when ``ParseQuantity`` judges it canonical, else the canonical form (``"1.5Gi"`` -> ``"1536Mi"``,
``"0.5"`` -> ``"500m"``, ``"1000m"`` -> ``"1"``). Values are held exactly as fractions; amounts finer than
a nano-unit round up, as upstream does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

_INT64_MAX = (1 << 63) - 1
_MAX_INT64_FACTORS = 18
_NANO = -9


class QuantityFormat(Enum):
    DECIMAL_EXPONENT = "DecimalExponent"
    BINARY_SI = "BinarySI"
    DECIMAL_SI = "DecimalSI"


_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {exponent: suffix for suffix, exponent in _BINARY_SUFFIXES.items()}

# parseQuantityString: sign, digits, optional fraction, then a suffix made of these letters and an
# optional signed exponent.
_QUANTITY = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*(?:[+-]?\d+)?)")


class QuantityError(ValueError):
    """The string is not a quantity (``resource.ErrFormatWrong`` / ``ErrSuffix`` / ``ErrNumeric``)."""


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Fraction
    format: QuantityFormat
    text: str | None = None
    """The parsed string when ``ParseQuantity`` keeps it as the canonical form."""

    def __str__(self) -> str:
        return self.text if self.text is not None else _canonical(self.value, self.format)


def _interpret_suffix(suffix: str) -> tuple[int, int, QuantityFormat]:
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], QuantityFormat.DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], QuantityFormat.BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        try:
            return 10, int(suffix[1:]), QuantityFormat.DECIMAL_EXPONENT
        except ValueError:
            pass
    raise QuantityError(f"unable to parse quantity's suffix: {suffix!r}")


def parse_quantity(text: str) -> Quantity:
    """``resource.ParseQuantity``: the exact value, its format, and whether the string is kept verbatim."""
    if not text:
        raise QuantityError("quantities must match the regular expression")
    if text == "0":
        return Quantity(Fraction(0), QuantityFormat.DECIMAL_SI, text)
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise QuantityError("quantities must match the regular expression")
    sign, digits, fraction, suffix = match.groups()
    fraction = fraction or ""
    numerator = digits.lstrip("0") or "0"
    base, exponent, fmt = _interpret_suffix(suffix)

    # The int64 fast path decides whether the input string is reused as the printed form.
    precision = -1
    scale = 0
    multiplier = 1
    if fmt is QuantityFormat.BINARY_SI:
        if exponent >= 0 and not fraction:
            multiplier = 1 << exponent
            precision = 15 - len(numerator) - int(exponent * 3 / 10) - 1
    else:
        scale = exponent
        precision = _MAX_INT64_FACTORS - (len(numerator) + len(fraction))
    if precision >= 0:
        scale -= len(fraction)
        if scale >= _NANO:
            shifted = numerator + fraction
            unscaled = int(shifted)
            if unscaled > _INT64_MAX:
                raise QuantityError("numeric value out of range")
            result = unscaled * multiplier
            if result <= _INT64_MAX:
                if sign == "-":
                    result = -result
                value = Fraction(result) * Fraction(10) ** scale
                keep = (
                    exponent % 10 == 0 and unscaled & 0x07 != 0
                    if fmt is QuantityFormat.BINARY_SI
                    else scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                )
                return Quantity(value, fmt, text if keep else None)

    magnitude = Fraction(int(numerator + fraction)) / Fraction(10) ** len(fraction)
    magnitude *= Fraction(base) ** exponent
    if magnitude != 0:
        # Round up to the smallest representable amount (a nano-unit), away from zero.
        nanos = magnitude * 10**9
        magnitude = Fraction(-((-nanos.numerator) // nanos.denominator), 10**9)
    if fmt is QuantityFormat.BINARY_SI and magnitude > _INT64_MAX:
        magnitude = Fraction(_INT64_MAX)
    if fmt is QuantityFormat.BINARY_SI and 0 < magnitude < 1:
        fmt = QuantityFormat.DECIMAL_SI
    return Quantity(-magnitude if sign == "-" else magnitude, fmt)


def _remove_factors(value: int, base: int) -> tuple[int, int]:
    times = 0
    while value != 0 and value % base == 0:
        value //= base
        times += 1
    return value, times


def _canonical(value: Fraction, fmt: QuantityFormat) -> str:
    """``Quantity.CanonicalizeBytes``."""
    if value == 0:
        return "0"
    if fmt is QuantityFormat.BINARY_SI:
        if -1024 < value < 1024 or value.denominator != 1:
            # Small or fractional binary amounts print as decimal SI rather than lose precision.
            fmt = QuantityFormat.DECIMAL_SI
        else:
            amount, times = _remove_factors(value.numerator, 1024)
            return f"{amount}{_BINARY_BY_EXPONENT.get(times * 10, '')}"
    # Decimal: an integer mantissa times 10**exponent, the exponent a multiple of three.
    exponent = 0
    scaled = value
    while scaled.denominator != 1:
        scaled *= 10
        exponent -= 1
    amount, times = _remove_factors(scaled.numerator, 10)
    exponent += times
    shift = exponent % 3
    amount *= 10**shift
    exponent -= shift
    if fmt is QuantityFormat.DECIMAL_EXPONENT:
        suffix = "" if exponent == 0 else f"e{exponent}"
    else:
        suffix = _DECIMAL_BY_EXPONENT.get(exponent, "")
    return f"{amount}{suffix}"


def quantity_string(value: object) -> str:
    """How a stored quantity cell prints: ``"<nil>"`` for a missing ``*Quantity``, the text if unparseable."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return str(value)
    try:
        return str(parse_quantity(value.strip()))
    except QuantityError:
        return value


def zero_or_quantity(value: object) -> str:
    """A quantity read from a ``ResourceList`` map: a missing entry is the zero quantity, ``"0"``."""
    return "0" if value is None else quantity_string(value)
