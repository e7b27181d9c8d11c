"""Routes: the analysed video and its pose track for the report's player; the overlay video to download.

The videos answer HTTP range requests (for seeking). The overlay video (skeleton and stamps drawn) is made when
its owner asks for it.

Owners read them by analysis id; anyone with an active share link reads the video and pose by its hash.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from typing import Any, cast

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Stream

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.ratelimit import check_rate
from punch_adapters.http.routes.shares import shared_link
from punch_adapters.http.schemas import OverlayDoc, PoseDoc
from punch_core.errors import BadRequestError, ConflictError, NotFoundError
from punch_core.formats import pose_view_gzip, track_from_npz_bytes
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.overlay import (
    OverlayState,
    OverlayStatus,
    ensure_completed,
    overlay_state,
    request_overlay,
)
from punch_core.service.records import Stage

# One response carries at most this much: a player asks again from where it needs (``bytes=N-``).
MAX_RANGE_BYTES = 2 * 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
MEDIA_URL_TTL_S = 3600
"""How long a signed video URL reads (``PUNCH_MEDIA_DIRECT``): a report watched with long pauses keeps playing; a
revoked share link stops new page views at once, and an open one within this time."""
OVERLAY_WINDOW_S = 3600
CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` of a ``Range: bytes=…`` header (one range), capped to ``MAX_RANGE_BYTES``; None for none.

    Raises:
        BadRequestError: for a malformed or unsatisfiable range.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        raise BadRequestError(f"unsupported Range header {header[:60]!r}: use one range, bytes=START-END")
    first, last = match.groups()
    if first == "":  # the last N bytes
        start = max(0, size - int(last))
        end = size
    else:
        start = int(first)
        end = min(size, int(last) + 1) if last else size
    if start >= size or end <= start:
        raise RangeNotSatisfiableError(f"the range {header[:60]!r} is outside the video's {size} bytes")
    return start, min(end, start + MAX_RANGE_BYTES)


class RangeNotSatisfiableError(BadRequestError):
    """A well-formed range that lies outside the file (answered 416 with the file's size)."""


def _video_response(deps: ApiDeps, video_id: str, range_header: str | None) -> Response[Any]:
    video = deps.videos.get(video_id)
    media_type = CONTENT_TYPES.get(video.container, "application/octet-stream")
    if deps.config.media_origin:
        # The store serves the bytes (and the ranges) itself; this answer only says where, for a while. Not
        # cached: each page view asks again, so a deleted analysis or a revoked link stops new views at once.
        url = deps.store.read_url(video.object_key, expires_s=MEDIA_URL_TTL_S, content_type=media_type)
        if url is not None:
            return Redirect(url, status_code=307, headers={"cache-control": "no-store"}, media_type=MediaType.TEXT)
    size = deps.media_cache.video_sizes.get(video.object_key)
    if size is None:  # an uploaded video never changes: its size is asked of the store once per process
        size = deps.store.size(video.object_key)
        deps.media_cache.video_sizes.put(video.object_key, size)
    return ranged_response(deps, video.object_key, size, media_type, range_header)


def ranged_response(
    deps: ApiDeps,
    key: str,
    size: int,
    media_type: str,
    range_header: str | None,
    *,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """A stored object served whole (streamed) or one range of it (206), as a video player or download asks."""
    headers = {"accept-ranges": "bytes", "cache-control": "private, max-age=3600", **(headers or {})}
    try:
        span = parse_range(range_header, size)
    except RangeNotSatisfiableError as exc:
        body = {"error": {"code": "range_not_satisfiable", "message": exc.user_message, "request_id": None}}
        return Response(
            body,
            status_code=416,
            media_type="application/json",
            headers={**headers, "content-range": f"bytes */{size}"},
        )
    if span is None:
        # The whole file, streamed (a download, or a client that does not seek).
        headers["content-length"] = str(size)
        return Stream(deps.store.open_read(key), media_type=media_type, headers=headers)
    start, end = span
    data = deps.store.read_range(key, start, end)
    headers["content-range"] = f"bytes {start}-{start + len(data) - 1}/{size}"
    return Response(data, status_code=206, media_type=media_type, headers=headers)


def _pose_view(deps: ApiDeps, analysis_id: str) -> bytes:
    """The gzipped pose view of an analysis made before the pose stage stored one: made from its track, kept."""
    try:
        track = track_from_npz_bytes(deps.store.get(AnalysisArtifacts(analysis_id).pose_track))
    except NotFoundError:
        raise NotFoundError("the pose track is not ready yet; it is made during the analysis") from None
    packed = pose_view_gzip(track)
    deps.store.put(AnalysisArtifacts(analysis_id).pose_view, packed)
    return packed


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``gzip`` or ``*`` without ``q=0``)."""
    for item in (header or "").lower().split(","):
        name, _, params = item.partition(";")
        if name.strip() not in {"gzip", "*"}:
            continue
        params = params.strip()
        quality = params[2:] if params.startswith("q=") else "1"
        try:
            if float(quality) > 0:
                return True
        except ValueError:
            continue
    return False


def pose_json(deps: ApiDeps, analysis_id: str, accept_encoding: str | None = None) -> Response[Any]:
    """The pose view (``punch_core.formats.pose_view_gzip``), served gzipped as the pose stage stored it.

    It is unpacked only for the rare client that does not accept gzip. Analyses from before the pose stage stored
    it get one made on their first view. The track never changes once its stage is done (a finished stage never
    runs again), and deleting the analysis deletes its folder, this file included. Each API process also keeps
    the views it served last in memory (``ApiDeps.media_cache``); callers check access first.
    """
    key = AnalysisArtifacts(analysis_id).pose_view
    packed = deps.media_cache.pose_views.get(key)
    if packed is None:
        try:
            packed = deps.store.get(key)
        except NotFoundError:
            packed = _pose_view(deps, analysis_id)
        deps.media_cache.pose_views.put(key, packed)
    headers = {"cache-control": "private, max-age=3600", "vary": "accept-encoding"}
    if accepts_gzip(accept_encoding):
        return Response(content=packed, media_type=MediaType.JSON, headers={**headers, "content-encoding": "gzip"})
    return Response(content=gzip.decompress(packed), media_type=MediaType.JSON, headers=headers)


def overlay_doc(analysis_id: str, state: OverlayState) -> OverlayDoc:
    """The overlay's state as the API answers it, with its download URL once ready."""
    ready = state.status is OverlayStatus.READY
    return {
        "status": state.status.value,
        "percent": round(state.percent, 1),
        "error": state.error,
        "outdated": state.outdated,
        "size_bytes": state.size_bytes if ready else None,
        "url": f"/api/v1/reports/{analysis_id}/overlay/video" if ready else None,
    }


def _overlay_video(deps: ApiDeps, analysis_id: str, owner_id: str, range_header: str | None) -> Response[Any]:
    state = overlay_state(deps.processing, analysis_id, owner_id=owner_id)
    if state.status in (OverlayStatus.QUEUED, OverlayStatus.RENDERING):
        raise ConflictError(f"the video with the skeleton is still being drawn ({state.percent:.0f}% so far)")
    if state.status is OverlayStatus.FAILED:
        raise NotFoundError(f"the video with the skeleton could not be made ({state.error}); ask for it again")
    if state.status is not OverlayStatus.READY:
        raise NotFoundError("the video with the skeleton is not made yet: ask for it on the report first")
    key = AnalysisArtifacts(analysis_id).overlay_video
    size = state.size_bytes if state.size_bytes is not None else deps.store.size(key)
    # The one video here that is a download: the browser saves it under a name that says what it is.
    disposition = {"content-disposition": f'attachment; filename="punch-{analysis_id[:12]}-skeleton.mp4"'}
    # Never cached by the browser: the boxer may correct the stamps and have it drawn again under the same URL.
    headers = {**disposition, "cache-control": "no-store"}
    return ranged_response(deps, key, size, "video/mp4", range_header, headers=headers)


@get("/reports/{analysis_id:str}/overlay")
async def get_overlay(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]
) -> OverlayDoc:
    """Where your report's video with the skeleton and stamps drawn stands (``none`` until you ask for it)."""
    state = await asyncio.to_thread(overlay_state, deps.processing, analysis_id, owner_id=user_id)
    return overlay_doc(analysis_id, state)


