"""The overlay video: a completed report's video with the boxer's skeleton and the stamps drawn, to download.

Made on request, not by every analysis (it costs about as much as decoding the video once more, and most
boxers never download it): the owner asks with :func:`request_overlay`, the job queue runs
:data:`~punch_core.service.records.Stage.OVERLAY`, whose runner calls :func:`render_overlay`, and
:func:`overlay_state` says where it stands. The overlay draws the stamps the report shows (those at or above the
round's confidence cut, the boxer's corrections included); once the stamps are corrected, the stored overlay
is *outdated* and asking again draws it anew. Its failure is the overlay's alone: the report stays as it is.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import attrs

from punch_core.detection.confidence import trusted
from punch_core.errors import ConflictError, NotFoundError
from punch_core.formats import track_from_npz_bytes
from punch_core.report import RoundAnalysis
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.processing import ProcessingPorts, file_chunks
from punch_core.service.records import AnalysisStatus
from punch_core.stamps import Stamp

PROGRESS_EVERY_S = 1.0
"""How often a rendering overlay stores its percent (the page asks for it every second or two)."""

STALE_AFTER = timedelta(minutes=30)
"""An overlay queued or rendering with no word for this long was lost (a restart took the in-process job, say): it
reads as failed, and asking again queues it anew. A job's tries take at most about 16 minutes."""


