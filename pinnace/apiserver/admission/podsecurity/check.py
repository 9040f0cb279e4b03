"""What a Pod Security check is, and the helpers every check shares (``pod-security-admission/policy``:
``checks.go``, ``helpers.go``, ``visitor.go``).

A :class:`Check` has an ID, a level and one or more :class:`VersionedCheck` revisions, each applying from
its ``minimum_version`` until the next revision. A check function takes the pod's (or template's)
metadata and spec as JSON dicts and returns a :class:`CheckResult`; the reason is short ("host ports"),
the detail names the offending containers or values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pinnace.apiserver.admission.podsecurity.api import Level, Version

Object = dict[str, Any]
CheckPodFn = Callable[[Object, Object], "CheckResult"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    allowed: bool
    forbidden_reason: str = ""
    forbidden_detail: str = ""


ALLOWED = CheckResult(True)


def forbid(reason: str, detail: str = "") -> CheckResult:
    return CheckResult(False, reason, detail)


@dataclass(frozen=True, slots=True)
class VersionedCheck:
    minimum_version: Version
    check_pod: CheckPodFn
    # Baseline checks this restricted check replaces from its minimum version on.
    override_check_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    level: Level
    versions: tuple[VersionedCheck, ...]


UNKNOWN_FORBIDDEN_REASON = "unknown forbidden reason"


@dataclass(frozen=True, slots=True)
class AggregateCheckResult:
    allowed: bool
    forbidden_reasons: tuple[str, ...] = ()
    forbidden_details: tuple[str, ...] = ()

    def forbidden_reason(self) -> str:
        """``host ports, privileged`` (used when summarising many pods)."""
        return ", ".join(self.forbidden_reasons)

    def forbidden_detail(self) -> str:
        """``host ports (8080, 9090), privileged (container "c" must not set ...)``."""
        return ", ".join(
            f"{reason} ({detail})" if detail else reason
            for reason, detail in zip(self.forbidden_reasons, self.forbidden_details, strict=True)
        )


def aggregate_check_results(results: list[CheckResult]) -> AggregateCheckResult:
    reasons: list[str] = []
    details: list[str] = []
    for result in results:
        if not result.allowed:
            reasons.append(result.forbidden_reason or UNKNOWN_FORBIDDEN_REASON)
            details.append(result.forbidden_detail)
    return AggregateCheckResult(not reasons, tuple(reasons), tuple(details))


def join_quote(items: list[str]) -> str:
    """``"a", "b"``."""
    return '"' + '", "'.join(items) + '"' if items else ""


def pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def containers(spec: Object) -> Iterator[Object]:
    """``visitContainers``: init containers, containers, then ephemeral containers."""
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                yield container


def security_context(owner: Object) -> Object:
    """The ``securityContext`` of a pod spec or container; {} when unset."""
    context = owner.get("securityContext")
    return context if isinstance(context, dict) else {}


def name_of(container: Object) -> str:
    return str(container.get("name", ""))


def is_windows(spec: Object) -> bool:
    """``pod.spec.os.name == windows``: checks from 1.25 skip Linux-only fields for Windows pods."""
    return (spec.get("os") or {}).get("name") == "windows"


def setters(pod_bad: bool, bad_containers: list[str]) -> list[str]:
    """``["pod", 'containers "a", "b"']``: who set a forbidden value."""
    out = ["pod"] if pod_bad else []
    if bad_containers:
        out.append(
            f"{pluralize('container', 'containers', len(bad_containers))} {join_quote(bad_containers)}"
        )
    return out
