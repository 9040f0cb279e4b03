"""Which field selectors each kind supports, and the field values of an object, as Kubernetes 1.32 has them.

Two upstream pieces per kind, reproduced here as data (:class:`FieldLabels`):

* **Field label conversion** (``AddFieldLabelConversionFunc`` in kubernetes ``pkg/apis/core/v1``,
  ``pkg/apis/events/v1``, ``pkg/apis/batch/v1`` and ``pkg/apis/certificates/v1``, ``conversion.go``):
  the labels a request may use, the label each stands for, and the error for any other. A kind without
  a conversion func gets apimachinery's ``runtime.DefaultMetaV1FieldSelectorConversion``:
  ``metadata.name`` and ``metadata.namespace`` whatever the kind's scope. apps/v1 registers none, so
  ReplicaSet's ``status.replicas`` is rejected there.
* **GetAttrs** (``pkg/registry/*/*/strategy.go``: ``ToSelectableFields``, ``NodeToSelectableFields``, ...):
  the ``fields.Set`` an object exposes, read here from its versioned JSON with Go's zero values for absent
  fields and ``strconv`` spellings (``"true"``/``"false"``, decimal integers). A field the conversion accepts
  but GetAttrs lacks (Pod ``status.podIPs``) reads as ``""``, exactly as upstream.

The API server parses a ``fieldSelector``, calls :meth:`FieldLabels.transform` (a 400 BadRequest carrying
``str(UnsupportedFieldError)`` on failure, as ``endpoints/handlers/get.go`` does), then matches every object's
:meth:`FieldLabels.field_set`. Custom resources follow apiextensions-apiserver's ``crConverter`` and
``selectableFields`` (GA in 1.32): :func:`custom_resource_field_labels`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from pinnace.api.fields import FieldSelector
from pinnace.api.gofmt import go_quote


class UnsupportedFieldError(ValueError):
    """A field label the kind's conversion rejects; ``str(err)`` is upstream's message for that kind."""

    def __init__(self, label: str, message: str) -> None:
        super().__init__(message)
        self.label = label


Object = Mapping[str, Any]
Extractor = Callable[[Object], dict[str, str]]


@dataclass(frozen=True, slots=True)
class FieldLabels:
    """One kind's field selector support: its label conversion and its GetAttrs field set."""

    # Label as a client sends it -> label in the field set (events.k8s.io's regarding.* -> involvedObject.*).
    accepted: Mapping[str, str] = field(hash=False)
    # Reads the field set (metadata included) from an object.
    extract: Extractor
    # Upstream's rejection, with {label} or {quoted} (Go %q) standing for the label.
    rejection: str = "field label not supported: {label}"

    @property
    def supported(self) -> frozenset[str]:
        """The labels a ``fieldSelector`` may use on this kind."""
        return frozenset(self.accepted)

    def convert(self, label: str, value: str) -> tuple[str, str]:
        """The kind's field label conversion func: the label to match, or :class:`UnsupportedFieldError`."""
        canonical = self.accepted.get(label)
        if canonical is None:
            raise UnsupportedFieldError(label, self.rejection.format(label=label, quoted=go_quote(label)))
        return canonical, value

    def transform(self, selector: FieldSelector) -> FieldSelector:
        """``selector.Transform(ConvertFieldLabel)``: the first rejected term (in sorted order) raises."""
        return selector.transform(self.convert)

    def field_set(self, obj: Object) -> dict[str, str]:
        """The object's ``fields.Set`` for matching a transformed selector."""
        return self.extract(obj)


# Reading versioned JSON the way the internal Go structs would hold it ---------------------------------------


