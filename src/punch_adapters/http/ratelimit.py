"""Rate limits: fixed-window counters on a Litestar ``Store`` (Redis in production, memory otherwise).

Counters live in ``ApiDeps.rate_limit_store``. With a ``RedisStore`` every process shares them and the count is
one atomic ``INCR``; with any other store (``MemoryStore`` when none is given) they are per process, which is
right for the embedded single-process default and wrong behind several workers — production gives Redis.

Limits come from ``HttpConfig``: ``api_calls_per_minute`` for every ``/api/v1`` call (per signed-in user, else
per client address), ``uploads_per_hour`` for upload starts (the upload route calls :func:`check_rate`), and
``share_lookups_per_minute`` for anonymous share links (:func:`check_share_lookup`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.types import ASGIApp, Receive, Scope, Send
from redis.exceptions import RedisError

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.errors import punch_error_handler
from punch_adapters.http.security import access_token_of, deps_of
from punch_core.errors import PunchError, RateLimitedError

logger = logging.getLogger("punch.http")

API_PATH_PREFIX = "/api/v1/"
_CHECKED = "punch_rate_limited"

# One memory store per ApiDeps when none is given, so that two apps in one process (tests) never share counts;
# dropped with the ApiDeps. Keyed by id() because ApiDeps holds a dict and so cannot be hashed.
_fallback_stores: dict[int, MemoryStore] = {}
# Counting on a non-Redis store is a get then a set; this lock keeps concurrent requests of one process from
# both reading the same count. Uncontended, an asyncio.Lock binds to no event loop.
_memory_locks: dict[int, asyncio.Lock] = {}


def store_of(deps: ApiDeps) -> Store:
    """The store that holds the counters: ``deps.rate_limit_store``, or a memory store of this ``deps``."""
    given = deps.rate_limit_store
    if given is not None:
        if not isinstance(given, Store):
            raise TypeError(f"rate_limit_store must be a litestar Store, got {type(given).__name__}")
        return given
    key = id(deps)
    store = _fallback_stores.get(key)
    if store is None:
        store = _fallback_stores[key] = MemoryStore()
        weakref.finalize(deps, _forget, key, id(store))
    return store


def _forget(deps_key: int, store_key: int) -> None:
    _fallback_stores.pop(deps_key, None)
    _memory_locks.pop(store_key, None)


async def _increment(store: Store, key: str, expires_in_s: int) -> int:
    """Add one to a counter that expires ``expires_in_s`` seconds after it is created; returns the new count."""
    if isinstance(store, RedisStore):
        # The Store API has no increment; INCR is atomic across every process that shares the Redis.
        redis = store._redis  # RedisStore exposes its client only here
        full_key = store._make_key(key)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, expires_in_s, nx=True)
            count, _ = await pipe.execute()
        return int(count)
    lock = _memory_locks.setdefault(id(store), asyncio.Lock())
    async with lock:
        raw = await store.get(key)
        count = (int(raw) if raw else 0) + 1
        await store.set(key, str(count).encode(), expires_in=expires_in_s)
    return count


async def ensure_under(deps: ApiDeps, key: str, limit: int, window_s: int, *, what: str = "requests") -> None:
    """Refuse if ``key`` has already used its ``limit`` in this window, without counting this call.

    Raises:
        RateLimitedError: when the counter is at or over the limit.
    """
    now_s = deps.clock.now().timestamp()
    window = int(now_s // window_s)
    try:
        raw = await store_of(deps).get(f"ratelimit:{key}:{window}")
    except (RedisError, OSError) as exc:
        logger.warning("ratelimit.store_unavailable", extra={"error": repr(exc)})
        return
    if raw is not None and int(raw) >= limit:
        retry_after_s = max(1, math.ceil((window + 1) * window_s - now_s))
        raise RateLimitedError(
            f"too many {what}: at most {limit} {_per(window_s)}; try again in {_in_words(retry_after_s)}",
            retry_after_s=retry_after_s,
        )


async def check_rate(deps: ApiDeps, key: str, limit: int, window_s: int, *, what: str = "requests") -> int:
    """Count one call against ``limit`` calls per ``window_s`` seconds for ``key``; returns the calls left.

    Windows are fixed (aligned to the epoch, read from ``deps.clock``), so a burst at a window's edge may pass
    up to twice the limit in ``window_s``: cheap, and enough to stop scripts and guessing.

    Args:
        deps: The ports; the counters live in ``deps.rate_limit_store``.
        key: Who and what is counted (``uploads:{user_id}``, ``share:{address}``).
        limit: Calls allowed per window (0 or less allows none).
        window_s: The window's length in seconds.
        what: What is counted, in words for the message (``uploads``).

    Raises:
        RateLimitedError: when this call is over the limit; ``retry_after_s`` says when the window ends.

    A counter store that cannot be reached lets the call through (logged): limits protect, they must not block.
    """
    now_s = deps.clock.now().timestamp()
    window = int(now_s // window_s)
    try:
        count = await _increment(store_of(deps), f"ratelimit:{key}:{window}", window_s + 1)
    except (RedisError, OSError) as exc:
        # Fail open: a counter outage must not take the whole API down; the limits are protection, not billing.
        logger.warning("ratelimit.store_unavailable", extra={"error": repr(exc)})
        return limit
    if count > limit:
        retry_after_s = max(1, math.ceil((window + 1) * window_s - now_s))
        raise RateLimitedError(
            f"too many {what}: at most {limit} {_per(window_s)}; try again in {_in_words(retry_after_s)}",
            retry_after_s=retry_after_s,
        )
    return limit - count


def _per(window_s: int) -> str:
    return {60: "a minute", 3600: "an hour", 86400: "a day"}.get(window_s, f"every {window_s} seconds")


def _in_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's address as the server saw it (run behind a proxy with the server's proxy-headers option)."""
    client = connection.scope.get("client")
    return str(client[0]) if client else "unknown"


