"""Signing in: identity providers and access tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import attrs


@attrs.frozen(kw_only=True)
class ProviderIdentity:
    """Who an identity provider says signed in."""

    provider: str
    subject: str
    email: str | None = None
    name: str | None = None


class IdentityProvider(Protocol):
    """A sign-in provider (Google OpenID Connect, Kakao OAuth 2.0): authorization code flow with PKCE S256."""

    name: str

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser to sign in (carries state, nonce for OIDC, and the S256 code challenge)."""
        ...

    async def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> ProviderIdentity:
        """Trade the code for tokens and the user's identity (ID token checked for OIDC, nonce included).

        Raises:
            AuthError: if the provider refuses the code or the ID token does not check out.
            StorageUnavailableError: if the provider cannot be reached.
        """
        ...


class TokenSigner(Protocol):
    """Signs and verifies access tokens (JWT)."""

    def sign(self, claims: Mapping[str, Any], *, expires_in_s: int) -> str:
        """A signed token carrying ``claims`` that expires after ``expires_in_s`` seconds."""
        ...

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token. Raises ``AuthError`` if it is tampered with, expired or malformed."""
        ...
