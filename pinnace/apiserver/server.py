"""Run one API server until cancelled: the component's single entry point, ``run(config)``.

Start-up order:

1. read the encryption provider config and the audit policy, if any (a bad one stops the start; the audit
   log file is created, its writer thread starts just before serving), then ensure the PKI under
   ``DATA_DIR/pki`` (first start creates the CA and certificates); the store is opened wrapped in
   :class:`pinnace.apiserver.encryption.EncryptingStore`;
2. build the authenticator (reads the static token file and the service account keys, creating
   ``pki/sa.key``/``sa.pub`` on first start: :mod:`pinnace.apiserver.authenticators`), the authorizer
   (privileged group, interim node access, RBAC) and health checks;
3. build the admission chain (``--enable/--disable-admission-plugins``, the admission configuration file:
   :mod:`pinnace.apiserver.admission.install`; a bad one stops the start); once the watch caches are
   ready: create the default namespaces, then start RBAC (its index, the bootstrap roles and bindings,
   ClusterRole aggregation: :mod:`pinnace.apiserver.rbac.install`), then create the system PriorityClasses;
4. listen with HTTPS only on ``bind_address:port``;
5. write each built-in component's kubeconfig (``DATA_DIR/components/<name>.kubeconfig``, its own client
   certificate), then the admin kubeconfig ``DATA_DIR/kubeconfig.yaml``, all pointing at the port actually
   bound (so port 0 works), then set ``ready``. The admin kubeconfig comes last: its appearance tells
   ``pinnace up`` and tests that everything is in place.

Cancelling the task that runs :func:`run` stops it: the listener closes, requests in flight get
``SHUTDOWN_TIMEOUT_SECONDS`` to finish, the audit log is flushed and closed, and ``CancelledError``
propagates to the caller. Signals are the caller's business (the CLI turns SIGTERM into a cancellation).
Blocking work (key generation, file writes) runs in threads so the event loop of a process hosting several
components never stalls.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from pinnace.apiserver import apis, authenticators, encryption
from pinnace.apiserver.admission import install as admission_install
from pinnace.apiserver.app import create_app
from pinnace.apiserver.audit import auditlog
from pinnace.apiserver.authz import new_authorizer
from pinnace.apiserver.config import APIServerConfig
from pinnace.apiserver.health import HealthRegistry, default_registry
from pinnace.apiserver.kubeconfig import write_admin_kubeconfig, write_component_kubeconfigs
from pinnace.apiserver.node.authorizer import NodeAuthorizer, NodeGraphSync
from pinnace.apiserver.node.graph import NodeGraph
from pinnace.apiserver.pki import ensure_pki
from pinnace.apiserver.rbac.install import RBAC
from pinnace.apiserver.tls import serving_ssl_context
from pinnace.storage import Store, open_store

log = logging.getLogger(__name__)

# Long requests (watches, later) are cut after this on shutdown; clients reconnect to another server.
SHUTDOWN_TIMEOUT_SECONDS = 5.0


async def run(
    config: APIServerConfig,
    *,
    ready: asyncio.Event | None = None,
    health_checks: HealthRegistry | None = None,
) -> None:
    """Serve the API described by ``config`` until cancelled.

    ``ready`` is set once the server accepts connections and the kubeconfig is written. ``health_checks``
    replaces the default registry (``ping`` only), e.g. to add a datastore check.
    """
    transformers = await asyncio.to_thread(encryption.load_optional, config.encryption_provider_config)
    audit_log = await asyncio.to_thread(auditlog.build, config.audit)
    pki = await asyncio.to_thread(ensure_pki, config.data_dir, extra_sans=config.extra_sans)
    registry = apis.served_registry()
    store = encryption.EncryptingStore.around(await open_store(config.datastore_url), transformers, registry)
    stores = apis.build_stores(store, registry)
    authentication = await authenticators.build(config, stores)
    rbac = RBAC(stores)
    node_graph = NodeGraphSync(NodeGraph(), stores)
    authorizer = new_authorizer(rbac.authorizer, NodeAuthorizer(node_graph.graph, node_graph.claim))
    rbac.protect_stores(authorizer)
    admission = await asyncio.to_thread(admission_install.install, stores, config.admission)
    stores.start()
    checks = health_checks if health_checks is not None else default_registry()
    checks.add("etcd", lambda: _store_ping(store))
    checks.add("informer-sync", stores.wait_ready, endpoints=("readyz",))
    app = create_app(
        authenticator=authentication.chain,
        authorizer=authorizer,
        health_checks=checks,
        stores=stores,
        token_authentication=authentication,
        audit=audit_log.filters() if audit_log is not None else None,
    )
    ssl_context = await asyncio.to_thread(serving_ssl_context, pki)

    # No access log: a line per request cost ~8% of request handling (kube logs requests only at -v=3).
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS, access_log=None)
    if audit_log is not None:
        audit_log.start()
    try:
        await stores.wait_ready()
        await apis.ensure_default_namespaces(stores)
        node_graph.start()
        await node_graph.wait_synced()
        await rbac.start()
        await admission.start()
        await runner.setup()
        host = config.bind_address or None  # aiohttp listens on every interface for None
        site = web.TCPSite(runner, host, config.port, ssl_context=ssl_context)
        await site.start()
        port = _bound_port(runner, config.port)
        await apis.ensure_kubernetes_service(stores, port)
        server_url = config.server_url(port)
        authentication.issuer.set_external_address(server_url.removeprefix("https://"))
        await asyncio.to_thread(write_component_kubeconfigs, pki, server_url, config.data_dir)
        await asyncio.to_thread(write_admin_kubeconfig, pki, server_url, config.kubeconfig_path)
        log.info("API server serving url=%s kubeconfig=%s", server_url, config.kubeconfig_path)
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()  # until cancelled
    finally:
        await runner.cleanup()
        if audit_log is not None:
            # Every request has finished: write what is queued and close the log.
            await audit_log.aclose()
        await rbac.stop()
        await node_graph.stop()
        await stores.stop()
        await store.close()
        log.info("API server stopped")


async def _store_ping(store: Store) -> None:
    await store.current_revision()


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    for address in runner.addresses:
        # (host, port) for IPv4, (host, port, flowinfo, scope_id) for IPv6.
        if isinstance(address, tuple) and len(address) >= 2 and isinstance(address[1], int):
            return address[1]
    return configured
