"""RBAC as a user meets it, with real kubectl 1.32 and 1.37: the seed's Role and RoleBinding for alice,
upstream's Forbidden messages, ``kubectl auth can-i`` (also ``--list`` and ``--as``), ``auth whoami``,
impersonation, escalation prevention, SubjectAccessReviews, ClusterRole aggregation and the bootstrap
policy reconciled at start."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pinnace.apiserver.kubeconfig import build_kubeconfig, write_kubeconfig
from pinnace.apiserver.pki import ClusterPKI, mint_client_certificate
from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver

pytestmark = pytest.mark.e2e

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d504272936a41a83.txt"
VERSIONS = ("1.32", "1.37")


def seed_rbac_manifest() -> str:
    """The seed article's Role and RoleBinding (namespace dev), as the article writes them."""
    for block in re.findall(r"```ya?ml\n(.*?)```", SEED.read_text(), re.S):
        kinds = {doc.get("kind") for doc in yaml.safe_load_all(block) if isinstance(doc, dict)}
        if {"Role", "RoleBinding"} <= kinds:
            return str(block)
    raise AssertionError("the seed has no Role and RoleBinding")


@dataclass
class Cluster:
    server: APIServerProcess
    admin: Path
    alice: Path
    cache: Path

    def as_admin(self, *args: str, version: str | None = None) -> tuple[int, str, str]:
        result = kubectl(self.admin, self.cache / "admin", *args, version=version)
        return result.returncode, result.stdout, result.stderr

    def as_alice(self, *args: str, version: str | None = None) -> tuple[int, str, str]:
        result = kubectl(self.alice, self.cache / "alice", *args, version=version)
        return result.returncode, result.stdout, result.stderr


def user_kubeconfig(server: APIServerProcess, user: str, path: Path) -> Path:
    minted = mint_client_certificate(ClusterPKI.at(server.data_dir), user, days=1)
    write_kubeconfig(
        build_kubeconfig(
            server_url=server.url,
            ca_pem=server.ca_cert.read_bytes(),
            cert_pem=minted.cert_pem,
            key_pem=minted.key_pem,
        ),
        path,
    )
    return path


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("rbac")
    server = start_apiserver(base / "data")
    try:
        admin = server.kubeconfig
        alice = user_kubeconfig(server, "alice", base / "alice.yaml")
        found = Cluster(server, admin, alice, base / "cache")
        assert found.as_admin("create", "namespace", "dev")[0] == 0
        manifest = base / "seed-rbac.yaml"
        manifest.write_text(seed_rbac_manifest())
        code, _, err = found.as_admin("apply", "-f", str(manifest))
        assert code == 0, err
        yield found
    finally:
        server.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_alice_lists_pods_in_dev(cluster: Cluster, version: str) -> None:
    code, _, err = cluster.as_alice("get", "pods", "-n", "dev", version=version)
    assert (code, err) == (0, "No resources found in dev namespace.\n")


@pytest.mark.parametrize("version", VERSIONS)
def test_alice_is_forbidden_elsewhere_with_upstreams_message(cluster: Cluster, version: str) -> None:
    code, _, err = cluster.as_alice("get", "pods", "-n", "default", version=version)
    assert code == 1
    assert err == (
        'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API '
        'group "" in the namespace "default"\n'
    )
    code, _, err = cluster.as_alice("delete", "pod", "-n", "dev", "x", version=version)
    assert code == 1
    assert err == (
        'Error from server (Forbidden): pods "x" is forbidden: User "alice" cannot delete resource "pods" in '
        'API group "" in the namespace "dev"\n'
    )


def rule_rows(listing: str) -> dict[str, str]:
    """``kubectl auth can-i --list`` rows: resource (or URL) -> verbs column."""
    rows = {}
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if line.startswith(" "):  # a non-resource URL row has an empty first column
            rows[columns[0]] = " ".join(columns[2:])
        else:
            rows[columns[0]] = " ".join(columns[3:])
    return rows


@pytest.mark.parametrize("version", VERSIONS)
def test_can_i_list_as_alice_agrees(cluster: Cluster, version: str) -> None:
    code, listing, err = cluster.as_admin(
        "auth", "can-i", "--list", "--as", "alice", "-n", "dev", version=version
    )
    assert code == 0, err
    rows = rule_rows(listing)
    assert rows["pods"] == "[get list watch]"
    assert rows["selfsubjectaccessreviews.authorization.k8s.io"] == "[create]"
    assert rows["[/api]"] == "[get]"
    assert not any(name.startswith("secrets") or name.startswith("deployments") for name in rows)
    # Alice asking for herself sees the same.
    code, own, _ = cluster.as_alice("auth", "can-i", "--list", "-n", "dev", version=version)
    assert code == 0 and rule_rows(own) == rows
    # In another namespace she holds only what every authenticated user holds.
    _, elsewhere, _ = cluster.as_admin(
        "auth", "can-i", "--list", "--as", "alice", "-n", "default", version=version
    )
    assert "pods" not in rule_rows(elsewhere)


