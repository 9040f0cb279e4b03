"""Value transformers: a stored value to the object's bytes and back (upstream's ``value.Transformer``).

A transformer works on the bytes of one stored value; ``authenticated_data`` is the value's storage key
(``/registry/secrets/default/s``), which AES-GCM binds to the ciphertext as upstream's etcd3 store does
(``authenticatedDataString(key)`` in ``apiserver/pkg/storage/etcd3/store.go``), so a value copied to
another key does not decrypt.

Reads answer ``(plaintext, stale)``: ``stale`` means the value was read through a transformer other than
the one that writes now (an older key or provider), so rewriting it, even unchanged, changes what is
stored. That is what makes key rotation by ``kubectl replace`` work.

:class:`PrefixTransformers` is upstream's ``prefixTransformers`` (``apiserver/pkg/storage/value/
transformer.go``): the first transformer writes and prefixes its output; reads pick the transformer whose
prefix the value starts with, in order. Providers nest two of them: one over ``k8s:enc:<provider>:v1:``
prefixes, and one inside each provider over ``<keyname>:`` prefixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

#: Every encrypted value starts with this (upstream reserves it: ``identity.encryptedPrefix``).
ENCRYPTED_PREFIX: Final = b"k8s:enc:"


class TransformError(Exception):
    """A value could not be transformed; the message is upstream's."""


class Transformer(Protocol):
    """Upstream's ``value.Transformer``: both directions of one storage format.

    ``transform_from_storage`` raises :class:`TransformError` when the value is not in its format or does
    not authenticate; ``transform_to_storage`` may raise it when the system cannot encrypt.
    """

    def transform_from_storage(self, data: bytes, authenticated_data: bytes) -> tuple[bytes, bool]: ...

    def transform_to_storage(self, data: bytes, authenticated_data: bytes) -> bytes: ...


class IdentityTransformer:
    """Stores values as they are, but refuses to hand out encrypted data as if it were plaintext
    (upstream's ``identity.NewEncryptCheckTransformer``)."""

    def transform_from_storage(self, data: bytes, authenticated_data: bytes) -> tuple[bytes, bool]:
        if data.startswith(ENCRYPTED_PREFIX):
            raise TransformError("identity transformer tried to read encrypted data")
        return data, False

    def transform_to_storage(self, data: bytes, authenticated_data: bytes) -> bytes:
        return data


#: The one identity transformer: resources no configuration names are stored through it.
IDENTITY: Final = IdentityTransformer()


@dataclass(frozen=True, slots=True)
class PrefixTransformer:
    """A transformer and the prefix that marks its output (empty for identity)."""

    prefix: bytes
    transformer: Transformer


class PrefixTransformers:
    """Write with the first transformer, read with the one whose prefix matches (upstream's
    ``NewPrefixTransformers``); ``no_match`` is the message when none matches."""

    def __init__(self, no_match: str, transformers: Sequence[PrefixTransformer]) -> None:
        if not transformers:
            raise ValueError("PrefixTransformers needs at least one transformer")
        self.no_match = no_match
        self.transformers = tuple(transformers)

    def transform_from_storage(self, data: bytes, authenticated_data: bytes) -> tuple[bytes, bool]:
        errors: list[str] = []
        for index, candidate in enumerate(self.transformers):
            if not data.startswith(candidate.prefix):
                continue
            try:
                result, stale = candidate.transformer.transform_from_storage(
                    data[len(candidate.prefix) :], authenticated_data
                )
            except TransformError as err:
                # An identity provider (empty prefix) matches everything: its refusal of encrypted data
                # only means "try the next provider", and upstream does not report it.
                if candidate.prefix:
                    errors.append(str(err))
                continue
            return result, stale or index != 0
        if errors:
            raise TransformError(aggregate(errors))
        raise TransformError(self.no_match)

    def transform_to_storage(self, data: bytes, authenticated_data: bytes) -> bytes:
        first = self.transformers[0]
        return first.prefix + first.transformer.transform_to_storage(data, authenticated_data)


def aggregate(messages: Sequence[str]) -> str:
    """apimachinery's ``utilerrors.NewAggregate(...).Error()``: one message as it is, several bracketed,
    duplicates dropped."""
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"
