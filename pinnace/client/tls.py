"""TLS for talking to the API server: trust the cluster CA, present the component's client certificate.

Python's ``ssl`` loads a certificate chain only from files, while :class:`~pinnace.client.config.ClientConfig`
holds PEM bytes; the pair is written to a private temporary directory, loaded and removed at once. Blocking:
:class:`~pinnace.client.transport.Transport` calls :func:`ssl_context` through ``asyncio.to_thread``.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path

from pinnace.client.config import ClientConfig, ConfigError


def ssl_context(config: ClientConfig) -> ssl.SSLContext:
    """The client TLS context for ``config`` (an ``https://`` server)."""
    try:
        context = ssl.create_default_context(cadata=config.ca_data.decode() if config.ca_data else None)
    except (ssl.SSLError, ValueError) as err:
        raise ConfigError(f"invalid certificate authority data: {err}") from err
    if config.insecure_skip_tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if config.cert_data or config.key_data:
        if not (config.cert_data and config.key_data):
            raise ConfigError("a client certificate needs both the certificate and its key")
        _load_chain(context, config.cert_data, config.key_data)
    return context


def _load_chain(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="pinnace-client-") as directory:
        cert_path, key_path = Path(directory, "client.crt"), Path(directory, "client.key")
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        try:
            context.load_cert_chain(cert_path, key_path)
        except ssl.SSLError as err:
            raise ConfigError(f"invalid client certificate or key: {err}") from err
