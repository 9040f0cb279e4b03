"""ResourceQuota: a create (or a Service or claim update) that would take a namespace past one of its
quotas is refused, and an admitted one is charged to the quotas' ``status.used`` at once
(``apiserver/pkg/admission/plugin/resourcequota``, ``controller.go`` ``CheckRequest``).

For every quota whose hard resources the object's evaluator measures and whose scopes the object falls
under: the quota must have usage for those resources (``status unknown for quota``, until the controller
has computed it), a pod must state the cpu/memory requests or limits the quota constrains, and
``used + requested`` must stay within ``hard``::

    pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2

The charge is written with the quota's resourceVersion as precondition; a conflict re-reads the quotas
and decides again. Dry runs are checked but charge nothing. The usage arithmetic is upstream's shared
``pkg/quota/v1`` evaluators, which Pinnace keeps with the controller that also uses them
(:mod:`pinnace.api.quota.evaluators`; they are pure functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pinnace.api.gvk import GroupVersionResource
from pinnace.api.quantity import Quantity
from pinnace.api.quota.evaluators import (
    Evaluator,
    ObjectCountEvaluator,
    PersistentVolumeClaimEvaluator,
    PodEvaluator,
    ServiceEvaluator,
    pod_compute_usage,
)
from pinnace.api.quota.resourcelist import (
    ZERO,
    ResourceList,
    add,
    mask,
    parse_list,
    render,
)
from pinnace.api.quota.usage import scope_requirements
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, ObjectSource, PluginContext
from pinnace.client.resources import Resource

NAME = "ResourceQuota"

RESOURCE_QUOTAS = GroupVersionResource("", "v1", "resourcequotas")
UPDATE_ATTEMPTS = 5
LIVE_LOOKUP_TTL = timedelta(seconds=30)
WRITTEN_QUOTAS_KEPT = 100
# The cpu and memory names a quota can only enforce if every container states them (``validationSet``).
CONSTRAINED_COMPUTE = frozenset(
    {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
)


def evaluator_for(attributes: Attributes) -> tuple[Evaluator, frozenset[Operation]]:
    """The evaluator of the request's resource and the operations it charges (``Handles``)."""
    gvr, kind = attributes.resource, attributes.kind.kind
    resource = Resource(gvr.group, gvr.version, gvr.resource, kind, True)
    both = frozenset({Operation.CREATE, Operation.UPDATE})
    match gvr.group, gvr.resource:
        case "", "pods":
            return PodEvaluator(resource), frozenset({Operation.CREATE})
        case "", "services":
            return ServiceEvaluator(resource), both
        case "", "persistentvolumeclaims":
            return PersistentVolumeClaimEvaluator(resource), both
    return ObjectCountEvaluator(resource), frozenset({Operation.CREATE})


def _revision(obj: Object) -> int:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def pretty(resources: ResourceList) -> str:
    return ",".join(f"{name}={resources[name]}" for name in sorted(resources))


def pod_constraints(required: list[str], pod: Object) -> str:
    """``podEvaluator.Constraints``: each container must state the cpu/memory the quota limits."""
    wanted = set(required) & CONSTRAINED_COMPUTE
    if not wanted:
        return ""
    missing: dict[str, list[str]] = {}
    spec = pod.get("spec") or {}
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        resources = container.get("resources") or {}
        usage = pod_compute_usage(parse_list(resources.get("requests")), parse_list(resources.get("limits")))
        for name in sorted(wanted - set(usage)):
            missing.setdefault(name, [])
            if container.get("name", "") not in missing[name]:
                missing[name].append(container.get("name", ""))
    if not missing:
        return ""
    parts = [f"{name} for: {','.join(sorted(containers))}" for name, containers in sorted(missing.items())]
    return "must specify " + "; ".join(parts)


