"""What each object costs against a ResourceQuota (upstream's ``pkg/quota/v1/evaluator/core`` and
``pkg/quota/v1/generic``).

An :class:`Evaluator` knows, for one resource, which quota resource names it can measure, what one object
uses, and whether an object falls under a quota scope:

* pods: ``pods``, ``count/pods``, ``requests.cpu``/``cpu``, ``requests.memory``/``memory``,
  ``limits.cpu``, ``limits.memory``, ephemeral storage, hugepages and extended resources (``requests.*``);
  scopes Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass,
  CrossNamespacePodAffinity. Finished pods, and pods stuck past their deletion grace period, count only
  towards ``count/pods``;
* services: ``services``, ``count/services``, ``services.nodeports``, ``services.loadbalancers``;
* persistentvolumeclaims: ``persistentvolumeclaims``, ``requests.storage`` and their
  ``<class>.storageclass.storage.k8s.io/`` variants;
* any other resource: ``count/<resource>.<group>`` (plus the legacy ``configmaps``, ``secrets``,
  ``replicationcontrollers`` and ``resourcequotas`` names). Object counts match no scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from pinnace.api.defaults.strategy import pod_qos_class
from pinnace.api.labels import from_label_selector_object
from pinnace.api.quantity import Quantity
from pinnace.api.quota.resourcelist import (
    ResourceList,
    add,
    add_into,
    count,
    max_into,
    parse_list,
)
from pinnace.api.timestamps import parse_time

Object = dict[str, Any]


class Resource(Protocol):
    """What quota needs to know of a resource (``pinnace.client.resources.Resource`` is one)."""

    @property
    def group(self) -> str: ...

    @property
    def plural(self) -> str: ...

    @property
    def qualified(self) -> str: ...


#: A scope or scopeSelector requirement: ``{"scopeName": ..., "operator": ..., "values": [...]}``.
ScopeRequirement = dict[str, Any]

REQUESTS_PREFIX: Final = "requests."
HUGEPAGES_PREFIX: Final = "hugepages-"
STORAGE_CLASS_SUFFIX: Final = ".storageclass.storage.k8s.io/"
#: The object-count names that predate ``count/<resource>``.
LEGACY_COUNT_NAMES: Final = {
    ("", "configmaps"): "configmaps",
    ("", "secrets"): "secrets",
    ("", "replicationcontrollers"): "replicationcontrollers",
    ("", "resourcequotas"): "resourcequotas",
}


def object_count_name(resource: Resource) -> str:
    """``count/<resource>.<group>`` (``count/pods`` for the core group)."""
    return f"count/{resource.qualified}"


class Evaluator(Protocol):
    """One resource's quota accounting (upstream's ``quota.Evaluator``, the controller's half of it)."""

    @property
    def resource(self) -> Resource:
        """The resource whose objects it measures."""
        ...

    def matching_resources(self, names: list[str]) -> list[str]:
        """The quota resource names, among ``names``, this evaluator measures."""
        ...

    def matches_scope(self, requirement: ScopeRequirement, obj: Object) -> bool:
        """Whether ``obj`` falls under one scope requirement."""
        ...

    def usage(self, obj: Object, now: datetime) -> ResourceList:
        """What ``obj`` uses."""
        ...


# Pods ------------------------------------------------------------------------------------------------------

POD_RESOURCES: Final = (
    "count/pods",
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
)
POD_RESOURCE_PREFIXES: Final = (HUGEPAGES_PREFIX, REQUESTS_PREFIX + HUGEPAGES_PREFIX)


