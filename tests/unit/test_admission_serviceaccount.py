"""ServiceAccount: the default account, the kube-api-access volume in upstream's shape, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.plugins.serviceaccount import ServiceAccount
from tests.unit.admission_fakes import FakeObjects, RecordingSleep, attributes, context, pod

SERVICE_ACCOUNTS = GroupVersionResource("", "v1", "serviceaccounts")


def account(name: str = "default", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"metadata": {"name": name, "namespace": "ns"}}
    body.update(fields)
    return body


def plugin(*accounts: dict[str, Any], sleep: RecordingSleep | None = None) -> ServiceAccount:
    return ServiceAccount(context(FakeObjects(*((SERVICE_ACCOUNTS, a) for a in accounts)), sleep=sleep))


async def test_a_pod_runs_as_default_and_mounts_its_api_credentials_as_upstream_does() -> None:
    body = pod()
    body["spec"]["initContainers"] = [{"name": "init", "image": "busybox"}]
    await plugin(account()).admit(attributes(body))
    spec = body["spec"]
    assert spec["serviceAccountName"] == "default" and spec["serviceAccount"] == "default"
    volume = spec["volumes"][0]
    name = volume["name"]
    assert name.startswith("kube-api-access-") and len(name) == len("kube-api-access-") + 5
    assert volume["projected"] == {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
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
    mount = {"name": name, "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    assert spec["containers"][0]["volumeMounts"] == [mount]
    assert spec["initContainers"][0]["volumeMounts"] == [mount]


@pytest.mark.parametrize(
    ("pod_automount", "account_automount", "mounted"),
    [(None, None, True), (False, None, False), (None, False, False), (True, False, True)],
    ids=["by default", "the pod opts out", "the account opts out", "the pod's choice wins"],
)
async def test_automounting_follows_the_pod_then_the_account(
    pod_automount: bool | None, account_automount: bool | None, mounted: bool
) -> None:
    body = pod()
    if pod_automount is not None:
        body["spec"]["automountServiceAccountToken"] = pod_automount
    sa = account() if account_automount is None else account(automountServiceAccountToken=account_automount)
    await plugin(sa).admit(attributes(body))
    assert ("volumes" in body["spec"]) is mounted


async def test_a_container_with_something_at_the_mount_path_keeps_it() -> None:
    body = pod()
    own = {"name": "mine", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    body["spec"]["containers"][0]["volumeMounts"] = [own]
    await plugin(account()).admit(attributes(body))
    assert body["spec"]["containers"][0]["volumeMounts"] == [own]
    assert "volumes" not in body["spec"]


async def test_the_accounts_image_pull_secrets_are_used_when_the_pod_has_none() -> None:
    body = pod(serviceAccountName="builder")
    await plugin(account("builder", imagePullSecrets=[{"name": "registry"}])).admit(attributes(body))
    assert body["spec"]["imagePullSecrets"] == [{"name": "registry"}]


async def test_a_missing_default_account_is_looked_for_ten_times_before_the_pod_is_refused() -> None:
    sleep = RecordingSleep()
    with pytest.raises(status.Forbidden) as refused:
        await plugin(sleep=sleep).admit(attributes(pod("web")))
    assert refused.value.message == (
        'pods "web" is forbidden: error looking up service account ns/default: serviceaccount "default" not found'
    )
    assert len(sleep.calls) == 9 and all(0.1 <= s < 0.2 for s in sleep.calls)


async def test_another_missing_account_is_looked_for_once() -> None:
    sleep = RecordingSleep()
    with pytest.raises(status.Forbidden, match='serviceaccount "builder" not found'):
        await plugin(account(), sleep=sleep).admit(attributes(pod(serviceAccountName="builder")))
    assert sleep.calls == []


async def test_an_account_can_limit_the_secrets_its_pods_use() -> None:
    sa = account(
        metadata={
            "name": "default",
            "namespace": "ns",
            "annotations": {"kubernetes.io/enforce-mountable-secrets": "true"},
        },
        secrets=[{"name": "allowed"}],
    )
    body = pod(serviceAccountName="default")
    body["spec"]["containers"][0]["env"] = [
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "other", "key": "k"}}}
    ]
    with pytest.raises(status.Forbidden) as refused:
        await plugin(sa).validate(attributes(body))
    assert refused.value.message == (
        'pods "p" is forbidden: container c with envVar TOKEN referencing secret.secretName="other" is not '
        "allowed because service account default does not reference that secret"
    )


async def test_mirror_pods_may_not_reference_accounts_or_secrets() -> None:
    body = pod(serviceAccountName="default")
    body["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "hash"}
    with pytest.raises(status.Forbidden, match="a mirror pod may not reference service accounts"):
        await plugin(account()).admit(attributes(body))
    plain = pod(volumes=[{"name": "s", "secret": {"secretName": "x"}}])
    plain["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "hash"}
    with pytest.raises(status.Forbidden, match="a mirror pod may not reference secrets"):
        await plugin(account()).admit(attributes(plain))


async def test_status_updates_are_not_its_business() -> None:
    await plugin().admit(attributes(pod(), subresource="status"))
