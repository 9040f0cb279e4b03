"""Assembles the API server's authentication from its configuration (kube-apiserver's
``BuiltInAuthenticationOptions.ToAuthenticationConfig`` and ``authenticator.Config.New``).

::

    x509 client certificates
    bearer tokens: --token-auth-file → service account JWTs → --oidc-issuer-url
    anonymous (public info and issuer discovery paths only)

The service account token authenticator reads accounts, pods, secrets and nodes through the server's own
stores, so it is built once those exist. Blocking work (the token file, the key files) runs in a thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pinnace.apiserver.authn import AuthenticationChain, TokenAuthenticator, new_authenticator
from pinnace.apiserver.config import APIServerConfig
from pinnace.apiserver.oidc import OIDCAuthenticator
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.apiserver.serviceaccount.getter import StoreObjectGetter
from pinnace.apiserver.serviceaccount.issuer import ServiceAccountIssuer, load_keys


@dataclass(frozen=True, slots=True)
class Authentication:
    """The request authenticator and the service account issuer (TokenRequest, OIDC discovery)."""

    chain: AuthenticationChain
    issuer: ServiceAccountIssuer


async def build(config: APIServerConfig, stores: ResourceStores) -> Authentication:
    options = config.authentication
    keys = await asyncio.to_thread(load_keys, options, config.data_dir)
    issuer = ServiceAccountIssuer(options, keys, StoreObjectGetter(stores))
    token_authenticators: list[TokenAuthenticator] = [issuer.authenticator]
    if options.oidc is not None:
        oidc = await asyncio.to_thread(
            OIDCAuthenticator.from_options, options.oidc, options.effective_api_audiences
        )
        token_authenticators.append(oidc)
    chain = await asyncio.to_thread(
        new_authenticator,
        config.token_auth_file,
        token_authenticators=token_authenticators,
        api_audiences=options.effective_api_audiences,
    )
    return Authentication(chain, issuer)
