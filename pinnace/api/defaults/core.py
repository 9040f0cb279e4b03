"""Defaults of the core (``v1``) kinds.

Reproduces ``kubernetes/pkg/apis/core/v1/defaults.go`` and what ``zz_generated.defaults.go`` runs per
kind, with the declarative ``+default`` markers of ``k8s.io/api/core/v1/types.go`` (ReplicationController
replicas 1, Service port protocol TCP). Pod specs are defaulted by :mod:`pinnace.api.defaults.podspec`.

Also reproduced, because they change what ``kubectl get -o yaml`` shows and upstream applies them on every
decode: the v1 conversions in ``pkg/apis/core/v1/conversion.go`` (Secret ``stringData`` folded into ``data``;
``podIP``/``podIPs``, ``hostIP``/``hostIPs`` and Node ``podCIDR``/``podCIDRs`` kept in step) and Go's
serialization of value-typed ``status`` structs (``status: {}`` for a Pod, ``loadBalancer: {}`` for a
Service).

Feature gates are those of a default 1.32 API server: ``LoadBalancerIPMode`` on; ``PodLevelResources``,
``ImageVolume`` and ``DefaultHostNetworkHostPortsInPodTemplates`` off.
"""

from __future__ import annotations

import base64
import copy

from pinnace.api.defaults._fields import (
    Obj,
    child,
    default_resource_list,
    default_unset,
    default_zero,
    ensure_child,
    is_zero,
    items,
    path,
)
from pinnace.api.defaults.podspec import (
    default_azure_disk,
    default_host_path,
    default_iscsi,
    default_pod_spec,
    default_pod_template,
    default_pvc_spec,
    default_rbd,
    default_scale_io,
)
from pinnace.api.gvk import GroupVersionKind

DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800
LABEL_METADATA_NAME = "kubernetes.io/metadata.name"


# --- Pod ---


def _requests_from_limits(container: Obj) -> None:
    """Requests missing from a container default to its limits (Pods only, never templates)."""
    resources = child(container, "resources")
    limits = child(resources, "limits")
    if resources is None or limits is None:
        return
    requests = resources.get("requests")
    if requests is None:
        requests = {}
    if not isinstance(requests, dict):
        return
    for name, value in limits.items():
        requests.setdefault(name, copy.deepcopy(value))
    if requests:  # an empty map is omitted on the wire (omitempty), so only a non-empty one is written
        resources["requests"] = requests


def _host_network_ports(spec: Obj) -> None:
    """With host networking every container port is a host port."""
    for containers in ("initContainers", "containers"):
        for container in items(spec, containers):
            for port in items(container, "ports"):
                if is_zero(port.get("hostPort")) and isinstance(port.get("containerPort"), int):
                    port["hostPort"] = port["containerPort"]


def _ip_and_ips(status: Obj, single: str, plural: str) -> None:
    """v1 conversion of PodStatus: ``podIP`` wins when the two disagree; each fills the other when missing."""
    ip = status.get(single)
    ips = status.get(plural)
    if isinstance(ip, str) and ip:
        first = ips[0] if isinstance(ips, list) and ips and isinstance(ips[0], dict) else None
        if first is None or first.get("ip") != ip:
            status[plural] = [{"ip": ip}]
    elif isinstance(ips, list) and ips and isinstance(ips[0], dict) and ips[0].get("ip"):
        status[single] = ips[0]["ip"]


