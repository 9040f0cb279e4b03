"""Pod volumes, downward API selectors and PersistentVolumeClaim specs.

Reproduces ``ValidateVolumes``/``validateVolumeSource`` (exactly one source per volume, with upstream's odd
field names in the "more than 1 volume type" errors such as ``downwarAPI``), the per-source checks for the
sources people use (emptyDir, hostPath, secret, configMap, projected, downwardAPI, persistentVolumeClaim, nfs,
csi, ephemeral, image, gitRepo; presence checks for the legacy in-tree ones), ``validateObjectFieldSelector``,
``validateContainerResourceFieldSelector`` and ``ValidatePersistentVolumeClaimSpec`` from
``pkg/apis/core/validation/validation.go``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from pinnace.api.names import (
    blen,
    is_dns1123_label,
    is_dns1123_subdomain,
    name_is_dns_subdomain,
)
from pinnace.api.quantity import Quantity
from pinnace.api.validation.downward import (
    VOLUME_FIELD_PATHS,
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
    not_supported,
    required,
    too_long,
)
from pinnace.api.validation.meta import validate_label_selector, validate_template_object_meta
from pinnace.api.validation.resources import quantity_at, storage_request, validate_resource_quantity_value
from pinnace.api.validation.values import Obj, integer, obj, objects, opt_obj, present, string, strings

FILE_MODE_ERROR: Final = "must be a number between 0 and 0777 (octal), both inclusive"
_PD_PARTITION_ERROR: Final = "must be between 1 and 255, inclusive"


def validate_path_no_backsteps(target: str, path: Path) -> list[FieldError]:
    if ".." in target.split("/"):
        return [invalid(path, target, "must not contain '..'")]
    return []


def validate_local_descending_path(target: str, path: Path) -> list[FieldError]:
    errs = [invalid(path, target, "must be a relative path")] if target.startswith("/") else []
    return errs + validate_path_no_backsteps(target, path)


def validate_local_non_reserved_path(target: str, path: Path) -> list[FieldError]:
    errs = validate_local_descending_path(target, path)
    if target.startswith("..") and not target.startswith("../"):
        errs.append(invalid(path, target, "must not start with '..'"))
    return errs


def _mode(o: Obj, key: str, path: Path) -> list[FieldError]:
    mode = integer(o, key)
    if mode is not None and not 0 <= mode <= 0o777:
        return [invalid(path.child(key), mode, FILE_MODE_ERROR)]
    return []


def _key_to_path(kp: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    if not string(kp, "key"):
        errs.append(required(path.child("key")))
    if not string(kp, "path"):
        errs.append(required(path.child("path")))
    errs += validate_local_non_reserved_path(string(kp, "path"), path.child("path"))
    return errs + _mode(kp, "mode", path)


def _downward_api_file(file: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    if not string(file, "path"):
        errs.append(required(path.child("path")))
    errs += validate_local_non_reserved_path(string(file, "path"), path.child("path"))
    field_ref, resource_ref = opt_obj(file, "fieldRef"), opt_obj(file, "resourceFieldRef")
    if field_ref is not None:
        errs += validate_object_field_selector(field_ref, VOLUME_FIELD_PATHS, path.child("fieldRef"))
        if resource_ref is not None:
            detail = "fieldRef and resourceFieldRef can not be specified simultaneously"
            errs.append(invalid(path, "resource", detail))
    elif resource_ref is not None:
        errs += validate_resource_field_selector(resource_ref, path.child("resourceFieldRef"), volume=True)
    else:
        errs.append(required(path, "one of fieldRef and resourceFieldRef is required"))
    return errs + _mode(file, "mode", path)


def _empty_dir(src: Obj, path: Path) -> list[FieldError]:
    if not present(src, "sizeLimit"):
        return []
    q, errs = quantity_at(src["sizeLimit"], path.child("sizeLimit"))
    if q is not None and q.sign() < 0:
        errs.append(forbidden(path.child("sizeLimit"), "SizeLimit field must be a valid resource quantity"))
    return errs


_HOST_PATH_TYPES: Final = sorted(
    ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
)


def _host_path(src: Obj, path: Path) -> list[FieldError]:
    if not string(src, "path"):
        return [required(path.child("path"))]
    errs = validate_path_no_backsteps(string(src, "path"), path.child("path"))
    if present(src, "type") and string(src, "type") not in _HOST_PATH_TYPES:
        errs.append(not_supported(path.child("type"), string(src, "type"), _HOST_PATH_TYPES))
    return errs


def _git_repo(src: Obj, path: Path) -> list[FieldError]:
    errs = [] if string(src, "repository") else [required(path.child("repository"))]
    return errs + validate_local_descending_path(string(src, "directory"), path.child("directory"))


def _partitioned(key: str) -> Callable[[Obj, Path], list[FieldError]]:
    def check(src: Obj, path: Path) -> list[FieldError]:
        errs = [] if string(src, key) else [required(path.child(key))]
        partition = integer(src, "partition")
        if partition is not None and not 0 <= partition <= 255:
            errs.append(invalid(path.child("partition"), partition, _PD_PARTITION_ERROR))
        return errs

    return check


def _secret(src: Obj, path: Path) -> list[FieldError]:
    errs = [] if string(src, "secretName") else [required(path.child("secretName"))]
    errs += _mode(src, "defaultMode", path)
    for i, kp in enumerate(objects(src, "items")):
        errs += _key_to_path(kp, path.child("items").index(i))
    return errs


def _config_map(src: Obj, path: Path) -> list[FieldError]:
    errs = [] if string(src, "name") else [required(path.child("name"))]
    errs += _mode(src, "defaultMode", path)
    for i, kp in enumerate(objects(src, "items")):
        errs += _key_to_path(kp, path.child("items").index(i))
    return errs


def _nfs(src: Obj, path: Path) -> list[FieldError]:
    errs = [required(path.child(k)) for k in ("server", "path") if not string(src, k)]
    if not string(src, "path").startswith("/"):
        errs.append(invalid(path.child("path"), string(src, "path"), "must be an absolute path"))
    return errs


def _requires(*keys: str) -> Callable[[Obj, Path], list[FieldError]]:
    def check(src: Obj, path: Path) -> list[FieldError]:
        return [required(path.child(k)) for k in keys if not src.get(k)]

    return check


def _downward_api(src: Obj, path: Path) -> list[FieldError]:
    errs = _mode(src, "defaultMode", path)
    for file in objects(src, "items"):
        errs += _downward_api_file(file, path)
    return errs


def _projected(src: Obj, path: Path) -> list[FieldError]:
    errs = _mode(src, "defaultMode", path)
    seen_paths: set[str] = set()
    for i, source in enumerate(objects(src, "sources")):
        src_path = path.child("sources").index(i)
        count = 0
        for kind in ("secret", "configMap"):
            projection = opt_obj(source, kind)
            if projection is None:
                continue
            count += 1
            proj_path = src_path.child(kind)
            if not string(projection, "name"):
                errs.append(required(proj_path.child("name")))
            for j, kp in enumerate(objects(projection, "items")):
                errs += _key_to_path(kp, proj_path.child("items").index(j))
                if p := string(kp, "path"):
                    if p in seen_paths:
                        errs.append(invalid(path, string(projection, "name"), "conflicting duplicate paths"))
                    seen_paths.add(p)
        downward = opt_obj(source, "downwardAPI")
        if downward is not None:
            count += 1
            for file in objects(downward, "items"):
                errs += _downward_api_file(file, src_path.child("downwardAPI"))
                if p := string(file, "path"):
                    if p in seen_paths:
                        errs.append(invalid(path, p, "conflicting duplicate paths"))
                    seen_paths.add(p)
        token = opt_obj(source, "serviceAccountToken")
        if token is not None:
            count += 1
            expiration = integer(token, "expirationSeconds") or 3600
            exp_path = src_path.child("serviceAccountToken", "expirationSeconds")
            if expiration < 600:
                errs.append(invalid(exp_path, expiration, "may not specify a duration less than 10 minutes"))
            if expiration > 1 << 32:
                errs.append(
                    invalid(exp_path, expiration, "may not specify a duration larger than 2^32 seconds")
                )
            if not string(token, "path"):
                errs.append(required(path.child("path")))
            else:
                errs += validate_local_non_reserved_path(string(token, "path"), path.child("path"))
        if opt_obj(source, "clusterTrustBundle") is not None:
            count += 1
        if count > 1:
            errs.append(forbidden(src_path, "may not specify more than 1 volume type per source"))
    return errs


def validate_csi_driver_name(driver: str, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    if not driver:
        errs.append(required(path))
    if blen(driver) > 63:
        errs.append(too_long(path, 63))
    return errs + invalid_each(path, driver, is_dns1123_subdomain(driver.lower()))


def _csi(src: Obj, path: Path) -> list[FieldError]:
    errs = validate_csi_driver_name(string(src, "driver"), path.child("driver"))
    ref = opt_obj(src, "nodePublishSecretRef")
    if ref is not None:
        if not string(ref, "name"):
            errs.append(required(path.child("nodePublishSecretRef", "name")))
        else:
            name = string(ref, "name")
            errs += invalid_each(path.child("name"), name, name_is_dns_subdomain(name, False))
    return errs


def _ephemeral(src: Obj, path: Path) -> list[FieldError]:
    template = opt_obj(src, "volumeClaimTemplate")
    if template is None:
        return [required(path.child("volumeClaimTemplate"))]
    tpath = path.child("volumeClaimTemplate")
    errs = validate_template_object_meta(obj(template, "metadata"), tpath.child("metadata"))
    return errs + validate_pvc_spec(obj(template, "spec"), tpath.child("spec"))


def _volume_sources(resource_is_pod: bool) -> list[tuple[str, str, Callable[[Obj, Path], list[FieldError]]]]:
    def image(src: Obj, path: Path) -> list[FieldError]:
        errs = [required(path.child("reference"))] if resource_is_pod and not string(src, "reference") else []
        policy = string(src, "pullPolicy")
        if policy and policy not in ("Always", "IfNotPresent", "Never"):
            errs.append(not_supported(path.child("pullPolicy"), policy, ["Always", "IfNotPresent", "Never"]))
        return errs

    # (JSON key, the name upstream uses in "more than 1 volume type" errors, the source's own checks)
    return [
        ("emptyDir", "emptyDir", _empty_dir),
        ("hostPath", "hostPath", _host_path),
        ("gitRepo", "gitRepo", _git_repo),
        ("gcePersistentDisk", "gcePersistentDisk", _partitioned("pdName")),
        ("awsElasticBlockStore", "awsElasticBlockStore", _partitioned("volumeID")),
        ("secret", "secret", _secret),
        ("nfs", "nfs", _nfs),
        ("iscsi", "iscsi", _requires("targetPortal", "iqn")),
        ("glusterfs", "glusterfs", _requires("endpoints", "path")),
        ("flocker", "flocker", lambda s, p: []),
        ("persistentVolumeClaim", "persistentVolumeClaim", _requires("claimName")),
        ("rbd", "rbd", _requires("monitors", "image")),
        ("cinder", "cinder", _requires("volumeID")),
        ("cephfs", "cephFS", _requires("monitors")),
        ("quobyte", "quobyte", _requires("registry", "volume")),
        ("downwardAPI", "downwarAPI", _downward_api),
        ("fc", "fc", lambda s, p: []),
        ("flexVolume", "flexVolume", _requires("driver")),
        ("configMap", "configMap", _config_map),
        ("azureFile", "azureFile", _requires("secretName", "shareName")),
        ("vsphereVolume", "vsphereVolume", _requires("volumePath")),
        ("photonPersistentDisk", "photonPersistentDisk", _requires("pdID")),
        ("portworxVolume", "portworxVolume", _requires("volumeID")),
        ("azureDisk", "azureDisk", _requires("diskName", "diskURI")),
        ("storageos", "storageos", _requires("volumeName")),
        ("projected", "projected", _projected),
        ("scaleIO", "scaleIO", _requires("gateway", "system", "volumeName")),
        ("csi", "csi", _csi),
        ("ephemeral", "ephemeral", _ephemeral),
        ("image", "image", image),
    ]


# Upstream validates some sources under a different child name than their JSON field.
_DEEP_PATH: Final = {"gcePersistentDisk": "persistentDisk", "cephfs": "cephfs"}


def _volume_source(vol: Obj, path: Path, pod_name: str, resource_is_pod: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    count = 0
    for key, forbidden_name, check in _volume_sources(resource_is_pod):
        src = opt_obj(vol, key)
        if src is None:
            continue
        if count > 0:
            errs.append(forbidden(path.child(forbidden_name), "may not specify more than 1 volume type"))
            continue
        count += 1
        errs += check(src, path.child(_DEEP_PATH.get(key, key)))
        vol_name = string(vol, "name")
        if key == "ephemeral" and pod_name and vol_name:
            pvc_name = f"{pod_name}-{vol_name}"
            for msg in name_is_dns_subdomain(pvc_name, False):
                errs.append(invalid(path.child("name"), vol_name, f'PVC name "{pvc_name}": {msg}'))
    if count == 0:
        errs.append(required(path, "must specify a volume type"))
    return errs


def validate_volumes(
    volumes: list[Obj], path: Path, *, pod_name: str = "", resource_is_pod: bool = False
) -> tuple[dict[str, Obj], list[FieldError]]:
    """``ValidateVolumes``: returns the valid volumes by name (for mount checks) and the errors."""
    errs: list[FieldError] = []
    by_name: dict[str, Obj] = {}
    created_pvcs = {
        f"{pod_name}-{string(v, 'name')}" for v in volumes if pod_name and opt_obj(v, "ephemeral")
    }
    for i, vol in enumerate(volumes):
        p = path.index(i)
        name = string(vol, "name")
        el = _volume_source(vol, p, pod_name, resource_is_pod)
        if not name:
            el.append(required(p.child("name")))
        else:
            el += invalid_each(p.child("name"), name, is_dns1123_label(name))
        if name in by_name:
            el.append(duplicate(p.child("name"), name))
        if el:
            errs += el
        else:
            by_name[name] = vol
        claim = opt_obj(vol, "persistentVolumeClaim")
        if claim is not None and string(claim, "claimName") in created_pvcs:
            detail = "must not reference a PVC that gets created for an ephemeral volume"
            errs.append(
                invalid(p.child("persistentVolumeClaim", "claimName"), string(claim, "claimName"), detail)
            )
    return by_name, errs


_ACCESS_MODES: Final = sorted(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"])


def validate_pvc_spec(spec: Obj, path: Path) -> list[FieldError]:
    """``ValidatePersistentVolumeClaimSpec``."""
    errs: list[FieldError] = []
    modes = strings(spec, "accessModes")
    if not modes:
        errs.append(required(path.child("accessModes"), "at least 1 access mode is required"))
    selector = opt_obj(spec, "selector")
    if selector is not None:
        errs += validate_label_selector(selector, path.child("selector"))
    rwop = other = False
    for mode in modes:
        if mode not in _ACCESS_MODES:
            errs.append(not_supported(path.child("accessModes"), mode, _ACCESS_MODES))
        if mode == "ReadWriteOncePod":
            rwop = True
        elif mode in _ACCESS_MODES:
            other = True
    if rwop and other:
        errs.append(
            forbidden(path.child("accessModes"), "may not use ReadWriteOncePod with other access modes")
        )
    storage_path = path.child("resources").key("storage")
    raw = storage_request(spec)
    if raw is None:
        errs.append(required(storage_path))
    else:
        q, q_errs = quantity_at(raw, storage_path)
        errs += q_errs
        if q is not None:
            if q.sign() <= 0:
                errs.append(invalid(storage_path, str(q), "must be greater than zero"))
            else:
                errs += validate_resource_quantity_value("storage", q, storage_path)
    class_name = string(spec, "storageClassName")
    if class_name:
        errs += invalid_each(
            path.child("storageClassName"), class_name, name_is_dns_subdomain(class_name, False)
        )
    volume_mode = spec.get("volumeMode")
    if isinstance(volume_mode, str) and volume_mode not in ("Block", "Filesystem"):
        errs.append(not_supported(path.child("volumeMode"), volume_mode, ["Block", "Filesystem"]))
    for key in ("dataSource", "dataSourceRef"):
        ref = opt_obj(spec, key)
        if ref is None:
            continue
        ref_path = path.child(key)
        errs += [required(ref_path.child(k)) for k in ("name", "kind") if not string(ref, k)]
        api_group = string(ref, "apiGroup")
        if not api_group and string(ref, "kind") != "PersistentVolumeClaim":
            detail = "must be 'PersistentVolumeClaim' when referencing the default apiGroup"
            errs.append(invalid(ref_path, string(ref, "kind"), detail))
        if api_group:
            errs += invalid_each(ref_path.child("apiGroup"), api_group, is_dns1123_subdomain(api_group))
    return errs


def storage_quantity(spec: Obj) -> Quantity | None:
    raw = storage_request(spec)
    if raw is None:
        return None
    q, _ = quantity_at(raw, Path.root("spec"))
    return q
