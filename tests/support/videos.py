"""Realistic-length test videos made from the ../shared clips (every clip there is shorter than a round)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np


def concat_clips(
    clips: Sequence[Path],
    out: Path,
    *,
    seconds: float,
    fps: int = 15,
    size: tuple[int, int] = (360, 640),
    crf: int = 26,
) -> Path:
    """Concatenate clips (resampled to ``fps``, scaled to ``size`` = width, height) until ``seconds`` long; H.264."""
    import av  # noqa: PLC0415
    import cv2  # noqa: PLC0415

    target = round(seconds * fps)
    written = 0
    with av.open(str(out), "w") as box:
        stream = box.add_stream("libx264", rate=Fraction(fps, 1))
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"preset": "veryfast", "crf": str(crf)}
        while written < target:
            for clip in clips:
                cap = cv2.VideoCapture(str(clip))
                clip_fps = cap.get(cv2.CAP_PROP_FPS) or fps
                i = 0
                while written < target:
                    ok, bgr = cap.read()
                    if not ok:
                        break
                    # Keep the frames nearest to the output's own frame times.
                    if int(i * fps / clip_fps) != int((i - 1) * fps / clip_fps) or i == 0:
                        rgb = cv2.cvtColor(cv2.resize(bgr, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
                        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb, dtype=np.uint8), format="rgb24")
                        for packet in stream.encode(frame):
                            box.mux(packet)
                        written += 1
                    i += 1
                cap.release()
                if written >= target:
                    break
        for packet in stream.encode():
            box.mux(packet)
    return out


def tiny_h264(
    path: Path, seconds: float, *, fps: int = 2, size: tuple[int, int] = (64, 48), shade_step: int = 7
) -> bytes:
    """A small H.264 MP4 (flat grey frames whose shade steps by ``shade_step``) of ``seconds``; its bytes."""
    import av  # noqa: PLC0415

    with av.open(str(path), "w") as box:
        stream = box.add_stream("libx264", rate=Fraction(fps, 1))
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(round(seconds * fps)):
            rgb = np.full((size[1], size[0], 3), (shade_step * i) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return path.read_bytes()


LOCATION = "+37.5665+126.9780+010.000/"
"""Where the test phone says it was (Seoul City Hall), in ISO 6709 as iPhones write it."""


def with_location(path: Path, out: Path, location: str = LOCATION) -> Path:
    """``path`` remuxed with a phone's location tags in the container (``location`` and Apple's key)."""
    import av  # noqa: PLC0415

    with av.open(str(path)) as source, av.open(str(out), "w", options={"movflags": "use_metadata_tags"}) as box:
        box.metadata["location"] = location
        box.metadata["com.apple.quicktime.location.ISO6709"] = location
        video = source.streams.video[0]
        copy = box.add_stream_from_template(video)
        for packet in source.demux(video):
            if packet.dts is None:
                continue
            packet.stream = copy
            box.mux(packet)
    return out


def side_by_side(left: Path, right: Path, out: Path, *, right_until_s: float, crf: int = 26) -> Path:
    """Two videos of one size and frame rate side by side; the right one only until ``right_until_s``, then empty.

    Two people in one frame, one of whom walks out early: picked as the boxer, they are seen in too little of
    the round to analyse, and the other person is the one to pick (the failed-then-retried journey).
    """
    import av  # noqa: PLC0415

    with av.open(str(left)) as a, av.open(str(right)) as b, av.open(str(out), "w") as box:
        fps = a.streams.video[0].average_rate or Fraction(15, 1)
        stream = box.add_stream("libx264", rate=fps)
        frames_b = b.decode(video=0)
        blank: np.ndarray | None = None
        for frame_a in a.decode(video=0):
            rgb_a = frame_a.to_ndarray(format="rgb24")
            if blank is None:
                stream.width, stream.height, stream.pix_fmt = rgb_a.shape[1] * 2, rgb_a.shape[0], "yuv420p"
                stream.options = {"preset": "veryfast", "crf": str(crf)}
                blank = np.full_like(rgb_a, 40)
            t_s = float(frame_a.time or 0.0)
            frame_b = next(frames_b, None) if t_s < right_until_s else None
            rgb_b = frame_b.to_ndarray(format="rgb24") if frame_b is not None else blank
            both = np.ascontiguousarray(np.concatenate([rgb_a, rgb_b], axis=1), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(both, format="rgb24")):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return out
