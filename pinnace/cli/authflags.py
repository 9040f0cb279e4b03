"""``pinnace apiserver``'s authentication flags, named as kube-apiserver's, and the options they make."""

from __future__ import annotations

import argparse
from pathlib import Path

from pinnace.apiserver.authnoptions import DEFAULT_SERVICE_ACCOUNT_ISSUER, AuthenticationOptions, OIDCOptions


def add(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("authentication")
    group.add_argument(
        "--service-account-issuer",
        action="append",
        default=[],
        metavar="URL",
        help=f"issuer of service account tokens; repeat to accept several, the first signs "
        f"(default {DEFAULT_SERVICE_ACCOUNT_ISSUER})",
    )
    group.add_argument(
        "--service-account-key-file",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="PEM public keys that verify service account tokens (default: DATA_DIR/pki/sa.pub)",
    )
    group.add_argument(
        "--service-account-signing-key-file",
        type=Path,
        metavar="FILE",
        help="PEM private key that signs service account tokens (default: DATA_DIR/pki/sa.key, created)",
    )
    group.add_argument(
        "--service-account-max-token-expiration",
        type=int,
        default=0,
        metavar="SECONDS",
        help="longest lifetime of a requested token (default: no limit below 2^32 s)",
    )
    group.add_argument(
        "--service-account-extend-token-expiration",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="give kubelets' pod-bound tokens a year, warning after the requested hour (default on)",
    )
    group.add_argument(
        "--service-account-jwks-uri", default="", metavar="URL", help="jwks_uri in OIDC discovery"
    )
    group.add_argument(
        "--api-audiences",
        default="",
        metavar="AUD[,AUD]",
        help="audiences a token must carry to reach this server (default: the service account issuers)",
    )
    group.add_argument(
        "--oidc-issuer-url", default="", metavar="URL", help="external OIDC issuer of user ID tokens"
    )
    group.add_argument("--oidc-client-id", default="", help="the audience OIDC ID tokens must carry")
    group.add_argument(
        "--oidc-username-claim", default="sub", help="claim holding the user name (default sub)"
    )
    group.add_argument(
        "--oidc-username-prefix", default=None, help="prefix of OIDC user names ('-' for none)"
    )
    group.add_argument("--oidc-groups-claim", default="", help="claim holding the user's groups")
    group.add_argument("--oidc-groups-prefix", default="", help="prefix of OIDC group names")
    group.add_argument(
        "--oidc-ca-file", type=Path, metavar="FILE", help="CA that signed the issuer's certificate"
    )
    group.add_argument(
        "--oidc-required-claim",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a claim ID tokens must carry with this value (repeatable)",
    )
    group.add_argument(
        "--oidc-signing-algs",
        default="RS256",
        metavar="ALG[,ALG]",
        help="accepted signing algorithms (default RS256)",
    )


def options(args: argparse.Namespace) -> AuthenticationOptions:
    oidc = None
    if args.oidc_issuer_url:
        if not args.oidc_client_id:
            raise ValueError("oidc-client-id is required when oidc-issuer-url is set")
        required = []
        for item in args.oidc_required_claim:
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"oidc-required-claim {item!r} is not KEY=VALUE")
            required.append((key, value))
        oidc = OIDCOptions(
            issuer_url=args.oidc_issuer_url,
            client_id=args.oidc_client_id,
            username_claim=args.oidc_username_claim,
            username_prefix=args.oidc_username_prefix,
            groups_claim=args.oidc_groups_claim,
            groups_prefix=args.oidc_groups_prefix,
            ca_file=args.oidc_ca_file,
            required_claims=tuple(required),
            signing_algs=tuple(alg for alg in args.oidc_signing_algs.split(",") if alg),
        )
    return AuthenticationOptions(
        api_audiences=tuple(aud for aud in args.api_audiences.split(",") if aud),
        service_account_issuers=tuple(args.service_account_issuer) or (DEFAULT_SERVICE_ACCOUNT_ISSUER,),
        service_account_key_files=tuple(args.service_account_key_file),
        service_account_signing_key_file=args.service_account_signing_key_file,
        service_account_max_token_expiration=args.service_account_max_token_expiration,
        service_account_extend_token_expiration=args.service_account_extend_token_expiration,
        service_account_jwks_uri=args.service_account_jwks_uri,
        oidc=oidc,
    )
