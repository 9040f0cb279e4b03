"""LimitRanger: defaults from a namespace's LimitRanges, and their min, max and ratio bounds."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.admission.plugins.limitranger import LimitRanger
from tests.unit.admission_fakes import FakeObjects, attributes, context, pod

LIMIT_RANGES = GroupVersionResource("", "v1", "limitranges")
CLAIMS = GroupVersionResource("", "v1", "persistentvolumeclaims")
CLAIM_KIND = GroupVersionKind("", "v1", "PersistentVolumeClaim")


def limit_range(*items: dict[str, Any], name: str = "limits") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns"}, "spec": {"limits": list(items)}}


def objects(*ranges: dict[str, Any]) -> FakeObjects:
    return FakeObjects(*((LIMIT_RANGES, r) for r in ranges))


def with_resources(
    requests: dict[str, str] | None = None, limits: dict[str, str] | None = None
) -> dict[str, Any]:
    body = pod()
    resources: dict[str, Any] = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    body["spec"]["containers"][0]["resources"] = resources
    return body


DEFAULTS = {
    "type": "Container",
    "default": {"cpu": "500m", "memory": "256Mi"},
    "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
}


async def test_containers_get_the_default_requests_and_limits_and_the_pod_says_so() -> None:
    body = pod()
    body["spec"]["initContainers"] = [
        {"name": "init", "image": "busybox", "resources": {"limits": {"cpu": "1"}}}
    ]
    attrs = attributes(body)
    await LimitRanger(context(objects(limit_range(DEFAULTS)))).admit(attrs)
    spec = body["spec"]
    assert spec["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    assert spec["initContainers"][0]["resources"] == {
        "limits": {"cpu": "1", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    assert body["metadata"]["annotations"] == {
        "kubernetes.io/limit-ranger": "LimitRanger plugin set: cpu, memory request for container c; "
        "cpu, memory limit for container c; cpu, memory request for init container init; "
        "memory limit for init container init"
    }


async def test_a_pod_that_sets_everything_is_left_alone() -> None:
    body = with_resources({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})
    await LimitRanger(context(objects(limit_range(DEFAULTS)))).admit(attributes(body))
    assert "annotations" not in body["metadata"]


async def test_pod_updates_are_not_defaulted() -> None:
    body = pod()
    await LimitRanger(context(objects(limit_range(DEFAULTS)))).admit(
        attributes(body, operation=Operation.UPDATE, old=pod())
    )
    assert "resources" not in body["spec"]["containers"][0]


@pytest.mark.parametrize(
    ("item", "body", "message"),
    [
        (
            {"type": "Container", "max": {"cpu": "1"}},
            with_resources({"cpu": "500m"}, {"cpu": "2"}),
            "maximum cpu usage per Container is 1, but limit is 2",
        ),
        (
            {"type": "Container", "max": {"cpu": "1"}},
            with_resources({"cpu": "500m"}),
            "maximum cpu usage per Container is 1.  No limit is specified",
        ),
        (
            {"type": "Container", "min": {"memory": "100Mi"}},
            with_resources({"memory": "50Mi"}),
            "minimum memory usage per Container is 100Mi, but request is 50Mi",
        ),
        (
            {"type": "Container", "min": {"memory": "100Mi"}},
            with_resources(),
            "minimum memory usage per Container is 100Mi.  No request is specified",
        ),
        (
            {"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}},
            with_resources({"cpu": "100m"}, {"cpu": "1"}),
            "cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000",
        ),
        (
            {"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}},
            with_resources(limits={"cpu": "1"}),
            "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0",
        ),
        (
            {"type": "Pod", "max": {"memory": "1Gi"}},
            with_resources({"memory": "512Mi"}, {"memory": "2Gi"}),
            "maximum memory usage per Pod is 1Gi, but limit is 2Gi",
        ),
        (
            {"type": "Container", "max": {"cpu": "1", "memory": "1Gi"}},
            with_resources({"cpu": "2", "memory": "2Gi"}, {"cpu": "2", "memory": "2Gi"}),
            "[maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, "
            "but limit is 2Gi]",
        ),
    ],
    ids=[
        "limit over max",
        "max without a limit",
        "request under min",
        "min without a request",
        "ratio too high",
        "ratio without a request",
        "a pod's total over the Pod max",
        "several errors in brackets",
    ],
)
async def test_pods_outside_the_bounds_are_refused(
    item: dict[str, Any], body: dict[str, Any], message: str
) -> None:
    with pytest.raises(status.Forbidden) as refused:
        await LimitRanger(context(objects(limit_range(item)))).validate(attributes(body))
    assert refused.value.message == f'pods "p" is forbidden: {message}'


async def test_claims_are_bounded_by_their_storage_request() -> None:
    item = {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}}
    claim = {
        "metadata": {"name": "data", "namespace": "ns"},
        "spec": {"resources": {"requests": {"storage": "20Gi"}}},
    }
    attrs = attributes(claim, resource=CLAIMS, kind=CLAIM_KIND)
    with pytest.raises(status.Forbidden) as refused:
        await LimitRanger(context(objects(limit_range(item)))).validate(attrs)
    assert refused.value.message == (
        'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, '
        "but request is 20Gi"
    )


async def test_objects_being_deleted_are_left_alone() -> None:
    claim = {"metadata": {"name": "data", "namespace": "ns"}, "spec": {}}
    old = {"metadata": {"name": "data", "namespace": "ns", "deletionTimestamp": "2026-01-01T00:00:00Z"}}
    item = {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}}
    attrs = attributes(claim, resource=CLAIMS, kind=CLAIM_KIND, operation=Operation.UPDATE, old=old)
    await LimitRanger(context(objects(limit_range(item)))).validate(attrs)
