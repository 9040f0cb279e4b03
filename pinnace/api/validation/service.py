"""Services, on create and on update.

Reproduces ``ValidateService``, ``validateServicePort``, ``ValidateServiceClusterIPsRelatedFields``,
``validateServiceExternalTrafficPolicy``, ``validateServiceInternalTrafficFieldsValue`` and
``ValidateServiceUpdate`` (cluster IPs and IP families may be added or released, never changed) from
``pkg/apis/core/validation/validation.go``. Service names are RFC 1035 labels.

The API server defaults and allocates before it validates: ``type: ClusterIP``, ``sessionAffinity: None``,
port ``protocol: TCP``, ``targetPort`` = ``port``, the traffic policies, ``clusterIPs`` from ``clusterIP``
(and, on update, the allocated values of the old object). Those are assumed here when absent, so raw input
passes where upstream would; node ports and cluster IPs themselves are the allocators' business.
"""

from __future__ import annotations

from typing import Any, Final

from pinnace.api.gofmt import GoValue, go_quote, go_string_slice
from pinnace.api.names import (
    CIDR_ERROR,
    IP_ADDRESS_ERROR,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_port_num,
    name_is_dns1035_label,
    parse_cidr_sloppy,
    parse_ip_sloppy,
)
from pinnace.api.validation.container import PROTOCOLS, validate_port_num_or_name
from pinnace.api.validation.field import (
    FieldError,
    Path,
    duplicate,
    forbidden,
    invalid,
    invalid_each,
    not_supported,
    required,
)
from pinnace.api.validation.meta import validate_labels, validate_object_meta, validate_object_meta_update
from pinnace.api.validation.values import Obj, integer, obj, objects, opt_obj, string, string_map, strings

_SPEC: Final = Path.root("spec")
_TYPES: Final = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
_TOPOLOGY_MODE: Final = "service.kubernetes.io/topology-mode"
_TOPOLOGY_HINTS: Final = "service.kubernetes.io/topology-aware-hints"
_LB_SOURCE_RANGES: Final = "service.beta.kubernetes.io/load-balancer-source-ranges"
_MAX_AFFINITY_TIMEOUT: Final = 86400


def _type(spec: Obj) -> str:
    return string(spec, "type") or "ClusterIP"


def _cluster_ips(spec: Obj) -> list[str]:
    """``clusterIPs`` as the strategy leaves it: filled from ``clusterIP`` when only that is set."""
    ips = strings(spec, "clusterIPs")
    if not ips and string(spec, "clusterIP") and _type(spec) != "ExternalName":
        return [string(spec, "clusterIP")]
    return ips


def _headless(spec: Obj) -> bool:
    ips = _cluster_ips(spec)
    return len(ips) == 1 and ips[0] == "None"


def _externally_accessible(spec: Obj) -> bool:
    t = _type(spec)
    return t in ("LoadBalancer", "NodePort") or (t == "ClusterIP" and bool(strings(spec, "externalIPs")))


def _go_service_port(protocol: str, port: int) -> GoValue:
    return GoValue(
        f'core.ServicePort{{Name:"", Protocol:{go_quote(protocol)}, AppProtocol:(*string)(nil), Port:{port}, '
        'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
    )


