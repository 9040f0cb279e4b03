"""The bootstrap policy, reconciled at start (upstream's ``rbac/bootstrap-roles`` post-start hook,
``pkg/registry/rbac/rest/storage_rbac.go``).

The policy is package data generated from upstream's golden files (``hack/gen_bootstrap_policy.py``):
cluster-admin, admin, edit, view and their aggregated parts, the ``system:*`` roles of users and
components, the ``system:controller:*`` roles, and their bindings. Every API server reconciles it before
it starts listening: missing objects are created, and existing ones gain what the policy adds
(:mod:`~pinnace.apiserver.rbac.reconciliation`), unless annotated
``rbac.authorization.kubernetes.io/autoupdate: "false"``. Several API servers may do so at once; a
conflicting write is read again and retried.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinnace.apiserver import status
from pinnace.apiserver.rbac import hollownodes
from pinnace.apiserver.rbac.index import CLUSTER_ROLE, CLUSTER_ROLE_BINDING
from pinnace.apiserver.rbac.reconciliation import (
    Operation,
    ReconcileResult,
    reconcile_binding,
    reconcile_cluster_role,
)
from pinnace.apiserver.rbac.sync import rbac_store
from pinnace.apiserver.requestcontext import LOOPBACK_USER, acting_as
from pinnace.apiserver.rest.deletion import DeleteOptions
from pinnace.apiserver.rest.resource import ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores

log = logging.getLogger(__name__)

Object = dict[str, Any]

POLICY_FILE = Path(__file__).parent / "data" / "bootstrap-policy.json"
FIELD_MANAGER = "kube-apiserver"
ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class BootstrapPolicy:
    cluster_roles: tuple[Object, ...]
    cluster_role_bindings: tuple[Object, ...]


@functools.cache
def load_policy() -> BootstrapPolicy:
    data = json.loads(POLICY_FILE.read_text())
    # Pinnace's own additions after upstream's (see pinnace.apiserver.rbac.hollownodes).
    return BootstrapPolicy(
        (*data["clusterRoles"], hollownodes.CLUSTER_ROLE),
        (*data["clusterRoleBindings"], hollownodes.CLUSTER_ROLE_BINDING),
    )


async def reconcile_policy(stores: ResourceStores, policy: BootstrapPolicy | None = None) -> dict[str, int]:
    """Reconcile every role, then every binding; returns the newest resourceVersion written per kind
    (0 when nothing was), so callers can wait until the authorizer has seen the writes."""
    policy = policy or load_policy()
    written = {CLUSTER_ROLE: 0, CLUSTER_ROLE_BINDING: 0}
    roles, bindings = rbac_store(stores, CLUSTER_ROLE), rbac_store(stores, CLUSTER_ROLE_BINDING)
    # The API server writes on its own behalf, like upstream's privileged loopback client.
    with acting_as(LOOPBACK_USER):
        for role in policy.cluster_roles:
            revision = await _reconcile(roles, role, reconcile_cluster_role)
            written[CLUSTER_ROLE] = max(written[CLUSTER_ROLE], revision)
        for binding in policy.cluster_role_bindings:
            revision = await _reconcile(bindings, binding, reconcile_binding)
            written[CLUSTER_ROLE_BINDING] = max(written[CLUSTER_ROLE_BINDING], revision)
    return written


async def _reconcile(
    rest: ResourceStore, expected: Object, compute: Callable[[Object | None, Object], ReconcileResult]
) -> int:
    name = expected["metadata"]["name"]
    what = f"{rest.info.kind.lower()}.{rest.info.group}/{name}"
    for _attempt in range(ATTEMPTS):
        try:
            existing: Object | None = await rest.get("", name)
        except status.NotFound:
            existing = None
        result = compute(existing, expected)
        if result.protected:
            if result.operation is not Operation.NONE:
                log.warning("skipped reconcile-protected %s: it lacks what the bootstrap policy adds", what)
            return 0
        try:
            stored = await _write(rest, name, result)
        except (status.AlreadyExists, status.Conflict, status.NotFound):
            continue  # someone else wrote it meanwhile (another API server): read it again
        if stored is None:
            return 0
        log.info(
            "%s %s",
            {Operation.CREATE: "created", Operation.RECREATE: "recreated"}.get(result.operation, "updated"),
            what,
        )
        return int(stored["metadata"]["resourceVersion"])
    raise status.internal_error(f"could not reconcile {what} after {ATTEMPTS} attempts")


async def _write(rest: ResourceStore, name: str, result: ReconcileResult) -> Object | None:
    if result.operation is Operation.CREATE:
        return await rest.create("", result.obj, field_manager=FIELD_MANAGER)
    if result.operation is Operation.RECREATE:
        await rest.delete("", name, DeleteOptions())
        return await rest.create("", result.obj, field_manager=FIELD_MANAGER)
    if result.operation is Operation.UPDATE:
        # result.obj carries the resourceVersion it was computed from: a concurrent write is a Conflict.
        stored, _ = await rest.update("", name, lambda current: result.obj, field_manager=FIELD_MANAGER)
        return stored
    return None
