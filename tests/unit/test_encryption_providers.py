"""Encryption providers: each one's stored format, published test vectors, wrong keys, and the order in which
providers and keys are tried (upstream's aes_test.go, secretbox_test.go and transformer_test.go)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pinnace.apiserver.encryption import ResourceTransformers, load
from pinnace.apiserver.encryption.aes import CBCTransformer, GCMTransformer
from pinnace.apiserver.encryption.secretbox import SecretboxTransformer
from pinnace.apiserver.encryption.transformer import (
    IDENTITY,
    PrefixTransformer,
    PrefixTransformers,
    Transformer,
    TransformError,
)

KEY_16 = b"0123456789abcdef"
KEY_32 = b"abcdefghijklmnopabcdefghijklmnop"
OTHER_32 = b"0123456789abcdef0123456789abcdef"
SECRET_KEY = b"/registry/secrets/default/s"
PLAINTEXT = b'{"kind":"Secret","data":{"password":"aHVudGVyMg=="}}'


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def transformers(tmp_path: Path, providers_yaml: str, resources: str = "[secrets]") -> ResourceTransformers:
    """The transformers of a config whose one entry covers ``resources`` with ``providers_yaml``."""
    path = tmp_path / "encryption.yaml"
    path.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        f"- resources: {resources}\n  providers:\n{providers_yaml}"
    )
    return load(path)


def secrets(tmp_path: Path, providers_yaml: str) -> Transformer:
    return transformers(tmp_path, providers_yaml).for_resource("", "secrets")


def aes(provider: str, *keys: tuple[str, bytes]) -> str:
    lines = [f"  - {provider}:", "      keys:"]
    for name, key in keys:
        lines += [f"      - name: {name}", f"        secret: {b64(key)}"]
    return "\n".join(lines) + "\n"


IDENTITY_PROVIDER = "  - identity: {}\n"


# --- stored format -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "key", "overhead"),
    [
        pytest.param("aescbc", KEY_32, 16, id="aescbc stores key name, IV and padded CBC"),
        pytest.param("aescbc", KEY_16, 16, id="aescbc takes a 16-byte key"),
        pytest.param("aesgcm", KEY_32, 12 + 16, id="aesgcm stores key name, nonce, sealed data and tag"),
        pytest.param("aesgcm", b"x" * 24, 12 + 16, id="aesgcm takes a 24-byte key"),
        pytest.param("secretbox", KEY_32, 24 + 16, id="secretbox stores key name, nonce, tag and box"),
    ],
)
def test_each_provider_round_trips_under_upstreams_prefix(
    tmp_path: Path, provider: str, key: bytes, overhead: int
) -> None:
    transformer = secrets(tmp_path, aes(provider, ("key1", key)))
    stored = transformer.transform_to_storage(PLAINTEXT, SECRET_KEY)
    prefix = f"k8s:enc:{provider}:v1:key1:".encode()
    assert stored.startswith(prefix)
    assert b"password" not in stored and b"aHVudGVyMg" not in stored
    body = stored[len(prefix) :]
    if provider == "aescbc":
        padded = len(PLAINTEXT) + 16 - len(PLAINTEXT) % 16
        assert len(body) == overhead + padded
    else:
        assert len(body) == overhead + len(PLAINTEXT)
    assert transformer.transform_from_storage(stored, SECRET_KEY) == (PLAINTEXT, False)
    # A fresh IV or nonce every time: equal plaintexts never look alike on disk.
    assert transformer.transform_to_storage(PLAINTEXT, SECRET_KEY) != stored


def test_identity_stores_plaintext_and_reads_it_back(tmp_path: Path) -> None:
    transformer = secrets(tmp_path, IDENTITY_PROVIDER)
    assert transformer.transform_to_storage(PLAINTEXT, SECRET_KEY) == PLAINTEXT
    assert transformer.transform_from_storage(PLAINTEXT, SECRET_KEY) == (PLAINTEXT, False)


# --- published vectors --------------------------------------------------------------------------------


def test_aesgcm_reads_upstreams_recorded_ciphertext() -> None:
    # aes_test.go TestGCMLegacyDataCompatibility: recorded output of NewGCMTransformer, key
    # "snorlax_awesomes", authenticated data "bamboo" (the Go literal's \u05c8 is two UTF-8 bytes).
    legacy = (
        b"\x9f'\xc8\xfc\xea\x8aX\xc4g\xd8\xe47\xdb\xf2\xd8YU\xf9\xb4\xbd\x91/N\xf9g"
        + "\u05c8".encode()
        + b"\xa0\xcb\x07y}\xac\n?\n\x08E`\\\xa8Z\xc8V+J\xe1"
    )
    assert GCMTransformer(b"snorlax_awesomes").transform_from_storage(legacy, b"bamboo") == (
        b"pandas are the best",
        False,
    )


def test_secretbox_reads_nacls_reference_box() -> None:
    # golang.org/x/crypto/nacl/secretbox TestSecretBox, generated with NaCl's C implementation:
    # key 32 bytes of 0x01, nonce 24 of 0x02, message 64 of 0x03. Upstream stores nonce + box.
    box = bytes.fromhex(
        "8442bc313f4626f1359e3b50122b6ce6fe66ddfe7d39d14e637eb4fd5b45beadab55198df6ab5368439792a23c87db70"
        "acb6156dc5ef957ac04f6276cf6093b84be77ff0849cc33e34b7254d5a8f65ad"
    )
    stored = b"\x02" * 24 + box
    assert SecretboxTransformer(b"\x01" * 32).transform_from_storage(stored, SECRET_KEY) == (
        b"\x03" * 64,
        False,
    )


def test_aescbc_reads_nist_sp800_38a_blocks_after_the_iv() -> None:
    # NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt); PKCS#7 adds one block of 0x10 bytes to 64 bytes of data.
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    iv = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    plaintext = bytes.fromhex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
    )
    ciphertext = bytes.fromhex(
        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
        "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"
    )
    last = bytes(a ^ b for a, b in zip(b"\x10" * 16, ciphertext[-16:], strict=True))
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    padding_block = encryptor.update(last) + encryptor.finalize()
    stored = iv + ciphertext + padding_block
    assert CBCTransformer(key).transform_from_storage(stored, SECRET_KEY) == (plaintext, False)


# --- what does not decrypt ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transformer", "stored", "message"),
    [
        pytest.param(
            CBCTransformer(KEY_16),
            b"short",
            "the stored data was shorter than the required size",
            id="cbc short",
        ),
        pytest.param(
            CBCTransformer(KEY_16),
            b"x" * 20,
            "the stored data is not a multiple of the block size",
            id="cbc not blocks",
        ),
        pytest.param(
            GCMTransformer(KEY_16),
            b"x" * 11,
            "the stored data was shorter than the required size",
            id="gcm short",
        ),
        pytest.param(
            GCMTransformer(KEY_16), b"x" * 40, "cipher: message authentication failed", id="gcm forged"
        ),
        pytest.param(
            SecretboxTransformer(KEY_32),
            b"x" * 39,
            "the stored data was shorter than the required size",
            id="secretbox short",
        ),
        pytest.param(
            SecretboxTransformer(KEY_32),
            b"x" * 60,
            "output array was not large enough for encryption",
            id="secretbox forged",
        ),
    ],
)
def test_damaged_values_fail_with_upstreams_messages(
    transformer: Transformer, stored: bytes, message: str
) -> None:
    with pytest.raises(TransformError) as err:
        transformer.transform_from_storage(stored, SECRET_KEY)
    assert str(err.value) == message


@pytest.mark.parametrize("provider", ["aescbc", "aesgcm", "secretbox"])
def test_a_value_under_another_key_of_the_same_name_does_not_decrypt(tmp_path: Path, provider: str) -> None:
    stored = secrets(tmp_path, aes(provider, ("key1", KEY_32))).transform_to_storage(PLAINTEXT, SECRET_KEY)
    imposter = secrets(tmp_path, aes(provider, ("key1", OTHER_32)))
    if provider == "aescbc":
        # CBC is not authenticated: the wrong key shows as bad padding, or (1 in 256) as garbage.
        try:
            result, _ = imposter.transform_from_storage(stored, SECRET_KEY)
        except TransformError as err:
            assert str(err) in ("invalid padding on input", "invalid PKCS7 data (empty or not padded)")
        else:
            assert result != PLAINTEXT
        return
    with pytest.raises(TransformError) as err:
        imposter.transform_from_storage(stored, SECRET_KEY)
    assert (
        str(err.value)
        == {
            "aesgcm": "cipher: message authentication failed",
            "secretbox": "output array was not large enough for encryption",
        }[provider]
    )


@pytest.mark.parametrize(
    ("provider", "kind"), [("aescbc", "AES"), ("aesgcm", "AES"), ("secretbox", "Secretbox")]
)
def test_a_value_under_an_unknown_key_name_is_upstreams_error(
    tmp_path: Path, provider: str, kind: str
) -> None:
    stored = secrets(tmp_path, aes(provider, ("key1", KEY_32))).transform_to_storage(PLAINTEXT, SECRET_KEY)
    with pytest.raises(TransformError) as err:
        secrets(tmp_path, aes(provider, ("key2", KEY_32))).transform_from_storage(stored, SECRET_KEY)
    assert str(err.value) == f"no matching key was found for the provided {kind} transformer"


def test_aesgcm_binds_the_value_to_its_storage_key(tmp_path: Path) -> None:
    transformer = secrets(tmp_path, aes("aesgcm", ("key1", KEY_32)))
    stored = transformer.transform_to_storage(PLAINTEXT, SECRET_KEY)
    with pytest.raises(TransformError, match="cipher: message authentication failed"):
        transformer.transform_from_storage(stored, b"/registry/secrets/default/other")


def test_identity_alone_refuses_encrypted_data(tmp_path: Path) -> None:
    stored = secrets(tmp_path, aes("aescbc", ("key1", KEY_32))).transform_to_storage(PLAINTEXT, SECRET_KEY)
    with pytest.raises(TransformError) as err:
        secrets(tmp_path, IDENTITY_PROVIDER).transform_from_storage(stored, SECRET_KEY)
    assert str(err.value) == "no matching prefix found"
    # Resources no entry names are read through the bare identity check.
    with pytest.raises(TransformError) as err:
        IDENTITY.transform_from_storage(stored, SECRET_KEY)
    assert str(err.value) == "identity transformer tried to read encrypted data"


def test_a_provider_missing_from_the_config_is_no_matching_prefix(tmp_path: Path) -> None:
    stored = secrets(tmp_path, aes("secretbox", ("key1", KEY_32))).transform_to_storage(PLAINTEXT, SECRET_KEY)
    with pytest.raises(TransformError) as err:
        secrets(tmp_path, aes("aescbc", ("key1", KEY_32))).transform_from_storage(stored, SECRET_KEY)
    assert str(err.value) == "no matching prefix found"


# --- order: the first writes, every one reads -------------------------------------------------------------


def test_the_first_provider_writes_and_the_others_still_read_as_stale(tmp_path: Path) -> None:
    identity_first = secrets(tmp_path, IDENTITY_PROVIDER + aes("aescbc", ("key1", KEY_32)))
    cbc_first = secrets(tmp_path, aes("aescbc", ("key1", KEY_32)) + IDENTITY_PROVIDER)
    plain = identity_first.transform_to_storage(PLAINTEXT, SECRET_KEY)
    assert plain == PLAINTEXT
    encrypted = cbc_first.transform_to_storage(PLAINTEXT, SECRET_KEY)
    assert encrypted.startswith(b"k8s:enc:aescbc:v1:key1:")
    # Each reads what it writes as current, and what the other writes as stale (to be rewritten).
    assert cbc_first.transform_from_storage(encrypted, SECRET_KEY) == (PLAINTEXT, False)
    assert cbc_first.transform_from_storage(plain, SECRET_KEY) == (PLAINTEXT, True)
    assert identity_first.transform_from_storage(plain, SECRET_KEY) == (PLAINTEXT, False)
    assert identity_first.transform_from_storage(encrypted, SECRET_KEY) == (PLAINTEXT, True)


def test_key_rotation_reads_the_old_key_as_stale_until_rewritten(tmp_path: Path) -> None:
    # Upstream's documented rotation: add key2 second, restart; move it first, restart; rewrite; drop key1.
    old = secrets(tmp_path, aes("aesgcm", ("key1", KEY_32)))
    added = secrets(tmp_path, aes("aesgcm", ("key1", KEY_32), ("key2", OTHER_32)))
    promoted = secrets(tmp_path, aes("aesgcm", ("key2", OTHER_32), ("key1", KEY_32)))
    final = secrets(tmp_path, aes("aesgcm", ("key2", OTHER_32)))
    v1 = old.transform_to_storage(PLAINTEXT, SECRET_KEY)
    assert added.transform_from_storage(v1, SECRET_KEY) == (PLAINTEXT, False)
    assert added.transform_to_storage(PLAINTEXT, SECRET_KEY).startswith(b"k8s:enc:aesgcm:v1:key1:")
    assert promoted.transform_from_storage(v1, SECRET_KEY) == (PLAINTEXT, True)
    v2 = promoted.transform_to_storage(PLAINTEXT, SECRET_KEY)
    assert v2.startswith(b"k8s:enc:aesgcm:v1:key2:")
    assert final.transform_from_storage(v2, SECRET_KEY) == (PLAINTEXT, False)
    with pytest.raises(TransformError, match="no matching key was found for the provided AES transformer"):
        final.transform_from_storage(v1, SECRET_KEY)


def test_errors_of_several_matching_transformers_are_aggregated() -> None:
    chain = PrefixTransformers(
        "no matching prefix found",
        [
            PrefixTransformer(b"k8s:enc:aesgcm:v1:", GCMTransformer(KEY_16)),
            PrefixTransformer(b"k8s:enc:aesgcm:v1:", GCMTransformer(KEY_32)),
            PrefixTransformer(b"k8s:enc:aesgcm:v1:", CBCTransformer(KEY_16)),
        ],
    )
    with pytest.raises(TransformError) as err:
        chain.transform_from_storage(b"k8s:enc:aesgcm:v1:" + b"x" * 20, SECRET_KEY)
    # Duplicates collapse, as apimachinery's aggregate does.
    assert str(err.value) == (
        "[cipher: message authentication failed, the stored data is not a multiple of the block size]"
    )


# --- which resources -------------------------------------------------------------------------------------


def test_a_resource_is_matched_by_name_then_group_wildcard_then_everything(tmp_path: Path) -> None:
    path = tmp_path / "encryption.yaml"
    path.write_text(
        f"""apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [events]
  providers: [{{identity: {{}}}}]
