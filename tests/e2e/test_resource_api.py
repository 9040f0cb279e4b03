"""The resource API as a user meets it: real kubectl (1.27, 1.32, 1.37) and the official Python client."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch as k8s_watch
from kubernetes.client.rest import ApiException

from tests.e2e.conftest import APIServerProcess, kubectl, kubectl_binary, start_apiserver

VERSIONS = ["1.27", "1.32", "1.37"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("resource-api"))
    try:
        yield started
    finally:
        started.stop()


class Kubectl:
    """kubectl against the test server, with a private discovery cache per version."""

    def __init__(self, server: APIServerProcess, cache_root: Path) -> None:
        self.server = server
        self.cache_root = cache_root

    def __call__(
        self, *args: str, version: str = "1.32", check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = kubectl(self.server.kubeconfig, self.cache_root / f"cache-{version}", *args, version=version)
        if check:
            assert result.returncode == 0, f"kubectl {' '.join(args)} failed:\n{result.stderr}"
        return result

    def command(self, version: str = "1.32") -> list[str]:
        """The argv prefix, for kubectl processes a test runs in the background."""
        return [
            str(kubectl_binary(version)),
            f"--kubeconfig={self.server.kubeconfig}",
            f"--cache-dir={self.cache_root / f'cache-{version}'}",
        ]


@pytest.fixture
def run(server: APIServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(server, tmp_path)


@pytest.fixture
def namespace(run, request: pytest.FixtureRequest) -> str:  # type: ignore[no-untyped-def]
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    name = f"t-{slug}-{hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:6]}"
    run("create", "namespace", name)
    return name


# --- discovery -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_api_resources_lists_builtin_kinds_with_short_names(run, version: str) -> None:  # type: ignore[no-untyped-def]
    out = run("api-resources", version=version).stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["deployments"][1:] == ["deploy", "apps/v1", "true", "Deployment"]
    assert rows["namespaces"][1:] == ["ns", "v1", "false", "Namespace"]
    assert "configmaps" in rows and "cronjobs" in rows and "networkpolicies" in rows


def test_api_versions_lists_served_group_versions(run) -> None:  # type: ignore[no-untyped-def]
    versions = run("api-versions").stdout.split()
    assert {"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"} <= set(
        versions
    )
    assert "metrics.k8s.io/v1beta1" not in versions, "only served groups are advertised"


def test_default_namespaces_exist(run) -> None:  # type: ignore[no-untyped-def]
    names = run("get", "namespaces", "-o", "name").stdout.split()
    assert {
        "namespace/default",
        "namespace/kube-system",
        "namespace/kube-public",
        "namespace/kube-node-lease",
    } <= set(names)


# --- imperative create (protobuf bodies from 1.32+) and get ----------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_create_configmap_then_get_it_in_every_output_format(run, namespace: str, version: str) -> None:  # type: ignore[no-untyped-def]
    created = run(
        "create", "configmap", "settings", "--from-literal=mode=fast", "-n", namespace, version=version
    )
    assert created.stdout.strip() == "configmap/settings created"
    table = run("get", "configmap", "settings", "-n", namespace, version=version).stdout.splitlines()
    assert table[0].split() == ["NAME", "DATA", "AGE"]
    assert table[1].split()[:2] == ["settings", "1"]
    as_json = json.loads(run("get", "cm", "settings", "-n", namespace, "-o", "json", version=version).stdout)
    assert as_json["data"] == {"mode": "fast"} and as_json["kind"] == "ConfigMap"
    assert as_json["metadata"]["uid"] and as_json["metadata"]["resourceVersion"].isdigit()
    jsonpath = run("get", "cm", "settings", "-n", namespace, "-o", "jsonpath={.data.mode}", version=version)
    assert jsonpath.stdout == "fast"
    columns = run("get", "cm", "-n", namespace, "-o", "custom-columns=NAME:.metadata.name,MODE:.data.mode")
    assert columns.stdout.split() == ["NAME", "MODE", "settings", "fast"]
    yaml_out = run("get", "cm", "settings", "-n", namespace, "-o", "yaml", version=version).stdout
    assert "mode: fast" in yaml_out and "kind: ConfigMap" in yaml_out


@pytest.mark.parametrize("version", VERSIONS)
def test_create_deployment_shows_upstream_defaults(run, namespace: str, version: str) -> None:  # type: ignore[no-untyped-def]
    run("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "-n", namespace, version=version)
    deployment = json.loads(run("get", "deploy", "web", "-n", namespace, "-o", "json").stdout)
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    pod_spec = spec["template"]["spec"]
    assert (pod_spec["restartPolicy"], pod_spec["dnsPolicy"], pod_spec["schedulerName"]) == (
        "Always",
        "ClusterFirst",
        "default-scheduler",
    )
    assert pod_spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert deployment["metadata"]["generation"] == 1
    wide = run("get", "deploy", "web", "-n", namespace, "-o", "wide").stdout.splitlines()
    assert wide[0].split() == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert wide[1].split()[0:2] == ["web", "0/2"] and "app=web" in wide[1]


def test_create_secret_stores_base64_data(run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    run("create", "secret", "generic", "creds", "--from-literal=password=s3cret", "-n", namespace)
    secret = json.loads(run("get", "secret", "creds", "-n", namespace, "-o", "json").stdout)
    assert secret["type"] == "Opaque" and secret["data"] == {"password": "czNjcmV0"}


def test_selectors_all_namespaces_and_sorting(run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    for name, tier in (("b-cache", "cache"), ("a-web", "web"), ("c-web", "web")):
        run("create", "configmap", name, "-n", namespace)
        run("label", "configmap", name, f"tier={tier}", "-n", namespace)
    by_label = run("get", "cm", "-n", namespace, "-l", "tier=web", "-o", "name").stdout.split()
    assert by_label == ["configmap/a-web", "configmap/c-web"]
    by_set = run("get", "cm", "-n", namespace, "-l", "tier in (cache)", "-o", "name").stdout.split()
    assert by_set == ["configmap/b-cache"]
    by_field = run(
        "get", "cm", "-n", namespace, "--field-selector", "metadata.name=c-web", "-o", "name"
    ).stdout
    assert by_field.split() == ["configmap/c-web"]
    everywhere = run("get", "cm", "-A", "-l", "tier").stdout.splitlines()
    assert everywhere[0].split()[:2] == ["NAMESPACE", "NAME"] and len(everywhere) == 4
    newest_first = run("get", "cm", "-n", namespace, "-l", "tier", "--sort-by=.metadata.name", "-o", "name")
    assert newest_first.stdout.split() == ["configmap/a-web", "configmap/b-cache", "configmap/c-web"]


def test_chunked_list_pages_through_continue_tokens(run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    for index in range(7):
        run("create", "configmap", f"page-{index}", "-n", namespace)
    names = run("get", "cm", "-n", namespace, "--chunk-size=2", "-o", "name").stdout.split()
    assert names == [f"configmap/page-{index}" for index in range(7)]


# --- label, annotate, delete -----------------------------------------------------------------


def test_label_and_annotate_change_only_metadata(run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    run("create", "configmap", "tagged", "--from-literal=k=v", "-n", namespace)
    before = json.loads(run("get", "cm", "tagged", "-n", namespace, "-o", "json").stdout)
    assert (
        run("label", "cm", "tagged", "team=blue", "-n", namespace).stdout.strip()
        == "configmap/tagged labeled"
    )
    assert (
        run("annotate", "cm", "tagged", "owner=ops", "-n", namespace).stdout.strip()
        == "configmap/tagged annotated"
    )
    after = json.loads(run("get", "cm", "tagged", "-n", namespace, "-o", "json").stdout)
    assert after["metadata"]["labels"] == {"team": "blue"}
    assert after["metadata"]["annotations"] == {"owner": "ops"}
    assert after["data"] == before["data"] and after["metadata"]["uid"] == before["metadata"]["uid"]
    run("label", "cm", "tagged", "team-", "-n", namespace)
    unlabelled = json.loads(run("get", "cm", "tagged", "-n", namespace, "-o", "json").stdout)
    assert "team" not in unlabelled["metadata"].get("labels", {})


def test_delete_by_name_file_label_and_all(run, namespace: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("one", "two", "three", "four"):
        run("create", "configmap", name, "-n", namespace)
    run("label", "cm", "three", "gone=yes", "-n", namespace)
    assert run("delete", "cm", "one", "-n", namespace).stdout.strip().startswith('configmap "one" deleted')
    manifest = tmp_path / "two.yaml"
    manifest.write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n  namespace: {namespace}\n"
    )
    run("delete", "-f", str(manifest))
    run("delete", "cm", "-l", "gone=yes", "-n", namespace)
    assert run("get", "cm", "-n", namespace, "-o", "name").stdout.split() == ["configmap/four"]
    run("delete", "cm", "--all", "-n", namespace)
    assert run("get", "cm", "-n", namespace, "-o", "name").stdout.strip() == ""


# --- errors ----------------------------------------------------------------------------------


def test_errors_read_like_a_real_cluster(run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    missing = run("get", "cm", "nope", "-n", namespace, check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): configmaps "nope" not found'
    run("create", "configmap", "dup", "-n", namespace)
    duplicate = run("create", "configmap", "dup", "-n", namespace, check=False)
    # What kubectl's generator commands print for a 409 AlreadyExists.
    assert duplicate.stderr.strip() == 'error: failed to create configmap: configmaps "dup" already exists'
    no_namespace = run("create", "configmap", "x", "-n", "does-not-exist", check=False)
    assert 'namespaces "does-not-exist" not found' in no_namespace.stderr


# --- watch -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.32", "1.37"])
def test_get_watch_sees_creates_updates_and_deletes(
    run, server: APIServerProcess, namespace: str, tmp_path: Path, version: str
) -> None:  # type: ignore[no-untyped-def]
    watcher = subprocess.Popen(
        [
            str(kubectl_binary(version)),
            f"--kubeconfig={server.kubeconfig}",
            f"--cache-dir={tmp_path / 'watch-cache'}",
            "get", "cm", "-n", namespace, "-w", "--output-watch-events",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(watcher.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        time.sleep(2)
        run("create", "configmap", "watched", "-n", namespace)
        run("label", "configmap", "watched", "seen=yes", "-n", namespace)
        run("delete", "configmap", "watched", "-n", namespace)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and sum("watched" in line for line in lines) < 3:
            time.sleep(0.2)
    finally:
        watcher.terminate()
        watcher.wait(10)
        reader.join(10)
        watcher.stdout.close()  # type: ignore[union-attr]
    events = [line.split()[0] for line in lines if "watched" in line]
    assert events == ["ADDED", "MODIFIED", "DELETED"], lines


# --- the official Python client --------------------------------------------------------------


@pytest.fixture
def core(server: APIServerProcess) -> k8s.CoreV1Api:
    api_client = k8s_config.new_client_from_config(config_file=str(server.kubeconfig))
    return k8s.CoreV1Api(api_client)


def test_python_client_crud_and_watch(core: k8s.CoreV1Api, run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    body = k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="py"), data={"a": "1"})
    created = core.create_namespaced_config_map(namespace, body)
    assert created.metadata.uid and created.data == {"a": "1"}
    created.data["a"] = "2"
    replaced = core.replace_namespaced_config_map("py", namespace, created)
    assert replaced.data == {"a": "2"} and int(replaced.metadata.resource_version) > int(
        created.metadata.resource_version
    )
    stale = created
    stale.data["a"] = "3"
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map("py", namespace, stale)
    assert conflict.value.status == 409
    patched = core.patch_namespaced_config_map(
        "py", namespace, [{"op": "add", "path": "/data/b", "value": "x"}]
    )
    assert patched.data == {"a": "2", "b": "x"}
    listed = core.list_namespaced_config_map(namespace)
    assert [item.metadata.name for item in listed.items] == ["py"]

    stream = k8s_watch.Watch().stream(
        core.list_namespaced_config_map,
        namespace,
        resource_version=listed.metadata.resource_version,
        timeout_seconds=5,
    )
    core.delete_namespaced_config_map("py", namespace)
    seen = [(event["type"], event["object"].metadata.name) for event in stream]
    assert seen == [("DELETED", "py")]
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("py", namespace)
    assert missing.value.status == 404


def test_python_client_watch_without_resource_version_starts_with_existing_objects(
    core: k8s.CoreV1Api, namespace: str
) -> None:
    core.create_namespaced_config_map(namespace, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="present")))
    events = list(k8s_watch.Watch().stream(core.list_namespaced_config_map, namespace, timeout_seconds=2))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "present")]


# --- durability ------------------------------------------------------------------------------


def test_objects_survive_a_restart_on_the_same_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "restart"
    first = start_apiserver(data_dir)
    try:
        result = kubectl(
            first.kubeconfig, tmp_path / "c1", "create", "configmap", "kept", "--from-literal=x=1"
        )
        assert result.returncode == 0, result.stderr
    finally:
        assert first.stop() == 0
    second = start_apiserver(data_dir)
    try:
        result = kubectl(second.kubeconfig, tmp_path / "c2", "get", "cm", "kept", "-o", "jsonpath={.data.x}")
        assert (result.returncode, result.stdout) == (0, "1"), result.stderr
    finally:
        second.stop()


# --- services, describe, events, cluster-info ------------------------------------------------


def test_create_service_allocates_a_cluster_ip_and_node_port(run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    run("create", "service", "nodeport", "web", "--tcp=80:8080", "-n", namespace)
    row = run("get", "svc", "web", "-n", namespace).stdout.splitlines()[1].split()
    assert row[0:2] == ["web", "NodePort"] and row[2].startswith("10.")
    assert row[3] == "<none>" and row[4].startswith("80:3") and row[4].endswith("/TCP")
    service = json.loads(run("get", "svc", "web", "-n", namespace, "-o", "json").stdout)
    assert service["spec"]["ports"][0]["targetPort"] == 8080
    kubernetes = json.loads(run("get", "svc", "kubernetes", "-n", "default", "-o", "json").stdout)
    assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"


def test_describe_shows_the_objects(run, namespace: str) -> None:  # type: ignore[no-untyped-def]
    run("create", "deployment", "shop", "--image=nginx", "-n", namespace)
    run("create", "configmap", "shop-config", "--from-literal=color=blue", "-n", namespace)
    run("create", "service", "clusterip", "shop", "--tcp=80:80", "-n", namespace)
    deployment = run("describe", "deployment", "shop", "-n", namespace).stdout
    assert "Name:                   shop" in deployment and "RollingUpdate" in deployment
    assert "Image:         nginx" in deployment
    configmap = run("describe", "configmap", "shop-config", "-n", namespace).stdout
    assert "color:" in configmap and "blue" in configmap
    service = run("describe", "service", "shop", "-n", namespace).stdout
    assert "Type:                     ClusterIP" in service and "IP:                       10." in service
    described_namespace = run("describe", "namespace", namespace).stdout
    assert "Status:       Active" in described_namespace


def test_events_sort_by_last_timestamp(run, core: k8s.CoreV1Api, namespace: str) -> None:  # type: ignore[no-untyped-def]
    for name, stamp, reason in (
        ("late", "2026-01-02T00:00:00Z", "Later"),
        ("early", "2026-01-01T00:00:00Z", "Sooner"),
    ):
        core.create_namespaced_event(
            namespace,
            k8s.CoreV1Event(
                metadata=k8s.V1ObjectMeta(name=name),
                involved_object=k8s.V1ObjectReference(kind="Pod", name="p", namespace=namespace),
                reason=reason,
                message=f"{name} happened",
                type="Normal",
                first_timestamp=stamp,
                last_timestamp=stamp,
                count=1,
            ),
        )
    table = run("get", "events", "-A", "--sort-by=.lastTimestamp").stdout
    mine = [line for line in table.splitlines() if namespace in line]
    assert [line.split()[3] for line in mine] == ["Sooner", "Later"]
    by_object = run(
        "get", "events", "-n", namespace, "--field-selector", "involvedObject.name=p", "-o", "name"
    )
    assert len(by_object.stdout.split()) == 2


def test_cluster_info_names_the_control_plane(run, server: APIServerProcess) -> None:  # type: ignore[no-untyped-def]
    out = run("cluster-info").stdout
    assert f"Kubernetes control plane is running at {server.url}" in out.replace("\x1b[0;32m", "").replace(
        "\x1b[0;33m", ""
    ).replace("\x1b[0m", "")


def test_kill_9_during_writes_loses_no_acknowledged_object(tmp_path: Path) -> None:
    data_dir = tmp_path / "crash"
    server = start_apiserver(data_dir)
    api_client = k8s_config.new_client_from_config(config_file=str(server.kubeconfig))
    core = k8s.CoreV1Api(api_client)
    acknowledged: list[str] = []
    try:
        for index in range(300):
            core.create_namespaced_config_map(
                "default", k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=f"ack-{index}"))
            )
            acknowledged.append(f"ack-{index}")
            if index == 150:
                server.process.kill()  # SIGKILL mid-stream; the next request fails
    except Exception:
        pass
    finally:
        server.process.kill()
        server.process.wait()
        api_client.close()
    assert len(acknowledged) >= 151
    restarted = start_apiserver(data_dir)
    try:
        stored = {
            item.metadata.name
            for item in k8s.CoreV1Api(
                k8s_config.new_client_from_config(config_file=str(restarted.kubeconfig))
            )
            .list_namespaced_config_map("default")
            .items
        }
        assert set(acknowledged) <= stored
    finally:
        restarted.stop()


@pytest.mark.parametrize("version", ["1.32", "1.37"])
def test_kubectl_wait_sees_a_change_and_a_deletion(run, namespace: str, version: str) -> None:  # type: ignore[no-untyped-def]
    """kubectl 1.37 waits with watch-list (sendInitialEvents and the initial-events-end bookmark)."""
    run("create", "configmap", "gate", "--from-literal=state=closed", "-n", namespace)
    waiter = subprocess.Popen(
        [
            *run.command(version),
            "wait", "--for=jsonpath={.data.state}=open", "configmap/gate", "-n", namespace, "--timeout=30s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    time.sleep(1.5)
    run("patch", "configmap", "gate", "-n", namespace, "--type=merge", "-p", '{"data":{"state":"open"}}')
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err
    assert out.strip() == "configmap/gate condition met"
    deleted = run("delete", "configmap", "gate", "-n", namespace, "--wait=true", version=version)
    assert deleted.stdout.startswith('configmap "gate" deleted')


def test_python_client_delete_collection_removes_only_the_selected(
    core: k8s.CoreV1Api, namespace: str
) -> None:
    for name, team in (("a", "red"), ("b", "red"), ("c", "blue")):
        core.create_namespaced_config_map(
            namespace, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=name, labels={"team": team}))
        )
    core.delete_collection_namespaced_config_map(namespace, label_selector="team=red")
    remaining = [item.metadata.name for item in core.list_namespaced_config_map(namespace).items]
    assert remaining == ["c"]


def test_every_listable_resource_answers_get_all_namespaces(run) -> None:  # type: ignore[no-untyped-def]
    rows = run("api-resources", "--verbs=list", "-o", "name").stdout.split()
    assert len(rows) > 40
    failures = {}
    for resource in rows:
        for output in ([], ["-o", "wide"]):
            result = run("get", resource, "-A", *output, check=False)
            if result.returncode != 0:
                failures[f"{resource} {' '.join(output)}"] = result.stderr.strip()
    assert failures == {}
