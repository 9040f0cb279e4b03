"""Containers: names, images, ports, env, mounts, probes, lifecycle hooks and resources.

Reproduces ``validateContainers``, ``validateInitContainers``, ``validateContainerCommon``,
``validateContainerPorts``, ``ValidateEnv``/``ValidateEnvFrom`` (with RelaxedEnvironmentVariableValidation,
beta and on by default in 1.32), ``ValidateVolumeMounts``, ``ValidateVolumeDevices`` and the probe and
handler checks from ``pkg/apis/core/validation/validation.go``; security contexts are in :mod:`.security`.

Fields the API server always defaults before validating (``protocol``, ``imagePullPolicy``,
``terminationMessagePolicy``, probe periods and thresholds, ``httpGet.scheme`` and ``path``) are read with
their defaults when absent, so raw user input passes where upstream would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pinnace.api.names import (
    is_config_map_key,
    is_dns1123_label,
    is_http_header_name,
    is_relaxed_env_var_name,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_subdomain,
)
from pinnace.api.validation.downward import (
    ENV_FIELD_PATHS,
    validate_object_field_selector,
    validate_resource_field_selector,
)
from pinnace.api.validation.field import (
    FieldError,
    Path,
    duplicate,
    forbidden,
    invalid,
    invalid_each,
    not_found,
    not_supported,
    required,
)
from pinnace.api.validation.meta import validate_nonnegative
from pinnace.api.validation.resources import validate_resource_requirements
from pinnace.api.validation.security import validate_security_context
from pinnace.api.validation.values import Obj, boolean, integer, obj, objects, opt_obj, string, strings
from pinnace.api.validation.volumes import validate_local_descending_path, validate_path_no_backsteps

PROTOCOLS: Final = ["SCTP", "TCP", "UDP"]
_PULL_POLICIES: Final = ["Always", "IfNotPresent", "Never"]
_NOT_INIT: Final = "may not be set for init containers without restartPolicy=Always"


@dataclass(frozen=True, slots=True)
class PodOptions:
    """The parts of upstream's ``PodValidationOptions`` that differ between pods and templates."""

    resource_is_pod: bool = False
    grace_period: int = 30


def validate_port_num_or_name(port: Any, path: Path) -> list[FieldError]:
    """``ValidatePortNumOrName`` for an ``IntOrString`` port (absent reads as the integer 0)."""
    if isinstance(port, str):
        return invalid_each(path, port, is_valid_port_name(port))
    number = port if isinstance(port, int) and not isinstance(port, bool) else 0
    return invalid_each(path, number, is_valid_port_num(number))


