"""Printers for the core group (``v1``), after kubernetes/pkg/printers/internalversion/printers.go.

Pods live in :mod:`pinnace.api.printers.pods` and events (shared with ``events.k8s.io``) in
:mod:`pinnace.api.printers.events`. LimitRange has no printer upstream (its storage uses the default
``Name``/``Created At`` table), so it is absent here. Cells read fields as upstream's v1 defaulting leaves
them: where a defaulted field is missing it reads as its default (a Service port's protocol ``TCP``, a
PersistentVolume's ``volumeMode`` ``Filesystem``), which is what a real cluster would print.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, CONTAINERS, IMAGES, NAME, Cell, TablePrinter, column, doc, wide
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.events import EVENT
from pinnace.api.printers.fields import (
    Obj,
    creation_timestamp,
    get_dict,
    get_dicts,
    get_int,
    get_list,
    get_opt_dict,
    get_opt_str,
    get_str,
    get_str_map,
    is_deleting,
    name_of,
)
from pinnace.api.printers.formatting import (
    format_labels,
    join_host_port,
    layout_container_cells,
    load_balancer_addresses,
    zero_or_quantity,
)
from pinnace.api.printers.pods import POD

LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_LABEL_ROLE = "kubernetes.io/role"
BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def _age(obj: Obj, now: datetime) -> str:
    return translate_timestamp_since(creation_timestamp(obj), now)


# --- PodTemplate --------------------------------------------------------------------------------------------


def pod_template_cells(obj: Obj, now: datetime) -> list[Cell]:
    template = get_dict(obj, "template")
    names, images = layout_container_cells(get_dicts(template, "spec", "containers"))
    return [name_of(obj), names, images, format_labels(get_str_map(template, "metadata", "labels"))]


POD_TEMPLATE = TablePrinter(
    (
        NAME,
        column("Containers", "Names of each container in the template."),
        column("Images", "Images referenced by each container in the template."),
        column("Pod Labels", "The labels for the pod template."),
    ),
    pod_template_cells,
)


# --- ReplicationController ----------------------------------------------------------------------------------


def replication_controller_cells(obj: Obj, now: datetime) -> list[Cell]:
    names, images = layout_container_cells(get_dicts(obj, "spec", "template", "spec", "containers"))
    return [
        name_of(obj),
        get_int(obj, "spec", "replicas", default=1),
        get_int(obj, "status", "replicas"),
        get_int(obj, "status", "readyReplicas"),
        _age(obj, now),
        names,
        images,
        format_labels(get_str_map(obj, "spec", "selector")),
    ]


REPLICATION_CONTROLLER = TablePrinter(
    (
        NAME,
        column("Desired", doc("core/v1.ReplicationControllerSpec.replicas"), type="integer"),
        column("Current", doc("core/v1.ReplicationControllerStatus.replicas"), type="integer"),
        column("Ready", doc("core/v1.ReplicationControllerStatus.readyReplicas"), type="integer"),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", doc("core/v1.ReplicationControllerSpec.selector")),
    ),
    replication_controller_cells,
)


# --- Service ------------------------------------------------------------------------------------------------


def service_external_ip(svc: Obj, *, wide: bool = True) -> str:
    """``getServiceExternalIP``: external IPs, the load balancer's addresses, ``<pending>`` or ``<none>``."""
    spec = get_dict(svc, "spec")
    external_ips = [ip for ip in get_list(spec, "externalIPs") if isinstance(ip, str)]
    svc_type = get_str(spec, "type") or "ClusterIP"
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) if external_ips else "<none>"
    if svc_type == "LoadBalancer":
        lb_ips = load_balancer_addresses(get_dicts(svc, "status", "loadBalancer", "ingress"), wide=wide)
        if external_ips:
            return ",".join([*(lb_ips.split(",") if lb_ips else []), *external_ips])
        return lb_ips or "<pending>"
    if svc_type == "ExternalName":
        return get_str(spec, "externalName")
    return "<unknown>"


def service_ports(ports: list[Obj]) -> str:
    """``makePortString``: ``80/TCP``, ``443:30443/TCP``, comma-joined."""
    pieces = []
    for port in ports:
        number = get_int(port, "port")
        protocol = get_str(port, "protocol") or "TCP"
        node_port = get_int(port, "nodePort")
        pieces.append(f"{number}:{node_port}/{protocol}" if node_port > 0 else f"{number}/{protocol}")
    return ",".join(pieces)


