"""Table assembly (apiserver asTable + the table generator), the default Name/Created At table, and the
printer registry's integrity."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pinnace.api.printers import DEFAULT_PRINTER, PRINTERS, printer_for, table_for
from pinnace.api.printers.columns import descriptions

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
OPENAPI = REPO.parent / "shared" / "api-data" / "kubernetes-1.32-openapi-v2.json"

CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
        "name": "settings",
        "namespace": "default",
        "uid": "0b9c7c36-5b7e-4d34-9d7b-3c2c1c7c1a01",
        "resourceVersion": "4711",
        "creationTimestamp": "2024-12-31T12:00:00Z",
        "labels": {"app": "web"},
    },
    "data": {"mode": "fast"},
}


def test_a_list_table_for_kubectl_get() -> None:
    table = table_for(
        [CONFIG_MAP],
        group="",
        kind="ConfigMap",
        include_object="Metadata",
        now=NOW,
        list_metadata={
            "resourceVersion": "4800",
            "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ",
            "remainingItemCount": 7,
        },
    )
    assert table == {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {
            "resourceVersion": "4800",
            "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ",
            "remainingItemCount": 7,
        },
        "columnDefinitions": [
            {
                "name": "Name",
                "type": "string",
                "format": "name",
                "description": descriptions()["meta/v1.ObjectMeta.name"],
                "priority": 0,
            },
            {
                "name": "Data",
                "type": "string",
                "format": "",
                "description": descriptions()["core/v1.ConfigMap.data"],
                "priority": 0,
            },
            {
                "name": "Age",
                "type": "string",
                "format": "",
                "description": descriptions()["meta/v1.ObjectMeta.creationTimestamp"],
                "priority": 0,
            },
        ],
        "rows": [
            {
                "cells": ["settings", 1, "24h"],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": CONFIG_MAP["metadata"],
                },
            }
        ],
    }
    json.dumps(table)  # the body is plain JSON


@pytest.mark.parametrize(
    ("include_object", "expected"),
    [
        pytest.param(
            "",
            {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": CONFIG_MAP["metadata"],
            },
            id="no includeObject means Metadata",
        ),
        pytest.param("Object", CONFIG_MAP, id="Object carries the whole object, for --sort-by"),
        pytest.param("None", None, id="None leaves the row object null"),
    ],
)
def test_include_object(include_object: str, expected: dict[str, Any] | None) -> None:
    table = table_for([CONFIG_MAP], group="", kind="ConfigMap", include_object=include_object, now=NOW)
    rows = table["rows"]
    assert rows is not None
    assert rows[0]["object"] == expected


def test_include_object_fills_in_kind_and_api_version_for_list_items() -> None:
    item = {"metadata": {"name": "web"}, "spec": {}}
    table = table_for([item], group="apps", kind="Deployment", include_object="Object", now=NOW, version="v1")
    rows = table["rows"]
    assert rows is not None
    assert rows[0]["object"] == {
        "metadata": {"name": "web"},
        "spec": {},
        "kind": "Deployment",
        "apiVersion": "apps/v1",
    }


def test_an_unknown_include_object_is_upstreams_bad_request() -> None:
    with pytest.raises(ValueError, match='unrecognized includeObject value: "Everything"'):
        table_for([CONFIG_MAP], group="", kind="ConfigMap", include_object="Everything", now=NOW)


def test_a_single_object_lends_the_table_its_resource_version() -> None:
    table = table_for([CONFIG_MAP], group="", kind="ConfigMap", now=NOW, list_metadata=None)
    assert table["metadata"] == {"resourceVersion": "4711"}


def test_the_v1beta1_table_version() -> None:
    table = table_for(
        [CONFIG_MAP], group="", kind="ConfigMap", now=NOW, table_api_version="meta.k8s.io/v1beta1"
    )
    assert table["apiVersion"] == "meta.k8s.io/v1beta1"
    rows = table["rows"]
    assert rows is not None
    row_object = rows[0]["object"]
    assert row_object is not None
    assert row_object["apiVersion"] == "meta.k8s.io/v1beta1"


def test_finished_pods_carry_a_row_condition() -> None:
    pod = {
        "metadata": {"name": "pi"},
        "spec": {"containers": [{"name": "pi"}]},
        "status": {"phase": "Succeeded"},
    }
    table = table_for([pod], group="", kind="Pod", now=NOW, list_metadata={"resourceVersion": "9"})
    rows = table["rows"]
    assert rows is not None
    assert rows[0]["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]
    plain_rows = table_for([CONFIG_MAP], group="", kind="ConfigMap", now=NOW)["rows"]
    assert plain_rows is not None
    assert "conditions" not in plain_rows[0]


def test_an_empty_list_has_columns_and_no_rows() -> None:
    table = table_for([], group="apps", kind="Deployment", now=NOW, list_metadata={"resourceVersion": "12"})
    assert table["rows"] == []
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
        "Containers",
        "Images",
        "Selector",
    ]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1]
    assert table["metadata"] == {"resourceVersion": "12"}


# --- The default table --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        pytest.param("rbac.authorization.k8s.io", "ClusterRole", id="cluster roles have no printer upstream"),
        pytest.param("rbac.authorization.k8s.io", "Role", id="roles have no printer upstream"),
        pytest.param("", "LimitRange", id="limit ranges use the default table convertor"),
        pytest.param(
            "apiextensions.k8s.io", "CustomResourceDefinition", id="CRDs use the default table convertor"
        ),
        pytest.param("example.com", "Widget", id="an unknown kind"),
    ],
)
def test_kinds_without_a_printer_get_name_and_created_at(group: str, kind: str) -> None:
    obj = {"metadata": {"name": "admin", "creationTimestamp": "2024-06-01T10:20:30Z", "resourceVersion": "3"}}
    table = table_for([obj], group=group, kind=kind, now=NOW, list_metadata={"resourceVersion": "5"})
    assert printer_for(group, kind) is DEFAULT_PRINTER
    assert table["columnDefinitions"] == [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "description": descriptions()["meta/v1.ObjectMeta.name"],
            "priority": 0,
        },
        {
            "name": "Created At",
            "type": "date",
            "format": "",
            "description": descriptions()["meta/v1.ObjectMeta.creationTimestamp"],
            "priority": 0,
        },
    ]
    rows = table["rows"]
    assert rows is not None
    assert rows[0]["cells"] == ["admin", "2024-06-01T10:20:30Z"]


def test_the_default_table_of_an_empty_list_has_null_rows_like_upstream() -> None:
    table = table_for([], group="rbac.authorization.k8s.io", kind="Role", now=NOW, list_metadata={})
    assert table["rows"] is None
    assert table["metadata"] == {}


# --- Registry integrity -------------------------------------------------------------------------------------

BUILT_IN_KINDS = {
    ("", kind)
    for kind in (
        "ComponentStatus",
        "ConfigMap",
        "Endpoints",
        "Event",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Pod",
        "PodTemplate",
        "ReplicationController",
        "ResourceQuota",
        "Secret",
        "Service",
        "ServiceAccount",
    )
} | {
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("apps", "ControllerRevision"),
    ("apps", "DaemonSet"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("batch", "CronJob"),
    ("batch", "Job"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("coordination.k8s.io", "Lease"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("events.k8s.io", "Event"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "CSIStorageCapacity"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
}


def test_every_built_in_kind_with_an_upstream_printer_is_registered() -> None:
    assert set(PRINTERS) == BUILT_IN_KINDS


@pytest.mark.parametrize("key", sorted(PRINTERS), ids=lambda key: f"{key[1]} of group {key[0] or 'core'!r}")
def test_every_printer_fills_one_cell_per_column_even_for_a_bare_object(key: tuple[str, str]) -> None:
    printer = PRINTERS[key]
    for obj in ({}, {"metadata": {"name": "x"}, "spec": None, "status": None}):
        cells = printer.cells(obj, NOW)
        assert len(cells) == len(printer.columns)
        assert all(isinstance(cell, str | int | bool) for cell in cells)
    names = [c["name"] for c in printer.columns]
    assert len(names) == len(set(names))
    assert [c for c in printer.columns if c["format"] == "name"], "kubectl needs a name column"
    assert {c["priority"] for c in printer.columns} <= {0, 1}


def test_descriptions_equal_the_openapi_field_descriptions() -> None:
    assert OPENAPI.exists(), f"the shared Kubernetes 1.32 OpenAPI document is not at {OPENAPI}"
    definitions = json.loads(OPENAPI.read_text())["definitions"]
    compared = 0
    for key, text in descriptions().items():
        group_version, type_name, field = key.split(".")
        group, version = group_version.split("/")
        prefix = (
            "io.k8s.apimachinery.pkg.apis.meta.v1." if group == "meta" else f"io.k8s.api.{group}.{version}."
        )
        definition = definitions.get(prefix + type_name)
        if definition is None:
            continue  # a beta type upstream still quotes, gone from the 1.32 API
        assert definition["properties"][field]["description"] == text, key
        compared += 1
    assert compared >= 60
