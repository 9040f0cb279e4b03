"""NodeRestriction: a kubelet changes only its own node's objects, with upstream's messages."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Attributes, Operation
from pinnace.apiserver.admission.plugins.noderestriction import NodeRestriction, node_identity
from pinnace.apiserver.user import NODES_GROUP, UserInfo
from tests.unit.admission_fakes import FakeObjects, attributes, context, pod

PODS = GroupVersionResource("", "v1", "pods")
NODES = GroupVersionResource("", "v1", "nodes")
NODE_KIND = GroupVersionKind("", "v1", "Node")
LEASES = GroupVersionResource("coordination.k8s.io", "v1", "leases")
CLAIMS = GroupVersionResource("", "v1", "persistentvolumeclaims")
SERVICE_ACCOUNTS = GroupVersionResource("", "v1", "serviceaccounts")
KUBELET = UserInfo(name="system:node:n1", groups=(NODES_GROUP, "system:authenticated"))


def as_node(attrs: Attributes, user: UserInfo = KUBELET) -> Attributes:
    attrs.user = user
    return attrs


def objects() -> FakeObjects:
    mine = pod("mine", nodeName="n1")
    mine["metadata"]["uid"] = "pod-uid"
    return FakeObjects(
        (NODES, {"metadata": {"name": "n1", "uid": "node-uid"}}),
        (PODS, mine),
        (PODS, pod("theirs", nodeName="n2")),
    )


def plugin() -> NodeRestriction:
    return NodeRestriction(context(objects()))


def mirror_pod(**changes: Any) -> dict[str, Any]:
    body = pod("static-n1", nodeName="n1")
    body["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "hash"}
    body["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "Node", "name": "n1", "uid": "node-uid", "controller": True}
    ]
    body["spec"].update(changes)
    return body


@pytest.mark.parametrize(
    ("user", "identity"),
    [
        (KUBELET, ("n1", True)),
        (UserInfo(name="system:node:n1"), ("", False)),
        (UserInfo(name="alice", groups=(NODES_GROUP,)), ("", False)),
    ],
    ids=["a node", "the name without the group", "the group without the name"],
)
def test_nodes_are_recognised_by_name_and_group(user: UserInfo, identity: tuple[str, bool]) -> None:
    assert node_identity(user) == identity


async def test_other_users_are_not_restricted() -> None:
    await plugin().admit(attributes(pod("p"), user="alice"))


async def test_a_node_may_create_its_own_mirror_pods_only() -> None:
    await plugin().admit(as_node(attributes(mirror_pod())))
    with pytest.raises(status.Forbidden) as refused:
        await plugin().admit(as_node(attributes(pod("p", nodeName="n1"))))
    assert refused.value.message == (
        'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only '
        "create mirror pods"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nodeName": "n2"}, 'node "n1" can only create pods with spec.nodeName set to itself'),
        ({"serviceAccountName": "default"}, 'node "n1" can not create pods that reference a service account'),
        (
            {"volumes": [{"name": "s", "secret": {"secretName": "x"}}]},
            'node "n1" can not create pods that reference secrets',
        ),
        (
            {"volumes": [{"name": "c", "configMap": {"name": "x"}}]},
            'node "n1" can not create pods that reference configmaps',
        ),
        (
            {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "x"}}]},
            'node "n1" can not create pods that reference persistentvolumeclaims',
        ),
    ],
    ids=["another node", "a service account", "a secret", "a configmap", "a claim"],
)
async def test_mirror_pods_may_reference_nothing(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(status.Forbidden) as refused:
        await plugin().admit(as_node(attributes(mirror_pod(**changes))))
    assert refused.value.message == f'pods "static-n1" is forbidden: {message}'


async def test_a_mirror_pod_must_be_owned_by_the_node_with_its_uid() -> None:
    body = mirror_pod()
    body["metadata"]["ownerReferences"][0]["uid"] = "stale"
    with pytest.raises(status.Forbidden, match="node n1 UID mismatch: expected stale got node-uid"):
        await plugin().admit(as_node(attributes(body)))


async def test_a_node_deletes_evicts_and_updates_the_status_of_its_own_pods_only() -> None:
    node_plugin = plugin()
    await node_plugin.admit(as_node(attributes(None, operation=Operation.DELETE, name="mine")))
    with pytest.raises(
        status.Forbidden, match=r'node "n1" can only delete pods with spec\.nodeName set to itself'
    ):
        await node_plugin.admit(as_node(attributes(None, operation=Operation.DELETE, name="theirs")))
    with pytest.raises(
        status.Forbidden, match=r"node n1 can only evict pods with spec\.nodeName set to itself"
    ):
        await node_plugin.admit(
            as_node(attributes({"metadata": {"name": "theirs"}}, name="theirs", subresource="eviction"))
        )
    theirs = pod("theirs", nodeName="n2")
    with pytest.raises(
        status.Forbidden,
        match=r'node "n1" can only update pod status for pods with spec\.nodeName set to itself',
    ):
        await node_plugin.admit(
            as_node(attributes(theirs, operation=Operation.UPDATE, old=theirs, subresource="status"))
        )
    mine, relabelled = pod("mine", nodeName="n1"), pod("mine", nodeName="n1")
    relabelled["metadata"]["labels"] = {"a": "b"}
    with pytest.raises(status.Forbidden, match='node "n1" cannot update labels through pod status'):
        await node_plugin.admit(
            as_node(attributes(relabelled, operation=Operation.UPDATE, old=mine, subresource="status"))
        )
    with pytest.raises(status.Forbidden, match='unexpected pod subresource "binding"'):
        await node_plugin.admit(as_node(attributes({"metadata": {}}, name="mine", subresource="binding")))


def node(labels: dict[str, str] | None = None, taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"metadata": {"name": "n1", "labels": labels or {}}, "spec": {"taints": taints or []}}


async def test_a_node_changes_its_own_node_without_taints_or_restricted_labels() -> None:
    node_plugin = plugin()
    old = node({"kubernetes.io/hostname": "n1"})
    allowed = node(
        {
            "kubernetes.io/hostname": "n1",
            "node.kubernetes.io/exclude-from-external-load-balancers": "",
            "team": "a",
        }
    )
    await node_plugin.admit(
        as_node(attributes(allowed, operation=Operation.UPDATE, old=old, resource=NODES, kind=NODE_KIND))
    )
    other = node()
    other["metadata"]["name"] = "n2"
    with pytest.raises(status.Forbidden, match='node "n1" is not allowed to modify node "n2"'):
        await node_plugin.admit(
            as_node(attributes(other, operation=Operation.UPDATE, old=other, resource=NODES, kind=NODE_KIND))
        )
    tainted = node(taints=[{"key": "x", "effect": "NoSchedule"}])
    with pytest.raises(status.Forbidden, match='node "n1" is not allowed to modify taints'):
        await node_plugin.admit(
            as_node(attributes(tainted, operation=Operation.UPDATE, old=old, resource=NODES, kind=NODE_KIND))
        )
    steering = node({"node-restriction.kubernetes.io/dedicated": "db", "kubernetes.io/role": "master"})
    with pytest.raises(status.Forbidden) as refused:
        await node_plugin.admit(as_node(attributes(steering, resource=NODES, kind=NODE_KIND, namespace="")))
    assert refused.value.message == (
        'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: kubernetes.io/role, '
        "node-restriction.kubernetes.io/dedicated"
    )


async def test_a_node_holds_only_its_own_lease() -> None:
    lease = {"metadata": {"name": "n2", "namespace": "kube-node-lease"}}
    with pytest.raises(
        status.Forbidden, match="can only access node lease with the same name as the requesting node"
    ):
        await plugin().admit(as_node(attributes(lease, resource=LEASES, namespace="kube-node-lease")))
    with pytest.raises(
        status.Forbidden, match='can only access leases in the "kube-node-lease" system namespace'
    ):
        await plugin().admit(as_node(attributes(lease, resource=LEASES, namespace="default")))


async def test_a_node_updates_only_a_claims_capacity_and_conditions() -> None:
    old = {
        "metadata": {"name": "data", "resourceVersion": "3"},
        "spec": {"volumeName": "pv"},
        "status": {"phase": "Bound"},
    }
    grown = {
        "metadata": {"name": "data"},
        "spec": {"volumeName": "pv"},
        "status": {"phase": "Bound", "capacity": {"storage": "2Gi"}},
    }
    await plugin().admit(
        as_node(attributes(grown, operation=Operation.UPDATE, old=old, resource=CLAIMS, subresource="status"))
    )
    relabelled = {
        "metadata": {"name": "data", "labels": {"a": "b"}},
        "spec": {"volumeName": "pv"},
        "status": {"phase": "Bound"},
    }
    with pytest.raises(status.Forbidden, match=r"not allowed to update fields other than status\.capacity"):
        await plugin().admit(
            as_node(
                attributes(
                    relabelled, operation=Operation.UPDATE, old=old, resource=CLAIMS, subresource="status"
                )
            )
        )
    with pytest.raises(status.Forbidden, match="may only update PVC status"):
        await plugin().admit(
            as_node(attributes(relabelled, operation=Operation.UPDATE, old=old, resource=CLAIMS))
        )


@pytest.mark.parametrize(
    ("bound", "message"),
    [
        (None, "node requested token not bound to a pod"),
        (
            {"apiVersion": "v1", "kind": "Pod", "name": "mine"},
            "node requested token with a pod binding without a uid",
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "name": "theirs", "uid": "x"},
            r"the UID in the bound object reference \(x\) does not match the UID in record",
        ),
        ({"apiVersion": "v1", "kind": "Pod", "name": "mine", "uid": "pod-uid"}, ""),
    ],
    ids=["unbound", "no uid", "another pod", "its own pod"],
)
async def test_a_node_requests_tokens_only_for_its_own_pods(
    bound: dict[str, str] | None, message: str
) -> None:
    request = {"spec": {"audiences": ["x"], **({"boundObjectRef": bound} if bound else {})}}
    attrs = as_node(attributes(request, resource=SERVICE_ACCOUNTS, subresource="token", name="default"))
    if message:
        with pytest.raises(status.Forbidden, match=message):
            await plugin().admit(attrs)
    else:
        await plugin().admit(attrs)
