"""RBAC in one API server: the parts and their order at start.

```
 watch caches of roles, clusterroles, rolebindings, clusterrolebindings
        │ RBACSync (one follower per kind)
        ▼
   RBACIndex ──► RBACAuthorizer (authorization chain, reviews)
        │   └──► EscalationPolicy ──► PolicyBasedStore (writes of the four kinds)
        └──► ClusterRoleAggregator (aggregated ClusterRoles, background task)
```

:meth:`RBAC.start` follows the caches until the index holds everything, reconciles the bootstrap policy,
waits until the index has seen those writes (so the components' first requests are authorized), and
starts the aggregator; only then does the server listen. :meth:`RBAC.stop` ends the background tasks.
"""

from __future__ import annotations

import asyncio
import contextlib

from pinnace.apiserver.authz import Authorizer
from pinnace.apiserver.rbac.aggregation import ClusterRoleAggregator
from pinnace.apiserver.rbac.authorizer import RBACAuthorizer
from pinnace.apiserver.rbac.bootstrap import reconcile_policy
from pinnace.apiserver.rbac.escalation import EscalationPolicy
from pinnace.apiserver.rbac.index import CLUSTER_ROLE, RBACIndex
from pinnace.apiserver.rbac.policybased import PolicyBasedStore
from pinnace.apiserver.rbac.sync import RBAC_GROUP, RBAC_VERSION, RESOURCES, RBACSync, rbac_store
from pinnace.apiserver.rest.stores import ResourceStores


class RBAC:
    def __init__(self, stores: ResourceStores) -> None:
        self.stores = stores
        self.index = RBACIndex()
        self.sync = RBACSync(self.index, stores)
        self.authorizer = RBACAuthorizer(self.index)
        self._aggregator_task: asyncio.Task[None] | None = None

    def protect_stores(self, chain: Authorizer) -> None:
        """Serve the four RBAC kinds through escalation-checking stores; ``chain`` is the whole
        authorization chain, asked for the ``escalate`` and ``bind`` verbs."""
        policy = EscalationPolicy(chain, self.index)
        for resource in RESOURCES.values():
            self.stores.replace(
                RBAC_GROUP, RBAC_VERSION, resource, lambda base: PolicyBasedStore(base, policy)
            )

    async def start(self) -> None:
        self.sync.start()
        await self.sync.wait_synced()
        written = await reconcile_policy(self.stores)
        for kind, revision in written.items():
            await self.sync.wait_for(kind, revision)
        aggregator = ClusterRoleAggregator(self.index, rbac_store(self.stores, CLUSTER_ROLE))
        self._aggregator_task = asyncio.get_running_loop().create_task(
            aggregator.run(), name="clusterrole aggregation"
        )

    async def stop(self) -> None:
        if self._aggregator_task is not None:
            self._aggregator_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._aggregator_task
            self._aggregator_task = None
        await self.sync.stop()
