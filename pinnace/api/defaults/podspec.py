"""Defaults of a pod spec and pod template, shared by every kind that embeds one.

Reproduces what ``kubernetes/pkg/apis/core/v1/zz_generated.defaults.go`` runs for each ``PodSpec`` (in Pods,
PodTemplates, ReplicationControllers and, through the same calls, in apps/v1 and batch/v1 templates):
``SetDefaults_PodSpec``, ``SetDefaults_Volume`` and the per-source volume defaults, ``SetDefaults_Container``
with its ports, env field refs, probes and lifecycle handlers, and ``SetDefaults_ResourceList`` on container
resources (all from ``pkg/apis/core/v1/defaults.go``), plus the declarative ``+default`` markers of
``k8s.io/api/core/v1/types.go`` (container port protocol ``TCP``, gRPC probe service ``""``).

Two more things a real cluster shows for every pod template are reproduced here too:

- Go always serializes non-pointer struct fields, so a container shows ``resources: {}`` and a template's
  metadata shows ``creationTimestamp: null`` even when the user wrote neither.
- The v1 conversion (``pkg/apis/core/v1/conversion.go``) keeps the deprecated ``serviceAccount`` equal to
  ``serviceAccountName``.

Defaults that upstream applies to Pod objects only (requests from limits, ``enableServiceLinks``, host ports
on the host network) live in :mod:`pinnace.api.defaults.core`, because upstream deliberately keeps them out of
templates (kubernetes#69445).
"""

from __future__ import annotations

import re

from pinnace.api.defaults._fields import (
    Obj,
    child,
    default_resource_list,
    default_unset,
    default_zero,
    ensure_child,
    items,
    path,
)

# k8s.io/api/core/v1 constants.
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_SCHEDULER_NAME = "default-scheduler"
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_VOLUME_MODE = 0o644  # Secret/ConfigMap/DownwardAPI/Projected DefaultMode: 420 in JSON
SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3600

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")

# Every field of v1.VolumeSource: a volume naming none of them gets an emptyDir (ptr.AllPtrFieldsNil).
VOLUME_SOURCES = frozenset(
    {
        "awsElasticBlockStore",
        "azureDisk",
        "azureFile",
        "cephfs",
        "cinder",
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "fc",
        "flexVolume",
        "flocker",
        "gcePersistentDisk",
        "gitRepo",
        "glusterfs",
        "hostPath",
        "image",
        "iscsi",
        "nfs",
        "persistentVolumeClaim",
        "photonPersistentDisk",
        "portworxVolume",
        "projected",
        "quobyte",
        "rbd",
        "scaleIO",
        "secret",
        "storageos",
        "vsphereVolume",
    }
)


# --- image references (k8s.io/kubernetes/pkg/util/parsers.ParseImageName over distribution/reference) ---

_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)
_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")


def image_tag(image: object) -> str:
    """The tag ``ParseImageName`` reports: ``latest`` for a bare name, ``""`` if digest-only or invalid."""
    if not isinstance(image, str) or _IDENTIFIER.fullmatch(image):
        return ""
    match = _REFERENCE.fullmatch(image)
    if match is None or len(match["name"]) > 255:
        return ""
    if match["digest"]:
        algorithm, _, hex_digits = match["digest"].partition(":")
        if _DIGEST_HEX_LENGTH.get(algorithm) != len(hex_digits):
            return ""  # upstream: "unsupported digest algorithm" / "invalid checksum digest length"
    if match["tag"]:
        return match["tag"]
    return "" if match["digest"] else "latest"


def pull_policy(image: object) -> str:
    """``SetDefaults_Container``: Always for ``:latest`` (or no tag), IfNotPresent otherwise."""
    return "Always" if image_tag(image) == "latest" else "IfNotPresent"


# --- containers ---


def default_http_get(action: Obj | None) -> None:
    """``SetDefaults_HTTPGetAction``."""
    if action is not None:
        default_zero(action, "path", "/")
        default_zero(action, "scheme", "HTTP")


def default_probe(probe: Obj | None) -> None:
    """``SetDefaults_Probe`` (value fields: an explicit 0 is defaulted too) and its handlers."""
    if probe is None:
        return
    default_zero(probe, "timeoutSeconds", 1)
    default_zero(probe, "periodSeconds", 10)
    default_zero(probe, "successThreshold", 1)
    default_zero(probe, "failureThreshold", 3)
    default_http_get(child(probe, "httpGet"))
    grpc = child(probe, "grpc")
    if grpc is not None:
        default_unset(grpc, "service", "")  # GRPCAction.Service: +default=""


def default_container(container: Obj) -> None:
    """``SetDefaults_Container`` plus everything zz_generated runs below a container."""
    if is_unset_string(container.get("imagePullPolicy")):
        container["imagePullPolicy"] = pull_policy(container.get("image"))
    default_zero(container, "terminationMessagePath", TERMINATION_MESSAGE_PATH)
    default_zero(container, "terminationMessagePolicy", "File")
    for port in items(container, "ports"):
        default_zero(port, "protocol", "TCP")  # ContainerPort.Protocol: +default="TCP"
    for env in items(container, "env"):
        field_ref = path(env, "valueFrom", "fieldRef")
        if field_ref is not None:
            default_zero(field_ref, "apiVersion", "v1")  # SetDefaults_ObjectFieldSelector
    # ResourceRequirements is a value field of Container: Go always writes it, as {} when empty.
    resources = ensure_child(container, "resources")
    default_resource_list(resources, "limits")
    default_resource_list(resources, "requests")
    for probe in PROBES:
        default_probe(child(container, probe))
    lifecycle = child(container, "lifecycle")
    for hook in ("postStart", "preStop"):
        default_http_get(path(lifecycle, hook, "httpGet"))


