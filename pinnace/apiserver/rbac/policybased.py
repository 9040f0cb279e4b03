"""The RBAC resources' storage with escalation checks (upstream ``pkg/registry/rbac/*/policybased``).

Upstream wraps the generic store of roles, cluster roles and both bindings: ``Create`` checks the new
object, ``Update`` checks the updated object inside the retry loop, once the request's change has been
applied to the current one (so a patch is judged by its result). :class:`PolicyBasedStore` does the same
around :class:`ResourceStore`; who is writing comes from :mod:`pinnace.apiserver.requestcontext`. Dry runs
are checked too, since upstream checks before the write, whatever the write then does.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from pinnace.apiserver import status
from pinnace.apiserver.rbac.escalation import EscalationPolicy
from pinnace.apiserver.rbac.index import CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING
from pinnace.apiserver.requestcontext import user_from_context
from pinnace.apiserver.rest.resource import ResourceStore
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]

POLICY_BASED_KINDS = (ROLE, CLUSTER_ROLE, ROLE_BINDING, CLUSTER_ROLE_BINDING)


class PolicyBasedStore(ResourceStore):
    """A ResourceStore of Roles, ClusterRoles, RoleBindings or ClusterRoleBindings that refuses escalation."""

    def __init__(self, base: ResourceStore, policy: EscalationPolicy) -> None:
        super().__init__(base.info, base.store, base.cache, base.hooks)
        self._policy = policy

    async def _check(self, namespace: str, url_name: str, obj: Object, old: Object | None) -> None:
        user = _user()
        kind = self.info.kind
        if kind in (ROLE, CLUSTER_ROLE):
            await self._policy.check_role(kind, user, namespace, url_name, obj, old)
        else:
            await self._policy.check_binding(self.info.plural, user, namespace, obj, old)

    async def create(
        self, namespace: str, obj: Object, *, dry_run: bool = False, field_manager: str | None = None
    ) -> Object:
        # The name in the URL of a create is empty, as upstream's escalate check sees it.
        await self._check(namespace, "", obj, None)
        return await super().create(namespace, obj, dry_run=dry_run, field_manager=field_manager)

    async def update(
        self,
        namespace: str,
        name: str,
        transform: Callable[[Object], Awaitable[Object] | Object],
        *,
        subresource: str = "",
        dry_run: bool = False,
        validate: bool = True,
        create_if_missing: Callable[[], Awaitable[Object]] | None = None,
        field_manager: str | None = None,
    ) -> tuple[Object, bool]:
        async def checked(current: Object) -> Object:
            old = copy.deepcopy(current)  # the transform may change what it is given
            desired = transform(current)
            if isinstance(desired, Awaitable):
                desired = await desired
            await self._check(namespace, name, desired, old)
            return desired

        return await super().update(
            namespace,
            name,
            checked,
            subresource=subresource,
            dry_run=dry_run,
            validate=validate,
            create_if_missing=create_if_missing,
            field_manager=field_manager,
        )


def _user() -> UserInfo:
    user = user_from_context()
    if user is None:
        # Upstream's ConfirmNoEscalation answers so when the request carries no user.
        raise status.forbidden("no user on context")
    return user
