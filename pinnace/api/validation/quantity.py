"""Kubernetes resource quantities, parsed and printed exactly like ``resource.Quantity``.

Reproduces ``k8s.io/apimachinery/pkg/api/resource/quantity.go`` and ``amount.go`` (v0.32): ``ParseQuantity``
(suffixes ``n u m k M G T P E``, ``Ki``..``Ei``, decimal exponents, rounding up to nano precision), the
``String()`` that validation messages print (the original text when the parser cached it, the canonical form
otherwise: ``0.5`` prints as ``500m``, ``1024Mi`` as ``1Gi``), comparisons on the exact value, and the ``%#v``
dump upstream shows where it passes a ``Quantity`` by value. Values are kept exact, as fractions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from pinnace.api.validation.gofmt import GO_POINTER, GoValue, go_quote

FORMAT_WRONG: Final = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
NUMERIC: Final = "unable to parse numeric part of quantity"
SUFFIX: Final = "unable to parse quantity's suffix"

DECIMAL_SI: Final = "DecimalSI"
BINARY_SI: Final = "BinarySI"
DECIMAL_EXPONENT: Final = "DecimalExponent"

_DEC_SUFFIXES: Final = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DEC_BY_EXP: Final = {v: k for k, v in _DEC_SUFFIXES.items()}
_BIN_SUFFIXES: Final = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BIN_BY_EXP: Final = {v: k for k, v in _BIN_SUFFIXES.items()} | {0: ""}
_SUFFIX_CHARS: Final = frozenset("eEinumkKMGTP")
_MAX_INT64: Final = 2**63 - 1
_NANO: Final = Fraction(1, 10**9)


class QuantityError(ValueError):
    """A string that is not a quantity; ``str(err)`` is upstream's message."""


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


def _split(s: str) -> tuple[bool, str, str, str, str]:
    """``parseQuantityString``: sign, numeric text, integer digits, fraction digits, suffix."""
    positive, pos, end = True, 0, len(s)
    if pos < end and s[0] in "+-":
        positive = s[0] == "+"
        pos += 1
    i = pos
    while True:  # leading zeros
        if i >= end:
            return positive, "0", "0", "", ""
        if s[i] != "0":
            break
        pos += 1
        i += 1
    i = pos
    while True:
        if i >= end:
            return positive, s, s[pos:], "", ""
        if not _digit(s[i]):
            num, pos = s[pos:i], i
            break
        i += 1
    num = num or "0"
    denom = ""
    if pos < end and s[pos] == ".":
        pos += 1
        i = pos
        while True:
            if i >= end:
                return positive, s, num, s[pos:], ""
            if not _digit(s[i]):
                denom, pos = s[pos:i], i
                break
            i += 1
    value = s[:pos]
    suffix_start = i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:]
        if s[i] not in _SUFFIX_CHARS:
            pos = i
            break
        i += 1
    if pos < end and s[pos] in "-+":
        pos += 1
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:]
        if not _digit(s[i]):
            raise QuantityError(FORMAT_WRONG)
        i += 1


