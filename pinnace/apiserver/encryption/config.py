"""Reading ``--encryption-provider-config``: an ``EncryptionConfiguration`` (``apiserver.config.k8s.io/v1``).

Decoding is strict as upstream's (``apiserver/pkg/server/options/encryptionconfig/config.go`` ``loadConfig``
decodes with ``serializer.EnableStrict``): an unknown field or a value of the wrong JSON type refuses the
file, with apimachinery's messages (``strict decoding error: unknown field "resources[0].providers[0].foo"``,
``json: cannot unmarshal string into Go struct field ResourceConfiguration.resources.resources of type
[]string``). A provider given as ``null`` counts as absent, as a nil pointer does in Go.

The result is frozen values; :mod:`.validation` checks them and :mod:`.providers` turns them into
transformers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import yaml

from pinnace.api.schema_strict import strict_decoding_message, unknown_field, yaml_duplicate_error

GROUP_VERSION: Final = "apiserver.config.k8s.io/v1"
KIND: Final = "EncryptionConfiguration"

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DecodeError(ValueError):
    """The file is not a well-formed EncryptionConfiguration; the message is apimachinery's."""


@dataclass(frozen=True, slots=True)
class Key:
    name: str
    secret: str  # base64 of the key bytes


@dataclass(frozen=True, slots=True)
class KeysConfiguration:
    """``AESConfiguration`` and ``SecretboxConfiguration``: named keys, the first one encrypts."""

    keys: tuple[Key, ...]


@dataclass(frozen=True, slots=True)
class ProviderConfiguration:
    """One entry of ``providers``: exactly one of these should be set (validation says so if not)."""

    aesgcm: KeysConfiguration | None = None
    aescbc: KeysConfiguration | None = None
    secretbox: KeysConfiguration | None = None
    identity: bool = False
    # Kept only to be refused by validation: Pinnace has no KMS plugin client.
    kms: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ResourceConfiguration:
    resources: tuple[str, ...]
    providers: tuple[ProviderConfiguration, ...]


@dataclass(frozen=True, slots=True)
class EncryptionConfiguration:
    resources: tuple[ResourceConfiguration, ...]


# --- the Go types, for strict decoding -----------------------------------------------------------------
# A type is "string", "int32", "duration", ("[]", element, go name) or a struct name from _STRUCTS.

_STRUCTS: Final[dict[str, dict[str, Any]]] = {
    "EncryptionConfiguration": {
        "apiVersion": "string",
        "kind": "string",
        "resources": ("[]", "ResourceConfiguration", "[]v1.ResourceConfiguration"),
    },
    "ResourceConfiguration": {
        "resources": ("[]", "string", "[]string"),
        "providers": ("[]", "ProviderConfiguration", "[]v1.ProviderConfiguration"),
    },
    "ProviderConfiguration": {
        "aesgcm": "AESConfiguration",
        "aescbc": "AESConfiguration",
        "secretbox": "SecretboxConfiguration",
        "identity": "IdentityConfiguration",
        "kms": "KMSConfiguration",
    },
    "AESConfiguration": {"keys": ("[]", "Key", "[]v1.Key")},
    "SecretboxConfiguration": {"keys": ("[]", "Key", "[]v1.Key")},
    "Key": {"name": "string", "secret": "string"},
    "IdentityConfiguration": {},
    "KMSConfiguration": {
        "apiVersion": "string",
        "name": "string",
        "cachesize": "int32",
        "endpoint": "string",
        "timeout": "duration",
    },
}


