"""Defaults of ``admissionregistration.k8s.io/v1``: webhook configurations and admission policies.

Reproduces ``kubernetes/pkg/apis/admissionregistration/v1/defaults.go``: ``SetDefaults_ValidatingWebhook``,
``SetDefaults_MutatingWebhook`` (failurePolicy Fail, matchPolicy Equivalent, empty namespace and object
selectors, timeoutSeconds 10, and reinvocationPolicy Never for mutating ones), ``SetDefaults_Rule`` (scope
``*``), ``SetDefaults_ServiceReference`` (port 443), ``SetDefaults_ValidatingAdmissionPolicySpec``
(failurePolicy Fail) and ``SetDefaults_MatchResources``. In v1, ``sideEffects`` and
``admissionReviewVersions`` are required, not defaulted (the v1beta1 defaults Unknown / [v1beta1] are gone).
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, child, default_unset, ensure_child, items, path
from pinnace.api.gvk import GroupVersionKind

GROUP = "admissionregistration.k8s.io"


def _default_rules(owner: Obj | None, key: str) -> None:
    """``SetDefaults_Rule`` on each rule (RuleWithOperations and NamedRuleWithOperations inline a Rule)."""
    for rule in items(owner, key):
        default_unset(rule, "scope", "*")


def _default_selectors(owner: Obj) -> None:
    default_unset(owner, "matchPolicy", "Equivalent")
    default_unset(owner, "namespaceSelector", {})
    default_unset(owner, "objectSelector", {})


def _default_webhook(webhook: Obj, *, mutating: bool) -> None:
    default_unset(webhook, "failurePolicy", "Fail")
    _default_selectors(webhook)
    default_unset(webhook, "timeoutSeconds", 10)
    if mutating:
        default_unset(webhook, "reinvocationPolicy", "Never")
    _default_rules(webhook, "rules")
    service = path(webhook, "clientConfig", "service")
    if service is not None:
        default_unset(service, "port", 443)


def default_validating_webhook_configuration(configuration: Obj) -> None:
    for webhook in items(configuration, "webhooks"):
        _default_webhook(webhook, mutating=False)


def default_mutating_webhook_configuration(configuration: Obj) -> None:
    for webhook in items(configuration, "webhooks"):
        _default_webhook(webhook, mutating=True)


def _default_match_resources(match: Obj | None) -> None:
    """``SetDefaults_MatchResources``; the field itself is optional and not created."""
    if match is not None:
        _default_selectors(match)
        _default_rules(match, "resourceRules")
        _default_rules(match, "excludeResourceRules")


def default_validating_admission_policy(policy: Obj) -> None:
    spec = ensure_child(policy, "spec")
    default_unset(spec, "failurePolicy", "Fail")
    _default_match_resources(child(spec, "matchConstraints"))


def default_validating_admission_policy_binding(binding: Obj) -> None:
    _default_match_resources(path(binding, "spec", "matchResources"))


DEFAULTERS = {
    GroupVersionKind(GROUP, "v1", "ValidatingWebhookConfiguration"): default_validating_webhook_configuration,
    GroupVersionKind(GROUP, "v1", "MutatingWebhookConfiguration"): default_mutating_webhook_configuration,
    GroupVersionKind(GROUP, "v1", "ValidatingAdmissionPolicy"): default_validating_admission_policy,
    GroupVersionKind(
        GROUP, "v1", "ValidatingAdmissionPolicyBinding"
    ): default_validating_admission_policy_binding,
}