def is_native_resource(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def is_extended_resource_name(name: str) -> bool:
    """``IsExtendedResourceName``: a vendor-domain resource (``example.com/gpu``)."""
    return not is_native_resource(name) and not name.startswith(REQUESTS_PREFIX)


def is_extended_resource_name_for_quota(name: str) -> bool:
    return name.startswith(REQUESTS_PREFIX) and is_extended_resource_name(name[len(REQUESTS_PREFIX) :])


def quota_v1_pod(pod: Object, now: datetime) -> bool:
    """``QuotaV1Pod``: finished pods, and pods stuck terminating past their grace period (a lost node),
    are not charged for compute resources."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    metadata = pod.get("metadata") or {}
    deleted_at = parse_time(metadata.get("deletionTimestamp"))
    grace = metadata.get("deletionGracePeriodSeconds")
    if deleted_at is not None and isinstance(grace, int):
        if now > deleted_at + timedelta(seconds=grace):
            return False
    return True


def _container_resources(container: Object, field: str) -> ResourceList:
    return parse_list((container.get("resources") or {}).get(field))


def _aggregate(pod: Object, field: str) -> ResourceList:
    """``AggregateContainerRequests``/``AggregateContainerLimits``: the sum over containers, raised to what
    any init container needs while it runs (sidecars — restartable init containers — keep running and
    add up)."""
    spec = pod.get("spec") or {}
    total: ResourceList = {}
    for container in spec.get("containers") or []:
        add_into(total, _container_resources(container, field))
    sidecars: ResourceList = {}
    init_peak: ResourceList = {}
    for container in spec.get("initContainers") or []:
        own = _container_resources(container, field)
        if container.get("restartPolicy") == "Always":
            add_into(total, own)
            add_into(sidecars, own)
            needed = dict(sidecars)
        else:
            needed = add(own, sidecars)
        max_into(init_peak, needed)
    max_into(total, init_peak)
    return total


def pod_requests(pod: Object) -> ResourceList:
    """``PodRequests``, with the pod's overhead."""
    requests = _aggregate(pod, "requests")
    add_into(requests, parse_list((pod.get("spec") or {}).get("overhead")))
    return requests


def pod_limits(pod: Object) -> ResourceList:
    """``PodLimits``: overhead is added only to limits that are set."""
    limits = _aggregate(pod, "limits")
    for name, value in parse_list((pod.get("spec") or {}).get("overhead")).items():
        if name in limits:
            add_into(limits, {name: value})
    return limits


def pod_compute_usage(requests: ResourceList, limits: ResourceList) -> ResourceList:
    """``podComputeUsageHelper``."""
    result: ResourceList = {"pods": count(1)}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            result[name] = requests[name]
            result[REQUESTS_PREFIX + name] = requests[name]
        if name in limits:
            result[f"limits.{name}"] = limits[name]
    for name, value in requests.items():
        if name.startswith(HUGEPAGES_PREFIX):
            result[name] = value
            result[REQUESTS_PREFIX + name] = value
        if is_extended_resource_name(name):
            result[REQUESTS_PREFIX + name] = value
    return result


def _is_terminating(pod: Object) -> bool:
    deadline = (pod.get("spec") or {}).get("activeDeadlineSeconds")
    return isinstance(deadline, int) and deadline >= 0


def _is_best_effort(pod: Object) -> bool:
    """``qos.GetPodQOS``: the status's qosClass if set, else computed from the spec."""
    recorded = (pod.get("status") or {}).get("qosClass")
    return (recorded or pod_qos_class(pod)) == "BestEffort"


def _uses_cross_namespace_pod_affinity(pod: Object) -> bool:
    affinity = (pod.get("spec") or {}).get("affinity") or {}

    def cross(term: Object) -> bool:
        return bool(term.get("namespaces")) or term.get("namespaceSelector") is not None

    for kind in ("podAffinity", "podAntiAffinity"):
        section = affinity.get(kind) or {}
        if any(cross(t) for t in section.get("requiredDuringSchedulingIgnoredDuringExecution") or []):
            return True
        preferred = section.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        if any(cross(t.get("podAffinityTerm") or {}) for t in preferred):
            return True
    return False


def _matches_priority_class(pod: Object, requirement: ScopeRequirement) -> bool:
    """``podMatchesSelector``: the requirement as a label selector over ``{PriorityClass: <name>}``."""
    name = (pod.get("spec") or {}).get("priorityClassName") or ""
    if requirement.get("operator") == "Exists":
        return bool(name)
    selector = from_label_selector_object(
        {
            "matchExpressions": [
                {
                    "key": "PriorityClass",
                    "operator": requirement.get("operator"),
                    "values": list(requirement.get("values") or []),
                }
            ]
        }
    )
    return selector.matches({"PriorityClass": name} if name else {})


@dataclass(frozen=True)
class PodEvaluator:
    resource: Resource

    def matching_resources(self, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name in POD_RESOURCES
            or name.startswith(POD_RESOURCE_PREFIXES)
            or is_extended_resource_name_for_quota(name)
        ]

    def matches_scope(self, requirement: ScopeRequirement, obj: Object) -> bool:
        scope = requirement.get("scopeName")
        if scope == "Terminating":
            return _is_terminating(obj)
        if scope == "NotTerminating":
            return not _is_terminating(obj)
        if scope == "BestEffort":
            return _is_best_effort(obj)
        if scope == "NotBestEffort":
            return not _is_best_effort(obj)
        if scope == "PriorityClass":
            return _matches_priority_class(obj, requirement)
        if scope == "CrossNamespacePodAffinity":
            return _uses_cross_namespace_pod_affinity(obj)
        return False

    def usage(self, obj: Object, now: datetime) -> ResourceList:
        # count/pods tracks every pod in storage; "pods" only those still alive.
        result: ResourceList = {"count/pods": count(1)}
        if not quota_v1_pod(obj, now):
            return result
        return add(result, pod_compute_usage(pod_requests(obj), pod_limits(obj)))


# Services --------------------------------------------------------------------------------------------------

SERVICE_RESOURCES: Final = ("count/services", "services", "services.loadbalancers", "services.nodeports")


@dataclass(frozen=True)
class ServiceEvaluator:
    resource: Resource

    def matching_resources(self, names: list[str]) -> list[str]:
        return [name for name in names if name in SERVICE_RESOURCES]

    def matches_scope(self, requirement: ScopeRequirement, obj: Object) -> bool:
        return False

    def usage(self, obj: Object, now: datetime) -> ResourceList:
        spec = obj.get("spec") or {}
        ports = len(spec.get("ports") or [])
        result: ResourceList = {
            "count/services": count(1),
            "services": count(1),
            "services.loadbalancers": count(0),
            "services.nodeports": count(0),
        }
        service_type = spec.get("type")
        if service_type == "NodePort":
            result["services.nodeports"] = count(ports)
        elif service_type == "LoadBalancer":
            # Node ports are charged only when they are allocated.
            if spec.get("allocateLoadBalancerNodePorts") is not False:
                result["services.nodeports"] = count(ports)
            result["services.loadbalancers"] = count(1)
        return result


# PersistentVolumeClaims ------------------------------------------------------------------------------------

PVC_RESOURCES: Final = ("persistentvolumeclaims", "requests.storage")
STORAGE_CLASS_ANNOTATION: Final = "volume.beta.kubernetes.io/storage-class"


def claim_class(pvc: Object) -> str:
    """``GetPersistentVolumeClaimClass``: the beta annotation wins over ``spec.storageClassName``."""
    annotations = (pvc.get("metadata") or {}).get("annotations") or {}
    if STORAGE_CLASS_ANNOTATION in annotations:
        return str(annotations[STORAGE_CLASS_ANNOTATION])
    return str((pvc.get("spec") or {}).get("storageClassName") or "")


@dataclass(frozen=True)
class PersistentVolumeClaimEvaluator:
    resource: Resource

    def matching_resources(self, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name == "count/persistentvolumeclaims"
            or name in PVC_RESOURCES
            or any(name.endswith(STORAGE_CLASS_SUFFIX + r) for r in PVC_RESOURCES)
        ]

    def matches_scope(self, requirement: ScopeRequirement, obj: Object) -> bool:
        return False

    def usage(self, obj: Object, now: datetime) -> ResourceList:
        result: ResourceList = {"persistentvolumeclaims": count(1), "count/persistentvolumeclaims": count(1)}
        storage_class = claim_class(obj)
        if storage_class:
            result[storage_class + STORAGE_CLASS_SUFFIX + "persistentvolumeclaims"] = count(1)
        requested = self._storage(obj)
        if requested is not None:
            result["requests.storage"] = requested
            if storage_class:
                result[storage_class + STORAGE_CLASS_SUFFIX + "requests.storage"] = requested
        return result

    @staticmethod
    def _storage(pvc: Object) -> Quantity | None:
        """The requested size in whole bytes, or the allocated size when larger (a failed expansion being
        recovered, ``RecoverVolumeExpansionFailure``, on by default in 1.32)."""
        request = parse_list(((pvc.get("spec") or {}).get("resources") or {}).get("requests")).get("storage")
        allocated = parse_list((pvc.get("status") or {}).get("allocatedResources")).get("storage")
        request = request.round_up(0) if request is not None else None
        if allocated is not None:
            allocated = allocated.round_up(0)
            if request is None or allocated.cmp(request) >= 0:
                return allocated
        return request


# Object counts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectCountEvaluator:
    """``NewObjectCountEvaluator``: one per object, whatever its state."""

    resource: Resource

    @property
    def names(self) -> tuple[str, ...]:
        legacy = LEGACY_COUNT_NAMES.get((self.resource.group, self.resource.plural))
        return (object_count_name(self.resource), legacy) if legacy else (object_count_name(self.resource),)

    def matching_resources(self, names: list[str]) -> list[str]:
        return [name for name in names if name in self.names]

    def matches_scope(self, requirement: ScopeRequirement, obj: Object) -> bool:
        return False

    def usage(self, obj: Object, now: datetime) -> ResourceList:
        return {name: count(1) for name in self.names}
