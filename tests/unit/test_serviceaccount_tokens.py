"""Service account tokens: what a TokenRequest issues and what the authenticator accepts, with upstream's
messages (``pkg/serviceaccount/claims.go``, ``jwt.go``, ``pkg/registry/core/serviceaccount/storage/token.go``).
Time comes from a fake clock; objects from a fake getter."""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pinnace.apiserver import status
from pinnace.apiserver.authn import AuthenticationFailed, TokenResponse
from pinnace.apiserver.authnoptions import AuthenticationOptions
from pinnace.apiserver.serviceaccount import metadata
from pinnace.apiserver.serviceaccount.issuer import ServiceAccountIssuer, load_keys
from pinnace.apiserver.serviceaccount.keys import key_id, signing_key, verification_key
from pinnace.apiserver.serviceaccount.tokens import JWTTokenAuthenticator, TokenGenerator
from pinnace.apiserver.serviceaccount.validator import Validator

Object = dict[str, Any]
ISSUER = "https://kubernetes.default.svc.cluster.local"
NOW = 1_700_000_000.0


@dataclass
class Clock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeGetter:
    objects: dict[tuple[str, str, str], Object] = field(default_factory=dict)

    def put(self, resource: str, namespace: str, name: str, uid: str, **metadata: Any) -> None:
        meta = {"name": name, "uid": uid, **metadata}
        if namespace:
            meta["namespace"] = namespace
        self.objects[(resource, namespace, name)] = {"metadata": meta, "spec": {}}

    async def get(self, resource: str, namespace: str, name: str) -> Object | None:
        obj = self.objects.get((resource, namespace, name))
        return copy.deepcopy(obj) if obj is not None else None


@dataclass
class Cluster:
    getter: FakeGetter
    clock: Clock
    issuer: ServiceAccountIssuer

    async def token(self, name: str = "default", namespace: str = "default", **spec: Any) -> str:
        request: Object = {"spec": {"expirationSeconds": 3600, **spec}}
        result = await self.issuer.token_rest.create(namespace, name, request)
        return str(result.token_request["status"]["token"])

    async def authenticate(self, token: str, audiences: tuple[str, ...] = (ISSUER,)) -> TokenResponse | None:
        return await self.issuer.authenticator.authenticate_token(token, audiences)


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    getter, clock = FakeGetter(), Clock()
    getter.put("serviceaccounts", "default", "default", "sa-uid-1")
    getter.put("pods", "default", "web-0", "pod-uid-1")
    getter.objects[("pods", "default", "web-0")]["spec"] = {"serviceAccountName": "default", "nodeName": "n1"}
    getter.put("nodes", "", "n1", "node-uid-1")
    getter.put("secrets", "default", "s", "secret-uid-1")
    options = AuthenticationOptions()
    issuer = ServiceAccountIssuer(options, load_keys(options, tmp_path), getter, clock=clock)
    issuer.token_rest._new_uuid = lambda: "11111111-2222-3333-4444-555555555555"
    return Cluster(getter, clock, issuer)


def payload_of(token: str) -> Object:
    part = token.split(".")[1]
    decoded: Object = orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


# --- what is issued -------------------------------------------------------------------------------


async def test_a_token_carries_upstreams_claims(cluster: Cluster) -> None:
    token = await cluster.token()
    assert jwt.get_unverified_header(token) == {
        "alg": "ES256",
        "kid": cluster.issuer.keys.signing.key_id,
    }
    assert payload_of(token) == {
        "aud": [ISSUER],
        "exp": int(NOW) + 3600,
        "iat": int(NOW),
        "iss": ISSUER,
        "jti": "11111111-2222-3333-4444-555555555555",
        "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "default", "uid": "sa-uid-1"}},
        "nbf": int(NOW),
        "sub": "system:serviceaccount:default:default",
    }


async def test_a_pod_bound_token_names_the_pod_and_its_node(cluster: Cluster) -> None:
    token = await cluster.token(boundObjectRef={"kind": "Pod", "apiVersion": "v1", "name": "web-0"})
    assert payload_of(token)["kubernetes.io"] == {
        "namespace": "default",
        "serviceaccount": {"name": "default", "uid": "sa-uid-1"},
        "pod": {"name": "web-0", "uid": "pod-uid-1"},
        "node": {"name": "n1", "uid": "node-uid-1"},
    }
    response = await cluster.authenticate(token)
    assert response is not None
    assert dict(response.user.extra) == {
        "authentication.kubernetes.io/credential-id": ("JTI=11111111-2222-3333-4444-555555555555",),
        "authentication.kubernetes.io/node-name": ("n1",),
        "authentication.kubernetes.io/node-uid": ("node-uid-1",),
        "authentication.kubernetes.io/pod-name": ("web-0",),
        "authentication.kubernetes.io/pod-uid": ("pod-uid-1",),
    }


