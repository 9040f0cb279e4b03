"""Every Pod Security check, with upstream's reason and detail wording and its version history."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pinnace.apiserver.admission.podsecurity.api import Level, LevelVersion, parse_version
from pinnace.apiserver.admission.podsecurity.check import aggregate_check_results
from pinnace.apiserver.admission.podsecurity.evaluator import DEFAULT_EVALUATOR

Object = dict[str, Any]

# A pod every level allows: the restricted profile's requirements, nothing else.
RESTRICTED_SC: Object = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def compliant(containers: int = 1) -> tuple[Object, Object]:
    spec: Object = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": f"c{i}" if containers > 1 else "c",
                "image": "nginx",
                "securityContext": dict(RESTRICTED_SC),
            }
            for i in range(containers)
        ],
    }
    return {"name": "p"}, copy.deepcopy(spec)


def detail(level: str, version: str, metadata: Object, spec: Object) -> str:
    """The forbidden detail at ``level:version``, "" when allowed."""
    results = DEFAULT_EVALUATOR.evaluate_pod(
        LevelVersion(Level(level), parse_version(version)), metadata, spec
    )
    aggregate = aggregate_check_results(results)
    return "" if aggregate.allowed else aggregate.forbidden_detail()


def container(spec: Object, index: int = 0) -> Object:
    found: Object = spec["containers"][index]
    return found


def sc(spec: Object, index: int = 0) -> Object:
    found: Object = container(spec, index).setdefault("securityContext", {})
    return found


def test_the_compliant_pod_passes_every_level_and_version() -> None:
    metadata, spec = compliant()
    for version in ("v1.0", "v1.19", "v1.25", "v1.32", "latest", "v1.99"):
        assert detail("restricted", version, metadata, spec) == ""


BASELINE_CASES: list[tuple[str, Any, str]] = [
    (
        "privileged",
        lambda m, s: sc(s).update(privileged=True),
        'privileged (container "c" must not set securityContext.privileged=true)',
    ),
    (
        "host namespaces",
        lambda m, s: s.update(hostNetwork=True, hostPID=True, hostIPC=True),
        "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)",
    ),
    (
        "hostPath volumes (restricted names the volume type instead)",
        lambda m, s: s.update(
            volumes=[{"name": "a", "hostPath": {"path": "/"}}, {"name": "b", "hostPath": {"path": "/x"}}]
        ),
        'hostPath volumes (volumes "a", "b")',
    ),
    (
        "host ports, sorted as text",
        lambda m, s: container(s).update(
            ports=[{"containerPort": 80, "hostPort": 8080}, {"containerPort": 1, "hostPort": 80}]
        ),
        'hostPort (container "c" uses hostPorts 80, 8080)',
    ),
    (
        "capabilities beyond the default set",
        lambda m, s: sc(s).update(capabilities={"add": ["SYS_ADMIN", "CHOWN", "NET_RAW"]}),
        'non-default capabilities (container "c" must not include "NET_RAW", "SYS_ADMIN" in '
        "securityContext.capabilities.add)",
    ),
    (
        "procMount",
        lambda m, s: sc(s).update(procMount="Unmasked"),
        'procMount (container "c" must not set securityContext.procMount to "Unmasked")',
    ),
    (
        "an AppArmor profile type",
        lambda m, s: s.setdefault("securityContext", {}).update(appArmorProfile={"type": "Unconfined"}),
        'forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")',
    ),
    (
        "an AppArmor annotation",
        lambda m, s: m.update(annotations={"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}),
        "forbidden AppArmor profile (annotation must not set AppArmor profile type to "
        '"container.apparmor.security.beta.kubernetes.io/c="unconfined"")',
    ),
    (
        "SELinux type, user and role",
        lambda m, s: sc(s).update(seLinuxOptions={"type": "spc_t", "user": "u", "role": "r"}),
        'seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; '
        "user may not be set; role may not be set)",
    ),
    (
        "sysctls keep the pod's order",
        lambda m, s: s["securityContext"].update(
            sysctls=[{"name": "vm.max_map_count", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]
        ),
        "forbidden sysctls (vm.max_map_count, kernel.msgmax)",
    ),
    (
        "Windows host process",
        lambda m, s: (
            s["securityContext"].update(windowsOptions={"hostProcess": True}),
            sc(s).update(windowsOptions={"hostProcess": True}),
        ),
        'hostProcess (pod and container "c" must not set securityContext.windowsOptions.hostProcess=true)',
    ),
    (
        "an Unconfined seccomp profile",
        lambda m, s: s["securityContext"].update(seccompProfile={"type": "Unconfined"}),
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"), [(c[1], c[2]) for c in BASELINE_CASES], ids=[c[0] for c in BASELINE_CASES]
)
def test_baseline_checks_word_their_violations_as_upstream(change: Any, expected: str) -> None:
    metadata, spec = compliant()
    change(metadata, spec)
    assert detail("baseline", "latest", metadata, spec) == expected


RESTRICTED_CASES: list[tuple[str, Any, str]] = [
    (
        "allowPrivilegeEscalation unset",
        lambda m, s: sc(s).pop("allowPrivilegeEscalation"),
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
    ),
    (
        "capabilities not dropped and one added",
        lambda m, s: sc(s).update(capabilities={"add": ["NET_BIND_SERVICE", "CHOWN"]}),
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; '
        'container "c" must not include "CHOWN" in securityContext.capabilities.add)',
    ),
    (
        "a restricted volume type",
        lambda m, s: s.update(volumes=[{"name": "h", "hostPath": {"path": "/"}}, {"name": "n", "nfs": {}}]),
        'restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs")',
    ),
    (
        "a volume of a type the policy does not know",
        lambda m, s: s.update(volumes=[{"name": "i", "image": {"reference": "x"}}]),
        'restricted volume types (volume "i" uses restricted volume type "unknown")',
    ),
    (
        "runAsNonRoot false on the pod",
        lambda m, s: s["securityContext"].update(runAsNonRoot=False),
        "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)",
    ),
    (
        "runAsNonRoot unset everywhere",
        lambda m, s: s["securityContext"].pop("runAsNonRoot"),
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
    ),
    (
        "runAsUser 0",
        lambda m, s: (s["securityContext"].update(runAsUser=0), sc(s).update(runAsUser=0)),
        'runAsUser=0 (pod and container "c" must not set runAsUser=0)',
    ),
    (
        "no seccomp profile",
        lambda m, s: s["securityContext"].pop("seccompProfile"),
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")',
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"), [(c[1], c[2]) for c in RESTRICTED_CASES], ids=[c[0] for c in RESTRICTED_CASES]
)
def test_restricted_checks_word_their_violations_as_upstream(change: Any, expected: str) -> None:
    metadata, spec = compliant()
    change(metadata, spec)
    assert detail("restricted", "latest", metadata, spec) == expected
    assert detail("baseline", "latest", metadata, spec) in ("", 'hostPath volumes (volume "h")')


def test_a_privileged_pod_lists_every_violation_baseline_first_then_restricted_by_check_id() -> None:
    spec = {"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": True}}]}
    assert detail("restricted", "latest", {}, spec) == (
        'privileged (container "c" must not set securityContext.privileged=true), '
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" '
        'or "Localhost")'
    )


def test_several_containers_are_named_in_the_plural_in_visiting_order() -> None:
    metadata, spec = compliant(containers=2)
    spec["initContainers"] = [{"name": "init", "image": "x", "securityContext": {"privileged": True}}]
    for index in (0, 1):
        sc(spec, index)["privileged"] = True
    assert detail("baseline", "latest", metadata, spec) == (
        'privileged (containers "init", "c0", "c1" must not set securityContext.privileged=true)'
    )


@pytest.mark.parametrize(
    ("change", "version", "expected"),
    [
        # sysctls allowed from 1.27 (ip_local_reserved_ports), 1.29 (keepalive) and 1.32 (tcp_rmem)
        (
            lambda s: s["securityContext"].update(sysctls=[{"name": "net.ipv4.ip_local_reserved_ports"}]),
            "v1.26",
            "forbidden sysctls (net.ipv4.ip_local_reserved_ports)",
        ),
        (
            lambda s: s["securityContext"].update(sysctls=[{"name": "net.ipv4.ip_local_reserved_ports"}]),
            "v1.27",
            "",
        ),
        (
            lambda s: s["securityContext"].update(sysctls=[{"name": "net.ipv4.tcp_fin_timeout"}]),
            "v1.28",
            "forbidden sysctls (net.ipv4.tcp_fin_timeout)",
        ),
        (lambda s: s["securityContext"].update(sysctls=[{"name": "net.ipv4.tcp_fin_timeout"}]), "v1.29", ""),
        (
            lambda s: s["securityContext"].update(sysctls=[{"name": "net.ipv4.tcp_rmem"}]),
            "v1.31",
            "forbidden sysctls (net.ipv4.tcp_rmem)",
        ),
        (lambda s: s["securityContext"].update(sysctls=[{"name": "net.ipv4.tcp_rmem"}]), "v1.32", ""),
        # SELinux type container_engine_t from 1.31
        (
            lambda s: sc(s).update(seLinuxOptions={"type": "container_engine_t"}),
            "v1.30",
            'seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "container_engine_t")',
        ),
        (lambda s: sc(s).update(seLinuxOptions={"type": "container_engine_t"}), "v1.31", ""),
        # seccomp: annotations until 1.18, the field from 1.19
        (lambda s: s["securityContext"].update(seccompProfile={"type": "Unconfined"}), "v1.18", ""),
    ],
    ids=[
        "reserved ports before 1.27",
        "reserved ports from 1.27",
        "keepalive before 1.29",
        "keepalive from 1.29",
        "tcp_rmem before 1.32",
        "tcp_rmem from 1.32",
        "container_engine_t before 1.31",
        "container_engine_t from 1.31",
        "seccomp field not judged before 1.19",
    ],
)
def test_baseline_checks_follow_their_version_history(change: Any, version: str, expected: str) -> None:
    metadata, spec = compliant()
    change(spec)
    assert detail("baseline", version, metadata, spec) == expected


def test_seccomp_annotations_are_judged_until_1_18() -> None:
    metadata = {
        "annotations": {
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/c": "docker/default",
        }
    }
    spec = {"containers": [{"name": "c", "image": "x"}]}
    assert detail("baseline", "v1.18", metadata, spec) == (
        'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")'
    )
    assert detail("baseline", "v1.19", metadata, spec) == ""


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v1.7", 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)'),
        (
            "v1.21",
            'allowPrivilegeEscalation != false (container "c" must set '
            'securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "c" must set '
            'securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set '
            'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
        ),
    ],
    ids=["before allowPrivilegeEscalation (1.8) and seccomp (1.19)", "before capabilities (1.22)"],
)
def test_restricted_checks_apply_from_their_first_version(version: str, expected: str) -> None:
    spec = {"containers": [{"name": "c", "image": "x"}]}
    assert detail("restricted", version, {}, spec) == expected


def test_run_as_user_is_checked_from_1_23() -> None:
    metadata, spec = compliant()
    sc(spec)["runAsUser"] = 0
    assert detail("restricted", "v1.22", metadata, spec) == ""
    assert (
        detail("restricted", "v1.23", metadata, spec)
        == 'runAsUser=0 (container "c" must not set runAsUser=0)'
    )


def test_windows_pods_are_spared_the_linux_only_checks_from_1_25() -> None:
    spec = {
        "os": {"name": "windows"},
        "securityContext": {"runAsNonRoot": True},
        "containers": [{"name": "c", "image": "x"}],
    }
    assert detail("restricted", "v1.25", {}, spec) == ""
    assert detail("restricted", "v1.24", {}, spec).startswith("allowPrivilegeEscalation != false")


def test_restricted_replaces_the_baseline_checks_it_overrides() -> None:
    metadata, spec = compliant()
    sc(spec)["capabilities"] = {"drop": ["ALL"], "add": ["SYS_ADMIN"]}
    assert detail("baseline", "latest", metadata, spec).startswith("non-default capabilities")
    assert detail("restricted", "latest", metadata, spec) == (
        'unrestricted capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)'
    )


def test_privileged_runs_no_checks() -> None:
    spec = {
        "hostNetwork": True,
        "containers": [{"name": "c", "image": "x", "securityContext": {"privileged": True}}],
    }
    assert detail("privileged", "latest", {}, spec) == ""
