"""The other core (``v1``) kinds: ConfigMap, Secret, Namespace, ServiceAccount, PersistentVolumeClaim, Node
and ReplicationController.

Reproduces ``ValidateConfigMap``/``Update``, ``ValidateSecret``/``Update``, ``ValidateNamespace``,
``ValidateServiceAccount``, ``ValidatePersistentVolumeClaim``/``Update``, ``ValidateNode``/``Update`` and
``ValidateReplicationController``/``Update`` from ``pkg/apis/core/validation/validation.go``.

Secret ``data`` values are base64 in JSON; ``stringData`` is merged into ``data`` before validation, as the
v1 conversion does. Undecodable base64 is a decode error (400) upstream; here it is an ``Invalid`` error with
Go's message.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Final

from pinnace.api.gofmt import GoValue, go_quote, go_string_map, go_string_slice
from pinnace.api.labels import selector_from_set
from pinnace.api.names import (
    CIDR_ERROR,
    blen,
    is_config_map_key,
    is_qualified_name,
    is_valid_label_value,
    name_is_dns_label,
    name_is_dns_subdomain,
    parse_cidr_sloppy,
)
from pinnace.api.validation.affinity import validate_taint_effect
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
from pinnace.api.validation.meta import (
    FIELD_IMMUTABLE,
    go_time,
    validate_immutable_field,
    validate_kube_finalizer_name,
    validate_label_name,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)
from pinnace.api.validation.pod import restart_policy, validate_pod_template_spec
from pinnace.api.validation.values import (
    Obj,
    boolean,
    integer,
    obj,
    objects,
    opt_obj,
    semantic_equal,
    string,
    string_map,
    strings,
)
from pinnace.api.validation.volumes import storage_quantity, validate_pvc_spec

MAX_SECRET_SIZE: Final = 1024 * 1024
_DATA: Final = Path.root("data")
_SPEC: Final = Path.root("spec")
_METADATA: Final = Path.root("metadata")
_BASE64_RE: Final = re.compile("[A-Za-z0-9+/]*={0,2}")


def _base64_error(text: str) -> str | None:
    """Go's ``base64.StdEncoding`` error for text that is not strict, padded base64 (``None`` when valid)."""
    stripped = text.replace("\r", "").replace("\n", "")
    try:
        base64.b64decode(stripped, validate=True)
        if len(stripped) % 4 == 0:
            return None
    except (binascii.Error, ValueError):
        pass
    for i, ch in enumerate(stripped):
        if not (ch.isalnum() and ch.isascii()) and ch not in "+/=":
            return f"illegal base64 data at input byte {i}"
    pad = stripped.find("=")
    return f"illegal base64 data at input byte {pad if pad >= 0 else len(stripped) - len(stripped) % 4}"


def _decoded_data(secret: Obj) -> tuple[dict[str, bytes], list[FieldError]]:
    data: dict[str, bytes] = {}
    errs: list[FieldError] = []
    raw = secret.get("data")
    for key, value in raw.items() if isinstance(raw, Mapping) else []:
        text = value if isinstance(value, str) else ""
        if (msg := _base64_error(text)) is not None:
            errs.append(invalid(_DATA.key(key), "<secret contents redacted>", msg))
            continue
        data[key] = base64.b64decode(text.replace("\r", "").replace("\n", ""))
    string_data = secret.get("stringData")
    for key, value in string_data.items() if isinstance(string_data, Mapping) else []:
        data[key] = (value if isinstance(value, str) else "").encode("utf-8")
    return data, errs


def _secret_type(secret: Obj) -> str:
    return string(secret, "type") or "Opaque"


def validate_secret(secret: Obj) -> list[FieldError]:
    meta = obj(secret, "metadata")
    errs = validate_object_meta(meta, namespaced=True, name_fn=name_is_dns_subdomain)
    data, decode_errs = _decoded_data(secret)
    errs += decode_errs
    total = 0
    for key, value in data.items():
        errs += invalid_each(_DATA.key(key), key, is_config_map_key(key))
        total += len(value)
    if total > MAX_SECRET_SIZE:
        errs.append(too_long(_DATA, MAX_SECRET_SIZE))
    kind = _secret_type(secret)
    if kind == "kubernetes.io/service-account-token":
        if not (string_map(meta, "annotations") or {}).get("kubernetes.io/service-account.name"):
            errs.append(required(_METADATA.child("annotations").key("kubernetes.io/service-account.name")))
    elif kind in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if kind == "kubernetes.io/dockercfg" else ".dockerconfigjson"
        if key not in data:
            errs.append(required(_DATA.key(key)))
        else:
            try:
                parsed = json.loads(data[key])
                ok = isinstance(parsed, dict)
                msg = "json: cannot unmarshal into Go value of type map[string]interface {}"
            except ValueError as err:
                ok, msg = False, str(err)
            if not ok:
                errs.append(invalid(_DATA.key(key), "<secret contents redacted>", msg))
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errs += [required(_DATA.key("username")), required(_DATA.key("password"))]
    elif kind == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            errs.append(required(_DATA.key("ssh-privatekey")))
    elif kind == "kubernetes.io/tls":
        errs += [required(_DATA.key(k)) for k in ("tls.crt", "tls.key") if k not in data]
    return errs


