"""Routes: an analysis from thumbnails to start, and its live status (GET, WebSocket, Server-Sent Events)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from litestar import Request, Response, WebSocket, get, post, put, websocket
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.ratelimit import caller_key, check_rate
from punch_adapters.http.schemas import (
    CoachingRequestBody,
    SpecsBody,
    StatusDoc,
    StatusList,
    SubjectBody,
    ThumbnailDoc,
    ThumbnailsDoc,
)
from punch_adapters.http.security import deps_of, user_id_of
from punch_core.body import BodySpecs
from punch_core.coaching.model import Language
from punch_core.errors import ConflictError, NotFoundError, PunchError, RateLimitedError, ValidationError
from punch_core.service.artifacts import AnalysisArtifacts, ThumbnailEntry
from punch_core.service.processing import (
    configure_analysis,
    read_thumbnails,
    rerun_coaching,
    retry_analysis,
    start_analysis,
)
from punch_core.service.records import Analysis, AnalysisStatus, Stage
from punch_core.subject import PersonBox, SubjectChoice

# A follower that hears nothing for this long re-reads the status: covers missed pub/sub messages and a Redis
# outage (live status then degrades to polling instead of stopping).
POLL_FALLBACK_S = 2.0
TERMINAL = (AnalysisStatus.COMPLETED, AnalysisStatus.FAILED)
# A live-status connection ends after this long at most; the client reconnects and gets the current state first.
MAX_SOCKET_S = 30 * 60
TOO_MANY_VIEWS = "too many live views of your analyses are open: close some tabs and try again"


class LiveViews:
    """Live views (WebSockets and event streams) open per user in this server process."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}

    def take(self, user_id: str, limit: int) -> bool:
        """Count one more view of ``user_id``; False (nothing counted) when ``limit`` are open already."""
        if self._open.get(user_id, 0) >= limit:
            return False
        self._open[user_id] = self._open.get(user_id, 0) + 1
        return True

    def give_back(self, user_id: str) -> None:
        """A view has closed."""
        left = self._open.get(user_id, 0) - 1
        if left > 0:
            self._open[user_id] = left
        else:
            self._open.pop(user_id, None)


def live_views(connection: ASGIConnection[Any, Any, Any, Any]) -> LiveViews:
    """This application's count of open live views (one per app, shared by its requests on the event loop)."""
    state = connection.app.state
    views: LiveViews | None = state.get("live_views")
    if views is None:
        views = state["live_views"] = LiveViews()
    return views


COACHING_WINDOW_S = 3600


def status_of(analysis: Analysis) -> StatusDoc:
    """The status document (also the first message on the WebSocket and SSE streams)."""
    return {
        "analysis_id": analysis.id,
        "status": analysis.status.value,
        "stage": analysis.stage.value if analysis.stage else None,
        "percent": round(analysis.progress, 1),
        "error": analysis.error,
        "done_stages": [s.value for s in analysis.done_stages],
        "video_id": analysis.video_id,
        "specs": analysis.specs,
        "subject": analysis.subject,
        "language": analysis.language,
        "created_at": analysis.created_at.isoformat(),
        "updated_at": analysis.updated_at.isoformat(),
    }


async def _owned(deps: ApiDeps, analysis_id: str, user_id: str) -> Analysis:
    return await asyncio.to_thread(deps.analyses.get, analysis_id, owner_id=user_id)


@get("/analyses")
async def list_analyses(
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    limit: FromQuery[int] = 20,
    offset: FromQuery[int] = 0,
) -> StatusList:
    """Your analyses, newest first (including those still processing or failed)."""
    limit, offset = max(1, min(limit, 100)), max(0, min(offset, MAX_OFFSET))
    items = await asyncio.to_thread(deps.analyses.list_for_owner, user_id, limit=limit, offset=offset)
    return {"items": [status_of(a) for a in items], "limit": limit, "offset": offset}


@get("/analyses/{analysis_id:str}")
async def get_status(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]
) -> StatusDoc:
    """Where an analysis stands: status, stage, percent, error."""
    return status_of(await _owned(deps, analysis_id, user_id))


