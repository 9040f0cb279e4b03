"""Label selectors as Kubernetes 1.32 parses, prints and matches them (apimachinery pkg/labels/selector.go).

Every expected string and error message below was produced by upstream's own code (apimachinery v0.32.9).
"""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gofmt import go_quote
from pinnace.api.labels import (
    EVERYTHING,
    NOTHING,
    LabelRequirement,
    LabelSelector,
    Operator,
    SelectorParseError,
    format_label_selector,
    from_label_selector_object,
    label_selector_to_string,
    new_requirement,
    parse_label_selector,
    selector_from_set,
)

NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
TOO_LONG = "must be no more than 63 characters"
INTEGER_RULE = "for 'Gt', 'Lt' operators, the value must be an integer"
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


# Parsing and the canonical string --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("", "", id="an empty selector prints as nothing"),
        pytest.param("  \t ", "", id="whitespace alone is an empty selector"),
        pytest.param("app=web", "app=web", id="equality keeps its single equals sign"),
        pytest.param("app==web", "app==web", id="double equals is kept as written"),
        pytest.param("app!=web", "app!=web", id="inequality"),
        pytest.param("app", "app", id="a bare key means the key exists"),
        pytest.param("!app", "!app", id="a bang means the key does not exist"),
        pytest.param("b=1,a=2", "a=2,b=1", id="requirements are sorted by key"),
        pytest.param("tier in (c,b,c)", "tier in (b,c)", id="set values are sorted and de-duplicated"),
        pytest.param("tier notin (a,b)", "tier notin (a,b)", id="notin"),
        pytest.param("a  in  (  b  ,  c  )", "a in (b,c)", id="whitespace around tokens is ignored"),
        pytest.param("a\t=\tb,\nc", "a=b,c", id="tabs and newlines are whitespace too"),
        pytest.param(
            "x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()", id="upstream doc example"
        ),
        pytest.param("a in ()", "a in ()", id="empty parentheses hold the empty value"),
        pytest.param("a in (b,)", "a in (,b)", id="a trailing comma in a set adds the empty value"),
        pytest.param("a=", "a=", id="an exact match may select the empty value"),
        pytest.param("in in (in,notin)", "in in (in,notin)", id="keywords are identifiers where values go"),
        pytest.param("a>1,b<2", "a>1,b<2", id="greater and less than take integers"),
        pytest.param("k8s.io/app=web", "k8s.io/app=web", id="a key may have a DNS subdomain prefix"),
        pytest.param("a=b \x00c=d", "a=b", id="a NUL byte ends the input as in Go's byte lexer"),
    ],
)
def test_a_valid_selector_prints_in_upstreams_canonical_form(text: str, canonical: str) -> None:
    selector = parse_label_selector(text)
    assert str(selector) == canonical
    assert str(parse_label_selector(canonical)) == canonical, "the canonical form parses back to itself"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "a in (b", "unable to parse requirement: found '', expected: ',' or ')'", id="unclosed set"
        ),
        pytest.param(
            "a in b", "unable to parse requirement: found 'b' expected: '('", id="set without parens"
        ),
        pytest.param(
            "a notin", "unable to parse requirement: found '' expected: '('", id="notin without a set"
        ),
        pytest.param(
            "a in (",
            "unable to parse requirement: found '', expected: ',', ')' or identifier",
            id="open paren only",
        ),
        pytest.param(
            "a in (b c)",
            "unable to parse requirement: found 'c', expected: ',' or ')'",
            id="values need commas",
        ),
        pytest.param("a,", "found '', expected: identifier after ','", id="trailing comma"),
        pytest.param(
            "a in (b,,",
            "unable to parse requirement: found '', expected: ',', or identifier",
            id="unclosed list",
        ),
        pytest.param(
            "!,", "unable to parse requirement: found ',', expected: identifier", id="a bang without a key"
        ),
        pytest.param("a,,b", "found ',', expected: identifier after ','", id="double comma"),
        pytest.param(",a", "found ',', expected: !, identifier, or 'end of string'", id="leading comma"),
        pytest.param(
            "a b",
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            id="two keys without an operator",
        ),
        pytest.param(
            "!a=b", "found '=', expected: ',' or 'end of string'", id="does-not-exist takes no value"
        ),
        pytest.param(
            "a>=1", "unable to parse requirement: found '=', expected: identifier", id="no >= operator"
        ),
        pytest.param("a=b=c", "found '=', expected: ',' or 'end of string'", id="a second equals sign"),
        pytest.param("a=b)", "found ')', expected: ',' or 'end of string'", id="stray closing paren"),
        pytest.param(
            "a=(b)", "unable to parse requirement: found '(', expected: identifier", id="parens after ="
        ),
        pytest.param(
            "k@y=v",
            f'unable to parse requirement: <nil>: Invalid value: "k@y": name part {NAME_RULE}',
            id="bad key",
        ),
        pytest.param(
            "Example.com/a=b",
            'unable to parse requirement: <nil>: Invalid value: "Example.com/a": prefix part a lowercase '
            "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            id="a key prefix must be a lowercase DNS subdomain",
        ),
        pytest.param(
            "/b=c",
            'unable to parse requirement: <nil>: Invalid value: "/b": prefix part must be non-empty',
            id="empty key prefix",
        ),
        pytest.param(
            "a/b/c=d",
            f'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name {NAME_RULE} '
            "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            id="two slashes in a key",
        ),
        pytest.param(
            "x" * 64 + "=a",
            f'unable to parse requirement: <nil>: Invalid value: "{"x" * 64}": name part {TOO_LONG}',
            id="a key over 63 characters",
        ),
        pytest.param(
            "é=a",
            f'unable to parse requirement: <nil>: Invalid value: "é": name part {NAME_RULE}',
            id="a non-ASCII key",
        ),
        pytest.param(
            "a=-v",
            f'unable to parse requirement: values[0][a]: Invalid value: "-v": {VALUE_RULE}',
            id="a value must start with an alphanumeric",
        ),
        pytest.param(
            "a=" + "v" * 64,
            f'unable to parse requirement: values[0][a]: Invalid value: "{"v" * 64}": {TOO_LONG}',
            id="a value over 63 characters",
        ),
        pytest.param(
            "a>b",
            f'unable to parse requirement: values[0]: Invalid value: "b": {INTEGER_RULE}',
            id="gt needs an integer",
        ),
        pytest.param(
            "a>",
            f'unable to parse requirement: values[0]: Invalid value: "": {INTEGER_RULE}',
            id="gt with nothing after it",
        ),
        pytest.param(
            'a="q"',
            f'unable to parse requirement: values[0][a]: Invalid value: "\\"q\\"": {VALUE_RULE}',
            id="quotes in a value are escaped as Go does",
        ),
    ],
)
def test_an_invalid_selector_is_rejected_with_upstreams_message(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        parse_label_selector(text)
    assert str(caught.value) == message


# Matching --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        pytest.param("", {}, True, id="the empty selector matches everything"),
        pytest.param("app=web", {"app": "web"}, True, id="equality matches the same value"),
        pytest.param("app=web", {"app": "db"}, False, id="equality rejects another value"),
        pytest.param("app=web", {}, False, id="equality needs the key"),
        pytest.param("app=", {}, False, id="an empty value still needs the key"),
        pytest.param("app=", {"app": ""}, True, id="an empty value matches an empty label"),
        pytest.param("app!=web", {}, True, id="inequality matches an absent key"),
        pytest.param("app!=web", {"app": "web"}, False, id="inequality rejects the value"),
        pytest.param("tier in (a,b)", {"tier": "b"}, True, id="in matches a member"),
        pytest.param("tier in (a,b)", {}, False, id="in needs the key"),
        pytest.param("tier notin (a,b)", {}, True, id="notin matches an absent key"),
        pytest.param("tier notin (a,b)", {"tier": "a"}, False, id="notin rejects a member"),
        pytest.param("app", {"app": ""}, True, id="exists matches an empty label"),
        pytest.param("!app", {"app": ""}, False, id="does not exist rejects any value"),
        pytest.param("n>5", {"n": "6"}, True, id="greater than compares integers"),
        pytest.param("n>5", {"n": "10"}, True, id="integers compare numerically, not as text"),
        pytest.param("n<5", {"n": "x"}, False, id="a non-integer label never compares"),
        pytest.param("n>5", {}, False, id="greater than needs the key"),
        pytest.param("a=1,b", {"a": "1"}, False, id="every requirement must hold"),
    ],
)
def test_matching_follows_upstream(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        pytest.param("app=web,tier", "app", "web", id="equality requires an exact value"),
        pytest.param("app in (web)", "app", "web", id="a one-value set requires it too"),
        pytest.param("app in (a,b)", "app", None, id="two values are not exact"),
        pytest.param("app!=web", "app", None, id="inequality is not exact"),
        pytest.param("tier", "app", None, id="an unrelated key is not exact"),
    ],
)
def test_requires_exact_match(text: str, key: str, value: str | None) -> None:
    assert parse_label_selector(text).requires_exact_match(key) == value


