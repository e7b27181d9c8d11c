"""Routes: signing in (Google, Kakao, the embedded local account), refreshing, signing out, who am I.

The session lives in two HttpOnly, SameSite=Strict cookies (``Secure`` except plain http on the local machine):
``punch_access`` (the 15-minute access JWT, every path) and ``punch_refresh`` (the 7-day refresh token, sent only
to ``/api/v1/auth``). A provider login keeps its state, nonce and PKCE verifier in a third cookie, ``punch_login``:
signed, HttpOnly, ten minutes, sent only to that provider's callback, and SameSite=Lax, because the provider sends
the browser back with a cross-site top-level GET, which a Strict cookie would miss. The browser that started the
sign-in is the only one holding it, which is what the state check (and PKCE) prove.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_204_NO_CONTENT

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.errors import punch_error_handler
from punch_adapters.http.schemas import RefreshDoc, UserDoc
from punch_adapters.http.security import ACCESS_COOKIE, REFRESH_COOKIE, REFRESH_COOKIE_PATH
from punch_core.errors import AuthError, BadRequestError, ForbiddenError, NotFoundError, PunchError
from punch_core.ports.identity import IdentityProvider, ProviderIdentity
from punch_core.service.records import User
from punch_core.service.sessions import (
    ACCESS_TOKEN_TTL_S,
    LOCAL_PROVIDER,
    LOCAL_SUBJECT,
    REFRESH_TOKEN_TTL_S,
    SessionPorts,
    SessionTokens,
    end_session,
    refresh_session,
    sign_in,
    start_session,
)

AUTH_PATH = REFRESH_COOKIE_PATH  # /api/v1/auth: where the router mounts these routes
LOGIN_COOKIE = "punch_login"
LOGIN_TTL_S = 10 * 60
LOGIN_TOKEN_TYPE = "oauth_login"  # noqa: S105 - the JWT "typ" claim, not a password
LOCAL_NAME = "Local boxer"
MAX_NEXT_LENGTH = 2000


def session_ports(deps: ApiDeps) -> SessionPorts:
    """The session use cases' ports, out of the API's."""
    return SessionPorts(
        users=deps.users, refresh_tokens=deps.refresh_tokens, signer=deps.signer, ids=deps.ids, clock=deps.clock
    )


def callback_uri(deps: ApiDeps, provider: FromPath[str]) -> str:
    """Where a provider sends the browser back (register exactly this URI at the provider)."""
    return f"{deps.config.public_url.rstrip('/')}{AUTH_PATH}/{provider}/callback"


def safe_next(value: str | None) -> str:
    r"""Where to go after signing in: a path on this site, never another site.

    Raises:
        BadRequestError: for anything but a relative path (``//evil.example``, ``https://...``, ``/\evil``).
    """
    if not value:
        return "/"
    parts = urlsplit(value)
    relative = not parts.scheme and not parts.netloc and value.startswith("/")
    # Browsers read "//host" and "/\host" as another site; control characters can split headers.
    if (
        not relative
        or value.startswith("//")
        or "\\" in value
        or len(value) > MAX_NEXT_LENGTH
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        raise BadRequestError("after signing in we can only take you to a page of this site")
    return value


def _provider(deps: ApiDeps, name: str) -> IdentityProvider:
    provider = deps.providers.get(name)
    if provider is None:
        offered = ", ".join(sorted(deps.providers)) or "none"
        raise NotFoundError(f"there is no sign-in with {name!r} here (offered: {offered})")
    return provider


def _cookie(deps: ApiDeps, key: str, value: str, *, max_age: int, path: str, samesite: str = "strict") -> Cookie:
    return Cookie(
        key=key,
        value=value,
        max_age=max_age,
        path=path,
        secure=deps.config.secure_cookies,
        httponly=True,
        samesite="lax" if samesite == "lax" else "strict",
    )


def session_cookies(deps: ApiDeps, tokens: SessionTokens) -> list[Cookie]:
    """The access and refresh cookies of a session."""
    return [
        _cookie(deps, ACCESS_COOKIE, tokens.access_token, max_age=ACCESS_TOKEN_TTL_S, path="/"),
        _cookie(deps, REFRESH_COOKIE, tokens.refresh_token, max_age=REFRESH_TOKEN_TTL_S, path=REFRESH_COOKIE_PATH),
    ]


def cleared_session_cookies(deps: ApiDeps) -> list[Cookie]:
    """Cookies that make the browser forget the session (same name, path and attributes; expired)."""
    return [
        _cookie(deps, ACCESS_COOKIE, "", max_age=0, path="/"),
        _cookie(deps, REFRESH_COOKIE, "", max_age=0, path=REFRESH_COOKIE_PATH),
    ]


def _cleared_login_cookie(deps: ApiDeps, provider: str) -> Cookie:
    return _cookie(deps, LOGIN_COOKIE, "", max_age=0, path=f"{AUTH_PATH}/{provider}", samesite="lax")


def _error_with_cookies(request: Request[Any, Any, Any], exc: PunchError, cookies: Iterable[Cookie]) -> Response[Any]:
    # The one error body, plus cookies the failure must still change (a dead session, a spent login).
    response = punch_error_handler(request, exc)
    response.cookies.extend(cookies)
    return response


def _user_body(user: User) -> UserDoc:
    return {"id": user.id, "email": user.email, "name": user.name}


def _sign_in_and_start(deps: ApiDeps, identity: ProviderIdentity) -> tuple[User, SessionTokens]:
    ports = session_ports(deps)
    user = sign_in(ports, identity)
    return user, start_session(ports, user.id)


@get("/auth/providers", sync_to_thread=False)
def providers(deps: NamedDependency[ApiDeps]) -> dict[str, list[str]]:
    """Which sign-ins this deployment offers: the configured providers, and ``local`` in the embedded default."""
    names = sorted(deps.providers)
    if deps.config.local_login:
        names.append(LOCAL_PROVIDER)
    return {"providers": names}


@get("/auth/{provider:str}/login")
async def login(request: Request[Any, Any, Any], provider: FromPath[str], deps: NamedDependency[ApiDeps]) -> Redirect:
    """Start signing in with a provider: a 302 to its sign-in page, remembering state, nonce and PKCE verifier.

    ``?next=/path`` (a path on this site) is where the browser lands after signing in.
    """
    identity_provider = _provider(deps, provider)
    target = safe_next(request.query_params.get("next"))
    state, nonce, verifier = deps.ids.new_secret(), deps.ids.new_secret(), deps.ids.new_secret()
    url = await identity_provider.authorization_url(
        redirect_uri=callback_uri(deps, provider), state=state, nonce=nonce, code_verifier=verifier
    )
    # Signed with the access-token keys but typed differently, so neither can stand in for the other.
    login_token = deps.signer.sign(
        {"sub": provider, "typ": LOGIN_TOKEN_TYPE, "state": state, "nonce": nonce, "pkce": verifier, "next": target},
        expires_in_s=LOGIN_TTL_S,
    )
    cookie = _cookie(
        deps, LOGIN_COOKIE, login_token, max_age=LOGIN_TTL_S, path=f"{AUTH_PATH}/{provider}", samesite="lax"
    )
    return Redirect(url, status_code=302, cookies=[cookie])


@get("/auth/{provider:str}/callback")
async def callback(
    request: Request[Any, Any, Any], provider: FromPath[str], deps: NamedDependency[ApiDeps]
) -> Response[Any]:
    """The provider sends the browser back here: check state, trade the code, start a session, go to ``next``.

    A missing or different state is a 403 (the sign-in was not started by this browser); so is a refusal by the
    provider (its message is shown). A code the provider will not honour, or an ID token that does not check out,
    is a 401.
    """
    # Read by hand: "state" is a reserved handler argument in Litestar.
    query = request.query_params
    code, state, error = query.get("code"), query.get("state"), query.get("error")
    # Known providers only: the name goes into a cookie path below.
    identity_provider = _provider(deps, provider)
    spent = [_cleared_login_cookie(deps, provider)]
    try:
        if error:
            reason = (query.get("error_description") or error)[:200]
            raise ForbiddenError(f"the {provider} sign-in did not go through: {reason}")
        login_state = _login_state(deps, request, provider)
        if not state or not hmac.compare_digest(state.encode(), str(login_state["state"]).encode()):
            raise ForbiddenError(
                "this sign-in was not started from this browser (the security check did not match); "
                "start signing in again"
            )
        if not code:
            raise BadRequestError(f"{provider} sent no sign-in code back; start signing in again")
        identity = await identity_provider.exchange(
            code=code,
            redirect_uri=callback_uri(deps, provider),
            code_verifier=str(login_state["pkce"]),
            nonce=str(login_state["nonce"]),
        )
        _, tokens = await asyncio.to_thread(_sign_in_and_start, deps, identity)
    except PunchError as exc:
        return _error_with_cookies(request, exc, spent)
    target = safe_next(str(login_state.get("next") or "/"))
    return Redirect(target, status_code=302, cookies=[*spent, *session_cookies(deps, tokens)])


def _login_state(deps: ApiDeps, request: Request[Any, Any, Any], provider: str) -> dict[str, Any]:
    """What the login route remembered for this provider.

    Raises:
        ForbiddenError: if the cookie is missing, expired, tampered with, or for another provider.
    """
    value = request.cookies.get(LOGIN_COOKIE)
    refused = ForbiddenError(
        "this sign-in was not started from this browser, or took longer than 10 minutes; start signing in again"
    )
    if not value:
        raise refused
    try:
        claims = deps.signer.verify(value)
    except AuthError as exc:
        raise refused from exc
    wanted = ("state", "nonce", "pkce")
    if claims.get("typ") != LOGIN_TOKEN_TYPE or claims.get("sub") != provider or not all(claims.get(k) for k in wanted):
        raise refused
    return claims


@post("/auth/refresh", sync_to_thread=True, status_code=200)
def refresh(request: Request[Any, Any, Any], deps: NamedDependency[ApiDeps]) -> Response[RefreshDoc]:
    """Trade the refresh cookie for a new pair (rotation). A reused or dead one is a 401 that clears the cookies."""
    token = request.cookies.get(REFRESH_COOKIE)
    try:
        if not token:
            raise AuthError("sign in first")
        tokens = refresh_session(session_ports(deps), token)
    except AuthError as exc:
        return _error_with_cookies(request, exc, cleared_session_cookies(deps))
    return Response(
        RefreshDoc(access_expires_in_s=tokens.access_expires_in_s),
        status_code=200,
        cookies=session_cookies(deps, tokens),
    )


@post("/auth/logout", sync_to_thread=True, status_code=HTTP_204_NO_CONTENT)
def logout(request: Request[Any, Any, Any], deps: NamedDependency[ApiDeps]) -> Response[None]:
    """Sign out: revoke the session's refresh tokens and clear the cookies (works without a valid access token)."""
    token = request.cookies.get(REFRESH_COOKIE)
    if token:
        end_session(session_ports(deps), token)
    return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=cleared_session_cookies(deps))


@get("/auth/me", sync_to_thread=True)
def me(user_id: NamedDependency[str], deps: NamedDependency[ApiDeps]) -> UserDoc:
    """The signed-in user: ``id``, ``email``, ``name`` (401 when not signed in)."""
    try:
        user = deps.users.get(user_id)
    except NotFoundError as exc:
        raise AuthError("your account no longer exists; sign in again") from exc
    return _user_body(user)


@post("/auth/local/login", sync_to_thread=True, status_code=200)
def local_login(deps: NamedDependency[ApiDeps]) -> Response[UserDoc]:
    """Sign in as the one local account (the embedded default, with no OAuth set up).

    Raises:
        ForbiddenError: when local login is off (production).
    """
    if not deps.config.local_login:
        raise ForbiddenError("local login is disabled in production")
    identity = ProviderIdentity(provider=LOCAL_PROVIDER, subject=LOCAL_SUBJECT, name=LOCAL_NAME)
    user, tokens = _sign_in_and_start(deps, identity)
    return Response(_user_body(user), status_code=200, cookies=session_cookies(deps, tokens))


ROUTES: list[Any] = [providers, login, callback, refresh, logout, me, local_login]