@get("/analyses/{analysis_id:str}/thumbnails")
async def get_thumbnails(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]
) -> ThumbnailsDoc:
    """The thumbnails with the box of every person found; 409 while they are being made."""
    analysis = await _owned(deps, analysis_id, user_id)
    if Stage.THUMBNAILS not in analysis.done_stages:
        if analysis.status is AnalysisStatus.FAILED:
            raise ConflictError(f"this video could not be analysed: {analysis.error}")
        raise ConflictError("the thumbnails are still being made; try again in a few seconds")
    index = await asyncio.to_thread(read_thumbnails, deps.store, analysis_id)
    base = f"/api/v1/analyses/{analysis_id}/thumbnails"
    stored = index.to_dict()
    thumbs = [
        ThumbnailDoc(
            index=t["index"],
            t_s=t["t_s"],
            width=t["width"],
            height=t["height"],
            boxes=t["boxes"],
            url=f"{base}/{t['index']}",
        )
        for t in stored["thumbnails"]
    ]
    return {"video": stored["video"], "thumbnails": thumbs}


@get("/analyses/{analysis_id:str}/thumbnails/{index:int}", media_type="image/jpeg")
async def get_thumbnail_image(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str], index: FromPath[int]
) -> Response[bytes]:
    """One thumbnail as JPEG."""
    await _owned(deps, analysis_id, user_id)
    if not 0 <= index < 100:
        raise NotFoundError(f"no thumbnail {index}")
    data = await asyncio.to_thread(deps.store.get, AnalysisArtifacts(analysis_id).thumbnail(index))
    return Response(data, media_type="image/jpeg", headers={"cache-control": "private, max-age=3600"})


@put("/analyses/{analysis_id:str}/subject")
async def choose_subject(
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
    data: JSONBody[SubjectBody],
) -> StatusDoc:
    """Pick yourself: ``{"thumbnail": i, "box": j}`` (a detected box) or ``{"x", "y", "w", "h", "t_s"}`` (pixels)."""
    analysis = await _owned(deps, analysis_id, user_id)
    if "thumbnail" in data:
        index = await asyncio.to_thread(read_thumbnails, deps.store, analysis_id)
        choice = _choice_from_thumbnail(index.thumbnails, data)
    else:
        choice = _choice_from_box(data)
    updated = await asyncio.to_thread(
        configure_analysis, deps.processing, analysis.id, owner_id=user_id, subject=choice
    )
    return status_of(updated)


MAX_PIXELS_OR_SECONDS = 100_000  # larger than any frame side (4K is 3840) or round (3 minutes)
MAX_OFFSET = 1_000_000


def _choice_from_thumbnail(thumbs: Sequence[ThumbnailEntry], data: Mapping[str, Any]) -> SubjectChoice:
    t_index, b_index = data.get("thumbnail"), data.get("box", 0)
    if isinstance(t_index, bool) or not isinstance(t_index, int) or not 0 <= t_index < len(thumbs):
        raise ValidationError("thumbnail", t_index, f"a thumbnail index from 0 to {len(thumbs) - 1}")
    boxes = thumbs[t_index].boxes
    if isinstance(b_index, bool) or not isinstance(b_index, int) or not 0 <= b_index < len(boxes):
        allowed = f"a box index from 0 to {len(boxes) - 1}" if boxes else "absent: no one was found on this thumbnail"
        raise ValidationError("box", b_index, allowed)
    box = boxes[b_index]
    return SubjectChoice(box=PersonBox(x=box.x, y=box.y, w=box.w, h=box.h), t_s=thumbs[t_index].t_s)


def _choice_from_box(data: Mapping[str, Any]) -> SubjectChoice:
    values = {}
    for field in ("x", "y", "w", "h", "t_s"):
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_PIXELS_OR_SECONDS:
            raise ValidationError(field, value, "a number of 0 or more (pixels on the upright frame; t_s in seconds)")
        values[field] = float(value)
    if values["w"] <= 0 or values["h"] <= 0:
        raise ValidationError("w" if values["w"] <= 0 else "h", 0, "a positive number of pixels")
    box = PersonBox(x=values["x"], y=values["y"], w=values["w"], h=values["h"])
    return SubjectChoice(box=box, t_s=values["t_s"])


@put("/analyses/{analysis_id:str}/specs")
async def set_specs(
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
    data: JSONBody[SpecsBody],
) -> StatusDoc:
    """Body specs and coaching language; 422 lists every field that is wrong."""
    specs, language = parse_specs(data)
    updated = await asyncio.to_thread(
        configure_analysis, deps.processing, analysis_id, owner_id=user_id, specs=specs, language=language
    )
    return status_of(updated)


