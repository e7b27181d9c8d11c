"""The Litestar application factory: routes, error handling, middleware, OpenAPI at ``/schema``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.errors import (
    http_error_handler,
    punch_error_handler,
    too_deep_handler,
    undecodable_body_handler,
    unexpected_error_handler,
)
from punch_adapters.http.middleware import RequestContextMiddleware, headers_on_every_response
from punch_adapters.http.ratelimit import ApiRateLimitMiddleware
from punch_adapters.http.routes import analyses, auth, health, media, reports, shares, uploads
from punch_adapters.http.routes.frontend import frontend_routes
from punch_adapters.http.security import provide_deps, provide_user_id
from punch_core.errors import PunchError

API_PREFIX = "/api/v1"
MAX_JSON_BODY_BYTES = 64 * 1024


def create_app(
    deps: ApiDeps | None,
    *,
    plugins: Sequence[Any] = (),
    extra_middleware: Sequence[Any] = (),
    on_startup: Sequence[Any] = (),
    on_shutdown: Sequence[Any] = (),
    debug: bool = False,
    frontend_dir: str | None = None,
) -> Litestar:
    """The API for these ports. ``plugins`` (OpenTelemetry, say) and lifecycle hooks come from the composition root.

    ``deps`` may be None when an ``on_startup`` hook puts them in ``app.state["deps"]`` (services that need the
    server's event loop); no request is served before start-up ends. ``frontend_dir`` (a built web app with an
    ``index.html``) is served at ``/``, with the app's ``index.html`` for every other non-API path.
    """
    frontend = frontend_routes(frontend_dir) if frontend_dir and Path(frontend_dir, "index.html").is_file() else []
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            *auth.ROUTES,
            *uploads.ROUTES,
            *analyses.ROUTES,
            *media.ROUTES,
            *reports.ROUTES,
            *shares.API_ROUTES,
        ],
        dependencies={"user_id": Provide(provide_user_id)},
        # JSON bodies here are a few hundred bytes; only an upload's chunks (their own limit) are large.
        request_max_body_size=MAX_JSON_BODY_BYTES,
    )
    return Litestar(
        route_handlers=[api, *health.ROUTES, *shares.PAGE_ROUTES, *frontend],
        dependencies={"deps": Provide(provide_deps)},
        state=State({"deps": deps, "frontend_dir": frontend_dir}),
        # The rate limiter runs inside the request context, so a 429 carries the request id and security headers.
        middleware=[RequestContextMiddleware(), ApiRateLimitMiddleware(), *extra_middleware],
        exception_handlers={
            PunchError: punch_error_handler,
            UnicodeDecodeError: undecodable_body_handler,
            RecursionError: too_deep_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title="PunchAnalytics API",
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        plugins=list(plugins),
        on_startup=list(on_startup),
        on_shutdown=list(on_shutdown),
        debug=debug,
        before_send=[headers_on_every_response],
        logging_config=None,  # the composition root configures logging (JSON lines); Litestar must not replace it
    )
