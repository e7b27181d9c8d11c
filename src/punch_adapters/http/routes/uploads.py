"""Routes: resumable video uploads — start, send chunks by byte offset, ask where to resume, complete.

A client declares the file (``POST /uploads``), sends it in chunks (``PUT /uploads/{id}/chunks?offset=N`` with
the raw bytes as the body; resending is harmless), asks ``GET /uploads/{id}`` where to resume after a dropped
connection, and completes (``POST /uploads/{id}/complete``), which checks the video and queues its thumbnails.

A chunk's body streams from the socket to the object store: the store is written in a worker thread that pulls
the body one ASGI message at a time from the event loop, so memory holds one message, not the chunk (or, for
chunks of whole 8 MiB pieces, the piece being gathered: see ``punch_core.service.uploads``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import time
from collections.abc import AsyncGenerator, Iterator
from typing import Any

from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, FromQuery, JSONBody

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.ratelimit import check_rate
from punch_adapters.http.schemas import CompleteDoc, UploadDoc, UploadRequestBody
from punch_core.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    MediaError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ValidationError,
)
from punch_core.service.records import AnalysisStatus, Stage, Upload
from punch_core.service.uploads import (
    JOIN_PIECE_BYTES,
    UploadLimits,
    UploadPorts,
    check_upload_request,
    complete_upload,
    initiate_upload,
    receive_chunk,
    upload_status,
)

MAX_CHUNK_BYTES = 64 * 1024 * 1024
"""Largest body of one chunk request (Litestar refuses bigger ones with 413 before they are read)."""

CHUNK_SIZE_HINT = JOIN_PIECE_BYTES
"""The chunk size we suggest: one whole piece (an S3 part, joined into the video without copying on completion),
small enough to resend cheaply on a phone connection."""

STALL_TIMEOUT_S = 120.0
# A chunk must arrive within this long in all (a client trickling bytes would otherwise hold a thread forever).
CHUNK_DEADLINE_S = 600.0
# Chunks stream on their own threads, never the shared pool the database calls and stages use, so slow
# uploads cannot starve the rest of the API; past this many at once, a new chunk is told to retry.
CHUNK_THREADS = 8
CHUNKS_PER_USER = 2
"""Chunks one user may send at once in one process (an upload sends one at a time; two allow a retry to overlap the
chunk it replaces): a few accounts trickling chunks can no longer hold every thread."""
MIN_RATE_BYTES_S = 16 * 1024
"""A chunk must arrive at least this fast on average (a phone on a weak 3G link manages 50 KB/s) ..."""
MIN_RATE_GRACE_S = 15.0
"""... judged once it has taken this long (a connection's first seconds may be slow)."""
_chunk_pool: list[concurrent.futures.ThreadPoolExecutor] = []
_chunks_in_flight: set[str] = set()
_chunks_by_user: dict[str, int] = {}


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    if not _chunk_pool:  # made on first use, not at import
        _chunk_pool.append(concurrent.futures.ThreadPoolExecutor(CHUNK_THREADS, thread_name_prefix="upload-chunk"))
    return _chunk_pool[0]


"""A chunk whose next bytes take longer than this to arrive is abandoned (its thread is not held forever)."""

UPLOAD_WINDOW_S = 3600


def _ports(deps: ApiDeps) -> UploadPorts:
    return UploadPorts(
        uploads=deps.uploads,
        videos=deps.videos,
        analyses=deps.analyses,
        store=deps.store,
        source=deps.processing.source,
        ids=deps.ids,
        clock=deps.clock,
        scanner=deps.scanner,
    )


def _limits(deps: ApiDeps) -> UploadLimits:
    config = deps.config
    return UploadLimits(
        max_upload_bytes=config.max_upload_bytes,
        min_duration_s=config.min_duration_s,
        max_duration_s=config.max_duration_s,
        storage_quota_bytes=config.storage_quota_bytes,
    )


def upload_document(upload: Upload) -> UploadDoc:
    """What a client needs to resume or follow an upload."""
    return {
        "id": upload.id,
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size_bytes": upload.size_bytes,
        "received_offset": upload.received_offset,
        "status": upload.status.value,
        "error": upload.error,
        "chunk_size_hint": CHUNK_SIZE_HINT,
        "max_chunk_bytes": MAX_CHUNK_BYTES,
    }


@post("/uploads")
async def start_upload(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], data: JSONBody[UploadRequestBody]
) -> UploadDoc:
    """Declare a video to upload: ``{"filename", "size_bytes", "content_type"}`` (MP4, MOV or WebM, up to 500 MB).

    Only accepted declarations count against the uploads-per-hour limit.
    """
    limits = _limits(deps)
    # Checked before counting, so that a typo does not use up one of the hour's uploads.
    check_upload_request(data.get("filename"), data.get("size_bytes"), data.get("content_type"), limits=limits)
    await check_rate(deps, f"uploads:{user_id}", deps.config.uploads_per_hour, UPLOAD_WINDOW_S, what="uploads")
    upload = await asyncio.to_thread(
        initiate_upload,
        _ports(deps),
        user_id,
        data.get("filename"),
        data.get("size_bytes"),
        data.get("content_type"),
        limits=limits,
    )
    return upload_document(upload)


