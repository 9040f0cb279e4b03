"""Who the request being handled acts as, for code far from the HTTP handler (upstream's
``genericapirequest.UserFrom(ctx)``).

The impersonation stage of the request chain sets it for every request, once the effective user is final,
so storage-layer checks such as RBAC's escalation prevention can ask who is writing without every
handler passing the user down. Work the API server does on its own behalf (bootstrap policy, ClusterRole
aggregation) runs :func:`acting_as` :data:`LOOPBACK_USER`, a member of ``system:masters`` like upstream's
loopback client.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from pinnace.apiserver.user import AUTHENTICATED_GROUP, MASTERS_GROUP, UserInfo

# kube-apiserver's own loopback identity (``user.APIServerUser``), privileged like upstream's.
LOOPBACK_USER = UserInfo(name="system:apiserver", groups=(MASTERS_GROUP, AUTHENTICATED_GROUP))

_current_user: ContextVar[UserInfo | None] = ContextVar("pinnace.request.user", default=None)


def set_user(user: UserInfo) -> None:
    """Record the effective user of the request handled in this task (the request chain calls it)."""
    _current_user.set(user)


def user_from_context() -> UserInfo | None:
    return _current_user.get()


@contextlib.contextmanager
def acting_as(user: UserInfo) -> Iterator[None]:
    token = _current_user.set(user)
    try:
        yield
    finally:
        _current_user.reset(token)