def _json_kind(value: Any) -> str:
    """The JSON type name Go's ``UnmarshalTypeError`` reports."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Checker:
    """Walks decoded JSON against the Go types: the first type error raises, unknown fields are collected."""

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def check(self, value: Any, go_type: Any, struct: str, fields: str, path: str) -> None:
        if value is None:
            return  # null leaves the Go zero value
        if isinstance(go_type, tuple):
            _, element, go_name = go_type
            if not isinstance(value, list):
                self._type_error(value, struct, fields, go_name)
            for index, item in enumerate(value):
                self.check(item, element, struct, fields, f"{path}[{index}]")
        elif go_type == "string":
            if not isinstance(value, str):
                self._type_error(value, struct, fields, "string")
        elif go_type == "int32":
            if isinstance(value, bool) or not isinstance(value, int):
                self._type_error(value, struct, fields, "int32")
        elif go_type == "duration":
            if not isinstance(value, str):
                self._type_error(value, struct, fields, "v1.Duration")
        else:
            if not isinstance(value, dict):
                self._type_error(value, struct, fields, f"v1.{go_type}")
            known = _STRUCTS[go_type]
            for name, item in value.items():
                child_path = f"{path}.{name}" if path else str(name)
                if name not in known:
                    self.unknown.append(unknown_field(child_path))
                    continue
                child_fields = f"{fields}.{name}" if fields else str(name)
                self.check(item, known[name], go_type, child_fields, child_path)

    @staticmethod
    def _type_error(value: Any, struct: str, fields: str, go_name: str) -> None:
        raise DecodeError(
            f"json: cannot unmarshal {_json_kind(value)} into Go struct field {struct}.{fields} "
            f"of type {go_name}"
        )


def decode(text: str) -> EncryptionConfiguration:
    """Decode the file's text (YAML or JSON) strictly; raises DecodeError with apimachinery's message."""
    duplicate = yaml_duplicate_error(text)
    if duplicate is not None:
        raise DecodeError(strict_decoding_message([duplicate]))
    try:
        document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        raise DecodeError(f"error converting YAML to JSON: {err}") from err
    if document is None:
        document = {}  # "null": Go decodes it into an empty TypeMeta
    if not isinstance(document, dict):
        raise DecodeError(
            f"couldn't get version/kind; json parse error: {_json_kind(document)} is not an object"
        )
    kind, api_version = document.get("kind"), document.get("apiVersion")
    if not kind:
        raise DecodeError(f"Object 'Kind' is missing in '{text}'")
    if not api_version:
        raise DecodeError(f"Object 'apiVersion' is missing in '{text}'")
    if (api_version, kind) != (GROUP_VERSION, KIND):
        raise DecodeError(f'no kind "{kind}" is registered for version "{api_version}"')
    checker = _Checker()
    checker.check(document, "EncryptionConfiguration", "EncryptionConfiguration", "", "")
    if checker.unknown:
        raise DecodeError(strict_decoding_message(checker.unknown))
    return EncryptionConfiguration(
        tuple(_resource_configuration(entry) for entry in document.get("resources") or ())
    )


def _resource_configuration(entry: dict[str, Any] | None) -> ResourceConfiguration:
    entry = entry or {}
    return ResourceConfiguration(
        resources=tuple(r or "" for r in entry.get("resources") or ()),
        providers=tuple(_provider(p) for p in entry.get("providers") or ()),
    )


def _provider(entry: dict[str, Any] | None) -> ProviderConfiguration:
    entry = entry or {}
    return ProviderConfiguration(
        aesgcm=_keys(entry.get("aesgcm")),
        aescbc=_keys(entry.get("aescbc")),
        secretbox=_keys(entry.get("secretbox")),
        identity=entry.get("identity") is not None,
        kms=dict(entry["kms"]) if entry.get("kms") is not None else None,
    )


def _keys(entry: dict[str, Any] | None) -> KeysConfiguration | None:
    if entry is None:
        return None
    keys = [k or {} for k in entry.get("keys") or ()]  # a null item is Go's zero Key
    return KeysConfiguration(tuple(Key(k.get("name") or "", k.get("secret") or "") for k in keys))


@dataclass(frozen=True, slots=True)
class GroupResource:
    """apimachinery's ``schema.GroupResource``; ``*`` stands for any group or any resource in the config."""

    group: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> GroupResource:
        """``schema.ParseGroupResource``: ``secrets``, ``deployments.apps``, ``*.``, ``*.apps``, ``*.*``."""
        resource, dot, group = text.partition(".")
        return cls(group if dot else "", resource)

    def __str__(self) -> str:
        """How upstream's errors name a config entry (``grYAMLString``): ``*.`` is the core wildcard."""
        if not self.group:
            return "*." if self.resource == "*" else self.resource
        return f"{self.resource}.{self.group}"


#: ``*.*``: every resource of every group.
ANY_GROUP_ANY_RESOURCE: Final = GroupResource("*", "*")