def _interpret(suffix: str) -> tuple[int, int, str]:
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and all(_digit(c) for c in body):
            return 10, int(digits), DECIMAL_EXPONENT
    raise QuantityError(SUFFIX)


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact quantity with its serialisation format and upstream's parse-time cache."""

    value: Fraction
    format: str = DECIMAL_SI
    cached: str = ""
    amount: tuple[int, int] | None = (0, 0)  # int64Amount (value, scale); None when held as an inf.Dec

    @classmethod
    def parse(cls, text: str) -> Quantity:
        """``ParseQuantity``; raises :class:`QuantityError` with upstream's message."""
        if not text:
            raise QuantityError(FORMAT_WRONG)
        if text == "0":
            return cls(Fraction(0), DECIMAL_SI, "0", (0, 0))
        positive, value, num, denom, suf = _split(text)
        base, exponent, fmt = _interpret(suf)
        precision, scale, mantissa = 0, 0, 1
        if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
            scale = exponent
            precision = 18 - (len(num) + len(denom))
        elif exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            precision = -1
        if precision >= 0:
            scale -= len(denom)
            if scale >= -9:
                shifted = num + denom
                number = int(shifted)
                result = number * mantissa
                if result <= _MAX_INT64:
                    if not positive:
                        result = -result
                    cached = ""
                    if fmt == BINARY_SI:
                        if exponent % 10 == 0 and number & 0x07 != 0:
                            cached = text
                    elif scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
                        cached = text
                    return cls(Fraction(result) * Fraction(10) ** scale, fmt, cached, (result, scale))
        try:
            amount = Fraction(value)
        except (ValueError, ZeroDivisionError) as err:
            raise QuantityError(NUMERIC) from err
        amount *= Fraction(base) ** exponent
        negative = amount < 0
        magnitude = -amount if negative else amount
        if magnitude:
            magnitude = Fraction(math.ceil(magnitude / _NANO)) * _NANO
        if fmt == BINARY_SI and magnitude > _MAX_INT64:
            magnitude = Fraction(_MAX_INT64)
        if fmt == BINARY_SI and 0 < magnitude < 1:
            fmt = DECIMAL_SI
        return cls(-magnitude if negative else magnitude, fmt, "", None)

    def sign(self) -> int:
        return (self.value > 0) - (self.value < 0)

    def cmp(self, other: Quantity) -> int:
        return (self.value > other.value) - (self.value < other.value)

    def int_value(self) -> int:
        """``Value()``: rounded up to an integer."""
        return math.ceil(self.value)

    def milli_value(self) -> int:
        """``MilliValue()``: thousandths, rounded up."""
        return math.ceil(self.value * 1000)

    def __str__(self) -> str:
        """``String()``: the cached original text, or the canonical form."""
        if self.cached:
            return self.cached
        return canonical(self.value, self.format)

    def go_repr(self) -> GoValue:
        """``%#v`` of the ``Quantity`` struct, which upstream prints where it passes one by value."""
        if self.amount is not None:
            i = f"resource.int64Amount{{value:{self.amount[0]}, scale:{self.amount[1]}}}"
            d = "resource.infDecAmount{Dec:(*inf.Dec)(nil)}"
        else:
            i = "resource.int64Amount{value:0, scale:0}"
            d = f"resource.infDecAmount{{Dec:(*inf.Dec)({GO_POINTER})}}"
        return GoValue(
            f"resource.Quantity{{i:{i}, d:{d}, s:{go_quote(self.cached)}, Format:{go_quote(self.format)}}}"
        )


def canonical(value: Fraction, fmt: str) -> str:
    """``CanonicalizeBytes``: the largest exponent (a multiple of 3, or of 1024 for BinarySI) without loss."""
    if value == 0:
        return "0"
    if fmt == BINARY_SI:
        if -1024 < value < 1024 or value.denominator != 1:
            fmt = DECIMAL_SI
        else:
            amount, exp = int(value), 0
            while amount % 1024 == 0:
                amount //= 1024
                exp += 1
            return f"{amount}{_BIN_BY_EXP.get(exp * 10, '')}"
    scaled = value * 10**9
    mantissa, exponent = math.ceil(scaled) if scaled > 0 else math.floor(scaled), -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    while exponent % 3 != 0:
        mantissa *= 10
        exponent -= 1
    if fmt == DECIMAL_EXPONENT:
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DEC_BY_EXP.get(exponent, '')}"


def parse_quantity(raw: object) -> Quantity:
    """A quantity as it arrives in a JSON object: a string (trimmed, like ``UnmarshalJSON``) or a number."""
    if isinstance(raw, bool):
        raise QuantityError(FORMAT_WRONG)
    if isinstance(raw, int):
        return Quantity.parse(str(raw))
    if isinstance(raw, float):
        text = str(int(raw)) if raw.is_integer() and abs(raw) < 1e21 else repr(raw)
        return Quantity.parse(text)
    if isinstance(raw, str):
        return Quantity.parse(raw.strip())
    raise QuantityError(FORMAT_WRONG)


ZERO: Final = Quantity(Fraction(0))