def validate_secret_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    if _secret_type(new) != _secret_type(old):
        errs.append(invalid(Path.root("type"), _secret_type(new), FIELD_IMMUTABLE))
    if boolean(old, "immutable") is True:
        if boolean(new, "immutable") is not True:
            errs.append(forbidden(Path.root("immutable"), "field is immutable when `immutable` is set"))
        if _decoded_data(new)[0] != _decoded_data(old)[0]:
            errs.append(forbidden(_DATA, "field is immutable when `immutable` is set"))
    return errs + validate_secret(new)


def validate_config_map(cm: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(cm, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    total = 0
    data, binary = string_map(cm, "data") or {}, string_map(cm, "binaryData") or {}
    for key, value in data.items():
        errs += invalid_each(_DATA.key(key), key, is_config_map_key(key))
        if key in binary:
            errs.append(invalid(_DATA.key(key), key, "duplicate of key present in binaryData"))
        total += blen(value)
    for key, value in binary.items():
        path = Path.root("binaryData").key(key)
        errs += invalid_each(path, key, is_config_map_key(key))
        if (msg := _base64_error(value)) is not None:
            errs.append(invalid(path, value, msg))
        else:
            total += len(base64.b64decode(value.replace("\r", "").replace("\n", "")))
    if total > MAX_SECRET_SIZE:
        # Upstream reports this at field.NewPath(""), which prints as "[]".
        errs.append(too_long(Path(), MAX_SECRET_SIZE))
    return errs


def validate_config_map_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    if boolean(old, "immutable") is True:
        if boolean(new, "immutable") is not True:
            errs.append(forbidden(Path.root("immutable"), "field is immutable when `immutable` is set"))
        for key in ("data", "binaryData"):
            if (string_map(new, key) or {}) != (string_map(old, key) or {}):
                errs.append(forbidden(Path.root(key), "field is immutable when `immutable` is set"))
    return errs + validate_config_map(new)


def validate_namespace(ns: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(ns, "metadata"), namespaced=False, name_fn=name_is_dns_label)
    for f in strings(obj(ns, "spec"), "finalizers"):
        path = _SPEC.child("finalizers")
        errs += invalid_each(path, f, is_qualified_name(f))
        errs += validate_kube_finalizer_name(f, path)
    return errs


def validate_namespace_update(new: Obj, old: Obj) -> list[FieldError]:
    return validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))


def validate_service_account(sa: Obj) -> list[FieldError]:
    return validate_object_meta(obj(sa, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)


def validate_service_account_update(new: Obj, old: Obj) -> list[FieldError]:
    return validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata")) + validate_service_account(
        new
    )


