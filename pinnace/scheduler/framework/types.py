"""What the scheduler knows about a pod and a node (``pkg/scheduler/framework/types.go``: PodInfo, NodeInfo).

API objects stay JSON dicts (design.md §3): a :class:`PodInfo` keeps the pod dict and adds what plugins
read on every cycle, parsed once (requests in scheduler units, affinity terms, tolerations, host ports); a
:class:`NodeInfo` keeps the node dict and aggregates the pods on it (requested resources, used ports,
affinity-bearing pods, PVC references). Neither mutates the dicts it holds: cached objects are shared.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from pinnace.api.labels import SelectorParseError
from pinnace.scheduler.framework import resources
from pinnace.scheduler.framework.affinity import (
    AffinityTerm,
    WeightedAffinityTerm,
    affinity_terms,
    weighted_affinity_terms,
)
from pinnace.scheduler.framework.taints import Taint, Toleration, parse_taints, parse_tolerations

_generation = itertools.count(1)


def next_generation() -> int:
    """A process-wide, strictly increasing counter stamped on every NodeInfo change (nextGeneration)."""
    return next(_generation)


DEFAULT_BIND_ALL_HOST_IP: Final = "0.0.0.0"


@dataclass(frozen=True, slots=True)
class HostPort:
    """A container port with a hostPort; empty IP is 0.0.0.0 and empty protocol TCP (``sanitize``)."""

    ip: str
    protocol: str
    port: int


def _parse_time(raw: Any) -> float | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass(slots=True, eq=False)
class PodInfo:
    """A pod plus the parts of it plugins read on every cycle (``framework.PodInfo``).

    ``parse_error`` is set when an affinity term's selector does not parse; InterPodAffinity then rejects the
    pod as upstream does. ``priority`` is ``spec.priority`` (0 when absent) unless a resolver gave another.
    """

    pod: dict[str, Any]
    namespace: str
    name: str
    uid: str
    labels: Mapping[str, str]
    node_name: str
    scheduler_name: str
    priority: int
    requests: dict[str, int]
    non0_cpu: int
    non0_mem: int
    host_ports: tuple[HostPort, ...]
    tolerations: tuple[Toleration, ...]
    required_affinity_terms: tuple[AffinityTerm, ...] = ()
    required_anti_affinity_terms: tuple[AffinityTerm, ...] = ()
    preferred_affinity_terms: tuple[WeightedAffinityTerm, ...] = ()
    preferred_anti_affinity_terms: tuple[WeightedAffinityTerm, ...] = ()
    has_affinity: bool = False
    parse_error: str = ""
    terminating: bool = False
    start_time: float | None = None
    pvc_keys: tuple[str, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def with_pod(self, pod: dict[str, Any], node_name: str | None = None) -> PodInfo:
        """A copy holding another version of the same pod whose parsed parts are unchanged (much cheaper
        than ``dataclasses.replace``, which re-runs ``__init__``)."""
        copy = object.__new__(PodInfo)
        for name in _POD_INFO_FIELDS:
            object.__setattr__(copy, name, getattr(self, name))
        copy.pod = pod
        if node_name is not None:
            copy.node_name = node_name
        return copy

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.pod.get("spec") or {}
        return spec

    def __repr__(self) -> str:
        return f"PodInfo({self.key})"


_POD_INFO_FIELDS: Final = tuple(PodInfo.__dataclass_fields__)

PriorityResolver = Callable[[Mapping[str, Any]], int]


def pod_priority(pod: Mapping[str, Any]) -> int:
    """``corev1helpers.PodPriority``: ``spec.priority``, else 0."""
    priority = (pod.get("spec") or {}).get("priority")
    return int(priority) if isinstance(priority, int) else 0


def _host_ports(spec: Mapping[str, Any]) -> tuple[HostPort, ...]:
    """``util.GetHostPorts``: every container port with a hostPort, from the regular containers."""
    out: list[HostPort] = []
    for container in spec.get("containers") or ():
        for port in container.get("ports") or ():
            host_port = int(port.get("hostPort") or 0)
            if host_port > 0:
                out.append(
                    HostPort(
                        str(port.get("hostIP") or DEFAULT_BIND_ALL_HOST_IP),
                        str(port.get("protocol") or "TCP"),
                        host_port,
                    )
                )
    return tuple(out)


def _pvc_keys(namespace: str, name: str, spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The PVCs the pod uses, as ``ns/claim`` (generic ephemeral volumes claim ``<pod>-<volume>``)."""
    keys: list[str] = []
    for volume in spec.get("volumes") or ():
        if claim := (volume.get("persistentVolumeClaim") or {}).get("claimName"):
            keys.append(f"{namespace}/{claim}")
        elif volume.get("ephemeral") is not None:
            keys.append(f"{namespace}/{name}-{volume.get('name')}")
    return tuple(keys)


