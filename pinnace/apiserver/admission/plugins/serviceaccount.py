"""ServiceAccount: every pod runs as a service account that exists, and gets its API credentials mounted
(``plugin/pkg/admission/serviceaccount``).

On pod create: ``serviceAccountName`` defaults to ``default``; the account must exist (the default one is
looked for up to ten times, since the serviceaccount controller creates it with the namespace); unless
the pod or the account opts out (``automountServiceAccountToken: false``) every container and init
container mounts a projected ``kube-api-access-<5 chars>`` volume at
``/var/run/secrets/kubernetes.io/serviceaccount`` with a bound token (3607 s), the cluster CA from the
``kube-root-ca.crt`` ConfigMap and the namespace; a pod without ``imagePullSecrets`` takes the account's.
An account annotated ``kubernetes.io/enforce-mountable-secrets: "true"`` limits the secrets the pod may
use to those it lists. Mirror pods (static pods the kubelet reports) may reference neither accounts nor
secrets.
"""

from __future__ import annotations

import random
from typing import Any

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, ObjectSource, PluginContext
from pinnace.apiserver.rest.objectmeta import generate_name

NAME = "ServiceAccount"

SERVICE_ACCOUNTS = GroupVersionResource("", "v1", "serviceaccounts")
DEFAULT_SERVICE_ACCOUNT_NAME = "default"
ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = "kubernetes.io/enforce-mountable-secrets"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
SERVICE_ACCOUNT_VOLUME_NAME = "kube-api-access"
DEFAULT_API_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
# serviceaccount.WarnOnlyBoundTokenExpirationSeconds: one hour and 7 s, so the kubelet's refresh at 80%
# of the lifetime stays recognisable in audit logs.
BOUND_TOKEN_EXPIRATION_SECONDS = 3607
PROJECTED_VOLUME_DEFAULT_MODE = 0o644
# How often the default account is looked for before the pod is refused (the controller creates it).
DEFAULT_ACCOUNT_ATTEMPTS = 10


def token_volume_source() -> Object:
    """``TokenVolumeSource()``: the projected volume every pod's API credentials come from."""
    return {
        "defaultMode": PROJECTED_VOLUME_DEFAULT_MODE,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": BOUND_TOKEN_EXPIRATION_SECONDS, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {
                "downwardAPI": {
                    "items": [
                        {
                            "path": "namespace",
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                        }
                    ]
                }
            },
        ],
    }


def _should_automount(account: Object, spec: Object) -> bool:
    """The pod's preference wins, then the account's; the default is to mount."""
    if isinstance(spec.get("automountServiceAccountToken"), bool):
        return bool(spec["automountServiceAccountToken"])
    if isinstance(account.get("automountServiceAccountToken"), bool):
        return bool(account["automountServiceAccountToken"])
    return True


def mount_service_account_token(spec: Object, volume_name: str) -> None:
    """Mount the API credentials in every (init) container that has nothing at the mount path yet."""
    volumes = [v for v in spec.get("volumes") or [] if isinstance(v, dict)]
    existing = next(
        (v["name"] for v in volumes if str(v.get("name", "")).startswith(SERVICE_ACCOUNT_VOLUME_NAME + "-")),
        None,
    )
    name = existing or volume_name
    mount = {"name": name, "readOnly": True, "mountPath": DEFAULT_API_TOKEN_MOUNT_PATH}
    needs_volume = False
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or []:
            mounts = container.get("volumeMounts") or []
            if any(m.get("mountPath") == DEFAULT_API_TOKEN_MOUNT_PATH for m in mounts):
                continue
            container["volumeMounts"] = [*mounts, dict(mount)]
            needs_volume = True
    if existing is None and needs_volume:
        spec["volumes"] = [*volumes, {"name": name, "projected": token_volume_source()}]