@post("/reports/{analysis_id:str}/overlay", status_code=202)
async def make_overlay(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]
) -> OverlayDoc:
    """Have your report's video drawn with the skeleton and stamps, to download; follow it with ``GET``.

    A ready overlay drawn from the current stamps is answered as it is; a missing, failed or outdated one (the
    stamps were corrected since) is queued. 409 before the report is ready.
    """
    await asyncio.to_thread(ensure_completed, deps.processing, analysis_id, owner_id=user_id)
    before = await asyncio.to_thread(overlay_state, deps.processing, analysis_id, owner_id=user_id)
    if before.status in (OverlayStatus.NONE, OverlayStatus.FAILED) or before.outdated:
        # Only a new drawing counts (asking again while one is drawn, or for a ready one, does not).
        what = "overlay videos"
        await check_rate(deps, f"overlay:{user_id}", deps.config.overlays_per_hour, OVERLAY_WINDOW_S, what=what)
    state, queue = await asyncio.to_thread(request_overlay, deps.processing, analysis_id, owner_id=user_id)
    if queue:
        await deps.queue.enqueue(Stage.OVERLAY, analysis_id)
    return overlay_doc(analysis_id, state)


@get("/reports/{analysis_id:str}/overlay/video", media_type="video/mp4")
async def overlay_video(
    request: Request[Any, Any, Any],
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
) -> Response[Any]:
    """Your report's video with the skeleton and stamps drawn (H.264 MP4, a download; range requests)."""
    return await asyncio.to_thread(_overlay_video, deps, analysis_id, user_id, request.headers.get("range"))


