"""Whether a policy's ``matchConstraints`` or a binding's ``matchResources`` cover a request
(``policy/matching/matching.go``, ``policy/generic/policy_matcher.go``).

Namespace and object selectors first, then ``excludeResourceRules`` (a request they match is excluded),
then ``resourceRules`` with their ``resourceNames`` (none: every request), each also through equivalent
resources under ``matchPolicy: Equivalent``. Selector errors count only for requests the rules match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes
from pinnace.apiserver.admission.interfaces import ObjectSource
from pinnace.apiserver.admission.webhook.rules import (
    Match,
    Rule,
    match_namespace_selector,
    match_object_selector,
    match_rules,
    parse_selector,
)


async def matches(
    constraints: Mapping[str, Any], attributes: Attributes, objects: ObjectSource
) -> Match | None:
    """The matched resource and kind, None if the constraints do not cover the request; raises the
    StatusError of a selector that could not be used."""
    namespace_match = await match_namespace_selector(
        parse_selector(constraints.get("namespaceSelector", {})), attributes, objects
    )
    if namespace_match is False:
        return None
    object_match = match_object_selector(parse_selector(constraints.get("objectSelector", {})), attributes)
    if object_match is False:
        return None
    equivalent = constraints.get("matchPolicy") == "Equivalent"
    excluded = [Rule.of(rule) for rule in constraints.get("excludeResourceRules") or ()]
    if excluded and match_rules(excluded, attributes, equivalent=equivalent, check_names=True):
        return None
    rules = [Rule.of(rule) for rule in constraints.get("resourceRules") or ()]
    if not rules:
        match: Match | None = Match(attributes.resource, attributes.kind)
    else:
        match = match_rules(rules, attributes, equivalent=equivalent, check_names=True)
    if match is None:
        return None
    if isinstance(namespace_match, status.StatusError):
        raise namespace_match
    if isinstance(object_match, status.StatusError):
        raise object_match
    return match
