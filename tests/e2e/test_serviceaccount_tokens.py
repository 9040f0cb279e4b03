"""Service account tokens end to end: ``kubectl create token`` (1.32 and 1.37), a kubeconfig with that token,
``kubectl auth whoami``, the issuer's JWKS verifying the token, a pod-bound token dying with its pod, and
TokenReview from the Python ``kubernetes`` client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from tests.e2e.conftest import APIServerProcess, https_get, kubectl, start_apiserver

pytestmark = pytest.mark.e2e

ISSUER = "https://kubernetes.default.svc.cluster.local"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    process = start_apiserver(tmp_path_factory.mktemp("sa-tokens"))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kubectl-cache")


def admin(server: APIServerProcess, cache: Path, *args: str, version: str = "1.32") -> str:
    result = kubectl(server.kubeconfig, cache, *args, version=version)
    assert result.returncode == 0, result.stderr
    return result.stdout


def token_kubeconfig(server: APIServerProcess, token: str, path: Path) -> Path:
    config = yaml.safe_load(server.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": token}
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def accounts(server: APIServerProcess, cache: Path) -> None:
    # No controller manager here: create what its ServiceAccount controller would.
    admin(server, cache, "create", "serviceaccount", "default")
    admin(server, cache, "create", "serviceaccount", "x")


@pytest.mark.parametrize("version", ["1.32", "1.37"])
def test_create_token_then_whoami(
    server: APIServerProcess, cache: Path, accounts: None, tmp_path: Path, version: str
) -> None:
    token = admin(server, cache, "create", "token", "default", version=version).strip()
    config = token_kubeconfig(server, token, tmp_path / "sa.kubeconfig")
    result = kubectl(config, tmp_path / "cache", "auth", "whoami", version=version)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ATTRIBUTE", "VALUE"]
    assert lines[1].split() == ["Username", "system:serviceaccount:default:default"]
    assert lines[3].split(None, 1) == [
        "Groups",
        "[system:serviceaccounts system:serviceaccounts:default system:authenticated]",
    ]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert lines[4].split() == [
        "Extra:",
        "authentication.kubernetes.io/credential-id",
        f"[JTI={claims['jti']}]",
    ]

    review = json.loads(
        kubectl(config, tmp_path / "cache", "auth", "whoami", "-o", "json", version=version).stdout
    )
    assert review["kind"] == "SelfSubjectReview"
    assert review["status"]["userInfo"]["username"] == "system:serviceaccount:default:default"
    # What a real cluster's token says: issuer and audience default to kubeadm's.
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == (ISSUER, [ISSUER], 3600)


def test_the_issuers_jwks_verifies_tokens(
    server: APIServerProcess, cache: Path, accounts: None, tmp_path: Path
) -> None:
    token = admin(server, cache, "create", "token", "default").strip()
    # system:service-account-issuer-discovery is bound to every service account, as upstream.
    code, content_type, body = https_get(
        server.url + "/.well-known/openid-configuration", ca_cert=server.ca_cert, token=token
    )
    assert (code, content_type) == (200, "application/json")
    discovery = json.loads(body)
    assert discovery["issuer"] == ISSUER
    assert discovery["jwks_uri"] == server.url + "/openid/v1/jwks"
    code, content_type, body = https_get(server.url + "/openid/v1/jwks", ca_cert=server.ca_cert, token=token)
    assert (code, content_type) == (200, "application/jwk-set+json")
    keys = {key["kid"]: key for key in json.loads(body)["keys"]}
    key = jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]])
    claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name], audience=ISSUER, issuer=ISSUER)
    assert claims["sub"] == "system:serviceaccount:default:default"
    # Anonymous users reach the path, and RBAC refuses them unless someone grants it.
    code, _, body = https_get(server.url + "/openid/v1/jwks", ca_cert=server.ca_cert)
    assert code == 403, body
    assert json.loads(body)["message"] == (
        'forbidden: User "system:anonymous" cannot get path "/openid/v1/jwks"'
    )


def test_a_pod_bound_token_stops_working_once_the_pod_is_deleted(
    server: APIServerProcess, cache: Path, accounts: None, tmp_path: Path
) -> None:
    admin(server, cache, "run", "p", "--image=busybox", "--restart=Never")
    token = admin(
        server, cache, "create", "token", "default", "--bound-object-kind=Pod", "--bound-object-name=p"
    ).strip()
    pod_uid = admin(server, cache, "get", "pod", "p", "-o", "jsonpath={.metadata.uid}")
    config = token_kubeconfig(server, token, tmp_path / "pod.kubeconfig")
    whoami = kubectl(config, tmp_path / "cache", "auth", "whoami", "-o", "json")
    assert whoami.returncode == 0, whoami.stderr
    extra = json.loads(whoami.stdout)["status"]["userInfo"]["extra"]
    assert extra["authentication.kubernetes.io/pod-name"] == ["p"]
    assert extra["authentication.kubernetes.io/pod-uid"] == [pod_uid]

    admin(server, cache, "delete", "pod", "p", "--grace-period=0", "--force")
    whoami = kubectl(config, tmp_path / "cache", "auth", "whoami")
    assert whoami.returncode == 1
    assert "error: You must be logged in to the server (Unauthorized)" in whoami.stderr


def test_token_for_another_audience_and_token_review(
    server: APIServerProcess, cache: Path, accounts: None, tmp_path: Path
) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "px"},
        "spec": {"serviceAccountName": "x", "containers": [{"name": "c", "image": "busybox"}]},
    }
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(yaml.safe_dump(pod))
    admin(server, cache, "create", "-f", str(manifest))
    token = admin(
        server,
        cache,
        "create",
        "token",
        "x",
        "--audience=a",
        "--duration=10m",
        "--bound-object-kind=Pod",
        "--bound-object-name=px",
    ).strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["aud"], claims["exp"] - claims["iat"]) == (["a"], 600)
    assert claims["kubernetes.io"]["pod"]["name"] == "px"

    # Not for this API server: its audience is the issuer.
    config = token_kubeconfig(server, token, tmp_path / "a.kubeconfig")
    assert kubectl(config, tmp_path / "cache", "auth", "whoami").returncode == 1

    api = k8s.AuthenticationV1Api(k8s_config.new_client_from_config(config_file=str(server.kubeconfig)))
    try:
        review = api.create_token_review(
            k8s.V1TokenReview(spec=k8s.V1TokenReviewSpec(token=token, audiences=["a"]))
        )
        assert review.status.authenticated is True
        assert review.status.audiences == ["a"]
        assert review.status.user.username == "system:serviceaccount:default:x"
        assert review.status.user.groups == [
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated",
        ]
        assert review.status.user.extra["authentication.kubernetes.io/pod-name"] == ["px"]

        review = api.create_token_review(k8s.V1TokenReview(spec=k8s.V1TokenReviewSpec(token=token)))
        assert not review.status.authenticated
        assert review.status.error == (
            'token audiences ["a"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]'
        )
        review = api.create_token_review(k8s.V1TokenReview(spec=k8s.V1TokenReviewSpec(token="garbage")))
        assert not review.status.authenticated
        assert review.status.error == "invalid bearer token"
    finally:
        api.api_client.close()


def test_token_request_errors_reach_kubectl(server: APIServerProcess, cache: Path, accounts: None) -> None:
    result = kubectl(server.kubeconfig, cache, "create", "token", "nobody")
    assert result.returncode == 1
    assert result.stderr.strip() == 'error: failed to create token: serviceaccounts "nobody" not found'
    result = kubectl(server.kubeconfig, cache, "create", "token", "default", "--duration=1m")
    assert result.returncode == 1
    assert "may not specify a duration less than 10 minutes" in result.stderr
