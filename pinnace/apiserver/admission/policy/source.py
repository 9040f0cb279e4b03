"""ValidatingAdmissionPolicies with their bindings, kept current (``policy/generic/policy_source.go``).

Like the webhook configurations, policies and bindings are read from the API server's watch cache on each
admission, and a policy is compiled again only when its resourceVersion changed. A policy takes part only
through its bindings (``spec.policyName``); bindings of a missing policy are skipped. A ``paramKind`` must
name a served kind, else the policy carries a configuration error (``failed to find resource referenced
by paramKind: '/v1, Kind=Missing'``) that its failure policy judges on every request it matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pinnace.api.gvk import GroupVersion, GroupVersionKind, GroupVersionResource
from pinnace.api.registry import ResourceInfo, ResourceRegistry, builtin_registry
from pinnace.apiserver.admission.interfaces import ObjectSource
from pinnace.apiserver.admission.policy.validator import Validator
from pinnace.apiserver.admission.webhook.rules import GROUP

Object = dict[str, Any]

POLICIES = GroupVersionResource(GROUP, "v1", "validatingadmissionpolicies")
BINDINGS = GroupVersionResource(GROUP, "v1", "validatingadmissionpolicybindings")


@dataclass(frozen=True, slots=True)
class ParamSource:
    """Where a policy's parameters are read: the paramKind's resource and whether it is namespaced."""

    kind: GroupVersionKind
    info: ResourceInfo


@dataclass(frozen=True, slots=True)
class PolicyHook:
    """``PolicyHook``: a policy, its bindings (by name), its compiled validator, its params' source."""

    policy: Object
    bindings: tuple[Object, ...]
    validator: Validator
    params: ParamSource | None = None
    configuration_error: str = ""

    @property
    def name(self) -> str:
        return str(self.policy["metadata"].get("name", ""))


def _key(obj: Object) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("name", "")), str(metadata.get("resourceVersion", ""))


def param_source(
    param_kind: Mapping[str, Any] | None, registry: ResourceRegistry
) -> tuple[ParamSource | None, str]:
    """The resource ``paramKind`` names, or the configuration error."""
    if not param_kind:
        return None, ""
    api_version = str(param_kind.get("apiVersion") or "")
    try:
        group_version = GroupVersion.parse(api_version)
    except ValueError as err:
        return None, f"failed to parse paramKind APIVersion: {err}"
    kind = group_version.with_kind(str(param_kind.get("kind") or ""))
    info = registry.by_gvk(kind)
    if info is None:
        # GroupVersionKind's String(): "group/version, Kind=kind".
        gvk_text = f"{kind.group}/{kind.version}, Kind={kind.kind}"
        return None, f"failed to find resource referenced by paramKind: '{gvk_text}'"
    return ParamSource(kind, info), ""


@dataclass
class PolicySource:
    objects: ObjectSource
    registry: ResourceRegistry = field(default_factory=builtin_registry)
    _compiled: dict[str, tuple[str, Validator]] = field(default_factory=dict, init=False)
    _fingerprint: tuple[Any, ...] | None = field(default=None, init=False)
    _hooks: tuple[PolicyHook, ...] = field(default=(), init=False)

    async def hooks(self) -> tuple[PolicyHook, ...]:
        policies = await self.objects.list(POLICIES)
        bindings = await self.objects.list(BINDINGS)
        fingerprint = (tuple(sorted(map(_key, policies))), tuple(sorted(map(_key, bindings))))
        if fingerprint != self._fingerprint:
            self._hooks = self._build(policies, bindings)
            self._fingerprint = fingerprint
        return self._hooks

    def _validator(self, policy: Object) -> Validator:
        name, version = _key(policy)
        cached = self._compiled.get(name)
        if cached is not None and cached[0] == version:
            return cached[1]
        validator = Validator.of(policy.get("spec") or {})
        self._compiled[name] = (version, validator)
        return validator

    def _build(self, policies: list[Object], bindings: list[Object]) -> tuple[PolicyHook, ...]:
        by_policy: dict[str, list[Object]] = {}
        for binding in sorted(bindings, key=lambda b: _key(b)[0]):
            policy_name = str((binding.get("spec") or {}).get("policyName") or "")
            by_policy.setdefault(policy_name, []).append(binding)
        hooks = []
        for policy in sorted(policies, key=lambda p: _key(p)[0]):
            name = _key(policy)[0]
            if name not in by_policy:
                continue
            params, error = param_source((policy.get("spec") or {}).get("paramKind"), self.registry)
            hooks.append(PolicyHook(policy, tuple(by_policy[name]), self._validator(policy), params, error))
        live = {_key(policy)[0] for policy in policies}
        for stale in set(self._compiled) - live:
            del self._compiled[stale]
        return tuple(hooks)
