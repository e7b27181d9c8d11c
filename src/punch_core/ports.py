"""Ports: what the domain needs from the outside world, as ``typing.Protocol``s.

Adapters in ``punch_adapters`` inherit these explicitly, so mypy checks that they match. Each docstring is the
contract the adapter's contract tests check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from punch_core.coaching.model import Coaching
    from punch_core.coaching.offline import CoachingRequest
    from punch_core.subject import PeopleTrack, PersonBox


@attrs.frozen(kw_only=True)
class VideoInfo:
    """What a probe learns about a video file without decoding it all."""

    container: str
    duration_s: float
    fps: float
    width: int
    height: int
    rotation_deg: int
    n_frames: int


@attrs.frozen(kw_only=True, eq=False)
class Frame:
    """One decoded frame: RGB pixels (H, W, 3) uint8, upright (rotation applied), and its time."""

    index: int
    t_s: float
    rgb: npt.NDArray[np.uint8]


class FrameSource(Protocol):
    """Reads video files."""

    def probe(self, path: str) -> VideoInfo:
        """Container, duration, fps, size, rotation. Raises a ``PunchError`` for corrupt or unsupported files."""
        ...

    def frames(self, path: str, *, start_s: float = 0.0, end_s: float | None = None) -> Iterator[Frame]:
        """Decode frames one at a time (never the whole video in memory), upright."""
        ...

    def frame_at(self, path: str, t_s: float) -> Frame:
        """The frame shown at ``t_s`` seconds (the last one if ``t_s`` is past the end), upright."""
        ...


class PoseEstimator(Protocol):
    """Finds people and their 33 landmarks."""

    def people(self, frame: Frame) -> list[PersonBox]:
        """Every person on one frame (for thumbnails and subject choice), largest first."""
        ...

    def people_track(
        self,
        path: str,
        info: VideoInfo,
        *,
        max_people: int,
        progress: Callable[[float], None] | None = None,
    ) -> PeopleTrack:
        """Everyone's pose on every frame of a video, up to ``max_people`` per frame (docs of ``PeopleTrack``).

        ``progress`` is called with the share done (0-1) as frames are processed.
        Raises ``MediaError`` for unreadable video.
        """
        ...


class ObjectStore(Protocol):
    """Stores large blobs (videos, tracks, thumbnails) by key."""

    def put(self, key: str, data: bytes) -> None:
        """Write (replace) an object."""
        ...

    def put_stream(self, key: str, chunks: Iterator[bytes]) -> int:
        """Write an object from chunks with bounded memory; returns the byte count."""
        ...

    def get(self, key: str) -> bytes:
        """Read an object. Raises ``NotFoundError``."""
        ...

    def open_read(self, key: str) -> Iterator[bytes]:
        """Stream an object in chunks. Raises ``NotFoundError``."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the key exists."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing key is not an error."""
        ...


class AnalysisRepository(Protocol):
    """Analyses and their state (status, stage, progress, error, attempts)."""

    def add(self, analysis: Mapping[str, Any]) -> None:
        """Store a new analysis. Raises ``ConflictError`` if its id exists."""
        ...

    def get(self, analysis_id: str, *, owner_id: str) -> Mapping[str, Any]:
        """One analysis of this owner. Raises ``NotFoundError`` (also for another owner's id)."""
        ...

    def update(self, analysis_id: str, **fields: Any) -> None:  # noqa: ANN401 - column values of any type
        """Change fields of an analysis. Raises ``NotFoundError``."""
        ...


class ReportRepository(Protocol):
    """Report documents by analysis id."""

    def save(self, analysis_id: str, report: Mapping[str, Any]) -> None:
        """Store (replace) the report of an analysis."""
        ...

    def get(self, analysis_id: str, *, owner_id: str) -> Mapping[str, Any]:
        """The report. Raises ``NotFoundError``."""
        ...

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[Mapping[str, Any]]:
        """Report summaries, newest first."""
        ...


class JobQueue(Protocol):
    """Runs processing stages in the background."""

    async def enqueue(self, stage: str, analysis_id: str, *, priority: int = 0) -> str:
        """Queue one stage of one analysis; returns the job id. Enqueuing a queued stage again is a no-op."""
        ...


class ProgressSink(Protocol):
    """Publishes and follows analysis progress."""

    async def publish(self, analysis_id: str, *, stage: str, percent: float) -> None:
        """Announce the current stage and percent (0-100)."""
        ...

    def follow(self, analysis_id: str) -> AsyncIterator[Mapping[str, Any]]:
        """Progress events of one analysis as they happen."""
        ...


class Coach(Protocol):
    """Writes coaching for a round."""

    def coach(self, request: CoachingRequest) -> Coaching:
        """The coaching for one request. Adapters fall back rather than raise where they can."""
        ...


class Clock(Protocol):
    """Tells the time (the domain never reads the system clock itself)."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    """Makes unique ids."""

    def new_id(self) -> str:
        """A new unique id (URL-safe)."""
        ...