def is_unset_string(value: object) -> bool:
    return value is None or value == ""


# --- volumes ---


def default_object_meta(meta_owner: Obj) -> None:
    """An embedded ObjectMeta is a value field: Go writes it with ``creationTimestamp: null`` (zero Time)."""
    meta = ensure_child(meta_owner, "metadata")
    if "creationTimestamp" not in meta:
        meta["creationTimestamp"] = None


def default_pvc_spec(spec: Obj | None) -> None:
    """``SetDefaults_PersistentVolumeClaimSpec`` and the ResourceLists below it."""
    if spec is None:
        return
    default_unset(spec, "volumeMode", "Filesystem")
    # VolumeResourceRequirements is a value field of the claim spec: Go writes it, as {} when empty.
    resources = ensure_child(spec, "resources")
    default_resource_list(resources, "limits")
    default_resource_list(resources, "requests")


def default_rbd(source: Obj | None) -> None:
    """``SetDefaults_RBDVolumeSource`` / ``RBDPersistentVolumeSource``."""
    if source is not None:
        default_zero(source, "pool", "rbd")
        default_zero(source, "user", "admin")
        default_zero(source, "keyring", "/etc/ceph/keyring")


def default_iscsi(source: Obj | None) -> None:
    """``SetDefaults_ISCSIVolumeSource`` / ``ISCSIPersistentVolumeSource``."""
    if source is not None:
        default_zero(source, "iscsiInterface", "default")


def default_azure_disk(source: Obj | None) -> None:
    """``SetDefaults_AzureDiskVolumeSource`` (all pointer fields)."""
    if source is not None:
        default_unset(source, "cachingMode", "ReadWrite")
        default_unset(source, "kind", "Shared")
        default_unset(source, "fsType", "ext4")
        default_unset(source, "readOnly", False)


def default_scale_io(source: Obj | None) -> None:
    """``SetDefaults_ScaleIOVolumeSource`` / ``ScaleIOPersistentVolumeSource``."""
    if source is not None:
        default_zero(source, "storageMode", "ThinProvisioned")
        default_zero(source, "fsType", "xfs")


def default_host_path(source: Obj | None) -> None:
    """``SetDefaults_HostPathVolumeSource``: type ``""`` (HostPathUnset), which real clusters show."""
    if source is not None:
        default_unset(source, "type", "")


def _default_downward_items(source: Obj | None) -> None:
    for item in items(source, "items"):
        field_ref = child(item, "fieldRef")
        if field_ref is not None:
            default_zero(field_ref, "apiVersion", "v1")


def default_volume(volume: Obj) -> None:
    """``SetDefaults_Volume`` and the per-source defaults zz_generated runs for a pod volume."""
    if all(volume.get(source) is None for source in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    default_host_path(child(volume, "hostPath"))
    for mode_source in ("secret", "configMap", "downwardAPI", "projected"):
        source = child(volume, mode_source)
        if source is not None:
            default_unset(source, "defaultMode", DEFAULT_VOLUME_MODE)
    _default_downward_items(child(volume, "downwardAPI"))
    for projection in items(child(volume, "projected"), "sources"):
        _default_downward_items(child(projection, "downwardAPI"))
        token = child(projection, "serviceAccountToken")
        if token is not None:
            default_unset(token, "expirationSeconds", SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS)
    default_iscsi(child(volume, "iscsi"))
    default_rbd(child(volume, "rbd"))
    default_azure_disk(child(volume, "azureDisk"))
    default_scale_io(child(volume, "scaleIO"))
    claim_template = path(volume, "ephemeral", "volumeClaimTemplate")
    if claim_template is not None:
        default_object_meta(claim_template)
        default_pvc_spec(ensure_child(claim_template, "spec"))


# --- pod spec and template ---


def default_service_account_alias(spec: Obj) -> None:
    """Keep ``serviceAccount`` (deprecated) equal to ``serviceAccountName``, as the v1 conversion does.

    v1 -> internal takes ``serviceAccount`` only when ``serviceAccountName`` is empty; internal -> v1 always
    writes ``serviceAccount = serviceAccountName``.
    """
    name = spec.get("serviceAccountName")
    alias = spec.get("serviceAccount")
    if is_unset_string(name) and isinstance(alias, str) and alias:
        spec["serviceAccountName"] = name = alias
    if isinstance(name, str) and name:
        spec["serviceAccount"] = name


def default_pod_spec(spec: Obj) -> None:
    """``SetDefaults_PodSpec`` and everything below a PodSpec (volumes, containers, overhead)."""
    default_zero(spec, "dnsPolicy", "ClusterFirst")
    # Jobs get Always too: upstream defaults it here and batch validation then rejects it, so a Job must say
    # OnFailure or Never itself.
    default_zero(spec, "restartPolicy", "Always")
    default_unset(spec, "securityContext", {})
    default_unset(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    default_zero(spec, "schedulerName", DEFAULT_SCHEDULER_NAME)
    default_service_account_alias(spec)
    for volume in items(spec, "volumes"):
        default_volume(volume)
    for containers in CONTAINER_LISTS:
        for container in items(spec, containers):
            default_container(container)
    default_resource_list(spec, "overhead")


def default_pod_template(owner: Obj, key: str = "template") -> None:
    """Defaults of the PodTemplateSpec at ``owner[key]`` (created empty if absent, as a Go value field)."""
    template = ensure_child(owner, key)
    default_object_meta(template)
    default_pod_spec(ensure_child(template, "spec"))
