"""Validation of an EncryptionConfiguration, with upstream's paths and messages
(``apiserver/pkg/apis/apiserver/validation/validation_encryption.go``, v1.32).

Errors are :class:`pinnace.api.validation.field.FieldError`s, so they print as upstream's do
(``resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected
length, got 8, expected one of [16 24 32]``). One departure: a ``kms`` provider is refused as Forbidden,
since Pinnace has no KMS plugin client.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Final

from pinnace.api.gofmt import GoValue, go_pointer, go_string_slice
from pinnace.api.validation import field
from pinnace.api.validation.field import FieldError, Path
from pinnace.apiserver.encryption.config import (
    ANY_GROUP_ANY_RESOURCE,
    EncryptionConfiguration,
    GroupResource,
    Key,
    KeysConfiguration,
    ProviderConfiguration,
)

AES_KEY_SIZES: Final = (16, 24, 32)
SECRETBOX_KEY_SIZES: Final = (32,)

MORE_THAN_ONE_ELEMENT: Final = (
    "more than one provider specified in a single element, should split into different list elements"
)
NO_PROVIDER: Final = (
    "provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity"
)
KMS_UNSUPPORTED: Final = (
    "KMS providers are not supported by Pinnace (it has no KMS plugin client); "
    "use aescbc, aesgcm or secretbox"
)
EVENTS_GROUP: Final = (
    "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. "
    "Use 'events' instead in the config file"
)
EXTENSIONS_GROUP: Final = "'extensions' group has been removed and cannot be used for encryption"
STAR_RESOURCE: Final = (
    "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"
)
OVERLAP: Final = (
    "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed "
    "as they will be masked"
)
NON_REST_RESOURCE: Final = "resources which do not have REST API/s cannot be encrypted"
RESOURCE_NAME: Final = "resource name should not contain capital letters"
RESOURCE_ACROSS_GROUP: Final = "encrypting the same resource across groups is not supported"
DUPLICATE_RESOURCE: Final = "the same resource cannot be specified multiple times"
BASE64_ENCODING: Final = "secrets must be base64 encoded"

_NON_REST_RESOURCES: Final = frozenset(
    {"apiserveripinfo", "serviceipallocations", "servicenodeportallocations"}
)


def validate(config: EncryptionConfiguration) -> list[FieldError]:
    """Upstream's ``ValidateEncryptionConfiguration`` (reload=false)."""
    root = Path.root("resources")
    if not config.resources:
        return [field.required(root, f"at least one {root} is required")]
    errors: list[FieldError] = []
    for i, entry in enumerate(config.resources):
        resources_path = root.index(i).child("resources")
        providers_path = root.index(i).child("providers")
        if not entry.resources:
            errors.append(field.required(resources_path, f"at least one {resources_path} is required"))
        errors += _resource_overlap(entry.resources, resources_path)
        errors += _resource_names(entry.resources, resources_path)
        if not entry.providers:
            errors.append(field.required(providers_path, f"at least one {providers_path} is required"))
        for j, provider in enumerate(entry.providers):
            errors += _provider(provider, providers_path.index(j))
    return errors


def _resource_overlap(resources: Sequence[str], path: Path) -> list[FieldError]:
    """A list naming one resource twice, or a wildcard beside what it covers, would mask part of itself."""
    parsed = [GroupResource.parse(r) for r in resources]
    duplicate = overlap = False
    for i, first in enumerate(parsed):
        for j, second in enumerate(parsed):
            if i == j:
                continue
            # Upstream's loop, kept as is: only the first equal pair counts as the duplicate, so a
            # repeated wildcard ("*.", "*.") is also reported as an overlap.
            if first == second and not duplicate:
                duplicate = True
                continue
            if overlap:
                continue
            if first == ANY_GROUP_ANY_RESOURCE or (
                first.group == second.group and "*" in (first.resource, second.resource)
            ):
                overlap = True
    value = go_string_slice(resources)
    errors: list[FieldError] = []
    if duplicate:
        errors.append(field.invalid(path, value, DUPLICATE_RESOURCE))
    if overlap:
        errors.append(field.invalid(path, value, OVERLAP))
    return errors