# Requirements built in code --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "operator", "values", "message"),
    [
        pytest.param(
            "a",
            Operator.IN,
            None,
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
            id="in without values shows a nil slice",
        ),
        pytest.param(
            "a",
            Operator.IN,
            [],
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
            id="in with an empty list shows an empty slice",
        ),
        pytest.param(
            "a",
            Operator.EQUALS,
            ["x", "y"],
            'values: Invalid value: []string{"x", "y"}: exact-match compatibility requires one single value',
            id="equality takes one value",
        ),
        pytest.param(
            "a",
            Operator.EXISTS,
            ["x"],
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
            id="exists takes no value",
        ),
        pytest.param(
            "a",
            Operator.GREATER_THAN,
            ["x", "y"],
            "[values: Invalid value: []string{\"x\", \"y\"}: for 'Gt', 'Lt' operators, exactly one value is "
            f'required, values[0]: Invalid value: "x": {INTEGER_RULE}, '
            f'values[1]: Invalid value: "y": {INTEGER_RULE}]',
            id="several problems are aggregated in brackets",
        ),
        pytest.param(
            "",
            Operator.IN,
            ["-x"],
            f'[key: Invalid value: "": name part must be non-empty; name part {NAME_RULE}, '
            f'values[0][]: Invalid value: "-x": {VALUE_RULE}]',
            id="an empty key and a bad value",
        ),
        pytest.param(
            "example.com/" + "a" * 64,
            Operator.EXISTS,
            [],
            f'key: Invalid value: "example.com/{"a" * 64}": name part {TOO_LONG}',
            id="the name part of a prefixed key is limited to 63",
        ),
    ],
)
def test_new_requirement_validates_like_upstream(
    key: str, operator: Operator, values: list[str] | None, message: str
) -> None:
    with pytest.raises(SelectorParseError) as caught:
        new_requirement(key, operator, values)
    assert str(caught.value) == message


