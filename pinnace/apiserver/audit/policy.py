"""Reading ``--audit-policy-file``: an audit ``Policy`` (``audit.k8s.io/v1``), decoded and validated as
upstream.

``k8s.io/apiserver/pkg/audit/policy/reader.go`` decodes strictly first; a *strict* error (an unknown or
duplicated field) only warns ("Audit policy contains errors, falling back to lenient decoding: ...") and the
file is decoded again leniently, while a value of the wrong JSON type, a missing or unknown
``apiVersion``/``kind`` refuses the file. ``pkg/apis/audit/validation/validation.go`` then checks levels,
stages, non-resource URLs and API group names, and a policy without rules is refused. Every refusal reads as
kube-apiserver's at start (``loading audit policy file: ...: from file <path>``).

The result is frozen values; :mod:`.checker` matches requests against them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson
import yaml

from pinnace.api.gofmt import go_string_slice
from pinnace.api.names import name_is_dns_subdomain
from pinnace.api.schema_strict import strict_decoding_message, unknown_field, yaml_duplicate_error
from pinnace.api.validation import field
from pinnace.apiserver.audit.types import GROUP_VERSION, Level, Stage

log = logging.getLogger(__name__)

KIND: Final = "Policy"
# Where upstream's audit scheme is declared; decoding errors name it.
_SCHEME: Final = "k8s.io/apiserver/pkg/audit/scheme.go:30"
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PolicyError(ValueError):
    """The audit policy file cannot be used; the API server does not start."""


@dataclass(frozen=True, slots=True)
class GroupResources:
    group: str = ""  # "" is the core group, "*" every group
    resources: tuple[str, ...] = ()  # "pods", "pods/log", "*", "pods/*", "*/scale"
    resource_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One rule; a request must match every field given (an empty field matches everything)."""

    level: str
    users: tuple[str, ...] = ()
    user_groups: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    resources: tuple[GroupResources, ...] = ()
    namespaces: tuple[str, ...] = ()  # "" matches cluster-scoped resources
    non_resource_urls: tuple[str, ...] = ()  # "/healthz", "/healthz*", "*"
    omit_stages: tuple[str, ...] = ()
    omit_managed_fields: bool | None = None  # None: the policy's default


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[PolicyRule, ...]
    omit_stages: tuple[str, ...] = ()
    omit_managed_fields: bool = False


# --- decoding ---------------------------------------------------------------------------------------------
# The v1 Go types: "string", "bool", ("[]", element, go name), or a struct name from _STRUCTS.

_STRINGS: Final = ("[]", "string", "[]string")
_STAGES: Final = ("[]", "v1.Stage", "[]v1.Stage")
_STRUCTS: Final[dict[str, dict[str, Any]]] = {
    "Policy": {
        "apiVersion": "string",
        "kind": "string",
        "metadata": "ObjectMeta",
        "rules": ("[]", "PolicyRule", "[]v1.PolicyRule"),
        "omitStages": _STAGES,
        "omitManagedFields": "bool",
    },
    "PolicyRule": {
        "level": "v1.Level",
        "users": _STRINGS,
        "userGroups": _STRINGS,
        "verbs": _STRINGS,
        "resources": ("[]", "GroupResources", "[]v1.GroupResources"),
        "namespaces": _STRINGS,
        "nonResourceURLs": _STRINGS,
        "omitStages": _STAGES,
        "omitManagedFields": "bool",
    },
    "GroupResources": {"group": "string", "resources": _STRINGS, "resourceNames": _STRINGS},
}
_STRING_TYPES: Final = frozenset({"string", "v1.Level", "v1.Stage"})