def _resource_names(resources: Sequence[str], path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    for j, resource in enumerate(resources):
        gr = GroupResource.parse(resource)
        detail = ""
        if resource.lower() != resource:
            detail = RESOURCE_NAME
        elif resource == "*":
            detail = STAR_RESOURCE
        elif resource in _NON_REST_RESOURCES:
            detail = NON_REST_RESOURCE
        elif gr.group == "events.k8s.io":
            detail = EVENTS_GROUP
        elif gr.group == "extensions":
            detail = EXTENSIONS_GROUP
        elif gr.group == "*" and gr.resource != "*":
            detail = RESOURCE_ACROSS_GROUP
        if detail:
            errors.append(field.invalid(path.index(j), resource, detail))
    return errors


def _provider(provider: ProviderConfiguration, path: Path) -> list[FieldError]:
    present = {
        "AESGCM": provider.aesgcm is not None,
        "AESCBC": provider.aescbc is not None,
        "Secretbox": provider.secretbox is not None,
        "Identity": provider.identity,
        "KMS": provider.kms is not None,
    }
    found = sum(present.values())
    if found != 1:
        return [
            field.invalid(path, _go_provider(present), NO_PROVIDER if found == 0 else MORE_THAN_ONE_ELEMENT)
        ]
    if provider.kms is not None:
        return [field.forbidden(path.child("kms"), KMS_UNSUPPORTED)]
    if provider.aesgcm is not None:
        return _keys(provider.aesgcm, path.child("aesgcm", "keys"), AES_KEY_SIZES)
    if provider.aescbc is not None:
        return _keys(provider.aescbc, path.child("aescbc", "keys"), AES_KEY_SIZES)
    if provider.secretbox is not None:
        return _keys(provider.secretbox, path.child("secretbox", "keys"), SECRETBOX_KEY_SIZES)
    return []


def _go_provider(present: dict[str, bool]) -> GoValue:
    """``%#v`` of the internal ``apiserver.ProviderConfiguration`` upstream passes as the bad value."""
    types = {
        "AESGCM": "apiserver.AESConfiguration",
        "AESCBC": "apiserver.AESConfiguration",
        "Secretbox": "apiserver.SecretboxConfiguration",
        "Identity": "apiserver.IdentityConfiguration",
        "KMS": "apiserver.KMSConfiguration",
    }
    fields = ", ".join(f"{name}:{go_pointer(types[name], present[name])}" for name in types)
    return GoValue(f"apiserver.ProviderConfiguration{{{fields}}}")


def _keys(config: KeysConfiguration, path: Path, sizes: Sequence[int]) -> list[FieldError]:
    if not config.keys:
        return [field.required(path, "at least one keys is required")]
    errors: list[FieldError] = []
    for i, key in enumerate(config.keys):
        errors += _key(key, path.index(i), sizes)
    return errors


def _key(key: Key, path: Path, sizes: Sequence[int]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not key.name:
        errors.append(field.required(path.child("name"), "name is a mandatory field for a key"))
    if not key.secret:
        errors.append(field.required(path.child("secret"), "secret is a mandatory field for a key"))
        return errors
    secret = decode_secret(key.secret)
    if secret is None:
        errors.append(field.invalid(path.child("secret"), "REDACTED", BASE64_ENCODING))
    elif len(secret) not in sizes:
        expected = "[" + " ".join(str(size) for size in sizes) + "]"
        errors.append(
            field.invalid(
                path.child("secret"),
                "REDACTED",
                f"secret is not of the expected length, got {len(secret)}, expected one of {expected}",
            )
        )
    return errors


def decode_secret(secret: str) -> bytes | None:
    """Go's ``base64.StdEncoding.DecodeString`` (padded, CR and LF ignored); None if it is not base64."""
    try:
        return base64.b64decode(secret.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return None