class ServiceAccount(Handler):
    def __init__(self, context: PluginContext, *, rng: random.Random | None = None) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE)
        self.objects: ObjectSource = context.objects
        self.sleep = context.sleep
        self.mount_service_account_token = True
        self.limit_secret_references = False
        self.rng = rng or random.Random()

    def _ignored(self, attributes: Attributes) -> bool:
        resource = attributes.resource
        return (
            (resource.group, resource.resource) != ("", "pods")
            or attributes.subresource not in ("", "ephemeralcontainers")
            or attributes.object is None
        )

    async def admit(self, attributes: Attributes) -> None:
        if self._ignored(attributes) or attributes.operation is not Operation.CREATE:
            return
        pod = attributes.object
        assert pod is not None
        if MIRROR_POD_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {}):
            await self.validate(attributes)
            return
        spec = pod.setdefault("spec", {})
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = DEFAULT_SERVICE_ACCOUNT_NAME
            # The v1 conversion keeps the deprecated field equal to the name; defaulting has run already.
            spec["serviceAccount"] = DEFAULT_SERVICE_ACCOUNT_NAME
        account = await self._account(attributes, spec["serviceAccountName"])
        if self.mount_service_account_token and _should_automount(account, spec):
            mount_service_account_token(spec, generate_name(SERVICE_ACCOUNT_VOLUME_NAME + "-"))
        if not spec.get("imagePullSecrets"):
            pull_secrets = [{"name": s.get("name", "")} for s in account.get("imagePullSecrets") or []]
            if pull_secrets:
                spec["imagePullSecrets"] = pull_secrets
        await self.validate(attributes)

    async def validate(self, attributes: Attributes) -> None:
        if self._ignored(attributes) or attributes.operation is not Operation.CREATE:
            return
        pod = attributes.object
        assert pod is not None
        spec = pod.get("spec") or {}
        if MIRROR_POD_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {}):
            _check_mirror_pod(attributes, spec)
            return
        name = spec.get("serviceAccountName") or ""
        if not name:
            pod_name = (pod.get("metadata") or {}).get("name", "")
            raise forbidden(
                attributes, f"no service account specified for pod {attributes.namespace}/{pod_name}"
            )
        account = await self._account(attributes, name)
        if self.limit_secret_references or _enforces_mountable_secrets(account):
            error = limit_secret_references(account, spec)
            if error:
                raise forbidden(attributes, error)

    async def _account(self, attributes: Attributes, name: str) -> Object:
        namespace = attributes.namespace
        account = await self.objects.get(SERVICE_ACCOUNTS, namespace, name)
        attempts = DEFAULT_ACCOUNT_ATTEMPTS if name == DEFAULT_SERVICE_ACCOUNT_NAME else 1
        interval = (100 + self.rng.randrange(100)) / 1000
        for attempt in range(attempts):
            if account is not None:
                return account
            if attempt:
                await self.sleep(interval)
            account = await self.objects.get(SERVICE_ACCOUNTS, namespace, name, live=True)
        if account is not None:
            return account
        missing = status.not_found("serviceaccount", name).message
        raise forbidden(attributes, f"error looking up service account {namespace}/{name}: {missing}")


def _enforces_mountable_secrets(account: Object) -> bool:
    annotations = (account.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(ENFORCE_MOUNTABLE_SECRETS_ANNOTATION, "")).lower() in ("true", "1", "t")


def limit_secret_references(account: Object, spec: Object) -> str:
    """Why ``spec`` may not use a secret the account does not list, or ""."""
    account_name = (account.get("metadata") or {}).get("name", "")
    mountable = {s.get("name") for s in account.get("secrets") or []}
    suffix = f"is not allowed because service account {account_name} does not reference that secret"
    for volume in spec.get("volumes") or []:
        secret = volume.get("secret")
        if isinstance(secret, dict) and secret.get("secretName") not in mountable:
            return f'volume with secret.secretName="{secret.get("secretName", "")}" {suffix}'
    for field, what in (("initContainers", "init container"), ("containers", "container")):
        for container in spec.get(field) or []:
            cname = container.get("name", "")
            for env in container.get("env") or []:
                ref: Any = (env.get("valueFrom") or {}).get("secretKeyRef")
                if isinstance(ref, dict) and ref.get("name") not in mountable:
                    return (
                        f"{what} {cname} with envVar {env.get('name', '')} referencing "
                        f'secret.secretName="{ref.get("name", "")}" {suffix}'
                    )
            for env_from in container.get("envFrom") or []:
                ref = env_from.get("secretRef")
                if isinstance(ref, dict) and ref.get("name") not in mountable:
                    secret_name = ref.get("name", "")
                    return (
                        f'{what} {cname} with envFrom referencing secret.secretName="{secret_name}" {suffix}'
                    )
    pull_secrets = {s.get("name") for s in account.get("imagePullSecrets") or []}
    for index, ref in enumerate(spec.get("imagePullSecrets") or []):
        if ref.get("name") not in pull_secrets:
            return (
                f'imagePullSecrets[{index}].name="{ref.get("name", "")}" is not allowed because '
                "service account "
                f"{account_name} does not reference that imagePullSecret"
            )
    return ""


def _check_mirror_pod(attributes: Attributes, spec: Object) -> None:
    if spec.get("serviceAccountName"):
        raise forbidden(attributes, "a mirror pod may not reference service accounts")
    if _references_secrets(spec):
        raise forbidden(attributes, "a mirror pod may not reference secrets")
    for volume in spec.get("volumes") or []:
        for source in (volume.get("projected") or {}).get("sources") or []:
            if source.get("serviceAccountToken") is not None:
                raise forbidden(attributes, "a mirror pod may not use ServiceAccountToken volume projections")


def _references_secrets(spec: Object) -> bool:
    """``VisitPodSecretNames`` found at least one secret."""
    if spec.get("imagePullSecrets"):
        return True
    for volume in spec.get("volumes") or []:
        if volume.get("secret") is not None:
            return True
        for source in (volume.get("projected") or {}).get("sources") or []:
            if source.get("secret") is not None:
                return True
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
            source = volume.get(kind) or {}
            if (
                source.get("secretRef") is not None
                or source.get("secretName")
                or source.get("nodePublishSecretRef")
            ):
                return True
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if any((e.get("valueFrom") or {}).get("secretKeyRef") for e in container.get("env") or []):
                return True
            if any(e.get("secretRef") for e in container.get("envFrom") or []):
                return True
    return False


def new(context: PluginContext) -> ServiceAccount:
    return ServiceAccount(context)
