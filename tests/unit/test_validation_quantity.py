"""Quantities parse, compare and print like ``resource.Quantity`` (apimachinery v0.32)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pinnace.api.quantity import FORMAT_WRONG, SUFFIX, Quantity, QuantityError, parse_quantity


@pytest.mark.parametrize(
    ("text", "value", "printed"),
    [
        pytest.param("100m", Fraction(1, 10), "100m", id="millicores keep their text"),
        pytest.param("0.5", Fraction(1, 2), "500m", id="a decimal prints canonically"),
        pytest.param("1.5", Fraction(3, 2), "1500m", id="one and a half"),
        pytest.param("1000m", Fraction(1), "1", id="a round thousand millis is one"),
        pytest.param("1Gi", Fraction(2**30), "1Gi", id="binary suffixes"),
        pytest.param("1024Mi", Fraction(2**30), "1Gi", id="binary values in canonical form"),
        pytest.param("1.5Gi", Fraction(3 * 2**29), "1536Mi", id="fractional binary values"),
        pytest.param("128Mi", Fraction(128 * 2**20), "128Mi", id="mebibytes"),
        pytest.param("1e3", Fraction(1000), "1e3", id="decimal exponents"),
        pytest.param("3000", Fraction(3000), "3k", id="plain integers in canonical form"),
        pytest.param("0.1m", Fraction(1, 10000), "100u", id="sub-milli values"),
        pytest.param("1n", Fraction(1, 10**9), "1n", id="nano is the finest precision"),
        pytest.param("0.0000000001", Fraction(1, 10**9), "1n", id="finer values round up to nano"),
        pytest.param("-1", Fraction(-1), "-1", id="negative values"),
        pytest.param("0", Fraction(0), "0", id="zero"),
    ],
)
def test_parse_and_print(text: str, value: Fraction, printed: str) -> None:
    q = Quantity.parse(text)
    assert q.value == value
    assert str(q) == printed


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("abc", FORMAT_WRONG, id="letters only"),
        pytest.param("1.2.3", FORMAT_WRONG, id="two decimal points"),
        pytest.param("", FORMAT_WRONG, id="empty"),
        pytest.param("1e", SUFFIX, id="an exponent without digits"),
        pytest.param("5Kb", FORMAT_WRONG, id="an unknown suffix letter"),
    ],
)
def test_malformed_quantities_use_upstream_messages(text: str, error: str) -> None:
    with pytest.raises(QuantityError) as err:
        Quantity.parse(text)
    assert str(err.value) == error
    assert FORMAT_WRONG == (
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


def test_json_numbers_and_padded_strings_parse_like_unmarshal_json() -> None:
    assert parse_quantity(2).value == 2
    assert str(parse_quantity(0.5)) == "500m"
    assert str(parse_quantity(" 250m ")) == "250m"
    with pytest.raises(QuantityError):
        parse_quantity(True)


def test_comparison_is_on_the_exact_value() -> None:
    assert Quantity.parse("1").cmp(Quantity.parse("1000m")) == 0
    assert Quantity.parse("2").cmp(Quantity.parse("1")) == 1
    assert Quantity.parse("1Gi").cmp(Quantity.parse("1G")) == 1
    assert Quantity.parse("1500m").milli_value() == 1500
    assert Quantity.parse("1500m").int_value() == 2


def test_go_struct_dump_matches_what_upstream_prints_for_quantities_passed_by_value() -> None:
    assert Quantity.parse("500m").go_repr().text == (
        "resource.Quantity{i:resource.int64Amount{value:500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, "
        's:"500m", Format:"DecimalSI"}'
    )
