"""The Restricted checks of the Pod Security Standards, with their version history (pod-security-admission
v0.32: allowPrivilegeEscalation, capabilities_restricted, restrictedVolumes, runAsNonRoot, runAsUser,
seccompProfile_restricted).

From 1.25 the checks that concern Linux-only fields pass pods with ``spec.os.name: windows``. Three of them
replace a baseline check at the restricted level (capabilities, volumes, seccomp).
"""

from __future__ import annotations

from pinnace.apiserver.admission.podsecurity.api import Level, major_minor
from pinnace.apiserver.admission.podsecurity.baseline import (
    CAPABILITIES_BASELINE_ID,
    HOST_PATH_VOLUMES_ID,
    SECCOMP_BASELINE_ID,
    SECCOMP_TYPES,
)
from pinnace.apiserver.admission.podsecurity.check import (
    ALLOWED,
    Check,
    CheckPodFn,
    CheckResult,
    Object,
    VersionedCheck,
    containers,
    forbid,
    is_windows,
    join_quote,
    name_of,
    pluralize,
    security_context,
    setters,
)


def _except_windows(check: CheckPodFn) -> CheckPodFn:
    """The 1.25 revision: Windows pods cannot set the field, so they pass."""

    def check_from_1_25(metadata: Object, spec: Object) -> CheckResult:
        return ALLOWED if is_windows(spec) else check(metadata, spec)

    return check_from_1_25


def _containers_phrase(names: list[str]) -> str:
    return f"{pluralize('container', 'containers', len(names))} {join_quote(names)}"


# allowPrivilegeEscalation ----------------------------------------------------------------------------------


def allow_privilege_escalation_1_8(metadata: Object, spec: Object) -> CheckResult:
    bad = [
        name_of(c)
        for c in containers(spec)
        if security_context(c).get("allowPrivilegeEscalation") is not False
    ]
    if not bad:
        return ALLOWED
    return forbid(
        "allowPrivilegeEscalation != false",
        f"{_containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false",
    )


# capabilities_restricted -----------------------------------------------------------------------------------


def capabilities_restricted_1_22(metadata: Object, spec: Object) -> CheckResult:
    missing_drop_all: list[str] = []
    adding_forbidden: list[str] = []
    forbidden: set[str] = set()
    for container in containers(spec):
        capabilities = security_context(container).get("capabilities")
        if not isinstance(capabilities, dict):
            missing_drop_all.append(name_of(container))
            continue
        if "ALL" not in [str(c) for c in capabilities.get("drop") or []]:
            missing_drop_all.append(name_of(container))
        added = [str(c) for c in capabilities.get("add") or [] if c != "NET_BIND_SERVICE"]
        if added:
            forbidden.update(added)
            adding_forbidden.append(name_of(container))
    details = []
    if missing_drop_all:
        details.append(
            f'{_containers_phrase(missing_drop_all)} must set securityContext.capabilities.drop=["ALL"]'
        )
    if adding_forbidden:
        details.append(
            f"{_containers_phrase(adding_forbidden)} must not include {join_quote(sorted(forbidden))} "
            "in securityContext.capabilities.add"
        )
    return forbid("unrestricted capabilities", "; ".join(details)) if details else ALLOWED


# restrictedVolumes -----------------------------------------------------------------------------------------

ALLOWED_VOLUME_TYPES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
# In upstream's order: a volume is named by the first of these it sets.
RESTRICTED_VOLUME_TYPES = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)


def restricted_volumes_1_0(metadata: Object, spec: Object) -> CheckResult:
    bad_volumes: list[str] = []
    bad_types: set[str] = set()
    for volume in spec.get("volumes") or []:
        if any(volume.get(kind) is not None for kind in ALLOWED_VOLUME_TYPES):
            continue
        bad_volumes.append(str(volume.get("name", "")))
        bad_types.add(
            next((kind for kind in RESTRICTED_VOLUME_TYPES if volume.get(kind) is not None), "unknown")
        )
    if not bad_volumes:
        return ALLOWED
    count = len(bad_volumes)
    return forbid(
        "restricted volume types",
        f"{pluralize('volume', 'volumes', count)} {join_quote(bad_volumes)} "
        f"{pluralize('uses', 'use', count)} "
        f"{pluralize('restricted volume type', 'restricted volume types', len(bad_types))} "
        f"{join_quote(sorted(bad_types))}",
    )


# runAsNonRoot, runAsUser -----------------------------------------------------------------------------------


