"""The Baseline checks of the Pod Security Standards, with their version history (``policy/check_*.go``
of pod-security-admission v0.32: appArmorProfile, capabilities_baseline, hostNamespaces, hostPathVolumes,
hostPorts, privileged, procMount, seccompProfile_baseline, seLinuxOptions, sysctls, windowsHostProcess).

Each function reproduces its upstream check's decision and wording; value lists are sorted as upstream's
``sets.String.List()`` sorts them (bytewise), other lists keep the pod's order.
"""

from __future__ import annotations

from pinnace.api.gofmt import go_quote
from pinnace.apiserver.admission.podsecurity.api import Level, major_minor
from pinnace.apiserver.admission.podsecurity.check import (
    ALLOWED,
    Check,
    CheckPodFn,
    CheckResult,
    Object,
    VersionedCheck,
    containers,
    forbid,
    join_quote,
    name_of,
    pluralize,
    security_context,
    setters,
)

V1_0 = major_minor(1, 0)

# appArmorProfile ---------------------------------------------------------------------------------------

APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_APPARMOR_TYPES = ("RuntimeDefault", "Localhost")


def _apparmor_annotation_allowed(value: str) -> bool:
    return value == "" or value == "runtime/default" or value.startswith("localhost/")


def app_armor_profile_1_0(metadata: Object, spec: Object) -> CheckResult:
    bad_values: set[str] = set()
    pod_profile = security_context(spec).get("appArmorProfile")
    pod_bad = isinstance(pod_profile, dict) and pod_profile.get("type", "") not in _APPARMOR_TYPES
    if pod_bad:
        assert isinstance(pod_profile, dict)
        bad_values.add(str(pod_profile.get("type", "")))
    bad_containers = []
    for container in containers(spec):
        profile = security_context(container).get("appArmorProfile")
        if isinstance(profile, dict) and profile.get("type", "") not in _APPARMOR_TYPES:
            bad_containers.append(name_of(container))
            bad_values.add(str(profile.get("type", "")))
    who = setters(pod_bad, bad_containers)
    annotations = metadata.get("annotations") or {}
    forbidden_annotations = sorted(
        f"{key}={go_quote(str(value))}"
        for key, value in annotations.items()
        if key.startswith(APPARMOR_ANNOTATION_PREFIX) and not _apparmor_annotation_allowed(str(value))
    )
    values = sorted(bad_values)
    if forbidden_annotations:
        values += forbidden_annotations
        who.append(pluralize("annotation", "annotations", len(forbidden_annotations)))
    if not who:
        return ALLOWED
    return forbid(
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values)),
        f"{' and '.join(who)} must not set AppArmor profile type to {join_quote(values)}",
    )


# capabilities_baseline -----------------------------------------------------------------------------------

CAPABILITIES_ALLOWED_1_0 = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def capabilities_baseline_1_0(metadata: Object, spec: Object) -> CheckResult:
    bad_containers = []
    non_default: set[str] = set()
    for container in containers(spec):
        capabilities = security_context(container).get("capabilities")
        if not isinstance(capabilities, dict):
            continue
        added = [str(c) for c in capabilities.get("add") or [] if str(c) not in CAPABILITIES_ALLOWED_1_0]
        if added:
            non_default.update(added)
            bad_containers.append(name_of(container))
    if not bad_containers:
        return ALLOWED
    return forbid(
        "non-default capabilities",
        f"{pluralize('container', 'containers', len(bad_containers))} {join_quote(bad_containers)} "
        f"must not include {join_quote(sorted(non_default))} in securityContext.capabilities.add",
    )


# hostNamespaces, hostPathVolumes, hostPorts, privileged --------------------------------------------------


def host_namespaces_1_0(metadata: Object, spec: Object) -> CheckResult:
    used = [f"{field}=true" for field in ("hostNetwork", "hostPID", "hostIPC") if spec.get(field) is True]
    return forbid("host namespaces", ", ".join(used)) if used else ALLOWED


def host_path_volumes_1_0(metadata: Object, spec: Object) -> CheckResult:
    names = [str(v.get("name", "")) for v in spec.get("volumes") or [] if v.get("hostPath") is not None]
    if not names:
        return ALLOWED
    return forbid("hostPath volumes", f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)}")


