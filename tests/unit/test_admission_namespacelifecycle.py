"""NamespaceLifecycle: missing and terminating namespaces, the namespaces that cannot be deleted."""

from __future__ import annotations

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.admission.plugins.namespacelifecycle import MISSING_NAMESPACE_WAIT, NamespaceLifecycle
from tests.unit.admission_fakes import FakeObjects, RecordingSleep, attributes, context, namespace, pod

NAMESPACES = GroupVersionResource("", "v1", "namespaces")
NAMESPACE_KIND = GroupVersionKind("", "v1", "Namespace")
NODES = GroupVersionResource("", "v1", "nodes")


def plugin(objects: FakeObjects, sleep: RecordingSleep | None = None) -> NamespaceLifecycle:
    return NamespaceLifecycle(context(objects, sleep=sleep))


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
async def test_the_clusters_own_namespaces_cannot_be_deleted(name: str) -> None:
    attrs = attributes(
        None, operation=Operation.DELETE, resource=NAMESPACES, kind=NAMESPACE_KIND, namespace=name, name=name
    )
    with pytest.raises(status.Forbidden) as refused:
        await plugin(FakeObjects()).admit(attrs)
    assert refused.value.message == f'namespaces "{name}" is forbidden: this namespace may not be deleted'


async def test_other_namespaces_can_be_deleted() -> None:
    attrs = attributes(
        None,
        operation=Operation.DELETE,
        resource=NAMESPACES,
        kind=NAMESPACE_KIND,
        namespace="app",
        name="app",
    )
    await plugin(FakeObjects()).admit(attrs)


async def test_creating_in_a_missing_namespace_is_not_found_after_a_short_wait_and_a_live_read() -> None:
    objects = FakeObjects()
    sleep = RecordingSleep()
    with pytest.raises(status.NotFound, match=r'^namespaces "ghost" not found$'):
        await plugin(objects, sleep).admit(attributes(pod(namespace="ghost"), namespace="ghost"))
    assert sleep.calls == [MISSING_NAMESPACE_WAIT]
    assert objects.live_reads == [("", "ghost")]


async def test_a_namespace_the_cache_has_not_seen_yet_is_found_live() -> None:
    objects = FakeObjects()
    objects.put(NAMESPACES, namespace("new"), cached=False)
    await plugin(objects).admit(attributes(pod(namespace="new"), namespace="new"))


async def test_creating_in_a_terminating_namespace_is_forbidden_with_the_namespace_terminating_cause() -> (
    None
):
    objects = FakeObjects((NAMESPACES, namespace("leaving", phase="Terminating")))
    with pytest.raises(status.Forbidden) as refused:
        await plugin(objects).admit(attributes(pod("web", "leaving"), namespace="leaving"))
    assert refused.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "web" is forbidden: unable to create new content in namespace leaving because it is being '
        "terminated",
        "reason": "Forbidden",
        "details": {
            "name": "web",
            "kind": "pods",
            "causes": [
                {
                    "reason": "NamespaceTerminating",
                    "message": "namespace leaving is being terminated",
                    "field": "metadata.namespace",
                }
            ],
        },
        "code": 403,
    }


@pytest.mark.parametrize(
    "operation",
    [Operation.UPDATE, Operation.DELETE],
    ids=["updates stay allowed while terminating", "deletes are always allowed"],
)
async def test_only_creates_are_refused_in_a_terminating_namespace(operation: Operation) -> None:
    objects = FakeObjects((NAMESPACES, namespace("leaving", phase="Terminating")))
    body = pod("web", "leaving")
    await plugin(objects).admit(attributes(body, operation=operation, namespace="leaving", old=body))


async def test_cluster_scoped_objects_need_no_namespace() -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}
    await plugin(FakeObjects()).admit(
        attributes(node, resource=NODES, kind=GroupVersionKind("", "v1", "Node"), namespace="")
    )


async def test_after_deleting_a_namespace_it_is_read_live_so_a_stale_cache_lets_nothing_in() -> None:
    objects = FakeObjects((NAMESPACES, namespace("leaving")))
    lifecycle = plugin(objects)
    await lifecycle.admit(
        attributes(
            None,
            operation=Operation.DELETE,
            resource=NAMESPACES,
            kind=NAMESPACE_KIND,
            namespace="leaving",
            name="leaving",
        )
    )
    # The store has the deletion, the cache (still Active) does not.
    objects.objects[(NAMESPACES, "", "leaving")]["status"]["phase"] = "Terminating"
    objects.uncached.discard((NAMESPACES, "", "leaving"))
    stale = namespace("leaving")
    original_get = objects.get

    async def stale_cache(resource: GroupVersionResource, ns: str, name: str, *, live: bool = False):  # type: ignore[no-untyped-def]
        if not live and resource == NAMESPACES:
            return stale
        return await original_get(resource, ns, name, live=live)

    objects.get = stale_cache  # type: ignore[method-assign]
    with pytest.raises(status.Forbidden, match="because it is being terminated"):
        await lifecycle.admit(attributes(pod("web", "leaving"), namespace="leaving"))
