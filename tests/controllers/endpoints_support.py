"""Builders for the Endpoints and EndpointSlice controller tests: Services, pods with IPs and readiness,
Nodes with zones."""

from __future__ import annotations

from typing import Any

from pinnace.client.interface import Object

NAMESPACE = "default"
READY_SINCE = "2025-01-01T00:00:00Z"


def service(
    name: str = "web",
    *,
    selector: dict[str, str] | None = None,
    ports: list[Object] | None = None,
    cluster_ip: str = "10.0.0.10",
    families: tuple[str, ...] = ("IPv4",),
    labels: dict[str, str] | None = None,
    **spec: Any,
) -> Object:
    body: Object = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": dict(labels or {})},
        "spec": {
            "selector": {"app": name} if selector is None else selector,
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]
            if ports is None
            else ports,
            "clusterIP": cluster_ip,
            "ipFamilies": list(families),
            "type": "ClusterIP",
            **spec,
        },
    }
    if body["spec"]["selector"] == "none":
        del body["spec"]["selector"]
    return body


def pod(
    name: str,
    ip: str | None,
    *,
    app: str = "web",
    ready: bool = True,
    node: str = "n1",
    container_ports: list[Object] | None = None,
    labels: dict[str, str] | None = None,
    phase: str = "Running",
    **spec: Any,
) -> Object:
    status: Object = {
        "phase": phase,
        "conditions": [
            {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": READY_SINCE}
        ],
    }
    if ip is not None:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    container: Object = {"name": "c", "image": "nginx"}
    if container_ports:
        container["ports"] = container_ports
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels or {"app": app}},
        "spec": {"containers": [container], **({"nodeName": node} if node else {}), **spec},
        "status": status,
    }


def node(name: str = "n1", zone: str = "") -> Object:
    labels = {"topology.kubernetes.io/zone": zone} if zone else {}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}