def _cluster_ip(spec: Obj) -> str:
    # Upstream prints clusterIPs[0]; the Service strategy fills it from clusterIP (normalizeClusterIPs).
    cluster_ips = [ip for ip in get_list(spec, "clusterIPs") if isinstance(ip, str)]
    if cluster_ips:
        return cluster_ips[0]
    return get_str(spec, "clusterIP") or "<none>"


def service_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    return [
        name_of(obj),
        get_str(spec, "type") or "ClusterIP",
        _cluster_ip(spec),
        service_external_ip(obj),
        service_ports(get_dicts(spec, "ports")) or "<none>",
        _age(obj, now),
        format_labels(get_str_map(spec, "selector")),
    ]


SERVICE = TablePrinter(
    (
        NAME,
        column("Type", doc("core/v1.ServiceSpec.type")),
        column("Cluster-IP", doc("core/v1.ServiceSpec.clusterIP")),
        column("External-IP", doc("core/v1.ServiceSpec.externalIPs")),
        column("Port(s)", doc("core/v1.ServiceSpec.ports")),
        AGE,
        wide("Selector", doc("core/v1.ServiceSpec.selector")),
    ),
    service_cells,
)


# --- Endpoints ----------------------------------------------------------------------------------------------


def format_endpoints(endpoints: Obj) -> str:
    """``formatEndpoints`` with all ports: up to three ``ip:port`` then ``" + N more..."``."""
    subsets = get_dicts(endpoints, "subsets")
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit = 3
    more = False
    count = 0
    for subset in subsets:
        addresses = [get_str(a, "ip") for a in get_dicts(subset, "addresses")]
        ports = get_dicts(subset, "ports")
        if not ports:
            # A headless service may have no ports: list bare addresses.
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(ip)
            continue
        for port in ports:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(join_host_port(ip, get_int(port, "port")))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


ENDPOINTS = TablePrinter(
    (NAME, column("Endpoints", doc("core/v1.Endpoints.subsets")), AGE),
    lambda obj, now: [name_of(obj), format_endpoints(obj), _age(obj, now)],
)


# --- Node ---------------------------------------------------------------------------------------------------


def node_status(node: Obj) -> str:
    """``Ready``/``NotReady``/``Unknown`` from the Ready condition, ``SchedulingDisabled`` if cordoned."""
    ready: Obj | None = None
    for condition in get_dicts(node, "status", "conditions"):
        if get_str(condition, "type") == "Ready":
            ready = condition  # the last one wins, as in upstream's condition map
    status = ["Unknown" if ready is None else "Ready" if get_str(ready, "status") == "True" else "NotReady"]
    if get_dict(node, "spec").get("unschedulable") is True:
        status.append("SchedulingDisabled")
    return ",".join(status)


def node_roles(node: Obj) -> str:
    """``findNodeRoles``: ``node-role.kubernetes.io/<role>`` keys and ``kubernetes.io/role`` values."""
    roles: set[str] = set()
    for key, value in get_str_map(node, "metadata", "labels").items():
        if key.startswith(LABEL_NODE_ROLE_PREFIX):
            role = key.removeprefix(LABEL_NODE_ROLE_PREFIX)
            if role:
                roles.add(role)
        elif key == NODE_LABEL_ROLE and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _node_address(node: Obj, address_type: str) -> str:
    for address in get_dicts(node, "status", "addresses"):
        if get_str(address, "type") == address_type:
            return get_str(address, "address")
    return "<none>"


def node_cells(obj: Obj, now: datetime) -> list[Cell]:
    info = get_dict(obj, "status", "nodeInfo")
    return [
        name_of(obj),
        node_status(obj),
        node_roles(obj),
        _age(obj, now),
        get_str(info, "kubeletVersion"),
        _node_address(obj, "InternalIP"),
        _node_address(obj, "ExternalIP"),
        get_str(info, "osImage") or "<unknown>",
        get_str(info, "kernelVersion") or "<unknown>",
        get_str(info, "containerRuntimeVersion") or "<unknown>",
    ]


