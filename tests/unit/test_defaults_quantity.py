"""Resource quantities are written back in apimachinery's canonical form."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pinnace.api.quantity import MILLI, canonicalize, quantity_value
from pinnace.api.quantity import parse_strict as parse_quantity


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        pytest.param("500m", "500m", id="canonical millis stay"),
        pytest.param("0.5", "500m", id="a decimal fraction becomes millis"),
        pytest.param(0.5, "500m", id="a JSON number fraction becomes millis"),
        pytest.param(2, "2", id="a JSON integer becomes a string"),
        pytest.param("1000m", "1", id="whole millis become units"),
        pytest.param("2000", "2k", id="thousands take the k suffix"),
        pytest.param("1500", "1500", id="a mantissa keeps three-digit groups"),
        pytest.param("128974848", "128974848", id="plain bytes stay"),
        pytest.param("129M", "129M", id="decimal SI suffixes stay"),
        pytest.param("1Gi", "1Gi", id="binary suffixes stay"),
        pytest.param("1024Mi", "1Gi", id="binary amounts take the largest exact suffix"),
        pytest.param("1.5Gi", "1536Mi", id="a binary fraction moves to a smaller suffix"),
        pytest.param("0.5Gi", "512Mi", id="half a gibibyte"),
        pytest.param(
            "1.1Gi", "1181116006400m", id="a binary amount without an exact suffix is written in millis"
        ),
        pytest.param("512", "512", id="small binary-looking numbers are decimal"),
        pytest.param("1e3", "1e3", id="decimal exponents stay exponents"),
        pytest.param("1.5e3", "1500", id="an exponent with a fraction is normalized"),
        pytest.param("12e6", "12e6", id="exponents are multiples of three"),
        pytest.param("0.1m", "1m", id="sub-milli amounts round up to a milli"),
        pytest.param("-0.0001", "-1m", id="negative amounts round away from zero"),
        pytest.param("0Mi", "0", id="zero is 0"),
        pytest.param("+5", "5", id="a plus sign is dropped"),
        pytest.param(".5", "500m", id="a leading point"),
        pytest.param(" 1Gi ", "1Gi", id="surrounding space is trimmed"),
    ],
)
def test_resource_list_values_are_canonical(given: str | float, shown: str) -> None:
    assert canonicalize(given, scale=MILLI) == shown


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("", id="empty"),
        pytest.param(".", id="a point alone"),
        pytest.param("1K", id="an upper-case K"),
        pytest.param("1e", id="an exponent without digits"),
        pytest.param("1 Gi", id="a space inside"),
        pytest.param("one", id="words"),
        pytest.param(True, id="a boolean"),
        pytest.param(None, id="null"),
    ],
)
def test_what_does_not_parse_is_left_for_validation(given: object) -> None:
    assert canonicalize(given) is given or canonicalize(given) == given
    if isinstance(given, str):
        with pytest.raises(ValueError):
            parse_quantity(given)


def test_values_are_exact() -> None:
    assert quantity_value("1.5Gi") == Fraction(3 * 2**29)
    assert quantity_value("100m") == Fraction(1, 10)
    assert quantity_value("x") is None
    assert parse_quantity("1Ki").format == "BinarySI"
    assert parse_quantity("0.5Ki").format == "BinarySI"
    assert parse_quantity("1e3").format == "DecimalExponent"