@get("/uploads/{upload_id:str}")
async def get_upload(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], upload_id: FromPath[str]
) -> UploadDoc:
    """Where an upload stands: ``received_offset`` (where to resume), ``status`` and ``error``."""
    upload = await asyncio.to_thread(upload_status, _ports(deps), upload_id, user_id)
    return upload_document(upload)


@put("/uploads/{upload_id:str}/chunks", request_max_body_size=MAX_CHUNK_BYTES)
async def put_chunk(
    request: Request[Any, Any, Any],
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    upload_id: FromPath[str],
    offset: FromQuery[int],
) -> UploadDoc:
    """Send bytes of the file starting at byte ``offset`` (raw body, at most 64 MB).

    Resending bytes that already arrived changes nothing. Starting past ``received_offset`` is a 409 that says
    where to resume; bytes past the declared size are a 400.
    """
    if upload_id in _chunks_in_flight:
        raise ConflictError("another chunk of this upload is still arriving; send one chunk at a time")
    if _chunks_by_user.get(user_id, 0) >= CHUNKS_PER_USER:
        raise RateLimitedError(
            "your other uploads are still sending chunks: send one upload at a time, then try this chunk again",
            retry_after_s=5,
        )
    if len(_chunks_in_flight) >= CHUNK_THREADS:
        raise RateLimitedError("the server is receiving many uploads right now; try this chunk again", retry_after_s=5)
    loop = asyncio.get_running_loop()
    body = request.stream()
    _chunks_in_flight.add(upload_id)
    _chunks_by_user[user_id] = _chunks_by_user.get(user_id, 0) + 1
    try:
        upload = await loop.run_in_executor(
            _pool(),
            functools.partial(receive_chunk, _ports(deps), upload_id, user_id, offset, _pulled(body, loop)),
        )
    finally:
        _chunks_in_flight.discard(upload_id)
        left = _chunks_by_user.pop(user_id, 1) - 1
        if left > 0:
            _chunks_by_user[user_id] = left
        await body.aclose()
    return upload_document(upload)


