"""The pose track: what the pose estimator saw, frame by frame."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from punch_core.errors import TrackFormatError
from punch_core.landmarks import MIRROR_PERMUTATION, N_LANDMARKS

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]


def _as_times(value: object) -> FloatArray:
    t_s = np.asarray(value, dtype=np.float64)
    if t_s.ndim != 1:
        raise TrackFormatError(f"t_s must be a 1-D array of seconds, got shape {t_s.shape}")
    if t_s.size and not np.all(np.isfinite(t_s)):
        raise TrackFormatError("t_s must hold finite seconds, found NaN or infinity")
    if t_s.size > 1 and not np.all(np.diff(t_s) > 0):
        raise TrackFormatError("t_s must be strictly increasing")
    return t_s


def _as_landmarks(value: object) -> Float32Array:
    landmarks = np.asarray(value, dtype=np.float32)
    if landmarks.ndim != 3 or landmarks.shape[1:] != (N_LANDMARKS, 4):
        raise TrackFormatError(
            f"landmarks must have shape (T, {N_LANDMARKS}, 4) = x, y, z, visibility; got {landmarks.shape}"
        )
    return landmarks


def _as_world(value: object) -> Float32Array | None:
    if value is None:
        return None
    world = np.asarray(value, dtype=np.float32)
    if world.ndim != 3 or world.shape[1:] != (N_LANDMARKS, 3):
        raise TrackFormatError(f"world_m must have shape (T, {N_LANDMARKS}, 3) = x, y, z in metres; got {world.shape}")
    return world


@attrs.frozen(eq=False, kw_only=True)
class PoseTrack:
    """One person's pose over time.

    Attributes:
        t_s: Frame times in seconds, shape (T,), strictly increasing.
        landmarks: Shape (T, 33, 4) float32: x and y in normalised image coordinates (0-1, origin top-left),
            z (MediaPipe's depth relative to the hips, in the scale of x) and visibility (0-1), in MediaPipe
            Pose's landmark order. A frame without a pose is NaN throughout.
        width: Frame width in pixels.
        height: Frame height in pixels.
        world_m: Shape (T, 33, 3) float32 or None: MediaPipe's world landmarks, in metres, origin between the
            hips, x to the image right, y down, z towards the camera's far side (the model's estimate of the 3-D
            body, the same whatever the subject's size on screen). NaN where ``landmarks`` is. None for tracks made
            before they were kept (format version 1) and for landmark CSVs: :mod:`punch_core.detection.body_frame`
            then estimates the body from the image landmarks' ``z``.

    Raises:
        TrackFormatError: if the arrays do not have this layout.
    """

    t_s: FloatArray = attrs.field(converter=_as_times)
    landmarks: Float32Array = attrs.field(converter=_as_landmarks)
    width: int
    height: int
    world_m: Float32Array | None = attrs.field(default=None, converter=_as_world)

    def __attrs_post_init__(self) -> None:
        if self.landmarks.shape[0] != self.t_s.shape[0]:
            raise TrackFormatError(f"t_s has {self.t_s.shape[0]} frames but landmarks has {self.landmarks.shape[0]}")
        if self.world_m is not None:
            if self.world_m.shape[0] != self.t_s.shape[0]:
                raise TrackFormatError(f"t_s has {self.t_s.shape[0]} frames but world_m has {self.world_m.shape[0]}")
            self.world_m.setflags(write=False)
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
                raise TrackFormatError(f"{name} must be a positive number of pixels, got {value!r}")
        self.t_s.setflags(write=False)
        self.landmarks.setflags(write=False)

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.t_s.shape[0])

    @property
    def duration_s(self) -> float:
        """Time from the first to the last frame plus one frame interval."""
        if self.n_frames < 2:
            return 0.0
        return float(self.t_s[-1] - self.t_s[0] + np.median(np.diff(self.t_s)))

    @property
    def fps(self) -> float:
        """Median frame rate (frames per second)."""
        if self.n_frames < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.t_s)))

    @property
    def has_pose(self) -> BoolArray:
        """Shape (T,): True where the frame has a pose."""
        return np.asarray(np.all(np.isfinite(self.landmarks[:, :, :2]), axis=(1, 2)))

    @property
    def coverage(self) -> float:
        """Share of frames with a pose (0-1)."""
        return float(self.has_pose.mean()) if self.n_frames else 0.0

    def mirrored(self) -> PoseTrack:
        """The track of the mirror-image video: x flipped and every left/right landmark pair swapped.

        MediaPipe labels sides anatomically, so a mirrored person's left arm is reported as the right one.
        """
        landmarks = self.landmarks[:, MIRROR_PERMUTATION].copy()
        landmarks[:, :, 0] = 1.0 - landmarks[:, :, 0]
        world = None
        if self.world_m is not None:
            world = self.world_m[:, MIRROR_PERMUTATION].copy()
            world[:, :, 0] = -world[:, :, 0]
        return PoseTrack(t_s=self.t_s.copy(), landmarks=landmarks, width=self.width, height=self.height, world_m=world)

    def same_as(self, other: PoseTrack) -> bool:
        """Exact equality of every array value (NaN equal to NaN) and of the frame size."""
        return (
            self.width == other.width
            and self.height == other.height
            and np.array_equal(self.t_s, other.t_s)
            and np.array_equal(self.landmarks, other.landmarks, equal_nan=True)
            and _same_or_both_none(self.world_m, other.world_m)
        )


def _same_or_both_none(a: Float32Array | None, b: Float32Array | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(a, b, equal_nan=True))
