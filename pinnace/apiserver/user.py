"""Who a request comes from: the ``user.Info`` of ``k8s.io/apiserver/pkg/authentication/user``.

Authentication produces a :class:`UserInfo`; authorization, admission and audit read it. The well-known
names below are Kubernetes' own and must not be changed.
"""

from __future__ import annotations

from dataclasses import dataclass

ANONYMOUS_USER = "system:anonymous"
UNAUTHENTICATED_GROUP = "system:unauthenticated"
AUTHENTICATED_GROUP = "system:authenticated"
# Members may do everything, whatever RBAC says (upstream ``user.SystemPrivilegedGroup``).
MASTERS_GROUP = "system:masters"
# Kubelets (and hollow nodes) authenticate in this group (upstream ``user.NodesGroup``).
NODES_GROUP = "system:nodes"


@dataclass(frozen=True, slots=True)
class UserInfo:
    """An authenticated identity: name, optional uid, groups in the order the credential lists them, and
    ``extra`` attributes (key, values) pairs, as impersonation's ``Impersonate-Extra-<key>`` sets them."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def with_group(self, group: str) -> UserInfo:
        if group in self.groups:
            return self
        return UserInfo(name=self.name, uid=self.uid, groups=(*self.groups, group), extra=self.extra)


ANONYMOUS = UserInfo(name=ANONYMOUS_USER, groups=(UNAUTHENTICATED_GROUP,))
