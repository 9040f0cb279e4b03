"""ClusterRole aggregation, kept current inside the API server (upstream's clusterrole-aggregation
controller, ``pkg/controller/clusterroleaggregation``, which runs in kube-controller-manager).

A ClusterRole with ``aggregationRule.clusterRoleSelectors`` holds the rules of every other ClusterRole a
selector matches: selector by selector, roles by name, each rule once, in that order. ``admin``, ``edit``
and ``view`` are built so (``rbac.authorization.k8s.io/aggregate-to-*`` labels), and so is any role a
user labels to join them. Whenever a ClusterRole changes, every aggregated role is computed again and
written if its rules differ (an update with field manager ``clusterrole-aggregation-controller``; upstream
applies). Writes go through the API server's storage as its own loopback user, so they are judged as
upstream's controller is (it holds ``escalate`` on clusterroles).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pinnace.api.labels import SelectorParseError, from_label_selector_object
from pinnace.apiserver import status
from pinnace.apiserver.rbac.index import RBACIndex
from pinnace.apiserver.requestcontext import LOOPBACK_USER, acting_as
from pinnace.apiserver.rest.resource import ResourceStore

log = logging.getLogger(__name__)

Object = dict[str, Any]

FIELD_MANAGER = "clusterrole-aggregation-controller"
RETRY_SECONDS = 1.0


def _normalized(rule: Object) -> Object:
    """A rule with empty lists left out: upstream compares with ``equality.Semantic`` (nil == empty)."""
    return {key: value for key, value in rule.items() if value not in (None, [], "")}


def aggregated_rules(role: Object, cluster_roles: dict[str, Object]) -> list[Object] | None:
    """The rules ``role`` should hold, or None when it aggregates nothing (no aggregationRule)."""
    aggregation = role.get("aggregationRule")
    if not aggregation:
        return None
    own_name = role["metadata"]["name"]
    rules: list[Object] = []
    for selector_object in aggregation.get("clusterRoleSelectors") or ():
        try:
            selector = from_label_selector_object(selector_object)
        except SelectorParseError as err:
            log.warning("clusterrole %s has an invalid aggregation selector: %s", own_name, err)
            return None
        for name in sorted(cluster_roles):
            other = cluster_roles[name]
            if name == own_name or not selector.matches((other.get("metadata") or {}).get("labels") or {}):
                continue
            for rule in other.get("rules") or ():
                normalized = _normalized(rule)
                if normalized not in rules:
                    rules.append(normalized)
    return rules


class ClusterRoleAggregator:
    def __init__(self, index: RBACIndex, cluster_roles: ResourceStore) -> None:
        self._index = index
        self._rest = cluster_roles
        self._changed = asyncio.Event()
        self._changed.set()  # a first pass over what the index already holds
        index.on_cluster_roles_changed(self._changed.set)

    async def run(self) -> None:
        """Until cancelled: after each change of any ClusterRole, bring every aggregated role up to date."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            try:
                await self.sync_all()
            except status.StatusError as err:
                log.warning("clusterrole aggregation failed (%s); retrying", err)
                await asyncio.sleep(RETRY_SECONDS)
                self._changed.set()

    async def sync_all(self) -> None:
        cluster_roles = dict(self._index.cluster_role_objects)
        for name, role in sorted(cluster_roles.items()):
            wanted = aggregated_rules(role, cluster_roles)
            if wanted is None or wanted == [_normalized(rule) for rule in role.get("rules") or ()]:
                continue
            await self._write(name, wanted)

    async def _write(self, name: str, rules: list[Object]) -> None:
        changed = False

        def with_rules(current: Object) -> Object:
            nonlocal changed
            # The index may lag behind this loop's own last write: then there is nothing to do.
            changed = [_normalized(rule) for rule in current.get("rules") or ()] != rules
            current["rules"] = rules
            current["metadata"].pop("resourceVersion", None)
            return current

        with acting_as(LOOPBACK_USER):
            try:
                await self._rest.update("", name, with_rules, field_manager=FIELD_MANAGER)
            except status.NotFound:
                return  # deleted meanwhile
        if changed:
            log.info("aggregated %d rules into clusterrole %s", len(rules), name)
