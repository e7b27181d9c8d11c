"""The built web app, from the same origin as the API: its files, and ``index.html`` for every app route.

Any GET that is not an API route and not a file of the build gets ``index.html``, so a direct load or a refresh of
``/report/abc`` or ``/dashboard`` opens the app there (the server-side fallback a single-page app needs).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.params import FromPath
from litestar.response import File

from punch_core.errors import NotFoundError

# Vite puts content-hashed files under assets/: they never change, so browsers may keep them for a year.
IMMUTABLE_PREFIX = "assets/"


def frontend_routes(directory: str) -> list[Any]:
    """Routes serving the build in ``directory`` (which holds ``index.html``)."""
    root = Path(directory).resolve()
    index = root / "index.html"

    def _index() -> Response[bytes]:
        return Response(
            index.read_bytes(), media_type="text/html; charset=utf-8", headers={"cache-control": "no-cache"}
        )

    @get("/", include_in_schema=False, sync_to_thread=False)
    def app_root() -> Response[bytes]:
        """The app's start page."""
        return _index()

    @get("/{path:path}", include_in_schema=False, sync_to_thread=False)
    def app_path(path: FromPath[str]) -> Response[bytes] | File:
        """A file of the build, or the app for any of its routes."""
        relative = path.lstrip("/")
        if relative.startswith(("api/", "schema")) or relative in {"metrics", "healthz"}:
            raise NotFoundError(f"no such address: /{relative}")
        candidate = (root / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            cache = "public, max-age=31536000, immutable" if relative.startswith(IMMUTABLE_PREFIX) else "no-cache"
            media_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            return File(path=candidate, media_type=media_type, headers={"cache-control": cache})
        return _index()

    return [app_root, app_path]
