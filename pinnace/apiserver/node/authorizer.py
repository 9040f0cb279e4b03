"""The Node authorizer's decisions (``plugin/pkg/auth/authorizer/node/node_authorizer.go``, Kubernetes 1.32
with ``AuthorizeNodeWithSelectors`` on, its default).

Only users named ``system:node:<name>`` in group ``system:nodes`` are judged; for everyone else it has no
opinion. For a node:

- secrets and configmaps: ``get``, ``list``, ``watch`` of a named object its pods reference;
- persistentvolumeclaims (and their ``status``) and persistentvolumes: ``get`` of one its pods use;
- pods: ``get`` of a pod bound to it; ``list``/``watch`` only with the field selector
  ``spec.nodeName=<name>``; other verbs by the node rules;
- nodes: read its own Node (``get``, or ``list``/``watch`` selecting ``metadata.name=<name>``); writes by the
  node rules (NodeRestriction admission limits them to its own Node);
- serviceaccounts/token: ``create`` for an account its pods run as;
- everything else: upstream's node rules (the ``system:node`` ClusterRole's rules).

A refusal is NO_OPINION with upstream's reason, so RBAC may still allow, and a final denial reads e.g.
``pods "p2" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the
namespace "default": no relationship found between node 'n1' and this object``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Final

from pinnace.apiserver.authz import NODE_RULES_ERROR, Attributes, Decision, SubjectRules
from pinnace.apiserver.node.graph import CONFIGMAP, POD, PVC, SECRET, SERVICE_ACCOUNT, NodeGraph, Vertex
from pinnace.apiserver.rbac.bootstrap import load_policy
from pinnace.apiserver.rbac.rules import compile_rules, rules_from
from pinnace.apiserver.rest.keys import object_key
from pinnace.apiserver.rest.resource import ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.apiserver.user import NODES_GROUP, UserInfo
from pinnace.apiserver.watchcache import Flush

log = logging.getLogger(__name__)

NODE_USER_PREFIX: Final = "system:node:"
RETRY_SECONDS: Final = 0.5

Object = dict[str, Any]


def node_name(user: UserInfo) -> tuple[bool, str]:
    """``NodeIdentifier.NodeIdentity``: (is a node, its name)."""
    if NODES_GROUP not in user.groups or not user.name.startswith(NODE_USER_PREFIX):
        return False, ""
    return True, user.name.removeprefix(NODE_USER_PREFIX)


def _node_rules() -> tuple[Any, ...]:
    for role in load_policy().cluster_roles:
        if (role.get("metadata") or {}).get("name") == "system:node":
            return compile_rules(rules_from(role))
    return ()


def _selects(field_selector: str, field: str, value: str) -> bool:
    for requirement in field_selector.split(","):
        name, _, wanted = requirement.partition("=")
        if name.strip() == field and wanted.strip().removeprefix("=") == value:
            return True
    return False


class NodeAuthorizer:
    def __init__(self, graph: NodeGraph, claim: Callable[[str, str], Object | None]) -> None:
        self.graph = graph
        self._claim = claim
        self._rules = _node_rules()

    def _rules_allow(self, attributes: Attributes) -> bool:
        return any(rule.allows(attributes) for rule in self._rules)

    def _no_path(self, node: str) -> tuple[Decision, str]:
        return Decision.NO_OPINION, f"no relationship found between node '{node}' and this object"

    def _authorize(self, node: str, kind: str, attributes: Attributes) -> tuple[Decision, str]:
        if not attributes.name:
            return Decision.NO_OPINION, "No Object name found"
        if self.graph.has_path(node, Vertex(kind, attributes.namespace, attributes.name)):
            return Decision.ALLOW, ""
        return self._no_path(node)

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        is_node, node = node_name(attributes.user)
        if not is_node:
            return Decision.NO_OPINION, ""
        if not node:
            return Decision.NO_OPINION, "unknown node"
        if not attributes.resource_request:
            return self._static(attributes)
        group, resource, verb = attributes.api_group, attributes.resource, attributes.verb
        sub = attributes.subresource
        if group == "" and resource in ("secrets", "configmaps"):
            if verb not in ("get", "list", "watch"):
                return Decision.NO_OPINION, "can only read resources of this type"
            if sub:
                return Decision.NO_OPINION, "cannot read subresource"
            if not attributes.namespace:
                return Decision.NO_OPINION, "can only read namespaced object of this type"
            return self._authorize(node, SECRET if resource == "secrets" else CONFIGMAP, attributes)
        if group == "" and resource == "persistentvolumeclaims":
            if sub == "status":
                if verb not in ("update", "patch"):
                    return Decision.NO_OPINION, "can only get/update/patch this type"
                return self._authorize(node, PVC, attributes)
            return self._get_only(node, PVC, attributes)
        if group == "" and resource == "persistentvolumes":
            if verb != "get":
                return Decision.NO_OPINION, "can only get individual resources of this type"
            if sub:
                return Decision.NO_OPINION, "cannot get subresource"
            return self._volume(node, attributes)
        if group == "" and resource == "serviceaccounts" and sub == "token":
            if verb != "create":
                return Decision.NO_OPINION, "can only create tokens for individual service accounts"
            return self._authorize(node, SERVICE_ACCOUNT, attributes)
        if group == "" and resource == "pods":
            return self._pod(node, attributes)
        if group == "" and resource == "nodes":
            return self._node(node, attributes)
        return self._static(attributes)

    def _static(self, attributes: Attributes) -> tuple[Decision, str]:
        return (Decision.ALLOW, "") if self._rules_allow(attributes) else (Decision.NO_OPINION, "")

    def _get_only(self, node: str, kind: str, attributes: Attributes) -> tuple[Decision, str]:
        if attributes.verb != "get":
            return Decision.NO_OPINION, "can only get individual resources of this type"
        if attributes.subresource:
            return Decision.NO_OPINION, "cannot get subresource"
        return self._authorize(node, kind, attributes)

    def _volume(self, node: str, attributes: Attributes) -> tuple[Decision, str]:
        if not attributes.name:
            return Decision.NO_OPINION, "No Object name found"
        for claim in self.graph.claims_on(node):
            found = self._claim(claim.namespace, claim.name)
            if found is not None and (found.get("spec") or {}).get("volumeName") == attributes.name:
                return Decision.ALLOW, ""
        return self._no_path(node)

    def _pod(self, node: str, attributes: Attributes) -> tuple[Decision, str]:
        if attributes.verb == "get" and not attributes.subresource:
            return self._authorize(node, POD, attributes)
        if attributes.verb in ("list", "watch") and not attributes.subresource:
            if _selects(attributes.field_selector, "spec.nodeName", node):
                return Decision.ALLOW, ""
            return Decision.NO_OPINION, "can only list/watch pods with spec.nodeName field selector"
        return self._static(attributes)

    def _node(self, node: str, attributes: Attributes) -> tuple[Decision, str]:
        verb = attributes.verb
        if verb == "get" and not attributes.subresource:
            if attributes.name == node:
                return Decision.ALLOW, ""
        elif verb in ("list", "watch") and not attributes.subresource:
            if attributes.name == node or _selects(attributes.field_selector, "metadata.name", node):
                return Decision.ALLOW, ""
        else:
            return self._static(attributes)
        return Decision.NO_OPINION, f"node '{node}' cannot read '{attributes.name}', only its own Node object"

    async def rules_for(self, user: UserInfo, namespace: str) -> SubjectRules:
        if node_name(user)[0]:
            return SubjectRules(incomplete=True, errors=(NODE_RULES_ERROR,))
        return SubjectRules()


class NodeGraphSync:
    """Keeps the graph current from the pods watch cache (upstream's graph populator)."""

    def __init__(self, graph: NodeGraph, stores: ResourceStores) -> None:
        self.graph = graph
        pods = stores.get("", "v1", "pods")
        claims = stores.get("", "v1", "persistentvolumeclaims")
        if pods is None or claims is None:
            raise LookupError("the API server serves no pods or persistentvolumeclaims")
        self._pods: ResourceStore = pods
        self._claims: ResourceStore = claims
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def claim(self, namespace: str, name: str) -> Object | None:
        return self._claims.cache.get(object_key(self._claims.info, namespace, name))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._follow(), name="node graph sync")

    async def wait_synced(self) -> None:
        await self._synced.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _follow(self) -> None:
        while True:
            try:
                await self._follow_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("node graph lost its watch of pods; watching again")
                await asyncio.sleep(RETRY_SECONDS)

    async def _follow_once(self) -> None:
        cache = self._pods.cache
        stream = await cache.watch(cache.prefix, 0, initial_events=True)
        listing: list[Object] | None = []
        async for item in stream:
            if isinstance(item, Flush):
                continue
            if isinstance(item, int):
                if listing is not None:
                    self.graph.reset(listing)
                    listing = None
                    self._synced.set()
                continue
            if listing is not None:
                listing.append(item.object)
                continue
            self.graph.apply(item.object, deleted=item.type == "DELETED")