def host_ports_1_0(metadata: Object, spec: Object) -> CheckResult:
    bad_containers = []
    ports: set[str] = set()
    for container in containers(spec):
        used = [str(p.get("hostPort")) for p in container.get("ports") or [] if p.get("hostPort")]
        if used:
            ports.update(used)
            bad_containers.append(name_of(container))
    if not bad_containers:
        return ALLOWED
    count = len(bad_containers)
    return forbid(
        "hostPort",
        f"{pluralize('container', 'containers', count)} {join_quote(bad_containers)} "
        f"{pluralize('uses', 'use', count)} {pluralize('hostPort', 'hostPorts', len(ports))} "
        f"{', '.join(sorted(ports))}",
    )


def privileged_1_0(metadata: Object, spec: Object) -> CheckResult:
    bad = [name_of(c) for c in containers(spec) if security_context(c).get("privileged") is True]
    if not bad:
        return ALLOWED
    return forbid(
        "privileged",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} "
        "must not set securityContext.privileged=true",
    )


# procMount -----------------------------------------------------------------------------------------------


def proc_mount_1_0(metadata: Object, spec: Object) -> CheckResult:
    # The UserNamespacesPodSecurityStandards relaxation (pods with hostUsers: false) is an alpha gate,
    # off in 1.32: not applied.
    bad_containers = []
    types: set[str] = set()
    for container in containers(spec):
        proc_mount = security_context(container).get("procMount")
        if proc_mount is not None and proc_mount != "Default":
            bad_containers.append(name_of(container))
            types.add(str(proc_mount))
    if not bad_containers:
        return ALLOWED
    return forbid(
        "procMount",
        f"{pluralize('container', 'containers', len(bad_containers))} {join_quote(bad_containers)} "
        f"must not set securityContext.procMount to {join_quote(sorted(types))}",
    )


# seccompProfile_baseline ---------------------------------------------------------------------------------

SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_TYPES = ("Localhost", "RuntimeDefault")


def valid_seccomp_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def seccomp_profile_baseline_1_0(metadata: Object, spec: Object) -> CheckResult:
    """Before 1.19 the profile was set by annotations."""
    annotations = metadata.get("annotations") or {}
    forbidden: set[str] = set()
    keys = [SECCOMP_POD_ANNOTATION] + [
        SECCOMP_CONTAINER_ANNOTATION_PREFIX + name_of(c) for c in containers(spec)
    ]
    for key in keys:
        if key in annotations and not valid_seccomp_annotation(str(annotations[key])):
            forbidden.add(f"{key}={go_quote(str(annotations[key]))}")
    if not forbidden:
        return ALLOWED
    return forbid(
        "seccompProfile",
        f"forbidden {pluralize('annotation', 'annotations', len(forbidden))} {', '.join(sorted(forbidden))}",
    )


def seccomp_profile_baseline_1_19(metadata: Object, spec: Object) -> CheckResult:
    bad_values: set[str] = set()
    pod_profile = security_context(spec).get("seccompProfile")
    pod_bad = isinstance(pod_profile, dict) and pod_profile.get("type", "") not in SECCOMP_TYPES
    if pod_bad:
        assert isinstance(pod_profile, dict)
        bad_values.add(str(pod_profile.get("type", "")))
    bad_containers = []
    for container in containers(spec):
        profile = security_context(container).get("seccompProfile")
        if isinstance(profile, dict) and profile.get("type", "") not in SECCOMP_TYPES:
            bad_containers.append(name_of(container))
            bad_values.add(str(profile.get("type", "")))
    who = setters(pod_bad, bad_containers)
    if not who:
        return ALLOWED
    return forbid(
        "seccompProfile",
        f"{' and '.join(who)} must not set securityContext.seccompProfile.type to "
        f"{join_quote(sorted(bad_values))}",
    )


# seLinuxOptions --------------------------------------------------------------------------------------------

SELINUX_TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
SELINUX_TYPES_1_31 = SELINUX_TYPES_1_0 | {"container_engine_t"}


