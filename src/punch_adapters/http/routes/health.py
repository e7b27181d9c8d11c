"""Liveness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get

from punch_adapters.http.security import deps_of


@get("/healthz", media_type=MediaType.JSON, include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus text exposition of this process's registry."""
    exposition = deps_of(request).metrics_exposition
    body = exposition() if exposition else b""
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


ROUTES = [healthz, metrics]