class SpecsError(ValidationError):
    """Several body-spec fields are wrong; ``fields`` maps each to its message."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        first = next(iter(fields))
        super().__init__(first, None, "valid")
        self.args = ("; ".join(fields.values()),)

    @property
    def user_message(self) -> str:
        """Every field's message."""
        return "; ".join(self.fields.values())


def parse_specs(data: Mapping[str, Any]) -> tuple[BodySpecs, str]:
    """BodySpecs and language from JSON, checking every field before failing.

    Raises:
        SpecsError: naming each wrong field.
    """
    fields: dict[str, str] = {}
    checks: dict[str, Callable[[object], BodySpecs]] = {
        "height_cm": lambda v: BodySpecs.parse(height_cm=v),
        "weight_kg": lambda v: BodySpecs.parse(height_cm=170, weight_kg=v),
        "stance": lambda v: BodySpecs.parse(height_cm=170, stance=v),
        "experience": lambda v: BodySpecs.parse(height_cm=170, experience=v),
    }
    if "height_cm" not in data:
        fields["height_cm"] = "height_cm is required (100-250)"
    for name, check in checks.items():
        if name in data and not (name == "weight_kg" and data[name] is None):
            try:
                check(data[name])
            except ValidationError as exc:
                fields[name] = exc.user_message
    language = data.get("language", "en")
    if not isinstance(language, str) or language not in {lang.value for lang in Language}:
        fields["language"] = "language must be en or ko"
    if fields:
        raise SpecsError(fields)
    specs = BodySpecs.parse(
        height_cm=data["height_cm"],
        weight_kg=data.get("weight_kg"),
        stance=data.get("stance", "orthodox"),
        experience=data.get("experience", "intermediate"),
    )
    return specs, str(language)


@post("/analyses/{analysis_id:str}/start", status_code=202)
async def start(deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]) -> StatusDoc:
    """Queue the analysis (needs the thumbnails and the body specs)."""
    stage = await asyncio.to_thread(start_analysis, deps.processing, analysis_id, owner_id=user_id)
    await deps.queue.enqueue(stage, analysis_id)
    return status_of(await _owned(deps, analysis_id, user_id))


@post("/analyses/{analysis_id:str}/retry", status_code=202)
async def retry(deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]) -> StatusDoc:
    """Try a failed analysis again without uploading again: pick a person and give specs again, then start.

    The video and its thumbnails are kept (made again if they were what failed). 409 unless the analysis failed.
    """
    stage = await asyncio.to_thread(retry_analysis, deps.processing, analysis_id, owner_id=user_id)
    if stage is not None:
        await deps.queue.enqueue(stage, analysis_id)
    return status_of(await _owned(deps, analysis_id, user_id))


@post("/analyses/{analysis_id:str}/coaching", status_code=202)
async def redo_coaching(
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
    data: JSONBody[CoachingRequestBody | None] = None,
) -> StatusDoc:
    """Write the coaching again (after the LLM was unavailable, say), in ``language`` if given (``en``, ``ko``)."""
    language = (data or {}).get("language")
    await check_rate(
        deps, f"coaching:{user_id}", deps.config.coaching_runs_per_hour, COACHING_WINDOW_S, what="coaching re-runs"
    )
    stage = await asyncio.to_thread(rerun_coaching, deps.processing, analysis_id, owner_id=user_id, language=language)
    await deps.queue.enqueue(stage, analysis_id)
    return status_of(await _owned(deps, analysis_id, user_id))


async def status_stream(deps: ApiDeps, analysis_id: str, user_id: str) -> AsyncIterator[StatusDoc]:
    """The current status first, then every change until the analysis completes or fails.

    Follows the progress port; when it is silent for ``POLL_FALLBACK_S`` (or fails) the status is re-read, so
    nothing is missed between the first read and the subscription, and an outage of Redis only slows updates.
    """
    events = deps.progress.follow(analysis_id)
    pending: asyncio.Task[Mapping[str, Any]] | None = None
    last: StatusDoc | None = None
    try:
        while True:
            current = status_of(await _owned(deps, analysis_id, user_id))
            if pending is not None and pending.done() and not pending.cancelled() and pending.exception() is None:
                event = pending.result()
                # A live event can be ahead of the stored status (progress within a stage).
                if event.get("status") == current["status"] and event.get("stage") == current["stage"]:
                    current["percent"] = max(current["percent"], float(event.get("percent", 0.0)))
                pending = None
            if current != last:
                yield current
                last = current
            if AnalysisStatus(current["status"]) in TERMINAL:
                return
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            await asyncio.wait({pending}, timeout=POLL_FALLBACK_S)
            if pending.done() and pending.exception() is not None:
                pending = None
                await asyncio.sleep(POLL_FALLBACK_S)  # the live feed is down: poll
                events = deps.progress.follow(analysis_id)
    finally:
        if pending is not None:
            pending.cancel()
        with contextlib.suppress(Exception):
            await events.aclose()  # type: ignore[attr-defined]


