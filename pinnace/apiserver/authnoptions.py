"""How the API server authenticates: kube-apiserver's authentication flags as one frozen value.

Names follow the flags (``--api-audiences``, ``--service-account-issuer``, ``--service-account-key-file``,
``--service-account-signing-key-file``, ``--service-account-max-token-expiration``,
``--service-account-extend-token-expiration``, ``--service-account-jwks-uri``, ``--oidc-*``). Defaults are
kubeadm's: the issuer ``https://kubernetes.default.svc.cluster.local`` and the key pair
``DATA_DIR/pki/sa.key`` / ``sa.pub``, created with the PKI on first start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"


@dataclass(frozen=True, slots=True)
class OIDCOptions:
    """An external OpenID Connect issuer whose ID tokens authenticate users (``--oidc-*``)."""

    issuer_url: str
    client_id: str
    username_claim: str = "sub"
    # None: upstream's default, "<issuer_url>#" unless the username claim is "email"; "-" means none.
    username_prefix: str | None = None
    groups_claim: str = ""
    groups_prefix: str = ""
    ca_file: Path | None = None
    required_claims: tuple[tuple[str, str], ...] = ()
    signing_algs: tuple[str, ...] = ("RS256",)


@dataclass(frozen=True, slots=True)
class AuthenticationOptions:
    """Token authentication settings; the x509 CA and the static token file live in the main config."""

    # Audiences a token must carry to reach this server; empty means the service account issuers (upstream).
    api_audiences: tuple[str, ...] = ()
    # The first issuer signs new tokens; all are accepted (several while an issuer is being changed).
    service_account_issuers: tuple[str, ...] = (DEFAULT_SERVICE_ACCOUNT_ISSUER,)
    # Public keys that verify tokens; empty means the signing key's (or DATA_DIR/pki/sa.pub).
    service_account_key_files: tuple[Path, ...] = ()
    # The private key new tokens are signed with; None means DATA_DIR/pki/sa.key (created if missing).
    service_account_signing_key_file: Path | None = None
    # Longest lifetime a TokenRequest gets, in seconds (0: up to the API's own limit of 2^32 s).
    service_account_max_token_expiration: int = 0
    service_account_extend_token_expiration: bool = True
    # The jwks_uri of /.well-known/openid-configuration; empty: https://<server address>/openid/v1/jwks.
    service_account_jwks_uri: str = ""
    oidc: OIDCOptions | None = None

    def __post_init__(self) -> None:
        if not self.service_account_issuers:
            raise ValueError("service-account-issuer is a required flag")
        maximum = self.service_account_max_token_expiration
        if maximum != 0 and not 3600 <= maximum <= 1 << 32:
            raise ValueError(
                "the service-account-max-token-expiration must be between 1 hour and 2^32 seconds"
            )

    @property
    def effective_api_audiences(self) -> tuple[str, ...]:
        """``--api-audiences``, defaulting to the service account issuers as kube-apiserver does."""
        return self.api_audiences or self.service_account_issuers
