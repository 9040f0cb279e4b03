"""Query parameters and DeleteOptions, parsed and checked as upstream does (400 for bad values)."""

from __future__ import annotations

from typing import Any

from multidict import MultiMapping

from pinnace.apiserver import status
from pinnace.apiserver.rest.deletion import DeleteOptions

_PROPAGATION_POLICIES = ("Orphan", "Background", "Foreground")


def int_param(query: MultiMapping[str], name: str, default: int = 0) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise status.bad_request(
            f'invalid value for {name}: strconv.ParseInt: parsing "{raw}": invalid syntax'
        ) from None


def bool_param(query: MultiMapping[str], name: str) -> bool:
    raw = query.get(name)
    if raw is None:
        return False
    if raw.lower() in ("", "1", "true"):
        return raw != ""
    if raw.lower() in ("0", "false"):
        return False
    raise status.bad_request(f'invalid value for {name}: strconv.ParseBool: parsing "{raw}": invalid syntax')


def dry_run(values: list[str]) -> bool:
    """``dryRun=All`` means do everything but store; any other value is refused (upstream)."""
    for value in values:
        if value != "All":
            raise status.bad_request(f'Invalid dry run value "{value}": supported values: "All"')
    return bool(values)


def delete_options(body: dict[str, Any] | None, query: MultiMapping[str]) -> DeleteOptions:
    """DeleteOptions from a JSON/protobuf body (kubectl) or from query parameters (the Python client)."""
    source: dict[str, Any] = dict(body or {})
    for name in ("gracePeriodSeconds", "propagationPolicy", "orphanDependents"):
        if name in query and name not in source:
            source[name] = query[name]
    dry_run_values = list(source.get("dryRun") or []) + list(query.getall("dryRun", []))
    grace: int | None = None
    if source.get("gracePeriodSeconds") is not None:
        try:
            grace = int(source["gracePeriodSeconds"])
        except (TypeError, ValueError):
            raise status.bad_request(
                f"invalid gracePeriodSeconds: {source['gracePeriodSeconds']!r}"
            ) from None
    policy = str(source.get("propagationPolicy") or "")
    orphan = source.get("orphanDependents")
    if orphan is not None and str(orphan).lower() not in ("", "false"):
        if policy:
            raise status.invalid(
                "DeleteOptions",
                "",
                [
                    status.StatusCause(
                        "FieldValueInvalid",
                        'Invalid value: "'
                        + policy
                        + '": orphanDependents and deletionPropagation cannot be both set',
                        "propagationPolicy",
                    )
                ],
            )
        policy = "Orphan"
    if policy and policy not in _PROPAGATION_POLICIES:
        raise status.invalid(
            "DeleteOptions",
            "",
            [
                status.StatusCause(
                    "FieldValueNotSupported",
                    f'Unsupported value: "{policy}": supported values: "Foreground", "Background", "Orphan"',
                    "propagationPolicy",
                )
            ],
        )
    preconditions = source.get("preconditions") or {}
    return DeleteOptions(
        grace_period_seconds=grace,
        propagation_policy=policy,
        precondition_uid=str(preconditions.get("uid") or ""),
        precondition_resource_version=str(preconditions.get("resourceVersion") or ""),
        dry_run=dry_run(dry_run_values),
    )