def _selinux_options(allowed_types: frozenset[str]) -> CheckPodFn:
    def check(metadata: Object, spec: Object) -> CheckResult:
        bad_types: set[str] = set()
        flags = {"user": False, "role": False}

        def valid(options: object) -> bool:
            if not isinstance(options, dict):
                return True
            ok = True
            selinux_type = str(options.get("type", ""))
            if selinux_type not in allowed_types:
                bad_types.add(selinux_type)
                ok = False
            for key in ("user", "role"):
                if options.get(key):
                    flags[key] = True
                    ok = False
            return ok

        pod_bad = not valid(security_context(spec).get("seLinuxOptions"))
        bad_containers = [
            name_of(c) for c in containers(spec) if not valid(security_context(c).get("seLinuxOptions"))
        ]
        who = setters(pod_bad, bad_containers)
        if not who:
            return ALLOWED
        data = []
        if bad_types:
            data.append(f"{pluralize('type', 'types', len(bad_types))} {join_quote(sorted(bad_types))}")
        data += [f"{key} may not be set" for key in ("user", "role") if flags[key]]
        return forbid(
            "seLinuxOptions",
            f"{' and '.join(who)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}",
        )

    return check


# sysctls ---------------------------------------------------------------------------------------------------

SYSCTLS_ALLOWED_1_0 = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
SYSCTLS_ALLOWED_1_27 = SYSCTLS_ALLOWED_1_0 | {"net.ipv4.ip_local_reserved_ports"}
SYSCTLS_ALLOWED_1_29 = SYSCTLS_ALLOWED_1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SYSCTLS_ALLOWED_1_32 = SYSCTLS_ALLOWED_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}


def _sysctls(allowed: frozenset[str]) -> CheckPodFn:
    def check(metadata: Object, spec: Object) -> CheckResult:
        names = [str(s.get("name", "")) for s in security_context(spec).get("sysctls") or []]
        forbidden = [name for name in names if name not in allowed]
        return forbid("forbidden sysctls", ", ".join(forbidden)) if forbidden else ALLOWED

    return check


# windowsHostProcess ----------------------------------------------------------------------------------------


def _host_process(owner: Object) -> bool:
    return (security_context(owner).get("windowsOptions") or {}).get("hostProcess") is True


def windows_host_process_1_0(metadata: Object, spec: Object) -> CheckResult:
    bad_containers = [name_of(c) for c in containers(spec) if _host_process(c)]
    who = setters(_host_process(spec), bad_containers)
    if not who:
        return ALLOWED
    return forbid(
        "hostProcess", f"{' and '.join(who)} must not set securityContext.windowsOptions.hostProcess=true"
    )


# The checks ------------------------------------------------------------------------------------------------

CAPABILITIES_BASELINE_ID = "capabilities_baseline"
HOST_PATH_VOLUMES_ID = "hostPathVolumes"
SECCOMP_BASELINE_ID = "seccompProfile_baseline"


def _check(check_id: str, *versions: VersionedCheck) -> Check:
    return Check(check_id, Level.BASELINE, versions)


BASELINE_CHECKS: tuple[Check, ...] = (
    _check("appArmorProfile", VersionedCheck(V1_0, app_armor_profile_1_0)),
    _check(CAPABILITIES_BASELINE_ID, VersionedCheck(V1_0, capabilities_baseline_1_0)),
    _check("hostNamespaces", VersionedCheck(V1_0, host_namespaces_1_0)),
    _check(HOST_PATH_VOLUMES_ID, VersionedCheck(V1_0, host_path_volumes_1_0)),
    _check("hostPorts", VersionedCheck(V1_0, host_ports_1_0)),
    _check("privileged", VersionedCheck(V1_0, privileged_1_0)),
    _check("procMount", VersionedCheck(V1_0, proc_mount_1_0)),
    _check(
        SECCOMP_BASELINE_ID,
        VersionedCheck(V1_0, seccomp_profile_baseline_1_0),
        VersionedCheck(major_minor(1, 19), seccomp_profile_baseline_1_19),
    ),
    _check(
        "seLinuxOptions",
        VersionedCheck(V1_0, _selinux_options(SELINUX_TYPES_1_0)),
        VersionedCheck(major_minor(1, 31), _selinux_options(SELINUX_TYPES_1_31)),
    ),
    _check(
        "sysctls",
        VersionedCheck(V1_0, _sysctls(SYSCTLS_ALLOWED_1_0)),
        VersionedCheck(major_minor(1, 27), _sysctls(SYSCTLS_ALLOWED_1_27)),
        VersionedCheck(major_minor(1, 29), _sysctls(SYSCTLS_ALLOWED_1_29)),
        VersionedCheck(major_minor(1, 32), _sysctls(SYSCTLS_ALLOWED_1_32)),
    ),
    _check("windowsHostProcess", VersionedCheck(V1_0, windows_host_process_1_0)),
)
