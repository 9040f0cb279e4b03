"""``/healthz``, ``/livez`` and ``/readyz``, answered like ``k8s.io/apiserver/pkg/server/healthz``.

Checks are async callables registered by name in a :class:`HealthRegistry`; a check passes by returning
and fails by raising. Components register theirs at start-up (the API server registers ``ping``; the
datastore check comes with the store), and may do so after the routes are installed: the handlers read the
registry on every request.

Upstream behaviour reproduced (``healthz.go``):

* ``GET /readyz`` -> 200 ``ok``; ``?verbose`` lists ``[+]name ok`` lines then ``readyz check passed``;
* ``?exclude=name`` (repeatable) skips a check (``[+]name excluded: ok``) and warns about unknown names;
* any failing check -> 500 with the verbose listing (``[-]name failed: reason withheld``, the error goes
  to the log only, since these endpoints are public) and ``readyz check failed``;
* ``GET /readyz/<name>`` runs one check: ``ok``, or 500 ``internal server error: <error>``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

from pinnace.api.gofmt import go_quote
from pinnace.apiserver.status import path_not_found

log = logging.getLogger(__name__)

HealthCheckFn = Callable[[], Awaitable[None]]

ENDPOINTS = ("healthz", "livez", "readyz")
# A check that hangs must not hang the probe: kubelet and load balancers give up after a few seconds.
CHECK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str
    check: HealthCheckFn


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    error: str | None  # None when the check passed


class HealthRegistry:
    """The checks behind each health endpoint, in registration order (which is the output order)."""

    def __init__(self) -> None:
        self._checks: dict[str, dict[str, HealthCheck]] = {endpoint: {} for endpoint in ENDPOINTS}

    def add(self, name: str, check: HealthCheckFn, *, endpoints: Iterable[str] = ENDPOINTS) -> None:
        """Register ``check`` under ``name`` for ``endpoints`` (all three by default).

        Upstream registers readiness-only checks (e.g. ``informer-sync``, ``shutdown``) for ``readyz`` alone.
        """
        for endpoint in endpoints:
            checks = self._checks[endpoint]
            if name in checks:
                raise ValueError(f"health check {name!r} is already registered for /{endpoint}")
            checks[name] = HealthCheck(name, check)

    def checks(self, endpoint: str) -> tuple[HealthCheck, ...]:
        return tuple(self._checks[endpoint].values())

    def get(self, endpoint: str, name: str) -> HealthCheck | None:
        return self._checks[endpoint].get(name)


async def ping() -> None:
    """Always passes: the server answers HTTP (upstream ``PingHealthz``)."""


def default_registry() -> HealthRegistry:
    registry = HealthRegistry()
    registry.add("ping", ping)
    return registry


async def run_check(check: HealthCheck) -> CheckResult:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check.check()
    except TimeoutError:
        return CheckResult(check.name, f"timed out after {CHECK_TIMEOUT_SECONDS:g}s")
    except Exception as err:
        return CheckResult(check.name, str(err) or type(err).__name__)
    return CheckResult(check.name, None)


def add_routes(app: web.Application, registry: HealthRegistry) -> None:
    for endpoint in ENDPOINTS:
        app.router.add_get(f"/{endpoint}", _root_handler(registry, endpoint))
        # Check names may contain slashes upstream (``poststarthook/rbac/bootstrap-roles``).
        app.router.add_get(f"/{endpoint}/{{name:.+}}", _check_handler(registry, endpoint))


def _root_handler(
    registry: HealthRegistry, endpoint: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        excluded = set(request.query.getall("exclude", []))
        checks = registry.checks(endpoint)
        to_run = [check for check in checks if check.name not in excluded]
        results = {r.name: r for r in await asyncio.gather(*(run_check(check) for check in to_run))}

        lines: list[str] = []
        for check in checks:
            result = results.get(check.name)
            if result is None:
                lines.append(f"[+]{check.name} excluded: ok")
            elif result.error is None:
                lines.append(f"[+]{check.name} ok")
            else:
                lines.append(f"[-]{check.name} failed: reason withheld")
        unknown = sorted(excluded - {check.name for check in checks})
        if unknown:
            names = ",".join(go_quote(name) for name in unknown)
            lines.append(f"warn: some health checks cannot be excluded: no matches for {names}")

        failed = [r for r in results.values() if r.error is not None]
        if failed:
            details = ", ".join(f"{r.name}: {r.error}" for r in failed)
            log.info("%s check failed: %s", endpoint, details)
            # Upstream is always verbose on failure (and http.Error appends a newline).
            return _text("\n".join([*lines, f"{endpoint} check failed"]) + "\n", status=500)
        if "verbose" not in request.query:
            return _text("ok")
        return _text("\n".join([*lines, f"{endpoint} check passed"]) + "\n")

    return handle


def _check_handler(
    registry: HealthRegistry, endpoint: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        check = registry.get(endpoint, request.match_info["name"])
        if check is None:
            raise path_not_found()
        result = await run_check(check)
        if result.error is not None:
            return _text(f"internal server error: {result.error}\n", status=500)
        return _text("ok")

    return handle


def _text(body: str, *, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/plain", charset="utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
