"""What a service account token says: upstream's claims (``pkg/serviceaccount/claims.go``) and the user it
stands for (``k8s.io/apiserver/pkg/authentication/serviceaccount/util.go``).

A token's payload, as kube-apiserver 1.32 writes it (the ``ServiceAccountTokenJTI`` and
``ServiceAccountTokenPodNodeInfo`` features are on by default there)::

    {"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": 1700003600, "iat": 1700000000,
     "iss": "https://kubernetes.default.svc.cluster.local", "jti": "<uuid>", "nbf": 1700000000,
     "sub": "system:serviceaccount:default:web",
     "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "web", "uid": "..."},
                       "pod": {"name": "web-0", "uid": "..."}, "node": {"name": "n1", "uid": "..."},
                       "warnafter": 1700003607}}

``pod``, ``secret`` and ``node`` appear only for a token bound to that object (a pod-bound token also names
the pod's node); ``warnafter`` only for an extended kubelet token (see :mod:`.tokenrequest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]

USERNAME_PREFIX: Final = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS_GROUP: Final = "system:serviceaccounts"
GROUP_PREFIX: Final = "system:serviceaccounts:"

# Keys of the user's ``extra`` (upstream's PodNameKey, PodUIDKey, NodeNameKey, NodeUIDKey, CredentialIDKey).
POD_NAME_KEY: Final = "authentication.kubernetes.io/pod-name"
POD_UID_KEY: Final = "authentication.kubernetes.io/pod-uid"
NODE_NAME_KEY: Final = "authentication.kubernetes.io/node-name"
NODE_UID_KEY: Final = "authentication.kubernetes.io/node-uid"
CREDENTIAL_ID_KEY: Final = "authentication.kubernetes.io/credential-id"

PRIVATE_CLAIM: Final = "kubernetes.io"

# A kubelet asking for exactly this lifetime gets a token valid for a year that warns after the hour
# (``WarnOnlyBoundTokenExpirationSeconds``, ``ExpirationExtensionSeconds``).
WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS: Final = 60 * 60 + 7
EXPIRATION_EXTENSION_SECONDS: Final = 24 * 365 * 60 * 60


def make_username(namespace: str, name: str) -> str:
    return f"{USERNAME_PREFIX}{namespace}:{name}"


def make_group_names(namespace: str) -> tuple[str, str]:
    return (ALL_SERVICE_ACCOUNTS_GROUP, f"{GROUP_PREFIX}{namespace}")


def credential_id_for_jti(jti: str) -> str:
    return f"JTI={jti}" if jti else ""


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """The ``{name, uid}`` of a referenced object."""

    name: str
    uid: str = ""

    def to_claim(self) -> Object:
        # Go's omitempty: an empty uid (a node that does not exist) is left out.
        return {"name": self.name, "uid": self.uid} if self.uid else {"name": self.name}


@dataclass(frozen=True, slots=True)
class PrivateClaims:
    """The ``kubernetes.io`` claim."""

    namespace: str
    service_account: ObjectRef
    pod: ObjectRef | None = None
    secret: ObjectRef | None = None
    node: ObjectRef | None = None
    warn_after: int = 0

    def to_claim(self) -> Object:
        claim: Object = {"namespace": self.namespace, "serviceaccount": self.service_account.to_claim()}
        for key, ref in (("pod", self.pod), ("secret", self.secret), ("node", self.node)):
            if ref is not None:
                claim[key] = ref.to_claim()
        if self.warn_after:
            claim["warnafter"] = self.warn_after
        return claim


@dataclass(frozen=True, slots=True)
class ServiceAccountInfo:
    """Who a valid token authenticates (upstream's ``ServiceAccountInfo``)."""

    namespace: str
    name: str
    uid: str
    pod_name: str = ""
    pod_uid: str = ""
    node_name: str = ""
    node_uid: str = ""
    credential_id: str = ""

    def user_info(self) -> UserInfo:
        """``ServiceAccountInfo.UserInfo()``: the user, its two groups, and the bound objects as extra."""
        extra: dict[str, tuple[str, ...]] = {}
        if self.pod_name and self.pod_uid:
            extra[POD_NAME_KEY] = (self.pod_name,)
            extra[POD_UID_KEY] = (self.pod_uid,)
        if self.credential_id:
            extra[CREDENTIAL_ID_KEY] = (self.credential_id,)
        if self.node_name:
            extra[NODE_NAME_KEY] = (self.node_name,)
            if self.node_uid:
                extra[NODE_UID_KEY] = (self.node_uid,)
        return UserInfo(
            name=make_username(self.namespace, self.name),
            uid=self.uid,
            groups=make_group_names(self.namespace),
            # A Go map: JSON (and so every client) sees the keys sorted.
            extra=tuple(sorted(extra.items())),
        )


def make_claims(
    private: PrivateClaims,
    *,
    audiences: tuple[str, ...],
    now: int,
    expiration_seconds: int,
    jti: str,
) -> Object:
    """The payload of a new token without ``iss`` (the generator adds its issuer): upstream's ``Claims``."""
    if private.secret is not None and (private.pod is not None or private.node is not None):
        raise ValueError("internal error, token can only be bound to one object type")
    payload: Object = {
        "aud": list(audiences),
        "exp": now + expiration_seconds,
        "iat": now,
        "jti": jti,
        PRIVATE_CLAIM: private.to_claim(),
        "nbf": now,
        "sub": make_username(private.namespace, private.service_account.name),
    }
    if not jti:
        del payload["jti"]
    return payload


def parse_private_claims(payload: Object) -> PrivateClaims:
    """The ``kubernetes.io`` claim of a verified payload; ValueError when it is not shaped as upstream's."""
    claim = payload.get(PRIVATE_CLAIM) or {}
    if not isinstance(claim, dict):
        raise ValueError(f"{PRIVATE_CLAIM} claim is not an object")
    service_account = _ref(claim.get("serviceaccount")) or ObjectRef("")
    warn_after = claim.get("warnafter") or 0
    if not isinstance(warn_after, int | float) or isinstance(warn_after, bool):
        raise ValueError("warnafter is not a number")
    namespace = claim.get("namespace", "")
    if not isinstance(namespace, str):
        raise ValueError("namespace is not a string")
    return PrivateClaims(
        namespace=namespace,
        service_account=service_account,
        pod=_ref(claim.get("pod")),
        secret=_ref(claim.get("secret")),
        node=_ref(claim.get("node")),
        warn_after=int(warn_after),
    )


def _ref(value: Any) -> ObjectRef | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("object reference is not an object")
    name, uid = value.get("name", ""), value.get("uid", "")
    if not isinstance(name, str) or not isinstance(uid, str):
        raise ValueError("object reference name and uid must be strings")
    return ObjectRef(name, uid)
