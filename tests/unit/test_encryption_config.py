"""The encryption provider config file: what kube-apiserver accepts, and its exact refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinnace.apiserver.encryption import EncryptionConfigError, load, load_optional
from pinnace.apiserver.encryption.providers import NO_ENCRYPTION

HEADER = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
KEY16 = "c2VjcmV0IGlzIHNlY3VyZQ=="  # "secret is secure", upstream's test key
KEY32 = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="  # 32 bytes
SHORT = "c2VjcmV0"  # 6 bytes


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "encryption.yaml"
    path.write_text(text)
    return path


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(EncryptionConfigError) as err:
        load(write(tmp_path, text))
    return str(err.value)


def entry(resources: str, providers: str) -> str:
    return f"resources:\n- resources: {resources}\n  providers: {providers}\n"


AESCBC = f"[{{aescbc: {{keys: [{{name: key1, secret: {KEY32}}}]}}}}]"

INVALID = [
    pytest.param(
        entry("[secrets]", f"[{{aescbc: {{keys: [{{name: key1, secret: {SHORT}}}]}}}}]"),
        'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": '
        "secret is not of the expected length, got 6, expected one of [16 24 32]",
        id="an AES key of a bad length",
    ),
    pytest.param(
        entry("[secrets]", f"[{{secretbox: {{keys: [{{name: key1, secret: {KEY16}}}]}}}}]"),
        'resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": '
        "secret is not of the expected length, got 16, expected one of [32]",
        id="a secretbox key that is not 32 bytes",
    ),
    pytest.param(
        entry("[secrets]", "[{aesgcm: {keys: [{name: key1, secret: 'not base64!'}]}}]"),
        'resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded',
        id="a secret that is not base64",
    ),
    pytest.param(
        entry("[secrets]", "[{aescbc: {keys: [{secret: ''}]}}]"),
        "[resources[0].providers[0].aescbc.keys[0].name: Required value: name is a mandatory field for a key, "
        "resources[0].providers[0].aescbc.keys[0].secret: Required value: secret is a mandatory field for a key]",
        id="a key without name or secret",
    ),
    pytest.param(
        entry("[secrets]", "[{aesgcm: {keys: }}]"),
        "resources[0].providers[0].aesgcm.keys: Required value: at least one keys is required",
        id="a provider without keys",
    ),
    pytest.param(
        entry("[secrets, secrets]", AESCBC),
        'resources[0].resources: Invalid value: []string{"secrets", "secrets"}: '
        "the same resource cannot be specified multiple times",
        id="a resource named twice",
    ),
    pytest.param(
        entry("[secrets, '*.']", AESCBC),
        'resources[0].resources: Invalid value: []string{"secrets", "*."}: using overlapping resources such '
        "as 'secrets' and '*.' in the same resource list is not allowed as they will be masked",
        id="a resource beside the wildcard covering it",
    ),
    pytest.param(
        entry("['*']", AESCBC),
        "resources[0].resources[0]: Invalid value: \"*\": use '*.' to encrypt all the resources from core API "
        "group or *.* to encrypt all resources",
        id="a bare star",
    ),
    pytest.param(
        entry("[Secrets]", AESCBC),
        'resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters',
        id="a capital letter",
    ),
    pytest.param(
        entry("[events.events.k8s.io]", AESCBC),
        "resources[0].resources[0]: Invalid value: \"events.events.k8s.io\": '*.events.k8s.io' objects are stored "
        "using the 'events' API group in etcd. Use 'events' instead in the config file",
        id="events by their new group",
    ),
    pytest.param(
        entry("[deployments.extensions]", AESCBC),
        "resources[0].resources[0]: Invalid value: \"deployments.extensions\": 'extensions' group has been removed "
        "and cannot be used for encryption",
        id="the extensions group",
    ),
    pytest.param(
        entry("['secrets.*']", AESCBC),
        'resources[0].resources[0]: Invalid value: "secrets.*": encrypting the same resource across groups is '
        "not supported",
        id="one resource in every group",
    ),
    pytest.param(
        entry("[serviceipallocations]", AESCBC),
        'resources[0].resources[0]: Invalid value: "serviceipallocations": resources which do not have REST '
        "API/s cannot be encrypted",
        id="a storage-only resource",
    ),
    pytest.param(
        entry("[secrets]", "[{identity: {}, aescbc: {keys: [{name: k, secret: " + KEY32 + "}]}}]"),
        "resources[0].providers[0]: Invalid value: apiserver.ProviderConfiguration{AESGCM:(*apiserver.AESConfiguration)(nil), "
        "AESCBC:(*apiserver.AESConfiguration)(0xc000000000), Secretbox:(*apiserver.SecretboxConfiguration)(nil), "
        "Identity:(*apiserver.IdentityConfiguration)(0xc000000000), KMS:(*apiserver.KMSConfiguration)(nil)}: "
        "more than one provider specified in a single element, should split into different list elements",
        id="two providers in one element",
    ),
    pytest.param(
        entry("[secrets]", "[{aescbc: }]"),
        "resources[0].providers[0]: Invalid value: apiserver.ProviderConfiguration{AESGCM:(*apiserver.AESConfiguration)(nil), "
        "AESCBC:(*apiserver.AESConfiguration)(nil), Secretbox:(*apiserver.SecretboxConfiguration)(nil), "
        "Identity:(*apiserver.IdentityConfiguration)(nil), KMS:(*apiserver.KMSConfiguration)(nil)}: "
        "provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity",
        id="a null provider",
    ),
    pytest.param(
        entry("[secrets]", "[{kms: {apiVersion: v2, name: vault, endpoint: 'unix:///tmp/kms.sock'}}]"),
        "resources[0].providers[0].kms: Forbidden: KMS providers are not supported by Pinnace (it has no KMS plugin "
        "client); use aescbc, aesgcm or secretbox",
        id="kms is refused",
    ),
    pytest.param(
        "resources: []\n",
        "resources: Required value: at least one resources is required",
        id="no entries",
    ),
    pytest.param(
        "resources:\n- providers: [{identity: {}}]\n",
        "resources[0].resources: Required value: at least one resources[0].resources is required",
        id="an entry without resources",
    ),
    pytest.param(
        "resources:\n- resources: [secrets]\n",
        "resources[0].providers: Required value: at least one resources[0].providers is required",
        id="an entry without providers",
    ),
]


@pytest.mark.parametrize(("body", "message"), INVALID)
def test_invalid_configs_are_refused_with_upstreams_field_errors(
    tmp_path: Path, body: str, message: str
) -> None:
    assert refusal(tmp_path, HEADER + body) == f"error while parsing file: {message}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            entry("[secrets]", "[{aes-cbc: {keys: []}}]"),
            'strict decoding error: unknown field "resources[0].providers[0].aes-cbc"',
            id="a typo in a provider name",
        ),
        pytest.param(
            entry("[secrets]", "[{kms: {name: x, endpoint: 'unix:///x', pandas: are the best}}]"),
            'strict decoding error: unknown field "resources[0].providers[0].kms.pandas"',
            id="an unknown kms field (upstream's invalid-typo.yaml)",
        ),
        pytest.param(
            entry("secrets", AESCBC),
            "json: cannot unmarshal string into Go struct field ResourceConfiguration.resources.resources "
            "of type []string",
            id="resources as a string",
        ),
        pytest.param(
            entry("[secrets]", "[{aescbc: {keys: [{name: 1, secret: x}]}}]"),
            "json: cannot unmarshal number into Go struct field Key.resources.providers.aescbc.keys.name "
            "of type string",
            id="a number for a name",
        ),
        pytest.param(
            "resources: []\nresources: []\n",
            'strict decoding error: yaml: unmarshal errors:\n  line 4: key "resources" already set in map',
            id="a field given twice",
        ),
    ],
)
def test_undecodable_configs_are_refused_as_upstream_decodes_strictly(
    tmp_path: Path, body: str, message: str
) -> None:
    path = write(tmp_path, HEADER + body)
    with pytest.raises(EncryptionConfigError) as err:
        load(path)
    assert str(err.value) == (
        f'error while parsing file: error decoding encryption provider configuration file "{path}": {message}'
    )


def test_the_kind_and_version_must_be_upstreams(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfig\nresources: []\n")
    with pytest.raises(EncryptionConfigError, match='no kind "EncryptionConfig" is registered for version'):
        load(path)
    path = write(tmp_path, "resources: []\n")
    with pytest.raises(EncryptionConfigError, match="Object 'Kind' is missing in 'resources: \\[\\]\n'"):
        load(path)


def test_a_missing_or_empty_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(EncryptionConfigError) as err:
        load(missing)
    assert str(err.value) == (
        "error while parsing file: error while loading file: error reading encryption provider configuration "
        f'file "{missing}": open {missing}: no such file or directory'
    )
    empty = write(tmp_path, "")
    with pytest.raises(EncryptionConfigError) as err:
        load(empty)
    assert str(err.value) == (
        f'error while parsing file: error while loading file: encryption provider configuration file "{empty}" '
        "is empty"
    )


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param(
            [("['*.']", AESCBC), ("[secrets]", AESCBC)],
            'resource "secrets" is masked by earlier rule "*."',
            id="a core resource after the core wildcard",
        ),
        pytest.param(
            [("['*.apps']", AESCBC), ("[deployments.apps]", AESCBC)],
            'resource "deployments.apps" is masked by earlier rule "*.apps"',
            id="a resource after its group's wildcard",
        ),
        pytest.param(
            [("['*.*']", AESCBC), ("[configmaps]", AESCBC)],
            'resource "configmaps" is masked by earlier rule "*.*"',
            id="anything after the wildcard of everything",
        ),
    ],
)
def test_rules_masked_by_an_earlier_wildcard_are_refused(
    tmp_path: Path, entries: list[tuple[str, str]], message: str
) -> None:
    body = "resources:\n" + "".join(f"- resources: {r}\n  providers: {p}\n" for r, p in entries)
    assert refusal(tmp_path, HEADER + body) == f"error while building transformers: {message}"


def test_upstreams_documented_example_loads(tmp_path: Path) -> None:
    # The example of EncryptionConfiguration's Go doc (apiserver/pkg/apis/apiserver/v1/types_encryption.go),
    # with 32-byte keys for key2 and key3: the doc's are 28 and 25 bytes, which upstream's validation refuses too.
    text = HEADER + (
        "resources:\n"
        "- resources:\n  - events\n  providers:\n  - identity: {}\n"
        "- resources:\n  - secrets\n  - configmaps\n  - pandas.awesome.bears.example\n  providers:\n"
        "  - aescbc:\n      keys:\n      - name: key1\n        secret: c2VjcmV0IGlzIHNlY3VyZQ==\n"
        "- resources:\n  - '*.apps'\n  providers:\n"
        f"  - aescbc:\n      keys:\n      - name: key2\n        secret: {KEY32}\n"
        "- resources:\n  - '*.*'\n  providers:\n"
        f"  - aescbc:\n      keys:\n      - name: key3\n        secret: {KEY32}\n"
    )
    loaded = load(write(tmp_path, text))
    stored = loaded.for_resource("awesome.bears.example", "pandas").transform_to_storage(b"{}", b"/k")
    assert stored.startswith(b"k8s:enc:aescbc:v1:key1:")


def test_json_configs_load_too(tmp_path: Path) -> None:
    text = (
        '{"kind": "EncryptionConfiguration", "apiVersion": "apiserver.config.k8s.io/v1", "resources": '
        f'[{{"resources": ["secrets"], "providers": [{{"secretbox": {{"keys": [{{"name": "k", "secret": "{KEY32}"}}]}}}}]}}]}}'
    )
    stored = load(write(tmp_path, text)).for_resource("", "secrets").transform_to_storage(b"{}", b"/k")
    assert stored.startswith(b"k8s:enc:secretbox:v1:k:")


def test_no_file_means_no_encryption() -> None:
    assert load_optional(None) is NO_ENCRYPTION