async def test_a_kubelet_token_is_extended_to_a_year_and_warns_after_the_hour(cluster: Cluster) -> None:
    result = await cluster.issuer.token_rest.create(
        "default",
        "default",
        {
            "spec": {
                "expirationSeconds": 3607,
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web-0"},
            }
        },
    )
    claims = payload_of(result.token_request["status"]["token"])
    assert claims["exp"] == int(NOW) + 365 * 24 * 3600
    assert claims["kubernetes.io"]["warnafter"] == int(NOW) + 3607
    # The status still reports the lifetime asked for.
    assert result.token_request["status"]["expirationTimestamp"] == "2023-11-14T23:13:27Z"


async def test_the_answer_is_the_request_with_metadata_audiences_and_status(cluster: Cluster) -> None:
    result = await cluster.issuer.token_rest.create(
        "default", "default", {"spec": {"expirationSeconds": 600}}
    )
    answer = result.token_request
    assert answer["metadata"] == {
        "name": "default",
        "namespace": "default",
        "creationTimestamp": "2023-11-14T22:13:20Z",
    }
    assert answer["spec"] == {"expirationSeconds": 600, "audiences": [ISSUER]}
    assert answer["status"]["expirationTimestamp"] == "2023-11-14T22:23:20Z"


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        pytest.param(
            {"expirationSeconds": 599},
            status.Invalid,
            'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: '
            "may not specify a duration less than 10 minutes",
            id="shorter than ten minutes",
        ),
        pytest.param(
            {"expirationSeconds": (1 << 32) + 1},
            status.Invalid,
            'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: '
            "4294967297: may not specify a duration larger than 2^32 seconds",
            id="longer than 2^32 seconds",
        ),
        pytest.param(
            {
                "expirationSeconds": 3600,
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "gone"},
            },
            status.NotFound,
            'pods "gone" not found',
            id="bound to a pod that does not exist",
        ),
        pytest.param(
            {
                "expirationSeconds": 3600,
                "boundObjectRef": {"kind": "Deployment", "apiVersion": "apps/v1", "name": "d"},
            },
            status.BadRequest,
            "cannot bind token to object of type apps/v1, Kind=Deployment",
            id="bound to a kind tokens cannot be bound to",
        ),
        pytest.param(
            {
                "expirationSeconds": 3600,
                "boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s", "uid": "old"},
            },
            status.Conflict,
            'Operation cannot be fulfilled on Secret "s": the UID in the bound object reference (old) does not '
            "match the UID in record. The object might have been deleted and then recreated",
            id="bound object uid differs",
        ),
    ],
)
async def test_token_requests_upstream_refuses(
    cluster: Cluster, spec: Object, error: type[status.StatusError], message: str
) -> None:
    with pytest.raises(error) as raised:
        await cluster.issuer.token_rest.create("default", "default", {"spec": spec})
    assert str(raised.value) == message


async def test_a_pod_of_another_service_account_cannot_be_bound(cluster: Cluster) -> None:
    cluster.getter.put("serviceaccounts", "default", "other", "sa-uid-2")
    with pytest.raises(status.BadRequest) as raised:
        await cluster.token("other", boundObjectRef={"kind": "Pod", "apiVersion": "v1", "name": "web-0"})
    assert str(raised.value) == (
        'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.'
    )


async def test_a_missing_service_account_gets_no_token(cluster: Cluster) -> None:
    with pytest.raises(status.NotFound) as raised:
        await cluster.token("nobody")
    assert str(raised.value) == 'serviceaccounts "nobody" not found'


async def test_max_expiration_shortens_with_a_warning(tmp_path: Path) -> None:
    getter = FakeGetter()
    getter.put("serviceaccounts", "default", "default", "u")
    options = AuthenticationOptions(service_account_max_token_expiration=7200)
    issuer = ServiceAccountIssuer(options, load_keys(options, tmp_path), getter, clock=Clock())
    result = await issuer.token_rest.create("default", "default", {"spec": {"expirationSeconds": 86400}})
    assert result.warnings == ("requested expiration of 86400 seconds shortened to 7200 seconds",)
    assert payload_of(result.token_request["status"]["token"])["exp"] == int(NOW) + 7200


