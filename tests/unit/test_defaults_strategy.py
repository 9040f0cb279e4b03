"""Create-time changes of the registry strategies, and the Service allocator's IP family defaults."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pinnace.api.defaults import (
    apply_defaults,
    job_generated_selector,
    prepare_for_create,
    service_ip_families,
)
from pinnace.api.defaults.strategy import pod_qos_class

Obj = dict[str, Any]

NOW = "2025-01-02T03:04:05Z"
UID = "8b5ba8a5-0f3c-4b3e-9d0b-3a0d4b1f5c11"


def created(obj: Obj) -> Obj:
    """The object as the API server stores it: defaulted, then prepared for create."""
    out = copy.deepcopy(obj)
    out.setdefault("metadata", {}).setdefault("uid", UID)
    apply_defaults(out)
    prepare_for_create(out, now=NOW)
    return out


def pod(*resources: Obj | None, **spec: Any) -> Obj:
    containers = [{"name": f"c{i}", "image": "app:v1", "resources": r or {}} for i, r in enumerate(resources)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": containers, **spec},
    }


GUARANTEED = {"limits": {"cpu": "1", "memory": "1Gi"}}


@pytest.mark.parametrize(
    ("given", "qos"),
    [
        pytest.param(pod(None), "BestEffort", id="no resources at all is BestEffort"),
        pytest.param(
            pod(GUARANTEED), "Guaranteed", id="limits only (requests default to them) is Guaranteed"
        ),
        pytest.param(
            pod({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1024Mi"}}),
            "Guaranteed",
            id="equal amounts written differently are Guaranteed",
        ),
        pytest.param(
            pod(GUARANTEED, None), "Burstable", id="one container without limits makes the pod Burstable"
        ),
        pytest.param(
            pod({"requests": {"cpu": "100m"}}), "Burstable", id="requests below limits is Burstable"
        ),
        pytest.param(
            pod({"limits": {"cpu": "1"}}), "Burstable", id="a cpu limit without a memory limit is Burstable"
        ),
        pytest.param(pod({"requests": {"cpu": "0"}}), "BestEffort", id="zero requests count as none"),
        pytest.param(
            pod({"limits": {"nvidia.com/gpu": "1"}}), "BestEffort", id="only cpu and memory decide the class"
        ),
    ],
)
def test_pod_qos_class(given: Obj, qos: str) -> None:
    out = created(given)
    assert out["status"] == {"phase": "Pending", "qosClass": qos}
    assert pod_qos_class(out) == qos


def test_a_pod_with_scheduling_gates_shows_why_it_is_not_scheduled() -> None:
    out = created(pod(None, schedulingGates=[{"name": "example.com/quota"}]))
    assert out["status"]["conditions"] == [
        {
            "type": "PodScheduled",
            "status": "False",
            "reason": "SchedulingGated",
            "message": "Scheduling is blocked due to non-empty scheduling gates",
            "lastProbeTime": None,
            "lastTransitionTime": None,
        }
    ]


def test_a_status_sent_with_a_new_pod_is_replaced() -> None:
    given = pod(None)
    given["status"] = {"phase": "Running", "podIP": "10.0.0.9"}
    assert created(given)["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def job(**spec: Any) -> Obj:
    template = {"spec": {"containers": [{"name": "pi", "image": "perl:5.34"}], "restartPolicy": "Never"}}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {"template": template, **spec},
    }


GENERATED = {
    "batch.kubernetes.io/controller-uid": UID,
    "batch.kubernetes.io/job-name": "pi",
    "controller-uid": UID,
    "job-name": "pi",
}


def test_a_job_selects_its_pods_by_uid_and_carries_the_same_labels() -> None:
    out = created(job())
    assert out["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}}
    assert out["spec"]["template"]["metadata"]["labels"] == GENERATED
    assert out["metadata"]["labels"] == GENERATED
    assert out["metadata"]["generation"] == 1
    assert out["status"] == {}


def test_a_job_whose_labels_came_from_its_template_also_gets_the_generated_labels() -> None:
    given = job()
    given["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    out = created(given)
    assert out["metadata"]["labels"] == {"app": "pi", **GENERATED}
    assert out["metadata"]["labels"] is not out["spec"]["template"]["metadata"]["labels"]


def test_a_job_with_its_own_labels_keeps_them() -> None:
    given = job()
    given["metadata"]["labels"] = {"team": "a"}
    given["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    out = created(given)
    assert out["metadata"]["labels"] == {"team": "a"}
    assert out["spec"]["template"]["metadata"]["labels"] == {"app": "pi", **GENERATED}


def test_a_job_with_a_manual_selector_gets_nothing_generated() -> None:
    selector = {"matchLabels": {"app": "pi"}}
    given = job(manualSelector=True, selector=selector)
    given["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    out = created(given)
    assert out["spec"]["selector"] == selector
    assert out["spec"]["template"]["metadata"]["labels"] == {"app": "pi"}


def test_generated_job_labels_never_replace_the_users() -> None:
    given = job()
    given["spec"]["template"]["metadata"] = {"labels": {"job-name": "custom"}}
    apply_defaults(given)
    job_generated_selector(given, UID)
    assert given["spec"]["template"]["metadata"]["labels"]["job-name"] == "custom"
    assert given["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "a", "uid": UID, "labels": {"kubernetes.io/metadata.name": "a"}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            },
            id="a namespace gets the kubernetes finalizer and starts Active",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "a"},
                "spec": {"finalizers": ["x/y"]},
            },
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "a", "uid": UID, "labels": {"kubernetes.io/metadata.name": "a"}},
                "spec": {"finalizers": ["x/y", "kubernetes"]},
                "status": {"phase": "Active"},
            },
            id="the kubernetes finalizer joins the user's",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"}, "spec": {}},
            {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": "pv", "uid": UID},
                "spec": {"persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem"},
                "status": {"phase": "Pending", "lastPhaseTransitionTime": NOW},
            },
            id="a persistent volume records when it became Pending",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "c"},
                "status": {"phase": "Bound"},
            },
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "c", "uid": UID},
                "spec": {"resources": {}, "volumeMode": "Filesystem"},
                "status": {"phase": "Pending"},
            },
            id="a claim cannot be created Bound",
        ),
        pytest.param(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "d"},
                "spec": {"template": {"spec": {}}},
                "status": {"replicas": 3},
            },
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "d", "uid": UID, "generation": 1},
                "spec": {
                    "progressDeadlineSeconds": 600,
                    "replicas": 1,
                    "revisionHistoryLimit": 10,
                    "strategy": {
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                        "type": "RollingUpdate",
                    },
                    "template": {
                        "metadata": {"creationTimestamp": None},
                        "spec": {
                            "dnsPolicy": "ClusterFirst",
                            "restartPolicy": "Always",
                            "schedulerName": "default-scheduler",
                            "securityContext": {},
                            "terminationGracePeriodSeconds": 30,
                        },
                    },
                },
                "status": {},
            },
            id="a deployment starts at generation 1 with an empty status",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s"},
                "spec": {"clusterIP": "10.96.0.10"},
            },
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s", "uid": UID},
                "spec": {
                    "clusterIP": "10.96.0.10",
                    "clusterIPs": ["10.96.0.10"],
                    "internalTrafficPolicy": "Cluster",
                    "sessionAffinity": "None",
                    "type": "ClusterIP",
                },
                "status": {"loadBalancer": {}},
            },
            id="a requested cluster IP is also the first of clusterIPs",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}},
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "c", "uid": UID},
                "data": {"a": "b"},
            },
            id="a config map is stored as sent",
        ),
    ],
)
def test_prepare_for_create(given: Obj, expected: Obj) -> None:
    assert created(given) == expected


def test_a_daemon_set_starts_at_template_generation_1() -> None:
    given = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d"}, "spec": {}}
    meta = created(given)["metadata"]
    assert meta["annotations"] == {"deprecated.daemonset.template.generation": "1"}
    assert meta["generation"] == 1


def test_preparing_twice_changes_nothing_more() -> None:
    once = created(job())
    twice = copy.deepcopy(once)
    prepare_for_create(twice, now=NOW)
    assert twice == once


def svc(**spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec}


@pytest.mark.parametrize(
    ("spec", "cluster", "policy", "families"),
    [
        pytest.param({}, ("IPv4",), "SingleStack", ["IPv4"], id="single-stack cluster: SingleStack IPv4"),
        pytest.param(
            {}, ("IPv6", "IPv4"), "SingleStack", ["IPv6"], id="the primary family of a dual-stack cluster"
        ),
        pytest.param(
            {"ipFamilyPolicy": "PreferDualStack"},
            ("IPv4", "IPv6"),
            "PreferDualStack",
            ["IPv4", "IPv6"],
            id="PreferDualStack on a dual-stack cluster gets both",
        ),
        pytest.param(
            {"ipFamilyPolicy": "PreferDualStack"},
            ("IPv4",),
            "PreferDualStack",
            ["IPv4"],
            id="PreferDualStack on a single-stack cluster gets one",
        ),
        pytest.param(
            {"clusterIPs": ["fd00::10"]},
            ("IPv4", "IPv6"),
            "SingleStack",
            ["IPv6"],
            id="families follow given IPs",
        ),
        pytest.param(
            {"ipFamilies": ["IPv4", "IPv6"]},
            ("IPv4", "IPv6"),
            "RequireDualStack",
            ["IPv4", "IPv6"],
            id="two families mean RequireDualStack",
        ),
        pytest.param(
            {"clusterIP": "None", "clusterIPs": ["None"], "selector": {"app": "a"}},
            ("IPv4",),
            "SingleStack",
            ["IPv4"],
            id="a headless service with a selector is like any other",
        ),
        pytest.param(
            {"clusterIP": "None", "clusterIPs": ["None"]},
            ("IPv4",),
            "RequireDualStack",
            ["IPv4", "IPv6"],
            id="a headless service without selector is dual-stack even on a single-stack cluster",
        ),
    ],
)
def test_service_ip_families(spec: Obj, cluster: tuple[str, ...], policy: str, families: list[str]) -> None:
    service = svc(**spec)
    service_ip_families(service, cluster_families=cluster)
    assert (service["spec"]["ipFamilyPolicy"], service["spec"]["ipFamilies"]) == (policy, families)


def test_external_name_services_have_no_ip_families() -> None:
    service = svc(type="ExternalName", externalName="db.example")
    service_ip_families(service)
    assert service == svc(type="ExternalName", externalName="db.example")