def _service_port(sp: Obj, require_name: bool, names: set[str], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    name = string(sp, "name")
    if require_name and not name:
        errs.append(required(path.child("name")))
    elif name:
        errs += invalid_each(path.child("name"), name, is_dns1123_label(name))
        if name in names:
            errs.append(duplicate(path.child("name"), name))
        names.add(name)
    port = integer(sp, "port") or 0
    errs += invalid_each(path.child("port"), port, is_valid_port_num(port))
    protocol = string(sp, "protocol") or "TCP"
    if protocol not in PROTOCOLS:
        errs.append(not_supported(path.child("protocol"), protocol, PROTOCOLS))
    target: Any = sp.get("targetPort")
    if target in (None, 0, ""):
        target = port  # SetDefaults_Service: targetPort defaults to port
    errs += validate_port_num_or_name(target, path.child("targetPort"))
    app_protocol = sp.get("appProtocol")
    if isinstance(app_protocol, str):
        errs += invalid_each(path.child("appProtocol"), app_protocol, is_qualified_name(app_protocol))
    return errs


def _cluster_ip_fields(spec: Obj) -> list[FieldError]:
    if _type(spec) == "ExternalName":
        return []
    errs: list[FieldError] = []
    ips_path = _SPEC.child("clusterIPs")
    cluster_ip, ips = string(spec, "clusterIP"), _cluster_ips(spec)
    if cluster_ip:
        if not ips:
            errs.append(required(ips_path))
        elif ips[0] != cluster_ip:
            errs.append(invalid(ips_path, go_string_slice(ips), "first value must match `clusterIP`"))
    elif ips:
        errs.append(
            invalid(ips_path, go_string_slice(ips), "must be empty when `clusterIP` is not specified")
        )
    families = strings(spec, "ipFamilies")
    seen: set[str] = set()
    for i, family in enumerate(families):
        if family not in ("IPv4", "IPv6"):
            errs.append(not_supported(_SPEC.child("ipFamilies").index(i), family, ["IPv4", "IPv6"]))
        if family in seen:
            errs.append(duplicate(_SPEC.child("ipFamilies").index(i), family))
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    policies = ["PreferDualStack", "RequireDualStack", "SingleStack"]
    if isinstance(policy, str) and policy not in policies:
        errs.append(not_supported(_SPEC.child("ipFamilyPolicy"), policy, policies))
    bad_ip = False
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                bad_ip = True
                errs.append(
                    invalid(ips_path, go_string_slice(ips), "'None' must be the first and only value")
                )
            continue
        if parse_ip_sloppy(ip) is None:
            bad_ip = True
            errs.append(invalid(ips_path.index(i), ip, IP_ADDRESS_ERROR))
    if len(ips) > 2:
        errs.append(invalid(ips_path, go_string_slice(ips), "may only hold up to 2 values"))
    if bad_ip:
        return errs
    parsed = [parse_ip_sloppy(ip) for ip in ips]
    if len(ips) > 1 and len({p.version for p in parsed if p is not None}) != len(ips):
        errs.append(
            invalid(ips_path, go_string_slice(ips), "may specify no more than one IP for each IP family")
        )
    if not _headless(spec) and ips and families:
        for i, ip_addr in enumerate(parsed[: len(families)]):
            if ip_addr is None:
                continue
            if families[i] == "IPv4" and ip_addr.version == 6:
                detail = f"expected an IPv4 value as indicated by `ipFamilies[{i}]`"
                errs.append(invalid(ips_path.index(i), ips[i], detail))
            if families[i] == "IPv6" and ip_addr.version != 6:
                detail = f"expected an IPv6 value as indicated by `ipFamilies[{i}]`"
                errs.append(invalid(ips_path.index(i), ips[i], detail))
    return errs


def validate_service_spec(service: Obj) -> list[FieldError]:
    """``ValidateService`` without the metadata checks."""
    errs: list[FieldError] = []
    meta, spec = obj(service, "metadata"), obj(service, "spec")
    annotations = string_map(meta, "annotations") or {}
    mode, hints = annotations.get(_TOPOLOGY_MODE), annotations.get(_TOPOLOGY_HINTS)
    if mode is not None and hints is not None and mode != hints:
        detail = f"must match annotations[{_TOPOLOGY_HINTS}] when both are specified"
        errs.append(invalid(Path.root("metadata").child("annotations").key(_TOPOLOGY_MODE), mode, detail))
    svc_type, ports, headless = _type(spec), objects(spec, "ports"), _headless(spec)
    if not ports and not headless and svc_type != "ExternalName":
        errs.append(required(_SPEC.child("ports")))
    if svc_type in ("LoadBalancer", "NodePort") and headless:
        detail = f"may not be set to 'None' for {svc_type} services"
        errs.append(invalid(_SPEC.child("clusterIPs").index(0), "None", detail))
    elif svc_type == "ExternalName":
        if _cluster_ips(spec):
            errs.append(forbidden(_SPEC.child("clusterIPs"), "may not be set for ExternalName services"))
        if strings(spec, "ipFamilies"):
            errs.append(forbidden(_SPEC.child("ipFamilies"), "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            errs.append(forbidden(_SPEC.child("ipFamilyPolicy"), "may not be set for ExternalName services"))
        cname = string(spec, "externalName").removesuffix(".")
        if cname:
            errs += invalid_each(_SPEC.child("externalName"), cname, is_dns1123_subdomain(cname))
        else:
            errs.append(required(_SPEC.child("externalName")))
    names: set[str] = set()
    for i, port in enumerate(ports):
        errs += _service_port(port, len(ports) > 1, names, _SPEC.child("ports").index(i))
    selector = string_map(spec, "selector")
    if selector is not None:
        errs += validate_labels(selector, _SPEC.child("selector"))
    affinity = string(spec, "sessionAffinity") or "None"
    if affinity not in ("ClientIP", "None"):
        errs.append(not_supported(_SPEC.child("sessionAffinity"), affinity, ["ClientIP", "None"]))
    affinity_config = opt_obj(spec, "sessionAffinityConfig")
    config_path = _SPEC.child("sessionAffinityConfig")
    if affinity == "ClientIP" and affinity_config is not None:
        timeout = integer(obj(affinity_config, "clientIP"), "timeoutSeconds")
        if timeout is not None and not 0 < timeout <= _MAX_AFFINITY_TIMEOUT:
            detail = f"must be greater than 0 and less than {_MAX_AFFINITY_TIMEOUT}"
            errs.append(invalid(config_path.child("clientIP", "timeoutSeconds"), timeout, detail))
    elif affinity == "None" and affinity_config is not None:
        errs.append(forbidden(config_path, "must not be set when session affinity is None"))
    errs += _cluster_ip_fields(spec)
    for i, ip in enumerate(strings(spec, "externalIPs")):
        errs += _external_ip(ip, _SPEC.child("externalIPs").index(i))
    if svc_type not in _TYPES:
        errs.append(not_supported(_SPEC.child("type"), svc_type, _TYPES))
    if svc_type == "ClusterIP":
        for i, port in enumerate(ports):
            if integer(port, "nodePort"):
                p = _SPEC.child("ports").index(i).child("nodePort")
                errs.append(forbidden(p, "may not be used when `type` is 'ClusterIP'"))
    node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        node_port = integer(port, "nodePort") or 0
        if not node_port:
            continue
        key = (string(port, "protocol") or "TCP", node_port)
        if key in node_ports:
            errs.append(duplicate(_SPEC.child("ports").index(i).child("nodePort"), node_port))
        node_ports.add(key)
    port_keys: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        key = (string(port, "protocol") or "TCP", integer(port, "port") or 0)
        if key in port_keys:
            errs.append(duplicate(_SPEC.child("ports").index(i), _go_service_port(*key)))
        port_keys.add(key)
    errs += _source_ranges(spec, annotations, svc_type)
    if spec.get("allocateLoadBalancerNodePorts") is not None and svc_type != "LoadBalancer":
        p = _SPEC.child("allocateLoadBalancerNodePorts")
        errs.append(forbidden(p, "may only be used when `type` is 'LoadBalancer'"))
    lb_class = spec.get("loadBalancerClass")
    if isinstance(lb_class, str):
        if svc_type == "LoadBalancer":
            errs += invalid_each(_SPEC.child("loadBalancerClass"), lb_class, is_qualified_name(lb_class))
        else:
            errs.append(
                forbidden(_SPEC.child("loadBalancerClass"), "may only be used when `type` is 'LoadBalancer'")
            )
    errs += _traffic_policies(spec, svc_type)
    return errs


def _external_ip(ip: str, path: Path) -> list[FieldError]:
    parsed = parse_ip_sloppy(ip)
    if parsed is None:
        return [invalid(path, ip, IP_ADDRESS_ERROR)]
    errs: list[FieldError] = []
    if parsed.is_unspecified:
        errs.append(invalid(path, ip, f"may not be unspecified ({ip})"))
    if parsed.is_loopback:
        errs.append(invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
    if parsed.is_link_local:
        errs.append(invalid(path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
    if parsed.is_multicast and (str(parsed).startswith("224.0.0.") or str(parsed).startswith("ff02:")):
        errs.append(
            invalid(path, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
        )
    return errs


def _source_ranges(spec: Obj, annotations: dict[str, str], svc_type: str) -> list[FieldError]:
    errs: list[FieldError] = []
    ranges = strings(spec, "loadBalancerSourceRanges")
    if ranges:
        p = _SPEC.child("LoadBalancerSourceRanges")
        if svc_type != "LoadBalancer":
            errs.append(forbidden(p, "may only be used when `type` is 'LoadBalancer'"))
        for i, value in enumerate(ranges):
            if parse_cidr_sloppy(value.strip()) is None:
                errs.append(invalid(p.index(i), value.strip(), CIDR_ERROR))
    elif _LB_SOURCE_RANGES in annotations:
        p = Path.root("metadata", "annotations").key(_LB_SOURCE_RANGES)
        if svc_type != "LoadBalancer":
            errs.append(forbidden(p, "may only be used when `type` is 'LoadBalancer'"))
        value = annotations[_LB_SOURCE_RANGES].strip()
        for cidr in value.split(",") if value else []:
            if parse_cidr_sloppy(cidr.strip()) is None:
                errs.append(invalid(p, cidr.strip(), CIDR_ERROR))
    return errs


def _traffic_policies(spec: Obj, svc_type: str) -> list[FieldError]:
    errs: list[FieldError] = []
    external = string(spec, "externalTrafficPolicy")
    if not _externally_accessible(spec):
        if external:
            detail = "may only be set for externally-accessible services"
            errs.append(invalid(_SPEC.child("externalTrafficPolicy"), external, detail))
    elif external and external not in ("Cluster", "Local"):
        errs.append(not_supported(_SPEC.child("externalTrafficPolicy"), external, ["Cluster", "Local"]))
    health = integer(spec, "healthCheckNodePort") or 0
    needs_health_check = svc_type == "LoadBalancer" and external == "Local"
    if not needs_health_check and health:
        detail = "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
        errs.append(invalid(_SPEC.child("healthCheckNodePort"), health, detail))
    elif needs_health_check and health:
        errs += invalid_each(_SPEC.child("healthCheckNodePort"), health, is_valid_port_num(health))
    internal = spec.get("internalTrafficPolicy")
    if isinstance(internal, str) and internal not in ("Cluster", "Local"):
        errs.append(not_supported(_SPEC.child("internalTrafficPolicy"), internal, ["Cluster", "Local"]))
    distribution = spec.get("trafficDistribution")
    if isinstance(distribution, str) and distribution != "PreferClose":
        errs.append(not_supported(_SPEC.child("trafficDistribution"), distribution, ["PreferClose"]))
    return errs


def validate_service(service: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(service, "metadata"), namespaced=True, name_fn=name_is_dns1035_label)
    return errs + validate_service_spec(service)


def _with_allocated(new: Obj, old: Obj) -> Obj:
    """``patchAllocatedValues``: an update that omits the cluster IPs keeps the allocated ones."""
    new_spec, old_spec = obj(new, "spec"), obj(old, "spec")
    if "ExternalName" in (_type(new_spec), _type(old_spec)) or string(new_spec, "clusterIP"):
        return new
    spec = dict(new_spec)
    for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        if spec.get(key) in (None, "", []) and old_spec.get(key) is not None:
            spec[key] = old_spec[key]
    return {**new, "spec": spec}


def _ip_changes(new_spec: Obj, old_spec: Obj) -> list[FieldError]:
    if "ExternalName" in (_type(new_spec), _type(old_spec)):
        return []
    errs: list[FieldError] = []
    new_ips, old_ips = _cluster_ips(new_spec), _cluster_ips(old_spec)
    new_headless, old_headless = _headless(new_spec), _headless(old_spec)
    path = _SPEC.child("clusterIPs")
    value = go_string_slice(new_ips)
    if not (old_headless and new_headless):
        if len(old_ips) == len(new_ips):
            for i, ip in enumerate(old_ips):
                if ip != new_ips[i]:
                    errs.append(invalid(path.index(i), value, "may not change once set"))
        elif len(old_ips) > len(new_ips):
            if not new_ips:
                errs.append(invalid(path.index(0), value, "primary clusterIP can not be unset"))
            elif new_ips[0] != old_ips[0]:
                errs.append(invalid(path.index(0), value, "may not change once set"))
            if len(new_ips) == 1 and new_spec.get("ipFamilyPolicy") != "SingleStack":
                detail = "must be set to 'SingleStack' when releasing the secondary clusterIP"
                errs.append(invalid(_SPEC.child("ipFamilyPolicy"), new_spec.get("ipFamilyPolicy"), detail))
        elif old_ips and new_ips[0] != old_ips[0]:
            errs.append(invalid(path.index(0), value, "may not change once set"))
    if new_headless != old_headless or new_headless:
        return errs
    new_fam, old_fam = strings(new_spec, "ipFamilies"), strings(old_spec, "ipFamilies")
    fam_path = _SPEC.child("ipFamilies").index(0)
    if len(new_fam) == len(old_fam):
        errs += [
            invalid(fam_path, go_string_slice(new_fam, "[]core.IPFamily"), "may not change once set")
            for i, f in enumerate(old_fam)
            if f != new_fam[i]
        ]
    elif len(old_fam) > len(new_fam):
        if new_fam and new_fam[0] != old_fam[0]:
            errs.append(invalid(fam_path, go_string_slice(new_ips), "may not change once set"))
        if len(new_fam) == 1 and new_spec.get("ipFamilyPolicy") != "SingleStack":
            detail = "must be set to 'SingleStack' when releasing the secondary ipFamily"
            errs.append(invalid(_SPEC.child("ipFamilyPolicy"), new_spec.get("ipFamilyPolicy"), detail))
    elif old_fam and new_fam[0] != old_fam[0]:
        errs.append(invalid(fam_path, go_string_slice(new_ips), "may not change once set"))
    return errs


def validate_service_update(new: Obj, old: Obj) -> list[FieldError]:
    """``ValidateServiceUpdate``."""
    new = _with_allocated(new, old)
    new_spec, old_spec = obj(new, "spec"), obj(old, "spec")
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    errs += _ip_changes(new_spec, old_spec)
    if _type(new_spec) == "LoadBalancer" == _type(old_spec) and new_spec.get(
        "loadBalancerClass"
    ) != old_spec.get("loadBalancerClass"):
        errs.append(
            invalid(
                _SPEC.child("loadBalancerClass"), new_spec.get("loadBalancerClass"), "may not change once set"
            )
        )

    def needs_health_check(spec: Obj) -> bool:
        return _type(spec) == "LoadBalancer" and string(spec, "externalTrafficPolicy") == "Local"

    if needs_health_check(new_spec) and needs_health_check(old_spec):
        new_port, old_port = (
            integer(new_spec, "healthCheckNodePort"),
            integer(old_spec, "healthCheckNodePort"),
        )
        if new_port and new_port != old_port:
            errs.append(forbidden(_SPEC.child("healthCheckNodePort"), "field is immutable"))
    return errs + validate_service(new)
