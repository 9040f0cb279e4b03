"""The zone-interleaved node order (``pkg/scheduler/backend/cache/node_tree.go``).

Nodes are grouped by zone key (region + zone labels); :meth:`NodeTree.list` takes the first node of every
zone, then the second of every zone, and so on. Scheduling walks nodes in this order (from a rotating start
index), so that a cycle that stops early after enough feasible nodes still sees every zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

LABEL_TOPOLOGY_ZONE: Final = "topology.kubernetes.io/zone"
LABEL_TOPOLOGY_REGION: Final = "topology.kubernetes.io/region"
LABEL_FAILURE_DOMAIN_BETA_ZONE: Final = "failure-domain.beta.kubernetes.io/zone"
LABEL_FAILURE_DOMAIN_BETA_REGION: Final = "failure-domain.beta.kubernetes.io/region"
LABEL_HOSTNAME: Final = "kubernetes.io/hostname"


def zone_key(labels: Mapping[str, str]) -> str:
    """``utilnode.GetZoneKey``: ``region:\\x00:zone``, or "" when the node has neither label."""
    zone = labels.get(LABEL_TOPOLOGY_ZONE, labels.get(LABEL_FAILURE_DOMAIN_BETA_ZONE, ""))
    region = labels.get(LABEL_TOPOLOGY_REGION, labels.get(LABEL_FAILURE_DOMAIN_BETA_REGION, ""))
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


class NodeTree:
    """Node names per zone, zones in the order they were first seen, nodes in the order they were added."""

    def __init__(self) -> None:
        self._tree: dict[str, list[str]] = {}
        self._zone_of: dict[str, str] = {}
        self.version = 0

    def __len__(self) -> int:
        return len(self._zone_of)

    def add(self, name: str, labels: Mapping[str, str]) -> None:
        if name in self._zone_of:
            return
        zone = zone_key(labels)
        self._tree.setdefault(zone, []).append(name)
        self._zone_of[name] = zone
        self.version += 1

    def remove(self, name: str) -> None:
        zone = self._zone_of.pop(name, None)
        if zone is None:
            return
        names = self._tree[zone]
        names.remove(name)
        if not names:
            del self._tree[zone]
        self.version += 1

    def update(self, name: str, labels: Mapping[str, str]) -> None:
        """Move the node when its zone key changed (``nodeTree.updateNode``)."""
        zone = zone_key(labels)
        if self._zone_of.get(name) == zone:
            return
        self.remove(name)
        self.add(name, labels)

    def list(self) -> list[str]:
        """Round-robin over zones: every zone's first node, then every zone's second node..."""
        zones = list(self._tree.values())
        out: list[str] = []
        depth = max((len(names) for names in zones), default=0)
        for i in range(depth):
            for names in zones:
                if i < len(names):
                    out.append(names[i])
        return out