def subtract_non_negative(a: ResourceList, b: ResourceList) -> ResourceList:
    """``quota.SubtractWithNonNegativeResult``."""
    result: ResourceList = {}
    for name, value in a.items():
        other = b.get(name)
        difference = value.value - (other.value if other is not None else 0)
        result[name] = Quantity(difference, value.format, "", None) if difference > 0 else ZERO
    for name in b:
        result.setdefault(name, ZERO)
    return result


def exceeded(used: ResourceList, hard: ResourceList) -> list[str]:
    """``quota.LessThanOrEqual``'s failures: the names whose usage passes the hard limit."""
    return sorted(name for name, value in used.items() if name in hard and value.cmp(hard[name]) > 0)


@dataclass(frozen=True, slots=True)
class LimitedResource:
    """``ResourceQuotaConfiguration.limitedResources``: consuming these needs a covering quota."""

    resource: str
    api_group: str
    match_contains: tuple[str, ...]


def parse_configuration(config: Object | None) -> tuple[LimitedResource, ...]:
    if not config:
        return ()
    if config.get("kind") != "ResourceQuotaConfiguration":
        raise ValueError(
            f"ResourceQuota configuration must be a ResourceQuotaConfiguration, got {config.get('kind')}"
        )
    limited = []
    for item in config.get("limitedResources") or []:
        if item.get("matchScopes"):
            raise ValueError("limitedResources[].matchScopes is not supported by Pinnace yet")
        limited.append(
            LimitedResource(
                str(item.get("resource", "")),
                str(item.get("apiGroup", "")),
                tuple(item.get("matchContains") or ()),
            )
        )
    return tuple(limited)


class QuotaConflict(Exception):
    pass


