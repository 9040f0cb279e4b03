"""From a validated EncryptionConfiguration to one transformer per resource
(``getTransformerOverridesAndKMSPluginProbes`` and ``transformerFromOverrides`` in upstream's
``apiserver/pkg/server/options/encryptionconfig/config.go``).

Each resource entry's providers become one ``k8s:enc:<provider>:v1:``-prefixed transformer each (identity
with no prefix), in the order given. A resource named by several entries gets their providers chained in
entry order; a name that an earlier ``*.<group>`` or ``*.*`` entry already covers is refused ("masked"),
as upstream refuses it. A resource is served by its own entry, else its group's wildcard, else ``*.*``, else
by identity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from pinnace.apiserver.encryption.aes import CBCTransformer, GCMTransformer
from pinnace.apiserver.encryption.config import (
    ANY_GROUP_ANY_RESOURCE,
    EncryptionConfiguration,
    GroupResource,
    KeysConfiguration,
    ProviderConfiguration,
)
from pinnace.apiserver.encryption.secretbox import SecretboxTransformer
from pinnace.apiserver.encryption.transformer import (
    IDENTITY,
    PrefixTransformer,
    PrefixTransformers,
    Transformer,
)
from pinnace.apiserver.encryption.validation import decode_secret

AESCBC_PREFIX: Final = b"k8s:enc:aescbc:v1:"
AESGCM_PREFIX: Final = b"k8s:enc:aesgcm:v1:"
SECRETBOX_PREFIX: Final = b"k8s:enc:secretbox:v1:"


class BuildError(ValueError):
    """The configuration is valid field by field but cannot be put together (a masked rule)."""


class ResourceTransformers:
    """The transformer of every resource (upstream's ``StaticTransformers``)."""

    def __init__(self, overrides: Mapping[GroupResource, Transformer]) -> None:
        self.overrides = dict(overrides)

    def for_resource(self, group: str, resource: str) -> Transformer:
        for candidate in (
            GroupResource(group, resource),
            GroupResource(group, "*"),
            ANY_GROUP_ANY_RESOURCE,
        ):
            transformer = self.overrides.get(candidate)
            if transformer is not None:
                return transformer
        return IDENTITY


#: No configuration: everything is stored as it is, and encrypted data is refused on reading.
NO_ENCRYPTION: Final = ResourceTransformers({})


def build(config: EncryptionConfiguration) -> ResourceTransformers:
    """Transformers for a validated configuration; raises BuildError for a rule masked by an earlier one."""
    chains: dict[GroupResource, list[PrefixTransformer]] = {}
    for entry in config.resources:
        transformers = [_provider(provider) for provider in entry.providers]
        for name in entry.resources:
            gr = GroupResource.parse(name)
            for wildcard in (GroupResource(gr.group, "*"), ANY_GROUP_ANY_RESOURCE):
                if wildcard in chains:
                    raise BuildError(f'resource "{gr}" is masked by earlier rule "{wildcard}"')
            chains.setdefault(gr, []).extend(transformers)
    return ResourceTransformers(
        {gr: PrefixTransformers("no matching prefix found", chain) for gr, chain in chains.items()}
    )


def _provider(provider: ProviderConfiguration) -> PrefixTransformer:
    if provider.aesgcm is not None:
        return _keyed(provider.aesgcm, GCMTransformer, AESGCM_PREFIX, "AES")
    if provider.aescbc is not None:
        return _keyed(provider.aescbc, CBCTransformer, AESCBC_PREFIX, "AES")
    if provider.secretbox is not None:
        return _keyed(provider.secretbox, SecretboxTransformer, SECRETBOX_PREFIX, "Secretbox")
    if provider.identity:
        return PrefixTransformer(b"", IDENTITY)
    # Validation refuses KMS and empty providers before this point.
    raise BuildError(
        "provider does not contain any of the expected providers: AESGCM, AESCBC, Secretbox, Identity"
    )


def _keyed(
    config: KeysConfiguration, new: Callable[[bytes], Transformer], prefix: bytes, kind: str
) -> PrefixTransformer:
    """One provider's keys, each under ``<name>:``; the first key encrypts (``aesPrefixTransformer``)."""
    keys: list[PrefixTransformer] = []
    for key in config.keys:
        secret = decode_secret(key.secret)
        if secret is None:
            raise BuildError(f"could not obtain secret for named key {key.name}: illegal base64 data")
        try:
            transformer = new(secret)
        except ValueError as err:
            raise BuildError(f"error while creating cipher for named key {key.name}: {err}") from err
        keys.append(PrefixTransformer(f"{key.name}:".encode(), transformer))
    inner = PrefixTransformers(f"no matching key was found for the provided {kind} transformer", keys)
    return PrefixTransformer(prefix, inner)
