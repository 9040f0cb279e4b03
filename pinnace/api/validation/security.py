"""Security contexts: seccomp and AppArmor profiles, user and group IDs, sysctls.

Reproduces ``ValidateSecurityContext``, ``validatePodSpecSecurityContext``, ``validateSysctls``,
``validateSeccompProfileField``, ``ValidateSeccompProfile`` (the deprecated annotations) and
``ValidateAppArmorProfileField`` from ``pkg/apis/core/validation/validation.go``. Privileged containers are
allowed (kube-apiserver ``--allow-privileged=true``, as kubeadm, kind and k3s configure it). Where upstream
prints a whole Go struct as the bad value (``core.SecurityContext{...}``) Pinnace abbreviates it.
"""

from __future__ import annotations

import re
from typing import Final

from pinnace.api.gofmt import GoValue
from pinnace.api.names import blen, is_valid_group_id, is_valid_user_id
from pinnace.api.validation.field import (
    FieldError,
    Path,
    duplicate,
    invalid,
    invalid_each,
    not_supported,
    required,
)
from pinnace.api.validation.values import Obj, boolean, integer, items, obj, objects, opt_obj, string, strings
from pinnace.api.validation.volumes import validate_local_descending_path

_SECCOMP_TYPES: Final = ["Localhost", "RuntimeDefault", "Unconfined"]
_APPARMOR_TYPES: Final = ["Localhost", "RuntimeDefault", "Unconfined"]


def validate_seccomp_profile(profile: Obj | None, path: Path) -> list[FieldError]:
    if profile is None:
        return []
    errs: list[FieldError] = []
    kind = string(profile, "type")
    if not kind:
        errs.append(required(path.child("type"), "type is required when seccompProfile is set"))
    elif kind not in _SECCOMP_TYPES:
        errs.append(not_supported(path.child("type"), kind, _SECCOMP_TYPES))
    localhost = profile.get("localhostProfile")
    if kind == "Localhost":
        if not isinstance(localhost, str):
            errs.append(
                required(path.child("localhostProfile"), "must be set when seccomp type is Localhost")
            )
        else:
            errs += validate_local_descending_path(localhost, path.child("localhostProfile"))
    elif localhost is not None:
        value = GoValue("core.SeccompProfile{...}")
        errs.append(
            invalid(path.child("localhostProfile"), value, "can only be set when seccomp type is Localhost")
        )
    return errs


def validate_apparmor_profile(profile: Obj | None, path: Path) -> list[FieldError]:
    if profile is None:
        return []
    kind = string(profile, "type")
    localhost = profile.get("localhostProfile")
    if kind == "Localhost":
        if not isinstance(localhost, str):
            return [required(path.child("localhostProfile"), "must be set when AppArmor type is Localhost")]
        errs: list[FieldError] = []
        if localhost.strip() != localhost:
            errs.append(
                invalid(path.child("localhostProfile"), localhost, "must not be padded with whitespace")
            )
        elif not localhost:
            errs.append(
                required(path.child("localhostProfile"), "must be set when AppArmor type is Localhost")
            )
        return errs
    if kind in ("RuntimeDefault", "Unconfined"):
        if localhost is not None:
            detail = "can only be set when AppArmor type is Localhost"
            return [invalid(path.child("localhostProfile"), localhost, detail)]
        return []
    if not kind:
        return [required(path.child("type"), "type is required when appArmorProfile is set")]
    return [not_supported(path.child("type"), kind, _APPARMOR_TYPES)]


def validate_security_context(sc: Obj | None, path: Path) -> list[FieldError]:
    """``ValidateSecurityContext`` of a container."""
    if sc is None:
        return []
    errs: list[FieldError] = []
    for key, check in (("runAsUser", is_valid_user_id), ("runAsGroup", is_valid_group_id)):
        value = integer(sc, key)
        if value is not None:
            errs += invalid_each(path.child(key), value, check(value))
    # procMount: the ProcMountType gate is beta and off in 1.32, so the field is
    # dropped before validation (dropDisabledProcMountField) and never checked.
    errs += validate_seccomp_profile(opt_obj(sc, "seccompProfile"), path.child("seccompProfile"))
    if boolean(sc, "allowPrivilegeEscalation") is False:
        sc_value = GoValue("core.SecurityContext{...}")
        if boolean(sc, "privileged") is True:
            detail = "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"
            errs.append(invalid(path, sc_value, detail))
        if "CAP_SYS_ADMIN" in strings(obj(sc, "capabilities"), "add"):
            detail = "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"
            errs.append(invalid(path, sc_value, detail))
    errs += validate_apparmor_profile(opt_obj(sc, "appArmorProfile"), path.child("appArmorProfile"))
    return errs