@pytest.mark.parametrize("version", VERSIONS)
def test_can_i(cluster: Cluster, version: str) -> None:
    code, out, _ = cluster.as_admin("auth", "can-i", "create", "deployments", "--as", "bob", version=version)
    assert (code, out) == (1, "no\n")
    code, out, _ = cluster.as_admin(
        "auth", "can-i", "list", "pods", "-n", "dev", "--as", "alice", version=version
    )
    assert (code, out) == (0, "yes\n")
    code, out, _ = cluster.as_alice("auth", "can-i", "delete", "pods", "-n", "dev", version=version)
    assert (code, out) == (1, "no\n")
    code, out, _ = cluster.as_alice("auth", "can-i", "get", "/api", version=version)
    assert (code, out) == (0, "yes\n")
    # --as-group: a group that has no grant adds nothing; system:masters may do everything.
    code, out, _ = cluster.as_admin(
        "auth", "can-i", "delete", "nodes", "--as", "bob", "--as-group", "system:masters", version=version
    )
    assert (code, out) == (0, "yes\n")


@pytest.mark.parametrize("version", VERSIONS)
def test_whoami_and_impersonation(cluster: Cluster, version: str) -> None:
    code, out, _ = cluster.as_alice("auth", "whoami", version=version)
    assert code == 0
    assert [line.split() for line in out.splitlines()] == [
        ["ATTRIBUTE", "VALUE"],
        ["Username", "alice"],
        ["Groups", "[system:authenticated]"],
    ]
    code, out, _ = cluster.as_admin("auth", "whoami", "--as", "alice", "--as-group", "dev", version=version)
    assert [line.split() for line in out.splitlines()][1:] == [
        ["Username", "alice"],
        ["Groups", "[dev", "system:authenticated]"],
    ]
    code, _, err = cluster.as_alice("get", "pods", "-n", "dev", "--as", "bob", version=version)
    assert code == 1
    assert err == (
        'Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource '
        '"users" in API group "" at the cluster scope\n'
    )


NOT_HELD = (
    'is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions '
    "not currently held:\n"
)


