"""Is a signed service account token still good? Upstream's ``validator.Validate``
(``pkg/serviceaccount/claims.go``), reading objects through an :class:`ObjectGetter`.

* times, with go-jose's one-minute leeway: ``exp`` passed → "service account token has expired", ``nbf``
  ahead → "... is not valid yet", ``iat`` ahead → "... is issued in the future";
* the service account must exist with the token's uid, and not have been deleting for longer than the
  leeway; a recreated account (same name, new uid) does not inherit its predecessor's tokens;
* a bound secret or pod likewise ("service account token has been invalidated" when it is gone); a token
  bound to a node alone checks the node; a pod-bound token's node claim is only reported, not checked;
* the user gets ``authentication.kubernetes.io/pod-name``/``pod-uid``, ``node-name``/``node-uid`` and
  ``credential-id`` (``JTI=<jti>``) extras.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pinnace.apiserver.authn import AuthenticationFailed
from pinnace.apiserver.serviceaccount.claims import (
    PrivateClaims,
    ServiceAccountInfo,
    credential_id_for_jti,
)

Object = dict[str, Any]

# go-jose's jwt.DefaultLeeway.
LEEWAY_SECONDS = 60

INVALIDATED = "service account token has been invalidated"


class ObjectGetter(Protocol):
    """Reads the objects tokens refer to (upstream's ``ServiceAccountTokenGetter``).

    ``resource`` is one of ``serviceaccounts``, ``pods``, ``secrets`` (namespaced) and ``nodes``
    (``namespace`` empty). Returns None when the object does not exist; other failures raise.
    """

    async def get(self, resource: str, namespace: str, name: str) -> Object | None: ...


class Validator:
    def __init__(self, getter: ObjectGetter, clock: Callable[[], float] = time.time) -> None:
        self._getter = getter
        self._clock = clock

    async def validate(self, payload: Object, private: PrivateClaims) -> ServiceAccountInfo:
        now = self._clock()
        check_times(payload, now)
        invalid_if_deleted_before = now - LEEWAY_SECONDS
        namespace, sa_ref = private.namespace, private.service_account

        account = await self._getter.get("serviceaccounts", namespace, sa_ref.name)
        if account is None:
            raise AuthenticationFailed(f'serviceaccounts "{sa_ref.name}" not found')
        account_uid = _uid(account)
        if account_uid != sa_ref.uid:
            raise AuthenticationFailed(
                f"service account UID ({account_uid}) does not match claim ({sa_ref.uid})"
            )
        if _deleted_before(account, invalid_if_deleted_before):
            raise AuthenticationFailed(f"service account {namespace}/{sa_ref.name} has been deleted")

        if private.secret is not None:
            secret = await self._getter.get("secrets", namespace, private.secret.name)
            if secret is None:
                raise AuthenticationFailed(INVALIDATED)
            if _uid(secret) != private.secret.uid:
                raise AuthenticationFailed(
                    f"secret UID ({_uid(secret)}) does not match service account secret ref claim "
                    f"({private.secret.uid})"
                )
            if _deleted_before(secret, invalid_if_deleted_before):
                raise AuthenticationFailed(INVALIDATED)

        pod_name = pod_uid = ""
        if private.pod is not None:
            pod = await self._getter.get("pods", namespace, private.pod.name)
            if pod is None:
                raise AuthenticationFailed(INVALIDATED)
            if _uid(pod) != private.pod.uid:
                raise AuthenticationFailed(
                    f"pod UID ({_uid(pod)}) does not match service account pod ref claim ({private.pod.uid})"
                )
            if _deleted_before(pod, invalid_if_deleted_before):
                raise AuthenticationFailed(INVALIDATED)
            pod_name, pod_uid = private.pod.name, private.pod.uid

        node_name = node_uid = ""
        if private.node is not None:
            if private.pod is None:
                # A token bound to the node itself (ServiceAccountTokenNodeBindingValidation, on in 1.32).
                node = await self._getter.get("nodes", "", private.node.name)
                if node is None:
                    raise AuthenticationFailed(INVALIDATED)
                if _uid(node) != private.node.uid:
                    raise AuthenticationFailed(
                        f"node UID ({_uid(node)}) does not match service account node ref claim "
                        f"({private.node.uid})"
                    )
                if _deleted_before(node, invalid_if_deleted_before):
                    raise AuthenticationFailed(INVALIDATED)
            node_name, node_uid = private.node.name, private.node.uid

        jti = payload.get("jti")
        return ServiceAccountInfo(
            namespace=namespace,
            name=sa_ref.name,
            uid=sa_ref.uid,
            pod_name=pod_name,
            pod_uid=pod_uid,
            node_name=node_name,
            node_uid=node_uid,
            credential_id=credential_id_for_jti(jti if isinstance(jti, str) else ""),
        )


def check_times(payload: Object, now: float) -> None:
    """go-jose's ``Claims.Validate`` with the default leeway; absent claims are not checked."""
    expiry, not_before, issued_at = (_numeric(payload, key) for key in ("exp", "nbf", "iat"))
    if expiry is not None and now - LEEWAY_SECONDS > expiry:
        raise AuthenticationFailed("service account token has expired")
    if not_before is not None and now + LEEWAY_SECONDS < not_before:
        raise AuthenticationFailed("service account token is not valid yet")
    if issued_at is not None and now + LEEWAY_SECONDS < issued_at:
        raise AuthenticationFailed("service account token is issued in the future")


def _numeric(payload: Object, key: str) -> float | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationFailed(
            "service account token claims could not be validated due to unexpected validation error"
        )
    return float(value)


def _uid(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def _deleted_before(obj: Object, moment: float) -> bool:
    stamp = (obj.get("metadata") or {}).get("deletionTimestamp")
    if not stamp:
        return False
    try:
        deleted = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return True  # an unreadable deletion time: treat the object as gone
    return deleted < moment
