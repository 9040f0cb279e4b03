"""Impersonation: act as another user (upstream ``apiserver/pkg/endpoints/filters/impersonation.go``).

``kubectl --as alice --as-group dev`` sends ``Impersonate-User: alice`` and ``Impersonate-Group: dev``
(also ``Impersonate-Uid`` and ``Impersonate-Extra-<key>``). Each requested attribute is authorized as the
real user with the verb ``impersonate``:

=====================  ========================================  ==================================
header                 resource (API group)                      name
=====================  ========================================  ==================================
Impersonate-User       ``users`` (core), or ``serviceaccounts``   the user; for
                       in the account's namespace for             ``system:serviceaccount:ns:name``
                       ``system:serviceaccount:<ns>:<name>``      the account's name
Impersonate-Group      ``groups`` (core)                          the group
Impersonate-Extra-K    ``userextras/<k>`` (authentication.k8s.io) the value
Impersonate-Uid        ``uids`` (authentication.k8s.io)           the uid
=====================  ========================================  ==================================

A denial is the usual 403 (``users "bob" is forbidden: User "alice" cannot impersonate resource "users"
in API group "" at the cluster scope``). The request then continues as the impersonated user: its groups
are those asked for (a ServiceAccount's own groups when none are), plus ``system:authenticated`` (or
``system:unauthenticated`` for ``system:anonymous``). Asking for groups, extras or a uid without a user
is an internal error, as upstream answers it.
"""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from pinnace.apiserver import status
from pinnace.apiserver.authz import Attributes, Authorizer, Decision, forbidden_error
from pinnace.apiserver.user import (
    ANONYMOUS_USER,
    AUTHENTICATED_GROUP,
    UNAUTHENTICATED_GROUP,
    UserInfo,
)

USER_HEADER = "Impersonate-User"
GROUP_HEADER = "Impersonate-Group"
UID_HEADER = "Impersonate-Uid"
EXTRA_HEADER_PREFIX = "Impersonate-Extra-"
AUTHENTICATION_GROUP_VERSION = "authentication.k8s.io/v1"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"


def split_service_account(username: str) -> tuple[str, str] | None:
    """``serviceaccount.SplitUsername``: (namespace, name) of ``system:serviceaccount:<ns>:<name>``."""
    if not username.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_PREFIX) :].split(":")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def service_account_groups(namespace: str) -> tuple[str, ...]:
    """``serviceaccount.MakeGroupNames``."""
    return ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")


class _Requested:
    """One impersonation request: upstream's ObjectReference, printed the way Go's ``%v`` prints it."""

    def __init__(
        self, kind: str, name: str, namespace: str = "", api_version: str = "", field_path: str = ""
    ) -> None:
        self.kind, self.name, self.namespace = kind, name, namespace
        self.api_version, self.field_path = api_version, field_path

    def __str__(self) -> str:
        fields = (self.kind, self.namespace, self.name, "", self.api_version, "", self.field_path)
        return "{" + " ".join(fields) + "}"


def _requests(headers: web.BaseRequest) -> list[_Requested]:
    """Upstream ``buildImpersonationRequests``, in its order: user, groups, extras, uid."""
    found: list[_Requested] = []
    user = headers.headers.get(USER_HEADER, "")
    if user:
        service_account = split_service_account(user)
        if service_account is not None:
            found.append(_Requested("ServiceAccount", service_account[1], namespace=service_account[0]))
        else:
            found.append(_Requested("User", user))
    found.extend(_Requested("Group", group) for group in headers.headers.getall(GROUP_HEADER, []))
    for header, value in headers.headers.items():
        if header.lower().startswith(EXTRA_HEADER_PREFIX.lower()):
            key = unquote(header[len(EXTRA_HEADER_PREFIX) :].lower())
            found.append(
                _Requested("UserExtra", value, api_version=AUTHENTICATION_GROUP_VERSION, field_path=key)
            )
    uid = headers.headers.get(UID_HEADER, "")
    if uid:
        found.append(_Requested("UID", uid, api_version=AUTHENTICATION_GROUP_VERSION))
    if found and not user:
        listed = "[" + " ".join(str(item) for item in found) + "]"
        raise status.internal_error(f"requested {listed} without impersonating a user")
    return found


def _attributes(requestor: UserInfo, wanted: _Requested) -> Attributes:
    group, _, version = wanted.api_version.rpartition("/")
    resource, subresource = {
        "ServiceAccount": ("serviceaccounts", ""),
        "User": ("users", ""),
        "Group": ("groups", ""),
        "UserExtra": ("userextras", wanted.field_path),
        "UID": ("uids", ""),
    }[wanted.kind]
    return Attributes(
        user=requestor,
        verb="impersonate",
        path="",
        resource_request=True,
        api_group=group,
        api_version=version,
        namespace=wanted.namespace,
        resource=resource,
        subresource=subresource,
        name=wanted.name,
    )


async def impersonate(request: web.BaseRequest, requestor: UserInfo, authorizer: Authorizer) -> UserInfo:
    """The user the request acts as: ``requestor`` itself, or whom it may impersonate (403 otherwise)."""
    wanted = _requests(request)
    if not wanted:
        return requestor
    groups_given = bool(request.headers.getall(GROUP_HEADER, []))
    username, uid = "", ""
    groups: list[str] = []
    extra: dict[str, list[str]] = {}
    for item in wanted:
        attributes = _attributes(requestor, item)
        decision, reason = await authorizer.authorize(attributes)
        if decision is not Decision.ALLOW:
            raise forbidden_error(attributes, reason)
        if item.kind == "ServiceAccount":
            username = f"{SERVICE_ACCOUNT_PREFIX}{item.namespace}:{item.name}"
            if not groups_given:
                groups = list(service_account_groups(item.namespace))
        elif item.kind == "User":
            username = item.name
        elif item.kind == "Group":
            groups.append(item.name)
        elif item.kind == "UserExtra":
            extra.setdefault(item.field_path, []).append(item.name)
        else:
            uid = item.name
    if username != ANONYMOUS_USER:
        if AUTHENTICATED_GROUP not in groups and UNAUTHENTICATED_GROUP not in groups:
            groups.append(AUTHENTICATED_GROUP)
    elif UNAUTHENTICATED_GROUP not in groups:
        groups.append(UNAUTHENTICATED_GROUP)
    return UserInfo(
        name=username,
        uid=uid,
        groups=tuple(groups),
        extra=tuple((key, tuple(values)) for key, values in extra.items()),
    )
