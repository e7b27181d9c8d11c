"""Sign-in providers on Authlib's httpx client: Google (OpenID Connect) and Kakao (OAuth 2.0).

Both use the authorization code flow with PKCE (S256): the browser goes to :meth:`authorization_url`, comes back
with a code, and :meth:`exchange` trades the code (with the PKCE verifier) for tokens and says who signed in.
Google's answer is the ID token, checked against the provider's published keys (signature, ``iss``, ``aud``,
``exp``, ``nonce``); Kakao's is its user-info endpoint.

Errors are translated here: a refused code or a token that does not check out is an ``AuthError`` (the boxer signs
in again); a provider we cannot reach is a ``StorageUnavailableError`` (try again later).
"""

from __future__ import annotations

import functools
import importlib
import logging
import ssl
from collections.abc import Mapping
from types import ModuleType
from typing import Any, cast

from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]  # Authlib ships no type hints
    AsyncOAuth2Client,
    OAuthError,
)
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from punch_core.errors import AuthError, StorageUnavailableError
from punch_core.ports.identity import IdentityProvider, ProviderIdentity

logger = logging.getLogger("punch.auth")

GOOGLE_ISSUER = "https://accounts.google.com"
# Google documents both spellings of its issuer in ID tokens.
GOOGLE_ISSUER_ALIASES = {GOOGLE_ISSUER: ("accounts.google.com",)}

KAKAO_AUTHORIZE_URL = "https://kauth.kakao.com/oauth/authorize"
KAKAO_TOKEN_URL = "https://kauth.kakao.com/oauth/token"  # noqa: S105 - a URL, not a password
KAKAO_USERINFO_URL = "https://kapi.kakao.com/v2/user/me"

DEFAULT_TIMEOUT_S = 10.0
# Clock skew allowed between us and the provider when checking the ID token's times.
ID_TOKEN_LEEWAY_S = 60


@functools.cache
def _http_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The (transport, status) error classes of the HTTP library Authlib uses.

    Authlib talks through ``httpx2`` when it is installed and falls back to ``httpx``; both are caught so that a
    change of library on the machine does not turn "provider unreachable" into a 500.
    """
    transport: list[type[Exception]] = []
    status: list[type[Exception]] = []
    for name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        transport.append(module.TransportError)
        status.append(module.HTTPStatusError)
    return tuple(transport), tuple(status)


def _authlib_httpx() -> ModuleType:
    """The HTTP library Authlib's clients are built on (``httpx2`` when installed, else ``httpx``)."""
    return importlib.import_module("authlib.integrations.httpx_client._compat").httpx2  # type: ignore[no-any-return]


def _status_of(exc: Exception) -> int:
    response = getattr(exc, "response", None)
    return int(getattr(response, "status_code", 0))


class _OAuth2Provider:
    """What both providers share: the Authlib client, PKCE S256, and error translation."""

    name: str
    label: str

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        scope: str | None,
        token_endpoint_auth_method: str,
        timeout_s: float,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError(f"{self.label} sign-in needs a client id and a client secret")
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._auth_method = token_endpoint_auth_method
        self._timeout_s = timeout_s

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext:
        # One TLS context per provider, shared by its clients: building one loads the CA bundle (about 25 ms of
        # CPU), and each sign-in makes two clients, so under a burst of sign-ins this was most of the API's work.
        return cast("ssl.SSLContext", _authlib_httpx().create_ssl_context())

    def _client(self, redirect_uri: str) -> Any:  # noqa: ANN401 - Authlib's client is untyped
        return AsyncOAuth2Client(
            verify=self._tls,
            client_id=self._client_id,
            client_secret=self._client_secret,
            token_endpoint_auth_method=self._auth_method,
            scope=self._scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self._timeout_s,
        )

    def _authorize_url(self, endpoint: str, *, redirect_uri: str, state: str, code_verifier: str, **params: str) -> str:
        # Building the URL sends nothing; the client is only Authlib's URL builder (S256 challenge included).
        url, _ = self._client(redirect_uri).create_authorization_url(
            endpoint, state=state, code_verifier=code_verifier, **params
        )
        return str(url)

    async def _fetch_token(self, client: Any, endpoint: str, *, code: str, code_verifier: str) -> dict[str, Any]:  # noqa: ANN401
        try:
            token = await client.fetch_token(
                endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier
            )
        except OAuthError as exc:
            logger.warning("auth.token_refused", extra={"provider": self.name, "error": exc.error})
            raise AuthError(f"{self.label} did not accept this sign-in ({exc.error}); start signing in again") from exc
        except ValueError as exc:
            raise AuthError(f"{self.label} answered the sign-in with something we cannot read; try again") from exc
        except Exception as exc:
            raise self._translate(exc) from exc
        if not isinstance(token, Mapping) or not token.get("access_token"):
            raise AuthError(f"{self.label} gave no access token; start signing in again")
        return dict(token)

    async def _get_json(self, client: Any, url: str, *, bearer: str | None = None) -> dict[str, Any]:  # noqa: ANN401
        headers = {"accept": "application/json"}
        if bearer is not None:
            headers["authorization"] = f"Bearer {bearer}"
        try:
            response = await client.request("GET", url, headers=headers, withhold_token=True)
        except Exception as exc:
            raise self._translate(exc) from exc
        status = int(response.status_code)
        if status >= 500:
            raise StorageUnavailableError(f"{self.label} sign-in is not answering right now; try again in a minute")
        if status >= 400:
            raise AuthError(f"{self.label} refused to tell us who you are (HTTP {status}); start signing in again")
        try:
            data = response.json()
        except ValueError as exc:
            raise AuthError(f"{self.label} answered with something we cannot read; try again") from exc
        if not isinstance(data, dict):
            raise AuthError(f"{self.label} answered with something we cannot read; try again")
        return data

    def _translate(self, exc: Exception) -> Exception:
        transport, status = _http_errors()
        if isinstance(exc, transport) or (isinstance(exc, status) and _status_of(exc) >= 500):
            logger.warning("auth.provider_unreachable", extra={"provider": self.name, "error": repr(exc)})
            return StorageUnavailableError(f"we could not reach {self.label} to sign you in; try again in a minute")
        if isinstance(exc, status):
            return AuthError(f"{self.label} refused this sign-in (HTTP {_status_of(exc)}); start signing in again")
        return exc


