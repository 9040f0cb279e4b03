"""The small defaulting plugins: DefaultTolerationSeconds, Priority, DefaultStorageClass,
StorageObjectInUseProtection, and the system PriorityClasses."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.admission.plugins.defaultstorageclass import DefaultStorageClass
from pinnace.apiserver.admission.plugins.defaulttolerationseconds import DefaultTolerationSeconds
from pinnace.apiserver.admission.plugins.priority import (
    PRIORITY_CLASSES,
    Priority,
    ensure_system_priority_classes,
)
from pinnace.apiserver.admission.plugins.storageobjectinuseprotection import StorageObjectInUseProtection
from tests.unit.admission_fakes import FakeObjects, attributes, context, pod

CLAIMS = GroupVersionResource("", "v1", "persistentvolumeclaims")
CLAIM_KIND = GroupVersionKind("", "v1", "PersistentVolumeClaim")
VOLUMES = GroupVersionResource("", "v1", "persistentvolumes")
STORAGE_CLASSES = GroupVersionResource("storage.k8s.io", "v1", "storageclasses")
PRIORITY_CLASS_KIND = GroupVersionKind("scheduling.k8s.io", "v1", "PriorityClass")

NOT_READY = {
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}
UNREACHABLE = {
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        (None, [NOT_READY, UNREACHABLE]),
        (
            [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 5,
                }
            ],
            [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 5,
                },
                UNREACHABLE,
            ],
        ),
        ([{"operator": "Exists"}], [{"operator": "Exists"}]),
        (
            [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoSchedule"}],
            [
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoSchedule"},
                NOT_READY,
                UNREACHABLE,
            ],
        ),
    ],
    ids=["none: both added", "one tolerated already", "tolerates everything", "NoSchedule does not count"],
)
async def test_pods_tolerate_not_ready_and_unreachable_nodes_for_300_seconds(
    tolerations: list[dict[str, Any]] | None, expected: list[dict[str, Any]]
) -> None:
    body = pod() if tolerations is None else pod(tolerations=tolerations)
    await DefaultTolerationSeconds().admit(attributes(body))
    assert body["spec"]["tolerations"] == expected


# --- Priority --------------------------------------------------------------------------------------------


def priority_class(name: str, value: int, **fields: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"}, "value": value, **fields}


async def test_a_pod_without_a_class_gets_priority_0_and_preempt_lower_priority() -> None:
    body = pod()
    await Priority(context(FakeObjects())).admit(attributes(body))
    assert body["spec"]["priority"] == 0 and body["spec"]["preemptionPolicy"] == "PreemptLowerPriority"
    assert "priorityClassName" not in body["spec"]


async def test_the_global_default_class_with_the_lowest_value_wins() -> None:
    objects = FakeObjects(
        (PRIORITY_CLASSES, priority_class("high", 1000, globalDefault=True, preemptionPolicy="Never")),
        (PRIORITY_CLASSES, priority_class("low", 10, globalDefault=True, preemptionPolicy="Never")),
    )
    body = pod()
    await Priority(context(objects)).admit(attributes(body))
    assert body["spec"]["priorityClassName"] == "low"
    assert body["spec"]["priority"] == 10 and body["spec"]["preemptionPolicy"] == "Never"


async def test_a_named_class_sets_the_priority_and_an_unknown_one_is_refused() -> None:
    objects = FakeObjects((PRIORITY_CLASSES, priority_class("system-node-critical", 2000001000)))
    body = pod(priorityClassName="system-node-critical")
    await Priority(context(objects)).admit(attributes(body))
    assert body["spec"]["priority"] == 2000001000
    with pytest.raises(status.Forbidden) as refused:
        await Priority(context(objects)).admit(attributes(pod(priorityClassName="gold")))
    assert refused.value.message == 'pods "p" is forbidden: no PriorityClass with name gold was found'


async def test_a_priority_other_than_the_classes_is_refused() -> None:
    with pytest.raises(status.Forbidden) as refused:
        await Priority(context(FakeObjects())).admit(attributes(pod(priority=7)))
    assert refused.value.message == (
        'pods "p" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority '
        "admission controller computed 0 from the given PriorityClass name"
    )


async def test_an_update_cannot_drop_the_priority() -> None:
    old = pod(priority=5, preemptionPolicy="Never")
    body = pod()
    await Priority(context(FakeObjects())).admit(attributes(body, operation=Operation.UPDATE, old=old))
    assert body["spec"]["priority"] == 5 and body["spec"]["preemptionPolicy"] == "Never"


async def test_only_one_priority_class_may_be_the_global_default() -> None:
    objects = FakeObjects((PRIORITY_CLASSES, priority_class("first", 1, globalDefault=True)))
    second = priority_class("second", 2, globalDefault=True)
    attrs = attributes(second, resource=PRIORITY_CLASSES, kind=PRIORITY_CLASS_KIND, namespace="")
    with pytest.raises(status.Forbidden) as refused:
        await Priority(context(objects)).validate(attrs)
    assert refused.value.message == (
        'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass first is already marked as '
        "default. Only one default can exist"
    )
    same = priority_class("first", 3, globalDefault=True)
    await Priority(context(objects)).validate(
        attributes(
            same,
            operation=Operation.UPDATE,
            resource=PRIORITY_CLASSES,
            kind=PRIORITY_CLASS_KIND,
            namespace="",
        )
    )


async def test_the_system_priority_classes_are_created_once() -> None:
    objects = FakeObjects()
    await ensure_system_priority_classes(objects)
    await ensure_system_priority_classes(objects)
    assert [(c["metadata"]["name"], c["value"]) for c in objects.created] == [
        ("system-node-critical", 2000001000),
        ("system-cluster-critical", 2000000000),
    ]


# --- storage -----------------------------------------------------------------------------------------------


def storage_class(name: str, created: str, default: bool) -> dict[str, Any]:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"metadata": {"name": name, "creationTimestamp": created, "annotations": annotations}}


@pytest.mark.parametrize(
    ("claim_spec", "annotations", "expected"),
    [
        ({}, {}, "newest"),
        ({"storageClassName": ""}, {}, ""),
        ({"storageClassName": "fast"}, {}, "fast"),
        ({}, {"volume.beta.kubernetes.io/storage-class": "old"}, None),
    ],
    ids=[
        "no class: the newest default",
        "empty asks for none",
        "a class is kept",
        "the beta annotation counts",
    ],
)
async def test_claims_without_a_class_get_the_default_one(
    claim_spec: dict[str, Any], annotations: dict[str, str], expected: str | None
) -> None:
    objects = FakeObjects(
        (STORAGE_CLASSES, storage_class("older", "2026-01-01T00:00:00Z", True)),
        (STORAGE_CLASSES, storage_class("newest", "2026-02-01T00:00:00Z", True)),
        (STORAGE_CLASSES, storage_class("plain", "2026-03-01T00:00:00Z", False)),
    )
    claim = {
        "metadata": {"name": "data", "namespace": "ns", "annotations": annotations},
        "spec": dict(claim_spec),
    }
    await DefaultStorageClass(context(objects)).admit(attributes(claim, resource=CLAIMS, kind=CLAIM_KIND))
    assert claim["spec"].get("storageClassName") == expected


@pytest.mark.parametrize(
    ("resource", "finalizer"),
    [(CLAIMS, "kubernetes.io/pvc-protection"), (VOLUMES, "kubernetes.io/pv-protection")],
    ids=["claims", "volumes"],
)
async def test_new_claims_and_volumes_are_protected_by_a_finalizer(
    resource: GroupVersionResource, finalizer: str
) -> None:
    obj: dict[str, Any] = {"metadata": {"name": "data", "finalizers": ["mine"]}}
    await StorageObjectInUseProtection().admit(attributes(obj, resource=resource))
    await StorageObjectInUseProtection().admit(attributes(obj, resource=resource))
    assert obj["metadata"]["finalizers"] == ["mine", finalizer]
