"""Name and format checks return apimachinery's exact messages (pkg/util/validation/validation.go, v0.32)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pinnace.api import names

SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
QUALIFIED = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)

CASES: list[tuple[str, Callable[[str], list[str]], str, list[str]]] = [
    ("a subdomain may have dots", names.is_dns1123_subdomain, "web.example.com", []),
    ("a subdomain may not have capitals or underscores", names.is_dns1123_subdomain, "Web_1", [SUBDOMAIN]),
    (
        "a subdomain is at most 253 characters",
        names.is_dns1123_subdomain,
        "a" * 254,
        ["must be no more than 253 characters"],
    ),
    ("a label may not have dots", names.is_dns1123_label, "web.svc", ["must not contain dots"]),
    ("a label may not end with a dash", names.is_dns1123_label, "web-", [LABEL]),
    (
        "a label is at most 63 characters",
        names.is_dns1123_label,
        "a" * 64,
        ["must be no more than 63 characters"],
    ),
    ("an RFC 1035 label starts with a letter", names.is_dns1035_label, "1web", [DNS1035]),
    ("a qualified name may have a DNS prefix", names.is_qualified_name, "app.kubernetes.io/name", []),
    (
        "a qualified name needs a name part",
        names.is_qualified_name,
        "example.com/",
        ["name part must be non-empty", QUALIFIED],
    ),
    (
        "a qualified name needs a prefix before a slash",
        names.is_qualified_name,
        "/name",
        ["prefix part must be non-empty"],
    ),
    (
        "a qualified name prefix is a DNS subdomain",
        names.is_qualified_name,
        "Example.com/name",
        ["prefix part " + SUBDOMAIN],
    ),
    (
        "a qualified name has at most one slash",
        names.is_qualified_name,
        "a/b/c",
        [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
            "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
            "'/' (e.g. 'example.com/MyName')"
        ],
    ),
    (
        "a qualified name part is at most 63 characters",
        names.is_qualified_name,
        "a" * 64,
        ["name part must be no more than 63 characters"],
    ),
    ("label values may be empty", names.is_valid_label_value, "", []),
    ("label values may not have spaces", names.is_valid_label_value, "two words", [LABEL_VALUE]),
    (
        "port names need a letter",
        names.is_valid_port_name,
        "8080",
        ["must contain at least one letter (a-z)"],
    ),
    (
        "port names are at most 15 characters",
        names.is_valid_port_name,
        "a-very-long-port-name",
        ["must be no more than 15 characters"],
    ),
    (
        "port names have no double or edge hyphens",
        names.is_valid_port_name,
        "-a--b",
        ["must not contain consecutive hyphens", "must not begin or end with a hyphen"],
    ),
    (
        "relaxed env names exclude '='",
        names.is_relaxed_env_var_name,
        "A=B",
        ["a valid environment variable name must consist only of printable ASCII characters other than '='"],
    ),
    ("relaxed env names allow a leading digit", names.is_relaxed_env_var_name, "1_PASSWORD", []),
    (
        "config map keys exclude slashes",
        names.is_config_map_key,
        "a/b",
        [
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
            "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        ],
    ),
    (
        "config map keys may not start with '..'",
        names.is_config_map_key,
        "..data",
        ["must not start with '..'"],
    ),
    (
        "percent strings end with %",
        names.is_valid_percent,
        "25",
        [
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
            "regex used for validation is '[0-9]+%')"
        ],
    ),
]


@pytest.mark.parametrize(("check", "value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_checks_return_upstream_messages(
    check: Callable[[str], list[str]], value: str, expected: list[str]
) -> None:
    assert check(value) == expected


@pytest.mark.parametrize(
    ("name_fn", "name", "prefix", "expected"),
    [
        pytest.param(names.name_is_dns_subdomain, "web-", True, [], id="a generateName may end with a dash"),
        pytest.param(
            names.name_is_dns_subdomain, "web-", False, [SUBDOMAIN], id="a name may not end with a dash"
        ),
        pytest.param(
            names.path_segment_name, "..", False, ["may not be '..'"], id="path segments may not be '..'"
        ),
        pytest.param(
            names.path_segment_name,
            "a/b%c",
            False,
            ["may not contain '/'", "may not contain '%'"],
            id="nor contain '/' or '%'",
        ),
        pytest.param(
            names.path_segment_name, "Read_Pods", False, [], id="path segments allow capitals and underscores"
        ),
    ],
)
def test_name_functions(name_fn: names.NameFunc, name: str, prefix: bool, expected: list[str]) -> None:
    assert name_fn(name, prefix) == expected


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        pytest.param("10.0.0.1", True, id="IPv4"),
        pytest.param("010.000.000.001", True, id="IPv4 with leading zeros, as ParseIPSloppy allows"),
        pytest.param("2001:db8::1", True, id="IPv6"),
        pytest.param("fe80::1%eth0", False, id="no zones"),
        pytest.param("10.0.0", False, id="three octets"),
    ],
)
def test_ip_parsing_is_sloppy_like_netutils(value: str, ok: bool) -> None:
    assert (names.parse_ip_sloppy(value) is not None) is ok


def test_cidrs_allow_host_bits_like_net_parse_cidr() -> None:
    network = names.parse_cidr_sloppy("10.1.2.3/8")
    assert network is not None and str(network) == "10.0.0.0/8"
    assert names.parse_cidr_sloppy("10.0.0.0/33") is None
    assert names.parse_cidr_sloppy("10.0.0.0") is None