def test_a_requirement_prints_its_values_sorted_without_reordering_them() -> None:
    requirement = new_requirement("a", Operator.IN, ["z", "b"])
    assert requirement == LabelRequirement("a", Operator.IN, ("z", "b"))
    assert str(requirement) == "a in (b,z)"


def test_add_keeps_requirements_sorted_and_nothing_stays_nothing() -> None:
    selector = EVERYTHING.add(
        new_requirement("b", Operator.EXISTS), new_requirement("a", Operator.EQUALS, ["1"])
    )
    assert str(selector) == "a=1,b"
    assert NOTHING.add(new_requirement("a", Operator.EXISTS)) is NOTHING


def test_selector_from_set_is_every_pair_by_key() -> None:
    assert str(selector_from_set({"tier": "db", "app": "web"})) == "app=web,tier=db"
    assert selector_from_set({}).is_empty


# metav1.LabelSelector objects ------------------------------------------------------------------------------


def test_a_nil_selector_matches_nothing_and_an_empty_one_everything() -> None:
    nil = from_label_selector_object(None)
    empty = from_label_selector_object({})
    assert nil == NOTHING and not nil.matches({}) and not nil.is_empty
    assert empty == EVERYTHING and empty.matches({"any": "thing"}) and empty.is_empty
    assert from_label_selector_object({"matchLabels": None, "matchExpressions": []}) == EVERYTHING
    assert str(nil) == str(empty) == ""