@get("/analyses/{analysis_id:str}/events")
async def status_events(
    request: Request[Any, Any, Any],
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
) -> ServerSentEvent:
    """Server-Sent Events fallback for the WebSocket: ``status`` events, current state first."""
    # A user holds at most ``live_views_per_user`` live views (sockets and these streams) per process; past it, 429.
    await _owned(deps, analysis_id, user_id)  # 404 before the stream starts
    slots = live_views(request)
    if not slots.take(user_id, deps.config.live_views_per_user):
        raise RateLimitedError(TOO_MANY_VIEWS, retry_after_s=10)

    async def messages() -> AsyncIterator[ServerSentEventMessage]:
        try:
            async for status in status_stream(deps, analysis_id, user_id):
                yield ServerSentEventMessage(data=json.dumps(status), event="status")
        finally:
            slots.give_back(user_id)

    return ServerSentEvent(messages(), retry_duration=2000)


@websocket("/analyses/{analysis_id:str}/ws")
async def status_socket(socket: WebSocket[Any, Any, Any], analysis_id: FromPath[str]) -> None:
    """Live status over a WebSocket: the current state first (reconnects are seamless), then each change.

    Refusals close the accepted socket with an application code the web app reads (a refused handshake reaches a
    browser as a bare 1006): 4401 not signed in, 4404 not found (or not yours), 4429 too many handshakes (they
    count against ``api_calls_per_minute`` like any call) or too many live views open (``live_views_per_user``).
    """
    deps = deps_of(socket)
    await socket.accept()
    slots = live_views(socket)
    try:
        await check_rate(deps, f"api:{caller_key(socket, deps)}", deps.config.api_calls_per_minute, 60)
        user_id = await user_id_of(socket)
        await asyncio.to_thread(deps.analyses.get, analysis_id, owner_id=user_id)
        if not slots.take(user_id, deps.config.live_views_per_user):
            raise RateLimitedError(TOO_MANY_VIEWS, retry_after_s=10)
    except PunchError as exc:
        code = 4404 if isinstance(exc, NotFoundError) else 4429 if isinstance(exc, RateLimitedError) else 4401
        await socket.close(code=code, reason=exc.user_message[:120])
        return
    try:
        await _follow_on_socket(socket, deps, analysis_id, user_id)
    finally:
        slots.give_back(user_id)


async def _follow_on_socket(socket: WebSocket[Any, Any, Any], deps: ApiDeps, analysis_id: str, user_id: str) -> None:
    """Send each status change until the analysis ends, the client leaves or ``MAX_SOCKET_S`` passes."""

    async def push() -> None:
        async for status in status_stream(deps, analysis_id, user_id):
            await socket.send_json(status)
        await socket.close(code=1000)

    async def until_client_leaves() -> None:
        # The stream only writes when the status changes; reading notices a closed socket at once, so a
        # follower of a waiting analysis does not poll the database forever after its client has gone.
        while True:
            await socket.receive_data(mode="text")

    tasks = {asyncio.ensure_future(push()), asyncio.ensure_future(until_client_leaves())}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED, timeout=MAX_SOCKET_S)
        for task in done:
            if (
                not task.cancelled()
                and task.exception() is not None
                and not isinstance(task.exception(), WebSocketDisconnect)
            ):
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


ROUTES = [
    list_analyses,
    get_status,
    get_thumbnails,
    get_thumbnail_image,
    choose_subject,
    set_specs,
    start,
    redo_coaching,
    retry,
    status_events,
    status_socket,
]

__all__ = ["ROUTES", "SpecsError", "parse_specs", "status_of", "status_stream"]
