"""Ingresses, IngressClasses and NetworkPolicies (``networking.k8s.io/v1``).

Reproduces ``pkg/apis/networking/validation/validation.go`` as of Kubernetes 1.32: Ingress rules (hosts,
wildcard hosts, ``pathType`` and path rules, backends), TLS hosts and secret names, the ``ingressClassName``
annotation consistency check; IngressClass controllers and parameters; NetworkPolicy selectors, ports
(``endPort``), peers and ``ipBlock`` CIDRs (``except`` must be a strict subset of ``cidr``).
"""

from __future__ import annotations

from typing import Any, Final

from pinnace.api.gofmt import GoValue, go_string_slice
from pinnace.api.names import (
    CIDR_ERROR,
    blen,
    is_dns1123_subdomain,
    is_domain_prefixed_path_errors,
    is_valid_path_segment_name,
    is_valid_port_name,
    is_valid_port_num,
    is_wildcard_dns1123_subdomain,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    parse_cidr_sloppy,
    parse_ip_sloppy,
)
from pinnace.api.validation.field import (
    FieldError,
    Path,
    forbidden,
    invalid,
    invalid_each,
    not_supported,
    required,
    too_long,
)
from pinnace.api.validation.meta import (
    validate_immutable_field,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from pinnace.api.validation.values import (
    Obj,
    integer,
    obj,
    objects,
    opt_obj,
    opt_string,
    string,
    string_map,
    strings,
)

_SPEC: Final = Path.root("spec")
_PATH_TYPES: Final = ["Exact", "ImplementationSpecific", "Prefix"]
_INVALID_SEQUENCES: Final = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_SUFFIXES: Final = ("/..", "/.")
_INGRESS_CLASS_ANNOTATION: Final = "kubernetes.io/ingress.class"


def _network_policy_port(port: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    protocol = port.get("protocol")
    if isinstance(protocol, str) and protocol not in ("TCP", "UDP", "SCTP"):
        errs.append(not_supported(path.child("protocol"), protocol, ["TCP", "UDP", "SCTP"]))
    value: Any = port.get("port")
    end_port = integer(port, "endPort")
    if isinstance(value, int) and not isinstance(value, bool):
        errs += invalid_each(path.child("port"), value, is_valid_port_num(value))
        if end_port is not None:
            if end_port < value:
                errs.append(invalid(path.child("endPort"), value, "must be greater than or equal to `port`"))
            errs += invalid_each(path.child("endPort"), end_port, is_valid_port_num(end_port))
    elif isinstance(value, str):
        if end_port is not None:
            errs.append(
                invalid(path.child("endPort"), end_port, "may not be specified when `port` is non-numeric")
            )
        errs += invalid_each(path.child("port"), value, is_valid_port_name(value))
    elif end_port is not None:
        errs.append(
            invalid(path.child("endPort"), end_port, "may not be specified when `port` is not specified")
        )
    return errs


def _ip_block(block: Obj, path: Path) -> list[FieldError]:
    cidr = string(block, "cidr")
    if not cidr:
        return [required(path.child("cidr"))]
    network = parse_cidr_sloppy(cidr)
    if network is None:
        return [invalid(path.child("cidr"), cidr, CIDR_ERROR)]
    errs: list[FieldError] = []
    for i, except_cidr in enumerate(strings(block, "except")):
        except_net = parse_cidr_sloppy(except_cidr)
        if except_net is None:
            errs.append(invalid(path.child("except").index(i), except_cidr, CIDR_ERROR))
            continue
        ip = parse_ip_sloppy(except_cidr.partition("/")[0])
        inside = ip is not None and ip.version == network.version and ip in network
        if not inside or network.prefixlen >= except_net.prefixlen:
            errs.append(
                invalid(path.child("except").index(i), except_cidr, "must be a strict subset of `cidr`")
            )
    return errs


def _peer(peer: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    count = 0
    for key in ("podSelector", "namespaceSelector"):
        selector = opt_obj(peer, key)
        if selector is not None:
            count += 1
            errs += validate_label_selector(selector, path.child(key))
    block = opt_obj(peer, "ipBlock")
    if block is not None:
        count += 1
        errs += _ip_block(block, path.child("ipBlock"))
    if count == 0:
        errs.append(required(path, "must specify a peer"))
    elif count > 1 and block is not None:
        errs.append(forbidden(path, "may not specify both ipBlock and another peer"))
    return errs


def _network_policy_spec(spec: Obj) -> list[FieldError]:
    errs = validate_label_selector(obj(spec, "podSelector"), _SPEC.child("podSelector"))
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(objects(spec, direction)):
            rp = _SPEC.child(direction).index(i)
            for j, port in enumerate(objects(rule, "ports")):
                errs += _network_policy_port(port, rp.child("ports").index(j))
            for j, peer in enumerate(objects(rule, peers)):
                errs += _peer(peer, rp.child(peers).index(j))
    types = strings(spec, "policyTypes")
    if len(types) > 2:
        value = go_string_slice(types, "[]networking.PolicyType")
        return [
            *errs,
            invalid(_SPEC.child("policyTypes"), value, "may not specify more than two policyTypes"),
        ]
    for i, kind in enumerate(types):
        if kind not in ("Ingress", "Egress"):
            errs.append(not_supported(_SPEC.child("policyTypes").index(i), kind, ["Ingress", "Egress"]))
    return errs


def validate_network_policy(np: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(np, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + _network_policy_spec(obj(np, "spec"))


def validate_network_policy_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    return errs + _network_policy_spec(obj(new, "spec"))


def _typed_reference(ref: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    api_group = opt_string(ref, "apiGroup")
    if api_group is not None:
        errs += invalid_each(path.child("apiGroup"), api_group, is_dns1123_subdomain(api_group))
    for key in ("kind", "name"):
        value = string(ref, key)
        if not value:
            errs.append(required(path.child(key), f"{key} is required"))
        else:
            errs += invalid_each(path.child(key), value, is_valid_path_segment_name(value))
    return errs


def _backend(backend: Obj, path: Path) -> list[FieldError]:
    resource, service = opt_obj(backend, "resource"), opt_obj(backend, "service")
    if resource is not None and service is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        return _typed_reference(resource, path.child("resource"))
    if service is None:
        return [invalid(path, "", "resource or service backend is required")]
    errs: list[FieldError] = []
    name = string(service, "name")
    if not name:
        errs.append(required(path.child("service", "name")))
    else:
        errs += invalid_each(path.child("service", "name"), name, name_is_dns1035_label(name, False))
    port = obj(service, "port")
    port_name, port_number = string(port, "name"), integer(port, "number") or 0
    if port_name and port_number:
        errs.append(invalid(path, "", "cannot set both port name & port number"))
    elif port_name:
        errs += invalid_each(path.child("service", "port", "name"), port_name, is_valid_port_name(port_name))
    elif port_number:
        errs += invalid_each(
            path.child("service", "port", "number"), port_number, is_valid_port_num(port_number)
        )
    else:
        errs.append(required(path, "port name or number is required"))
    return errs


def _http_path(http_path: Obj, path: Path) -> list[FieldError]:
    path_type = opt_string(http_path, "pathType")
    if path_type is None:
        return [required(path.child("pathType"), "pathType must be specified")]
    errs: list[FieldError] = []
    value = string(http_path, "path")
    if path_type in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errs.append(invalid(path.child("path"), value, "must be an absolute path"))
        if value:
            errs += [
                invalid(path.child("path"), value, f"must not contain '{s}'")
                for s in _INVALID_SEQUENCES
                if s in value
            ]
            errs += [
                invalid(path.child("path"), value, f"cannot end with '{s}'")
                for s in _INVALID_SUFFIXES
                if value.endswith(s)
            ]
    elif path_type == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errs.append(invalid(path.child("path"), value, "must be an absolute path"))
    else:
        errs.append(not_supported(path.child("pathType"), path_type, _PATH_TYPES))
    return errs + _backend(obj(http_path, "backend"), path.child("backend"))


def _rules(rules: list[Obj], path: Path, allow_invalid_wildcard_rule: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, rule in enumerate(rules):
        rp = path.index(i)
        host = string(rule, "host")
        wildcard = False
        if host:
            if parse_ip_sloppy(host) is not None:
                errs.append(invalid(rp.child("host"), host, "must be a DNS name, not an IP address"))
            if "*" in host:
                errs += invalid_each(rp.child("host"), host, is_wildcard_dns1123_subdomain(host))
                wildcard = True
            else:
                errs += invalid_each(rp.child("host"), host, is_dns1123_subdomain(host))
        if wildcard and allow_invalid_wildcard_rule:
            continue
        http = opt_obj(rule, "http")
        if http is not None:
            paths = objects(http, "paths")
            if not paths:
                errs.append(required(rp.child("http", "paths")))
            for j, p in enumerate(paths):
                errs += _http_path(p, rp.child("http", "paths").index(j))
    return errs


def _tls(spec: Obj, path: Path, allow_invalid_secret_name: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, tls in enumerate(objects(spec, "tls")):
        for j, host in enumerate(strings(tls, "hosts")):
            check = is_wildcard_dns1123_subdomain if "*" in host else is_dns1123_subdomain
            errs += invalid_each(path.index(i).child("hosts").index(j), host, check(host))
        secret = string(tls, "secretName")
        if secret and not allow_invalid_secret_name:
            errs += invalid_each(
                path.index(i).child("secretName"), secret, name_is_dns_subdomain(secret, False)
            )
    return errs


def _ingress_spec(
    spec: Obj, *, allow_invalid_secret_name: bool = False, allow_invalid_wildcard_rule: bool = False
) -> list[FieldError]:
    errs: list[FieldError] = []
    rules = objects(spec, "rules")
    default_backend = opt_obj(spec, "defaultBackend")
    if not rules and default_backend is None:
        value = GoValue(
            "[]networking.IngressRule{}"
            if isinstance(spec.get("rules"), list)
            else "[]networking.IngressRule(nil)"
        )
        errs.append(invalid(_SPEC, value, "either `defaultBackend` or `rules` must be specified"))
    if default_backend is not None:
        errs += _backend(default_backend, _SPEC.child("defaultBackend"))
    if rules:
        errs += _rules(rules, _SPEC.child("rules"), allow_invalid_wildcard_rule)
    if objects(spec, "tls"):
        errs += _tls(spec, _SPEC.child("tls"), allow_invalid_secret_name)
    class_name = opt_string(spec, "ingressClassName")
    if class_name is not None:
        errs += invalid_each(
            _SPEC.child("ingressClassName"), class_name, name_is_dns_subdomain(class_name, False)
        )
    return errs


def validate_ingress(ingress: Obj) -> list[FieldError]:
    """``ValidateIngressCreate``."""
    meta, spec = obj(ingress, "metadata"), obj(ingress, "spec")
    errs = validate_object_meta(meta, namespaced=True, name_fn=name_is_dns_subdomain)
    errs += _ingress_spec(spec)
    annotation = (string_map(meta, "annotations") or {}).get(_INGRESS_CLASS_ANNOTATION)
    class_name = opt_string(spec, "ingressClassName")
    if annotation is not None and class_name is not None and annotation != class_name:
        path = Path.root("annotations").child(_INGRESS_CLASS_ANNOTATION)
        errs.append(invalid(path, annotation, "must match `ingressClassName` when both are specified"))
    return errs


def validate_ingress_update(new: Obj, old: Obj) -> list[FieldError]:
    """``ValidateIngressUpdate``: invalid data already stored keeps validating (ratcheting)."""
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    old_spec = obj(old, "spec")
    bad_secret = any(
        string(t, "secretName") and name_is_dns_subdomain(string(t, "secretName"), False)
        for t in objects(old_spec, "tls")
    )
    bad_wildcard = any(
        "*" in string(r, "host") and _rules([{"http": r.get("http")}], Path.root("x"), False)
        for r in objects(old_spec, "rules")
    )
    errs += validate_object_meta(obj(new, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + _ingress_spec(
        obj(new, "spec"), allow_invalid_secret_name=bad_secret, allow_invalid_wildcard_rule=bad_wildcard
    )


def _ingress_class_spec(spec: Obj) -> list[FieldError]:
    errs: list[FieldError] = []
    controller = string(spec, "controller")
    cpath = _SPEC.child("controller")
    if blen(controller) > 250:
        errs.append(too_long(cpath, 250))
    if not controller:
        errs.append(required(cpath))
    else:
        errs += [invalid(cpath, v, m) for v, m in is_domain_prefixed_path_errors(controller)]
    params = opt_obj(spec, "parameters")
    if params is None:
        return errs
    ppath = _SPEC.child("parameters")
    errs += _typed_reference(params, ppath)
    scope = opt_string(params, "scope")
    if scope is None:
        return [*errs, required(ppath.child("scope"))]
    if scope not in ("Cluster", "Namespace"):
        errs.append(not_supported(ppath.child("scope"), scope, ["Cluster", "Namespace"]))
    elif scope == "Namespace":
        namespace = opt_string(params, "namespace")
        if namespace is None:
            errs.append(required(ppath.child("namespace"), "`parameters.scope` is set to 'Namespace'"))
        else:
            errs += invalid_each(ppath.child("namespace"), namespace, name_is_dns_label(namespace, False))
    elif params.get("namespace") is not None:
        errs.append(forbidden(ppath.child("namespace"), "`parameters.scope` is set to 'Cluster'"))
    return errs


def validate_ingress_class(ic: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(ic, "metadata"), namespaced=False, name_fn=name_is_dns_subdomain)
    return errs + _ingress_class_spec(obj(ic, "spec"))


def validate_ingress_class_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    errs += validate_immutable_field(
        string(obj(new, "spec"), "controller"),
        string(obj(old, "spec"), "controller"),
        _SPEC.child("controller"),
    )
    return errs + validate_ingress_class(new)