NODE = TablePrinter(
    (
        NAME,
        column("Status", "The status of the node"),
        column("Roles", "The roles of the node"),
        AGE,
        column("Version", doc("core/v1.NodeSystemInfo.kubeletVersion")),
        wide("Internal-IP", doc("core/v1.NodeStatus.addresses")),
        wide("External-IP", doc("core/v1.NodeStatus.addresses")),
        wide("OS-Image", doc("core/v1.NodeSystemInfo.osImage")),
        wide("Kernel-Version", doc("core/v1.NodeSystemInfo.kernelVersion")),
        wide("Container-Runtime", doc("core/v1.NodeSystemInfo.containerRuntimeVersion")),
    ),
    node_cells,
)


# --- Namespace, Secret, ServiceAccount, ConfigMap -----------------------------------------------------------

NAMESPACE = TablePrinter(
    (NAME, column("Status", "The status of the namespace"), AGE),
    # SetDefaults_NamespaceStatus: a missing phase is Active.
    lambda obj, now: [name_of(obj), get_str(obj, "status", "phase") or "Active", _age(obj, now)],
)

SECRET = TablePrinter(
    (NAME, column("Type", doc("core/v1.Secret.type")), column("Data", doc("core/v1.Secret.data")), AGE),
    # SetDefaults_Secret: a missing type is Opaque.
    lambda obj, now: [
        name_of(obj),
        get_str(obj, "type") or "Opaque",
        len(get_dict(obj, "data")),
        _age(obj, now),
    ],
)

SERVICE_ACCOUNT = TablePrinter(
    (NAME, column("Secrets", doc("core/v1.ServiceAccount.secrets")), AGE),
    lambda obj, now: [name_of(obj), len(get_list(obj, "secrets")), _age(obj, now)],
)

CONFIG_MAP = TablePrinter(
    (NAME, column("Data", doc("core/v1.ConfigMap.data")), AGE),
    lambda obj, now: [
        name_of(obj),
        len(get_dict(obj, "data")) + len(get_dict(obj, "binaryData")),
        _age(obj, now),
    ],
)


# --- PersistentVolume, PersistentVolumeClaim ----------------------------------------------------------------


def access_modes(modes: list[object]) -> str:
    """``helper.GetAccessModesAsString``: RWO, ROX, RWX, RWOP in that order, duplicates dropped."""
    abbreviations = (
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    )
    return ",".join(short for mode, short in abbreviations if mode in modes)


def _storage_class(obj: Obj) -> str | None:
    annotations = get_dict(obj, "metadata", "annotations")
    value = annotations.get(BETA_STORAGE_CLASS_ANNOTATION)
    return value if isinstance(value, str) else None


def _volume_attributes_class(spec: Obj) -> str:
    name = get_opt_str(spec, "volumeAttributesClassName")
    return "<unset>" if name is None else name


def persistent_volume_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    claim = get_opt_dict(spec, "claimRef")
    claim_cell = f"{get_str(claim, 'namespace')}/{get_str(claim, 'name')}" if claim is not None else ""
    # SetDefaults_PersistentVolume: phase Pending, reclaim policy Retain, volumeMode Filesystem.
    phase = "Terminating" if is_deleting(obj) else get_str(obj, "status", "phase") or "Pending"
    storage_class = _storage_class(obj)
    return [
        name_of(obj),
        zero_or_quantity(get_dict(spec, "capacity").get("storage")),
        access_modes(list(get_list(spec, "accessModes"))),
        get_str(spec, "persistentVolumeReclaimPolicy") or "Retain",
        phase,
        claim_cell,
        storage_class if storage_class is not None else get_str(spec, "storageClassName"),
        _volume_attributes_class(spec),
        get_str(obj, "status", "reason"),
        _age(obj, now),
        get_str(spec, "volumeMode") or "Filesystem",
    ]


