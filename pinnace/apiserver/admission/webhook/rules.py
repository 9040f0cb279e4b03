"""Which requests a webhook or policy is for: rules, equivalent resources, selectors
(``plugin/webhook/predicates/{rules,namespace,object}``, ``generic/webhook.go`` ``ShouldCallHook`` and
``policy/matching/matching.go``).

A rule matches when its scope, operations, apiGroups, apiVersions and resources (``pods``, ``pods/status``,
``*/scale``, ``pods/*``, ``*``) all accept the request. With ``matchPolicy: Equivalent`` a request that no
rule names is also matched through the same resource in another group or version (one storage: every
version of a resource, ``events`` and ``events.k8s.io`` events); the webhook or policy then sees the object
converted to the version it named. Namespace and object selectors decide before the rules are looked at,
but their errors only count for requests the rules match, as upstream orders it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.api.labels import LabelSelector, SelectorParseError, from_label_selector_object
from pinnace.api.registry import ResourceRegistry, builtin_registry
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Operation
from pinnace.apiserver.admission.interfaces import ObjectSource
from pinnace.apiserver.rest.keys import resource_prefix

Object = dict[str, Any]

GROUP = "admissionregistration.k8s.io"
NAMESPACES = GroupVersionResource("", "v1", "namespaces")

# ``IsExemptAdmissionConfigurationResource``: webhooks never intercept their own configuration, nor
# policies theirs, so a broken webhook can always be removed.
EXEMPT_KINDS = frozenset(
    {
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
    }
)


def is_exempt(attributes: Attributes) -> bool:
    return attributes.kind.group == GROUP and attributes.kind.kind in EXEMPT_KINDS


@dataclass(frozen=True, slots=True)
class Rule:
    """``RuleWithOperations`` (and the rule part of ``NamedRuleWithOperations``)."""

    operations: tuple[str, ...]
    api_groups: tuple[str, ...]
    api_versions: tuple[str, ...]
    resources: tuple[str, ...]
    scope: str = "*"
    resource_names: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule: Mapping[str, Any]) -> Rule:
        def strings(key: str) -> tuple[str, ...]:
            return tuple(str(item) for item in rule.get(key) or ())

        return cls(
            operations=strings("operations"),
            api_groups=strings("apiGroups"),
            api_versions=strings("apiVersions"),
            resources=strings("resources"),
            scope=str(rule.get("scope") or "*"),
            resource_names=strings("resourceNames"),
        )

    def matches(self, attributes: Attributes, resource: GroupVersionResource | None = None) -> bool:
        """``rules.Matcher.Matches``, optionally for an equivalent ``resource`` of the request's."""
        resource = resource or attributes.resource
        return (
            self._scope(attributes, resource)
            and self._operation(attributes.operation)
            and _exact_or_wildcard(self.api_groups, resource.group)
            and _exact_or_wildcard(self.api_versions, resource.version)
            and self._resource(resource.resource, attributes.subresource)
        )

    def _scope(self, attributes: Attributes, resource: GroupVersionResource) -> bool:
        # A Namespace's own requests carry its name as their namespace; Namespaces are cluster-scoped.
        if self.scope == "*":
            return True
        if self.scope == "Namespaced":
            return resource != NAMESPACES and attributes.namespace != ""
        if self.scope == "Cluster":
            return resource == NAMESPACES or attributes.namespace == ""
        return False

    def _operation(self, operation: Operation) -> bool:
        return any(op == "*" or op == str(operation) for op in self.operations)

    def _resource(self, resource: str, subresource: str) -> bool:
        for entry in self.resources:
            res, _, sub = entry.partition("/")
            if (res == "*" or res == resource) and (sub == "*" or sub == subresource):
                return True
        return False

    def matches_name(self, name: str) -> bool:
        """``resourceNames`` of a policy rule: empty matches every name."""
        return not self.resource_names or name in self.resource_names


def _exact_or_wildcard(items: Sequence[str], requested: str) -> bool:
    return any(item == "*" or item == requested for item in items)


