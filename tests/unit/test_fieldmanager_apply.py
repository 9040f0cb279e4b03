"""The field manager: who owns what after updates and applies, conflicts, pruning, the managedFields list."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pinnace.api.conversion import ConversionError, convert
from pinnace.api.fieldmanager import LAST_APPLIED, ApplyError, Conflicts, FieldManager, builtin_types
from pinnace.api.fieldmanager.resetfields import reset_fields

Object = dict[str, Any]
START = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: int = 1) -> None:
        self.now += timedelta(seconds=seconds)


def _convert(obj: Object, api_version: str) -> Object | None:
    try:
        return convert(obj, api_version)
    except ConversionError:
        return None


def deployments(clock: Clock, subresource: str = "") -> FieldManager:
    types = builtin_types()
    return FieldManager(
        api_version="apps/v1",
        kind="Deployment",
        types=types,
        convert=_convert,
        clock=clock,
        subresource=subresource,
        reset=reset_fields("apps", "Deployment", subresource, has_status=True),
        zero=types.zero_object("apps/v1", "Deployment"),
    )


def deployment(replicas: int = 1, image: str = "nginx", **labels: str) -> Object:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", **({"labels": labels} if labels else {})},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": image}]},
            },
        },
    }


def config(**spec: Any) -> Object:
    """An applied configuration of the Deployment web with these spec fields."""
    metadata = spec.pop("metadata", {})
    out: Object = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", **metadata}}
    if spec:
        out["spec"] = spec
    return out


def stored(obj: Object, uid: str = "uid-1") -> Object:
    """What the store hands back: the object with a uid (it exists)."""
    out = copy.deepcopy(obj)
    out["metadata"]["uid"] = uid
    return out


def entries(obj: Object) -> list[tuple[str, str, str]]:
    return [
        (e["manager"], e["operation"], e.get("subresource", "")) for e in obj["metadata"]["managedFields"]
    ]


def fields_of(obj: Object, manager: str) -> Object:
    for entry in obj["metadata"]["managedFields"]:
        if entry["manager"] == manager:
            fields: Object = entry["fieldsV1"]
            return fields
    raise AssertionError(f"{manager} has no entry: {entries(obj)}")


def test_a_create_records_the_creator_as_upstream_writes_it() -> None:
    created = deployments(Clock()).update(None, deployment(), "kubectl-create")
    assert created["metadata"]["managedFields"] == [
        {
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": "2026-03-04T05:06:07Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:template": {
                        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {
                            "f:containers": {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}
                        },
                    },
                }
            },
        }
    ]


def test_an_update_takes_the_fields_it_changes_from_their_owner() -> None:
    clock = Clock()
    manager = deployments(clock)
    created = stored(manager.update(None, deployment(), "creator"))
    clock.tick(60)
    scaled = manager.update(created, {**created, "spec": {**created["spec"], "replicas": 3}}, "scaler")
    assert fields_of(scaled, "scaler") == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in fields_of(scaled, "creator")["f:spec"]
    times = {e["manager"]: e["time"] for e in scaled["metadata"]["managedFields"]}
    assert times == {"creator": "2026-03-04T05:06:07Z", "scaler": "2026-03-04T05:07:07Z"}


def test_status_written_through_the_main_resource_is_owned_by_nobody() -> None:
    manager = deployments(Clock())
    created = manager.update(None, {**deployment(), "status": {"replicas": 3}}, "creator")
    assert "f:status" not in fields_of(created, "creator")


def test_a_status_write_is_recorded_with_its_subresource() -> None:
    clock = Clock()
    live = stored(deployments(clock).update(None, {**deployment(), "status": {}}, "creator"))
    written = deployments(clock, "status").update(live, {**live, "status": {"replicas": 1}}, "ctrl")
    assert ("ctrl", "Update", "status") in entries(written)
    assert fields_of(written, "ctrl") == {"f:status": {"f:replicas": {}}}


def test_apply_conflicts_with_another_managers_field_in_upstreams_words() -> None:
    manager = deployments(Clock())
    live = stored(manager.update(None, deployment(replicas=1), "kubectl-client-side-apply"))
    with pytest.raises(Conflicts) as raised:
        manager.apply(live, config(replicas=3), "other", force=False)
    assert raised.value.message() == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
    )
    assert raised.value.causes() == [
        ("FieldManagerConflict", 'conflict with "kubectl-client-side-apply" using apps/v1', ".spec.replicas")
    ]


def test_several_conflicts_are_grouped_by_manager() -> None:
    manager = deployments(Clock())
    live = stored(manager.update(None, deployment(replicas=1), "a-writer"))
    live = stored(manager.apply(live, config(minReadySeconds=5, paused=False), "b-applier", force=False))
    with pytest.raises(Conflicts) as raised:
        manager.apply(live, config(replicas=2, minReadySeconds=6, paused=True), "c", force=False)
    assert raised.value.message() == (
        "Apply failed with 3 conflicts: "
        'conflicts with "a-writer" using apps/v1:\n'
        "- .spec.replicas\n"
        'conflicts with "b-applier":\n'
        "- .spec.minReadySeconds\n"
        "- .spec.paused"
    )


def test_a_status_writer_is_named_with_its_subresource_in_a_conflict() -> None:
    clock = Clock()
    live = stored(deployments(clock).update(None, deployment(), "creator"))
    live = stored(deployments(clock, "status").update(live, {**live, "status": {"replicas": 1}}, "ctrl"))
    status_config = {**config(), "status": {"replicas": 4}}
    with pytest.raises(Conflicts) as raised:
        deployments(clock, "status").apply(live, status_config, "me", force=False)
    assert raised.value.message() == (
        'Apply failed with 1 conflict: conflict with "ctrl" with subresource "status" using apps/v1: '
        ".status.replicas"
    )


def test_force_takes_the_field_over() -> None:
    manager = deployments(Clock())
    live = stored(manager.update(None, deployment(replicas=1), "creator"))
    applied = manager.apply(live, config(replicas=3), "other", force=True)
    assert applied["spec"]["replicas"] == 3
    assert fields_of(applied, "other") == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in fields_of(applied, "creator")["f:spec"]


def test_applying_the_value_a_field_has_shares_it() -> None:
    manager = deployments(Clock())
    live = stored(manager.update(None, deployment(replicas=2), "creator"))
    applied = manager.apply(live, config(replicas=2), "other", force=False)
    assert fields_of(applied, "other") == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" in fields_of(applied, "creator")["f:spec"]
    assert "time" not in next(e for e in applied["metadata"]["managedFields"] if e["manager"] == "other"), (
        "nothing changed, so the applier gets no time stamp"
    )


def test_a_field_no_longer_applied_is_removed() -> None:
    manager = deployments(Clock())
    first = stored(manager.apply(None, config(metadata={"labels": {"a": "1", "b": "2"}}), "me", force=False))
    second = manager.apply(first, config(metadata={"labels": {"a": "1"}}), "me", force=False)
    assert second["metadata"]["labels"] == {"a": "1"}
    assert fields_of(second, "me") == {"f:metadata": {"f:labels": {"f:a": {}}}}


def test_a_field_no_longer_applied_stays_while_another_manager_owns_it() -> None:
    manager = deployments(Clock())
    first = stored(manager.apply(None, config(metadata={"labels": {"a": "1", "b": "2"}}), "me", force=False))
    shared = stored(manager.apply(first, config(metadata={"labels": {"b": "2"}}), "you", force=False))
    mine = manager.apply(shared, config(metadata={"labels": {"a": "1"}}), "me", force=False)
    assert mine["metadata"]["labels"] == {"a": "1", "b": "2"}
    assert fields_of(mine, "you") == {"f:metadata": {"f:labels": {"f:b": {}}}}


def test_a_field_an_update_changed_stays_when_the_applier_drops_it() -> None:
    manager = deployments(Clock())
    first = stored(manager.apply(None, config(minReadySeconds=5), "me", force=False))
    changed = stored(
        manager.update(first, {**first, "spec": {**first["spec"], "minReadySeconds": 9}}, "editor")
    )
    dropped = manager.apply(changed, config(paused=True), "me", force=False)
    assert dropped["spec"]["minReadySeconds"] == 9


def test_a_list_item_no_longer_applied_is_removed() -> None:
    manager = deployments(Clock())
    containers = [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]
    first = stored(
        manager.apply(None, config(template={"spec": {"containers": containers}}), "me", force=False)
    )
    second = manager.apply(
        first, config(template={"spec": {"containers": containers[:1]}}), "me", force=False
    )
    assert second["spec"]["template"]["spec"]["containers"] == containers[:1]


def test_applying_to_an_untracked_object_gives_its_fields_to_before_first_apply() -> None:
    manager = deployments(Clock())
    untracked = stored(deployment(replicas=2))
    applied = manager.apply(untracked, config(replicas=2), "me", force=False)
    assert [name for name, _, _ in entries(applied)] == ["me", "before-first-apply"]
    assert "f:replicas" in fields_of(applied, "before-first-apply")["f:spec"]


def test_updates_to_an_untracked_object_do_not_start_tracking_it() -> None:
    manager = deployments(Clock())
    untracked = stored(deployment(replicas=2))
    updated = manager.update(untracked, {**untracked, "spec": {**untracked["spec"], "replicas": 5}}, "x")
    assert "managedFields" not in updated["metadata"]


@pytest.mark.parametrize("reset", [[], [{}]], ids=["an empty list", "one empty entry"])
def test_a_request_can_clear_the_managed_fields(reset: list[Object]) -> None:
    manager = deployments(Clock())
    live = stored(manager.update(None, deployment(), "creator"))
    body = copy.deepcopy(live)
    body["metadata"]["managedFields"] = reset
    assert "managedFields" not in manager.update(live, body, "editor")["metadata"]


def test_a_request_can_set_the_managed_fields() -> None:
    manager = deployments(Clock())
    live = stored(manager.update(None, deployment(), "creator"))
    body = copy.deepcopy(live)
    body["metadata"]["managedFields"][0]["manager"] = "renamed"
    assert entries(manager.update(live, body, "editor")) == [("renamed", "Update", "")]


def test_managed_fields_that_do_not_decode_are_replaced_by_the_live_ones() -> None:
    manager = deployments(Clock())
    live = stored(manager.update(None, deployment(), "creator"))
    body = copy.deepcopy(live)
    body["metadata"]["managedFields"][0]["operation"] = "Bogus"
    body["spec"]["replicas"] = 4
    assert entries(manager.update(live, body, "editor")) == [
        ("creator", "Update", ""),
        ("editor", "Update", ""),
    ]


def test_a_status_write_ignores_the_managed_fields_it_sends() -> None:
    clock = Clock()
    live = stored(deployments(clock).update(None, deployment(), "creator"))
    body = copy.deepcopy(live)
    body["metadata"]["managedFields"] = [{}]
    written = deployments(clock, "status").update(live, body, "ctrl")
    assert entries(written) == [("creator", "Update", "")]


def test_beyond_ten_update_managers_the_oldest_merge_into_ancient_changes() -> None:
    clock = Clock()
    manager = deployments(clock)
    live = stored(manager.update(None, deployment(), "creator"))
    for number in range(11):
        clock.tick()
        changed = copy.deepcopy(live)
        changed["metadata"].setdefault("annotations", {})[f"n{number}"] = "x"
        live = stored(manager.update(live, changed, f"writer-{number:02d}"))
    names = [name for name, _, _ in entries(live)]
    assert len(names) == 10, "12 Update entries: the 3 oldest merged into one"
    assert names[0] == "ancient-changes" and not {"creator", "writer-00", "writer-01"} & set(names)
    ancient = fields_of(live, "ancient-changes")
    assert ancient["f:metadata"]["f:annotations"] == {".": {}, "f:n0": {}, "f:n1": {}}
    assert "f:replicas" in ancient["f:spec"]


def test_kubectl_takes_over_what_its_client_side_apply_left_and_keeps_the_annotation_current() -> None:
    manager = deployments(Clock())
    last_applied = json.dumps(deployment(replicas=1))
    csa = deployment(replicas=1)
    csa["metadata"]["annotations"] = {LAST_APPLIED: last_applied}
    live = stored(manager.update(None, csa, "kubectl-client-side-apply"))
    applied = manager.apply(
        live, {**deployment(replicas=4), "metadata": {"name": "web"}}, "kubectl", force=False
    )
    assert applied["spec"]["replicas"] == 4
    annotation = json.loads(applied["metadata"]["annotations"][LAST_APPLIED])
    assert annotation["spec"]["replicas"] == 4
    assert applied["metadata"]["annotations"][LAST_APPLIED].endswith("\n")
    with pytest.raises(Conflicts):
        manager.apply(live, config(replicas=4), "someone-else", force=False)


@pytest.mark.parametrize(
    ("applied", "code", "message"),
    [
        ({**config(), "kind": "StatefulSet"}, 400, "invalid object type: apps/v1, Kind=StatefulSet"),
        (
            {**config(), "apiVersion": "apps/v1beta1"},
            400,
            "invalid object type: apps/v1beta1, Kind=Deployment",
        ),
        (
            {**config(), "metadata": {"name": "web", "managedFields": []}},
            400,
            "metadata.managedFields must be nil",
        ),
        (
            config(replica=1),
            500,
            "failed to create typed patch object (/web; apps/v1, Kind=Deployment): "
            ".spec.replica: field not declared in schema",
        ),
    ],
    ids=["another kind", "another version", "managed fields", "an unknown field"],
)
def test_apply_refuses_what_upstream_refuses(applied: Object, code: int, message: str) -> None:
    with pytest.raises(ApplyError) as raised:
        deployments(Clock()).apply(None, applied, "me", force=False)
    assert (raised.value.code, raised.value.message) == (code, message)


def test_an_apply_that_changes_nothing_returns_the_live_object() -> None:
    manager = deployments(Clock())
    live = stored(manager.apply(None, config(replicas=2), "me", force=False))
    again = manager.apply(live, config(replicas=2), "me", force=False)
    assert again == live
