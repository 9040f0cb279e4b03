"""Deprecated API versions: upstream's warning text, when it applies, and the header every response carries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from pinnace.api.deprecation import DeprecationTable, Lifecycle, builtin_table
from pinnace.api.gvk import GroupVersionKind
from pinnace.apiserver import apis, status, warning_headers
from pinnace.apiserver.filters import status_middleware


@pytest.mark.parametrize(
    ("gvk", "message"),
    [
        (
            GroupVersionKind("policy", "v1beta1", "PodDisruptionBudget"),
            "policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; "
            "use policy/v1 PodDisruptionBudget",
        ),
        (
            GroupVersionKind("flowcontrol.apiserver.k8s.io", "v1beta3", "FlowSchema"),
            "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated in v1.29+, unavailable in v1.32+; "
            "use flowcontrol.apiserver.k8s.io/v1 FlowSchema",
        ),
        (
            GroupVersionKind("batch", "v1beta1", "CronJob"),
            "batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob",
        ),
        (
            GroupVersionKind("events.k8s.io", "v1beta1", "Event"),
            "events.k8s.io/v1beta1 Event is deprecated in v1.22+, unavailable in v1.25+",
        ),
    ],
    ids=["with a replacement", "removed in this very release", "batch CronJob", "without a replacement"],
)
def test_builtin_lifecycles_give_upstreams_warning(gvk: GroupVersionKind, message: str) -> None:
    assert builtin_table().warning(gvk, (1, 32)) == message


@pytest.mark.parametrize(
    ("current", "warned"),
    [((1, 28), False), ((1, 29), True), ((1, 35), True), ((2, 0), True)],
    ids=["before the deprecation release", "in it", "after it", "in a later major"],
)
def test_a_kind_is_deprecated_from_its_deprecation_release_on(current: tuple[int, int], warned: bool) -> None:
    gvk = GroupVersionKind("flowcontrol.apiserver.k8s.io", "v1beta3", "PriorityLevelConfiguration")
    assert (builtin_table().warning(gvk, current) is not None) is warned


def test_no_version_pinnace_serves_is_deprecated_in_1_32() -> None:
    """What the data says about the served registry: no built-in request warns today."""
    table = builtin_table()
    kinds = [info.gvk for info in apis.served_registry().resources()]
    kinds += [sub.kind for info in apis.served_registry().resources() for sub in info.subresources.values()]
    assert [str(gvk) for gvk in kinds if table.warning(gvk, (1, 32))] == []
    assert table.warning(GroupVersionKind("", "v1", "Pod"), (1, 32)) is None


# --- the filter, with lifecycles injected for kinds that are served ----------------------------

CONFIGMAP_WARNING = "v1 ConfigMap is deprecated in v1.30+, unavailable in v1.40+; use example.com/v1 Settings"
SCALE_WARNING = "autoscaling/v1 Scale is deprecated in v1.31+"


async def _ok(request: web.Request) -> web.StreamResponse:
    if request.path.endswith("/missing"):
        raise status.not_found("configmaps", "missing")
    if request.query.get("watch") == "true":
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b'{"type":"ADDED"}\n')
        return response
    return web.json_response({})


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    table = DeprecationTable(
        [
            Lifecycle(
                GroupVersionKind("", "v1", "ConfigMap"),
                deprecated=(1, 30),
                removed=(1, 40),
                replacement=GroupVersionKind("example.com", "v1", "Settings"),
            ),
            Lifecycle(GroupVersionKind("autoscaling", "v1", "Scale"), deprecated=(1, 31)),
        ]
    )
    app = web.Application(
        middlewares=[
            status_middleware,
            warning_headers.deprecation_filter(apis.served_registry(), table, (1, 32)),
        ]
    )
    warning_headers.install(app)
    app.router.add_route("*", "/{tail:.*}", _ok)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("method", "path", "warnings"),
    [
        ("GET", "/api/v1/namespaces/default/configmaps", [CONFIGMAP_WARNING]),
        ("GET", "/api/v1/configmaps?watch=true", [CONFIGMAP_WARNING]),
        ("DELETE", "/api/v1/namespaces/default/configmaps/missing", [CONFIGMAP_WARNING]),
        ("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", [SCALE_WARNING]),
        ("GET", "/apis/apps/v1/namespaces/default/deployments/web", []),
        ("GET", "/api/v1/namespaces/default/secrets", []),
        ("GET", "/version", []),
    ],
    ids=[
        "a list",
        "a watch, whose headers go before the events",
        "an error answer",
        "a subresource of a deprecated kind",
        "its parent resource, whose kind is not",
        "another resource",
        "a path that is no resource",
    ],
)
async def test_every_response_on_a_deprecated_kind_carries_the_warning(
    client: TestClient[web.Request, web.Application], method: str, path: str, warnings: list[str]
) -> None:
    response = await client.request(method, path)
    await response.read()
    assert response.headers.getall("Warning", []) == [f'299 - "{text}"' for text in warnings]


def test_warning_headers_quote_like_upstream() -> None:
    assert (
        warning_headers.warning_header('unknown field "spec.x\\y"')
        == '299 - "unknown field \\"spec.x\\\\y\\""'
    )
