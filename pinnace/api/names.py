"""Name, label and format checks with upstream's exact messages.

Reproduces ``k8s.io/apimachinery/pkg/util/validation/validation.go`` (v0.32: ``IsQualifiedName``,
``IsValidLabelValue``, ``IsDNS1123Label``/``Subdomain``, ``IsDNS1035Label``, ``IsValidPortName``, ...),
the name functions of ``pkg/api/validation/generic.go`` (``NameIsDNSSubdomain`` and friends, with
``maskTrailingDash`` for ``generateName`` prefixes) and ``pkg/api/validation/path/name.go``. Each ``is_*``
function returns the list of problems (empty when valid), as upstream's do. Lengths are byte lengths, as in
Go.

Used by semantic validation (:mod:`pinnace.api.validation`) and by label selectors (:mod:`pinnace.api.labels`,
whose requirements check keys and values with the same functions); it imports nothing else of Pinnace's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Final

NameFunc = Callable[[str, bool], list[str]]
"""``ValidateNameFunc``: ``(name, prefix) -> problems``; ``prefix`` is true for a ``generateName``."""


def blen(value: str) -> int:
    """Go's ``len()`` of a string: its UTF-8 byte length.

    A lone surrogate counts three bytes, as the U+FFFD Go's JSON decoder puts in its place does.
    """
    return len(value.encode("utf-8", "surrogatepass"))


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def empty_error() -> str:
    return "must be non-empty"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    text = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


_QNAME_CHAR: Final = "[A-Za-z0-9]"
_QNAME_EXT_CHAR: Final = "[-A-Za-z0-9_.]"
QUALIFIED_NAME_FMT: Final = f"({_QNAME_CHAR}{_QNAME_EXT_CHAR}*)?{_QNAME_CHAR}"
_QUALIFIED_NAME_ERR: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character"
)
_QUALIFIED_NAME_RE: Final = re.compile(QUALIFIED_NAME_FMT)

LABEL_VALUE_FMT: Final = f"({QUALIFIED_NAME_FMT})?"
_LABEL_VALUE_ERR: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_LABEL_VALUE_RE: Final = re.compile(LABEL_VALUE_FMT)

DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_ERR: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_RE: Final = re.compile(DNS1123_LABEL_FMT)

DNS1123_SUBDOMAIN_FMT: Final = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_ERR: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_RE: Final = re.compile(DNS1123_SUBDOMAIN_FMT)

DNS1035_LABEL_FMT: Final = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_ERR: Final = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
_DNS1035_LABEL_RE: Final = re.compile(DNS1035_LABEL_FMT)

WILDCARD_DNS1123_SUBDOMAIN_FMT: Final = "\\*\\." + DNS1123_SUBDOMAIN_FMT
_WILDCARD_ERR: Final = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
    "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character"
)
_WILDCARD_RE: Final = re.compile(WILDCARD_DNS1123_SUBDOMAIN_FMT)

C_IDENTIFIER_FMT: Final = "[A-Za-z_][A-Za-z0-9_]*"
_C_IDENTIFIER_RE: Final = re.compile(C_IDENTIFIER_FMT)

LABEL_VALUE_MAX_LENGTH: Final = 63
DNS1123_LABEL_MAX_LENGTH: Final = 63
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253
DNS1035_LABEL_MAX_LENGTH: Final = 63


def is_qualified_name(value: str) -> list[str]:
    """``IsQualifiedName``: an optional DNS-subdomain prefix and ``/``, then a name of at most 63 bytes."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + empty_error())
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part " + empty_error())
    elif blen(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    errs: list[str] = []
    if blen(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(regex_error(_LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_dns1123_label(value: str) -> list[str]:
    errs: list[str] = []
    if blen(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _DNS1123_LABEL_RE.fullmatch(value):
        if _DNS1123_SUBDOMAIN_RE.fullmatch(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs: list[str] = []
    if blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs: list[str] = []
    if blen(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _DNS1035_LABEL_RE.fullmatch(value):
        errs.append(regex_error(_DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_wildcard_dns1123_subdomain(value: str) -> list[str]:
    errs: list[str] = []
    if blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _WILDCARD_RE.fullmatch(value):
        errs.append(regex_error(_WILDCARD_ERR, WILDCARD_DNS1123_SUBDOMAIN_FMT, "*.example.com"))
    return errs


def is_c_identifier(value: str) -> list[str]:
    if not _C_IDENTIFIER_RE.fullmatch(value):
        msg = "a valid C identifier must start with alphabetic character or '_', followed by a string of "
        msg += "alphanumeric characters or '_'"
        return [regex_error(msg, C_IDENTIFIER_FMT, "my_name", "MY_NAME", "MyName")]
    return []


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_in_range(value: int, lo: int, hi: int) -> list[str]:
    return [] if lo <= value <= hi else [inclusive_range_error(lo, hi)]


_MAX_INT32: Final = 2**31 - 1


def is_valid_user_id(uid: int) -> list[str]:
    return [] if 0 <= uid <= _MAX_INT32 else [inclusive_range_error(0, _MAX_INT32)]


def is_valid_group_id(gid: int) -> list[str]:
    return [] if 0 <= gid <= _MAX_INT32 else [inclusive_range_error(0, _MAX_INT32)]


_PORT_NAME_CHARSET: Final = re.compile("[-a-z0-9]+")
_PORT_NAME_LETTER: Final = re.compile("[a-z]")


def is_valid_port_name(port: str) -> list[str]:
    """``IsValidPortName``: an IANA_SVC_NAME (at most 15 characters, ``[-a-z0-9]``, at least one letter)."""
    errs: list[str] = []
    if blen(port) > 15:
        errs.append(max_len_error(15))
    if not _PORT_NAME_CHARSET.fullmatch(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_LETTER.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def parse_ip_sloppy(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``netutils.ParseIPSloppy``: Go's ``net.ParseIP`` that also accepts IPv4 octets with leading zeros."""
    if not value or "%" in value:
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        pass
    parts = value.split(".")
    if len(parts) == 4 and all(p.isdigit() and p.isascii() and len(p) <= 3 for p in parts):
        try:
            return ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
        except ValueError:
            return None
    return None


def parse_cidr_sloppy(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """``netutils.ParseCIDRSloppy``: an address (host bits allowed), ``/`` and a decimal prefix length."""
    addr, sep, prefix = value.partition("/")
    if not sep or not prefix.isdigit() or not prefix.isascii():
        return None
    ip = parse_ip_sloppy(addr)
    if ip is None:
        return None
    bits = int(prefix)
    if bits > ip.max_prefixlen:
        return None
    return ipaddress.ip_network(f"{ip}/{bits}", strict=False)


IP_ADDRESS_ERROR: Final = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR_ERROR: Final = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

PERCENT_FMT: Final = "[0-9]+%"
_PERCENT_RE: Final = re.compile(PERCENT_FMT)


def is_valid_percent(percent: str) -> list[str]:
    if not _PERCENT_RE.fullmatch(percent):
        msg = "a valid percent string must be a numeric string followed by an ending '%'"
        return [regex_error(msg, PERCENT_FMT, "1%", "93%")]
    return []


HTTP_HEADER_NAME_FMT: Final = "[-A-Za-z0-9]+"
_HTTP_HEADER_NAME_RE: Final = re.compile(HTTP_HEADER_NAME_FMT)


def is_http_header_name(value: str) -> list[str]:
    if not _HTTP_HEADER_NAME_RE.fullmatch(value):
        msg = "a valid HTTP header must consist of alphanumeric characters or '-'"
        return [regex_error(msg, HTTP_HEADER_NAME_FMT, "X-Header-Name")]
    return []


ENV_VAR_NAME_FMT: Final = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_VAR_NAME_RE: Final = re.compile(ENV_VAR_NAME_FMT)


def _has_chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_env_var_name(value: str) -> list[str]:
    """The strict rule, used only when RelaxedEnvironmentVariableValidation is off (it is on in 1.32)."""
    errs: list[str] = []
    if not _ENV_VAR_NAME_RE.fullmatch(value):
        msg = (
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
            "or '.', and must not start with a digit"
        )
        errs.append(regex_error(msg, ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
    return errs + _has_chdir_prefix(value)


def is_relaxed_env_var_name(value: str) -> list[str]:
    """``IsRelaxedEnvVarName``: printable ASCII except ``=`` (its feature gate is beta and on in 1.32)."""
    errs: list[str] = []
    if not value:
        errs.append("environment variable name " + empty_error())
    for ch in value:
        if ord(ch) > 0x7F or not ch.isprintable() or ch == "=":
            errs.append(
                "a valid environment variable name must consist only of printable ASCII characters "
                "other than '='"
            )
            break
    return errs


CONFIG_MAP_KEY_FMT: Final = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY_RE: Final = re.compile(CONFIG_MAP_KEY_FMT)


def is_config_map_key(value: str) -> list[str]:
    errs: list[str] = []
    if blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _CONFIG_MAP_KEY_RE.fullmatch(value):
        msg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
        errs.append(regex_error(msg, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    return errs + _has_chdir_prefix(value)


HTTP_PATH_FMT: Final = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"
_HTTP_PATH_RE: Final = re.compile(HTTP_PATH_FMT)


def is_domain_prefixed_path_errors(value: str) -> list[tuple[str, str]]:
    """``IsDomainPrefixedPath`` as (bad value, message) pairs; the caller reports an empty value."""
    segments = value.split("/", 1)
    if len(segments) != 2 or not segments[0] or not segments[1]:
        return [(value, 'must be a domain-prefixed path (such as "acme.io/foo")')]
    host, path = segments
    out = [(host, msg) for msg in is_dns1123_subdomain(host)]
    if not _HTTP_PATH_RE.fullmatch(path):
        out.append((path, regex_error("Invalid path", HTTP_PATH_FMT)))
    return out


def _mask_trailing_dash(name: str) -> str:
    # Upstream's maskTrailingDash drops the dash *and the character before it* (name[:len-2] + "a").
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def is_valid_path_segment_name(name: str) -> list[str]:
    for illegal in (".", ".."):
        if name == illegal:
            return [f"may not be '{illegal}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def path_segment_name(name: str, prefix: bool) -> list[str]:
    """``path.ValidatePathSegmentName``: the generic rule for names used in URLs and store keys."""
    if prefix:
        return [f"may not contain '{c}'" for c in ("/", "%") if c in name]
    return is_valid_path_segment_name(name)