class GoogleOidcProvider(_OAuth2Provider, IdentityProvider):
    """Google sign-in (OpenID Connect), or any OIDC provider found by discovery from its issuer URL.

    The provider's metadata (``{issuer}/.well-known/openid-configuration``) and keys are fetched on first use and
    kept; the keys are fetched again when an ID token names a key we do not have (Google rotates them).

    Args:
        client_id: The OAuth client id (``PUNCH_GOOGLE_CLIENT_ID``).
        client_secret: The OAuth client secret (``PUNCH_GOOGLE_CLIENT_SECRET``).
        issuer: The issuer URL; tests point it at a provider on loopback.
        name: The provider's name in URLs and stored identities.
        scope: The scopes asked for (``openid`` is needed for an ID token).
        timeout_s: Limit on each request to the provider.
    """

    label = "Google"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        issuer: str = GOOGLE_ISSUER,
        name: str = "google",
        scope: str = "openid email profile",
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.name = name
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name, not a password
            timeout_s=timeout_s,
        )
        self._issuer = issuer.rstrip("/")
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Google's sign-in page for this request (state, nonce and the S256 code challenge in the query)."""
        metadata = await self._discover(redirect_uri)
        return self._authorize_url(
            str(metadata["authorization_endpoint"]),
            redirect_uri=redirect_uri,
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
        )

    async def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> ProviderIdentity:
        """Trade the code for tokens and read who signed in from the checked ID token.

        Raises:
            AuthError: if Google refuses the code, or the ID token's signature, issuer, audience, expiry or nonce
                does not check out.
            StorageUnavailableError: if Google cannot be reached.
        """
        metadata = await self._discover(redirect_uri)
        async with self._client(redirect_uri) as client:
            token = await self._fetch_token(
                client, str(metadata["token_endpoint"]), code=code, code_verifier=code_verifier
            )
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise AuthError("Google did not say who signed in (no ID token); start signing in again")
            claims = await self._verified_claims(client, metadata, id_token, nonce=nonce)
        email = claims.get("email")
        # An address Google has not verified could be anyone's: keep it out of the account.
        if claims.get("email_verified") is False or not isinstance(email, str):
            email = None
        name = claims.get("name")
        return ProviderIdentity(
            provider=self.name,
            subject=str(claims["sub"]),
            email=email,
            name=name if isinstance(name, str) else None,
        )

    async def _discover(self, redirect_uri: str) -> dict[str, Any]:
        if self._metadata is not None:
            return self._metadata
        async with self._client(redirect_uri) as client:
            metadata = await self._get_json(client, f"{self._issuer}/.well-known/openid-configuration")
        # OIDC Discovery 4.3: the issuer in the document must be the one we asked, or anyone could pose as it.
        if str(metadata.get("issuer", "")).rstrip("/") != self._issuer:
            raise AuthError("the sign-in service's settings do not match its address; tell us about this")
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(field), str):
                raise StorageUnavailableError(f"Google sign-in is misconfigured (no {field}); try again later")
        self._metadata = metadata
        return metadata

    async def _key_set(self, client: Any, metadata: Mapping[str, Any], *, refresh: bool) -> KeySet:  # noqa: ANN401
        if self._jwks is None or refresh:
            self._jwks = await self._get_json(client, str(metadata["jwks_uri"]))
        try:
            return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]  # checked by joserfc itself
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise StorageUnavailableError("Google's signing keys could not be read; try again later") from exc

    async def _verified_claims(
        self,
        client: Any,  # noqa: ANN401 - Authlib's client is untyped
        metadata: Mapping[str, Any],
        id_token: str,
        *,
        nonce: str,
    ) -> dict[str, Any]:
        algorithms = list(metadata.get("id_token_signing_alg_values_supported") or ["RS256"])
        # Never accept unsigned or shared-secret tokens whatever the provider lists: only its public keys count.
        algorithms = [alg for alg in algorithms if alg not in {"none", "HS256", "HS384", "HS512"}] or ["RS256"]
        try:
            decoded = jwt.decode(id_token, await self._key_set(client, metadata, refresh=False), algorithms=algorithms)
        except (JoseError, ValueError):
            # A key we do not know yet (the provider rotated its keys): fetch them again, once.
            try:
                decoded = jwt.decode(
                    id_token, await self._key_set(client, metadata, refresh=True), algorithms=algorithms
                )
            except (JoseError, ValueError) as exc:
                raise AuthError("Google's sign-in token did not check out; start signing in again") from exc
        issuers = [self._issuer, *GOOGLE_ISSUER_ALIASES.get(self._issuer, ())]
        registry = jwt.JWTClaimsRegistry(
            leeway=ID_TOKEN_LEEWAY_S,
            iss={"essential": True, "values": issuers},
            aud={"essential": True, "value": self._client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        claims: dict[str, Any] = dict(decoded.claims)
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise AuthError(
                "Google's sign-in token did not match this sign-in (it may be old or meant for another site); "
                "start signing in again"
            ) from exc
        # OIDC Core 3.1.3.7: with several audiences, the token must have been issued to us (azp).
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self._client_id:
            raise AuthError("Google's sign-in token was issued to another site; start signing in again")
        return claims


class KakaoProvider(_OAuth2Provider, IdentityProvider):
    """Kakao sign-in (OAuth 2.0 with PKCE S256; the client secret goes in the token request body).

    The identity comes from Kakao's user-info endpoint: the subject is Kakao's numeric user id, the email
    ``kakao_account.email`` (when the boxer consented and Kakao verified it), the name the profile nickname.

    Args:
        client_id: The REST API key (``PUNCH_KAKAO_CLIENT_ID``).
        client_secret: The client secret (``PUNCH_KAKAO_CLIENT_SECRET``; Kakao requires it when it is enabled).
        authorize_url: Kakao's authorization endpoint (tests point it at a server on loopback).
        token_url: Kakao's token endpoint.
        userinfo_url: Kakao's user-info endpoint.
        name: The provider's name in URLs and stored identities.
        scope: Extra consent items, comma-separated as Kakao wants them (None: the app's defaults).
        timeout_s: Limit on each request to Kakao.
    """

    label = "Kakao"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authorize_url: str = KAKAO_AUTHORIZE_URL,
        token_url: str = KAKAO_TOKEN_URL,
        userinfo_url: str = KAKAO_USERINFO_URL,
        name: str = "kakao",
        scope: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.name = name
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name, not a password
            timeout_s=timeout_s,
        )
        self._authorize_endpoint = authorize_url
        self._token_endpoint = token_url
        self._userinfo_endpoint = userinfo_url

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Kakao's sign-in page for this request (state and the S256 code challenge; plain OAuth takes no nonce)."""
        return self._authorize_url(
            self._authorize_endpoint, redirect_uri=redirect_uri, state=state, code_verifier=code_verifier
        )

    async def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> ProviderIdentity:
        """Trade the code for an access token and ask Kakao who it belongs to.

        Raises:
            AuthError: if Kakao refuses the code or the token.
            StorageUnavailableError: if Kakao cannot be reached.
        """
        async with self._client(redirect_uri) as client:
            token = await self._fetch_token(client, self._token_endpoint, code=code, code_verifier=code_verifier)
            me = await self._get_json(client, self._userinfo_endpoint, bearer=str(token["access_token"]))
        return kakao_identity(me, provider=self.name)


def kakao_identity(me: Mapping[str, Any], *, provider: str = "kakao") -> ProviderIdentity:
    """Who a Kakao ``/v2/user/me`` answer describes.

    Raises:
        AuthError: if the answer has no user id.
    """
    user_id = me.get("id")
    if isinstance(user_id, bool) or not isinstance(user_id, int | str) or str(user_id) == "":
        raise AuthError("Kakao did not say who signed in; start signing in again")
    account = _mapping(me.get("kakao_account"))
    email = account.get("email")
    # Kakao marks addresses it has not verified; those could be anyone's.
    if account.get("is_email_verified") is False or account.get("is_email_valid") is False:
        email = None
    nickname = _mapping(account.get("profile")).get("nickname") or _mapping(me.get("properties")).get("nickname")
    return ProviderIdentity(
        provider=provider,
        subject=str(user_id),
        email=email if isinstance(email, str) and email else None,
        name=nickname if isinstance(nickname, str) and nickname else None,
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