@post("/uploads/{upload_id:str}/complete")
async def finish_upload(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], upload_id: FromPath[str]
) -> CompleteDoc:
    """Check the uploaded video (type, integrity, 1-3 minutes) and create its analysis; queues the thumbnails.

    Completing again returns the same video and analysis. Each completion counts in ``uploads_total`` by
    outcome (:func:`completion_outcome`).
    """
    try:
        video, analysis = await asyncio.to_thread(
            complete_upload, _ports(deps), upload_id, user_id, limits=_limits(deps)
        )
        # Queued on every completion until the thumbnails exist: if queuing failed once, completing again retries
        # it, and the queue ignores a stage that is already waiting or running.
        if analysis.status is AnalysisStatus.CREATED and Stage.THUMBNAILS not in analysis.done_stages:
            await deps.queue.enqueue(Stage.THUMBNAILS, analysis.id)
    except Exception as exc:
        outcome = completion_outcome(exc)
        if outcome is not None:
            deps.metrics.increment("uploads_total", outcome=outcome)
        raise
    deps.metrics.increment("uploads_total", outcome="completed")
    return {
        "video_id": video.id,
        "analysis_id": analysis.id,
        "duration_s": round(video.duration_s, 2),
        "container": video.container,
        "width": video.width,
        "height": video.height,
    }


def completion_outcome(exc: Exception) -> str | None:
    """The ``uploads_total`` outcome of a completion that raised ``exc``; None when it is not an outcome.

    ``rejected``: the file itself was refused (not a video, corrupt, too short or long, infected); the upload is
    marked rejected and the boxer is told why. ``failed``: our side failed (storage, scanner or queue down, a
    bug); the parts are kept and completing again can succeed. A completion asked for too early (bytes missing),
    of someone else's upload or of one already refused is neither: the upload has not ended, or ended before.
    Uploads abandoned mid-way never complete and are not counted.
    """
    if isinstance(exc, MediaError | ValidationError):
        return "rejected"
    if isinstance(exc, NotFoundError | ConflictError | AuthError | ForbiddenError | RateLimitedError):
        return None
    return "failed"


def _pulled(body: AsyncGenerator[bytes, None], loop: asyncio.AbstractEventLoop) -> Iterator[bytes]:
    """The request body as a blocking iterator for a worker thread: each piece is fetched from the event loop.

    Nothing is read ahead, so memory holds one ASGI message, and a slow store slows the client (back-pressure).
    """
    slot: list[bytes] = []
    started = time.monotonic()
    deadline = started + CHUNK_DEADLINE_S
    received = 0
    while True:
        now = time.monotonic()
        if now > deadline:
            raise BadRequestError(
                f"this chunk took longer than {CHUNK_DEADLINE_S / 60:.0f} minutes to arrive; send smaller chunks"
            )
        if now - started > MIN_RATE_GRACE_S and received < MIN_RATE_BYTES_S * (now - started):
            raise BadRequestError(
                f"this chunk is arriving slower than {MIN_RATE_BYTES_S // 1024} KB/s "
                f"({received / (now - started) / 1024:.1f} KB/s); ask where to resume and send the rest on a "
                "better connection"
            )
        future = asyncio.run_coroutine_threadsafe(_next_piece(body, slot), loop)
        try:
            more = future.result(timeout=STALL_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise BadRequestError(
                "the upload stalled: no bytes arrived for two minutes; ask where to resume and send the rest"
            ) from None
        if not more:
            return
        piece = slot.pop()
        if piece:
            received += len(piece)
            yield piece


async def _next_piece(body: AsyncGenerator[bytes, None], slot: list[bytes]) -> bool:
    """Put the next piece of the body in ``slot``; False at the end.

    The piece travels in ``slot``, not as the task's result: a finished task and the thread's future refer to
    each other, so a result would stay in memory until the garbage collector runs (a chunk's worth each time).
    """
    try:
        piece = await anext(body, None)
    except RequestEntityTooLarge as exc:
        raise PayloadTooLargeError(
            f"a chunk can be at most {MAX_CHUNK_BYTES // (1 << 20)} MB; send the file in smaller chunks "
            f"(we suggest {CHUNK_SIZE_HINT // (1 << 20)} MB)"
        ) from exc
    except InternalServerException as exc:
        # Litestar's word for a client that went away mid-body; nothing of this chunk is kept.
        raise BadRequestError(
            "the connection dropped before the chunk arrived; ask where to resume and send the rest"
        ) from exc
    if piece is None:
        return False
    slot.append(piece)
    return True


ROUTES = [start_upload, get_upload, put_chunk, finish_upload]
