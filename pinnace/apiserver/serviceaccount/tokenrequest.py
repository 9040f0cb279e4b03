"""``POST .../serviceaccounts/<name>/token``: upstream's ``TokenREST.Create``
(``pkg/registry/core/serviceaccount/storage/token.go``) as of Kubernetes 1.32.

The request is an ``authentication.k8s.io/v1`` TokenRequest, already defaulted (``expirationSeconds``
3600). The answer is the same object with ``metadata`` filled, ``spec.audiences`` defaulted to the API
server's, and ``status.token``/``status.expirationTimestamp``. Nothing is stored.

* lifetime: at least 600 s and at most 2^32 s (``ValidateTokenRequest``); longer than
  ``--service-account-max-token-expiration`` is shortened, with a warning;
* ``spec.boundObjectRef``: a Pod (of this service account), a Secret or a Node; the object must exist, and
  a ``uid`` in the reference must be its uid (409 otherwise). A pod-bound token also names the pod's node;
* a kubelet's pod-bound token for exactly 3607 s to API server audiences is issued for a year with
  ``warnafter`` at the hour (``--service-account-extend-token-expiration``, on by default).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pinnace.api.validation import field
from pinnace.apiserver import status
from pinnace.apiserver.rest.objectmeta import rfc3339
from pinnace.apiserver.serviceaccount.claims import (
    EXPIRATION_EXTENSION_SECONDS,
    WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
    ObjectRef,
    PrivateClaims,
    make_claims,
)
from pinnace.apiserver.serviceaccount.tokens import TokenGenerator
from pinnace.apiserver.serviceaccount.validator import ObjectGetter

Object = dict[str, Any]

GROUP = "authentication.k8s.io"
KIND = "TokenRequest"
MIN_TOKEN_AGE_SECONDS = 10 * 60
MAX_TOKEN_AGE_SECONDS = 1 << 32


@dataclass(frozen=True, slots=True)
class TokenResult:
    """The answered TokenRequest and the warnings for the response."""

    token_request: Object
    warnings: tuple[str, ...] = ()


class TokenREST:
    def __init__(
        self,
        getter: ObjectGetter,
        generator: TokenGenerator,
        audiences: Sequence[str],
        *,
        max_expiration_seconds: int = 0,
        extend_expiration: bool = True,
        clock: Callable[[], float] = time.time,
        new_uuid: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._getter = getter
        self._generator = generator
        self._audiences = tuple(audiences)
        self._max_expiration_seconds = max_expiration_seconds
        self._extend_expiration = extend_expiration
        self._clock = clock
        self._new_uuid = new_uuid

    async def create(self, namespace: str, name: str, request: Object) -> TokenResult:
        metadata = request.get("metadata") or {}
        if metadata.get("name") and metadata["name"] != name:
            raise _invalid(
                name,
                field.invalid(
                    field.Path.root("metadata", "name"),
                    metadata["name"],
                    "must match the service account name if specified",
                ),
            )
        if metadata.get("namespace") and metadata["namespace"] != namespace:
            raise _invalid(
                name,
                field.invalid(
                    field.Path.root("metadata", "namespace"),
                    metadata["namespace"],
                    "must match the service account namespace if specified",
                ),
            )
        account = await self._getter.get("serviceaccounts", namespace, name)
        if account is None:
            raise status.not_found("serviceaccounts", name)

        spec: Object = dict(request.get("spec") or {})
        audiences = tuple(spec.get("audiences") or ()) or self._audiences
        spec["audiences"] = list(audiences)
        now = self._clock()
        response: Object = {
            "kind": KIND,
            "apiVersion": f"{GROUP}/v1",
            "metadata": {
                **metadata,
                "name": metadata.get("name") or name,
                "namespace": metadata.get("namespace") or namespace,
                "creationTimestamp": rfc3339(datetime.fromtimestamp(now, UTC)),
            },
            "spec": spec,
        }
        expiration = spec.get("expirationSeconds")
        errors = validate_expiration(expiration)
        if errors:
            raise status.invalid(
                KIND, "", [status.StatusCause(e.type.value, e.body(), e.field) for e in errors], group=GROUP
            )
        assert isinstance(expiration, int)

        private = await self._bound_claims(namespace, name, account, spec.get("boundObjectRef"))

        warnings: list[str] = []
        if self._max_expiration_seconds > 0 and expiration > self._max_expiration_seconds:
            warnings.append(
                f"requested expiration of {expiration} seconds shortened to "
                f"{self._max_expiration_seconds} seconds"
            )
            expiration = spec["expirationSeconds"] = self._max_expiration_seconds

        lifetime, warn_after = expiration, 0
        if (
            self._extend_expiration
            and private.pod is not None
            and expiration == WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
            and set(audiences) <= set(self._audiences)
        ):
            lifetime, warn_after = EXPIRATION_EXTENSION_SECONDS, expiration

        issued_at = int(now)
        if warn_after:
            private = dataclasses.replace(private, warn_after=issued_at + warn_after)
        payload = make_claims(
            private, audiences=audiences, now=issued_at, expiration_seconds=lifetime, jti=self._new_uuid()
        )
        response["status"] = {
            "token": self._generator.generate(payload),
            "expirationTimestamp": rfc3339(datetime.fromtimestamp(now + expiration, UTC)),
        }
        return TokenResult(response, tuple(warnings))

    async def _bound_claims(self, namespace: str, name: str, account: Object, ref: Any) -> PrivateClaims:
        account_ref = ObjectRef(name, str(account["metadata"].get("uid", "")))
        claims = PrivateClaims(namespace=namespace, service_account=account_ref)
        if not isinstance(ref, dict):
            return claims
        kind, ref_name = str(ref.get("kind", "")), str(ref.get("name", ""))
        api_version = str(ref.get("apiVersion", ""))
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        version = api_version.rsplit("/", 1)[-1]
        if group == "" and kind == "Pod":
            pod = await self._must_get("pods", namespace, ref_name)
            pod_spec = pod.get("spec") or {}
            # ServiceAccount admission sets an empty serviceAccountName to "default"; until Pinnace has that
            # plugin, an empty name means "default" here too.
            if name != (pod_spec.get("serviceAccountName") or "default"):
                raise status.bad_request(
                    f'cannot bind token for serviceaccount "{name}" to pod running with different '
                    "serviceaccount name."
                )
            uid = _uid(pod)
            bound = PrivateClaims(
                namespace, account_ref, pod=ObjectRef(ref_name, uid), node=await self._pod_node(pod_spec)
            )
        elif group == "" and kind == "Node":
            node = await self._must_get("nodes", "", ref_name)
            uid = _uid(node)
            bound = PrivateClaims(namespace, account_ref, node=ObjectRef(ref_name, uid))
        elif group == "" and kind == "Secret":
            secret = await self._must_get("secrets", namespace, ref_name)
            uid = _uid(secret)
            bound = PrivateClaims(namespace, account_ref, secret=ObjectRef(ref_name, uid))
        else:
            raise status.bad_request(f"cannot bind token to object of type {group}/{version}, Kind={kind}")
        ref_uid = ref.get("uid")
        if ref_uid and ref_uid != uid:
            raise status.conflict(
                kind,
                ref_name,
                f"the UID in the bound object reference ({ref_uid}) does not match the UID in record. "
                "The object might have been deleted and then recreated",
            )
        return bound

    async def _pod_node(self, pod_spec: Object) -> ObjectRef | None:
        node_name = pod_spec.get("nodeName")
        if not node_name:
            return None
        node = await self._getter.get("nodes", "", node_name)
        # A missing node still leaves its name in the claims, so a reader knows where the pod was.
        return ObjectRef(node_name, _uid(node) if node is not None else "")

    async def _must_get(self, resource: str, namespace: str, name: str) -> Object:
        obj = await self._getter.get(resource, namespace, name)
        if obj is None:
            raise status.not_found(resource, name)
        return obj


def validate_expiration(expiration: Any) -> list[field.FieldError]:
    """``ValidateTokenRequest`` (1.32): the lifetime bounds."""
    path = field.Path.root("spec", "expirationSeconds")
    if isinstance(expiration, bool) or not isinstance(expiration, int):
        return [field.invalid(path, expiration, "must be an integer")]
    if expiration < MIN_TOKEN_AGE_SECONDS:
        return [field.invalid(path, expiration, "may not specify a duration less than 10 minutes")]
    if expiration > MAX_TOKEN_AGE_SECONDS:
        return [field.invalid(path, expiration, "may not specify a duration larger than 2^32 seconds")]
    return []


def _invalid(name: str, error: field.FieldError) -> status.StatusError:
    return status.invalid(
        KIND, name, [status.StatusCause(error.type.value, error.body(), error.field)], group=GROUP
    )


def _uid(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))
