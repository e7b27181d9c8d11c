"""Reading video files: probe with PyAV, decode upright frames one at a time with OpenCV.

OpenCV rotates phone video upright by itself (``CAP_PROP_ORIENTATION_AUTO``); PyAV reports the rotation but does
not apply it, so PyAV is used only for the facts a probe needs and to prove the first frame decodes.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from punch_core.errors import MediaError
from punch_core.ports.video import Frame, FrameSource, VideoInfo
from punch_core.service.media import SNIFF_BYTES, SUPPORTED, sniff_container

# Larger frames than 4K are refused before decoding: phones record at most 4K, and a lying header could
# otherwise ask for gigabytes per frame.
MAX_PIXELS = 4096 * 2304
MAX_FPS = 240.0
# frames_at skips forward by decoding up to this far; a target further ahead is sought.
SEEK_AHEAD_S = 2.0


def _open_capture(path: str) -> cv2.VideoCapture:
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise MediaError(f"the video could not be opened for decoding: re-export it as {SUPPORTED}")
    return cap


def _reason(exc: BaseException, path: str) -> str:
    """What went wrong, without the file's path: the user sees this, and the path is where we keep their files."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).replace(path, "the file")


def _frame_time_s(cap: cv2.VideoCapture, index: int, fps: float) -> float:
    ms = float(cap.get(cv2.CAP_PROP_POS_MSEC))
    return ms / 1000.0 if math.isfinite(ms) and (ms > 0 or index == 0) else index / fps


def _packet_span(box: Any, stream: Any) -> tuple[int, float]:  # noqa: ANN401 - PyAV container and stream
    """The video track's packets (one per frame) and the time from the first one's start to the last one's end.

    Reads the file once without decoding (about a second for 500 MB on a local disk).
    """
    box.seek(0, stream=stream)
    count, first, end = 0, None, None
    for packet in box.demux(stream):
        if packet.size == 0:  # the flush packet at the end
            continue
        count += 1
        if packet.pts is not None:
            first = packet.pts if first is None else min(first, packet.pts)
            stop = packet.pts + (packet.duration or 0)
            end = stop if end is None else max(end, stop)
    if first is None or end is None or stream.time_base is None:
        return count, 0.0
    return count, float((end - first) * stream.time_base)