- resources: [secrets, deployments.apps]
  providers: [{{aescbc: {{keys: [{{name: named, secret: {b64(KEY_32)}}}]}}}}]
- resources: ['*.apps']
  providers: [{{aesgcm: {{keys: [{{name: apps, secret: {b64(KEY_32)}}}]}}}}]
- resources: ['*.']
  providers: [{{secretbox: {{keys: [{{name: core, secret: {b64(KEY_32)}}}]}}}}]
- resources: ['*.*']
  providers: [{{aesgcm: {{keys: [{{name: all, secret: {b64(KEY_32)}}}]}}}}]
"""
    )
    chosen = load(path)

    def prefix(group: str, resource: str) -> bytes:
        return chosen.for_resource(group, resource).transform_to_storage(b"{}", b"/k")[:30]

    assert prefix("", "events") == b"{}"
    assert prefix("", "secrets").startswith(b"k8s:enc:aescbc:v1:named:")
    assert prefix("apps", "deployments").startswith(b"k8s:enc:aescbc:v1:named:")
    assert prefix("apps", "statefulsets").startswith(b"k8s:enc:aesgcm:v1:apps:")
    assert prefix("", "configmaps").startswith(b"k8s:enc:secretbox:v1:core:")
    assert prefix("batch", "jobs").startswith(b"k8s:enc:aesgcm:v1:all:")


def test_a_resource_in_two_entries_chains_their_providers(tmp_path: Path) -> None:
    chosen = transformers(
        tmp_path,
        aes("aescbc", ("first", KEY_32))
        + "- resources: [secrets]\n  providers:\n"
        + aes("aesgcm", ("second", KEY_32)),
    )
    secret_transformer = chosen.for_resource("", "secrets")
    assert secret_transformer.transform_to_storage(PLAINTEXT, SECRET_KEY).startswith(
        b"k8s:enc:aescbc:v1:first:"
    )
    gcm_value = transformers(tmp_path, aes("aesgcm", ("second", KEY_32))).for_resource("", "secrets")
    stored = gcm_value.transform_to_storage(PLAINTEXT, SECRET_KEY)
    assert secret_transformer.transform_from_storage(stored, SECRET_KEY) == (PLAINTEXT, True)