# --- what is accepted -----------------------------------------------------------------------------


async def test_a_valid_token_authenticates_the_service_account(cluster: Cluster) -> None:
    response = await cluster.authenticate(await cluster.token())
    assert response is not None
    assert response.audiences == (ISSUER,)
    assert response.user.name == "system:serviceaccount:default:default"
    assert response.user.uid == "sa-uid-1"
    assert response.user.groups == ("system:serviceaccounts", "system:serviceaccounts:default")


Change = Callable[[Cluster], None]


def later(seconds: float) -> Change:
    def change(cluster: Cluster) -> None:
        cluster.clock.now += seconds

    return change


def delete(resource: str, namespace: str, name: str) -> Change:
    def change(cluster: Cluster) -> None:
        del cluster.getter.objects[(resource, namespace, name)]

    return change


def recreate(resource: str, namespace: str, name: str) -> Change:
    def change(cluster: Cluster) -> None:
        cluster.getter.put(resource, namespace, name, "new-uid")

    return change


def deleting_since(seconds: float) -> Change:
    def change(cluster: Cluster) -> None:
        from datetime import UTC, datetime

        stamp = datetime.fromtimestamp(NOW - seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        cluster.getter.objects[("pods", "default", "web-0")]["metadata"]["deletionTimestamp"] = stamp

    return change


POD = {"kind": "Pod", "apiVersion": "v1", "name": "web-0"}
SECRET = {"kind": "Secret", "apiVersion": "v1", "name": "s"}
NODE = {"kind": "Node", "apiVersion": "v1", "name": "n1"}


@pytest.mark.parametrize(
    ("bound", "change", "message"),
    [
        pytest.param(None, later(3600 + 61), "service account token has expired", id="expired"),
        pytest.param(None, later(3600 + 59), None, id="expired less than the one-minute leeway ago"),
        pytest.param(None, later(-61), "service account token is not valid yet", id="not valid yet"),
        pytest.param(
            None,
            delete("serviceaccounts", "default", "default"),
            'serviceaccounts "default" not found',
            id="service account deleted",
        ),
        pytest.param(
            None,
            recreate("serviceaccounts", "default", "default"),
            "service account UID (new-uid) does not match claim (sa-uid-1)",
            id="service account recreated with a new uid",
        ),
        pytest.param(
            POD,
            delete("pods", "default", "web-0"),
            "service account token has been invalidated",
            id="bound pod deleted",
        ),
        pytest.param(
            POD,
            recreate("pods", "default", "web-0"),
            "pod UID (new-uid) does not match service account pod ref claim (pod-uid-1)",
            id="bound pod recreated",
        ),
        pytest.param(
            POD,
            deleting_since(61),
            "service account token has been invalidated",
            id="bound pod deleting for longer than the leeway",
        ),
        pytest.param(POD, deleting_since(30), None, id="bound pod deleting within the leeway"),
        pytest.param(
            SECRET,
            delete("secrets", "default", "s"),
            "service account token has been invalidated",
            id="bound secret deleted",
        ),
        pytest.param(
            NODE,
            recreate("nodes", "", "n1"),
            "node UID (new-uid) does not match service account node ref claim (node-uid-1)",
            id="bound node recreated",
        ),
        pytest.param(POD, delete("nodes", "", "n1"), None, id="a pod-bound token does not check its node"),
    ],
)
async def test_validation(
    cluster: Cluster, bound: Object | None, change: Change, message: str | None
) -> None:
    token = await cluster.token(**({"boundObjectRef": bound} if bound else {}))
    change(cluster)
    if message is None:
        assert await cluster.authenticate(token) is not None
        return
    with pytest.raises(AuthenticationFailed) as raised:
        await cluster.authenticate(token)
    assert str(raised.value) == message


async def test_a_token_for_another_audience_is_refused(cluster: Cluster) -> None:
    token = await cluster.token(audiences=["vault"])
    with pytest.raises(AuthenticationFailed) as raised:
        await cluster.authenticate(token)
    assert str(raised.value) == (
        'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]'
    )
    # A TokenReview asking about that audience accepts it.
    response = await cluster.authenticate(token, ("vault",))
    assert response is not None
    assert response.audiences == ("vault",)


async def test_a_token_of_another_issuer_is_not_a_service_account_token(cluster: Cluster) -> None:
    other = TokenGenerator("https://elsewhere.example", cluster.issuer.keys.signing)
    token = other.generate(payload_of(await cluster.token()))
    assert await cluster.authenticate(token) is None


async def test_a_token_signed_with_another_key_is_refused(cluster: Cluster) -> None:
    stranger = signing_key(ec.generate_private_key(ec.SECP256R1()))
    forged = TokenGenerator(ISSUER, stranger).generate(payload_of(await cluster.token()))
    with pytest.raises(AuthenticationFailed) as raised:
        await cluster.authenticate(forged)
    assert str(raised.value) == "invalid signature, no keys found"
    # Same key id, wrong key: the signature does not verify.
    impostor = type(stranger)(cluster.issuer.keys.signing.key_id, "ES256", stranger.private_key)
    forged = TokenGenerator(ISSUER, impostor).generate(payload_of(await cluster.token()))
    with pytest.raises(AuthenticationFailed) as raised:
        await cluster.authenticate(forged)
    assert str(raised.value) == "square/go-jose: error in cryptographic primitive"


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "{}", "x.eyJpc3MiOjF9.y"], ids=repr)
async def test_garbage_is_not_a_service_account_token(cluster: Cluster, token: str) -> None:
    assert await cluster.authenticate(token) is None