PERSISTENT_VOLUME = TablePrinter(
    (
        NAME,
        column("Capacity", doc("core/v1.PersistentVolumeSpec.capacity")),
        column("Access Modes", doc("core/v1.PersistentVolumeSpec.accessModes")),
        column("Reclaim Policy", doc("core/v1.PersistentVolumeSpec.persistentVolumeReclaimPolicy")),
        column("Status", doc("core/v1.PersistentVolumeStatus.phase")),
        column("Claim", doc("core/v1.PersistentVolumeSpec.claimRef")),
        column("StorageClass", "StorageClass of the pv"),
        column("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
        column("Reason", doc("core/v1.PersistentVolumeStatus.reason")),
        AGE,
        wide("VolumeMode", doc("core/v1.PersistentVolumeSpec.volumeMode")),
    ),
    persistent_volume_cells,
)


def persistent_volume_claim_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    status = get_dict(obj, "status")
    volume_name = get_str(spec, "volumeName")
    capacity = ""
    modes = ""
    if volume_name:
        modes = access_modes(list(get_list(status, "accessModes")))
        capacity = zero_or_quantity(get_dict(status, "capacity").get("storage"))
    storage_class = _storage_class(obj)
    if storage_class is None:
        storage_class = get_opt_str(spec, "storageClassName") or ""
    return [
        name_of(obj),
        "Terminating" if is_deleting(obj) else get_str(status, "phase") or "Pending",
        volume_name,
        capacity,
        modes,
        storage_class,
        _volume_attributes_class(spec),
        _age(obj, now),
        get_str(spec, "volumeMode") or "Filesystem",
    ]


PERSISTENT_VOLUME_CLAIM = TablePrinter(
    (
        NAME,
        column("Status", doc("core/v1.PersistentVolumeClaimStatus.phase")),
        column("Volume", doc("core/v1.PersistentVolumeClaimSpec.volumeName")),
        column("Capacity", doc("core/v1.PersistentVolumeClaimStatus.capacity")),
        column("Access Modes", doc("core/v1.PersistentVolumeClaimStatus.accessModes")),
        column("StorageClass", "StorageClass of the pvc"),
        column("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
        AGE,
        wide("VolumeMode", doc("core/v1.PersistentVolumeClaimSpec.volumeMode")),
    ),
    persistent_volume_claim_cells,
)


# --- ResourceQuota, ComponentStatus -------------------------------------------------------------------------


def resource_quota_cells(obj: Obj, now: datetime) -> list[Cell]:
    """``used/hard`` per resource of ``status.hard``, sorted; ``limits.*`` go to the LIMIT column."""
    hard = get_dict(obj, "status", "hard")
    used = get_dict(obj, "status", "used")
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        pieces = resource.split(".")
        target = limits if len(pieces) > 1 and pieces[0] == "limits" else requests
        target.append(
            f"{resource}: {zero_or_quantity(used.get(resource))}/{zero_or_quantity(hard[resource])}"
        )
    # Kubernetes 1.32 orders the columns Name, Age, Request, Limit (1.33 moved Age last).
    return [name_of(obj), _age(obj, now), ", ".join(requests), ", ".join(limits)]


RESOURCE_QUOTA = TablePrinter(
    (
        NAME,
        AGE,
        column("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
        column(
            "Limit",
            "Limits control the maximum amount of cpu/memory that a container may use independent of "
            "contention on the node.",
        ),
    ),
    resource_quota_cells,
)


def component_status_cells(obj: Obj, now: datetime) -> list[Cell]:
    status, message, error = "Unknown", "", ""
    for condition in get_dicts(obj, "conditions"):
        if get_str(condition, "type") == "Healthy":
            status = "Healthy" if get_str(condition, "status") == "True" else "Unhealthy"
            message = get_str(condition, "message")
            error = get_str(condition, "error")
            break
    return [name_of(obj), status, message, error]


COMPONENT_STATUS = TablePrinter(
    (
        NAME,
        column("Status", "Status of the component conditions"),
        column("Message", "Message of the component conditions"),
        column("Error", "Error of the component conditions"),
    ),
    component_status_cells,
)


PRINTERS: dict[str, TablePrinter] = {
    "ComponentStatus": COMPONENT_STATUS,
    "ConfigMap": CONFIG_MAP,
    "Endpoints": ENDPOINTS,
    "Event": EVENT,
    "Namespace": NAMESPACE,
    "Node": NODE,
    "PersistentVolume": PERSISTENT_VOLUME,
    "PersistentVolumeClaim": PERSISTENT_VOLUME_CLAIM,
    "Pod": POD,
    "PodTemplate": POD_TEMPLATE,
    "ReplicationController": REPLICATION_CONTROLLER,
    "ResourceQuota": RESOURCE_QUOTA,
    "Secret": SECRET,
    "Service": SERVICE,
    "ServiceAccount": SERVICE_ACCOUNT,
}
"""Core-group printers by kind."""
