"""``load(path)``: the file named by ``--encryption-provider-config`` to the transformers of every resource.

The errors read as kube-apiserver's at start (``LoadEncryptionConfig``): ``error while parsing file: ...``
for a file that cannot be read, decoded or validated, ``error while building transformers: ...`` for rules
that mask each other. The file is read once, at start: a changed file takes effect when the API server is
restarted (upstream's ``--encryption-provider-config-automatic-reload`` is not offered).
"""

from __future__ import annotations

from pathlib import Path

from pinnace.apiserver.encryption import config, providers, validation
from pinnace.apiserver.encryption.providers import ResourceTransformers
from pinnace.apiserver.encryption.transformer import aggregate


class EncryptionConfigError(ValueError):
    """The encryption provider configuration cannot be used; the API server does not start."""


def load(path: Path) -> ResourceTransformers:
    try:
        data = path.read_bytes()
    except OSError as err:
        reason = (err.strerror or str(err)).lower()
        raise EncryptionConfigError(
            "error while parsing file: error while loading file: error reading encryption provider "
            f'configuration file "{path}": open {path}: {reason}'
        ) from err
    if not data:
        raise EncryptionConfigError(
            "error while parsing file: error while loading file: "
            f'encryption provider configuration file "{path}" is empty'
        )
    try:
        parsed = config.decode(data.decode("utf-8", errors="replace"))
    except config.DecodeError as err:
        raise EncryptionConfigError(
            f'error while parsing file: error decoding encryption provider configuration file "{path}": {err}'
        ) from err
    errors = validation.validate(parsed)
    if errors:
        raise EncryptionConfigError("error while parsing file: " + aggregate([e.message() for e in errors]))
    try:
        return providers.build(parsed)
    except providers.BuildError as err:
        raise EncryptionConfigError(f"error while building transformers: {err}") from err


def load_optional(path: Path | None) -> ResourceTransformers:
    """``load(path)``, or no encryption at all when no file is given."""
    return providers.NO_ENCRYPTION if path is None else load(path)
