"""Resource quantities as apimachinery's ``resource.Quantity`` parses, compares and writes them.

Reproduces ``k8s.io/apimachinery/pkg/api/resource/quantity.go`` and ``amount.go`` (v0.32): ``ParseQuantity``
(suffixes ``n u m k M G T P E``, ``Ki``..``Ei``, decimal exponents, rounding up to nano precision, BinarySI
capped at the largest int64), ``CanonicalizeBytes`` (``0.5`` -> ``500m``, ``1.5Gi`` -> ``1536Mi``,
``1000m`` -> ``1``), ``String()`` (the text the parser cached when it judged it canonical, else the
canonical form), ``Cmp``/``Sign``/``Value``/``MilliValue`` on the exact value, ``RoundUp``, and the ``%#v``
dump upstream prints where it passes a ``Quantity`` by value. Values are exact fractions where upstream uses
``int64Amount`` or ``inf.Dec``.

Every reader of quantities uses this module:

- structural decoding (:mod:`pinnace.api.schema`) and validation read JSON values with :func:`parse_quantity`
  and report upstream's messages (:data:`FORMAT_WRONG`, :data:`SUFFIX`, :data:`NUMERIC`);
- the printers show ``String()`` (their cell helpers are in :mod:`pinnace.api.printers.formatting`);
- defaulting (``SetDefaults_ResourceList``: :func:`canonicalize` with ``scale=MILLI``, QoS sums:
  :func:`quantity_value`) and the conversions' Go JSON codec (:mod:`pinnace.api.conversion.gojson`) rewrite
  values in canonical form from :func:`parse_strict`.

:func:`parse_strict` keeps two limits of the reading defaulting and conversions have always used, where
``ParseQuantity`` is more lenient: a number must have a digit (upstream reads ``.``, ``-`` or ``Mi`` as zero;
structural decoding has already written those as ``"0"`` before defaulting runs), and a decimal exponent is
at most 1000 in size, so a hostile annotation cannot make a conversion compute ``10**10**9``. Its errors name
the rejected text (``quantities must match the regular expression: 'lots'``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final, Literal

from pinnace.api.gofmt import GO_POINTER, GoValue, go_quote

Format = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

DECIMAL_SI: Final = "DecimalSI"
BINARY_SI: Final = "BinarySI"
DECIMAL_EXPONENT: Final = "DecimalExponent"

FORMAT_WRONG: Final = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
NUMERIC: Final = "unable to parse numeric part of quantity"
SUFFIX: Final = "unable to parse quantity's suffix"

NANO: Final = -9
MILLI: Final = -3

_DEC_SUFFIXES: Final = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DEC_BY_EXP: Final = {v: k for k, v in _DEC_SUFFIXES.items()}
_BIN_SUFFIXES: Final = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BIN_BY_EXP: Final = {v: k for k, v in _BIN_SUFFIXES.items()} | {0: ""}
_SUFFIX_CHARS: Final = frozenset("eEinumkKMGTP")
_MAX_INT64: Final = 2**63 - 1
_NANO_UNIT: Final = Fraction(1, 10**9)


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


def _interpret(suffix: str, max_exponent: int | None) -> tuple[int, int, Format]:
    """``quantitySuffixer.interpret``: base, exponent and format; a decimal exponent must fit an int64."""
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and all(_digit(c) for c in body) and len(body.lstrip("0")) <= 19:
            exponent = int(digits)
            if -(2**63) <= exponent <= _MAX_INT64 and (max_exponent is None or abs(exponent) <= max_exponent):
                return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(SUFFIX)


def _round_away(value: Fraction, scale: int) -> Fraction:
    """``value`` rounded away from zero to a multiple of 10**scale (``inf.RoundUp``)."""
    unit = Fraction(10) ** scale
    steps, remainder = divmod(abs(value), unit)
    if remainder:
        steps += 1
    return (steps * unit) * (1 if value >= 0 else -1)


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact quantity with its serialisation format and upstream's parse-time cache."""

    value: Fraction
    format: Format = DECIMAL_SI
    cached: str = ""
    amount: tuple[int, int] | None = (0, 0)  # int64Amount (value, scale); None when held as an inf.Dec

    @classmethod
    def parse(cls, text: str, *, max_exponent: int | None = None) -> Quantity:
        """``ParseQuantity``; raises :class:`QuantityError` with upstream's message.

        ``max_exponent`` refuses larger decimal exponents as a bad suffix (see :func:`parse_strict`).
        """
        if not text:
            raise QuantityError(FORMAT_WRONG)
        if text == "0":
            return cls(Fraction(0), DECIMAL_SI, "0", (0, 0))
        positive, value, num, denom, suf = _split(text)
        base, exponent, fmt = _interpret(suf, max_exponent)
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
            if scale >= NANO:
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
            magnitude = Fraction(math.ceil(magnitude / _NANO_UNIT)) * _NANO_UNIT
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

    def round_up(self, scale: int) -> Quantity:
        """``RoundUp(scale)``: the value rounded away from zero to a multiple of 10**scale, uncached."""
        return Quantity(_round_away(self.value, scale), self.format, "", None)

    def canonical(self) -> str:
        """``CanonicalizeBytes``, ignoring the cached text."""
        return canonical(self.value, self.format)

    def __str__(self) -> str:
        """``String()`` (and ``MarshalJSON``): the cached original text, or the canonical form."""
        if self.cached:
            return self.cached
        return self.canonical()

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
    """``CanonicalizeBytes``: the largest exponent (a multiple of 3, or of 1024 for BinarySI) without loss.

    Like upstream 1.32, a DecimalSI value past the ``E`` suffix (10**21 and up) is written without a suffix.
    """
    if value == 0:
        return "0"
    if fmt == BINARY_SI:
        if -1024 < value < 1024 or value.denominator != 1:
            # Small or fractional binary amounts would need rounding in base 1024: written as DecimalSI.
            fmt = DECIMAL_SI
        else:
            amount, exp = int(value), 0
            while amount % 1024 == 0:
                amount //= 1024
                exp += 1
            return f"{amount}{_BIN_BY_EXP.get(exp * 10, '')}"
    scaled = value * 10**9
    mantissa, exponent = math.ceil(scaled) if scaled > 0 else math.floor(scaled), NANO
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


