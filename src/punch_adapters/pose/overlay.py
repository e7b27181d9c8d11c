"""The overlay video: the boxer's skeleton and the stamps found, drawn on the video and encoded as H.264.

OpenCV's wheels cannot encode H.264, so frames go through PyAV's libx264 (``preset=veryfast``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import attrs
import av
import cv2
import numpy as np
import numpy.typing as npt

from punch_core.errors import MediaError
from punch_core.ports.video import Frame, FrameSource, OverlayWriter
from punch_core.stamps import Category, Stamp
from punch_core.track import PoseTrack

OVERLAY_MAX_SIDE = 720
LABEL_HOLD_S = 0.5
# MediaPipe Pose connections drawn (face left out: it clutters a small frame).
BONES = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (24, 26), (26, 28), (27, 31), (28, 32), (15, 19), (16, 20),
)  # fmt: skip
_COLOURS = {Category.STRIKE: (255, 80, 60), Category.DEFENSE: (60, 160, 255), Category.FAULT: (255, 200, 0)}
_BONE_RGB = (0, 230, 120)


INTERPOLATE_MAX_GAP_S = 0.25
"""Between two pose frames at most this far apart (an adaptive-rate track's base interval is 0.1 s), a video frame
gets the skeleton interpolated between them; farther apart, only a frame with its own pose gets one."""


def points_at(track: PoseTrack, t_s: float) -> npt.NDArray[np.float32] | None:
    """The landmarks (33, 4) to draw on the video frame at ``t_s``: the track's own, or between its neighbours."""
    i = int(np.searchsorted(track.t_s, t_s - 1e-4))
    if i < track.n_frames and abs(track.t_s[i] - t_s) < 0.005:
        return np.asarray(track.landmarks[i])
    if 0 < i < track.n_frames and track.t_s[i] - track.t_s[i - 1] <= INTERPOLATE_MAX_GAP_S:
        a, b = track.landmarks[i - 1], track.landmarks[i]
        if np.all(np.isfinite(a[:, :2])) and np.all(np.isfinite(b[:, :2])):
            share = (t_s - track.t_s[i - 1]) / (track.t_s[i] - track.t_s[i - 1])
            return np.asarray(a + (b - a) * np.float32(share), dtype=np.float32)
    for j in (i - 1, i):
        if 0 <= j < track.n_frames and abs(track.t_s[j] - t_s) < 0.02:
            return np.asarray(track.landmarks[j])
    return None


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def _draw(rgb: npt.NDArray[np.uint8], points: npt.NDArray[np.float32] | None, labels: Sequence[Stamp]) -> None:
    h, w = rgb.shape[:2]
    thick = max(2, round(min(h, w) / 240))
    if points is not None and np.all(np.isfinite(points[:, :2])):
        px = np.round(points[:, :2] * np.array([w, h])).astype(int)
        for a, b in BONES:
            cv2.line(rgb, tuple(px[a]), tuple(px[b]), _BONE_RGB, thick, cv2.LINE_AA)
        for i in {i for bone in BONES for i in bone}:
            cv2.circle(rgb, tuple(px[i]), thick + 1, (255, 255, 255), -1, cv2.LINE_AA)
    scale = max(0.5, min(h, w) / 720)
    for row, stamp in enumerate(labels[:4]):
        text = stamp.kind.value.replace("_", " ").upper()
        if stamp.peak_speed_mps is not None:
            text += f"  {stamp.peak_speed_mps:.1f} m/s"
        y = round((40 + row * 36) * scale)
        cv2.putText(
            rgb, text, (round(14 * scale), y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 3, cv2.LINE_AA
        )
        cv2.putText(
            rgb,
            text,
            (round(14 * scale), y),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            _COLOURS[stamp.category],
            thick,
            cv2.LINE_AA,
        )


def write_overlay(
    frames: Iterable[Frame],
    track: PoseTrack,
    stamps: Sequence[Stamp],
    out_path: Path,
    *,
    fps: float,
    n_frames: int,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Encode ``frames`` with the skeleton of ``track`` and labels of ``stamps`` as an H.264 MP4.

    Returns:
        The number of frames written.

    Raises:
        MediaError: if the encoder fails.
    """
    written = 0
    try:
        with av.open(str(out_path), mode="w") as box:
            stream: av.VideoStream | None = None
            for frame in frames:
                h, w = frame.rgb.shape[:2]
                scale = min(1.0, OVERLAY_MAX_SIDE / max(h, w))
                size = (_even(w * scale), _even(h * scale))
                if stream is None:
                    stream = box.add_stream("libx264", rate=Fraction(round(fps * 1000), 1000))
                    stream.width, stream.height = size
                    stream.pix_fmt = "yuv420p"
                    stream.options = {"preset": "veryfast", "crf": "23", "movflags": "+faststart"}
                rgb = np.ascontiguousarray(cv2.resize(frame.rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
                points = points_at(track, frame.t_s)
                active = [s for s in stamps if s.t_start_s <= frame.t_s <= s.t_end_s + LABEL_HOLD_S]
                _draw(rgb, points, active)
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    box.mux(packet)
                written += 1
                if progress and written % 30 == 0:
                    progress(min(1.0, written / max(n_frames, 1)))
            if stream is not None:
                for packet in stream.encode():
                    box.mux(packet)
    except av.error.FFmpegError as exc:
        raise MediaError(f"the overlay video could not be written: {exc}") from exc
    return written


@attrs.frozen
class OverlayVideoWriter(OverlayWriter):
    """The overlay video of a stored video file, frames read by ``source`` (the overlay job's writer)."""

    source: FrameSource

    def __call__(
        self,
        video_path: str,
        track: PoseTrack,
        stamps: Sequence[Stamp],
        out_path: str,
        *,
        progress: Callable[[float], None] | None = None,
    ) -> int:
        """Write the overlay video of ``video_path`` to ``out_path``; returns the frames written."""
        info = self.source.probe(video_path)
        frames = self.source.frames(video_path)
        return write_overlay(
            frames, track, stamps, Path(out_path), fps=info.fps, n_frames=info.n_frames, progress=progress
        )


def encode_jpeg(rgb: npt.NDArray[np.uint8], *, max_side: int = 480, quality: int = 80) -> bytes:
    """A JPEG of an RGB frame, shrunk to ``max_side`` on its longest side."""
    h, w = rgb.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise MediaError("a thumbnail could not be encoded as JPEG")
    return bytes(buf.tobytes())
