"""Adaptive-rate pose: which frames are worth a pose inference.

Most of a round is a boxer bouncing in guard; what the detector needs is in the tenths of a second where a hand
or the head moves fast. So pose is inferred at a base rate (:data:`BASE_FPS`), and where two base frames in a row
show a wrist, an elbow or the head moving fast *in the boxer's own frame*, every frame between them, and the base
interval before and after, is inferred too. The kinematics resample the frames that were inferred onto their
fixed 60 Hz grid as they do for any frame rate (their gaps are at most one base interval, well under
``MAX_GAP_S``).

"In the boxer's frame" means MediaPipe's world landmarks: metres, centred between the hips, so a camera that pans,
a boxer who steps in, or a phone held at any angle moves nothing here, while a punch thrown straight at the
camera (hardly any motion in the picture) still does. Where a frame has no world landmarks the picture is used,
with distances measured in torso lengths.

The policy (``PUNCH_POSE_RATE``): ``adaptive`` (this) or ``full`` (every frame, for comparison).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

BASE_FPS = 10.0
"""Pose is inferred at least this often (every frame of a video slower than twice this)."""

FAST_LIMB_MPS = 1.2
"""A wrist or elbow moving faster than this between two base frames (metres a second, relative to the hips) marks
the span for every frame. A guard's bounce moves the hands at 0.2-0.8 m/s; a punch leaves the guard at over 2 m/s
and peaks at 5-9 m/s, so its first tenth of a second already clears this."""

FAST_HEAD_MPS = 0.8
"""The head moving faster than this (slips, ducks and pull-backs move it at 1-2 m/s) marks the span too."""

TORSO_M = 0.5
"""A torso's length in metres, to read picture distances (in torso lengths) as metres where no world landmarks
are known."""

_LIMBS = (13, 14, 15, 16)  # elbows, wrists
_HEAD = 0
_HIPS = (23, 24)
_SHOULDERS = (11, 12)


class PoseRate(StrEnum):
    """Which frames get a pose inference."""

    ADAPTIVE = "adaptive"
    FULL = "full"


def base_stride(fps: float) -> int:
    """Every how many frames a base frame comes: 3 at 30 fps, 6 at 60 fps, 1 (every frame) at 15 fps or less."""
    if not np.isfinite(fps) or fps <= 0:
        return 1
    stride = round(fps / BASE_FPS)
    return stride if stride >= 3 else 1  # a stride of 2 saves too little to be worth a second landmarker


def _centres(landmarks: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Hip centres (K, 2) in the picture, NaN for an empty slot."""
    return np.asarray(landmarks[:, _HIPS, :2].astype(np.float64).mean(axis=1))


def _torso(landmarks: npt.NDArray[np.float32]) -> float:
    shoulders = landmarks[_SHOULDERS, :2].astype(np.float64).mean(axis=0)
    hips = landmarks[_HIPS, :2].astype(np.float64).mean(axis=0)
    return max(float(np.linalg.norm(shoulders - hips)), 1e-3)


def moving_fast(
    before: npt.NDArray[np.float32],
    after: npt.NDArray[np.float32],
    world_before: npt.NDArray[np.float32],
    world_after: npt.NDArray[np.float32],
    dt_s: float,
) -> bool:
    """Whether anyone moved a hand, an elbow or the head fast between two base frames (or came or went).

    Args:
        before: Landmarks (K, 33, 4) of everyone on the earlier base frame, NaN rows for empty slots.
        after: The same on the later base frame.
        world_before: World landmarks (K, 33, 3), metres from the hips, NaN where unknown.
        world_after: The same on the later base frame.
        dt_s: Seconds between the two frames.

    People are matched by their hip centres in the picture (MediaPipe's slots are not stable). Someone found on
    one frame and not the other counts as fast: the frames between show where the tracker gained or lost them.
    """
    present_before = np.flatnonzero(np.isfinite(before[:, _HIPS[0], 0]))
    present_after = np.flatnonzero(np.isfinite(after[:, _HIPS[0], 0]))
    if present_before.size != present_after.size:
        return True
    if present_after.size == 0 or dt_s <= 0:
        return False
    centres_before = _centres(before)
    limit = np.full(33, np.inf)
    limit[list(_LIMBS)] = FAST_LIMB_MPS
    limit[_HEAD] = FAST_HEAD_MPS
    joints = [*_LIMBS, _HEAD]
    for k in present_after:
        centre = _centres(after[k : k + 1])[0]
        j = int(present_before[np.argmin(np.linalg.norm(centres_before[present_before] - centre, axis=1))])
        world_a, world_b = world_before[j, joints], world_after[k, joints]
        if np.all(np.isfinite(world_a)) and np.all(np.isfinite(world_b)):
            speed = np.linalg.norm(world_b - world_a, axis=1) / dt_s
        else:
            # No world landmarks: picture distances relative to the hips, in torso lengths, read as metres.
            torso = max(_torso(before[j]), _torso(after[k]))
            rel_a = before[j, joints, :2].astype(np.float64) - _centres(before[j : j + 1])[0]
            rel_b = after[k, joints, :2].astype(np.float64) - centre
            speed = np.linalg.norm(rel_b - rel_a, axis=1) / torso * TORSO_M / dt_s
        if np.any(np.nan_to_num(speed, nan=0.0) > limit[joints]):
            return True
    return False
