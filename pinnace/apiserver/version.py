"""``GET /version``: the Kubernetes release this server implements, in ``version.Info``'s shape.

``minor`` decides more than it seems: the kubectl dispatcher on Google Cloud SDK machines runs the
``kubectl.1.<minor>`` binary matching the server (wire-notes §0.1), and clients gate features on it. The
server therefore reports the API release it targets (1.32). ``gitVersion`` carries Pinnace's own version as
semver build metadata, the way k3s reports ``v1.32.2+k3s1``; build metadata does not affect version
comparisons. Go-specific fields describe the Python runtime instead, which nothing parses.
"""

from __future__ import annotations

import platform
import sys

import orjson
from aiohttp import web

import pinnace

KUBERNETES_MAJOR = 1
KUBERNETES_MINOR = 32
KUBERNETES_PATCH = 0
# When this release of Pinnace was cut; RFC 3339 like upstream's buildDate.
BUILD_DATE = "2025-06-01T00:00:00Z"

# Go's GOARCH names, which is what clients expect after the slash in "platform".
_GO_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm"}


def version_info() -> dict[str, str]:
    machine = platform.machine().lower()
    return {
        "major": str(KUBERNETES_MAJOR),
        "minor": str(KUBERNETES_MINOR),
        "gitVersion": (
            f"v{KUBERNETES_MAJOR}.{KUBERNETES_MINOR}.{KUBERNETES_PATCH}+pinnace.{pinnace.__version__}"
        ),
        "gitCommit": "",
        "gitTreeState": "",
        "buildDate": BUILD_DATE,
        "goVersion": f"python{platform.python_version()}",
        "compiler": platform.python_implementation().lower(),
        "platform": f"{sys.platform}/{_GO_ARCH.get(machine, machine)}",
    }


async def handle_version(request: web.Request) -> web.Response:
    # kube-apiserver writes this one object indented (responsewriters.WriteRawJSON).
    body = orjson.dumps(version_info(), option=orjson.OPT_INDENT_2)
    return web.Response(body=body, content_type="application/json")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/version", handle_version)
    app.router.add_get("/version/", handle_version)
