"""Which objects each node's pods refer to (upstream's ``graph.go`` and ``graph_populator.go``, reduced).

Upstream keeps a graph of vertices (pods, secrets, configmaps, claims, volumes, service accounts, ...) with
edges towards the node they end at. Here a pod bound to a node contributes the vertices it names — itself,
its secrets, configmaps, claims and service account — each counted per node, so a secret two pods on a
node share stays reachable until both are gone. A PersistentVolume is reached through a claim on the
node (the authorizer looks the claim up, as the graph's pvc → pv edge does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

Object = dict[str, Any]

POD: Final = "pod"
SECRET: Final = "secret"
CONFIGMAP: Final = "configmap"
PVC: Final = "pvc"
SERVICE_ACCOUNT: Final = "serviceaccount"


@dataclass(frozen=True, slots=True)
class Vertex:
    kind: str
    namespace: str
    name: str


def _dicts(value: Any) -> Iterator[Object]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _containers(spec: Object) -> Iterator[Object]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        yield from _dicts(spec.get(field))


def pod_references(pod: Object) -> set[Vertex]:
    """The vertices a pod reaches (upstream ``VisitPodSecretNames``, ``VisitPodConfigmapNames``, claims)."""
    metadata = pod.get("metadata") or {}
    namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
    spec = pod.get("spec") or {}
    refs = {Vertex(POD, namespace, name)}

    def add(kind: str, ref: Any) -> None:
        if isinstance(ref, str) and ref:
            refs.add(Vertex(kind, namespace, ref))

    add(SERVICE_ACCOUNT, spec.get("serviceAccountName") or "default")
    for secret in _dicts(spec.get("imagePullSecrets")):
        add(SECRET, secret.get("name"))
    for container in _containers(spec):
        for source in _dicts(container.get("envFrom")):
            add(SECRET, (source.get("secretRef") or {}).get("name"))
            add(CONFIGMAP, (source.get("configMapRef") or {}).get("name"))
        for env in _dicts(container.get("env")):
            value_from = env.get("valueFrom") or {}
            add(SECRET, (value_from.get("secretKeyRef") or {}).get("name"))
            add(CONFIGMAP, (value_from.get("configMapKeyRef") or {}).get("name"))
    for volume in _dicts(spec.get("volumes")):
        add(SECRET, (volume.get("secret") or {}).get("secretName"))
        add(CONFIGMAP, (volume.get("configMap") or {}).get("name"))
        add(PVC, (volume.get("persistentVolumeClaim") or {}).get("claimName"))
        if volume.get("ephemeral") is not None:
            add(PVC, f"{name}-{volume.get('name', '')}")  # the generic ephemeral volume's claim
        for source in _dicts((volume.get("projected") or {}).get("sources")):
            add(SECRET, (source.get("secret") or {}).get("name"))
            add(CONFIGMAP, (source.get("configMap") or {}).get("name"))
        for plugin in volume.values():
            # azureFile, cephfs, cinder, flexVolume, iscsi, rbd, scaleIO, storageos, csi: secret refs
            if isinstance(plugin, dict):
                for field in ("secretRef", "nodePublishSecretRef"):
                    add(SECRET, (plugin.get(field) or {}).get("name"))
                add(SECRET, plugin.get("secretName") if "shareName" in plugin else None)
    return refs


class NodeGraph:
    def __init__(self) -> None:
        self._pods: dict[tuple[str, str], tuple[str, frozenset[Vertex]]] = {}
        self._edges: dict[Vertex, Counter[str]] = {}

    def reset(self, pods: Iterable[Object]) -> None:
        self._pods.clear()
        self._edges.clear()
        for pod in pods:
            self.apply(pod, deleted=False)

    def apply(self, pod: Object, *, deleted: bool) -> None:
        metadata = pod.get("metadata") or {}
        key = (str(metadata.get("namespace", "")), str(metadata.get("name", "")))
        previous = self._pods.pop(key, None)
        if previous is not None:
            node, refs = previous
            for vertex in refs:
                counts = self._edges.get(vertex)
                if counts is not None:
                    counts[node] -= 1
                    if counts[node] <= 0:
                        del counts[node]
                    if not counts:
                        del self._edges[vertex]
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        if deleted or not node:
            return
        refs = frozenset(pod_references(pod))
        self._pods[key] = (node, refs)
        for vertex in refs:
            self._edges.setdefault(vertex, Counter())[node] += 1

    def has_path(self, node: str, vertex: Vertex) -> bool:
        counts = self._edges.get(vertex)
        return counts is not None and counts.get(node, 0) > 0

    def claims_on(self, node: str) -> list[Vertex]:
        return [v for v, counts in self._edges.items() if v.kind == PVC and counts.get(node, 0) > 0]
