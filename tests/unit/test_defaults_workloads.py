"""Workload defaulting: each case is what a user (or kubectl) sends and what a 1.32 cluster shows back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pinnace.api.defaults import apply_defaults

Obj = dict[str, Any]


def defaulted(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    apply_defaults(out)
    return out


# --- builders: the user's view and the cluster's view of the same container and template ---


def container(name: str = "nginx", image: str = "nginx", **fields: Any) -> Obj:
    return {"name": name, "image": image, **fields}


def shown_container(name: str = "nginx", image: str = "nginx", pull: str = "Always", **fields: Any) -> Obj:
    """A container as `kubectl get -o yaml` shows it after defaulting."""
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": pull,
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        **fields,
    }


def shown_pod_spec(*containers: Obj, **fields: Any) -> Obj:
    return {
        "containers": list(containers),
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        **fields,
    }


def shown_bare_pod_spec(**fields: Any) -> Obj:
    """A pod spec the user sent without containers (invalid, but defaulting does not care)."""
    spec = shown_pod_spec(**fields)
    del spec["containers"]
    return spec


def template(labels: dict[str, str], *containers: Obj, **spec: Any) -> Obj:
    return {"metadata": {"labels": labels}, "spec": {"containers": list(containers), **spec}}


def shown_template(labels: dict[str, str], spec: Obj) -> Obj:
    return {"metadata": {"creationTimestamp": None, "labels": labels}, "spec": spec}


APP = {"app": "web"}

# `kubectl create deployment web --image=nginx` sends exactly this body.
KUBECTL_CREATE_DEPLOYMENT: Obj = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "creationTimestamp": None, "labels": APP},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": APP},
        "strategy": {},
        "template": {
            "metadata": {"creationTimestamp": None, "labels": APP},
            "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
        },
    },
    "status": {},
}

CASES: list[tuple[str, Obj, Obj]] = [
    (
        "kubectl create deployment web --image=nginx reads back as on a real cluster",
        KUBECTL_CREATE_DEPLOYMENT,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "creationTimestamp": None, "labels": APP},
            "spec": {
                "progressDeadlineSeconds": 600,
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": APP},
                "strategy": {
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    "type": "RollingUpdate",
                },
                "template": shown_template(APP, shown_pod_spec(shown_container())),
            },
            "status": {},
        },
    ),
    (
        "a deployment manifest without replicas or strategy gets both",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": APP},
                "template": template(APP, container(image="nginx:1.27")),
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "progressDeadlineSeconds": 600,
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": APP},
                "strategy": {
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    "type": "RollingUpdate",
                },
                "template": shown_template(
                    APP, shown_pod_spec(shown_container(image="nginx:1.27", pull="IfNotPresent"))
                ),
            },
            "status": {},
        },
    ),
    (
        "a Recreate deployment gets no rolling update parameters",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": APP},
                "template": template(APP),
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "progressDeadlineSeconds": 600,
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": APP},
                "strategy": {"type": "Recreate"},
                "template": shown_template(APP, shown_pod_spec()),
            },
            "status": {},
        },
    ),
    (
        "a replica set gets one replica and status replicas 0",
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": APP}, "template": template(APP, container())},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": APP},
                "template": shown_template(APP, shown_pod_spec(shown_container())),
            },
            "status": {"replicas": 0},
        },
    ),
    (
        "a stateful set with a claim template shows the claim as a whole PersistentVolumeClaim",
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "web"},
            "spec": {
                "serviceName": "web",
                "selector": {"matchLabels": APP},
                "template": template(APP, container(volumeMounts=[{"name": "www", "mountPath": "/data"}])),
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "www"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                        },
                    }
                ],
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "web"},
            "spec": {
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                "podManagementPolicy": "OrderedReady",
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": APP},
                "serviceName": "web",
                "template": shown_template(
                    APP, shown_pod_spec(shown_container(volumeMounts=[{"name": "www", "mountPath": "/data"}]))
                ),
                "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
                "volumeClaimTemplates": [
                    {
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "metadata": {"creationTimestamp": None, "name": "www"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                            "volumeMode": "Filesystem",
                        },
                        "status": {"phase": "Pending"},
                    }
                ],
            },
            "status": {"availableReplicas": 0, "replicas": 0},
        },
    ),
    (
        "a stateful set that says RollingUpdate without parameters gets no partition",
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "web"},
            "spec": {"updateStrategy": {"type": "RollingUpdate"}, "replicas": 3, "template": template(APP)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "web"},
            "spec": {
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                "podManagementPolicy": "OrderedReady",
                "replicas": 3,
                "revisionHistoryLimit": 10,
                "template": shown_template(APP, shown_pod_spec()),
                "updateStrategy": {"type": "RollingUpdate"},
            },
            "status": {"availableReplicas": 0, "replicas": 0},
        },
    ),
    (
        "a daemon set rolls one pod at a time without surge",
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent"},
            "spec": {
                "selector": {"matchLabels": APP},
                "template": template(APP, container(image="agent:v1")),
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent"},
            "spec": {
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": APP},
                "template": shown_template(
                    APP, shown_pod_spec(shown_container(image="agent:v1", pull="IfNotPresent"))
                ),
                "updateStrategy": {
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                    "type": "RollingUpdate",
                },
            },
            "status": {
                "currentNumberScheduled": 0,
                "desiredNumberScheduled": 0,
                "numberMisscheduled": 0,
                "numberReady": 0,
            },
        },
    ),
    (
        "a job takes one completion and parallelism, six retries and its template's labels",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "pi"},
            "spec": {
                "template": {
                    "metadata": {"labels": {"app": "pi"}},
                    "spec": {"containers": [container("pi", "perl:5.34")], "restartPolicy": "Never"},
                }
            },
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "pi", "labels": {"app": "pi"}},
            "spec": {
                "backoffLimit": 6,
                "completionMode": "NonIndexed",
                "completions": 1,
                "manualSelector": False,
                "parallelism": 1,
                "podReplacementPolicy": "TerminatingOrFailed",
                "suspend": False,
                "template": shown_template(
                    {"app": "pi"},
                    shown_pod_spec(
                        shown_container("pi", "perl:5.34", pull="IfNotPresent"), restartPolicy="Never"
                    ),
                ),
            },
            "status": {},
        },
    ),
    (
        "a work-queue job with parallelism only keeps completions unset",
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "q"}, "spec": {"parallelism": 4}},
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "q"},
            "spec": {
                "backoffLimit": 6,
                "completionMode": "NonIndexed",
                "manualSelector": False,
                "parallelism": 4,
                "podReplacementPolicy": "TerminatingOrFailed",
                "suspend": False,
                "template": {"metadata": {"creationTimestamp": None}, "spec": shown_bare_pod_spec()},
            },
            "status": {},
        },
    ),
    (
        "a job with a pod failure policy replaces only failed pods and its patterns match status True",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {
                "completions": 3,
                "podFailurePolicy": {
                    "rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]
                },
                "template": {"spec": {"restartPolicy": "Never"}},
            },
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {
                "backoffLimit": 6,
                "completionMode": "NonIndexed",
                "completions": 3,
                "manualSelector": False,
                "parallelism": 1,
                "podFailurePolicy": {
                    "rules": [
                        {
                            "action": "Ignore",
                            "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
                        }
                    ]
                },
                "podReplacementPolicy": "Failed",
                "suspend": False,
                "template": {
                    "metadata": {"creationTimestamp": None},
                    "spec": shown_bare_pod_spec(restartPolicy="Never"),
                },
            },
            "status": {},
        },
    ),
    (
        "an indexed job with a per-index backoff limit has no global limit",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {"completionMode": "Indexed", "completions": 5, "backoffLimitPerIndex": 1},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {
                "backoffLimit": 2147483647,
                "backoffLimitPerIndex": 1,
                "completionMode": "Indexed",
                "completions": 5,
                "manualSelector": False,
                "parallelism": 1,
                "podReplacementPolicy": "TerminatingOrFailed",
                "suspend": False,
                "template": {"metadata": {"creationTimestamp": None}, "spec": shown_bare_pod_spec()},
            },
            "status": {},
        },
    ),
    (
        "a cron job's job template gets pod defaults but not job defaults",
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "hello"},
            "spec": {
                "schedule": "* * * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "containers": [container("hello", "busybox:1.28")],
                                "restartPolicy": "OnFailure",
                            }
                        }
                    }
                },
            },
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "hello"},
            "spec": {
                "concurrencyPolicy": "Allow",
                "failedJobsHistoryLimit": 1,
                "jobTemplate": {
                    "metadata": {"creationTimestamp": None},
                    "spec": {
                        "template": {
                            "metadata": {"creationTimestamp": None},
                            "spec": shown_pod_spec(
                                shown_container("hello", "busybox:1.28", pull="IfNotPresent"),
                                restartPolicy="OnFailure",
                            ),
                        }
                    },
                },
                "schedule": "* * * * *",
                "successfulJobsHistoryLimit": 3,
                "suspend": False,
            },
            "status": {},
        },
    ),
    (
        "a replication controller takes selector and labels from its template",
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "web"},
            "spec": {"template": template(APP, container())},
        },
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "web", "labels": APP},
            "spec": {
                "replicas": 1,
                "selector": APP,
                "template": shown_template(APP, shown_pod_spec(shown_container())),
            },
            "status": {"replicas": 0},
        },
    ),
    (
        "a pod template gets pod spec defaults but not the pod-only ones",
        {
            "apiVersion": "v1",
            "kind": "PodTemplate",
            "metadata": {"name": "t"},
            "template": template(APP, container(resources={"limits": {"cpu": "1"}})),
        },
        {
            "apiVersion": "v1",
            "kind": "PodTemplate",
            "metadata": {"name": "t"},
            "template": shown_template(
                APP, shown_pod_spec(shown_container(resources={"limits": {"cpu": "1"}}))
            ),
        },
    ),
    (
        "kubectl run nginx --image=nginx reads back with the pod-only defaults",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "nginx", "creationTimestamp": None, "labels": {"run": "nginx"}},
            "spec": {
                "containers": [{"name": "nginx", "image": "nginx", "resources": {}}],
                "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Always",
            },
            "status": {},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "nginx", "creationTimestamp": None, "labels": {"run": "nginx"}},
            "spec": shown_pod_spec(shown_container(), enableServiceLinks=True),
            "status": {},
        },
    ),
]


@pytest.mark.parametrize(("given", "shown"), [pytest.param(g, s, id=i) for i, g, s in CASES])
def test_workload_defaults(given: Obj, shown: Obj) -> None:
    assert defaulted(given) == shown


@pytest.mark.parametrize("given", [pytest.param(g, id=i) for i, g, _ in CASES])
def test_defaulting_twice_equals_once(given: Obj) -> None:
    once = defaulted(given)
    assert defaulted(once) == once


def leaves(obj: Any, prefix: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """Every scalar (and empty container) of a JSON value, by its path."""
    if isinstance(obj, dict) and obj:
        return {k: v for key, value in obj.items() for k, v in leaves(value, (*prefix, key)).items()}
    if isinstance(obj, list) and obj:
        return {k: v for i, value in enumerate(obj) for k, v in leaves(value, (*prefix, i)).items()}
    return {prefix: obj}


def get(obj: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        obj = obj[key]
    return obj


@pytest.mark.parametrize("given", [pytest.param(g, id=i) for i, g, _ in CASES])
def test_user_values_are_kept(given: Obj) -> None:
    out = defaulted(given)
    for keys, value in leaves(given).items():
        kept = get(out, keys)
        assert kept == value or (value in ({}, None) and isinstance(kept, dict)), keys


# --- pod spec details, one behaviour per case ---


def pod(*containers: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": list(containers), **spec},
    }


def spec_of(obj: Obj) -> Obj:
    return defaulted(obj)["spec"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        pytest.param("nginx", "Always", id="no tag means latest: Always"),
        pytest.param("nginx:latest", "Always", id="latest tag: Always"),
        pytest.param("nginx:1.27", "IfNotPresent", id="a version tag: IfNotPresent"),
        pytest.param("registry.local:5000/team/app", "Always", id="a registry port is not a tag"),
        pytest.param("registry.local:5000/team/app:v2", "IfNotPresent", id="a tag after a registry port"),
        pytest.param("nginx@sha256:" + "a" * 64, "IfNotPresent", id="digest only: IfNotPresent"),
        pytest.param("nginx:latest@sha256:" + "a" * 64, "Always", id="latest tag with a digest: Always"),
        pytest.param("Nginx", "IfNotPresent", id="an unparseable name: IfNotPresent"),
        pytest.param("", "IfNotPresent", id="an empty image: IfNotPresent"),
    ],
)
def test_image_pull_policy_follows_the_tag(image: str, policy: str) -> None:
    assert spec_of(pod(container(image=image)))["containers"][0]["imagePullPolicy"] == policy


def test_probes_get_timing_defaults_and_http_scheme() -> None:
    probe = {"httpGet": {"port": 8080}, "periodSeconds": 0}
    spec = spec_of(pod(container(livenessProbe=probe, readinessProbe={"grpc": {"port": 9090}})))
    assert spec["containers"][0]["livenessProbe"] == {
        "httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
        "failureThreshold": 3,
        "periodSeconds": 10,  # 0 is a Go zero value: defaulted too
        "successThreshold": 1,
        "timeoutSeconds": 1,
    }
    assert spec["containers"][0]["readinessProbe"]["grpc"] == {"port": 9090, "service": ""}


def test_ports_env_and_lifecycle_handlers_are_defaulted_in_init_containers_too() -> None:
    init = container(
        "init",
        "busybox:1.36",
        ports=[{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 80}],
        env=[{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        lifecycle={"preStop": {"httpGet": {"port": 80, "path": "/stop"}}},
    )
    shown = spec_of(pod(container(), initContainers=[init]))["initContainers"][0]
    assert shown["ports"] == [
        {"containerPort": 53, "protocol": "UDP"},
        {"containerPort": 80, "protocol": "TCP"},
    ]
    assert shown["env"][0]["valueFrom"]["fieldRef"] == {"apiVersion": "v1", "fieldPath": "spec.nodeName"}
    assert shown["lifecycle"]["preStop"]["httpGet"] == {"port": 80, "path": "/stop", "scheme": "HTTP"}


@pytest.mark.parametrize(
    ("volume", "shown"),
    [
        pytest.param(
            {"name": "v"}, {"name": "v", "emptyDir": {}}, id="a volume without a source is an emptyDir"
        ),
        pytest.param(
            {"name": "v", "secret": {"secretName": "s"}},
            {"name": "v", "secret": {"secretName": "s", "defaultMode": 420}},
            id="secret files are 0644",
        ),
        pytest.param(
            {"name": "v", "configMap": {"name": "c", "defaultMode": 256}},
            {"name": "v", "configMap": {"name": "c", "defaultMode": 256}},
            id="a configMap mode the user set is kept",
        ),
        pytest.param(
            {"name": "v", "hostPath": {"path": "/var/log"}},
            {"name": "v", "hostPath": {"path": "/var/log", "type": ""}},
            id="hostPath type is the empty string",
        ),
        pytest.param(
            {
                "name": "v",
                "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]},
            },
            {
                "name": "v",
                "downwardAPI": {
                    "defaultMode": 420,
                    "items": [
                        {"path": "labels", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"}}
                    ],
                },
            },
            id="downwardAPI files get mode and field ref version",
        ),
        pytest.param(
            {"name": "v", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
            {
                "name": "v",
                "projected": {
                    "defaultMode": 420,
                    "sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}],
                },
            },
            id="projected tokens last an hour",
        ),
        pytest.param(
            {
                "name": "v",
                "ephemeral": {
                    "volumeClaimTemplate": {
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                        }
                    }
                },
            },
            {
                "name": "v",
                "ephemeral": {
                    "volumeClaimTemplate": {
                        "metadata": {"creationTimestamp": None},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                            "volumeMode": "Filesystem",
                        },
                    }
                },
            },
            id="an ephemeral claim template is a filesystem claim",
        ),
        pytest.param(
            {"name": "v", "rbd": {"monitors": ["m"], "image": "i"}},
            {
                "name": "v",
                "rbd": {
                    "monitors": ["m"],
                    "image": "i",
                    "pool": "rbd",
                    "user": "admin",
                    "keyring": "/etc/ceph/keyring",
                },
            },
            id="rbd pool user and keyring",
        ),
    ],
)
def test_volume_defaults(volume: Obj, shown: Obj) -> None:
    assert spec_of(pod(volumes=[volume]))["volumes"] == [shown]


@pytest.mark.parametrize(
    ("resources", "shown"),
    [
        pytest.param(
            {"limits": {"cpu": "500m", "memory": "128Mi"}},
            {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "500m", "memory": "128Mi"}},
            id="requests missing from a pod default to its limits",
        ),
        pytest.param(
            {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m"}},
            {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
            id="only the missing request is taken from the limit",
        ),
        pytest.param(
            {"requests": {"cpu": 0.5, "memory": "1.5Gi"}, "limits": {"cpu": 2}},
            {"requests": {"cpu": "500m", "memory": "1536Mi"}, "limits": {"cpu": "2"}},
            id="quantities are written canonically",
        ),
    ],
)
def test_pod_resources(resources: Obj, shown: Obj) -> None:
    assert spec_of(pod(container(resources=resources)))["containers"][0]["resources"] == shown


def test_host_network_pods_publish_container_ports_on_the_host() -> None:
    spec = spec_of(pod(container(ports=[{"containerPort": 8080}]), hostNetwork=True))
    assert spec["containers"][0]["ports"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}]


def test_host_network_templates_do_not_get_host_ports() -> None:
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "spec": {"template": template(APP, container(ports=[{"containerPort": 80}]), hostNetwork=True)},
    }
    assert defaulted(rs)["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}
    ]


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        pytest.param(
            {"serviceAccountName": "bot"},
            {"serviceAccountName": "bot", "serviceAccount": "bot"},
            id="name sets alias",
        ),
        pytest.param(
            {"serviceAccount": "bot"},
            {"serviceAccountName": "bot", "serviceAccount": "bot"},
            id="alias sets name",
        ),
        pytest.param(
            {"serviceAccountName": "a", "serviceAccount": "b"},
            {"serviceAccountName": "a", "serviceAccount": "a"},
            id="the name wins over a different alias",
        ),
    ],
)
def test_service_account_alias_follows_the_name(given: Obj, shown: Obj) -> None:
    spec = spec_of(pod(**given))
    assert {k: spec[k] for k in shown} == shown


def test_pod_ip_fills_pod_ips_and_back() -> None:
    one = pod()
    one["status"] = {"podIP": "10.0.0.5", "hostIPs": [{"ip": "192.168.1.2"}]}
    status = defaulted(one)["status"]
    assert status["podIPs"] == [{"ip": "10.0.0.5"}]
    assert status["hostIP"] == "192.168.1.2"


def test_a_user_termination_grace_period_of_zero_is_kept() -> None:
    spec = spec_of(pod(terminationGracePeriodSeconds=0, enableServiceLinks=False))
    assert (spec["terminationGracePeriodSeconds"], spec["enableServiceLinks"]) == (0, False)
