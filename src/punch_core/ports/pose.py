"""Finding people and their 33 landmarks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from punch_core.ports.video import Frame, VideoInfo
    from punch_core.subject import PeopleTrack, PersonBox


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
        """Everyone's pose on the frames of a video pose is inferred on, up to ``max_people`` per frame.

        One row per inferred frame at its time (docs of ``PeopleTrack``): every decoded frame, or, where the
        estimator infers at an adaptive rate, a subset whose gaps the kinematics interpolate (at most 0.2 s).
        ``progress`` is called with the share done (0-1) as frames are decoded.
        Raises ``MediaError`` for unreadable video.
        """
        ...