def _json_kind(value: Any) -> str:
    """The JSON type name Go's ``UnmarshalTypeError`` reports."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _check(value: Any, go_type: Any, struct: str, fields: str, path: str, unknown: list[str]) -> None:
    """Raise on the first value of the wrong JSON type (as Go's decoder does); collect unknown fields."""
    if value is None:
        return  # null leaves the Go zero value
    if isinstance(go_type, tuple):
        _, element, go_name = go_type
        if not isinstance(value, list):
            _type_error(value, struct, fields, go_name)
        for index, item in enumerate(value):
            _check(item, element, struct, fields, f"{path}[{index}]", unknown)
    elif go_type in _STRING_TYPES:
        if not isinstance(value, str):
            _type_error(value, struct, fields, go_type)
    elif go_type == "bool":
        if not isinstance(value, bool):
            _type_error(value, struct, fields, "bool")
    elif go_type == "ObjectMeta":
        if not isinstance(value, dict):
            _type_error(value, struct, fields, "v1.ObjectMeta")
    else:
        if not isinstance(value, dict):
            _type_error(value, struct, fields, f"v1.{go_type}")
        known = _STRUCTS[go_type]
        for name, item in value.items():
            child_path = f"{path}.{name}" if path else str(name)
            if name not in known:
                unknown.append(unknown_field(child_path))
                continue
            child_fields = f"{fields}.{name}" if fields else str(name)
            _check(item, known[name], go_type, child_fields, child_path, unknown)


def _type_error(value: Any, struct: str, fields: str, go_name: str) -> None:
    raise PolicyError(
        f"failed decoding: json: cannot unmarshal {_json_kind(value)} into Go struct field "
        f"{struct}.{fields} of type {go_name}"
    )


def decode(text: str) -> Policy:
    """The policy in ``text`` (YAML or JSON), before validation; raises PolicyError with upstream's words."""
    strict_errors: list[str] = []
    duplicate = yaml_duplicate_error(text)
    if duplicate is not None:
        strict_errors.append(duplicate)
    try:
        document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        raise PolicyError(f"failed decoding: error converting YAML to JSON: {err}") from err
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise PolicyError(
            f"failed decoding: couldn't get version/kind; json parse error: {_json_kind(document)} is not an "
            "object"
        )
    as_json = orjson.dumps(document, option=orjson.OPT_SORT_KEYS, default=str).decode()
    kind, api_version = document.get("kind"), document.get("apiVersion")
    if not kind:
        raise PolicyError(f"failed decoding: Object 'Kind' is missing in '{as_json}'")
    if not api_version:
        raise PolicyError(f"failed decoding: Object 'apiVersion' is missing in '{as_json}'")
    if (api_version, kind) != (GROUP_VERSION, KIND):
        raise PolicyError(
            f'failed decoding: no kind "{kind}" is registered for version "{api_version}" '
            f'in scheme "{_SCHEME}"'
        )
    _check(document, "Policy", "Policy", "", "", strict_errors)
    if strict_errors:
        log.warning(
            "Audit policy contains errors, falling back to lenient decoding: %s",
            strict_decoding_message(strict_errors),
        )
    return Policy(
        rules=tuple(_rule(entry) for entry in document.get("rules") or ()),
        omit_stages=tuple(document.get("omitStages") or ()),
        omit_managed_fields=bool(document.get("omitManagedFields")),
    )


def _rule(entry: dict[str, Any] | None) -> PolicyRule:
    entry = entry or {}
    return PolicyRule(
        level=entry.get("level") or "",
        users=tuple(entry.get("users") or ()),
        user_groups=tuple(entry.get("userGroups") or ()),
        verbs=tuple(entry.get("verbs") or ()),
        resources=tuple(_group_resources(item) for item in entry.get("resources") or ()),
        namespaces=tuple(entry.get("namespaces") or ()),
        non_resource_urls=tuple(entry.get("nonResourceURLs") or ()),
        omit_stages=tuple(entry.get("omitStages") or ()),
        omit_managed_fields=entry.get("omitManagedFields"),
    )


def _group_resources(entry: dict[str, Any] | None) -> GroupResources:
    entry = entry or {}
    return GroupResources(
        group=entry.get("group") or "",
        resources=tuple(entry.get("resources") or ()),
        resource_names=tuple(entry.get("resourceNames") or ()),
    )


# --- validation (pkg/apis/audit/validation) ----------------------------------------------------------------

_LEVELS: Final = tuple(level.value for level in Level)
_STAGE_NAMES: Final = tuple(stage.value for stage in Stage)


def validate(policy: Policy) -> list[field.FieldError]:
    errors = _omit_stages(policy.omit_stages, field.Path.root("omitStages"))
    for index, rule in enumerate(policy.rules):
        errors += _rule_errors(rule, field.Path.root("rules").index(index))
    return errors


def _rule_errors(rule: PolicyRule, path: field.Path) -> list[field.FieldError]:
    errors: list[field.FieldError] = []
    if not rule.level:
        errors.append(field.required(path.child("level")))
    elif rule.level not in _LEVELS:
        errors.append(field.not_supported(path.child("level"), rule.level, _LEVELS))
    errors += _non_resource_urls(rule.non_resource_urls, path.child("nonResourceURLs"))
    errors += _resources(rule.resources, path.child("resources"))
    errors += _omit_stages(rule.omit_stages, path.child("omitStages"))
    if rule.non_resource_urls and (rule.resources or rule.namespaces):
        errors.append(
            field.invalid(
                path.child("nonResourceURLs"),
                go_string_slice(rule.non_resource_urls),
                "rules cannot apply to both regular resources and non-resource URLs",
            )
        )
    return errors


def _non_resource_urls(urls: tuple[str, ...], path: field.Path) -> list[field.FieldError]:
    errors: list[field.FieldError] = []
    for index, url in enumerate(urls):
        if url == "*":
            continue
        if not url.startswith("/"):
            errors.append(
                field.invalid(
                    path.index(index), url, "non-resource URL rules must begin with a '/' character"
                )
            )
        if url and "*" in url[:-1]:
            errors.append(
                field.invalid(
                    path.index(index),
                    url,
                    "non-resource URL wildcards '*' must be the final character of the rule",
                )
            )
    return errors


def _resources(groups: tuple[GroupResources, ...], path: field.Path) -> list[field.FieldError]:
    errors: list[field.FieldError] = []
    # Upstream reports these on "resources.group", without the index of the entry.
    for entry in groups:
        if entry.group and entry.group != "*":
            messages = name_is_dns_subdomain(entry.group, False)
            if messages:
                errors.append(field.invalid(path.child("group"), entry.group, ",".join(messages)))
        if entry.resource_names and not entry.resources:
            errors.append(
                field.invalid(
                    path.child("resourceNames"),
                    go_string_slice(entry.resource_names),
                    "using resourceNames requires at least one resource",
                )
            )
    return errors


def _omit_stages(stages: tuple[str, ...], path: field.Path) -> list[field.FieldError]:
    return [
        field.invalid(path.index(index), stage, "allowed stages are " + ",".join(_STAGE_NAMES))
        for index, stage in enumerate(stages)
        if stage not in _STAGE_NAMES
    ]


# --- loading ---------------------------------------------------------------------------------------------


def _aggregate(messages: list[str]) -> str:
    """apimachinery's ``utilerrors.NewAggregate(...).Error()``: one message as it is, several bracketed."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def load_bytes(data: bytes) -> Policy:
    """``LoadPolicyFromBytes``: decode, validate and require at least one rule."""
    policy = decode(data.decode("utf-8", errors="replace"))
    errors = validate(policy)
    if errors:
        raise PolicyError(_aggregate([error.message() for error in errors]))
    if not policy.rules:
        raise PolicyError("loaded illegal policy with 0 rules")
    return policy


def load(path: Path) -> Policy:
    """``LoadPolicyFromFile`` as kube-apiserver reports it at start."""
    try:
        data = path.read_bytes()
    except OSError as err:
        reason = (err.strerror or str(err)).lower()
        raise PolicyError(
            f'loading audit policy file: failed to read file path "{path}": open {path}: {reason}'
        ) from err
    try:
        policy = load_bytes(data)
    except PolicyError as err:
        raise PolicyError(f"loading audit policy file: {err}: from file {path}") from err
    log.info("Load audit policy rules success policyCnt=%d", len(policy.rules))
    return policy
