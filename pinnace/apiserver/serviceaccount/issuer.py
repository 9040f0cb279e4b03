"""Everything the API server does with service account tokens, built from its options in one place.

:func:`load_keys` reads (and on first start creates) the key files, blocking; :class:`ServiceAccountIssuer`
then holds the pieces the rest of the server uses: the token authenticator for the authentication chain,
the ``serviceaccounts/token`` REST, and the OIDC discovery documents.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinnace.apiserver.authnoptions import AuthenticationOptions
from pinnace.apiserver.serviceaccount import metadata
from pinnace.apiserver.serviceaccount.keys import (
    SigningKey,
    VerificationKey,
    ensure_key_pair,
    load_signing_key,
    load_verification_keys,
)
from pinnace.apiserver.serviceaccount.tokenrequest import TokenREST
from pinnace.apiserver.serviceaccount.tokens import JWTTokenAuthenticator, TokenGenerator
from pinnace.apiserver.serviceaccount.validator import ObjectGetter, Validator

log = logging.getLogger(__name__)

Object = dict[str, Any]


@dataclass(frozen=True, slots=True)
class IssuerKeys:
    signing: SigningKey
    verification: tuple[VerificationKey, ...]


def default_key_paths(data_dir: Path) -> tuple[Path, Path]:
    """kubeadm's ``pki/sa.key`` and ``pki/sa.pub``."""
    return data_dir / "pki" / "sa.key", data_dir / "pki" / "sa.pub"


def load_keys(options: AuthenticationOptions, data_dir: Path) -> IssuerKeys:
    """The signing key and the verification keys the options name. Blocking.

    With no key file named, the default pair is created if missing. Verification keys default to the
    signing key file (upstream: ``--service-account-key-file`` defaults to the signing key file), or
    ``sa.pub`` for the default pair; the signing key always verifies too.
    """
    default_private, default_public = default_key_paths(data_dir)
    signing_path = options.service_account_signing_key_file
    if signing_path is None:
        ensure_key_pair(default_private, default_public)
        signing_path = default_private
    signing = load_signing_key(signing_path)
    key_files = options.service_account_key_files
    if not key_files:
        key_files = (default_public,) if options.service_account_signing_key_file is None else (signing_path,)
    verification = load_verification_keys(key_files)
    if signing.key_id not in {key.key_id for key in verification}:
        verification = (signing.verification_key, *verification)
    return IssuerKeys(signing, verification)


class ServiceAccountIssuer:
    def __init__(
        self,
        options: AuthenticationOptions,
        keys: IssuerKeys,
        getter: ObjectGetter,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = options
        self.keys = keys
        audiences = options.effective_api_audiences
        self.generator = TokenGenerator(options.service_account_issuers[0], keys.signing)
        self.authenticator = JWTTokenAuthenticator(
            options.service_account_issuers, keys.verification, audiences, Validator(getter, clock)
        )
        self.token_rest = TokenREST(
            getter,
            self.generator,
            audiences,
            max_expiration_seconds=options.service_account_max_token_expiration,
            extend_expiration=options.service_account_extend_token_expiration,
            clock=clock,
        )
        self._external_address = ""

    @property
    def issuer(self) -> str:
        return self.options.service_account_issuers[0]

    def set_external_address(self, address: str) -> None:
        """The ``host:port`` clients reach the server at, known once it listens; names the default
        ``jwks_uri``."""
        self._external_address = address

    def discovery_documents(self) -> tuple[Object, Object] | None:
        """(openid-configuration, JWKS), or None when they cannot be published (not an https issuer)."""
        try:
            metadata.check_issuer_url(self.issuer)
        except metadata.MetadataError as err:
            log.info("service account issuer discovery is not served: %s", err)
            return None
        jwks_uri = self.options.service_account_jwks_uri or metadata.default_jwks_uri(
            self._external_address or "127.0.0.1"
        )
        keys = self.keys.verification
        return metadata.openid_configuration(self.issuer, jwks_uri, keys), metadata.jwks(keys)