def _container_ports(ports: list[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        p = path.index(i)
        name = string(port, "name")
        if name:
            if msgs := is_valid_port_name(name):
                errs += invalid_each(p.child("name"), name, msgs)
            elif name in names:
                errs.append(duplicate(p.child("name"), name))
            else:
                names.add(name)
        container_port = integer(port, "containerPort") or 0
        if container_port == 0:
            errs.append(required(p.child("containerPort")))
        else:
            errs += invalid_each(p.child("containerPort"), container_port, is_valid_port_num(container_port))
        host_port = integer(port, "hostPort") or 0
        if host_port:
            errs += invalid_each(p.child("hostPort"), host_port, is_valid_port_num(host_port))
        protocol = string(port, "protocol") or "TCP"
        if protocol not in PROTOCOLS:
            errs.append(not_supported(p.child("protocol"), protocol, PROTOCOLS))
    return errs


def host_port_conflicts(containers: list[Obj], path: Path, seen: set[str] | None = None) -> list[FieldError]:
    """``AccumulateUniqueHostPorts``: one ``protocol/hostIP/hostPort`` per pod."""
    errs: list[FieldError] = []
    seen = set() if seen is None else seen
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(objects(ctr, "ports")):
            host_port = integer(port, "hostPort") or 0
            if not host_port:
                continue
            key = f"{string(port, 'protocol') or 'TCP'}/{string(port, 'hostIP')}/{host_port}"
            if key in seen:
                errs.append(duplicate(path.index(ci).child("ports").index(pi).child("hostPort"), key))
            seen.add(key)
    return errs


def _key_selector(sel: Obj, path: Path) -> list[FieldError]:
    name, key = string(sel, "name"), string(sel, "key")
    errs = invalid_each(path.child("name"), name, name_is_dns_subdomain(name, False))
    if not key:
        errs.append(required(path.child("key")))
    else:
        errs += invalid_each(path.child("key"), key, is_config_map_key(key))
    return errs


def _env(env: list[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, ev in enumerate(env):
        p = path.index(i)
        name = string(ev, "name")
        if not name:
            errs.append(required(p.child("name")))
        else:
            errs += invalid_each(p.child("name"), name, is_relaxed_env_var_name(name))
        value_from = opt_obj(ev, "valueFrom")
        if value_from is None:
            continue
        vp = p.child("valueFrom")
        sources = 0
        if (ref := opt_obj(value_from, "fieldRef")) is not None:
            sources += 1
            errs += validate_object_field_selector(ref, ENV_FIELD_PATHS, vp.child("fieldRef"))
        if (ref := opt_obj(value_from, "resourceFieldRef")) is not None:
            sources += 1
            errs += validate_resource_field_selector(ref, vp.child("resourceFieldRef"), volume=False)
        for key in ("configMapKeyRef", "secretKeyRef"):
            if (ref := opt_obj(value_from, key)) is not None:
                sources += 1
                errs += _key_selector(ref, vp.child(key))
        if sources == 0:
            detail = (
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
            )
            errs.append(invalid(vp, "", detail))
        elif string(ev, "value"):
            errs.append(invalid(vp, "", "may not be specified when `value` is not empty"))
        elif sources > 1:
            errs.append(invalid(vp, "", "may not have more than one field specified at a time"))
    return errs


def _env_from(env_from: list[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, ev in enumerate(env_from):
        p = path.index(i)
        prefix = string(ev, "prefix")
        if prefix:
            errs += invalid_each(p.child("prefix"), prefix, is_relaxed_env_var_name(prefix))
        sources = 0
        for key in ("configMapRef", "secretRef"):
            ref = opt_obj(ev, key)
            if ref is None:
                continue
            sources += 1
            name = string(ref, "name")
            if not name:
                errs.append(required(p.child(key, "name")))
            else:
                errs += invalid_each(p.child(key, "name"), name, name_is_dns_subdomain(name, True))
        if sources == 0:
            errs.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif sources > 1:
            errs.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errs


_PROPAGATIONS: Final = ["Bidirectional", "HostToContainer", "None"]


def _volume_mounts(ctr: Obj, volumes: Mapping[str, Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    devices = {string(d, "name"): string(d, "devicePath") for d in objects(ctr, "volumeDevices")}
    mount_paths: set[str] = set()
    privileged = boolean(obj(ctr, "securityContext"), "privileged") is True
    for i, mnt in enumerate(objects(ctr, "volumeMounts")):
        p = path.index(i)
        name, mount_path = string(mnt, "name"), string(mnt, "mountPath")
        if not name:
            errs.append(required(p.child("name")))
        if name not in volumes:
            errs.append(not_found(p.child("name"), name))
        if not mount_path:
            errs.append(required(p.child("mountPath")))
        if mount_path in mount_paths:
            errs.append(invalid(p.child("mountPath"), mount_path, "must be unique"))
        mount_paths.add(mount_path)
        if name in devices:
            errs.append(invalid(p.child("name"), name, "must not already exist in volumeDevices"))
        if mount_path in devices.values():
            errs.append(
                invalid(p.child("mountPath"), mount_path, "must not already exist as a path in volumeDevices")
            )
        sub_path, sub_path_expr = string(mnt, "subPath"), string(mnt, "subPathExpr")
        if name in volumes and opt_obj(volumes[name], "image") is not None:
            if sub_path:
                errs.append(invalid(p.child("subPath"), sub_path, "not allowed in image volume sources"))
            if sub_path_expr:
                errs.append(
                    invalid(p.child("subPathExpr"), sub_path_expr, "not allowed in image volume sources")
                )
        # Upstream validates subPath under the list's path, not the item's.
        if sub_path:
            errs += validate_local_descending_path(sub_path, path.child("subPath"))
        if sub_path_expr:
            if sub_path:
                detail = "subPathExpr and subPath are mutually exclusive"
                errs.append(invalid(p.child("subPathExpr"), sub_path_expr, detail))
            errs += validate_local_descending_path(sub_path_expr, path.child("subPathExpr"))
        propagation = mnt.get("mountPropagation")
        if isinstance(propagation, str):
            if propagation not in _PROPAGATIONS:
                errs.append(not_supported(path.child("mountPropagation"), propagation, _PROPAGATIONS))
            if propagation == "Bidirectional" and not privileged:
                detail = "Bidirectional mount propagation is available only to privileged containers"
                errs.append(forbidden(path.child("mountPropagation"), detail))
        rro = mnt.get("recursiveReadOnly")
        if isinstance(rro, str) and rro != "Disabled":
            rro_path = path.child("recursiveReadOnly")
            if rro in ("Enabled", "IfPossible"):
                if boolean(mnt, "readOnly") is not True:
                    errs.append(forbidden(rro_path, "may only be specified when readOnly is true"))
                if isinstance(propagation, str) and propagation != "None":
                    detail = "may only be specified when mountPropagation is None or not specified"
                    errs.append(forbidden(rro_path, detail))
            else:
                errs.append(not_supported(rro_path, rro, ["Disabled", "Enabled", "IfPossible"]))
    return errs


def _volume_devices(ctr: Obj, volumes: Mapping[str, Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    mounts = {string(m, "name"): string(m, "mountPath") for m in objects(ctr, "volumeMounts")}
    names: set[str] = set()
    device_paths: set[str] = set()
    for i, dev in enumerate(objects(ctr, "volumeDevices")):
        p = path.index(i)
        name, device_path = string(dev, "name"), string(dev, "devicePath")
        vol = volumes.get(name)
        if not name:
            errs.append(required(p.child("name")))
        if name in names:
            errs.append(invalid(p.child("name"), name, "must be unique"))
        if (
            vol is not None
            and opt_obj(vol, "persistentVolumeClaim") is None
            and opt_obj(vol, "ephemeral") is None
        ):
            detail = "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"
            errs.append(invalid(p.child("name"), name, detail))
        if vol is None:
            errs.append(not_found(p.child("name"), name))
        if not device_path:
            errs.append(required(p.child("devicePath")))
        if device_path in device_paths:
            errs.append(invalid(p.child("devicePath"), device_path, "must be unique"))
        if device_path and validate_path_no_backsteps(device_path, path.child("devicePath")):
            errs.append(invalid(p.child("devicePath"), device_path, "can not contain backsteps ('..')"))
        else:
            device_paths.add(device_path)
        if name in mounts:
            errs.append(invalid(p.child("name"), name, "must not already exist in volumeMounts"))
        if device_path in mounts.values():
            errs.append(
                invalid(
                    p.child("devicePath"), device_path, "must not already exist as a path in volumeMounts"
                )
            )
        if name:
            names.add(name)
    return errs


def _handler(handler: Obj, path: Path, opts: PodOptions, *, probe: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    kinds = ("exec", "httpGet", "tcpSocket", "grpc") if probe else ("exec", "httpGet", "tcpSocket", "sleep")
    count = 0
    for kind in kinds:
        action = opt_obj(handler, kind)
        if action is None:
            continue
        if count > 0:
            errs.append(forbidden(path.child(kind), "may not specify more than 1 handler type"))
            continue
        count += 1
        p = path.child(kind)
        if kind == "exec" and not strings(action, "command"):
            errs.append(required(p.child("command")))
        elif kind == "httpGet":
            errs += validate_port_num_or_name(action.get("port"), p.child("port"))
            scheme = string(action, "scheme") or "HTTP"
            if scheme not in ("HTTP", "HTTPS"):
                errs.append(not_supported(p.child("scheme"), scheme, ["HTTP", "HTTPS"]))
            for header in objects(action, "httpHeaders"):
                errs += invalid_each(
                    p.child("httpHeaders"),
                    string(header, "name"),
                    is_http_header_name(string(header, "name")),
                )
        elif kind == "tcpSocket":
            errs += validate_port_num_or_name(action.get("port"), p.child("port"))
        elif kind == "grpc":
            errs += validate_port_num_or_name(integer(action, "port") or 0, p.child("port"))
        elif kind == "sleep":
            seconds = integer(action, "seconds") or 0
            if seconds <= 0 or seconds > opts.grace_period:
                detail = (
                    "must be greater than 0 and less than terminationGracePeriodSeconds "
                    f"({opts.grace_period}). "
                    "Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep."
                )
                errs.append(invalid(p, seconds, detail))
    if count == 0:
        errs.append(required(path, "must specify a handler type"))
    return errs


def _probe(probe: Obj | None, path: Path, opts: PodOptions, kind: str) -> list[FieldError]:
    if probe is None:
        return []
    errs = _handler(probe, path, opts, probe=True)
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errs += validate_nonnegative(integer(probe, key), path.child(key))
    grace = integer(probe, "terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        errs.append(invalid(path.child("terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    success = integer(probe, "successThreshold")
    if kind in ("livenessProbe", "startupProbe") and success not in (None, 0, 1):
        errs.append(invalid(path.child("successThreshold"), success, "must be 1"))
    if kind == "readinessProbe" and grace is not None:
        errs.append(
            invalid(path.child("terminationGracePeriodSeconds"), grace, "must not be set for readinessProbes")
        )
    return errs


def _lifecycle(lifecycle: Obj, path: Path, opts: PodOptions) -> list[FieldError]:
    errs: list[FieldError] = []
    for hook in ("postStart", "preStop"):
        if (handler := opt_obj(lifecycle, hook)) is not None:
            errs += _handler(handler, path.child(hook), opts, probe=False)
    return errs


def validate_container_common(
    ctr: Obj, volumes: Mapping[str, Obj], claims: frozenset[str], path: Path, opts: PodOptions
) -> list[FieldError]:
    """``validateContainerCommon``: what every kind of container must satisfy."""
    errs: list[FieldError] = []
    name = string(ctr, "name")
    if not name:
        errs.append(required(path.child("name")))
    else:
        errs += invalid_each(path.child("name"), name, is_dns1123_label(name))
    if not string(ctr, "image"):
        errs.append(required(path.child("image")))
    policy = string(ctr, "terminationMessagePolicy")
    if policy and policy not in ("File", "FallbackToLogsOnError"):
        errs.append(
            not_supported(path.child("terminationMessagePolicy"), policy, ["File", "FallbackToLogsOnError"])
        )
    errs += _container_ports(objects(ctr, "ports"), path.child("ports"))
    errs += _env(objects(ctr, "env"), path.child("env"))
    errs += _env_from(objects(ctr, "envFrom"), path.child("envFrom"))
    errs += _volume_mounts(ctr, volumes, path.child("volumeMounts"))
    errs += _volume_devices(ctr, volumes, path.child("volumeDevices"))
    pull = string(ctr, "imagePullPolicy")
    if pull and pull not in _PULL_POLICIES:
        errs.append(not_supported(path.child("imagePullPolicy"), pull, _PULL_POLICIES))
    errs += validate_resource_requirements(obj(ctr, "resources"), path.child("resources"), claims)
    errs += validate_security_context(opt_obj(ctr, "securityContext"), path.child("securityContext"))
    return errs


def validate_containers(
    containers: list[Obj], volumes: Mapping[str, Obj], claims: frozenset[str], path: Path, opts: PodOptions
) -> list[FieldError]:
    """``validateContainers``: at least one, unique names, probes and hooks, no ``restartPolicy``."""
    if not containers:
        return [required(path)]
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        p = path.index(i)
        errs += validate_container_common(ctr, volumes, claims, p, opts)
        name = string(ctr, "name")
        if name in names:
            errs.append(duplicate(p.child("name"), name))
        names.add(name)
        if (lifecycle := opt_obj(ctr, "lifecycle")) is not None:
            errs += _lifecycle(lifecycle, p.child("lifecycle"), opts)
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            errs += _probe(opt_obj(ctr, kind), p.child(kind), opts, kind)
        if ctr.get("restartPolicy") is not None:
            errs.append(forbidden(p.child("restartPolicy"), "may not be set for non-init containers"))
    return errs + host_port_conflicts(containers, path)


def validate_init_containers(
    init: list[Obj],
    regular: list[Obj],
    volumes: Mapping[str, Obj],
    claims: frozenset[str],
    path: Path,
    opts: PodOptions,
) -> list[FieldError]:
    """``validateInitContainers``: names unique across init and regular containers; sidecar rules."""
    errs: list[FieldError] = []
    names = {string(c, "name") for c in regular}
    for i, ctr in enumerate(init):
        p = path.index(i)
        errs += validate_container_common(ctr, volumes, claims, p, opts)
        restart = ctr.get("restartPolicy")
        if isinstance(restart, str) and restart != "Always":
            errs.append(not_supported(p.child("restartPolicy"), restart, ["Always"]))
        name = string(ctr, "name")
        if name in names:
            errs.append(duplicate(p.child("name"), name))
        elif name:
            names.add(name)
        errs += host_port_conflicts([ctr], path)
        if restart == "Always":
            if (lifecycle := opt_obj(ctr, "lifecycle")) is not None:
                errs += _lifecycle(lifecycle, p.child("lifecycle"), opts)
            for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
                errs += _probe(opt_obj(ctr, kind), p.child(kind), opts, kind)
        else:
            for kind in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if ctr.get(kind) is not None:
                    errs.append(forbidden(p.child(kind), _NOT_INIT))
    return errs


def validate_containers_only_for_pod(containers: list[Obj], path: Path) -> list[FieldError]:
    """``validateContainersOnlyForPod``: images of a real pod may not have surrounding whitespace."""
    errs: list[FieldError] = []
    for i, ctr in enumerate(containers):
        image = string(ctr, "image")
        if image != image.strip():
            errs.append(
                invalid(path.index(i).child("image"), image, "must not have leading or trailing whitespace")
            )
    return errs