@pytest.mark.parametrize(
    ("selector", "text"),
    [
        pytest.param({"matchLabels": {"app": "web"}}, "app=web", id="match labels are equalities"),
        pytest.param(
            {
                "matchLabels": {"tier": "x", "app": "web"},
                "matchExpressions": [{"key": "env", "operator": "In", "values": ["b", "a"]}],
            },
            "app=web,env in (a,b),tier=x",
            id="labels and expressions sorted together by key",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]},
            "env notin (prod)",
            id="notin",
        ),
        pytest.param(
            {
                "matchExpressions": [
                    {"key": "b", "operator": "Exists"},
                    {"key": "a", "operator": "DoesNotExist", "values": []},
                ]
            },
            "!a,b",
            id="exists and does not exist",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "x"]}]},
            "a in (x,x)",
            id="object values are not de-duplicated",
        ),
    ],
)
def test_a_label_selector_object_prints_like_status_selector(selector: dict[str, Any], text: str) -> None:
    assert label_selector_to_string(selector) == text
    assert format_label_selector(selector) == text


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            '"Gt" is not a valid label selector operator',
            id="only set-based operators are allowed",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
            id="in needs values",
        ),
        pytest.param(
            {"matchLabels": {"app": "-web"}},
            f'values[0][app]: Invalid value: "-web": {VALUE_RULE}',
            id="match label values are validated",
        ),
    ],
)
def test_an_invalid_label_selector_object_is_rejected(selector: dict[str, Any], message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        from_label_selector_object(selector)
    assert str(caught.value) == message
    assert format_label_selector(selector) == "<error>"


def test_kubectl_describe_shows_none_for_a_selector_that_selects_everything() -> None:
    assert format_label_selector({}) == "<none>"
    assert format_label_selector(None) == "<none>"


def test_object_selectors_match_like_parsed_ones() -> None:
    selector = from_label_selector_object(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
        }
    )
    assert selector.matches({"app": "web"})
    assert selector.matches({"app": "web", "tier": "fe"})
    assert not selector.matches({"app": "web", "tier": "db"})
    assert selector == parse_label_selector("tier notin (db),app=web")


# Go formatting ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        pytest.param("plain", '"plain"', id="plain text"),
        pytest.param('a"b\\c', '"a\\"b\\\\c"', id="quote and backslash are escaped"),
        pytest.param("\t\n\x01\x7f", '"\\t\\n\\x01\\x7f"', id="control characters"),
        pytest.param("é😀", '"é😀"', id="printable unicode stays"),
        pytest.param("\u0085\ufeff", '"\\u0085\\ufeff"', id="non-printable unicode is escaped"),
    ],
)
def test_go_quote_is_strconv_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_label_selector_is_a_hashable_value() -> None:
    assert {parse_label_selector("b,a=1"), parse_label_selector("a=1,b")} == {
        LabelSelector(
            (LabelRequirement("a", Operator.EQUALS, ("1",)), LabelRequirement("b", Operator.EXISTS))
        )
    }