def caller_key(connection: ASGIConnection[Any, Any, Any, Any], deps: ApiDeps) -> str:
    """``user:{id}`` for a valid access token, else ``addr:{address}`` (an invalid token counts as anonymous)."""
    token = access_token_of(connection)
    if token is not None:
        try:
            claims = deps.signer.verify(token)
        except PunchError:
            claims = {}
        subject = claims.get("sub")
        if claims.get("typ") == "access" and isinstance(subject, str):
            return f"user:{subject}"
    return f"addr:{client_address(connection)}"


async def check_share_lookup(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Count an anonymous share-link lookup against ``share_lookups_per_minute`` for the caller's address.

    Raises:
        RateLimitedError: over the limit (guessing share hashes).
    """
    deps = deps_of(connection)
    await check_rate(
        deps,
        f"share:{client_address(connection)}",
        deps.config.share_lookups_per_minute,
        60,
        what="share link lookups",
    )


class ApiRateLimitMiddleware(ASGIMiddleware):
    """``api_calls_per_minute`` calls per user (or per address when not signed in) on every ``/api/v1`` path.

    Installed once in ``create_app``; counting a request twice is prevented if it is installed twice. Over the
    limit it answers 429 with ``Retry-After`` and the one error body itself, inside the request-context
    middleware, so the answer carries the request id and security headers like every other.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Count the call; answer 429 over the limit, else pass it on."""
        state = scope.setdefault("state", {})
        if not scope["path"].startswith(API_PATH_PREFIX) or state.get(_CHECKED):
            await next_app(scope, receive, send)
            return
        state[_CHECKED] = True
        request: Request[Any, Any, Any] = Request(scope, receive, send)
        deps = deps_of(request)
        try:
            await check_rate(
                deps, f"api:{caller_key(request, deps)}", deps.config.api_calls_per_minute, 60, what="requests"
            )
        except PunchError as exc:
            response = punch_error_handler(request, exc)
            await response.to_asgi_response(app=None, request=request)(scope, receive, send)
            return
        await next_app(scope, receive, send)