_IPC_PREFIXES: Final = ("kernel.shm", "kernel.msg", "fs.mqueue.")


def validate_pod_security_context(spec: Obj, path: Path) -> list[FieldError]:
    """``validatePodSpecSecurityContext``.

    Upstream's internal ``PodSecurityContext`` also holds what v1 puts on the pod spec (``hostNetwork``,
    ``hostPID``, ``hostIPC``, ``shareProcessNamespace``), so those are read from ``spec`` but reported under
    ``spec.securityContext`` as upstream does.
    """
    sc = obj(spec, "securityContext")
    errs: list[FieldError] = []
    for key, check in (
        ("fsGroup", is_valid_group_id),
        ("runAsUser", is_valid_user_id),
        ("runAsGroup", is_valid_group_id),
    ):
        value = integer(sc, key)
        if value is not None:
            errs += invalid_each(path.child(key), value, check(value))
    for g, gid in enumerate(items(sc, "supplementalGroups")):
        if isinstance(gid, int):
            errs += invalid_each(path.child("supplementalGroups").index(g), gid, is_valid_group_id(gid))
    if boolean(spec, "shareProcessNamespace") and boolean(spec, "hostPID"):
        errs.append(
            invalid(
                path.child("shareProcessNamespace"),
                True,
                "ShareProcessNamespace and HostPID cannot both be enabled",
            )
        )
    seen: set[str] = set()
    for i, sysctl in enumerate(objects(sc, "sysctls")):
        name = string(sysctl, "name")
        p = path.child("sysctls").index(i).child("name")
        if not name:
            errs.append(required(p))
        elif not _valid_sysctl(name):
            detail = f"must have at most 253 characters and match regex {_SYSCTL_PATTERN}"
            errs.append(invalid(p, name, detail))
        elif name in seen:
            errs.append(duplicate(p, name))
        normalized = name.replace("/", ".")
        if boolean(spec, "hostNetwork") and normalized.startswith("net."):
            errs.append(invalid(p, name, "may not be specified when 'hostNetwork' is true"))
        elif boolean(spec, "hostIPC") and (
            normalized == "kernel.sem" or normalized.startswith(_IPC_PREFIXES)
        ):
            errs.append(invalid(p, name, "may not be specified when 'hostIPC' is true"))
        seen.add(name)
    policy = sc.get("fsGroupChangePolicy")
    if isinstance(policy, str) and policy not in ("Always", "OnRootMismatch"):
        errs.append(not_supported(path.child("fsGroupChangePolicy"), policy, ["Always", "OnRootMismatch"]))
    errs += validate_seccomp_profile(opt_obj(sc, "seccompProfile"), path.child("seccompProfile"))
    return errs + validate_apparmor_profile(opt_obj(sc, "appArmorProfile"), path.child("appArmorProfile"))


_SYSCTL_SEGMENT: Final = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_SYSCTL_PATTERN: Final = f"^({_SYSCTL_SEGMENT}[\\./])*{_SYSCTL_SEGMENT}$"
_SYSCTL_RE: Final = re.compile(_SYSCTL_PATTERN[1:-1])
_DELETION_COST_RE: Final = re.compile("-[0-9]+|0|[1-9][0-9]*")


def _valid_sysctl(name: str) -> bool:
    return blen(name) <= 253 and _SYSCTL_RE.fullmatch(name) is not None


def validate_seccomp_annotation(profile: str, path: Path) -> list[FieldError]:
    if profile in ("runtime/default", "docker/default", "unconfined"):
        return []
    if profile.startswith("localhost/"):
        return validate_local_descending_path(profile.removeprefix("localhost/"), path)
    return [invalid(path, profile, "must be a valid seccomp profile")]