# Each route makes one trip to a worker thread for its database and storage calls: under load, every trip waits
# for a thread and then for the event loop again.
def _video_of(deps: ApiDeps, analysis_id: str, owner_id: str | None, range_header: str | None) -> Response[Any]:
    analysis = deps.analyses.get(analysis_id, owner_id=owner_id)  # None: a share link's, already checked
    return _video_response(deps, analysis.video_id, range_header)


def _pose_of(deps: ApiDeps, analysis_id: str, owner_id: str, accept_encoding: str | None) -> Response[Any]:
    deps.analyses.get(analysis_id, owner_id=owner_id)
    return pose_json(deps, analysis_id, accept_encoding)


@get("/analyses/{analysis_id:str}/video", media_type="video/mp4")
async def analysis_video(
    request: Request[Any, Any, Any],
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
) -> Response[Any]:
    """Your uploaded video, with HTTP range requests (206) for seeking."""
    return await asyncio.to_thread(_video_of, deps, analysis_id, user_id, request.headers.get("range"))


@get("/analyses/{analysis_id:str}/pose")
async def analysis_pose(
    request: Request[Any, Any, Any],
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
) -> PoseDoc:
    """Your pose track, for drawing the skeleton over the video (gzip-encoded when the client accepts it)."""
    encoding = request.headers.get("accept-encoding")
    return cast("PoseDoc", await asyncio.to_thread(_pose_of, deps, analysis_id, user_id, encoding))  # stored JSON


@get("/shared/{share_hash:str}/video", media_type="video/mp4")
async def shared_video(request: Request[Any, Any, Any], share_hash: FromPath[str]) -> Response[Any]:
    """The shared report's video (read-only, range requests)."""
    deps, link = await shared_link(request, share_hash)
    return await asyncio.to_thread(_video_of, deps, link.analysis_id, None, request.headers.get("range"))


@get("/shared/{share_hash:str}/pose")
async def shared_pose(request: Request[Any, Any, Any], share_hash: FromPath[str]) -> PoseDoc:
    """The shared report's pose track (gzip-encoded when the client accepts it)."""
    deps, link = await shared_link(request, share_hash)
    encoding = request.headers.get("accept-encoding")
    return cast("PoseDoc", await asyncio.to_thread(pose_json, deps, link.analysis_id, encoding))  # stored PoseDoc JSON


ROUTES = [analysis_video, analysis_pose, shared_video, shared_pose, get_overlay, make_overlay, overlay_video]
