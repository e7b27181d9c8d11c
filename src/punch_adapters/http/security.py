"""Who is calling: the access token from the ``punch_access`` cookie (or ``Authorization: Bearer``)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection

from punch_adapters.http.deps import ApiDeps
from punch_core.errors import AuthError
from punch_core.log_context import bind_log_ids
from punch_core.service.sessions import ensure_session_active

ACCESS_COOKIE = "punch_access"
REFRESH_COOKIE = "punch_refresh"
REFRESH_COOKIE_PATH = "/api/v1/auth"


def deps_of(connection: ASGIConnection[Any, Any, Any, Any]) -> ApiDeps:
    """The ports, kept in the application state by ``create_app``."""
    deps: ApiDeps = connection.app.state["deps"]
    return deps


def access_token_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The access token a request carries, if any."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return connection.cookies.get(ACCESS_COOKIE) or None


def _claims_of(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    token = access_token_of(connection)
    if token is None:
        raise AuthError("sign in first")
    claims = deps_of(connection).signer.verify(token)
    if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
        raise AuthError("this is not an access token; sign in again")
    return claims


async def user_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The signed-in user's id: a valid, unexpired access token of a sign-in that has not ended.

    Raises:
        AuthError: without one (signing out ends the access tokens of that sign-in at once).
    """
    claims = _claims_of(connection)
    await asyncio.to_thread(ensure_session_active, deps_of(connection).refresh_tokens, claims)
    user_id: str = claims["sub"]
    bind_log_ids(user_id=user_id)
    return user_id


async def provide_user_id(request: Request[Any, Any, Any]) -> str:
    """Dependency: the signed-in user's id (401 otherwise)."""
    return await user_id_of(request)


async def provide_deps(request: Request[Any, Any, Any]) -> ApiDeps:
    """Dependency: the ports."""
    return deps_of(request)