# --- keys and discovery ---------------------------------------------------------------------------


def test_key_pair_is_created_once_and_reused(tmp_path: Path) -> None:
    first = load_keys(AuthenticationOptions(), tmp_path)
    assert (tmp_path / "pki" / "sa.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "pki" / "sa.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    second = load_keys(AuthenticationOptions(), tmp_path)
    assert first.signing.key_id == second.signing.key_id
    assert [key.key_id for key in second.verification] == [first.signing.key_id]


def test_key_id_is_upstreams_hash_of_the_public_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key_id(key) == base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


async def test_an_rsa_signing_key_signs_rs256_and_the_jwks_verifies_it(tmp_path: Path) -> None:
    private = rsa.generate_private_key(65537, 2048)
    path = tmp_path / "signing.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    getter = FakeGetter()
    getter.put("serviceaccounts", "ns", "app", "u")
    options = AuthenticationOptions(service_account_signing_key_file=path)
    issuer = ServiceAccountIssuer(options, load_keys(options, tmp_path), getter)
    result = await issuer.token_rest.create("ns", "app", {"spec": {"expirationSeconds": 600}})
    token = result.token_request["status"]["token"]
    issuer.set_external_address("10.0.0.1:6443")
    documents = issuer.discovery_documents()
    assert documents is not None
    config, key_set = documents
    assert config == {
        "issuer": ISSUER,
        "jwks_uri": "https://10.0.0.1:6443/openid/v1/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    (entry,) = key_set["keys"]
    assert (entry["kty"], entry["alg"], entry["use"]) == ("RSA", "RS256", "sig")
    claims = jwt.decode(token, jwt.PyJWK(entry).key, algorithms=["RS256"], audience=ISSUER, issuer=ISSUER)
    assert claims["sub"] == "system:serviceaccount:ns:app"


def test_discovery_is_not_served_for_an_issuer_that_is_no_https_url(tmp_path: Path) -> None:
    options = AuthenticationOptions(service_account_issuers=("kubernetes/serviceaccount",))
    issuer = ServiceAccountIssuer(options, load_keys(options, tmp_path), FakeGetter())
    assert issuer.discovery_documents() is None
    with pytest.raises(metadata.MetadataError, match="issuer URL must use https scheme"):
        metadata.check_issuer_url("http://example.com")


def test_a_second_verification_key_is_accepted(tmp_path: Path) -> None:
    old = ec.generate_private_key(ec.SECP256R1())
    new = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "new.key").write_bytes(
        new.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    pub = tmp_path / "keys.pub"
    pub.write_bytes(
        b"".join(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            for key in (old, new)
        )
    )
    options = AuthenticationOptions(
        service_account_signing_key_file=tmp_path / "new.key", service_account_key_files=(pub,)
    )
    keys = load_keys(options, tmp_path)
    assert {key.key_id for key in keys.verification} == {key_id(old.public_key()), key_id(new.public_key())}
    authenticator = JWTTokenAuthenticator([ISSUER], keys.verification, [ISSUER], Validator(FakeGetter()))
    assert authenticator is not None
    assert verification_key(old.public_key()).algorithm == "ES256"
