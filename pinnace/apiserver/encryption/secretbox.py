"""The ``secretbox`` provider: XSalsa20 and Poly1305 (NaCl's ``crypto_secretbox``), as upstream stores it
(``apiserver/pkg/storage/value/encrypt/secretbox/secretbox.go``).

After the ``k8s:enc:secretbox:v1:<keyname>:`` prefix, a value is a random 24-byte nonce followed by the box
(the 16-byte Poly1305 tag, then the ciphertext), which is what Go's ``secretbox.Seal(nonce, ...)`` and
libsodium's combined mode both produce. Keys are 32 bytes. Like upstream, the storage key is not bound to
the value.
"""

from __future__ import annotations

import os
from typing import Final

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from pinnace.apiserver.encryption.transformer import TransformError

KEY_SIZE: Final = 32
NONCE_SIZE: Final = 24
OVERHEAD: Final = 16


class SecretboxTransformer:
    """Upstream's ``NewSecretboxTransformer``."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError(f"expected key size 32 for secretbox provider, got {len(key)}")
        self._box = SecretBox(key)

    def transform_from_storage(self, data: bytes, authenticated_data: bytes) -> tuple[bytes, bool]:
        if len(data) < OVERHEAD + NONCE_SIZE:
            raise TransformError("the stored data was shorter than the required size")
        try:
            plaintext = self._box.decrypt(data[NONCE_SIZE:], data[:NONCE_SIZE])
        except CryptoError:
            # Upstream's message for a box that does not open, odd as it reads.
            raise TransformError("output array was not large enough for encryption") from None
        return plaintext, False

    def transform_to_storage(self, data: bytes, authenticated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._box.encrypt(data, nonce).ciphertext