class OpenCvFrameSource(FrameSource):
    """Probes with PyAV, decodes with OpenCV (upright, streaming)."""

    def probe(self, path: str) -> VideoInfo:  # noqa: PLR0912 - each branch is a distinct error for the user
        """Container, duration, fps, upright size and rotation, after checking the first bytes and frame.

        Raises:
            MediaError: for missing, empty, unsupported, corrupt or oversized video.
        """
        try:
            with Path(path).open("rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError as exc:
            raise MediaError(f"cannot read the video file: {exc.strerror or exc}") from exc
        container = sniff_container(head)
        try:
            with av.open(path) as box:
                if not box.streams.video:
                    raise MediaError("the file has no video track: choose a video, not an audio file")
                stream = box.streams.video[0]
                width, height = int(stream.codec_context.width), int(stream.codec_context.height)
                if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
                    raise MediaError(f"the video is {width}x{height}; at most 4K (3840x2160) is supported")
                rate = stream.average_rate or stream.guessed_rate
                fps = float(rate) if rate else 0.0
                first = next(box.decode(stream), None)
                if first is None:
                    raise MediaError("the video holds no frame we can decode: it may be cut short or damaged")
                rotation = round(-float(first.rotation or 0)) % 360
                if stream.duration is not None and stream.time_base is not None:
                    duration_s = float(stream.duration * stream.time_base)
                elif box.duration is not None:
                    duration_s = box.duration / 1_000_000
                else:
                    duration_s = 0.0
                n_frames = int(stream.frames or 0)
                # The header can lie (durations of 120 s over frames that run 360 s): what counts is the frames.
                packets, span_s = _packet_span(box, stream)
                n_frames = max(n_frames, packets)
                duration_s = max(duration_s, span_s, packets / fps if fps > 0 else 0.0)
        except MediaError:
            raise
        except (av.error.FFmpegError, StopIteration, UnicodeDecodeError, ValueError) as exc:
            reason = _reason(exc, path)
            raise MediaError(f"the video is damaged or incomplete and cannot be read ({reason}); re-export it") from exc
        if not 1.0 <= fps <= MAX_FPS:
            raise MediaError(f"the video's frame rate ({fps:.1f} fps) cannot be right: re-export it at 24-60 fps")
        if n_frames <= 0:
            n_frames = max(1, round(duration_s * fps))
        if duration_s <= 0:
            duration_s = n_frames / fps
        if rotation % 180 == 90:
            width, height = height, width
        return VideoInfo(
            container=container,
            duration_s=duration_s,
            fps=fps,
            width=width,
            height=height,
            rotation_deg=rotation,
            n_frames=n_frames,
        )

    def without_metadata(self, path: str, out_path: str, *, container: str) -> None:
        """The video and audio tracks remuxed into a new file, without tags, location or data tracks.

        A phone writes where it was (``com.apple.quicktime.location.ISO6709``, ``\u00a9xyz``) into the container,
        and some phones a timed-metadata track; none of it is copied. The display matrix travels with the video
        track, so a portrait video stays upright.

        Raises:
            MediaError: if the file cannot be read or written.
        """
        muxer = {"mov": "mov", "webm": "webm"}.get(container, "mp4")
        try:
            with av.open(path) as source, av.open(out_path, "w", format=muxer) as out:
                copied = {
                    s.index: out.add_stream_from_template(s) for s in source.streams if s.type in ("video", "audio")
                }
                if not copied:
                    raise MediaError("the file has no video track: choose a video, not an audio file")
                for packet in source.demux(*(source.streams[i] for i in copied)):
                    if packet.dts is None:  # the flush packet at the end of each track
                        continue
                    packet.stream = copied[packet.stream.index]
                    out.mux(packet)
        except MediaError:
            raise
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            raise MediaError(f"the video could not be copied without its metadata ({_reason(exc, path)})") from exc

    def frames(self, path: str, *, start_s: float = 0.0, end_s: float | None = None) -> Iterator[Frame]:
        """Upright RGB frames from ``start_s`` to ``end_s`` (exclusive), one at a time."""
        cap = _open_capture(path)
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
            index = max(0, (math.floor(start_s * fps + 1e-6)))
            if index:
                cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            while True:
                ok, bgr = cap.read()
                if not ok:
                    return
                t_s = _frame_time_s(cap, index, fps)
                if end_s is not None and t_s >= end_s:
                    return
                yield Frame(index=index, t_s=t_s, rgb=np.ascontiguousarray(bgr[:, :, ::-1]))
                index += 1
        finally:
            cap.release()

    def frame_at(self, path: str, t_s: float) -> Frame:
        """The frame shown at ``t_s`` (the last decodable one if ``t_s`` is past the end)."""
        cap = _open_capture(path)
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
            n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            index = max(0, (math.floor(t_s * fps + 1e-6)))
            if n > 0:
                index = min(index, n - 1)
            while index >= 0:
                cap.set(cv2.CAP_PROP_POS_FRAMES, index)
                ok, bgr = cap.read()
                if ok:
                    t = _frame_time_s(cap, index, fps)
                    return Frame(index=index, t_s=t, rgb=np.ascontiguousarray(bgr[:, :, ::-1]))
                index -= 1
        finally:
            cap.release()
        raise MediaError("the video holds no frame we can decode: it may be cut short or damaged")

    def frames_at(self, path: str, times_s: Sequence[float]) -> list[Frame]:
        """``frame_at`` for each time, from one open video: the frames between are skipped without being converted.

        A seek decodes from the keyframe before its target, which may be seconds back: ten thumbnails a second
        apart of a 720p round took ten seeks and 1.5 s, and skipping forward takes 0.6 s (1080p: 1.3 -> 0.4 s).
        Targets more than ``SEEK_AHEAD_S`` ahead are still sought. A frame that cannot be reached this way (the
        header's frame count is too high) comes from ``frame_at``, which steps back to the last decodable one.
        """
        frames = []
        cap = _open_capture(path)
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
            n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            position = 0  # the index of the frame the next read returns
            for t_s in times_s:
                index = max(0, math.floor(t_s * fps + 1e-6))
                if n > 0:
                    index = min(index, n - 1)
                if index < position or index - position > SEEK_AHEAD_S * fps:
                    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
                    position = index
                while position < index and cap.grab():
                    position += 1
                ok, bgr = cap.read() if position == index else (False, None)
                if not ok or bgr is None:
                    frames.append(self.frame_at(path, t_s))
                    position = sys.maxsize  # unknown: the next one is sought
                    continue
                position += 1
                t = _frame_time_s(cap, index, fps)
                frames.append(Frame(index=index, t_s=t, rgb=np.ascontiguousarray(bgr[:, :, ::-1])))
        finally:
            cap.release()
        return frames
