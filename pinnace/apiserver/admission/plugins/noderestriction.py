"""NodeRestriction: a kubelet (user ``system:node:<name>`` in group ``system:nodes``) may change only what
belongs to its own node (``plugin/pkg/admission/noderestriction``); the Node authorizer limits what it may
read and which verbs, this plugin which objects and fields.

- pods: create only mirror pods bound to itself and owned by its Node (no service account, secrets,
  configmaps, claims or cluster trust bundles), delete only its own pods; ``status`` of its own pods without
  label or resource-claim changes; ``eviction`` of its own pods; no other subresource;
- its own Node only: no ``configSource``, no taint changes, and no ``node-restriction.kubernetes.io/`` or
  unknown ``kubernetes.io``/``k8s.io`` labels;
- persistentvolumeclaims: ``status`` only, and there only capacity, conditions and allocated resources;
- ``serviceaccounts/token``: only tokens bound to one of its pods;
- its own Lease in ``kube-node-lease`` and its own CSINode.

Off by default, as upstream (kubeadm and k3s turn it on).
"""

from __future__ import annotations

import copy

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, ObjectSource, PluginContext
from pinnace.apiserver.admission.plugins.serviceaccount import MIRROR_POD_ANNOTATION
from pinnace.apiserver.user import NODES_GROUP, UserInfo

NAME = "NodeRestriction"

PODS = GroupVersionResource("", "v1", "pods")
NODES = GroupVersionResource("", "v1", "nodes")
NODE_USER_PREFIX = "system:node:"
NODE_LEASE_NAMESPACE = "kube-node-lease"
NODE_RESTRICTION_LABEL_NAMESPACE = "node-restriction.kubernetes.io"
# k8s.io/kubelet/pkg/apis: the labels a kubelet may set on its Node.
KUBELET_LABELS = frozenset(
    {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
    }
)
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


def node_identity(user: UserInfo | None) -> tuple[str, bool]:
    """``nodeidentifier.NodeIdentity``: (node name, is a node)."""
    if user is None or not user.name.startswith(NODE_USER_PREFIX) or NODES_GROUP not in user.groups:
        return "", False
    return user.name.removeprefix(NODE_USER_PREFIX), True


def _label_namespace(key: str) -> str:
    prefix, slash, _ = key.partition("/")
    return prefix if slash else ""


def _in_namespace(namespace: str, domain: str) -> bool:
    return namespace == domain or namespace.endswith("." + domain)


def is_kubelet_label(key: str) -> bool:
    namespace = _label_namespace(key)
    return key in KUBELET_LABELS or any(_in_namespace(namespace, ns) for ns in KUBELET_LABEL_NAMESPACES)


def forbidden_labels(new: dict[str, str], old: dict[str, str]) -> list[str]:
    """The added, removed or changed labels a kubelet may not touch, sorted."""
    modified = {k for k in new.keys() | old.keys() if new.get(k) != old.get(k)}
    found = set()
    for key in modified:
        namespace = _label_namespace(key)
        if _in_namespace(namespace, NODE_RESTRICTION_LABEL_NAMESPACE):
            found.add(key)
        kubernetes = _in_namespace(namespace, "kubernetes.io") or _in_namespace(namespace, "k8s.io")
        if kubernetes and not is_kubelet_label(key):
            found.add(key)
    return sorted(found)


def _labels(obj: Object | None) -> dict[str, str]:
    labels = ((obj or {}).get("metadata") or {}).get("labels")
    return dict(labels) if isinstance(labels, dict) else {}


def references(spec: Object, what: str) -> bool:
    """Whether a pod spec names a secret (``VisitPodSecretNames``) or a configmap."""
    if what == "secret" and spec.get("imagePullSecrets"):
        return True
    source_key = {"secret": "secret", "configMap": "configMap"}[what]
    for volume in spec.get("volumes") or []:
        if what == "secret" and volume.get("secret") is not None:
            return True
        if what == "configMap" and volume.get("configMap") is not None:
            return True
        for source in (volume.get("projected") or {}).get("sources") or []:
            if source.get(source_key) is not None:
                return True
        if what == "secret":
            for kind in (
                "azureFile",
                "cephfs",
                "cinder",
                "flexVolume",
                "rbd",
                "scaleIO",
                "iscsi",
                "storageos",
                "csi",
            ):
                plugin = volume.get(kind) or {}
                if plugin.get("secretRef") or plugin.get("secretName") or plugin.get("nodePublishSecretRef"):
                    return True
    ref_key = "secretKeyRef" if what == "secret" else "configMapKeyRef"
    from_key = "secretRef" if what == "secret" else "configMapRef"
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if any((env.get("valueFrom") or {}).get(ref_key) for env in container.get("env") or []):
                return True
            if any(env_from.get(from_key) for env_from in container.get("envFrom") or []):
                return True
    return False


