"""The CSR signing controller, ``csrsigning`` (``pkg/controller/certificates/signer/signer.go``).

For every approved request of a built-in signer that has no certificate and has not failed, it checks the
signer's rules (:mod:`.signers`), then either signs with the cluster CA and writes ``status.certificate``
(PEM), or adds a ``Failed`` condition with reason ``SignerValidationFailure`` and the rule's message, both
through the ``status`` subresource. The lifetime is ``--cluster-signing-duration`` (one year), or
``spec.expirationSeconds`` when shorter (never under 10 minutes); validity is backdated as
:mod:`.authority` describes.

Upstream runs one controller per signer name, all under ``csrsigning``; one loop serving all four is the
same to a user. The CA files are re-read when they change, as upstream's dynamic CA provider does.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from pinnace.client import resources
from pinnace.client.clock import Clock
from pinnace.client.interface import Client
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.certificates import conditions, signers
from pinnace.controllers.certificates.authority import (
    CertificateAuthority,
    PermissiveSigningPolicy,
    SigningError,
    certificate_pem,
)
from pinnace.controllers.context import ControllerContext, CSRSigningConfig

log = logging.getLogger(__name__)

NAME: Final = "csrsigning"
CSRS = resources.CERTIFICATESIGNINGREQUESTS
MIN_DURATION: Final = timedelta(minutes=10)  # twice the backdate


def signing_duration(cert_ttl: timedelta, expiration_seconds: object) -> timedelta:
    """``signer.duration``: the requested lifetime, capped by the configured one, at least 10 minutes."""
    if not isinstance(expiration_seconds, int) or isinstance(expiration_seconds, bool):
        return cert_ttl
    requested = timedelta(seconds=expiration_seconds)
    if requested > cert_ttl:
        return cert_ttl
    return max(requested, MIN_DURATION)


@dataclass
class _LoadedCA:
    stamp: tuple[float, float]
    authority: CertificateAuthority


class CAProvider:
    """The CA from the signing files, re-read when either file changes (``caProvider.currentCA``)."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.cert_file, self.key_file = cert_file, key_file
        self._loaded: _LoadedCA | None = None

    def current(self) -> CertificateAuthority:
        stamp = (self.cert_file.stat().st_mtime, self.key_file.stat().st_mtime)
        if self._loaded is None or self._loaded.stamp != stamp:
            self._loaded = _LoadedCA(stamp, CertificateAuthority.load(self.cert_file, self.key_file))
        return self._loaded.authority


class CSRSigningController:
    def __init__(self, ctx: ControllerContext, ca: CAProvider | None = None) -> None:
        self.client: Client = ctx.client
        self.clock: Clock = ctx.clock
        self.config: CSRSigningConfig = ctx.csr_signing
        if ca is None and self.config.cert_file is not None and self.config.key_file is not None:
            ca = CAProvider(self.config.cert_file, self.config.key_file)
        self.ca = ca
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name=NAME)
        self.csrs = ctx.informers.informer(CSRS)
        self.csrs.add_handler(
            lambda csr: self.queue.add(key_of(csr)), lambda _old, new: self.queue.add(key_of(new))
        )

    async def run(self, workers: int) -> None:
        if self.ca is None:
            log.warning("%s: no --cluster-signing-cert-file/--cluster-signing-key-file; not signing", NAME)
            await asyncio.Event().wait()  # idle until cancelled, as a controller must not return
        await self.csrs.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=NAME)

    async def sync(self, key: ObjectKey) -> None:
        csr = self.csrs.indexer.get(key)
        if csr is None or conditions.certificate(csr):
            return  # gone, or already issued
        if not conditions.is_approved(csr) or conditions.has_true_condition(csr, "Failed"):
            return
        spec = csr.get("spec") or {}
        signer_name = str(spec.get("signerName", ""))
        if signer_name not in signers.CHECKS:
            return  # another signer's request
        try:
            request = conditions.request(csr)
        except conditions.RequestError as err:
            raise ValueError(f"unable to parse csr {key.name!r}: {err}") from err
        usages = [str(u) for u in spec.get("usages") or []]
        _recognized, error = signers.check(signer_name, request, usages)
        updated = copy.deepcopy(csr)  # never change the informer's copy
        status = updated.setdefault("status", {})
        if error:
            status.setdefault("conditions", []).append(
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "SignerValidationFailure",
                    "message": error,
                    "lastUpdateTime": _rfc3339(self.clock.now()),
                }
            )
            await self.client.update(CSRS, updated, subresource="status")
            return
        assert self.ca is not None
        ttl = timedelta(seconds=self.config.duration_seconds)
        policy = PermissiveSigningPolicy(
            ttl=signing_duration(ttl, spec.get("expirationSeconds")), usages=usages
        )
        try:
            issued = self.ca.current().sign(request, policy, self.clock.now())
        except SigningError as err:
            raise RuntimeError(f"error auto signing csr: {err}") from err
        status["certificate"] = base64.b64encode(certificate_pem(issued)).decode()
        await self.client.update(CSRS, updated, subresource="status")


def _rfc3339(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_controller(ctx: ControllerContext) -> CSRSigningController:
    return CSRSigningController(ctx)
