"""Pods and pod templates: the field errors a 1.32 API server returns (core/validation/validation.go)."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from tests.unit.test_validation_builders import (
    DELETE,
    container,
    create_message,
    patched,
    pod,
    stored,
    update_message,
)
from tests.unit.test_validation_names import LABEL

C0 = "spec.containers[0]"
POD = pod()

CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("a pod needs containers", {"spec.containers": []}, ["spec.containers: Required value"]),
    (
        "container names are DNS labels",
        {"spec.containers[0].name": "Web"},
        [f'{C0}.name: Invalid value: "Web": {LABEL}'],
    ),
    ("container names are required", {"spec.containers[0].name": ""}, [f"{C0}.name: Required value"]),
    (
        "container names are unique across init and regular containers",
        {"spec.initContainers": [container("web", "busybox")]},
        ['spec.initContainers[0].name: Duplicate value: "web"'],
    ),
    ("images are required", {"spec.containers[0].image": DELETE}, [f"{C0}.image: Required value"]),
    (
        "pod images have no surrounding whitespace",
        {"spec.containers[0].image": " nginx"},
        [f'{C0}.image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    ),
    (
        "container ports are required",
        {"spec.containers[0].ports": [{"name": "http"}]},
        [f"{C0}.ports[0].containerPort: Required value"],
    ),
    (
        "container ports are 1 to 65535",
        {"spec.containers[0].ports": [{"containerPort": 70000}]},
        [f"{C0}.ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"],
    ),
    (
        "port protocols are TCP, UDP or SCTP",
        {"spec.containers[0].ports": [{"containerPort": 80, "protocol": "TPC"}]},
        [f'{C0}.ports[0].protocol: Unsupported value: "TPC": supported values: "SCTP", "TCP", "UDP"'],
    ),
    (
        "port names are IANA service names",
        {"spec.containers[0].ports": [{"containerPort": 80, "name": "http_port"}]},
        [
            f'{C0}.ports[0].name: Invalid value: "http_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'
        ],
    ),
    (
        "port names are unique in a container",
        {
            "spec.containers[0].ports": [
                {"containerPort": 80, "name": "http"},
                {"containerPort": 81, "name": "http"},
            ]
        },
        [f'{C0}.ports[1].name: Duplicate value: "http"'],
    ),
    (
        "host ports are unique in a pod",
        {
            "spec.containers[0].ports": [{"containerPort": 80, "hostPort": 8080}],
            "spec.containers[1]": container(
                "sidecar", "envoy", ports=[{"containerPort": 81, "hostPort": 8080}]
            ),
        },
        ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    ),
    (
        "env names are required",
        {"spec.containers[0].env": [{"value": "x"}]},
        [f"{C0}.env[0].name: Required value"],
    ),
    (
        "env names are printable ASCII without '=' (RelaxedEnvironmentVariableValidation)",
        {"spec.containers[0].env": [{"name": "A=B"}, {"name": "1_OK.with-dots"}]},
        [
            f'{C0}.env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of '
            "printable ASCII characters other than '='"
        ],
    ),
    (
        "an env var takes one value source",
        {"spec.containers[0].env": [{"name": "A", "valueFrom": {}}]},
        [
            f'{C0}.env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, '
            "`configMapKeyRef` or `secretKeyRef`"
        ],
    ),
    (
        "a value and a source exclude each other",
        {
            "spec.containers[0].env": [
                {"name": "A", "value": "x", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
            ]
        },
        [f'{C0}.env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    ),
    (
        "key selectors need a key",
        {"spec.containers[0].env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "app-config"}}}]},
        [f"{C0}.env[0].valueFrom.configMapKeyRef.key: Required value"],
    ),
    (
        "field refs name a supported field",
        {
            "spec.containers[0].env": [
                {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels"}}}
            ]
        },
        [
            f'{C0}.env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: '
            '"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", '
            '"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"'
        ],
    ),
    (
        "field refs name an existing field",
        {"spec.containers[0].env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "spec.nope"}}}]},
        [
            f'{C0}.env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.nope": error converting fieldPath: '
            "field label not supported: spec.nope"
        ],
    ),
    (
        "envFrom needs a source",
        {"spec.containers[0].envFrom": [{"prefix": "APP_"}]},
        [f'{C0}.envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'],
    ),
    (
        "requests may not exceed limits",
        {"spec.containers[0].resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}},
        [f'{C0}.resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ),
    (
        "quantities print in canonical form unless the parser kept their text",
        {"spec.containers[0].resources": {"requests": {"memory": "0.5Gi"}, "limits": {"memory": "256Mi"}}},
        [
            f'{C0}.resources.requests: Invalid value: "512Mi": must be less than or equal to memory limit of 256Mi'
        ],
    ),
    (
        "quantities are not negative",
        {"spec.containers[0].resources": {"limits": {"cpu": "-1"}}},
        [f'{C0}.resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    ),
    (
        "malformed quantities carry the parser's message",
        {"spec.containers[0].resources": {"limits": {"memory": "1 Gi"}}},
        [
            f'{C0}.resources.limits[memory]: Invalid value: "1 Gi": quantities must match the regular expression '
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        ],
    ),
    (
        "container resources are standard or fully qualified",
        {"spec.containers[0].resources": {"limits": {"gpu": "1"}}},
        [
            f'{C0}.resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
            f'{C0}.resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
        ],
    ),
    (
        "extended resources need a limit",
        {"spec.containers[0].resources": {"requests": {"example.com/gpu": "1"}}},
        [f"{C0}.resources.limits: Required value: Limit must be set for non overcommitable resources"],
    ),
    (
        "extended resources are integers",
        {"spec.containers[0].resources": {"limits": {"example.com/gpu": "500m"}}},
        [
            f"{C0}.resources.limits[example.com/gpu]: Invalid value: resource.Quantity{{i:resource.int64Amount"
            '{value:500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"500m", Format:"DecimalSI"}: '
            "must be an integer"
        ],
    ),
    (
        "hugepages need cpu or memory",
        {
            "spec.containers[0].resources": {
                "limits": {"hugepages-2Mi": "4Mi"},
                "requests": {"hugepages-2Mi": "4Mi"},
            }
        },
        [f"{C0}.resources: Forbidden: HugePages require cpu or memory"],
    ),
    (
        "probes need a handler",
        {"spec.containers[0].livenessProbe": {"periodSeconds": 5}},
        [f"{C0}.livenessProbe: Required value: must specify a handler type"],
    ),
    (
        "probes have one handler",
        {"spec.containers[0].readinessProbe": {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}}},
        [f"{C0}.readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"],
    ),
    (
        "liveness probes succeed once",
        {"spec.containers[0].livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}},
        [f"{C0}.livenessProbe.successThreshold: Invalid value: 2: must be 1"],
    ),
    (
        "probe timings are not negative",
        {"spec.containers[0].startupProbe": {"httpGet": {"port": "http"}, "periodSeconds": -1}},
        [f"{C0}.startupProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "probe ports are numbers or names",
        {"spec.containers[0].livenessProbe": {"httpGet": {"path": "/", "port": 0}}},
        [f"{C0}.livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"],
    ),
    (
        "readiness probes have no grace period",
        {
            "spec.containers[0].readinessProbe": {
                "tcpSocket": {"port": 80},
                "terminationGracePeriodSeconds": 5,
            }
        },
        [
            f"{C0}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes"
        ],
    ),
    (
        "sleep hooks are shorter than the grace period",
        {"spec.containers[0].lifecycle": {"preStop": {"sleep": {"seconds": 60}}}},
        [
            f"{C0}.lifecycle.preStop.sleep: Invalid value: 60: must be greater than 0 and less than "
            "terminationGracePeriodSeconds (30). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero "
            "sleep."
        ],
    ),
    (
        "init containers take no probes unless they restart",
        {
            "spec.initContainers": [
                container("init", "busybox", readinessProbe={"exec": {"command": ["true"]}})
            ]
        },
        [
            "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
        ],
    ),
    (
        "regular containers take no restartPolicy",
        {"spec.containers[0].restartPolicy": "Always"},
        [f"{C0}.restartPolicy: Forbidden: may not be set for non-init containers"],
    ),
    (
        "volume names are unique",
        {"spec.volumes": [{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}]},
        ['spec.volumes[1].name: Duplicate value: "data"'],
    ),
    (
        "volumes have a source",
        {"spec.volumes": [{"name": "data"}]},
        ["spec.volumes[0]: Required value: must specify a volume type"],
    ),
    (
        "volumes have one source",
        {"spec.volumes": [{"name": "data", "emptyDir": {}, "configMap": {"name": "c"}}]},
        ["spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"],
    ),
    (
        "upstream misspells downwardAPI in that error",
        {"spec.volumes": [{"name": "data", "emptyDir": {}, "downwardAPI": {}}]},
        ["spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type"],
    ),
    (
        "secret volumes name a secret",
        {"spec.volumes": [{"name": "s", "secret": {}}]},
        ["spec.volumes[0].secret.secretName: Required value"],
    ),
    (
        "file modes are at most 0777",
        {"spec.volumes": [{"name": "c", "configMap": {"name": "c", "defaultMode": 1000}}]},
        [
            "spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive"
        ],
    ),
    (
        "mounts name an existing volume",
        {"spec.containers[0].volumeMounts": [{"name": "data", "mountPath": "/data"}]},
        [f'{C0}.volumeMounts[0].name: Not found: "data"'],
    ),
    (
        "mount paths are unique",
        {
            "spec.volumes": [{"name": "a", "emptyDir": {}}, {"name": "b", "emptyDir": {}}],
            "spec.containers[0].volumeMounts": [
                {"name": "a", "mountPath": "/data"},
                {"name": "b", "mountPath": "/data"},
            ],
        },
        [f'{C0}.volumeMounts[1].mountPath: Invalid value: "/data": must be unique'],
    ),
    (
        "subPaths stay inside the volume (reported under the list, as upstream does)",
        {
            "spec.volumes": [{"name": "a", "emptyDir": {}}],
            "spec.containers[0].volumeMounts": [{"name": "a", "mountPath": "/data", "subPath": "../etc"}],
        },
        [f"{C0}.volumeMounts.subPath: Invalid value: \"../etc\": must not contain '..'"],
    ),
    (
        "restart policies are Always, OnFailure or Never",
        {"spec.restartPolicy": "Sometimes"},
        [
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
        ],
    ),
    (
        "dns policies",
        {"spec.dnsPolicy": "Cluster"},
        [
            'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", '
            '"ClusterFirst", "Default", "None"'
        ],
    ),
    (
        "dnsPolicy None needs a dnsConfig",
        {"spec.dnsPolicy": "None"},
        ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
    ),
    (
        "node selectors are labels",
        {"spec.nodeSelector": {"nodepool": "general purpose"}},
        ['spec.nodeSelector: Invalid value: "general purpose": a valid label must be an empty string'],
    ),
    (
        "Exists tolerations have no value",
        {"spec.tolerations": [{"key": "workload", "operator": "Exists", "value": "batch"}]},
        [
            "spec.tolerations[0].operator: Invalid value: \"batch\": value must be empty when `operator` is 'Exists'"
        ],
    ),
    (
        "an empty toleration key needs Exists",
        {"spec.tolerations": [{"operator": "Equal", "value": "x"}]},
        [
            'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, '
            'which means "match all values and all keys"'
        ],
    ),
    (
        "tolerationSeconds only with NoExecute",
        {
            "spec.tolerations": [
                {"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 30}
            ]
        },
        [
            "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"
        ],
    ),
    (
        "toleration effects",
        {"spec.tolerations": [{"key": "k", "operator": "Exists", "effect": "NoScheduled"}]},
        [
            'spec.tolerations[0].effect: Unsupported value: "NoScheduled": supported values: "NoSchedule", '
            '"PreferNoSchedule", "NoExecute"'
        ],
    ),
    (
        "required node affinity has terms",
        {
            "spec.affinity": {
                "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}
            }
        },
        [
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: "
            "Required value: must have at least one node selector term"
        ],
    ),
    (
        "Gt and Lt take one value",
        {
            "spec.affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["1", "2"]}]}
                        ]
                    }
                }
            }
        },
        [
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]."
            "matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"
        ],
    ),
    (
        "preferred terms weigh 1 to 100",
        {
            "spec.affinity": {
                "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 0, "preference": {}}]
                }
            }
        },
        [
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"
        ],
    ),
    (
        "pod affinity terms need a topology key",
        {
            "spec.affinity": {
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {"labelSelector": {"matchLabels": {"app": "api"}}}
                    ]
                }
            }
        },
        [
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: "
            "Required value: can not be empty",
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: "
            'Invalid value: "": name part must be non-empty',
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: "
            'Invalid value: "": name part must consist of alphanumeric characters',
        ],
    ),
    (
        "topology spread needs a positive skew and a known action",
        {"spec.topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "topology.kubernetes.io/zone"}]},
        [
            "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
            'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "": supported values: '
            '"DoNotSchedule", "ScheduleAnyway"',
        ],
    ),
    (
        "topology spread needs a key",
        {"spec.topologySpreadConstraints": [{"maxSkew": 1, "whenUnsatisfiable": "ScheduleAnyway"}]},
        ["spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty"],
    ),
    (
        "activeDeadlineSeconds is at least 1",
        {"spec.activeDeadlineSeconds": 0},
        ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"],
    ),
    (
        "hostnames are DNS labels",
        {"spec.hostname": "web.1"},
        ['spec.hostname: Invalid value: "web.1": must not contain dots'],
    ),
    (
        "user ids are 0 to 2^31-1",
        {"spec.securityContext": {"runAsUser": -1}},
        ["spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"],
    ),
    (
        "a shared process namespace excludes the host's",
        {"spec.shareProcessNamespace": True, "spec.hostPID": True},
        [
            "spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled"
        ],
    ),
    (
        "network sysctls are not for host-network pods",
        {
            "spec.hostNetwork": True,
            "spec.securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]},
        },
        [
            "spec.securityContext.sysctls[0].name: Invalid value: \"net.core.somaxconn\": may not be specified when 'hostNetwork' is true"
        ],
    ),
    (
        "host-network pods use their container ports as host ports",
        {"spec.hostNetwork": True, "spec.containers[0].ports": [{"containerPort": 80, "hostPort": 8080}]},
        [
            f"{C0}.ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"
        ],
    ),
    (
        "hostUsers is dropped while user namespaces are off by default",
        {"spec.hostUsers": False, "spec.hostNetwork": True},
        [],
    ),
    (
        "procMount is dropped while its gate is off by default",
        {"spec.containers[0].securityContext": {"procMount": "Bogus"}},
        [],
    ),
    (
        "seccomp profiles have a type",
        {"spec.containers[0].securityContext": {"seccompProfile": {}}},
        [
            f"{C0}.securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set"
        ],
    ),
    (
        "ephemeral containers cannot be set on create",
        {"spec.ephemeralContainers": [{"name": "debug", "image": "busybox"}]},
        ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
    ),
    (
        "a gated pod cannot be bound",
        {"spec.nodeName": "node-1", "spec.schedulingGates": [{"name": "example.com/gate"}]},
        ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"],
    ),
    (
        "the deletion cost is a 32-bit integer",
        {"metadata.annotations": {"controller.kubernetes.io/pod-deletion-cost": "+10"}},
        [
            'metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "+10": must be a 32bit integer'
        ],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pod_create(changes: dict[str, Any], expected: list[str]) -> None:
    messages = [e.message() for e in validate_create(patched(POD, changes))]
    assert len(messages) == len(expected), messages
    for got, want in zip(messages, expected, strict=True):
        assert got.startswith(want), got


def test_the_full_message_of_a_pod_with_two_errors() -> None:
    obj = patched(POD, {"spec.containers[0].image": DELETE, "spec.restartPolicy": "Sometimes"})
    assert create_message(obj) == (
        'Pod "web" is invalid: [spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: '
        '"Sometimes": supported values: "Always", "OnFailure", "Never"]'
    )


def test_defaulted_pod_fields_are_assumed_when_absent() -> None:
    # No protocol, imagePullPolicy, terminationMessagePolicy, dnsPolicy, grace period or probe periods: the
    # API server defaults those before validating, so raw input passes.
    raw = pod(containers=[container(ports=[{"containerPort": 80}], livenessProbe={"httpGet": {"port": 80}})])
    assert validate_create(raw) == []


OLD = stored(
    pod(tolerations=[{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 10}])
)
UPDATABLE = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)

UPDATE_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("images may change", {"spec.containers[0].image": "nginx:1.28"}, None),
    ("tolerations may be added", {"spec.tolerations[1]": {"key": "b", "operator": "Exists"}}, None),
    ("tolerationSeconds may change", {"spec.tolerations[0].tolerationSeconds": 5}, None),
    (
        "other toleration fields may not",
        {"spec.tolerations[0].effect": "NoSchedule", "spec.tolerations[0].tolerationSeconds": DELETE},
        'Pod "web" is invalid: spec.tolerations: Forbidden: existing toleration can not be modified except its '
        "tolerationSeconds",
    ),
    (
        "containers may not be added",
        {"spec.containers[1]": container("sidecar", "envoy")},
        'Pod "web" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers',
    ),
    ("activeDeadlineSeconds may be set", {"spec.activeDeadlineSeconds": 60}, None),
    ("fields of disabled feature gates are dropped", {"spec.hostUsers": False}, None),
    (
        "other spec fields may not change",
        {"spec.containers[0].name": "api"},
        f'Pod "web" is invalid: spec: Forbidden: {UPDATABLE}\n',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in UPDATE_CASES], ids=[c[0] for c in UPDATE_CASES]
)
def test_pod_update(changes: dict[str, Any], expected: str | None) -> None:
    new = patched(OLD, changes)
    if expected is None:
        assert validate_update(new, OLD) == []
    else:
        got = update_message(new, OLD)
        assert got.startswith(expected), got


def test_active_deadline_may_only_shrink() -> None:
    old = patched(OLD, {"spec.activeDeadlineSeconds": 60})
    assert validate_update(patched(old, {"spec.activeDeadlineSeconds": 30}), old) == []
    assert update_message(patched(old, {"spec.activeDeadlineSeconds": 90}), old) == (
        'Pod "web" is invalid: spec.activeDeadlineSeconds: Invalid value: 90: must be less than or equal to previous value'
    )


def test_scheduling_gates_may_only_be_removed() -> None:
    old = patched(OLD, {"spec.schedulingGates": [{"name": "example.com/a"}]})
    assert validate_update(patched(old, {"spec.schedulingGates": []}), old) == []
    new = patched(old, {"spec.schedulingGates[1]": {"name": "example.com/b"}})
    assert update_message(new, old) == (
        'Pod "web" is invalid: spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new '
        "scheduling gate 'example.com/b'"
    )


def test_pod_template_specs_in_workloads_use_template_paths() -> None:
    from tests.unit.test_validation_builders import deployment

    obj = patched(deployment(), {"spec.template.spec.containers[0].ports": [{"containerPort": 0}]})
    assert create_message(obj) == (
        'Deployment.apps "web" is invalid: spec.template.spec.containers[0].ports[0].containerPort: Required value'
    )
    gated = patched(
        deployment(), {"spec.template.spec.ephemeralContainers": [{"name": "d", "image": "busybox"}]}
    )
    assert create_message(gated) == (
        'Deployment.apps "web" is invalid: spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers '
        "not allowed in pod template"
    )