class ResourceQuota(Handler):
    def __init__(self, context: PluginContext) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE)
        self.objects: ObjectSource = context.objects
        self.clock = context.clock
        self.limited = parse_configuration(context.config)
        # Quotas this plugin charged, newer than the cache until it catches up (upstream's updatedQuotas).
        self._written: dict[tuple[str, str], Object] = {}
        self._live_lookups: dict[str, tuple[datetime, list[Object]]] = {}

    async def validate(self, attributes: Attributes) -> None:
        if attributes.subresource or not attributes.namespace or attributes.object is None:
            return
        if attributes.kind.kind == "Namespace" and attributes.kind.group == "":
            return
        evaluator, operations = evaluator_for(attributes)
        if attributes.operation not in operations:
            return
        quotas = await self._quotas(attributes.namespace)
        for _attempt in range(UPDATE_ATTEMPTS):
            charged = self.check(attributes, evaluator, quotas)
            if attributes.dry_run or not charged:
                return
            try:
                await self._charge(charged)
                return
            except QuotaConflict:
                quotas = await self._live(quotas)
        raise status.internal_error("too many conflicts while updating resource quota usage")

    def check(self, attributes: Attributes, evaluator: Evaluator, quotas: list[Object]) -> list[Object]:
        """``CheckRequest``: the quotas with their new usage, or a Forbidden error."""
        obj = attributes.object
        assert obj is not None
        now = self.clock()
        interesting: list[Object] = []
        restricted: set[str] = set()
        for quota in quotas:
            hard = parse_list((quota.get("status") or {}).get("hard"))
            requirements = scope_requirements(quota.get("spec") or {})
            names = evaluator.matching_resources(sorted(hard))
            if not names or not all(evaluator.matches_scope(r, obj) for r in requirements):
                continue
            quota_name = quota["metadata"]["name"]
            if isinstance(evaluator, PodEvaluator):
                problem = pod_constraints(names, obj)
                if problem:
                    raise forbidden(attributes, f"failed quota: {quota_name}: {problem}")
            used = parse_list((quota.get("status") or {}).get("used"))
            unknown = [name for name in names if name not in used]
            if unknown:
                raise forbidden(
                    attributes,
                    f"status unknown for quota: {quota_name}, resources: {','.join(sorted(names))}",
                )
            interesting.append(quota)
            restricted.update(names)
        delta = evaluator.usage(obj, now)
        negative = sorted(name for name, value in delta.items() if value.value < 0)
        if negative:
            raise forbidden(attributes, f"quota usage is negative for resource(s): {','.join(negative)}")
        if attributes.operation is Operation.UPDATE and attributes.old_object is not None:
            if (attributes.old_object.get("metadata") or {}).get("resourceVersion"):
                delta = subtract_non_negative(delta, evaluator.usage(attributes.old_object, now))
        delta = {name: value for name, value in delta.items() if value.value != 0}
        if not delta:
            return []
        uncovered = sorted(self._limited_names(attributes, delta) - restricted)
        if uncovered:
            raise forbidden(attributes, f"insufficient quota to consume: {','.join(uncovered)}")
        charged = []
        for quota in interesting:
            quota_status = quota.get("status") or {}
            hard, used = parse_list(quota_status.get("hard")), parse_list(quota_status.get("used"))
            requested = mask(delta, hard)
            new_usage = add(used, requested)
            failed = exceeded(mask(new_usage, requested), hard)
            if failed:
                raise forbidden(
                    attributes,
                    f"exceeded quota: {quota['metadata']['name']}, "
                    f"requested: {pretty(mask(requested, failed))}, "
                    f"used: {pretty(mask(used, failed))}, limited: {pretty(mask(hard, failed))}",
                )
            if requested:
                updated = dict(quota)
                updated["status"] = {**quota_status, "used": render(new_usage)}
                charged.append(updated)
        return charged

    def _limited_names(self, attributes: Attributes, delta: ResourceList) -> set[str]:
        """``limitedByDefault``: the configured names this object consumes."""
        names: set[str] = set()
        for limited in self.limited:
            if (limited.api_group, limited.resource) != (
                attributes.resource.group,
                attributes.resource.resource,
            ):
                continue
            names.update(name for name in delta if any(part in name for part in limited.match_contains))
        return names

    async def _quotas(self, namespace: str) -> list[Object]:
        """``quotaAccessor.GetQuotas``: the namespace's quotas from the cache, read live (and remembered for
        ``LIVE_LOOKUP_TTL``) when the cache has none, each replaced by the newer copy this plugin wrote."""
        quotas = await self.objects.list(RESOURCE_QUOTAS, namespace)
        if not quotas:
            remembered = self._live_lookups.get(namespace)
            if remembered is None or remembered[0] <= self.clock():
                quotas = await self.objects.list(RESOURCE_QUOTAS, namespace, live=True)
                self._live_lookups[namespace] = (self.clock() + LIVE_LOOKUP_TTL, quotas)
            else:
                quotas = remembered[1]
        return [self._newest(quota) for quota in quotas]

    def _newest(self, quota: Object) -> Object:
        metadata = quota["metadata"]
        written = self._written.get((metadata.get("namespace", ""), metadata["name"]))
        if written is not None and _revision(written) > _revision(quota):
            return written
        return quota

    async def _charge(self, quotas: list[Object]) -> None:
        for quota in quotas:
            try:
                stored = await self.objects.update_status(RESOURCE_QUOTAS, quota)
            except status.Conflict as err:
                raise QuotaConflict from err
            metadata = stored["metadata"]
            self._written[(metadata.get("namespace", ""), metadata["name"])] = stored
            while len(self._written) > WRITTEN_QUOTAS_KEPT:
                self._written.pop(next(iter(self._written)))

    async def _live(self, quotas: list[Object]) -> list[Object]:
        fresh = []
        for quota in quotas:
            metadata = quota["metadata"]
            current = await self.objects.get(
                RESOURCE_QUOTAS, metadata["namespace"], metadata["name"], live=True
            )
            if current is not None:
                fresh.append(current)
        return fresh


def new(context: PluginContext) -> ResourceQuota:
    return ResourceQuota(context)
