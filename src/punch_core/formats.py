"""Pose-track file formats (docs/formats.md): the ``.npz`` format and the shadowcoach CSV layout.

Functions here turn bytes or text into tracks and back; reading and writing files is the caller's job.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from punch_core.errors import TrackFormatError
from punch_core.landmarks import LANDMARK_NAMES, N_LANDMARKS
from punch_core.track import PoseTrack

NPZ_FORMAT_VERSION = 2
"""2 added the optional ``world_landmarks`` array; version 1 files (without it) still read."""
_CSV_FIELDS = ("x", "y", "z", "visibility")


def track_to_npz_bytes(track: PoseTrack) -> bytes:
    """Serialise a track to the documented ``.npz`` layout (lossless)."""
    buffer = io.BytesIO()
    arrays: dict[str, np.ndarray] = {
        "t_s": track.t_s,
        "landmarks": track.landmarks,
        "width": np.asarray(track.width, dtype=np.int64),
        "height": np.asarray(track.height, dtype=np.int64),
        "format_version": np.asarray(NPZ_FORMAT_VERSION, dtype=np.int64),
    }
    if track.world_m is not None:
        arrays["world_landmarks"] = track.world_m
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
    return buffer.getvalue()


def track_from_npz_bytes(data: bytes) -> PoseTrack:
    """Read a track written by :func:`track_to_npz_bytes` (or any ``.npz`` with the documented arrays).

    Raises:
        TrackFormatError: if the bytes are not an ``.npz`` archive or lack an array.
    """
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            missing = [key for key in ("t_s", "landmarks", "width", "height") if key not in archive.files]
            if missing:
                raise TrackFormatError(f"the .npz file lacks the array(s) {', '.join(missing)}; see docs/formats.md")
            version = int(archive["format_version"]) if "format_version" in archive.files else 1
            if version > NPZ_FORMAT_VERSION:
                raise TrackFormatError(
                    f"the .npz file has format_version {version}; this version reads up to {NPZ_FORMAT_VERSION}"
                )
            return PoseTrack(
                t_s=archive["t_s"],
                landmarks=archive["landmarks"],
                width=int(archive["width"]),
                height=int(archive["height"]),
                world_m=archive["world_landmarks"] if "world_landmarks" in archive.files else None,
            )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise TrackFormatError(f"not a pose-track .npz file: {exc}") from exc
    except (TypeError, ValueError) as exc:
        if isinstance(exc, TrackFormatError):
            raise
        raise TrackFormatError(f"the .npz file's arrays have the wrong type: {exc}") from exc


def track_from_landmarks_csv(text: str, *, width: int, height: int) -> PoseTrack:
    """Read the shadowcoach CSV layout: ``frame_idx,timestamp_sec,<name>_{x,y,z,visibility}`` x 33.

    Column order does not matter; every landmark column must be present. Empty cells become NaN.

    Args:
        text: The whole CSV file.
        width: Frame width in pixels of the video the landmarks came from.
        height: Frame height in pixels.

    Raises:
        TrackFormatError: if a column is missing or a cell is not a number.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise TrackFormatError("the landmarks CSV is empty")
    header = [name.strip() for name in lines[0].split(",")]
    wanted = ["timestamp_sec"] + [f"{lm}_{field}" for lm in LANDMARK_NAMES for field in _CSV_FIELDS]
    missing = [name for name in wanted if name not in header]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise TrackFormatError(f"the landmarks CSV lacks the column(s) {shown}")
    columns = [header.index(name) for name in wanted]
    try:
        rows = np.array(
            [[float(cell) if cell.strip() else np.nan for cell in line.split(",")] for line in lines[1:]],
            dtype=np.float64,
        )
    except ValueError as exc:
        raise TrackFormatError(f"the landmarks CSV has a cell that is not a number: {exc}") from exc
    if rows.ndim != 2 or rows.shape[1] != len(header):
        raise TrackFormatError("the landmarks CSV has rows with a different number of cells than its header")
    table = rows[:, columns]
    return PoseTrack(
        t_s=table[:, 0],
        landmarks=table[:, 1:].reshape(-1, N_LANDMARKS, 4),
        width=width,
        height=height,
    )


def track_to_landmarks_csv(track: PoseTrack) -> str:
    """Write a track in the shadowcoach CSV layout (the inverse of :func:`track_from_landmarks_csv`)."""
    header = ["frame_idx", "timestamp_sec"] + [f"{lm}_{f}" for lm in LANDMARK_NAMES for f in _CSV_FIELDS]
    flat = track.landmarks.reshape(track.n_frames, -1).astype(np.float64)
    lines = [",".join(header)]
    lines.extend(
        ",".join([str(i), repr(float(t)), *("" if np.isnan(v) else repr(float(v)) for v in row)])
        for i, (t, row) in enumerate(zip(track.t_s, flat, strict=True))
    )
    return "\n".join(lines) + "\n"


POSE_VIEW_NAME = "pose_view.json.gz"
"""The drawable pose track, gzipped JSON, stored beside ``pose_track.npz`` (the web app's skeleton overlay)."""
POSE_VIEW_GZIP_LEVEL = 6


def pose_view_gzip(track: PoseTrack) -> bytes:
    """The pose track as the web app draws it, as gzipped JSON.

    ``{"fps", "width", "height", "t_s": [...], "landmarks": [frame | null]}`` where a frame is 33
    ``[x, y, visibility]`` (x, y normalised, 4 decimals; visibility 2 decimals, 0 where unknown) and ``null``
    marks a frame where the boxer was lost. Made once, when the pose stage stores the track (a 3-minute track
    takes ~0.5 s: too long to build for each view); a 1-minute round is ~1.3 MB of JSON, ~0.33 MB gzipped.
    """
    landmarks = np.asarray(track.landmarks, dtype=np.float64)
    points = np.empty((*landmarks.shape[:2], 3), dtype=np.float64)
    points[..., :2] = np.round(landmarks[..., :2], 4)
    points[..., 2] = np.round(np.nan_to_num(landmarks[..., 3], nan=0.0), 2)
    found = np.asarray(np.isfinite(landmarks[..., :2]).reshape(len(landmarks), -1).all(axis=1), dtype=bool)
    frames = [rows if ok else None for rows, ok in zip(points.tolist(), found.tolist(), strict=True)]
    doc = {
        "fps": round(track.fps, 3),
        "width": track.width,
        "height": track.height,
        "t_s": np.round(np.asarray(track.t_s, dtype=np.float64), 4).tolist(),
        "landmarks": frames,
    }
    data = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()
    return gzip.compress(data, compresslevel=POSE_VIEW_GZIP_LEVEL, mtime=0)


def read_track(path: str | Path, frame_size: tuple[int, int] | None = None) -> PoseTrack:
    """Read a pose track from an ``.npz`` file (``punch analyze --track-out``) or a shadowcoach-layout CSV.

    Args:
        path: The file.
        frame_size: (width, height) in pixels of the video a CSV's landmarks came from (an ``.npz`` carries its own).

    Raises:
        TrackFormatError: for unreadable files, with what to do about it.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TrackFormatError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if data[:2] == b"PK":
        return track_from_npz_bytes(data)
    if frame_size is None:
        raise TrackFormatError(
            f"{path.name} looks like a landmarks CSV, which has no frame size: add --frame-size WIDTHxHEIGHT "
            "(the video's pixel size, for example 464x832)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrackFormatError(f"{path.name} is neither a .npz track nor a UTF-8 landmarks CSV") from exc
    return track_from_landmarks_csv(text, width=frame_size[0], height=frame_size[1])