def validate_pvc(pvc: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(pvc, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + validate_pvc_spec(obj(pvc, "spec"), _SPEC)


def validate_pvc_update(new: Obj, old: Obj) -> list[FieldError]:
    """``ValidatePersistentVolumeClaimUpdate``: only the storage request of a bound claim may grow."""
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    errs += validate_pvc(new)
    new_spec, old_spec = dict(obj(new, "spec")), dict(obj(old, "spec"))
    if not string(old_spec, "volumeName"):
        new_spec.pop("volumeName", None)
        old_spec.pop("volumeName", None)
    # validateStorageClassUpgradeFromNil (RetroactiveDefaultStorageClass, GA in 1.28): a claim that named no
    # class may be given one once (the PV controller assigns the default class).
    old_class = obj(old, "spec").get("storageClassName")
    if (
        "volume.beta.kubernetes.io/storage-class" not in obj(obj(old, "metadata"), "annotations")
        and not old_class
        and string(new_spec, "storageClassName")
    ):
        new_spec.pop("storageClassName", None)
        old_spec.pop("storageClassName", None)
    if string(obj(new, "status"), "phase") == "Bound":
        for spec in (new_spec, old_spec):
            resources = dict(obj(spec, "resources"))
            resources["requests"] = {k: v for k, v in obj(resources, "requests").items() if k != "storage"}
            spec["resources"] = resources
            spec.pop("volumeAttributesClassName", None)
    if not semantic_equal(new_spec, old_spec):
        detail = (
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for "
            "bound claims"
        )
        errs.append(forbidden(_SPEC, detail + "\n"))
    new_size, old_size = storage_quantity(obj(new, "spec")), storage_quantity(obj(old, "spec"))
    if new_size is not None and old_size is not None and new_size.cmp(old_size) < 0:
        path = _SPEC.child("resources", "requests", "storage")
        errs.append(forbidden(path, "field can not be less than previous value"))
    return errs + validate_immutable_field(
        obj(new, "spec").get("volumeMode"), obj(old, "spec").get("volumeMode"), Path.root("volumeMode")
    )


def _taints(taints: list[Obj], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    unique: dict[str, set[str]] = {}
    for i, taint in enumerate(taints):
        p = path.index(i)
        key, value, effect = string(taint, "key"), string(taint, "value"), string(taint, "effect")
        errs += validate_label_name(key, p.child("key"))
        if msgs := is_valid_label_value(value):
            errs.append(invalid(p.child("value"), value, ";".join(msgs)))
        errs += validate_taint_effect(effect, p.child("effect"), allow_empty=False)
        if key in unique.get(effect, set()):
            time_added = taint.get("timeAdded")
            stamp = "(*v1.Time)(nil)" if time_added is None else f"time.Date({go_time(time_added).text})"
            value_text = (
                f"core.Taint{{Key:{go_quote(key)}, Value:{go_quote(value)}, Effect:{go_quote(effect)}, "
                f"TimeAdded:{stamp}}}"
            )
            dup = duplicate(p, GoValue(value_text))
            errs.append(
                FieldError(dup.type, dup.field, "taints must be unique by key and effect pair", dup.bad_value)
            )
            continue
        unique.setdefault(effect, set()).add(key)
    return errs


def _pod_cidrs(spec: Obj) -> list[FieldError]:
    cidrs = strings(spec, "podCIDRs")
    path = _SPEC.child("podCIDRs")
    errs = [
        invalid(path.index(i), c, CIDR_ERROR) for i, c in enumerate(cidrs) if parse_cidr_sloppy(c) is None
    ]
    if len(cidrs) > 1 and not errs:
        families = {net.version for c in cidrs if (net := parse_cidr_sloppy(c)) is not None}
        if len(families) != len(cidrs):
            errs.append(
                invalid(path, go_string_slice(cidrs), "may specify no more than one CIDR for each IP family")
            )
        seen: set[str] = set()
        for i, c in enumerate(cidrs):
            if c in seen:
                errs.append(duplicate(path.index(i), c))
            seen.add(c)
    return errs


def validate_node(node: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(node, "metadata"), namespaced=False, name_fn=name_is_dns_subdomain)
    # Upstream reports taints under metadata (fldPath is the metadata path there).
    errs += _taints(objects(obj(node, "spec"), "taints"), _METADATA.child("taints"))
    return errs + _pod_cidrs(obj(node, "spec"))


def validate_node_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    new_spec, old_spec = obj(new, "spec"), obj(old, "spec")
    old_cidrs, new_cidrs = strings(old_spec, "podCIDRs"), strings(new_spec, "podCIDRs")
    detail = 'node updates may not change podCIDR except from "" to valid'
    if old_cidrs:
        if len(old_cidrs) != len(new_cidrs):
            errs.append(forbidden(_SPEC.child("podCIDRs"), detail))
        else:
            errs += [
                forbidden(_SPEC.child("podCIDRs"), detail)
                for i, c in enumerate(old_cidrs)
                if c != new_cidrs[i]
            ]
    old_provider = string(old_spec, "providerID")
    if old_provider and old_provider != string(new_spec, "providerID"):
        detail = 'node updates may not change providerID except from "" to valid'
        errs.append(forbidden(_SPEC.child("providerID"), detail))
    errs += _taints(objects(new_spec, "taints"), _METADATA.child("taints"))
    if string(new_spec, "externalID") != string(old_spec, "externalID"):
        errs.append(forbidden(_SPEC.child("externalID"), "may not be updated"))
    return errs


def _rc_spec(spec: Obj) -> list[FieldError]:
    errs = validate_nonnegative(integer(spec, "minReadySeconds"), _SPEC.child("minReadySeconds"))
    selector = string_map(spec, "selector")
    template = opt_obj(spec, "template")
    if not selector:
        # v1 defaulting copies the template labels into an empty selector.
        selector = string_map(obj(template or {}, "metadata"), "labels")
    if not selector:
        errs.append(required(_SPEC.child("selector")))
    errs += validate_nonnegative(integer(spec, "replicas"), _SPEC.child("replicas"))
    tpath = _SPEC.child("template")
    if template is None:
        return [*errs, required(tpath)]
    labels = string_map(obj(template, "metadata"), "labels")
    sel = selector_from_set(selector or {})
    if not sel.is_empty and not sel.matches(labels or {}):
        detail = "`selector` does not match template `labels`"
        errs.append(invalid(tpath.child("metadata", "labels"), go_string_map(labels), detail))
    errs += validate_pod_template_spec(template, tpath)
    policy = restart_policy(obj(template, "spec"))
    if policy != "Always":
        errs.append(not_supported(tpath.child("spec", "restartPolicy"), policy, ["Always"]))
    if obj(template, "spec").get("activeDeadlineSeconds") is not None:
        detail = "activeDeadlineSeconds in ReplicationController is not Supported"
        errs.append(forbidden(tpath.child("spec", "activeDeadlineSeconds"), detail))
    return errs


def validate_replication_controller(rc: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(rc, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + _rc_spec(obj(rc, "spec"))


def validate_replication_controller_update(new: Obj, old: Obj) -> list[FieldError]:
    return validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata")) + _rc_spec(
        obj(new, "spec")
    )