def _map(obj: Object, *path: str) -> Mapping[str, Any]:
    node: Any = obj
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _go_string(value: Any) -> str:
    """A JSON scalar as Go prints it (``fmt.Sprint`` / ``strconv``); absent is the zero value ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _go_int(value: Any) -> str:
    """``strconv.Itoa`` of an int32 field: absent is ``"0"``."""
    return _go_string(value) if value is not None else "0"


def _go_bool(value: Any) -> str:
    """``strconv.FormatBool`` / ``fmt.Sprint`` of a bool field: absent is ``"false"``."""
    return "true" if value is True else "false"


def _object_meta(obj: Object, namespaced: bool | None) -> dict[str, str]:
    """``generic.ObjectMetaFieldsSet``; ``namespaced=None`` keeps the namespace if the object has one."""
    metadata = _map(obj, "metadata")
    fields = {"metadata.name": _go_string(metadata.get("name"))}
    if namespaced or (namespaced is None and "namespace" in metadata):
        fields["metadata.namespace"] = _go_string(metadata.get("namespace"))
    return fields


def _with_meta(namespaced: bool | None, specific: Extractor | None = None) -> Extractor:
    def extract(obj: Object) -> dict[str, str]:
        fields = _object_meta(obj, namespaced)
        if specific is not None:
            fields.update(specific(obj))
        return fields

    return extract


def _pod_fields(pod: Object) -> dict[str, str]:
    # pkg/registry/core/pod/strategy.go ToSelectableFields, after v1 -> internal conversion.
    spec, status = _map(pod, "spec"), _map(pod, "status")
    pod_ips = status.get("podIPs") or []
    first = pod_ips[0] if isinstance(pod_ips, list) and pod_ips and isinstance(pod_ips[0], Mapping) else None
    # The internal PodIPs come from podIPs, or from podIP alone when podIPs is empty (conversion.go).
    pod_ip = first.get("ip") if first is not None else status.get("podIP")
    # spec.serviceAccount is the deprecated alias, used when serviceAccountName is empty.
    service_account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    return {
        "spec.nodeName": _go_string(spec.get("nodeName")),
        "spec.restartPolicy": _go_string(spec.get("restartPolicy")),
        "spec.schedulerName": _go_string(spec.get("schedulerName")),
        "spec.serviceAccountName": _go_string(service_account),
        "spec.hostNetwork": _go_bool(spec.get("hostNetwork")),
        "status.phase": _go_string(status.get("phase")),
        "status.podIP": _go_string(pod_ip),
        "status.nominatedNodeName": _go_string(status.get("nominatedNodeName")),
    }


def _event_fields(event: Object) -> dict[str, str]:
    # pkg/registry/core/event/strategy.go ToSelectableFields. events.k8s.io/v1 Events share that storage and
    # field set, so an object in either shape yields the core labels.
    if str(event.get("apiVersion", "")).startswith("events.k8s.io/"):
        involved = _map(event, "regarding")
        reporting = event.get("reportingController")
        source = _map(event, "deprecatedSource").get("component")
    else:
        involved = _map(event, "involvedObject")
        reporting = event.get("reportingComponent")
        source = _map(event, "source").get("component")
    return {
        "involvedObject.kind": _go_string(involved.get("kind")),
        "involvedObject.namespace": _go_string(involved.get("namespace")),
        "involvedObject.name": _go_string(involved.get("name")),
        "involvedObject.uid": _go_string(involved.get("uid")),
        "involvedObject.apiVersion": _go_string(involved.get("apiVersion")),
        "involvedObject.resourceVersion": _go_string(involved.get("resourceVersion")),
        "involvedObject.fieldPath": _go_string(involved.get("fieldPath")),
        "reason": _go_string(event.get("reason")),
        "reportingComponent": _go_string(reporting),
        "source": _go_string(source or reporting),
        "type": _go_string(event.get("type")),
    }


def _legacy_name(obj: Object) -> dict[str, str]:
    # Namespace, PersistentVolume and PersistentVolumeClaim still carry a bare "name" field ("This is a
    # bug, but we need to support it for backward compatibility"); no conversion accepts it, so no
    # request can reach it.
    return {"name": _go_string(_map(obj, "metadata").get("name"))}


def _spec_field(name: str) -> Extractor:
    return lambda obj: {f"spec.{name}": _go_string(_map(obj, "spec").get(name))}


def _status_int(name: str, label: str) -> Extractor:
    return lambda obj: {label: _go_int(_map(obj, "status").get(name))}


def _accept(*labels: str, renamed: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType({**{label: label for label in labels}, **(renamed or {})})


_META = ("metadata.name", "metadata.namespace")
_DEFAULT_REJECTION: Final = (
    '{quoted} is not a known field selector: only "metadata.name", "metadata.namespace"'
)
_DEFAULT_ACCEPTED: Final = _accept(*_META)


def _default(namespaced: bool | None, specific: Extractor | None = None) -> FieldLabels:
    """A kind without a conversion func: ``DefaultMetaV1FieldSelectorConversion``."""
    return FieldLabels(_DEFAULT_ACCEPTED, _with_meta(namespaced, specific), _DEFAULT_REJECTION)


_EVENTS_K8S_IO_ACCEPTED: Final = MappingProxyType(
    {
        "reason": "reason",
        "regarding.kind": "involvedObject.kind",
        "regarding.namespace": "involvedObject.namespace",
        "regarding.name": "involvedObject.name",
        "regarding.uid": "involvedObject.uid",
        "regarding.apiVersion": "involvedObject.apiVersion",
        "regarding.resourceVersion": "involvedObject.resourceVersion",
        "regarding.fieldPath": "involvedObject.fieldPath",
        "reportingController": "reportingComponent",
        "source": "source",
        "type": "type",
        "metadata.namespace": "metadata.namespace",
        "metadata.name": "metadata.name",
    }
)

_BUILTIN: Final[Mapping[tuple[str, str], FieldLabels]] = MappingProxyType(
    {
        ("", "Pod"): FieldLabels(
            _accept(
                *_META,
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
                # Old v1 clients' name for spec.nodeName.
                renamed={"spec.host": "spec.nodeName"},
            ),
            _with_meta(True, _pod_fields),
        ),
        ("", "Node"): FieldLabels(
            _accept("metadata.name", "spec.unschedulable"),
            _with_meta(
                False, lambda node: {"spec.unschedulable": _go_bool(_map(node, "spec").get("unschedulable"))}
            ),
        ),
        ("", "ReplicationController"): FieldLabels(
            _accept(*_META, "status.replicas"),
            _with_meta(True, _status_int("replicas", "status.replicas")),
        ),
        ("", "Event"): FieldLabels(
            _accept(
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
                *_META,
            ),
            _with_meta(True, _event_fields),
        ),
        ("", "Namespace"): FieldLabels(
            _accept("status.phase", "metadata.name"),
            _with_meta(
                False,
                lambda ns: {"status.phase": _go_string(_map(ns, "status").get("phase")), **_legacy_name(ns)},
            ),
        ),
        ("", "Secret"): FieldLabels(
            _accept("type", *_META),
            _with_meta(True, lambda secret: {"type": _go_string(secret.get("type"))}),
        ),
        # spec.clusterIP and spec.type arrived in 1.31 (kubernetes#122541, #123905).
        ("", "Service"): FieldLabels(
            _accept(*_META, "spec.clusterIP", "spec.type"),
            _with_meta(True, lambda svc: {**_spec_field("clusterIP")(svc), **_spec_field("type")(svc)}),
        ),
        ("", "PersistentVolume"): _default(False, _legacy_name),
        ("", "PersistentVolumeClaim"): _default(True, _legacy_name),
        ("events.k8s.io", "Event"): FieldLabels(_EVENTS_K8S_IO_ACCEPTED, _with_meta(True, _event_fields)),
        # GetAttrs has status.replicas, but apps/v1 registers no conversion func to let a request use it.
        ("apps", "ReplicaSet"): _default(True, _status_int("replicas", "status.replicas")),
        ("batch", "Job"): FieldLabels(
            _accept(*_META, "status.successful"),
            _with_meta(True, _status_int("succeeded", "status.successful")),
            "field label {quoted} not supported for batchv1.Job",
        ),
        ("certificates.k8s.io", "CertificateSigningRequest"): FieldLabels(
            _accept("metadata.name", "spec.signerName"),
            _with_meta(False, _spec_field("signerName")),
        ),
    }
)


_DEFAULTS: Final[Mapping[bool | None, FieldLabels]] = MappingProxyType(
    {scope: _default(scope) for scope in (None, True, False)}
)


def field_labels(group: str, kind: str, *, namespaced: bool | None = None) -> FieldLabels:
    """The field selector support of a built-in kind (``""`` is the core group).

    Kinds without their own conversion get the default; ``namespaced`` then decides whether the field set
    holds ``metadata.namespace`` (None: whenever the object has one), which does not change any match.
    """
    found = _BUILTIN.get((group, kind))
    return found if found is not None else _DEFAULTS[namespaced]


def supported_fields(group: str, kind: str) -> frozenset[str]:
    """The field labels a ``fieldSelector`` may use on this kind."""
    return field_labels(group, kind).supported


def field_set(group: str, kind: str, obj: Object) -> dict[str, str]:
    """The object's selectable fields (``GetAttrs``), keyed by the labels a transformed selector uses."""
    return field_labels(group, kind).field_set(obj)


