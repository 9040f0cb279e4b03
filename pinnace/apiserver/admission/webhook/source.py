"""The webhooks of every Mutating/ValidatingWebhookConfiguration, kept current (``plugin/webhook/
accessors.go`` and ``configuration/{mutating,validating}_webhook_manager.go``).

Upstream watches the configurations with an informer and rebuilds a sorted list of accessors when one
changes. Here the API server's own watch cache is the informer: each admission lists the configurations
from it (no store read, no extra watch), and the parsed webhooks - selectors parsed, matchConditions
compiled - are rebuilt only when a configuration's resourceVersion changed. Webhooks are ordered by
configuration name, then by their place in the configuration (``sort.SliceStable`` by name upstream).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pinnace.api.gvk import GroupVersionResource
from pinnace.api.labels import LabelSelector
from pinnace.apiserver.admission.cel import Matcher
from pinnace.apiserver.admission.interfaces import ObjectSource
from pinnace.apiserver.admission.webhook.rules import GROUP, Rule, parse_selector

Object = dict[str, Any]

MUTATING_CONFIGURATIONS = GroupVersionResource(GROUP, "v1", "mutatingwebhookconfigurations")
VALIDATING_CONFIGURATIONS = GroupVersionResource(GROUP, "v1", "validatingwebhookconfigurations")


@dataclass(frozen=True, slots=True)
class Webhook:
    """One webhook of one configuration, ready to match requests (``WebhookAccessor``)."""

    configuration_name: str
    index: int
    name: str
    mutating: bool
    rules: tuple[Rule, ...]
    match_policy: str
    namespace_selector: LabelSelector | str
    object_selector: LabelSelector | str
    match_conditions: Matcher
    failure_policy: str
    side_effects: str
    timeout_seconds: int | None
    admission_review_versions: tuple[str, ...]
    client_config: Mapping[str, Any]
    reinvocation_policy: str = "Never"

    @property
    def uid(self) -> str:
        """``GetUID``: unique among all webhooks (reinvocation keeps track of webhooks by it)."""
        return f"{self.configuration_name}/{self.name}/{self.index}"

    @property
    def ignores_failures(self) -> bool:
        return self.failure_policy == "Ignore"

    @classmethod
    def of(cls, configuration_name: str, index: int, webhook: Object, *, mutating: bool) -> Webhook:
        failure_policy = str(webhook.get("failurePolicy") or "Fail")
        timeout = webhook.get("timeoutSeconds")
        return cls(
            configuration_name=configuration_name,
            index=index,
            name=str(webhook.get("name") or ""),
            mutating=mutating,
            rules=tuple(Rule.of(rule) for rule in webhook.get("rules") or ()),
            match_policy=str(webhook.get("matchPolicy") or "Equivalent"),
            namespace_selector=parse_selector(webhook.get("namespaceSelector", {})),
            object_selector=parse_selector(webhook.get("objectSelector", {})),
            match_conditions=Matcher.of(webhook.get("matchConditions") or (), failure_policy),
            failure_policy=failure_policy,
            side_effects=str(webhook.get("sideEffects") or ""),
            timeout_seconds=timeout if isinstance(timeout, int) and not isinstance(timeout, bool) else None,
            admission_review_versions=tuple(str(v) for v in webhook.get("admissionReviewVersions") or ()),
            client_config=dict(webhook.get("clientConfig") or {}),
            reinvocation_policy=str(webhook.get("reinvocationPolicy") or "Never"),
        )


def webhooks_of(configuration: Object, *, mutating: bool) -> list[Webhook]:
    name = str((configuration.get("metadata") or {}).get("name") or "")
    return [
        Webhook.of(name, index, webhook, mutating=mutating)
        for index, webhook in enumerate(configuration.get("webhooks") or ())
        if isinstance(webhook, dict)
    ]


@dataclass
class WebhookSource:
    """The current webhooks of one kind of configuration."""

    objects: ObjectSource
    mutating: bool
    _fingerprint: tuple[tuple[str, str], ...] | None = field(default=None, init=False)
    _webhooks: tuple[Webhook, ...] = field(default=(), init=False)

    @property
    def resource(self) -> GroupVersionResource:
        return MUTATING_CONFIGURATIONS if self.mutating else VALIDATING_CONFIGURATIONS

    async def webhooks(self) -> tuple[Webhook, ...]:
        configurations = await self.objects.list(self.resource)
        fingerprint = tuple(
            sorted(
                (str(c["metadata"].get("name", "")), str(c["metadata"].get("resourceVersion", "")))
                for c in configurations
            )
        )
        if fingerprint != self._fingerprint:
            ordered = sorted(configurations, key=lambda c: str(c["metadata"].get("name", "")))
            self._webhooks = tuple(
                webhook for c in ordered for webhook in webhooks_of(c, mutating=self.mutating)
            )
            self._fingerprint = fingerprint
        return self._webhooks