# A number with at least one digit, before or after its point.
_HAS_DIGIT: Final = re.compile(r"[+-]?\.?[0-9]")
_MAX_EXPONENT: Final = 1000


def parse_strict(raw: str | int | float) -> Quantity:
    """The reading defaulting and conversions rewrite values with; :class:`QuantityError` names the text.

    ``ParseQuantity`` of the trimmed string (or of ``str()`` of a number), refusing also a number without a
    digit and a decimal exponent past ±1000 (see the module docstring).
    """
    text = raw.strip() if isinstance(raw, str) else str(raw)
    try:
        if not _HAS_DIGIT.match(text):
            raise QuantityError(FORMAT_WRONG)
        return Quantity.parse(text, max_exponent=_MAX_EXPONENT)
    except QuantityError as err:
        # A sign without exponent digits after it is upstream's bad suffix; this reading calls it a bad form.
        if str(err) == SUFFIX and not text.endswith(("+", "-")):
            raise QuantityError(f"{SUFFIX}: {text!r}") from None
        raise QuantityError(f"quantities must match the regular expression: {text!r}") from None


def canonicalize(raw: Any, *, scale: int = NANO) -> Any:
    """``raw`` in canonical form, rounded up to 10**scale; anything :func:`parse_strict` refuses is kept."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return raw
    try:
        return parse_strict(raw).round_up(scale).canonical()
    except QuantityError:
        return raw


def quantity_value(raw: Any) -> Fraction | None:
    """The exact value of a quantity, or None when :func:`parse_strict` refuses it."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        return parse_strict(raw).value
    except QuantityError:
        return None
