"""Cross-cutting request handling: a request id, log context, security headers, metrics and an access log."""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException, PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from punch_adapters.http.deps import is_loopback_url
from punch_core.log_context import log_context
from punch_core.ports.metrics import Metrics

logger = logging.getLogger("punch.http")

REQUEST_ID_HEADER = "x-request-id"
COUNTED = "punch.counted"
"""Set in a request's state by the middleware, which counts it; answers made before it runs are counted after."""
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@functools.cache
def security_headers(media_origin: str | None = None) -> Mapping[str, str]:
    """The headers every answer carries.

    ``media_origin`` (``https://bucket.s3.amazonaws.com``) is where videos may also play from when browsers read
    them straight from the object store (``HttpConfig.media_origin``).
    """
    media = f"'self' blob: {media_origin}" if media_origin else "'self' blob:"
    return MappingProxyType(
        {
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "strict-origin-when-cross-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=()",
            "content-security-policy": (
                f"default-src 'self'; img-src 'self' data: blob:; media-src {media}; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'"
            ),
        }
    )


SECURITY_HEADERS = security_headers()

DOCS_ASSETS = "https://cdn.jsdelivr.net"
"""Where Litestar's Swagger UI page loads its script, style sheet and icon from."""
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_ASSETS}; style-src 'self' 'unsafe-inline' "
    f"{DOCS_ASSETS}; img-src 'self' data: {DOCS_ASSETS}; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
)
"""The API reference page's policy (``/schema/swagger``): its assets come from a CDN and it starts with an inline
script. It holds the public schema only, no user data, so only it is allowed these."""


def _is_docs_page(path: str) -> bool:
    return path.startswith("/schema") and not path.endswith((".json", ".yaml", ".yml"))


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BINARY_BODY_SUFFIXES = ("/chunks",)
"""Paths whose request body is not JSON (an upload's chunks are the video's bytes)."""
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def cross_site_refusal(scope: Scope, public_url: str) -> HTTPException | None:
    """Why a state-changing API request must be refused as cross-site, or None.

    * ``Sec-Fetch-Site`` (sent by every current browser) other than ``same-origin`` or ``none`` (typed by the user):
      a page of another site or another origin of this site made the request.
    * An ``Origin`` that is not the app's (``public_url``; with a loopback public URL, any loopback origin, so
      ``localhost`` and ``127.0.0.1`` and the web app's dev server all work).
    * A body that is not declared ``application/json`` on a JSON route: an HTML form can send ``text/plain`` or
      form encodings to any site without asking, but never ``application/json`` (that needs a CORS preflight,
      which this API does not grant).

    Requests without these headers (scripts, the command line) are judged by their token alone.
    """
    if scope["type"] != ScopeType.HTTP or scope.get("method") not in UNSAFE_METHODS:
        return None
    path = scope.get("path", "")
    if not path.startswith("/api/"):
        return None
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    site = headers.get("sec-fetch-site", "").strip().lower()
    origin = headers.get("origin", "").strip()
    if (site and site not in ALLOWED_FETCH_SITES) or (origin and not _our_origin(origin, public_url)):
        return PermissionDeniedException(
            f"a request from another site was refused: use PunchAnalytics at {_origin_of(public_url)} itself"
        )
    has_body = headers.get("content-length", "0").strip() not in ("", "0") or "transfer-encoding" in headers
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if has_body and not path.endswith(BINARY_BODY_SUFFIXES) and content_type != "application/json":
        return HTTPException(
            status_code=415,
            detail=f"send the request body as JSON with Content-Type: application/json (got {content_type or 'none'})",
        )
    return None


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _our_origin(origin: str, public_url: str) -> bool:
    if origin.lower() == _origin_of(public_url):
        return True
    return is_loopback_url(public_url) and is_loopback_url(origin)


def _route_of(scope: Scope) -> str:
    # The route template (/api/v1/reports/{analysis_id:str}), not the path, keeps metric labels bounded.
    handler = scope.get("route_handler")
    paths = getattr(handler, "paths", None)
    return sorted(paths)[0] if paths else "unmatched"


class RequestContextMiddleware(ASGIMiddleware):
    """Gives every request an id (the client's ``X-Request-ID`` if sane), logs and counts it."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Run the request inside its log context; add headers; count it when it ends."""
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        deps = scope["litestar_app"].state["deps"]
        metrics: Metrics = deps.metrics
        hsts = deps.config.secure_cookies
        extra_headers = security_headers(deps.config.media_origin)
        scope.setdefault("state", {})["request_id"] = request_id
        scope["state"][COUNTED] = True
        api_path = scope.get("path", "").startswith("/api/")
        docs_page = _is_docs_page(scope.get("path", ""))
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = MutableScopeHeaders.from_message(message)
                headers[REQUEST_ID_HEADER] = request_id
                if docs_page:
                    headers.setdefault("content-security-policy", DOCS_CSP)
                for name, value in extra_headers.items():
                    headers.setdefault(name, value)
                if api_path:
                    # Personal data (who you are, your reports): kept by no browser or proxy cache unless the route
                    # says otherwise (videos and thumbnails set their own, private).
                    headers.setdefault("cache-control", "no-store")
                if hsts:
                    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        with log_context(request_id=request_id):
            try:
                if "\x00" in scope.get("path", ""):
                    # A NUL byte is no path of ours, and it breaks file and PostgreSQL lookups (500s) further in.
                    raise ClientException("the address holds a NUL character (%00): remove it")
                refusal = cross_site_refusal(scope, deps.config.public_url)
                if refusal is not None:
                    raise refusal
                await next_app(scope, receive, send_with_headers)
            finally:
                if scope["type"] == ScopeType.HTTP:
                    elapsed = time.perf_counter() - started
                    route, method = _route_of(scope), scope.get("method", "GET")
                    metrics.increment("http_requests_total", method=method, route=route, status=str(status["code"]))
                    metrics.observe("http_request_duration_seconds", elapsed, method=method, route=route)
                    logger.info(
                        "http.request",
                        extra={
                            "method": method,
                            "route": route,
                            "status": status["code"],
                            "ms": round(elapsed * 1000, 1),
                        },
                    )


async def headers_on_every_response(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the request id and security headers also on answers no route handled (404, 405).

    Those answers are made before the middleware runs; everything else already has them. They are counted in
    ``http_requests_total`` here (route ``unmatched``), so that every answer the API gives is counted once.
    """
    if message["type"] != "http.response.start":
        return
    if scope["type"] == ScopeType.HTTP and not scope.get("state", {}).get(COUNTED):
        metrics: Metrics = scope["litestar_app"].state["deps"].metrics
        method = scope.get("method", "GET")
        metrics.increment("http_requests_total", method=method, route="unmatched", status=str(message["status"]))
    headers = MutableScopeHeaders.from_message(message)
    if REQUEST_ID_HEADER not in headers:
        state = scope.get("state", {})
        headers[REQUEST_ID_HEADER] = str(state.get("request_id") or uuid.uuid4().hex)
    deps = scope["litestar_app"].state.get("deps")
    for name, value in security_headers(deps.config.media_origin if deps else None).items():
        headers.setdefault(name, value)
    if scope.get("path", "").startswith("/api/"):
        headers.setdefault("cache-control", "no-store")