def default_pod(pod: Obj) -> None:
    """``SetObjectDefaults_Pod``: ``SetDefaults_Pod`` first, then the PodSpec defaults."""
    spec = ensure_child(pod, "spec")
    for containers in ("containers", "initContainers"):
        for container in items(spec, containers):
            _requests_from_limits(container)
    default_unset(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        _host_network_ports(spec)
    default_pod_spec(spec)
    status = ensure_child(pod, "status")
    _ip_and_ips(status, "podIP", "podIPs")
    _ip_and_ips(status, "hostIP", "hostIPs")


def default_pod_template_object(obj: Obj) -> None:
    """``SetObjectDefaults_PodTemplate``: the template's PodSpec only."""
    default_pod_template(obj)


def default_replication_controller(rc: Obj) -> None:
    """``SetDefaults_ReplicationController``: selector and labels from the template, replicas 1."""
    spec = ensure_child(rc, "spec")
    template = child(spec, "template")  # a pointer: no template is left absent
    labels = child(child(template, "metadata"), "labels")
    if labels is not None:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = ensure_child(rc, "metadata")
        if not meta.get("labels"):
            meta["labels"] = dict(labels)
    default_unset(spec, "replicas", 1)  # ReplicationControllerSpec.Replicas: +default=1
    if template is not None:
        default_pod_template(spec)
    status = ensure_child(rc, "status")
    default_unset(status, "replicas", 0)  # `json:"replicas"`: written even when zero


# --- Service, Endpoints ---


def _externally_accessible(spec: Obj) -> bool:
    """``service.ExternallyAccessible``: LoadBalancer, NodePort, or ClusterIP with external IPs."""
    service_type = spec.get("type")
    if service_type in ("LoadBalancer", "NodePort"):
        return True
    return service_type == "ClusterIP" and bool(spec.get("externalIPs"))


def default_service(service: Obj) -> None:
    """``SetDefaults_Service``."""
    spec = ensure_child(service, "spec")
    default_zero(spec, "sessionAffinity", "None")
    if spec.get("sessionAffinity") == "None":
        # Upstream drops a config that only applies to ClientIP affinity.
        spec.pop("sessionAffinityConfig", None)
    elif spec.get("sessionAffinity") == "ClientIP":
        client_ip = path(spec, "sessionAffinityConfig", "clientIP")
        if client_ip is None or client_ip.get("timeoutSeconds") is None:
            # Upstream replaces the whole config, not just the missing timeout.
            timeout = {"timeoutSeconds": DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS}
            spec["sessionAffinityConfig"] = {"clientIP": timeout}
    default_zero(spec, "type", "ClusterIP")
    for port in items(spec, "ports"):
        default_zero(port, "protocol", "TCP")
        # targetPort is an IntOrString value field: unset, 0 and "" all mean "the port".
        if is_zero(port.get("targetPort")) and isinstance(port.get("port"), int):
            port["targetPort"] = port["port"]
    if _externally_accessible(spec):
        default_zero(spec, "externalTrafficPolicy", "Cluster")
    if spec.get("type") in ("NodePort", "LoadBalancer", "ClusterIP"):
        default_unset(spec, "internalTrafficPolicy", "Cluster")
    if spec.get("type") == "LoadBalancer":
        default_unset(spec, "allocateLoadBalancerNodePorts", True)
    status = ensure_child(service, "status")
    load_balancer = ensure_child(status, "loadBalancer")  # LoadBalancerStatus is a value field
    if spec.get("type") == "LoadBalancer":
        for ingress in items(load_balancer, "ingress"):
            if ingress.get("ip"):
                default_unset(ingress, "ipMode", "VIP")


def default_endpoints(endpoints: Obj) -> None:
    """``SetDefaults_Endpoints``: port protocol TCP."""
    for subset in items(endpoints, "subsets"):
        for port in items(subset, "ports"):
            default_zero(port, "protocol", "TCP")


# --- Namespace, Node ---


def default_namespace(namespace: Obj) -> None:
    """``SetDefaults_Namespace`` (the name label, always overwritten) and ``SetDefaults_NamespaceStatus``.

    The ``kubernetes`` finalizer is added at create only (see :mod:`pinnace.api.defaults.strategy`): upstream
    keeps it out of defaulting because the namespace controller removes it during deletion.
    """
    meta = ensure_child(namespace, "metadata")
    name = meta.get("name")
    if isinstance(name, str) and name:  # nameless (generateName) namespaces are labelled after naming
        labels = ensure_child(meta, "labels")
        labels[LABEL_METADATA_NAME] = name
    default_zero(ensure_child(namespace, "status"), "phase", "Active")


def default_node(node: Obj) -> None:
    """``SetDefaults_NodeStatus`` (allocatable from capacity), ResourceLists, and the podCIDR conversion."""
    status = child(node, "status")
    if status is not None:
        capacity = child(status, "capacity")
        if status.get("allocatable") is None and capacity is not None:
            status["allocatable"] = copy.deepcopy(capacity)
        default_resource_list(status, "capacity")
        default_resource_list(status, "allocatable")
    spec = child(node, "spec")
    if spec is not None:
        cidr = spec.get("podCIDR")
        cidrs = spec.get("podCIDRs")
        if isinstance(cidr, str) and cidr:
            if not (isinstance(cidrs, list) and cidrs and cidrs[0] == cidr):
                spec["podCIDRs"] = [cidr]
        elif isinstance(cidrs, list) and cidrs and isinstance(cidrs[0], str):
            spec["podCIDR"] = cidrs[0]


# --- volumes ---


def default_persistent_volume_source(spec: Obj | None) -> None:
    """The per-source defaults zz_generated runs inside a PersistentVolumeSpec."""
    default_resource_list(spec, "capacity")
    default_host_path(child(spec, "hostPath"))
    default_rbd(child(spec, "rbd"))
    default_iscsi(child(spec, "iscsi"))
    default_azure_disk(child(spec, "azureDisk"))
    default_scale_io(child(spec, "scaleIO"))


def default_persistent_volume(pv: Obj) -> None:
    """``SetDefaults_PersistentVolume``."""
    default_zero(ensure_child(pv, "status"), "phase", "Pending")
    spec = ensure_child(pv, "spec")
    default_zero(spec, "persistentVolumeReclaimPolicy", "Retain")
    default_unset(spec, "volumeMode", "Filesystem")
    default_persistent_volume_source(spec)


def default_persistent_volume_claim(pvc: Obj) -> None:
    """``SetDefaults_PersistentVolumeClaim`` and ``SetDefaults_PersistentVolumeClaimSpec``."""
    status = ensure_child(pvc, "status")
    default_zero(status, "phase", "Pending")
    default_pvc_spec(ensure_child(pvc, "spec"))
    default_resource_list(status, "capacity")
    default_resource_list(status, "allocatedResources")


# --- config and policy ---


def default_secret(secret: Obj) -> None:
    """``SetDefaults_Secret`` (type Opaque), and the v1 conversion that folds the write-only ``stringData``
    into ``data`` as base64, overwriting keys present in both; ``stringData`` is never stored or shown."""
    default_zero(secret, "type", "Opaque")
    string_data = secret.get("stringData")
    if not isinstance(string_data, dict) or not all(isinstance(v, str) for v in string_data.values()):
        return  # malformed: left for validation
    if not isinstance(secret.get("data", {}), dict | None):
        return
    if string_data:
        data = ensure_child(secret, "data")
        for key, value in string_data.items():
            data[key] = base64.b64encode(value.encode()).decode()
    del secret["stringData"]


def _container_limit_defaults(item: Obj) -> None:
    """A Container item's default limit comes from max, its default request from the default limit, then
    from min. Empty maps are not written: Go omits them (omitempty)."""
    default = item.get("default") or {}
    request = item.get("defaultRequest") or {}
    if not isinstance(default, dict) or not isinstance(request, dict):
        return
    for name, value in (child(item, "max") or {}).items():
        default.setdefault(name, copy.deepcopy(value))
    for name, value in default.items():
        request.setdefault(name, copy.deepcopy(value))
    for name, value in (child(item, "min") or {}).items():
        request.setdefault(name, copy.deepcopy(value))
    if default:
        item["default"] = default
    if request:
        item["defaultRequest"] = request


def default_limit_range(limit_range: Obj) -> None:
    """``SetDefaults_LimitRangeItem`` and the ResourceLists of every item."""
    for item in items(child(limit_range, "spec"), "limits"):
        if item.get("type") == "Container":
            _container_limit_defaults(item)
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            default_resource_list(item, key)


def default_resource_quota(quota: Obj) -> None:
    """``SetObjectDefaults_ResourceQuota``: ResourceLists only."""
    default_resource_list(child(quota, "spec"), "hard")
    status = child(quota, "status")
    default_resource_list(status, "hard")
    default_resource_list(status, "used")


# ConfigMap's SetDefaults_ConfigMap makes ``data`` an empty map, which Go omits on the wire: nothing visible.
# ServiceAccount, Event, Binding, ComponentStatus: no defaults upstream.
DEFAULTERS = {
    GroupVersionKind("", "v1", "Pod"): default_pod,
    GroupVersionKind("", "v1", "PodTemplate"): default_pod_template_object,
    GroupVersionKind("", "v1", "ReplicationController"): default_replication_controller,
    GroupVersionKind("", "v1", "Service"): default_service,
    GroupVersionKind("", "v1", "Endpoints"): default_endpoints,
    GroupVersionKind("", "v1", "Namespace"): default_namespace,
    GroupVersionKind("", "v1", "Node"): default_node,
    GroupVersionKind("", "v1", "PersistentVolume"): default_persistent_volume,
    GroupVersionKind("", "v1", "PersistentVolumeClaim"): default_persistent_volume_claim,
    GroupVersionKind("", "v1", "Secret"): default_secret,
    GroupVersionKind("", "v1", "LimitRange"): default_limit_range,
    GroupVersionKind("", "v1", "ResourceQuota"): default_resource_quota,
}
