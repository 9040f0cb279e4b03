"""Strategic merge patch: the patches kubectl sends, upstream's own cases, and upstream's error messages.

The cases in ``UPSTREAM`` are the apply half of apimachinery ``pkg/util/strategicpatch/patch_test.go``
(``strategicMergePatchRawTestCases``, ``customStrategicMergePatchRawTestCases``): the two-way patch applied to
``Original`` gives ``Modified``, the three-way patch applied to ``Current`` gives ``Result``, compared exactly
(list order included). They run against upstream's test type ``MergeItem``, described below in the schema
generator's format.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import orjson
import pytest

from pinnace.api.schema import SchemaRegistry
from pinnace.api.strategicpatch import (
    CUSTOM_RESOURCE_PATCH_TYPES,
    StrategicPatchError,
    apply_strategic_merge_patch,
    supports_strategic_merge,
    unsupported_patch_type_message,
)

# Builders ------------------------------------------------------------------------------------------------


def container(name: str, image: str = "nginx:1.25", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **extra}


def deployment(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "annotations": {"deployment.kubernetes.io/revision": "1"},
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": list(containers) or [container("nginx")]},
            },
            **spec,
        },
    }


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def template_patch(spec: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": spec}}}


def node(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "spec": spec}


def service(*ports: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": list(ports)},
    }


def apply(obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    return apply_strategic_merge_patch(obj, patch, obj["apiVersion"], obj["kind"])


# What kubectl sends (wire-notes §5.1) --------------------------------------------------------------------

D = deployment(
    container("nginx", ports=[{"containerPort": 80, "protocol": "TCP"}]), container("sidecar", "busybox")
)


def _with(obj: dict[str, Any], change: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    change(out)
    return out


KUBECTL: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "kubectl apply of a changed image keeps containers in $setElementOrder order",
        D,
        {
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"}},
            "spec": {
                "replicas": 3,
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
                        "containers": [{"image": "nginx:1.26", "name": "nginx"}],
                    }
                },
            },
        },
        _with(
            D,
            lambda o: (
                o["metadata"]["annotations"].update(
                    {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"}
                ),
                o["spec"].update(replicas=3),
                pod_spec(o)["containers"][0].update(image="nginx:1.26"),
            ),
        ),
    ),
    (
        "kubectl apply that reorders containers follows $setElementOrder",
        D,
        template_patch({"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}]}),
        _with(D, lambda o: pod_spec(o)["containers"].reverse()),
    ),
    (
        "kubectl apply removing a container sends $patch delete",
        D,
        template_patch(
            {
                "$setElementOrder/containers": [{"name": "nginx"}],
                "containers": [{"$patch": "delete", "name": "sidecar"}],
            }
        ),
        _with(D, lambda o: pod_spec(o)["containers"].pop()),
    ),
    (
        "kubectl apply adding a container appends it after the live ones it follows",
        D,
        template_patch(
            {
                "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}, {"name": "log"}],
                "containers": [{"name": "log", "image": "fluentbit"}],
            }
        ),
        _with(D, lambda o: pod_spec(o)["containers"].append(container("log", "fluentbit"))),
    ),
    (
        "kubectl set image changes one container by name",
        D,
        template_patch(
            {
                "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
                "containers": [{"image": "busybox:1.36", "name": "sidecar"}],
            }
        ),
        _with(D, lambda o: pod_spec(o)["containers"][1].update(image="busybox:1.36")),
    ),
    (
        "kubectl rollout restart adds a template annotation",
        D,
        {
            "spec": {
                "template": {
                    "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}}
                }
            }
        },
        _with(
            D,
            lambda o: o["spec"]["template"]["metadata"].update(
                annotations={"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}
            ),
        ),
    ),
    (
        "kubectl rollout pause sets paused",
        D,
        {"spec": {"paused": True}},
        _with(D, lambda o: o["spec"].update(paused=True)),
    ),
    (
        "kubectl rollout resume deletes paused with null",
        _with(D, lambda o: o["spec"].update(paused=True)),
        {"spec": {"paused": None}},
        D,
    ),
    (
        "kubectl cordon sets unschedulable",
        node(podCIDR="10.0.0.0/24"),
        {"spec": {"unschedulable": True}},
        node(podCIDR="10.0.0.0/24", unschedulable=True),
    ),
    (
        "kubectl uncordon deletes unschedulable with null",
        node(podCIDR="10.0.0.0/24", unschedulable=True),
        {"spec": {"unschedulable": None}},
        node(podCIDR="10.0.0.0/24"),
    ),
    (
        "kubectl taint replaces the taints list: it has no patch strategy",
        node(taints=[{"key": "a", "effect": "NoSchedule"}]),
        {"spec": {"taints": [{"key": "b", "value": "v", "effect": "NoExecute"}]}},
        node(taints=[{"key": "b", "value": "v", "effect": "NoExecute"}]),
    ),
    (
        "env vars merge by name and null deletes a field of one",
        deployment(container("c", env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])),
        template_patch(
            {"containers": [{"name": "c", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}
        ),
        deployment(
            container(
                "c",
                env=[{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
            )
        ),
    ),
    (
        "env var deleted by $patch delete",
        deployment(container("c", env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])),
        template_patch({"containers": [{"name": "c", "env": [{"name": "A", "$patch": "delete"}]}]}),
        deployment(container("c", env=[{"name": "B", "value": "2"}])),
    ),
    (
        "container ports merge by containerPort",
        deployment(container("c", ports=[{"containerPort": 80, "name": "http"}])),
        template_patch(
            {
                "containers": [
                    {"name": "c", "ports": [{"containerPort": 80, "name": "web"}, {"containerPort": 443}]}
                ]
            }
        ),
        deployment(container("c", ports=[{"containerPort": 80, "name": "web"}, {"containerPort": 443}])),
    ),
    (
        "Service ports merge by port",
        service({"port": 80, "targetPort": 8080, "protocol": "TCP"}),
        {"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}]}},
        service({"port": 80, "targetPort": 9090, "protocol": "TCP"}, {"port": 443, "targetPort": 8443}),
    ),
    (
        "Service selector is a plain map: keys merge, atomic or not",
        service({"port": 80}),
        {"spec": {"selector": {"tier": "front"}}},
        _with(service({"port": 80}), lambda o: o["spec"]["selector"].update(tier="front")),
    ),
    (
        "volumes: $retainKeys drops the old volume source of a merged volume",
        deployment(volumes=None)
        | {
            "spec": deployment()["spec"]
            | {
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [container("nginx")],
                        "volumes": [
                            {"name": "data", "emptyDir": {}},
                            {"name": "cfg", "configMap": {"name": "c"}},
                        ],
                    },
                }
            }
        },
        template_patch(
            {
                "volumes": [
                    {"$retainKeys": ["hostPath", "name"], "hostPath": {"path": "/srv"}, "name": "data"},
                ]
            }
        ),
        deployment(volumes=None)
        | {
            "spec": deployment()["spec"]
            | {
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [container("nginx")],
                        "volumes": [
                            {"name": "data", "hostPath": {"path": "/srv"}},
                            {"name": "cfg", "configMap": {"name": "c"}},
                        ],
                    },
                }
            }
        },
    ),
    (
        "Deployment strategy: $retainKeys clears rollingUpdate when switching to Recreate",
        D,
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": None}}},
        _with(D, lambda o: o["spec"].update(strategy={"type": "Recreate"})),
    ),
    (
        "tolerations are replaced whole",
        deployment(),
        template_patch({"tolerations": [{"key": "k", "operator": "Exists"}]}),
        _with(deployment(), lambda o: pod_spec(o).update(tolerations=[{"key": "k", "operator": "Exists"}])),
    ),
    (
        "StatefulSet rollback replaces the template with $patch replace",
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db"},
            "spec": {
                "serviceName": "db",
                "template": {
                    "metadata": {"labels": {"app": "db"}, "annotations": {"x": "1"}},
                    "spec": {"containers": [container("db", "postgres:16"), container("exporter")]},
                },
            },
        },
        {
            "spec": {
                "template": {
                    "$patch": "replace",
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [container("db", "postgres:15")]},
                }
            }
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db"},
            "spec": {
                "serviceName": "db",
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [container("db", "postgres:15")]},
                },
            },
        },
    ),
    (
        "finalizers merge as a set of strings",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b"]}},
        {"metadata": {"finalizers": ["b", "c"]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b", "c"]}},
    ),
    (
        "finalizers: $deleteFromPrimitiveList removes values",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b"]}},
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["b"]}},
    ),
    (
        "ConfigMap data merges as a map; null deletes a key",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}},
        {"data": {"a": None, "c": "3"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"b": "2", "c": "3"}},
    ),
    (
        "$patch replace on a list sets it to the patch's elements",
        D,
        template_patch({"containers": [container("only"), {"$patch": "replace"}]}),
        _with(D, lambda o: pod_spec(o).update(containers=[container("only")])),
    ),
    (
        "$patch delete on a map empties it",
        D,
        {"spec": {"strategy": {"$patch": "delete"}}},
        _with(D, lambda o: o["spec"].update(strategy={})),
    ),
    (
        "a new field keeps no nulls and no directive elements",
        deployment(),
        {"spec": {"template": {"spec": {"securityContext": {"runAsUser": 1, "fsGroup": None}}}}},
        _with(deployment(), lambda o: pod_spec(o).update(securityContext={"runAsUser": 1})),
    ),
    (
        "PodDisruptionBudget selector has strategy replace",
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "p"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}},
        },
        {"spec": {"selector": {"matchLabels": {"c": "d"}}}},
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "p"},
            "spec": {"selector": {"matchLabels": {"c": "d"}}},
        },
    ),
]


@pytest.mark.parametrize(
    ("original", "patch", "expected"), [c[1:] for c in KUBECTL], ids=[c[0] for c in KUBECTL]
)
def test_kubectl_patches(original: dict[str, Any], patch: dict[str, Any], expected: dict[str, Any]) -> None:
    before, patch_before = copy.deepcopy(original), copy.deepcopy(patch)
    assert apply(original, patch) == expected
    assert (original, patch) == (before, patch_before), "inputs are not changed"


def test_without_set_element_order_new_elements_come_before_the_live_ones() -> None:
    # mergeSortedSlice puts a live element first only when the next patch element is in the live list too.
    result = apply(D, template_patch({"containers": [container("new")]}))
    assert [c["name"] for c in pod_spec(result)["containers"]] == ["new", "nginx", "sidecar"]


def test_result_shares_nothing_with_the_inputs() -> None:
    patch = template_patch({"containers": [container("new", env=[{"name": "A", "value": "1"}])]})
    result = apply(D, patch)
    pod_spec(result)["containers"][0]["env"].append({"name": "B"})
    assert patch["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "A", "value": "1"}]


# Errors --------------------------------------------------------------------------------------------------

ERRORS: list[tuple[str, dict[str, Any], dict[str, Any], str, int]] = [
    (
        "a merge-list element without its merge key",
        D,
        template_patch({"containers": [{"image": "x"}]}),
        "map: map[image:x] does not contain declared merge key: name",
        500,
    ),
    (
        "$patch delete without the merge key",
        D,
        template_patch({"containers": [{"$patch": "delete", "image": "x"}]}),
        "map: map[$patch:delete image:x] does not contain declared merge key: name",
        500,
    ),
    (
        "$setElementOrder naming a field the type lacks",
        D,
        template_patch({"$setElementOrder/sidecars": [{"name": "a"}]}),
        'unable to find api field in struct PodSpec for the json field "sidecars"',
        500,
    ),
    (
        "$setElementOrder without a list name",
        D,
        template_patch({"$setElementOrder": [{"name": "a"}]}),
        "invalid patch format of setElementOrder list",
        400,
    ),
    (
        "$setElementOrder whose value is not a list",
        D,
        template_patch({"$setElementOrder/containers": {"name": "a"}}),
        "expected a []interface {}, but received a map[string]interface {}",
        500,
    ),
    (
        "$setElementOrder out of the patch's order",
        D,
        template_patch(
            {
                "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
                "containers": [{"name": "sidecar"}, {"name": "nginx"}],
            }
        ),
        "The order in patch list:\n[map[name:sidecar] map[name:nginx]]\n doesn't match $setElementOrder list:\n"
        "[map[name:nginx] map[name:sidecar]]\n",
        500,
    ),
    (
        "$deleteFromPrimitiveList without a list name",
        D,
        {"metadata": {"$deleteFromPrimitiveList": ["a"]}},
        "invalid patch format of primitive list",
        400,
    ),
    (
        "$retainKeys that is not a list",
        D,
        {"spec": {"strategy": {"$retainKeys": "type"}}},
        "invalid patch format of retainKeys",
        400,
    ),
    (
        "$retainKeys that leaves out a key the patch sets",
        D,
        {
            "spec": {
                "strategy": {
                    "$retainKeys": ["type"],
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": 1},
                }
            }
        },
        "invalid patch format of retainKeys",
        400,
    ),
    (
        "$patch with an unknown value in an object",
        D,
        {"spec": {"strategy": {"$patch": "remove"}}},
        "unknown patch type: remove in map: map[$patch:remove]",
        500,
    ),
    (
        "$patch merge in an object",
        D,
        {"spec": {"template": {"$patch": "merge", "metadata": {"labels": {"a": "b"}}}}},
        "unknown patch type: merge in map: map[$patch:merge metadata:map[labels:map[a:b]]]",
        500,
    ),
    (
        "$patch merge in a list",
        D,
        template_patch({"containers": [{"$patch": "merge"}]}),
        "merging lists cannot yet be specified in the patch",
        500,
    ),
    (
        "$patch with an unknown value in a list",
        D,
        template_patch({"containers": [{"$patch": "nope", "name": "x"}]}),
        "unknown patch type: nope in map: map[$patch:nope name:x]",
        500,
    ),
    (
        "a list of lists",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a"]}},
        {"metadata": {"finalizers": [["b"]]}},
        "list element types are not identical: [[a] [[b]]]",
        500,
    ),
    (
        "a merge list whose elements change type",
        D,
        template_patch({"containers": ["nginx"]}),
        "list element types are not identical: [[map[image:nginx:1.25 name:nginx ports:[map[containerPort:80 protocol:TCP]]] "
        "map[image:busybox name:sidecar]] [nginx]]",
        500,
    ),
]


@pytest.mark.parametrize(
    ("original", "patch", "message", "code"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_errors_carry_upstream_messages(
    original: dict[str, Any], patch: dict[str, Any], message: str, code: int
) -> None:
    with pytest.raises(StrategicPatchError) as caught:
        apply(original, patch)
    assert (str(caught.value), caught.value.code) == (message, code)


def test_lists_of_lists_are_rejected_with_422() -> None:
    original = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": []}}
    with pytest.raises(StrategicPatchError) as caught:
        apply(original, {"metadata": {"finalizers": [["b"]]}})
    assert (str(caught.value), caught.value.code, caught.value.reason) == (
        "lists of lists are not supported",
        422,
        "Invalid",
    )


def test_a_patch_that_is_not_an_object_is_a_bad_request() -> None:
    with pytest.raises(StrategicPatchError) as caught:
        apply_strategic_merge_patch(D, [], "apps/v1", "Deployment")  # type: ignore[arg-type]
    assert str(caught.value) == "json: cannot unmarshal array into Go value of type map[string]interface {}"
    assert (caught.value.code, caught.value.reason) == (400, "BadRequest")


def test_custom_resources_are_not_strategic_merge_patched() -> None:
    assert supports_strategic_merge("apps/v1", "Deployment")
    assert not supports_strategic_merge("example.com/v1", "Widget")
    with pytest.raises(StrategicPatchError, match=r"^strategic merge patch format is not supported$"):
        apply_strategic_merge_patch({}, {}, "example.com/v1", "Widget")
    assert unsupported_patch_type_message(CUSTOM_RESOURCE_PATCH_TYPES) == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )


# Upstream's cases ----------------------------------------------------------------------------------------

_MERGE = "x-kubernetes-patch-strategy"
_KEY = "x-kubernetes-patch-merge-key"
_ITEM = {
    "name": "string",
    "value": "string",
    "other": "string",
    "mergingList": {"type": ["list", "#mergeItem"], _MERGE: "merge", _KEY: "name"},
    "nonMergingList": ["list", "#mergeItem"],
    "mergingIntList": {"type": ["list", "int64"], _MERGE: "merge"},
    "nonMergingIntList": ["list", "int64"],
    "mergeItemPtr": {"type": "#mergeItem", _MERGE: "merge", _KEY: "name"},
    "simpleMap": ["map", "string"],
    "replacingItem": {"type": "#RawExtension", _MERGE: "replace"},
    "jsonItem": "#jsonItem",
    "retainKeysMap": {"type": "#retainKeysMergeItem", _MERGE: "retainKeys"},
    "retainKeysMergingList": {"type": ["list", "#mergeItem"], _MERGE: "merge,retainKeys", _KEY: "name"},
}
_RETAIN_KEYS_ITEM = {
    "name": "string",
    "value": "string",
    "other": "string",
    "simpleMap": ["map", "string"],
    "mergingIntList": {"type": ["list", "int64"], _MERGE: "merge"},
    "mergingList": {"type": ["list", "#mergeItem"], _MERGE: "merge", _KEY: "name"},
    "nonMergingList": ["list", "#mergeItem"],
}
MERGE_ITEM = SchemaRegistry.from_json(
    orjson.dumps(
        {
            "definitions": {
                "mergeItem": {"fields": _ITEM},
                "retainKeysMergeItem": {"fields": _RETAIN_KEYS_ITEM},
                "RawExtension": {"form": "raw"},
                "jsonItem": {"fields": {"Raw": "bytes"}},
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"fields": {}},
            },
            "kinds": {"v1": {"mergeItem": "mergeItem"}},
        }
    )
)

# (description, original, patch, expected result or None, expected error fragment)
UPSTREAM: list[tuple[str, str, str, str | None, str]] = [
    (
        "nested patch merge with empty list (two-way)",
        '{"name":"hi"}',
        '{"mergingList":[{"name":"hello"},{"$patch":"delete","name":"doesntexist"}]}',
        '{"name":"hi","mergingList":[{"name":"hello"}]}',
        "",
    ),
    (
        "nested patch merge with empty list (three-way)",
        '{"name":"hi","mergingList":[{"name":"hello2"}]}',
        '{"$setElementOrder/mergingList":[{"name":"hello"},{"name":"doesntexist"}],"mergingList":[{"name":"hello"}]}',
        '{"name":"hi","mergingList":[{"name":"hello"},{"name":"hello2"}]}',
        "",
    ),
    (
        "delete items in lists of scalars (two-way)",
        '{"mergingIntList":[1,2,3]}',
        '{"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[1,2]}',
        "",
    ),
    (
        "delete items in lists of scalars (three-way)",
        '{"mergingIntList":[1,2,3,4]}',
        '{"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[1,2,4]}',
        "",
    ),
    (
        "delete all duplicate items in lists of scalars (two-way)",
        '{"mergingIntList":[1,2,3,3]}',
        '{"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[1,2]}',
        "",
    ),
    (
        "delete all duplicate items in lists of scalars (three-way)",
        '{"mergingIntList":[1,2,3,3,4]}',
        '{"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[1,2,4]}',
        "",
    ),
    (
        "add and delete items in lists of scalars (two-way)",
        '{"mergingIntList":[1,2,3]}',
        '{"$setElementOrder/mergingIntList":[1,2,4],"$deleteFromPrimitiveList/mergingIntList":[3],"mergingIntList":[4]}',
        '{"mergingIntList":[1,2,4]}',
        "",
    ),
    (
        "add and delete items in lists of scalars (three-way)",
        '{"mergingIntList":[1,2,3,4]}',
        '{"$setElementOrder/mergingIntList":[1,2,4],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[1,2,4]}',
        "",
    ),
    (
        "merge lists of maps (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":4,"value":4},{"name":3,"value":3}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":1},{"name":2,"value":2},{"name":3,"value":3}]}',
        "",
    ),
    (
        "merge lists of maps (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":4,"value":4},{"name":3,"value":3}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}',
        "",
    ),
    (
        "merge lists of maps with conflict (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":3,"value":3}]}',
        '{"mergingList":[{"name":1},{"name":2,"value":2},{"name":3,"value":3}]}',
        "",
    ),
    (
        "merge lists of maps with conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":3,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":2,"value":2},{"name":3,"value":3}]}',
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}',
        "",
    ),
    (
        "add field to map in merging list (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":1}]}',
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "add field to map in merging list (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":1}]}',
        '{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "add field to map in merging list with conflict (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":1}]}',
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "add field to map in merging list with conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":3,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        '{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2},{"name":3,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "add duplicate field to map in merging list (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":1}]}',
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "add an item that already exists in current object in merging list (two-way)",
        '{"mergingList":[{"name":1,"value":"a"},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":3}]}',
        '{"mergingList":[{"name":1,"value":"a"},{"name":2},{"name":3}]}',
        "",
    ),
    (
        "add duplicate field to map in merging list with conflict (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":1}]}',
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "add duplicate field to map in merging list with conflict (three-way)",
        '{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":3,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":2,"value":2}]}',
        '{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "replace map field value in merging list (two-way)",
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":"a"}]}',
        '{"mergingList":[{"name":1,"value":"a"},{"name":2,"value":2}]}',
        "",
    ),
    (
        "replace map field value in merging list (three-way)",
        '{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":"a"}]}',
        '{"mergingList":[{"name":1,"value":"a","other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "replace map field value in merging list with conflict (two-way)",
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":"a"}]}',
        '{"mergingList":[{"name":1,"value":"a"},{"name":2,"value":2}]}',
        "",
    ),
    (
        "replace map field value in merging list with conflict (three-way)",
        '{"mergingList":[{"name":1,"value":3,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":"a"}]}',
        '{"mergingList":[{"name":1,"value":"a","other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "delete map from merging list (two-way)",
        '{"mergingList":[{"name":1},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2}]}',
        "",
    ),
    (
        "delete map from merging list (three-way)",
        '{"mergingList":[{"name":1},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "delete map from merging list with conflict (two-way)",
        '{"mergingList":[{"name":1},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2}]}',
        "",
    ),
    (
        "delete map from merging list with conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "delete missing map from merging list (two-way)",
        '{"mergingList":[{"name":1},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2}]}',
        "",
    ),
    (
        "delete missing map from merging list (three-way)",
        '{"mergingList":[{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "delete missing map from merging list with conflict (two-way)",
        '{"mergingList":[{"name":1},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2}]}',
        "",
    ),
    (
        "delete missing map from merging list with conflict (three-way)",
        '{"mergingList":[{"name":3,"other":"a"}]}',
        '{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":2},{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2},{"name":3,"other":"a"}]}',
        "",
    ),
    (
        "add map and delete map from merging list (two-way)",
        '{"mergingList":[{"name":1},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":3}],"mergingList":[{"name":3},{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2},{"name":3}]}',
        "",
    ),
    (
        "add map and delete map from merging list (three-way)",
        '{"mergingList":[{"name":1},{"name":2,"other":"b"},{"name":4,"other":"c"}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":3}],"mergingList":[{"name":3},{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2,"other":"b"},{"name":4,"other":"c"},{"name":3}]}',
        "",
    ),
    (
        "add map and delete map from merging list with conflict (two-way)",
        '{"mergingList":[{"name":1},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":3}],"mergingList":[{"name":3},{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2},{"name":3}]}',
        "",
    ),
    (
        "add map and delete map from merging list with conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":4,"other":"c"}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":3}],"mergingList":[{"name":2},{"name":3},{"name":1,"$patch":"delete"}]}',
        '{"mergingList":[{"name":4,"other":"c"},{"name":2},{"name":3}]}',
        "",
    ),
    (
        "delete field from map in merging list (two-way)",
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}',
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "delete field from map in merging list (three-way)",
        '{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}',
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "delete field from map in merging list with conflict (two-way)",
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}',
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "delete field from map in merging list with conflict (three-way)",
        '{"mergingList":[{"name":1,"value":"a","other":"a"},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}',
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2}]}',
        "",
    ),
    (
        "delete missing field from map in merging list (two-way)",
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}',
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "delete missing field from map in merging list (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}',
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "delete missing field from map in merging list with conflict (two-way)",
        '{"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}',
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "delete missing field from map in merging list with conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null},{"name":2,"value":2}]}',
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "replace non merging list nested in merging list (two-way)",
        '{"mergingList":[{"name":1,"nonMergingList":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]},{"name":2}]}',
        "",
    ),
    (
        "replace non merging list nested in merging list (three-way)",
        '{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1},{"name":2,"value":2}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1,"value":1}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "replace non merging list nested in merging list with value conflict (two-way)",
        '{"mergingList":[{"name":1,"nonMergingList":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]},{"name":2}]}',
        "",
    ),
    (
        "replace non merging list nested in merging list with value conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1,"value":"c"}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1,"value":1}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "replace non merging list nested in merging list with deletion conflict (two-way)",
        '{"mergingList":[{"name":1,"nonMergingList":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]},{"name":2}]}',
        "",
    ),
    (
        "replace non merging list nested in merging list with deletion conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":2,"value":2}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1,"value":1}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "add field to map in merging list nested in merging list (two-way)",
        '{"mergingList":[{"name":1,"mergingList":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"name":1,"mergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]},{"name":2}]}',
        "",
    ),
    (
        "add field to map in merging list nested in merging list (three-way)",
        '{"mergingList":[{"name":1,"other":"a","mergingList":[{"name":1},{"name":2,"value":2}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"name":1,"mergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"other":"a","mergingList":[{"name":1,"value":1},{"name":2,"value":2}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "add field to map in merging list nested in merging list with value conflict (two-way)",
        '{"mergingList":[{"name":1,"mergingList":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"name":1,"mergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]},{"name":2}]}',
        "",
    ),
    (
        "add field to map in merging list nested in merging list with value conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a","mergingList":[{"name":1,"value":"a","other":"c"},{"name":2,"value":"b","other":"d"}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"name":1,"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}]}',
        '{"mergingList":[{"name":1,"other":"a","mergingList":[{"name":1,"value":1,"other":"c"},{"name":2,"value":2,"other":"d"}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "add field to map in merging list nested in merging list with deletion conflict (two-way)",
        '{"mergingList":[{"name":1,"mergingList":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"name":1,"mergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]},{"name":2}]}',
        "",
    ),
    (
        "add field to map in merging list nested in merging list with deletion conflict (three-way)",
        '{"mergingList":[{"name":1,"other":"a","mergingList":[{"name":2,"value":2,"other":"d"}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"name":1,"mergingList":[{"name":1,"value":1}]}]}',
        '{"mergingList":[{"name":1,"other":"a","mergingList":[{"name":1,"value":1},{"name":2,"value":2,"other":"d"}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "add map to merging list by pointer (two-way)",
        '{"mergeItemPtr":[{"name":1}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"name":2}]}',
        '{"mergeItemPtr":[{"name":1},{"name":2}]}',
        "",
    ),
    (
        "add map to merging list by pointer (three-way)",
        '{"mergeItemPtr":[{"name":1,"other":"a"},{"name":3}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"name":2}]}',
        '{"mergeItemPtr":[{"name":1,"other":"a"},{"name":2},{"name":3}]}',
        "",
    ),
    (
        "add map to merging list by pointer with conflict (two-way)",
        '{"mergeItemPtr":[{"name":1}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"name":2}]}',
        '{"mergeItemPtr":[{"name":1},{"name":2}]}',
        "",
    ),
    (
        "add map to merging list by pointer with conflict (three-way)",
        '{"mergeItemPtr":[{"name":3}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"name":1},{"name":2}]}',
        '{"mergeItemPtr":[{"name":1},{"name":2},{"name":3}]}',
        "",
    ),
    (
        "add field to map in merging list by pointer (two-way)",
        '{"mergeItemPtr":[{"name":1,"mergeItemPtr":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"name":1,"mergeItemPtr":[{"name":1,"value":1}]}]}',
        '{"mergeItemPtr":[{"name":1,"mergeItemPtr":[{"name":1,"value":1},{"name":2,"value":2}]},{"name":2}]}',
        "",
    ),
    (
        "add field to map in merging list by pointer (three-way)",
        '{"mergeItemPtr":[{"name":1,"other":"a","mergeItemPtr":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"name":1,"mergeItemPtr":[{"name":1,"value":1}]}]}',
        '{"mergeItemPtr":[{"name":1,"other":"a","mergeItemPtr":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2,"other":"b"}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "add field to map in merging list by pointer with conflict (two-way)",
        '{"mergeItemPtr":[{"name":1,"mergeItemPtr":[{"name":1},{"name":2,"value":2}]},{"name":2}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"name":1,"mergeItemPtr":[{"name":1,"value":1}]}]}',
        '{"mergeItemPtr":[{"name":1,"mergeItemPtr":[{"name":1,"value":1},{"name":2,"value":2}]},{"name":2}]}',
        "",
    ),
    (
        "add field to map in merging list by pointer with conflict (three-way)",
        '{"mergeItemPtr":[{"name":1,"other":"a","mergeItemPtr":[{"name":1,"value":"a"},{"name":2,"value":2,"other":"b"}]},{"name":2,"other":"b"}]}',
        '{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"mergeItemPtr":[{"$setElementOrder/mergeItemPtr":[{"name":1},{"name":2}],"name":1,"mergeItemPtr":[{"name":1,"value":1}]}]}',
        '{"mergeItemPtr":[{"name":1,"other":"a","mergeItemPtr":[{"name":1,"value":1},{"name":2,"value":2,"other":"b"}]},{"name":2,"other":"b"}]}',
        "",
    ),
    (
        "merge lists of scalars (two-way)",
        '{"mergingIntList":[1,2]}',
        '{"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3]}',
        '{"mergingIntList":[1,2,3]}',
        "",
    ),
    (
        "merge lists of scalars (three-way)",
        '{"mergingIntList":[1,2,4]}',
        '{"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3]}',
        '{"mergingIntList":[1,2,3,4]}',
        "",
    ),
    (
        "add duplicate field to map in merging int list (two-way)",
        '{"mergingIntList":[1,2]}',
        '{"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3]}',
        '{"mergingIntList":[1,2,3]}',
        "",
    ),
    (
        "add an item in a list of primitives and preserve order (two-way)",
        '{"mergingIntList":[1,2]}',
        '{"$setElementOrder/mergingIntList":[3,1,2],"mergingIntList":[3]}',
        '{"mergingIntList":[3,1,2]}',
        "",
    ),
    (
        "add an item in a list of primitives and preserve order (three-way)",
        '{"mergingIntList":[1,4,2]}',
        '{"$setElementOrder/mergingIntList":[3,1,2],"mergingIntList":[3]}',
        '{"mergingIntList":[3,1,4,2]}',
        "",
    ),
    (
        "delete an item in a list of primitives and preserve order (two-way)",
        '{"mergingIntList":[1,2,3]}',
        '{"$setElementOrder/mergingIntList":[2,1],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[2,1]}',
        "",
    ),
    (
        "delete an item in a list of primitives and preserve order (three-way)",
        '{"mergingIntList":[1,2,3]}',
        '{"$setElementOrder/mergingIntList":[2,1],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[2,1]}',
        "",
    ),
    (
        "add an item in a list and preserve order (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":3},{"name":1},{"name":2}],"mergingList":[{"name":3,"value":3}]}',
        '{"mergingList":[{"name":3,"value":3},{"name":1},{"name":2,"value":2}]}',
        "",
    ),
    (
        "add an item in a list and preserve order (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":3},{"name":1},{"name":2}],"mergingList":[{"name":3,"value":3}]}',
        '{"mergingList":[{"name":3,"value":3},{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        "",
    ),
    (
        "add multiple items in a list and preserve order (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":4},{"name":2},{"name":3}],"mergingList":[{"name":4,"value":4},{"name":3,"value":3}]}',
        '{"mergingList":[{"name":1},{"name":4,"value":4},{"name":2,"value":2},{"name":3,"value":3}]}',
        "",
    ),
    (
        "add multiple items in a list and preserve order (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":4},{"name":2},{"name":3}],"mergingList":[{"name":4,"value":4},{"name":3,"value":3}]}',
        '{"mergingList":[{"name":1,"other":"a"},{"name":4,"value":4},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}',
        "",
    ),
    (
        "delete an item in a list and preserve order (two-way)",
        '{"mergingList":[{"name":1},{"name":3,"value":3},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":1}],"mergingList":[{"name":3,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2,"value":2},{"name":1}]}',
        "",
    ),
    (
        "delete an item in a list and preserve order (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":1}],"mergingList":[{"name":3,"$patch":"delete"}]}',
        '{"mergingList":[{"name":2,"value":2,"other":"b"},{"name":1,"other":"a"}]}',
        "",
    ),
    (
        "change an item in a list and preserve order (two-way)",
        '{"mergingList":[{"name":1},{"name":3,"value":3},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":3},{"name":1}],"mergingList":[{"name":3,"value":"x"}]}',
        '{"mergingList":[{"name":2,"value":2},{"name":3,"value":"x"},{"name":1}]}',
        "",
    ),
    (
        "change an item in a list and preserve order (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":3},{"name":1}],"mergingList":[{"name":3,"value":"x"}]}',
        '{"mergingList":[{"name":2,"value":2,"other":"b"},{"name":3,"value":"x"},{"name":1,"other":"a"}]}',
        "",
    ),
    (
        "add and delete an item in a list and preserve order (two-way)",
        '{"mergingList":[{"name":1},{"name":3,"value":3},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":1}],"mergingList":[{"name":4,"value":4},{"name":3,"$patch":"delete"}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":2,"value":2},{"name":1}]}',
        "",
    ),
    (
        "add and delete an item in a list and preserve order (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":1}],"mergingList":[{"name":4,"value":4},{"name":3,"$patch":"delete"}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":2,"value":2,"other":"b"},{"name":1,"other":"a"}]}',
        "",
    ),
    (
        "set elements order in a list (two-way)",
        '{"mergingList":[{"name":1},{"name":3,"value":3},{"name":4,"value":4},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":3},{"name":1}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":2,"value":2},{"name":3,"value":3},{"name":1}]}',
        "",
    ),
    (
        "set elements order in a list (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":3,"value":3},{"name":4,"value":4},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":3},{"name":1}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":2,"value":2},{"name":3,"value":3},{"name":1,"other":"a"}]}',
        "",
    ),
    (
        "set elements order in a list with server-only items (two-way)",
        '{"mergingList":[{"name":1},{"name":3,"value":3},{"name":4,"value":4},{"name":2,"value":2}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":3},{"name":1}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":2,"value":2},{"name":3,"value":3},{"name":1}]}',
        "",
    ),
    (
        "set elements order in a list with server-only items (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":3,"value":3},{"name":4,"value":4},{"name":2,"value":2},{"name":9}]}',
        '{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":3},{"name":1}]}',
        '{"mergingList":[{"name":4,"value":4},{"name":2,"value":2},{"name":3,"value":3},{"name":1,"other":"a"},{"name":9}]}',
        "",
    ),
    (
        "set elements order in a list with server-only items 2 (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2},{"name":3,"value":3},{"name":4,"value":4}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}',
        '{"mergingList":[{"name":2,"value":2},{"name":1},{"name":4,"value":4},{"name":3,"value":3}]}',
        "",
    ),
    (
        "set elements order in a list with server-only items 2 (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2},{"name":9},{"name":3,"value":3},{"name":4,"value":4}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}',
        '{"mergingList":[{"name":2,"value":2},{"name":1,"other":"a"},{"name":9},{"name":4,"value":4},{"name":3,"value":3}]}',
        "",
    ),
    (
        "set elements order in a list with server-only items 3 (two-way)",
        '{"mergingList":[{"name":1},{"name":2,"value":2},{"name":3,"value":3},{"name":4,"value":4}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}',
        '{"mergingList":[{"name":2,"value":2},{"name":1},{"name":4,"value":4},{"name":3,"value":3}]}',
        "",
    ),
    (
        "set elements order in a list with server-only items 3 (three-way)",
        '{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2},{"name":7},{"name":9},{"name":8},{"name":3,"value":3},{"name":4,"value":4}]}',
        '{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}',
        '{"mergingList":[{"name":2,"value":2},{"name":1,"other":"a"},{"name":7},{"name":9},{"name":8},{"name":4,"value":4},{"name":3,"value":3}]}',
        "",
    ),
    (
        "add an item in a int list and preserve order (two-way)",
        '{"mergingIntList":[1,2]}',
        '{"$setElementOrder/mergingIntList":[3,1,2],"mergingIntList":[3]}',
        '{"mergingIntList":[3,1,2]}',
        "",
    ),
    (
        "add an item in a int list and preserve order (three-way)",
        '{"mergingIntList":[1,2]}',
        '{"$setElementOrder/mergingIntList":[3,1,2],"mergingIntList":[3]}',
        '{"mergingIntList":[3,1,2]}',
        "",
    ),
    (
        "add multiple items in a int list and preserve order (two-way)",
        '{"mergingIntList":[1,2]}',
        '{"$setElementOrder/mergingIntList":[1,4,2,3],"mergingIntList":[4,3]}',
        '{"mergingIntList":[1,4,2,3]}',
        "",
    ),
    (
        "add multiple items in a int list and preserve order (three-way)",
        '{"mergingIntList":[1,2]}',
        '{"$setElementOrder/mergingIntList":[1,4,2,3],"mergingIntList":[4,3]}',
        '{"mergingIntList":[1,4,2,3]}',
        "",
    ),
    (
        "delete an item in a int list and preserve order (two-way)",
        '{"mergingIntList":[1,3,2]}',
        '{"$setElementOrder/mergingIntList":[2,1],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[2,1]}',
        "",
    ),
    (
        "delete an item in a int list and preserve order (three-way)",
        '{"mergingIntList":[1,2,3]}',
        '{"$setElementOrder/mergingIntList":[2,1],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[2,1]}',
        "",
    ),
    (
        "add and delete an item in a int list and preserve order (two-way)",
        '{"mergingIntList":[1,3,2]}',
        '{"$setElementOrder/mergingIntList":[4,2,1],"mergingIntList":[4],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[4,2,1]}',
        "",
    ),
    (
        "add and delete an item in a int list and preserve order (three-way)",
        '{"mergingIntList":[1,2,3]}',
        '{"$setElementOrder/mergingIntList":[4,2,1],"mergingIntList":[4],"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[4,2,1]}',
        "",
    ),
    (
        "set elements order in a int list (two-way)",
        '{"mergingIntList":[1,3,4,2]}',
        '{"$setElementOrder/mergingIntList":[4,2,3,1]}',
        '{"mergingIntList":[4,2,3,1]}',
        "",
    ),
    (
        "set elements order in a int list (three-way)",
        '{"mergingIntList":[1,3,4,2]}',
        '{"$setElementOrder/mergingIntList":[4,2,3,1]}',
        '{"mergingIntList":[4,2,3,1]}',
        "",
    ),
    (
        "set elements order in a int list with server-only items (two-way)",
        '{"mergingIntList":[1,3,4,2]}',
        '{"$setElementOrder/mergingIntList":[4,2,3,1]}',
        '{"mergingIntList":[4,2,3,1]}',
        "",
    ),
    (
        "set elements order in a int list with server-only items (three-way)",
        '{"mergingIntList":[1,3,4,2,9]}',
        '{"$setElementOrder/mergingIntList":[4,2,3,1]}',
        '{"mergingIntList":[4,2,3,1,9]}',
        "",
    ),
    (
        "set elements order in a int list with server-only items 2 (two-way)",
        '{"mergingIntList":[1,2,3,4]}',
        '{"$setElementOrder/mergingIntList":[2,1,4,3]}',
        '{"mergingIntList":[2,1,4,3]}',
        "",
    ),
    (
        "set elements order in a int list with server-only items 2 (three-way)",
        '{"mergingIntList":[1,2,9,3,4]}',
        '{"$setElementOrder/mergingIntList":[2,1,4,3]}',
        '{"mergingIntList":[2,1,9,4,3]}',
        "",
    ),
    (
        "set elements order in a int list with server-only items 3 (two-way)",
        '{"mergingIntList":[1,2,3,4]}',
        '{"$setElementOrder/mergingIntList":[2,1,4,3]}',
        '{"mergingIntList":[2,1,4,3]}',
        "",
    ),
    (
        "set elements order in a int list with server-only items 3 (three-way)",
        '{"mergingIntList":[1,2,7,9,8,3,4]}',
        '{"$setElementOrder/mergingIntList":[2,1,4,3]}',
        '{"mergingIntList":[2,1,7,9,8,4,3]}',
        "",
    ),
    (
        "retainKeys map should clear defaulted field (three-way)",
        '{"retainKeysMap":{"value":"foo"}}',
        '{"retainKeysMap":{"$retainKeys":["other"],"other":"bar"}}',
        '{"retainKeysMap":{"other":"bar"}}',
        "",
    ),
    (
        "retainKeys map should clear defaulted field with conflict (discriminated union) (three-way)",
        '{"retainKeysMap":{"name":"type1","value":"foo"}}',
        '{"retainKeysMap":{"$retainKeys":["name","other"],"name":"type2","other":"bar"}}',
        '{"retainKeysMap":{"name":"type2","other":"bar"}}',
        "",
    ),
    (
        "retainKeys map adds a field (two-way)",
        '{"retainKeysMap":{"name":"foo"}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map adds a field (three-way)",
        '{"retainKeysMap":{"name":"foo"}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map adds a field and clear a field (two-way)",
        '{"retainKeysMap":{"name":"foo"}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map adds a field and clear a field (three-way)",
        '{"retainKeysMap":{"name":"foo","other":"a"}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map deletes a field (two-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        '{"retainKeysMap":{"$retainKeys":["name"],"value":null}}',
        '{"retainKeysMap":{"name":"foo"}}',
        "",
    ),
    (
        "retainKeys map deletes a field (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        '{"retainKeysMap":{"$retainKeys":["name"],"value":null}}',
        '{"retainKeysMap":{"name":"foo"}}',
        "",
    ),
    (
        "retainKeys map deletes a field and clears a field (two-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        '{"retainKeysMap":{"$retainKeys":["name"],"value":null}}',
        '{"retainKeysMap":{"name":"foo"}}',
        "",
    ),
    (
        "retainKeys map deletes a field and clears a field (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","other":"a"}}',
        '{"retainKeysMap":{"$retainKeys":["name"],"value":null}}',
        '{"retainKeysMap":{"name":"foo"}}',
        "",
    ),
    (
        "retainKeys map clears a field (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","other":"a"}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"]}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map nested map with no change (two-way)",
        '{"retainKeysMap":{"name":"foo","simpleMap":{"key1":"a"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a"}}}',
        "",
    ),
    (
        "retainKeys map nested map with no change (three-way)",
        '{"retainKeysMap":{"name":"foo","simpleMap":{"key1":"a"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a"}}}',
        "",
    ),
    (
        "retainKeys map adds a field in a nested map (two-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key2":"b"}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key2":"b"}}}',
        "",
    ),
    (
        "retainKeys map adds a field in a nested map (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key3":"c"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key2":"b"}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key2":"b","key3":"c"}}}',
        "",
    ),
    (
        "retainKeys map deletes a field in a nested map (two-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key2":"b"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key2":null}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a"}}}',
        "",
    ),
    (
        "retainKeys map deletes a field in a nested map (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key2":"b","key3":"c"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key2":null}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key3":"c"}}}',
        "",
    ),
    (
        "retainKeys map changes a field in a nested map (two-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key2":"b"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key1":"x"}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"x","key2":"b"}}}',
        "",
    ),
    (
        "retainKeys map changes a field in a nested map (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key2":"b","key3":"c"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key1":"x"}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"x","key2":"b","key3":"c"}}}',
        "",
    ),
    (
        "retainKeys map changes a field in a nested map with conflict (two-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"old","key2":"b"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key1":"modified"}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"modified","key2":"b"}}}',
        "",
    ),
    (
        "retainKeys map changes a field in a nested map with conflict (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"new","key2":"b","key3":"c"}}}',
        '{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key1":"modified"}}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"modified","key2":"b","key3":"c"}}}',
        "",
    ),
    (
        "retainKeys map replaces non-merging list (two-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","nonMergingList","value"],"nonMergingList":[{"name":"a"},{"name":"c"},{"name":"b"}]}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"c"},{"name":"b"}]}}',
        "",
    ),
    (
        "retainKeys map replaces non-merging list (three-way)",
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","nonMergingList","value"],"nonMergingList":[{"name":"a"},{"name":"c"},{"name":"b"}]}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"c"},{"name":"b"}]}}',
        "",
    ),
    (
        "retainKeys map nested non-merging list with no change (two-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","nonMergingList","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        "",
    ),
    (
        "retainKeys map nested non-merging list with no change (three-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","nonMergingList","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        "",
    ),
    (
        "retainKeys map nested non-merging list with no change with conflict (two-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","nonMergingList","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        "",
    ),
    (
        "retainKeys map nested non-merging list with no change with conflict (three-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"},{"name":"c"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","nonMergingList","value"],"value":"bar","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        "",
    ),
    (
        "retainKeys map deletes nested non-merging list (two-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar","nonMergingList":null}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map deletes nested non-merging list (three-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar","nonMergingList":null}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map delete nested non-merging list with conflict (two-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar","nonMergingList":null}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map delete nested non-merging list with conflict (three-way)",
        '{"retainKeysMap":{"name":"foo","nonMergingList":[{"name":"a"},{"name":"b"},{"name":"c"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar","nonMergingList":null}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map nested merging int list with no change (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingIntList","name","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","mergingIntList":[1,2]}}',
        "",
    ),
    (
        "retainKeys map nested merging int list with no change (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingIntList","name","value"],"$setElementOrder/mergingIntList":[1,2],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","mergingIntList":[1,2,3]}}',
        "",
    ),
    (
        "retainKeys map adds an item in nested merging int list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2]}}',
        '{"retainKeysMap":{"$setElementOrder/mergingIntList":[1,2,4],"$retainKeys":["mergingIntList","name"],"mergingIntList":[4]}}',
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,4]}}',
        "",
    ),
    (
        "retainKeys map adds an item in nested merging int list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3]}}',
        '{"retainKeysMap":{"$setElementOrder/mergingIntList":[1,2,4],"$retainKeys":["mergingIntList","name"],"mergingIntList":[4]}}',
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,4,3]}}',
        "",
    ),
    (
        "retainKeys map deletes an item in nested merging int list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingIntList","name"],"$deleteFromPrimitiveList/mergingIntList":[2],"$setElementOrder/mergingIntList":[1,3]}}',
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,3]}}',
        "",
    ),
    (
        "retainKeys map deletes an item in nested merging int list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3,4]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingIntList","name"],"$deleteFromPrimitiveList/mergingIntList":[2],"$setElementOrder/mergingIntList":[1,3]}}',
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,3,4]}}',
        "",
    ),
    (
        "retainKeys map adds an item and deletes an item in nested merging int list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingIntList","name"],"mergingIntList":[5],"$deleteFromPrimitiveList/mergingIntList":[2],"$setElementOrder/mergingIntList":[1,3,5]}}',
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,3,5]}}',
        "",
    ),
    (
        "retainKeys map adds an item and deletes an item in nested merging int list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3,4]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingIntList","name"],"mergingIntList":[5],"$deleteFromPrimitiveList/mergingIntList":[2],"$setElementOrder/mergingIntList":[1,3,5]}}',
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,3,5,4]}}',
        "",
    ),
    (
        "retainKeys map deletes nested merging int list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3]}}',
        '{"retainKeysMap":{"$retainKeys":["name"],"mergingIntList":null}}',
        '{"retainKeysMap":{"name":"foo"}}',
        "",
    ),
    (
        "retainKeys map deletes nested merging int list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingIntList":[1,2,3]}}',
        '{"retainKeysMap":{"$retainKeys":["name"],"mergingIntList":null}}',
        '{"retainKeysMap":{"name":"foo"}}',
        "",
    ),
    (
        "retainKeys map nested merging list with no change (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name","value"],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","mergingList":[{"name":"a"},{"name":"b"}]}}',
        "",
    ),
    (
        "retainKeys map nested merging list with no change (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name","value"],"$setElementOrder/mergingList":[{"name":"a"},{"name":"b"}],"value":"bar"}}',
        '{"retainKeysMap":{"name":"foo","value":"bar","mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}]}}',
        "",
    ),
    (
        "retainKeys map adds an item in nested merging list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name"],"$setElementOrder/mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}],"mergingList":[{"name":"c"}]}}',
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}]}}',
        "",
    ),
    (
        "retainKeys map adds an item in nested merging list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"x"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name"],"$setElementOrder/mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}],"mergingList":[{"name":"c"}]}}',
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"x"}]}}',
        "",
    ),
    (
        "retainKeys map changes an item in nested merging list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b","value":"foo"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name"],"$setElementOrder/mergingList":[{"name":"a"},{"name":"b"}],"mergingList":[{"name":"b","value":"bar"}]}}',
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b","value":"bar"}]}}',
        "",
    ),
    (
        "retainKeys map changes an item in nested merging list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b","value":"foo"},{"name":"x"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name"],"$setElementOrder/mergingList":[{"name":"a"},{"name":"b"}],"mergingList":[{"name":"b","value":"bar"}]}}',
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b","value":"bar"},{"name":"x"}]}}',
        "",
    ),
    (
        "retainKeys map deletes nested merging list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar","mergingList":null}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map deletes nested merging list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["name","value"],"value":"bar","mergingList":null}}',
        '{"retainKeysMap":{"name":"foo","value":"bar"}}',
        "",
    ),
    (
        "retainKeys map deletes an item in nested merging list (two-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name"],"$setElementOrder/mergingList":[{"name":"a"}],"mergingList":[{"name":"b","$patch":"delete"}]}}',
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"}]}}',
        "",
    ),
    (
        "retainKeys map deletes an item in nested merging list (three-way)",
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"x"}]}}',
        '{"retainKeysMap":{"$retainKeys":["mergingList","name"],"$setElementOrder/mergingList":[{"name":"a"}],"mergingList":[{"name":"b","$patch":"delete"}]}}',
        '{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"x"}]}}',
        "",
    ),
    (
        "retainKeys list of maps clears a field (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a","other":"x"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        "",
    ),
    (
        "retainKeys list of maps clears a field with conflict (two-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"old"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"modified"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"modified"}]}',
        "",
    ),
    (
        "retainKeys list of maps clears a field with conflict (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"new","other":"x"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"modified"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"modified"}]}',
        "",
    ),
    (
        "retainKeys list of maps changes a field and clear a field (two-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"old"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"new"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"new"}]}',
        "",
    ),
    (
        "retainKeys list of maps changes a field and clear a field (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"old","other":"x"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"new"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"new"}]}',
        "",
    ),
    (
        "retainKeys list of maps changes a field and clear a field with conflict (two-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"old"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"new"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"new"}]}',
        "",
    ),
    (
        "retainKeys list of maps changes a field and clear a field with conflict (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"modified","other":"x"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"new"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"new"}]}',
        "",
    ),
    (
        "retainKeys list of maps adds a field (two-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"a"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        "",
    ),
    (
        "retainKeys list of maps adds a field (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"a"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        "",
    ),
    (
        "retainKeys list of maps adds a field and clear a field (two-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"a"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        "",
    ),
    (
        "retainKeys list of maps adds a field and clear a field (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","other":"x"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo","value":"a"}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        "",
    ),
    (
        "retainKeys list of maps deletes a field (two-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name"],"name":"foo","value":null}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}',
        "",
    ),
    (
        "retainKeys list of maps deletes a field (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name"],"name":"foo","value":null}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}',
        "",
    ),
    (
        "retainKeys list of maps deletes a field and clear a field (two-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name"],"name":"foo","value":null}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}',
        "",
    ),
    (
        "retainKeys list of maps deletes a field and clear a field (three-way)",
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a","other":"x"}]}',
        '{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name"],"name":"foo","value":null}]}',
        '{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}',
        "",
    ),
    (
        "delete and reorder in one list, reorder in another (two-way)",
        '{"mergingList":[{"name":"a","value":"a"},{"name":"b","value":"b"}],"mergeItemPtr":[{"name":"c","value":"c"},{"name":"d","value":"d"}]}',
        '{"$setElementOrder/mergingList":[{"name":"b"}],"$setElementOrder/mergeItemPtr":[{"name":"d"},{"name":"c"}],"mergingList":[{"$patch":"delete","name":"a"}]}',
        '{"mergingList":[{"name":"b","value":"b"}],"mergeItemPtr":[{"name":"d","value":"d"},{"name":"c","value":"c"}]}',
        "",
    ),
    (
        "delete and reorder in one list, reorder in another (three-way)",
        '{"mergingList":[{"name":"a","value":"a"},{"name":"b","value":"b"}],"mergeItemPtr":[{"name":"c","value":"c"},{"name":"d","value":"d"}]}',
        '{"$setElementOrder/mergingList":[{"name":"b"}],"$setElementOrder/mergeItemPtr":[{"name":"d"},{"name":"c"}],"mergingList":[{"$patch":"delete","name":"a"}]}',
        '{"mergingList":[{"name":"b","value":"b"}],"mergeItemPtr":[{"name":"d","value":"d"},{"name":"c","value":"c"}]}',
        "",
    ),
    (
        "$setElementOrder contains item that is not present in the list to be merged (two-way)",
        '{"mergingList":[{"name":1},{"name":3}]}',
        '{"$setElementOrder/mergingList":[{"name":3},{"name":2},{"name":1}],"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}',
        '{"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}',
        "",
    ),
    (
        "$setElementOrder contains item that is not present in the int list to be merged (two-way)",
        '{"mergingIntList":[1,3]}',
        '{"$setElementOrder/mergingIntList":[3,2,1]}',
        '{"mergingIntList":[3,1]}',
        "",
    ),
    (
        "should check if order in $setElementOrder and patch list match (two-way)",
        '{"mergingList":[{"name":1},{"name":3},{"name":2}]}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}',
        None,
        "doesn't match",
    ),
    (
        "missing merge key should error out (two-way)",
        '{"mergingList":[{"name":1,"value":"a"}]}',
        '{"mergingList":[{"value":"b"}]}',
        None,
        "does not contain declared merge key",
    ),
    (
        "$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list (two-way)",
        '{"mergingIntList":[1,2]}',
        '{"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":[1,2]}',
        "",
    ),
    (
        "$deleteFromPrimitiveList on empty primitive list should not add the item to the list (two-way)",
        '{"mergingIntList":null}',
        '{"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"mergingIntList":null}',
        "",
    ),
    (
        "$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list (two-way)",
        '{"foo":["bar"]}',
        '{"$deleteFromPrimitiveList/mergingIntList":[3]}',
        '{"foo":["bar"]}',
        "",
    ),
    (
        "$deleteFromPrimitiveList should delete item from a list with merge patch strategy (two-way)",
        '{"mergingIntList":[1,2,3]}',
        '{"$deleteFromPrimitiveList/mergingIntList":[2]}',
        '{"mergingIntList":[1,3]}',
        "",
    ),
    (
        "$deleteFromPrimitiveList should delete item from a list without merge patch strategy (two-way)",
        '{"nonMergingIntList":[1,2,3]}',
        '{"$deleteFromPrimitiveList/nonMergingIntList":[2]}',
        '{"nonMergingIntList":[1,3]}',
        "",
    ),
    (
        "replace RawExtension field and merge list (two-way)",
        '{"name":"my-object","value":"some-value","other":"current-other","mergingList":[{"name":1}],"replacingItem":{"Some":"Generic","Yaml":"Inside","The":"RawExtension","Field":"Period"}}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":2}],"replacingItem":{"Newly":"Modified","Yaml":"Inside","The":"RawExtension"}}',
        '{"name":"my-object","value":"some-value","other":"current-other","mergingList":[{"name":1},{"name":2}],"replacingItem":{"Newly":"Modified","Yaml":"Inside","The":"RawExtension"}}',
        "",
    ),
    (
        "replace RawExtension field and merge list (three-way)",
        '{"name":"my-object","value":"some-value","other":"current-other","mergingList":[{"name":1},{"name":3}],"replacingItem":{"Some":"Generic","Yaml":"Inside","The":"RawExtension","Field":"Period"}}',
        '{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":2}],"replacingItem":{"Newly":"Modified","Yaml":"Inside","The":"RawExtension"}}',
        '{"name":"my-object","value":"some-value","other":"current-other","mergingList":[{"name":1},{"name":2},{"name":3}],"replacingItem":{"Newly":"Modified","Yaml":"Inside","The":"RawExtension"}}',
        "",
    ),
]


@pytest.mark.parametrize(
    ("original", "patch", "expected", "error"), [c[1:] for c in UPSTREAM], ids=[c[0] for c in UPSTREAM]
)
def test_upstream_cases(original: str, patch: str, expected: str | None, error: str) -> None:
    apply_ = apply_strategic_merge_patch
    if error:
        with pytest.raises(StrategicPatchError, match=re.escape(error)):
            apply_(orjson.loads(original), orjson.loads(patch), "v1", "mergeItem", MERGE_ITEM)
        return
    assert expected is not None
    result = apply_(orjson.loads(original), orjson.loads(patch), "v1", "mergeItem", MERGE_ITEM)
    assert result == orjson.loads(expected)
