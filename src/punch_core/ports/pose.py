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
        """Everyone's pose on every frame of a video, up to ``max_people`` per frame (docs of ``PeopleTrack``).

        ``progress`` is called with the share done (0-1) as frames are processed.
        Raises ``MediaError`` for unreadable video.
        """
        ...