def convert_field_selector(group: str, kind: str, selector: FieldSelector) -> FieldSelector:
    """Convert a parsed selector's labels for this kind, or raise :class:`UnsupportedFieldError`."""
    return field_labels(group, kind).transform(selector)


def _json_path_value(obj: Object, path: str) -> Any:
    node: Any = obj
    for key in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def custom_resource_field_labels(*, namespaced: bool, selectable_fields: Iterable[str] = ()) -> FieldLabels:
    """A custom resource version's support: apiextensions-apiserver's ``crConverter.ConvertFieldLabel`` and
    ``customResourceStrategy.GetAttrs``.

    ``selectable_fields`` are the version's ``selectableFields[].jsonPath`` values (simple dotted paths such
    as ``.spec.color``); each is selectable under its path without the leading dot. Unlike built-in kinds
    without a conversion func, a cluster-scoped custom resource rejects ``metadata.namespace``.
    """
    paths = {path.removeprefix("."): path.removeprefix(".") for path in selectable_fields}
    accepted = _accept("metadata.name", *(["metadata.namespace"] if namespaced else []), renamed=paths)

    def selectable(obj: Object) -> dict[str, str]:
        # Absent or null reads as "", anything else as fmt.Sprint prints it.
        return {label: _go_string(_json_path_value(obj, label)) for label in paths}

    return FieldLabels(accepted, _with_meta(namespaced, selectable))
