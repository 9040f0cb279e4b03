"""The ``aescbc`` and ``aesgcm`` providers, byte for byte as upstream stores them
(``apiserver/pkg/storage/value/encrypt/aes/aes.go``).

After the ``k8s:enc:aescbc:v1:<keyname>:`` prefix, an aescbc value is a random 16-byte IV followed by the
AES-CBC encryption of the data padded with PKCS#7. After ``k8s:enc:aesgcm:v1:<keyname>:``, an aesgcm value
is a random 12-byte nonce followed by the GCM seal (ciphertext, then the 16-byte tag) with the storage key
as additional authenticated data. Keys are 16, 24 or 32 bytes (AES-128/192/256).
"""

from __future__ import annotations

import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pinnace.apiserver.encryption.transformer import TransformError

BLOCK_SIZE: Final = 16
#: Upstream refuses to run if Go's GCM nonce size ever changes: every stored value depends on it.
GCM_NONCE_SIZE: Final = 12
AES_KEY_SIZES: Final = (16, 24, 32)

_SHORT = "the stored data was shorter than the required size"


def _check_key(key: bytes) -> None:
    if len(key) not in AES_KEY_SIZES:
        # Go's crypto/aes.KeySizeError.
        raise ValueError(f"crypto/aes: invalid key size {len(key)}")


class CBCTransformer:
    """AES-CBC with a random IV and PKCS#7 padding (upstream's ``NewCBCTransformer``); not authenticated."""

    def __init__(self, key: bytes) -> None:
        _check_key(key)
        self._algorithm = algorithms.AES(key)

    def transform_from_storage(self, data: bytes, authenticated_data: bytes) -> tuple[bytes, bool]:
        if len(data) < BLOCK_SIZE:
            raise TransformError(_SHORT)
        iv, body = data[:BLOCK_SIZE], data[BLOCK_SIZE:]
        if len(body) % BLOCK_SIZE != 0:
            raise TransformError("the stored data is not a multiple of the block size")
        decryptor = Cipher(self._algorithm, modes.CBC(iv)).decryptor()
        result = decryptor.update(body) + decryptor.finalize()
        if not result:
            raise TransformError("invalid PKCS7 data (empty or not padded)")
        padding = result[-1]
        if padding == 0 or padding > len(result):
            raise TransformError("invalid PKCS7 data (empty or not padded)")
        if result[-padding:] != bytes([padding]) * padding:
            raise TransformError("invalid padding on input")
        return result[:-padding], False

    def transform_to_storage(self, data: bytes, authenticated_data: bytes) -> bytes:
        padding = BLOCK_SIZE - len(data) % BLOCK_SIZE
        iv = os.urandom(BLOCK_SIZE)
        encryptor = Cipher(self._algorithm, modes.CBC(iv)).encryptor()
        return iv + encryptor.update(data + bytes([padding]) * padding) + encryptor.finalize()


class GCMTransformer:
    """AES-GCM with a random 12-byte nonce, the storage key as additional data (upstream's
    ``NewGCMTransformer``)."""

    def __init__(self, key: bytes) -> None:
        _check_key(key)
        self._aead = AESGCM(key)

    def transform_from_storage(self, data: bytes, authenticated_data: bytes) -> tuple[bytes, bool]:
        if len(data) < GCM_NONCE_SIZE:
            raise TransformError(_SHORT)
        try:
            plaintext = self._aead.decrypt(data[:GCM_NONCE_SIZE], data[GCM_NONCE_SIZE:], authenticated_data)
        except InvalidTag:
            # Go's crypto/cipher errOpen, which upstream passes on.
            raise TransformError("cipher: message authentication failed") from None
        return plaintext, False

    def transform_to_storage(self, data: bytes, authenticated_data: bytes) -> bytes:
        nonce = os.urandom(GCM_NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, data, authenticated_data)
