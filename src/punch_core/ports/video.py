"""Reading video files: what a probe learns, decoded frames, and the port that reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

from punch_core.stamps import Stamp
from punch_core.track import PoseTrack


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

    def frames_at(self, path: str, times_s: Sequence[float]) -> list[Frame]:
        """``frame_at`` for each of ``times_s`` (ascending), from one pass over the video where that is cheaper."""
        ...

    def without_metadata(self, path: str, out_path: str, *, container: str) -> None:
        """Write the video to ``out_path`` (``container``: mp4, mov or webm) without its metadata.

        Its video and audio tracks are copied as they are, and nothing else: no location, no container or track
        tags, no data tracks. No re-encoding, so nothing is lost; the display rotation is kept. Raises
        ``MediaError`` for a file that cannot be read.
        """
        ...


class OverlayWriter(Protocol):
    """Draws the boxer's skeleton and the stamps on a video, encoded as an MP4 anyone's player opens (H.264)."""

    def __call__(
        self,
        video_path: str,
        track: PoseTrack,
        stamps: Sequence[Stamp],
        out_path: str,
        *,
        progress: Callable[[float], None] | None = None,
    ) -> int:
        """Write the overlay video of ``video_path`` to ``out_path``; returns the frames written.

        Raises ``MediaError`` when the video cannot be read or the overlay cannot be encoded.
        """
        ...
