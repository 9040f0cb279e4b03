"""The ServiceAccount controller and the root CA publisher against a FakeClient: what appears in every
namespace, and how it comes back."""

from __future__ import annotations

from pinnace.client import resources as r
from pinnace.client.errors import status_error
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers import rootcacertpublisher, serviceaccount
from pinnace.controllers.rootcacertpublisher import DESCRIPTION
from tests.controllers.lifecycle_support import running

CA = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def ns(name: str, phase: str = "Active") -> Object:
    return {"metadata": {"name": name}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": phase}}


def names_in(client: FakeClient, namespace: str, resource: r.Resource) -> list[str]:
    return [o["metadata"]["name"] for o in client.objects(resource, namespace)]


async def test_every_active_namespace_gets_a_default_service_account() -> None:
    client = FakeClient()
    client.seed(r.NAMESPACES, ns("existing"), ns("leaving", phase="Terminating"))
    async with running(serviceaccount.new_controller, client=client) as h:
        await h.until(lambda: names_in(h.client, "existing", r.SERVICEACCOUNTS) == ["default"])
        await h.client.create(r.NAMESPACES, ns("new"))
        await h.until(lambda: names_in(h.client, "new", r.SERVICEACCOUNTS) == ["default"])
        await h.settle()
        assert names_in(h.client, "leaving", r.SERVICEACCOUNTS) == []


async def test_a_deleted_default_service_account_comes_back() -> None:
    client = FakeClient()
    client.seed(r.NAMESPACES, ns("app"))
    client.seed(r.SERVICEACCOUNTS, {"metadata": {"name": "default", "namespace": "app"}})
    async with running(serviceaccount.new_controller, client=client) as h:
        await h.settle()
        assert h.client.actions_of("create", "serviceaccounts") == []
        (before,) = h.client.objects(r.SERVICEACCOUNTS, "app")
        await h.client.delete(r.SERVICEACCOUNTS, "default", "app")
        await h.until(lambda: names_in(h.client, "app", r.SERVICEACCOUNTS) == ["default"])
        (after,) = h.client.objects(r.SERVICEACCOUNTS, "app")
        assert after["metadata"]["uid"] != before["metadata"]["uid"]


async def test_a_terminating_namespace_refusing_content_is_not_retried() -> None:
    client = FakeClient()
    client.seed(r.NAMESPACES, ns("app"))
    client.fail_next(
        "create",
        "serviceaccounts",
        status_error(
            403, "Forbidden", "unable to create new content in namespace app because it is being terminated"
        ),
    )
    async with running(serviceaccount.new_controller, client=client) as h:
        await h.settle(2.0)
        assert len(h.client.actions_of("create", "serviceaccounts")) == 1


def root_ca(client: FakeClient, namespace: str) -> Object | None:
    found = [
        o for o in client.objects(r.CONFIGMAPS, namespace) if o["metadata"]["name"] == "kube-root-ca.crt"
    ]
    return found[0] if found else None


async def test_every_namespace_gets_the_root_ca_config_map() -> None:
    client = FakeClient()
    client.seed(r.NAMESPACES, ns("default"), ns("kube-system"))
    async with running(rootcacertpublisher.new_controller, client=client, ca_pem=CA) as h:
        await h.until(
            lambda: root_ca(h.client, "default") is not None and root_ca(h.client, "kube-system") is not None
        )
        published = root_ca(h.client, "default")
        assert published is not None
        assert published["data"] == {"ca.crt": CA.decode()}
        assert published["metadata"]["annotations"] == {"kubernetes.io/description": DESCRIPTION}
        await h.client.create(r.NAMESPACES, ns("new"))
        await h.until(lambda: root_ca(h.client, "new") is not None)


async def test_the_root_ca_config_map_is_restored() -> None:
    client = FakeClient()
    client.seed(r.NAMESPACES, ns("app"))
    async with running(rootcacertpublisher.new_controller, client=client, ca_pem=CA) as h:
        await h.until(lambda: root_ca(h.client, "app") is not None)

        await h.client.patch(r.CONFIGMAPS, "kube-root-ca.crt", {"data": {"ca.crt": "tampered"}}, "app")
        await h.until(lambda: (root_ca(h.client, "app") or {}).get("data") == {"ca.crt": CA.decode()})

        await h.client.patch(
            r.CONFIGMAPS,
            "kube-root-ca.crt",
            {"metadata": {"annotations": {"kubernetes.io/description": None}}},
            "app",
        )
        await h.until(
            lambda: (
                ((root_ca(h.client, "app") or {}).get("metadata") or {}).get("annotations")
                == {"kubernetes.io/description": DESCRIPTION}
            )
        )

        await h.client.delete(r.CONFIGMAPS, "kube-root-ca.crt", "app")
        await h.until(lambda: root_ca(h.client, "app") is not None)
        # Other ConfigMaps are none of its business.
        await h.client.create(
            r.CONFIGMAPS, {"metadata": {"name": "mine", "namespace": "app"}, "data": {"a": "b"}}
        )
        await h.settle()
        assert [
            o["data"] for o in h.client.objects(r.CONFIGMAPS, "app") if o["metadata"]["name"] == "mine"
        ] == [{"a": "b"}]