def run_as_non_root_1_0(metadata: Object, spec: Object) -> CheckResult:
    pod_value = security_context(spec).get("runAsNonRoot")
    pod_bad = pod_value is False
    pod_non_root = pod_value is True
    explicitly_bad: list[str] = []
    implicitly_bad: list[str] = []
    for container in containers(spec):
        value = security_context(container).get("runAsNonRoot")
        if value is not None:
            if value is False:
                explicitly_bad.append(name_of(container))
        elif not pod_non_root:
            implicitly_bad.append(name_of(container))
    who = setters(pod_bad, explicitly_bad)
    if who:
        return forbid(
            "runAsNonRoot != true", f"{' and '.join(who)} must not set securityContext.runAsNonRoot=false"
        )
    if implicitly_bad:
        return forbid(
            "runAsNonRoot != true",
            f"pod or {_containers_phrase(implicitly_bad)} must set securityContext.runAsNonRoot=true",
        )
    return ALLOWED


def run_as_user_1_23(metadata: Object, spec: Object) -> CheckResult:
    def root(owner: Object) -> bool:
        value = security_context(owner).get("runAsUser")
        return value == 0 and not isinstance(value, bool)

    who = setters(root(spec), [name_of(c) for c in containers(spec) if root(c)])
    return forbid("runAsUser=0", f"{' and '.join(who)} must not set runAsUser=0") if who else ALLOWED


# seccompProfile_restricted ---------------------------------------------------------------------------------


def seccomp_profile_restricted_1_19(metadata: Object, spec: Object) -> CheckResult:
    bad_values: set[str] = set()
    pod_profile = security_context(spec).get("seccompProfile")
    pod_bad = False
    pod_set = False
    if isinstance(pod_profile, dict):
        if pod_profile.get("type", "") not in SECCOMP_TYPES:
            pod_bad = True
            bad_values.add(str(pod_profile.get("type", "")))
        else:
            pod_set = True
    explicitly_bad: list[str] = []
    implicitly_bad: list[str] = []
    for container in containers(spec):
        profile = security_context(container).get("seccompProfile")
        if isinstance(profile, dict):
            if profile.get("type", "") not in SECCOMP_TYPES:
                explicitly_bad.append(name_of(container))
                bad_values.add(str(profile.get("type", "")))
        elif not pod_set:
            implicitly_bad.append(name_of(container))
    who = setters(pod_bad, explicitly_bad)
    if who:
        return forbid(
            "seccompProfile",
            f"{' and '.join(who)} must not set securityContext.seccompProfile.type to "
            f"{join_quote(sorted(bad_values))}",
        )
    if implicitly_bad:
        return forbid(
            "seccompProfile",
            f"pod or {_containers_phrase(implicitly_bad)} must set securityContext.seccompProfile.type to "
            '"RuntimeDefault" or "Localhost"',
        )
    return ALLOWED


# The checks ------------------------------------------------------------------------------------------------

V1_25 = major_minor(1, 25)


def _check(check_id: str, *versions: VersionedCheck) -> Check:
    return Check(check_id, Level.RESTRICTED, versions)


RESTRICTED_CHECKS: tuple[Check, ...] = (
    _check(
        "allowPrivilegeEscalation",
        VersionedCheck(major_minor(1, 8), allow_privilege_escalation_1_8),
        VersionedCheck(V1_25, _except_windows(allow_privilege_escalation_1_8)),
    ),
    _check(
        "capabilities_restricted",
        VersionedCheck(major_minor(1, 22), capabilities_restricted_1_22, (CAPABILITIES_BASELINE_ID,)),
        VersionedCheck(V1_25, _except_windows(capabilities_restricted_1_22), (CAPABILITIES_BASELINE_ID,)),
    ),
    _check(
        "restrictedVolumes",
        VersionedCheck(major_minor(1, 0), restricted_volumes_1_0, (HOST_PATH_VOLUMES_ID,)),
    ),
    _check("runAsNonRoot", VersionedCheck(major_minor(1, 0), run_as_non_root_1_0)),
    _check("runAsUser", VersionedCheck(major_minor(1, 23), run_as_user_1_23)),
    _check(
        "seccompProfile_restricted",
        VersionedCheck(major_minor(1, 19), seccomp_profile_restricted_1_19, (SECCOMP_BASELINE_ID,)),
        VersionedCheck(V1_25, _except_windows(seccomp_profile_restricted_1_19), (SECCOMP_BASELINE_ID,)),
    ),
)