class NodeRestriction(Handler):
    def __init__(self, context: PluginContext) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE, Operation.DELETE)
        self.objects: ObjectSource = context.objects

    async def admit(self, attributes: Attributes) -> None:
        node, is_node = node_identity(attributes.user)
        if not is_node:
            return
        if not node:
            raise forbidden(attributes, f'could not determine node from user "{attributes.username}"')
        resource = (attributes.resource.group, attributes.resource.resource)
        if resource == ("", "pods"):
            await self._pod(node, attributes)
        elif resource == ("", "nodes"):
            self._node(node, attributes)
        elif resource == ("", "persistentvolumeclaims"):
            if attributes.subresource != "status":
                raise forbidden(attributes, "may only update PVC status")
            self._claim_status(node, attributes)
        elif resource == ("", "serviceaccounts"):
            await self._token(node, attributes)
        elif resource == ("coordination.k8s.io", "leases"):
            self._own(node, attributes, "lease", NODE_LEASE_NAMESPACE)
        elif resource == ("storage.k8s.io", "csinodes"):
            self._own(node, attributes, "CSINode", None)

    # --- pods -----------------------------------------------------------------------------------------------

    async def _pod(self, node: str, attributes: Attributes) -> None:
        subresource, operation = attributes.subresource, attributes.operation
        if subresource == "":
            if operation is Operation.CREATE:
                await self._mirror_pod(node, attributes)
            elif operation is Operation.DELETE:
                pod = await self._existing_pod(attributes, attributes.name)
                if (pod.get("spec") or {}).get("nodeName") != node:
                    raise forbidden(
                        attributes, f'node "{node}" can only delete pods with spec.nodeName set to itself'
                    )
            else:
                raise forbidden(
                    attributes,
                    f'unexpected operation "{operation}", node "{node}" can only create and delete '
                    "mirror pods",
                )
        elif subresource == "status":
            if operation is not Operation.UPDATE:
                raise forbidden(attributes, f'unexpected operation "{operation}"')
            old = attributes.old_object or {}
            if (old.get("spec") or {}).get("nodeName") != node:
                raise forbidden(
                    attributes,
                    f'node "{node}" can only update pod status for pods with spec.nodeName set to itself',
                )
            if _labels(old) != _labels(attributes.object):
                raise forbidden(attributes, f'node "{node}" cannot update labels through pod status')
            if _claim_statuses(old) != _claim_statuses(attributes.object or {}):
                raise forbidden(attributes, f'node "{node}" cannot update resource claim statues')
        elif subresource == "eviction":
            if operation is not Operation.CREATE:
                raise forbidden(attributes, f"unexpected operation {operation}")
            name = attributes.name or str(((attributes.object or {}).get("metadata") or {}).get("name") or "")
            if not name:
                raise forbidden(attributes, "could not determine pod from request data")
            pod = await self._existing_pod(attributes, name)
            if (pod.get("spec") or {}).get("nodeName") != node:
                raise forbidden(
                    attributes, f"node {node} can only evict pods with spec.nodeName set to itself"
                )
        else:
            raise forbidden(
                attributes,
                f"unexpected pod subresource \"{subresource}\", only 'status' and 'eviction' are allowed",
            )

    async def _existing_pod(self, attributes: Attributes, name: str) -> Object:
        pod = await self.objects.get(PODS, attributes.namespace, name)
        if pod is None:
            raise status.not_found("pods", name)
        return pod

    async def _mirror_pod(self, node: str, attributes: Attributes) -> None:
        pod = attributes.object or {}
        metadata, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        if MIRROR_POD_ANNOTATION not in (metadata.get("annotations") or {}):
            raise forbidden(
                attributes,
                f'pod does not have "{MIRROR_POD_ANNOTATION}" annotation, node "{node}" can only create '
                "mirror pods",
            )
        if spec.get("nodeName") != node:
            raise forbidden(
                attributes, f'node "{node}" can only create pods with spec.nodeName set to itself'
            )
        owners = metadata.get("ownerReferences") or []
        if len(owners) > 1:
            raise forbidden(
                attributes, f'node "{node}" can only create pods with a single owner reference set to itself'
            )
        if not owners:
            raise forbidden(
                attributes, f'node "{node}" can only create pods with an owner reference set to itself'
            )
        owner = owners[0]
        if (owner.get("apiVersion"), owner.get("kind"), owner.get("name")) != ("v1", "Node", node):
            raise forbidden(
                attributes, f'node "{node}" can only create pods with an owner reference set to itself'
            )
        if owner.get("controller") is not True:
            raise forbidden(
                attributes,
                f'node "{node}" can only create pods with a controller owner reference set to itself',
            )
        if owner.get("blockOwnerDeletion") is True:
            raise forbidden(
                attributes, f'node "{node}" must not set blockOwnerDeletion on an owner reference'
            )
        node_object = await self.objects.get(NODES, "", node)
        if node_object is None:
            raise status.not_found("nodes", node)
        node_uid = (node_object.get("metadata") or {}).get("uid", "")
        if owner.get("uid") != node_uid:
            raise forbidden(
                attributes, f"node {node} UID mismatch: expected {owner.get('uid', '')} got {node_uid}"
            )
        if spec.get("serviceAccountName"):
            raise forbidden(attributes, f'node "{node}" can not create pods that reference a service account')
        if references(spec, "secret"):
            raise forbidden(attributes, f'node "{node}" can not create pods that reference secrets')
        if references(spec, "configMap"):
            raise forbidden(attributes, f'node "{node}" can not create pods that reference configmaps')
        for volume in spec.get("volumes") or []:
            for source in (volume.get("projected") or {}).get("sources") or []:
                if source.get("clusterTrustBundle") is not None:
                    raise forbidden(
                        attributes, f'node "{node}" can not create pods that reference clustertrustbundles'
                    )
        if any(volume.get("persistentVolumeClaim") is not None for volume in spec.get("volumes") or []):
            raise forbidden(
                attributes, f'node "{node}" can not create pods that reference persistentvolumeclaims'
            )

    # --- nodes, claims, tokens, leases --------------------------------------------------------------------

    def _node(self, node: str, attributes: Attributes) -> None:
        requested = attributes.name or str(
            ((attributes.object or {}).get("metadata") or {}).get("name") or ""
        )
        if requested != node:
            raise forbidden(attributes, f'node "{node}" is not allowed to modify node "{requested}"')
        new = attributes.object or {}
        spec = new.get("spec") or {}
        if attributes.operation is Operation.CREATE:
            if spec.get("configSource") is not None:
                raise forbidden(
                    attributes, f'node "{node}" is not allowed to create pods with a non-nil configSource'
                )
            labels = forbidden_labels(_labels(new), {})
            if labels:
                raise forbidden(
                    attributes,
                    f'node "{node}" is not allowed to set the following labels: {", ".join(labels)}',
                )
        elif attributes.operation is Operation.UPDATE:
            old = attributes.old_object or {}
            old_spec = old.get("spec") or {}
            if spec.get("configSource") is not None and spec.get("configSource") != old_spec.get(
                "configSource"
            ):
                raise forbidden(
                    attributes,
                    f'node "{node}" is not allowed to update configSource to a new non-nil configSource',
                )
            if (spec.get("taints") or []) != (old_spec.get("taints") or []):
                raise forbidden(attributes, f'node "{node}" is not allowed to modify taints')
            labels = forbidden_labels(_labels(new), _labels(old))
            if labels:
                raise forbidden(attributes, f"is not allowed to modify labels: {', '.join(labels)}")

    def _claim_status(self, node: str, attributes: Attributes) -> None:
        if attributes.operation is not Operation.UPDATE:
            raise forbidden(attributes, f'unexpected operation "{attributes.operation}"')
        old, new = _comparable_claim(attributes.old_object or {}), _comparable_claim(attributes.object or {})
        if old != new:
            changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
            raise forbidden(
                attributes,
                f'node "{node}" is not allowed to update fields other than status.capacity and '
                f"status.conditions: {', '.join(changed)} differ",
            )

    async def _token(self, node: str, attributes: Attributes) -> None:
        if attributes.operation is not Operation.CREATE or attributes.subresource != "token":
            return
        ref = ((attributes.object or {}).get("spec") or {}).get("boundObjectRef") or {}
        if ref.get("apiVersion") != "v1" or ref.get("kind") != "Pod" or not ref.get("name"):
            raise forbidden(attributes, "node requested token not bound to a pod")
        if not ref.get("uid"):
            raise forbidden(attributes, "node requested token with a pod binding without a uid")
        pod = await self._existing_pod(attributes, str(ref["name"]))
        if ref["uid"] != (pod.get("metadata") or {}).get("uid"):
            raise forbidden(
                attributes,
                f"the UID in the bound object reference ({ref['uid']}) does not match the UID in record. "
                "The object might have been deleted and then recreated",
            )
        if (pod.get("spec") or {}).get("nodeName") != node:
            raise forbidden(attributes, "node requested token bound to a pod scheduled on a different node")

    def _own(self, node: str, attributes: Attributes, what: str, namespace: str | None) -> None:
        if namespace is not None and attributes.namespace != namespace:
            raise forbidden(attributes, f'can only access leases in the "{namespace}" system namespace')
        name = attributes.name
        if attributes.operation is Operation.CREATE:
            name = str(((attributes.object or {}).get("metadata") or {}).get("name") or "")
        if name != node:
            target = "node lease" if what == "lease" else "CSINode"
            raise forbidden(attributes, f"can only access {target} with the same name as the requesting node")


def _claim_statuses(pod: Object) -> list[tuple[object, object]]:
    return [
        (s.get("name"), s.get("resourceClaimName"))
        for s in (pod.get("status") or {}).get("resourceClaimStatuses") or []
    ]


def _comparable_claim(claim: Object) -> Object:
    """The claim without what a kubelet may change (``admitPVCStatus``, with
    ``RecoverVolumeExpansionFailure`` on as in 1.32)."""
    out = copy.deepcopy(claim)
    metadata = out.get("metadata") or {}
    metadata.pop("resourceVersion", None)
    metadata.pop("managedFields", None)
    claim_status = out.get("status") or {}
    for key in ("capacity", "conditions", "allocatedResourceStatuses", "allocatedResources"):
        claim_status.pop(key, None)
    return {k: v for k, v in out.items() if v not in ({}, None)}


def new(context: PluginContext) -> NodeRestriction:
    return NodeRestriction(context)
