"""Resource arithmetic the scheduler does: names, quantities in scheduler units, a pod's effective requests.

Reproduces:

* ``k8s.io/component-helpers/resource/helpers.go`` ``PodRequests`` (Kubernetes 1.32): regular containers add
  up; init containers run one at a time, so the pod needs the maximum of (sum of regular containers) and
  each init container plus the restartable ("sidecar", ``restartPolicy: Always``) init containers started
  before it; sidecars keep running, so they add to the regular containers' sum; ``spec.overhead`` is added
  last. ``NonMissingContainerRequests`` substitutes defaults for a container that names no request for cpu or
  memory (what scoring uses: 100m cpu and 200Mi memory, ``pkg/scheduler/util/pod_resources.go``).
* ``pkg/scheduler/framework/types.go`` ``Resource``: cpu in millicores, everything else in whole units
  rounded up, and which names count as "scalar" resources (extended, hugepages-*, ``kubernetes.io/``-prefixed
  and attachable-volumes-*).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any, Final

from pinnace.api.quantity import QuantityError, parse_quantity

CPU: Final = "cpu"
MEMORY: Final = "memory"
EPHEMERAL_STORAGE: Final = "ephemeral-storage"
PODS: Final = "pods"

#: schedutil.DefaultMilliCPURequest and DefaultMemoryRequest.
DEFAULT_MILLI_CPU_REQUEST: Final = 100
DEFAULT_MEMORY_REQUEST: Final = 200 * 1024 * 1024

_NON_MISSING: Final = {
    CPU: Fraction(DEFAULT_MILLI_CPU_REQUEST, 1000),
    MEMORY: Fraction(DEFAULT_MEMORY_REQUEST),
}


def is_native_resource(name: str) -> bool:
    """``v1helper.IsNativeResource``: no domain, or a ``kubernetes.io/`` one."""
    return "/" not in name or "kubernetes.io/" in name


def is_extended_resource_name(name: str) -> bool:
    """``v1helper.IsExtendedResourceName``: a domain-qualified name outside kubernetes.io, not a quota key."""
    return not is_native_resource(name) and not name.startswith("requests.")


def is_scalar_resource_name(name: str) -> bool:
    """``schedutil.IsScalarResourceName``: tracked per name in ``Resource.scalar_resources``."""
    return (
        is_extended_resource_name(name)
        or name.startswith("hugepages-")
        or "kubernetes.io/" in name
        or name.startswith("attachable-volumes-")
    )


@lru_cache(maxsize=8192)
def _fraction(raw: str) -> Fraction:
    try:
        return parse_quantity(raw).value
    except QuantityError:
        # The API server validated every quantity; anything unparsable counts as zero, as a zero Quantity.
        return Fraction(0)


def quantity(raw: Any) -> Fraction:
    """The exact value of a quantity as found in JSON (string or number)."""
    if isinstance(raw, bool):
        return Fraction(0)
    if isinstance(raw, int):
        return Fraction(raw)
    return _fraction(str(raw))


def to_scheduler_units(name: str, value: Fraction | int) -> int:
    """``MilliValue()`` for cpu, ``Value()`` otherwise (both round up, as Quantity does)."""
    if name == CPU:
        return math.ceil(value * 1000)
    return math.ceil(value)


def resource_list(raw: Mapping[str, Any] | None) -> dict[str, Fraction]:
    """A ``ResourceList`` JSON map as exact values."""
    if not raw:
        return {}
    return {name: quantity(value) for name, value in raw.items()}


def _add(into: dict[str, Fraction], other: Mapping[str, Fraction]) -> None:
    for name, value in other.items():
        into[name] = into.get(name, Fraction(0)) + value


def _max(into: dict[str, Fraction], other: Mapping[str, Fraction]) -> None:
    for name, value in other.items():
        current = into.get(name)
        if current is None or value > current:
            into[name] = value


def _container_requests(container: Mapping[str, Any], non_missing: bool) -> dict[str, Fraction]:
    requests = resource_list((container.get("resources") or {}).get("requests"))
    if non_missing:
        for name, default in _NON_MISSING.items():
            if name not in requests:
                requests[name] = default
    return requests


def is_restartable_init_container(container: Mapping[str, Any]) -> bool:
    return container.get("restartPolicy") == "Always"


def pod_requests(pod: Mapping[str, Any], *, non_missing: bool = False) -> dict[str, Fraction]:
    """``resourcehelper.PodRequests`` (see the module docstring), exact values keyed by resource name."""
    spec = pod.get("spec") or {}
    reqs: dict[str, Fraction] = {}
    for container in spec.get("containers") or ():
        _add(reqs, _container_requests(container, non_missing))
    restartable: dict[str, Fraction] = {}
    init_reqs: dict[str, Fraction] = {}
    for container in spec.get("initContainers") or ():
        container_reqs = _container_requests(container, non_missing)
        if is_restartable_init_container(container):
            # A sidecar keeps running next to the regular containers and the init containers after it.
            _add(reqs, container_reqs)
            _add(restartable, container_reqs)
            container_reqs = dict(restartable)
        else:
            running = dict(container_reqs)
            _add(running, restartable)
            container_reqs = running
        _max(init_reqs, container_reqs)
    _max(reqs, init_reqs)
    if overhead := spec.get("overhead"):
        _add(reqs, resource_list(overhead))
    return reqs


def in_scheduler_units(requests: Mapping[str, Fraction]) -> dict[str, int]:
    """Requests as ``Resource`` holds them: only cpu, memory, ephemeral-storage and scalar resources."""
    out: dict[str, int] = {}
    for name, value in requests.items():
        if name in (CPU, MEMORY, EPHEMERAL_STORAGE) or is_scalar_resource_name(name):
            out[name] = to_scheduler_units(name, value)
    return out


def node_allocatable(node: Mapping[str, Any]) -> tuple[dict[str, int], int]:
    """A node's ``status.allocatable`` in scheduler units, and its allowed pod number."""
    allocatable = resource_list((node.get("status") or {}).get("allocatable"))
    pods = allocatable.pop(PODS, Fraction(0))
    return in_scheduler_units(allocatable), to_scheduler_units(PODS, pods)


def add_into(into: dict[str, int], values: Mapping[str, int], sign: int = 1) -> None:
    for name, value in values.items():
        into[name] = into.get(name, 0) + sign * value


def names_in(requests: Iterable[Mapping[str, int]]) -> set[str]:
    names: set[str] = set()
    for request in requests:
        names.update(request)
    return names