_REQUESTS_CACHE: dict[tuple[Any, ...], tuple[dict[str, int], int, int]] = {}
_REQUESTS_CACHE_SIZE: Final = 4096


def _requests_key(spec: Mapping[str, Any]) -> tuple[Any, ...]:
    def of(containers: Any) -> tuple[Any, ...]:
        return tuple(
            (
                tuple(sorted(((c.get("resources") or {}).get("requests") or {}).items())),
                c.get("restartPolicy"),
            )
            for c in containers or ()
        )

    overhead = tuple(sorted((spec.get("overhead") or {}).items()))
    return (of(spec.get("containers")), of(spec.get("initContainers")), overhead)


def pod_resource_requests(pod: Mapping[str, Any]) -> tuple[dict[str, int], int, int]:
    """The pod's requests in scheduler units, and its non-zero cpu and memory (memoised per request shape:
    pods of one template share them)."""
    spec = pod.get("spec") or {}
    try:
        key = _requests_key(spec)
    except TypeError:  # an unhashable value somewhere: compute without memoising
        key = ()
    cached = _REQUESTS_CACHE.get(key) if key else None
    if cached is None:
        requests = resources.in_scheduler_units(resources.pod_requests(pod))
        non0 = resources.pod_requests(pod, non_missing=True)
        cached = (
            requests,
            resources.to_scheduler_units(resources.CPU, non0.get(resources.CPU, 0)),
            resources.to_scheduler_units(resources.MEMORY, non0.get(resources.MEMORY, 0)),
        )
        if key:
            if len(_REQUESTS_CACHE) >= _REQUESTS_CACHE_SIZE:
                _REQUESTS_CACHE.clear()
            _REQUESTS_CACHE[key] = cached
    return cached