# --- equivalent resources -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """What a rule matched: the resource and kind the webhook or policy sees (the request's own, or an
    equivalent one under matchPolicy Equivalent)."""

    resource: GroupVersionResource
    kind: GroupVersionKind


def equivalent_resources(
    resource: GroupVersionResource, registry: ResourceRegistry | None = None
) -> list[GroupVersionResource]:
    """``EquivalentResourcesFor``: every served resource sharing ``resource``'s storage, in registry
    order."""
    registry = registry or builtin_registry()
    info = registry.by_gvr(resource)
    if info is None:
        return []
    prefix = resource_prefix(info)
    return [other.gvr for other in registry.resources() if resource_prefix(other) == prefix]


def kind_for(
    resource: GroupVersionResource, subresource: str, registry: ResourceRegistry | None = None
) -> GroupVersionKind | None:
    """``KindFor``: the kind served at ``resource`` (or its ``subresource``: ``autoscaling/v1`` Scale)."""
    registry = registry or builtin_registry()
    info = registry.by_gvr(resource)
    if info is None:
        return None
    if subresource:
        sub = info.subresources.get(subresource)
        return sub.kind if sub is not None else None
    return info.gvk


def match_rules(
    rules: Sequence[Rule],
    attributes: Attributes,
    *,
    equivalent: bool,
    check_names: bool = False,
    registry: ResourceRegistry | None = None,
) -> Match | None:
    """The first rule that accepts the request, then (``equivalent``) the first that accepts an
    equivalent resource. Raises InternalError for an equivalent resource of unknown kind."""
    for rule in rules:
        if rule.matches(attributes) and (not check_names or rule.matches_name(attributes.name)):
            return Match(attributes.resource, attributes.kind)
    if not equivalent:
        return None
    equivalents = equivalent_resources(attributes.resource, registry)
    for rule in rules:
        for resource in equivalents:
            if resource == attributes.resource or not rule.matches(attributes, resource):
                continue
            kind = kind_for(resource, attributes.subresource, registry)
            if kind is None:
                raise status.internal_error(f"unable to convert to {_gvr_text(resource)}: unknown kind")
            if check_names and not rule.matches_name(attributes.name):
                continue
            return Match(resource, kind)
    return None


def _gvr_text(resource: GroupVersionResource) -> str:
    # schema.GroupVersionResource's %v: "group/version, Resource=resource".
    return f"{resource.group}/{resource.version}, Resource={resource.resource}"


# --- selectors ----------------------------------------------------------------------------------------


def parse_selector(selector: Mapping[str, Any] | None) -> LabelSelector | str:
    """A parsed LabelSelector, or the parse error's message (reported only if a rule matches)."""
    try:
        return from_label_selector_object(selector)
    except SelectorParseError as err:
        return str(err)


def _labels(obj: Object | None) -> dict[str, str] | None:
    if not isinstance(obj, dict):
        return None
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return None
    return dict(metadata.get("labels") or {})


def match_object_selector(selector: LabelSelector | str, attributes: Attributes) -> bool | status.StatusError:
    """``MatchObjectSelector``: the new or the old object's labels."""
    if isinstance(selector, str):
        return status.internal_error(selector)
    if selector.is_empty:
        return True
    for obj in (attributes.object, attributes.old_object):
        labels = _labels(obj)
        if labels is not None and selector.matches(labels):
            return True
    return False


async def match_namespace_selector(
    selector: LabelSelector | str, attributes: Attributes, objects: ObjectSource
) -> bool | status.StatusError:
    """``MatchNamespaceSelector``: cluster-scoped requests (other than Namespaces) always match; a
    Namespace being created or updated is judged by its own new labels; others by their namespace's."""
    if not attributes.namespace and attributes.resource.resource != "namespaces":
        return True
    if isinstance(selector, str):
        return status.internal_error(selector)
    if selector.is_empty:
        return True
    if (
        attributes.resource.resource == "namespaces"
        and not attributes.subresource
        and attributes.operation in (Operation.CREATE, Operation.UPDATE)
    ):
        return selector.matches(_labels(attributes.object) or {})
    namespace = await objects.get(NAMESPACES, "", attributes.namespace)
    if namespace is None:
        # Caches may lag: ask the store before calling it missing (a 404, as upstream).
        namespace = await objects.get(NAMESPACES, "", attributes.namespace, live=True)
    if namespace is None:
        return status.not_found("namespaces", attributes.namespace)
    return selector.matches(_labels(namespace) or {})