class OverlayStatus(StrEnum):
    """Where an analysis's overlay video stands."""

    NONE = "none"  # never asked for
    QUEUED = "queued"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class OverlayState:
    """Where the overlay video stands (stored as ``overlay.json``).

    Attributes:
        status: Where it stands.
        percent: How much is drawn (0-100) while rendering; 100 once ready.
        error: Why it failed, for the user (None unless failed).
        stamps_digest: Which stamps it was asked for or drawn from (:func:`stamps_digest`).
        size_bytes: The video's size once ready.
        updated_at: When it was last stored (a queued or rendering state not updated for :data:`STALE_AFTER` was
            lost).
        outdated: Ready, but drawn from stamps the boxer has corrected since (not stored: worked out on reading).
    """

    status: OverlayStatus
    percent: float = 0.0
    error: str | None = None
    stamps_digest: str | None = None
    size_bytes: int | None = None
    updated_at: datetime | None = None
    outdated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON form (without ``outdated``)."""
        return {
            "status": self.status.value,
            "percent": round(self.percent, 1),
            "error": self.error,
            "stamps_digest": self.stamps_digest,
            "size_bytes": self.size_bytes,
            "updated_at": None if self.updated_at is None else self.updated_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OverlayState:
        """Read the stored JSON form."""
        size = data.get("size_bytes")
        updated = data.get("updated_at")
        return cls(
            status=OverlayStatus(data["status"]),
            percent=float(data.get("percent") or 0.0),
            error=data.get("error"),
            stamps_digest=data.get("stamps_digest"),
            size_bytes=None if size is None else int(size),
            updated_at=None if updated is None else datetime.fromisoformat(updated),
        )


def drawn_stamps(round_: RoundAnalysis) -> list[Stamp]:
    """The stamps an overlay draws: those the report shows by default (at or above the round's confidence cut)."""
    return trusted(round_.stamps, float(round_.quality.get("coach_min_confidence", 0.0)))


def stamps_digest(stamps: list[Stamp]) -> str:
    """A short fingerprint of the drawn stamps: a stored overlay drawn from other stamps is outdated."""
    text = json.dumps([s.to_dict() for s in stamps], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _round(ports: ProcessingPorts, analysis_id: str) -> RoundAnalysis:
    return RoundAnalysis.from_dict(json.loads(ports.store.get(AnalysisArtifacts(analysis_id).round)))


def _stored(ports: ProcessingPorts, analysis_id: str) -> OverlayState:
    try:
        return OverlayState.from_dict(json.loads(ports.store.get(AnalysisArtifacts(analysis_id).overlay_state)))
    except NotFoundError:
        return OverlayState(status=OverlayStatus.NONE)


def _save(ports: ProcessingPorts, analysis_id: str, state: OverlayState) -> OverlayState:
    state = attrs.evolve(state, updated_at=ports.clock.now())
    ports.store.put(AnalysisArtifacts(analysis_id).overlay_state, json.dumps(state.to_dict()).encode())
    return state


LOST = "drawing the video stopped without a word (the server restarted, say); ask for it again"
REWRITTEN = "the report was being written again when the video was to be drawn; ask for it again"


def overlay_state(ports: ProcessingPorts, analysis_id: str, *, owner_id: str | None) -> OverlayState:
    """Where the overlay video of an analysis stands (``NONE`` before the report is ready or asked for).

    Raises:
        NotFoundError: for another owner's or a missing analysis (``owner_id`` None: access already checked).
    """
    analysis = ports.analyses.get(analysis_id, owner_id=owner_id)
    state = _stored(ports, analysis_id)
    if analysis.status is not AnalysisStatus.COMPLETED or state.status is OverlayStatus.NONE:
        return OverlayState(status=OverlayStatus.NONE)
    if state.status is OverlayStatus.READY:
        current = stamps_digest(drawn_stamps(_round(ports, analysis_id)))
        return attrs.evolve(state, outdated=state.stamps_digest != current)
    waiting = state.status in (OverlayStatus.QUEUED, OverlayStatus.RENDERING)
    if waiting and (state.updated_at is None or ports.clock.now() - state.updated_at > STALE_AFTER):
        return attrs.evolve(state, status=OverlayStatus.FAILED, error=LOST)
    return state


def ensure_completed(ports: ProcessingPorts, analysis_id: str, *, owner_id: str) -> None:
    """Refuse (``ConflictError``) an overlay of a report that is not ready; ``NotFoundError`` for another owner's."""
    if ports.analyses.get(analysis_id, owner_id=owner_id).status is not AnalysisStatus.COMPLETED:
        raise ConflictError("the video with the skeleton can be made once the report is ready")


def request_overlay(ports: ProcessingPorts, analysis_id: str, *, owner_id: str) -> tuple[OverlayState, bool]:
    """Ask for the overlay video; returns its state and whether the overlay job is to be queued.

    A ready overlay drawn from the current stamps is kept (nothing queued); a missing, failed or outdated one is
    queued. Asking while it is queued or rendering queues it again, which the job queue takes as the same job
    (and which starts it again after a restart lost it).

    Raises:
        NotFoundError: for another owner's or a missing analysis.
        ConflictError: before the report is ready.
    """
    ensure_completed(ports, analysis_id, owner_id=owner_id)
    state = overlay_state(ports, analysis_id, owner_id=None)
    if state.status is OverlayStatus.READY and not state.outdated:
        return state, False
    if state.status in (OverlayStatus.QUEUED, OverlayStatus.RENDERING):
        return state, True
    digest = stamps_digest(drawn_stamps(_round(ports, analysis_id)))
    return _save(ports, analysis_id, OverlayState(status=OverlayStatus.QUEUED, stamps_digest=digest)), True


def render_overlay(
    ports: ProcessingPorts, analysis_id: str, *, progress: Callable[[float], None] | None = None
) -> OverlayState:
    """Draw the overlay video and store it (the overlay job); returns the ready state.

    Does nothing (returns the state) when the analysis is not completed or the overlay is ready and current, so a
    job delivered twice draws once. Progress is stored at most every :data:`PROGRESS_EVERY_S`.

    Raises:
        NotFoundError: when the analysis was deleted meanwhile.
        MediaError: when the video cannot be read or the overlay encoded (see :func:`fail_overlay`).
    """
    analysis = ports.analyses.get(analysis_id)
    if analysis.status is not AnalysisStatus.COMPLETED:
        # The coaching is being written again (the report is rebuilt): the boxer asks again once it is back.
        if _stored(ports, analysis_id).status in (OverlayStatus.QUEUED, OverlayStatus.RENDERING):
            return fail_overlay(ports, analysis_id, REWRITTEN)
        return OverlayState(status=OverlayStatus.NONE)
    state = overlay_state(ports, analysis_id, owner_id=None)
    if state.status is OverlayStatus.READY and not state.outdated:
        return state
    keys = AnalysisArtifacts(analysis_id)
    stamps = drawn_stamps(_round(ports, analysis_id))
    digest = stamps_digest(stamps)
    track = track_from_npz_bytes(ports.store.get(keys.pose_track))
    _save(ports, analysis_id, OverlayState(status=OverlayStatus.RENDERING, stamps_digest=digest))
    last = [time.monotonic()]

    def on_progress(share: float) -> None:
        if progress is not None:
            progress(share)
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            state = OverlayState(status=OverlayStatus.RENDERING, percent=100 * share, stamps_digest=digest)
            _save(ports, analysis_id, state)

    video = ports.videos.get(analysis.video_id)
    with ports.store.local_path(video.object_key) as path, tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "overlay.mp4"
        ports.write_overlay(path, track, stamps, str(out), progress=on_progress)
        size = ports.store.put_stream(keys.overlay_video, file_chunks(out))
    ready = OverlayState(status=OverlayStatus.READY, percent=100.0, stamps_digest=digest, size_bytes=size)
    return _save(ports, analysis_id, ready)


def fail_overlay(ports: ProcessingPorts, analysis_id: str, message: str) -> OverlayState:
    """Mark the overlay failed with a message for the user; the analysis and its report are not touched."""
    state = _stored(ports, analysis_id)
    return _save(ports, analysis_id, attrs.evolve(state, status=OverlayStatus.FAILED, error=message, outdated=False))
