"""Admission through the REST layer over a real SQLite store: where each phase runs and what it sees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pinnace.apiserver import apis, status
from pinnace.apiserver.admission import Attributes, Handler, Operation, admission_skipped
from pinnace.apiserver.admission.install import Admission, install
from pinnace.apiserver.admission.options import AdmissionOptions
from pinnace.apiserver.admission.registry import Plugins
from pinnace.apiserver.rest.resource import DeleteOptions, ListOptions, ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.storage import open_store

Object = dict[str, Any]


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[ResourceStores]:
    store = await open_store(f"sqlite://{tmp_path / 'state.db'}")
    built = apis.build_stores(store, apis.served_registry())
    built.start()
    await built.wait_ready()
    await apis.ensure_default_namespaces(built)
    yield built
    await built.stop()
    await store.close()


def rest(stores: ResourceStores, group: str, resource: str) -> ResourceStore:
    found = stores.get(group, "v1", resource)
    assert found is not None
    return found


def pod(name: str = "web", **metadata: Any) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, **metadata},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


async def default_chain(stores: ResourceStores) -> Admission:
    admission = install(stores, AdmissionOptions())
    await admission.start()
    await rest(stores, "", "serviceaccounts").create("default", {"metadata": {"name": "default"}})
    return admission


async def test_a_pod_is_created_as_the_default_chain_leaves_it(stores: ResourceStores) -> None:
    await default_chain(stores)
    created = await rest(stores, "", "pods").create("default", pod())
    spec = created["spec"]
    assert spec["serviceAccountName"] == "default" and spec["priority"] == 0
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    assert spec["volumes"][0]["name"].startswith("kube-api-access-")
    stored = await rest(stores, "", "pods").get("default", "web")
    assert stored["spec"] == spec


async def test_the_system_priority_classes_exist_after_start(stores: ResourceStores) -> None:
    await default_chain(stores)
    listed = await rest(stores, "scheduling.k8s.io", "priorityclasses").list(ListOptions())
    assert sorted(p["metadata"]["name"] for p in listed.items) == [
        "system-cluster-critical",
        "system-node-critical",
    ]


async def test_the_clusters_namespaces_cannot_be_deleted_and_nothing_is_created_in_a_missing_one(
    stores: ResourceStores,
) -> None:
    await default_chain(stores)
    with pytest.raises(
        status.Forbidden, match='namespaces "kube-system" is forbidden: this namespace may not'
    ):
        await stores.namespaces.delete("", "kube-system", DeleteOptions())
    with pytest.raises(status.NotFound, match='namespaces "ghost" not found'):
        await rest(stores, "", "configmaps").create("ghost", {"metadata": {"name": "c"}})


class Journal(Handler):
    """Records what each phase saw."""

    def __init__(self) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE, Operation.DELETE)
        self.seen: list[tuple[str, str, str, str, bool]] = []
        self.refuse_validate = False

    async def admit(self, attributes: Attributes) -> None:
        self._record("admit", attributes)
        if attributes.object is not None and attributes.operation is Operation.CREATE:
            attributes.object["metadata"].setdefault("labels", {})["admitted"] = "yes"

    async def validate(self, attributes: Attributes) -> None:
        self._record("validate", attributes)
        if self.refuse_validate:
            raise status.forbidden("no", resource=attributes.resource.resource, name=attributes.name)

    def _record(self, phase: str, attributes: Attributes) -> None:
        self.seen.append(
            (phase, attributes.operation.value, attributes.name, attributes.subresource, attributes.dry_run)
        )


def journal_chain(stores: ResourceStores) -> Journal:
    journal = Journal()
    registry = Plugins()
    registry.register("LimitRanger", lambda ctx: journal)
    install(stores, AdmissionOptions(enable_plugins=("LimitRanger",)), plugins=registry)
    return journal


async def test_mutations_are_stored_and_validation_sees_the_generated_name(stores: ResourceStores) -> None:
    journal = journal_chain(stores)
    created = await rest(stores, "", "configmaps").create("default", {"metadata": {"generateName": "cfg-"}})
    name = created["metadata"]["name"]
    assert created["metadata"]["labels"] == {"admitted": "yes"}
    assert journal.seen == [("admit", "CREATE", "", "", False), ("validate", "CREATE", name, "", False)]


async def test_updates_and_deletes_run_both_phases_and_dry_runs_are_admitted_too(
    stores: ResourceStores,
) -> None:
    journal = journal_chain(stores)
    configmaps = rest(stores, "", "configmaps")
    await configmaps.create("default", {"metadata": {"name": "c"}})
    journal.seen.clear()

    def relabel(current: Object) -> Object:
        current["metadata"]["labels"] = {"x": "y"}
        return current

    await configmaps.update("default", "c", relabel, dry_run=True)
    await configmaps.delete("default", "c", DeleteOptions())
    assert journal.seen == [
        ("admit", "UPDATE", "c", "", True),
        ("validate", "UPDATE", "c", "", True),
        ("admit", "DELETE", "c", "", False),
        ("validate", "DELETE", "c", "", False),
    ]


async def test_a_status_update_names_its_subresource(stores: ResourceStores) -> None:
    journal = journal_chain(stores)
    pods = rest(stores, "", "pods")
    await pods.create("default", pod())
    journal.seen.clear()

    def running(current: Object) -> Object:
        current["status"]["phase"] = "Running"
        return current

    await pods.update("default", "web", running, subresource="status")
    assert [entry[3] for entry in journal.seen] == ["status", "status"]


async def test_a_refusal_in_the_validating_phase_stores_nothing(stores: ResourceStores) -> None:
    journal = journal_chain(stores)
    journal.refuse_validate = True
    with pytest.raises(status.Forbidden, match='configmaps "c" is forbidden: no'):
        await rest(stores, "", "configmaps").create("default", {"metadata": {"name": "c"}})
    journal.refuse_validate = False
    with pytest.raises(status.NotFound):
        await rest(stores, "", "configmaps").get("default", "c")


async def test_the_servers_own_writes_can_skip_admission(stores: ResourceStores) -> None:
    journal = journal_chain(stores)
    with admission_skipped():
        await rest(stores, "", "configmaps").create("default", {"metadata": {"name": "c"}})
    assert journal.seen == []


async def test_quota_usage_is_charged_through_the_status_subresource(stores: ResourceStores) -> None:
    await default_chain(stores)
    quotas = rest(stores, "", "resourcequotas")
    await quotas.create("default", {"metadata": {"name": "q"}, "spec": {"hard": {"configmaps": "2"}}})

    def counted(current: Object) -> Object:
        current["status"] = {"hard": {"configmaps": "2"}, "used": {"configmaps": "1"}}
        return current

    counted_quota, _ = await quotas.update("default", "q", counted, subresource="status")
    # Admission reads quotas from the watch cache: let it see the count.
    await quotas.get("default", "q", resource_version=counted_quota["metadata"]["resourceVersion"])
    await rest(stores, "", "configmaps").create("default", {"metadata": {"name": "one"}})
    assert (await quotas.get("default", "q"))["status"]["used"] == {"configmaps": "2"}
    with pytest.raises(status.Forbidden) as refused:
        await rest(stores, "", "configmaps").create("default", {"metadata": {"name": "two"}})
    assert refused.value.message == (
        'configmaps "two" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=2, '
        "limited: configmaps=2"
    )