def test_escalation_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    manager = tmp_path / "role-manager.yaml"
    manager.write_text(
        yaml.safe_dump_all(
            [
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "Role",
                    "metadata": {"name": "role-manager", "namespace": "dev"},
                    "rules": [
                        {
                            "apiGroups": ["rbac.authorization.k8s.io"],
                            "resources": ["roles", "rolebindings"],
                            "verbs": ["create", "get", "list", "update", "patch", "delete"],
                        }
                    ],
                },
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "RoleBinding",
                    "metadata": {"name": "alice-manages-roles", "namespace": "dev"},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "Role",
                        "name": "role-manager",
                    },
                    "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}],
                },
            ]
        )
    )
    assert cluster.as_admin("apply", "-f", str(manager))[0] == 0
    eventually(lambda: cluster.as_alice("auth", "can-i", "create", "roles", "-n", "dev")[1] == "yes\n")

    # A role with rules she holds (kubectl create role sends protobuf).
    code, _, err = cluster.as_alice(
        "create", "role", "pod-getter", "--verb=get", "--resource=pods", "-n", "dev"
    )
    assert code == 0, err
    # One with rules she lacks.
    code, _, err = cluster.as_alice(
        "create", "role", "secret-reader", "--verb=get", "--resource=secrets", "-n", "dev"
    )
    assert code == 1
    assert (
        'roles.rbac.authorization.k8s.io "secret-reader" '
        + NOT_HELD
        + '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    ) in err
    # Widening a role she may update, by patch: judged on the result.
    code, _, err = cluster.as_alice(
        "patch", "role", "pod-getter", "-n", "dev", "--type=json",
        "-p", '[{"op": "add", "path": "/rules/0/verbs/-", "value": "delete"}]',
    )  # fmt: skip
    assert code == 1
    assert ('roles.rbac.authorization.k8s.io "pod-getter" ' + NOT_HELD) in err
    assert '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}' in err

    # Binding: a role she holds, yes; edit, no, unless she may bind it.
    code, _, err = cluster.as_alice(
        "create", "rolebinding", "bob-reads", "--role=read-pods", "--user=bob", "-n", "dev"
    )
    assert code == 0, err
    code, _, err = cluster.as_alice(
        "create", "rolebinding", "bob-edits", "--clusterrole=edit", "--user=bob", "-n", "dev"
    )
    assert code == 1
    assert ('rolebindings.rbac.authorization.k8s.io "bob-edits" ' + NOT_HELD) in err
    assert cluster.as_admin(
        "create", "role", "bind-edit", "-n", "dev", "--verb=bind", "--resource=clusterroles.rbac.authorization.k8s.io",
        "--resource-name=edit",
    )[0] == 0  # fmt: skip
    assert (
        cluster.as_admin(
            "create", "rolebinding", "alice-binds", "--role=bind-edit", "--user=alice", "-n", "dev"
        )[0]
        == 0
    )
    eventually(
        lambda: cluster.as_alice(
            "create", "rolebinding", "bob-edits", "--clusterrole=edit", "--user=bob", "-n", "dev"
        )[0] == 0
    )  # fmt: skip


def test_subject_access_reviews(cluster: Cluster, tmp_path: Path) -> None:
    review = tmp_path / "sar.json"
    review.write_text(
        json.dumps(
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "spec": {
                    "user": "alice",
                    "resourceAttributes": {"namespace": "dev", "verb": "list", "resource": "pods"},
                },
            }
        )
    )
    code, out, err = cluster.as_admin("create", "-f", str(review), "-o", "json")
    assert code == 0, err
    assert json.loads(out)["status"] == {
        "allowed": True,
        "reason": 'RBAC: allowed by RoleBinding "read-pods-binding/dev" of Role "read-pods" to User "alice"',
    }
    local = tmp_path / "lsar.json"
    local.write_text(
        json.dumps(
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "LocalSubjectAccessReview",
                "metadata": {"namespace": "dev"},
                "spec": {
                    "user": "alice",
                    "resourceAttributes": {"namespace": "dev", "verb": "delete", "resource": "pods"},
                },
            }
        )
    )
    code, out, err = cluster.as_admin("create", "-f", str(local), "-o", "json")
    assert code == 0, err
    assert json.loads(out)["status"] == {"allowed": False}
    # Alice may not ask about others.
    code, _, err = cluster.as_alice("create", "-f", str(review))
    assert code == 1
    assert (
        'subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource '
        '"subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope'
    ) in err


def test_cluster_roles_aggregate_by_label(cluster: Cluster, tmp_path: Path) -> None:
    part = tmp_path / "part.yaml"
    part.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {
                    "name": "widget-viewer",
                    "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"},
                },
                "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}],
            }
        )
    )
    assert cluster.as_admin("apply", "-f", str(part))[0] == 0

    def holds_widgets(role: str) -> bool:
        _, out, _ = cluster.as_admin("get", "clusterrole", role, "-o", "json")
        return any("widgets" in rule.get("resources", []) for rule in json.loads(out).get("rules") or [])

    # view gathers it, and edit and admin gather view's rules in turn.
    eventually(lambda: holds_widgets("view") and holds_widgets("edit") and holds_widgets("admin"))
    assert cluster.as_admin("delete", "clusterrole", "widget-viewer")[0] == 0
    eventually(lambda: not holds_widgets("view") and not holds_widgets("admin"))


def test_the_bootstrap_policy_is_reconciled_at_start(tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    def admin(server: APIServerProcess, *args: str) -> str:
        result = kubectl(server.kubeconfig, cache, *args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    empty_subjects = '[{"op": "replace", "path": "/subjects", "value": []}]'
    server = start_apiserver(tmp_path / "data")
    try:
        # Take the subjects away from two bootstrap bindings, one of them protected from updates.
        admin(server, "patch", "clusterrolebinding", "system:basic-user", "--type=json", "-p", empty_subjects)
        admin(
            server, "annotate", "--overwrite", "clusterrolebinding", "system:discovery",
            "rbac.authorization.kubernetes.io/autoupdate=false",
        )  # fmt: skip
        admin(server, "patch", "clusterrolebinding", "system:discovery", "--type=json", "-p", empty_subjects)
    finally:
        server.stop()
    server = start_apiserver(tmp_path / "data")
    try:

        def subjects(name: str) -> list[str]:
            found = json.loads(admin(server, "get", "clusterrolebinding", name, "-o", "json"))
            return [subject["name"] for subject in found.get("subjects") or []]

        assert subjects("system:basic-user") == ["system:authenticated"]
        assert subjects("system:discovery") == []
    finally:
        server.stop()