def new_pod_info(pod: dict[str, Any], priority_of: PriorityResolver | None = None) -> PodInfo:
    """Parse a pod once (``framework.NewPodInfo``)."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    namespace = str(meta.get("namespace") or "")
    name = str(meta.get("name") or "")
    requests, non0_cpu, non0_mem = pod_resource_requests(pod)
    info = PodInfo(
        pod=pod,
        namespace=namespace,
        name=name,
        uid=str(meta.get("uid") or f"{namespace}/{name}"),
        labels=meta.get("labels") or {},
        node_name=str(spec.get("nodeName") or ""),
        scheduler_name=str(spec.get("schedulerName") or "default-scheduler"),
        priority=priority_of(pod) if priority_of is not None else pod_priority(pod),
        requests=requests,
        non0_cpu=non0_cpu,
        non0_mem=non0_mem,
        host_ports=_host_ports(spec),
        tolerations=parse_tolerations(spec.get("tolerations")),
        terminating=meta.get("deletionTimestamp") is not None,
        start_time=_parse_time((pod.get("status") or {}).get("startTime")),
        pvc_keys=_pvc_keys(namespace, name, spec),
    )
    affinity = spec.get("affinity") or {}
    pod_affinity = affinity.get("podAffinity")
    pod_anti_affinity = affinity.get("podAntiAffinity")
    info.has_affinity = pod_affinity is not None or pod_anti_affinity is not None
    if info.has_affinity:
        pa, paa = pod_affinity or {}, pod_anti_affinity or {}
        try:
            info.required_affinity_terms = affinity_terms(
                namespace, pa.get("requiredDuringSchedulingIgnoredDuringExecution")
            )
            info.required_anti_affinity_terms = affinity_terms(
                namespace, paa.get("requiredDuringSchedulingIgnoredDuringExecution")
            )
            info.preferred_affinity_terms = weighted_affinity_terms(
                namespace, pa.get("preferredDuringSchedulingIgnoredDuringExecution")
            )
            info.preferred_anti_affinity_terms = weighted_affinity_terms(
                namespace, paa.get("preferredDuringSchedulingIgnoredDuringExecution")
            )
        except SelectorParseError as err:
            info.parse_error = str(err)
    return info


@dataclass(slots=True)
class NodeInfo:
    """A node and the pods on it (``framework.NodeInfo``). ``node`` is None for a node the cache has pods
    for but whose Node object it has not seen (or no longer has)."""

    name: str
    node: dict[str, Any] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    allocatable: dict[str, int] = field(default_factory=dict)
    allowed_pod_number: int = 0
    pods: list[PodInfo] = field(default_factory=list)
    pods_with_affinity: list[PodInfo] = field(default_factory=list)
    pods_with_required_anti_affinity: list[PodInfo] = field(default_factory=list)
    requested: dict[str, int] = field(default_factory=dict)
    non_zero_cpu: int = 0
    non_zero_mem: int = 0
    used_ports: dict[str, set[tuple[str, int]]] = field(default_factory=dict)
    image_sizes: dict[str, int] = field(default_factory=dict)
    pvc_ref_counts: dict[str, int] = field(default_factory=dict)
    counters: dict[Hashable, int] = field(default_factory=dict)
    generation: int = 0

    def set_node(self, node: dict[str, Any]) -> None:
        """``NodeInfo.SetNode``."""
        spec = node.get("spec") or {}
        self.node = node
        self.labels = (node.get("metadata") or {}).get("labels") or {}
        self.taints = resources_taints(spec)
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable, self.allowed_pod_number = resources.node_allocatable(node)
        self.image_sizes = {}
        for image in (node.get("status") or {}).get("images") or ():
            size = int(image.get("sizeBytes") or 0)
            for image_name in image.get("names") or ():
                self.image_sizes[str(image_name)] = size
        self.generation = next_generation()

    def remove_node(self) -> None:
        self.node = None
        self.labels = {}
        self.taints = ()
        self.generation = next_generation()

    def add_pod(self, pod: PodInfo) -> None:
        """``NodeInfo.AddPodInfo``."""
        self.pods.append(pod)
        if pod.has_affinity:
            self.pods_with_affinity.append(pod)
        if pod.required_anti_affinity_terms:
            self.pods_with_required_anti_affinity.append(pod)
        self._update(pod, 1)

    def remove_pod(self, pod: PodInfo) -> bool:
        """``NodeInfo.RemovePod`` (by UID); False when the pod is not on this node."""
        for i, existing in enumerate(self.pods):
            if existing.uid == pod.uid:
                del self.pods[i]
                _remove_uid(self.pods_with_affinity, pod.uid)
                _remove_uid(self.pods_with_required_anti_affinity, pod.uid)
                self._update(existing, -1)
                return True
        return False

    def _update(self, pod: PodInfo, sign: int) -> None:
        resources.add_into(self.requested, pod.requests, sign)
        self.non_zero_cpu += sign * pod.non0_cpu
        self.non_zero_mem += sign * pod.non0_mem
        for hp in pod.host_ports:
            ports = self.used_ports.setdefault(hp.ip, set())
            if sign > 0:
                ports.add((hp.protocol, hp.port))
            else:
                ports.discard((hp.protocol, hp.port))
                if not ports:
                    del self.used_ports[hp.ip]
        for claim in pod.pvc_keys:
            count = self.pvc_ref_counts.get(claim, 0) + sign
            if count > 0:
                self.pvc_ref_counts[claim] = count
            else:
                self.pvc_ref_counts.pop(claim, None)
        self.generation = next_generation()

    def clone(self) -> NodeInfo:
        """A copy whose pod lists and aggregates can change without touching this one (``Snapshot()``)."""
        return NodeInfo(
            name=self.name,
            node=self.node,
            labels=self.labels,
            taints=self.taints,
            unschedulable=self.unschedulable,
            allocatable=self.allocatable,
            allowed_pod_number=self.allowed_pod_number,
            pods=list(self.pods),
            pods_with_affinity=list(self.pods_with_affinity),
            pods_with_required_anti_affinity=list(self.pods_with_required_anti_affinity),
            requested=dict(self.requested),
            non_zero_cpu=self.non_zero_cpu,
            non_zero_mem=self.non_zero_mem,
            used_ports={ip: set(ports) for ip, ports in self.used_ports.items()},
            image_sizes=self.image_sizes,
            pvc_ref_counts=dict(self.pvc_ref_counts),
            counters=dict(self.counters),
            generation=self.generation,
        )

    def ports_conflict(self, hp: HostPort) -> bool:
        """``HostPortInfo.CheckConflict``: 0.0.0.0 conflicts with any IP on the same protocol/port."""
        if hp.port <= 0:
            return False
        pp = (hp.protocol, hp.port)
        if hp.ip == DEFAULT_BIND_ALL_HOST_IP:
            return any(pp in ports for ports in self.used_ports.values())
        for ip in (DEFAULT_BIND_ALL_HOST_IP, hp.ip):
            if pp in self.used_ports.get(ip, ()):
                return True
        return False


def resources_taints(spec: Mapping[str, Any]) -> tuple[Taint, ...]:
    return parse_taints(spec.get("taints"))


def _remove_uid(pods: list[PodInfo], uid: str) -> None:
    for i, existing in enumerate(pods):
        if existing.uid == uid:
            del pods[i]
            return
