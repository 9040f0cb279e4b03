"""The PodSecurity plugin's configuration: cluster-wide defaults and exemptions
(``pod-security-admission/admission/api``: types, v1 defaults, validation).

    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: {enforce: baseline, enforce-version: latest, audit: restricted, warn: restricted}
    exemptions:
      usernames: [system:serviceaccount:ci:deployer]
      runtimeClasses: [kata]
      namespaces: [kube-system]

Every default not given is ``privileged`` at ``latest``. Decoding is strict; invalid values are reported
with upstream's field errors (``defaults.enforce: Invalid value: "strict": must be one of privileged,
baseline, restricted``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pinnace.api.names import is_dns1123_label, is_dns1123_subdomain
from pinnace.api.validation import field
from pinnace.apiserver.admission.podsecurity.api import (
    LevelVersion,
    ParseError,
    Policy,
    parse_level,
    parse_version,
)

Object = dict[str, Any]

API_VERSIONS = (
    "pod-security.admission.config.k8s.io/v1",
    "pod-security.admission.config.k8s.io/v1beta1",
    "pod-security.admission.config.k8s.io/v1alpha1",
)
KIND = "PodSecurityConfiguration"
_DEFAULT_KEYS = ("enforce", "enforce-version", "audit", "audit-version", "warn", "warn-version")
_EXEMPTION_KEYS = ("usernames", "namespaces", "runtimeClasses")


# v1 defaulting: every mode privileged at latest.
DEFAULT_POLICY = Policy()


class ConfigurationError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PodSecurityConfiguration:
    defaults: Policy = DEFAULT_POLICY
    exempt_usernames: tuple[str, ...] = ()
    exempt_namespaces: tuple[str, ...] = ()
    exempt_runtime_classes: tuple[str, ...] = ()


def load(config: Object | None) -> PodSecurityConfiguration:
    """The plugin's configuration from the AdmissionConfiguration file (None: the defaults)."""
    if config is None:
        return PodSecurityConfiguration()
    api_version, kind = config.get("apiVersion"), config.get("kind")
    if api_version not in API_VERSIONS or kind != KIND:
        raise ConfigurationError(
            f'expected {KIND} in one of {", ".join(API_VERSIONS)}, got kind "{kind}" in "{api_version}"'
        )
    _strict(config, ("apiVersion", "kind", "defaults", "exemptions"), "")
    defaults = config.get("defaults") or {}
    exemptions = config.get("exemptions") or {}
    if not isinstance(defaults, dict) or not isinstance(exemptions, dict):
        raise ConfigurationError("defaults and exemptions must be objects")
    _strict(defaults, _DEFAULT_KEYS, "defaults.")
    _strict(exemptions, _EXEMPTION_KEYS, "exemptions.")
    # v1 defaulting: privileged at latest for every mode left out.
    values = {
        key: str(defaults.get(key) or ("latest" if key.endswith("version") else "privileged"))
        for key in _DEFAULT_KEYS
    }
    lists = {key: tuple(str(v) for v in exemptions.get(key) or []) for key in _EXEMPTION_KEYS}
    errors = _validate(values, lists)
    if errors:
        raise ConfigurationError(_aggregate([e.message() for e in errors]))
    policy = Policy(
        LevelVersion(parse_level(values["enforce"]), parse_version(values["enforce-version"])),
        LevelVersion(parse_level(values["audit"]), parse_version(values["audit-version"])),
        LevelVersion(parse_level(values["warn"]), parse_version(values["warn-version"])),
    )
    return PodSecurityConfiguration(policy, lists["usernames"], lists["namespaces"], lists["runtimeClasses"])


def _validate(values: dict[str, str], lists: dict[str, tuple[str, ...]]) -> list[field.FieldError]:
    """``ValidatePodSecurityConfiguration``."""
    errors: list[field.FieldError] = []
    for mode in ("enforce", "warn", "audit"):
        for key, parse in ((mode, parse_level), (f"{mode}-version", parse_version)):
            try:
                parse(values[key])
            except ParseError as err:
                errors.append(field.invalid(field.Path.root("defaults", key), values[key], str(err)))
    checks = (
        ("namespaces", is_dns1123_label),
        ("runtimeClasses", is_dns1123_subdomain),
        ("usernames", lambda name: [] if name else ["username must not be empty"]),
    )
    for key, check in checks:
        seen: set[str] = set()
        for index, value in enumerate(lists[key]):
            path = field.Path.root("exemptions", key).index(index)
            problems = check(value)
            if problems:
                errors.append(field.invalid(path, value, ", ".join(problems)))
            elif value in seen:
                errors.append(field.duplicate(path, value))
            else:
                seen.add(value)
    return errors


def _strict(document: Object, known: tuple[str, ...], where: str) -> None:
    unknown = sorted(key for key in document if key not in known)
    if unknown:
        raise ConfigurationError(
            "strict decoding error: " + ", ".join(f'unknown field "{where}{key}"' for key in unknown)
        )


def _aggregate(messages: list[str]) -> str:
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
