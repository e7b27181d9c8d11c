"""Small vector helpers shared by the detectors (all vectorised over time)."""

from __future__ import annotations

import numpy as np

from punch_core.kinematics import Z_WEIGHT, Kinematics, odd_samples, quiet_nan_warnings, rolling_nanmedian
from punch_core.landmarks import Landmark
from punch_core.track import FloatArray

Z_SCALE = np.array([1.0, 1.0, Z_WEIGHT])

SIDE_LANDMARKS = {
    "left": (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    "right": (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
}
HEAD_LANDMARKS = (Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR)
CHIN_BELOW_MOUTH_SHARE = 0.03
"""The chin sits about 3% of standing height (5 cm for 1.75 m) below the mouth corners."""


def angle_deg(a: FloatArray, vertex: FloatArray, b: FloatArray) -> FloatArray:
    """Angle a-vertex-b in degrees for (..., 3) arrays, z discounted; NaN where undefined.

    Discounting depth biases the angle of a bent arm seen obliquely towards straight, but full-weight depth is
    worse on real MediaPipe output: its noise makes straight arms look bent (jab recall on the shadowcoach
    landmarks fell from 0.67 to 0.31).
    """
    u = (a - vertex) * Z_SCALE
    v = (b - vertex) * Z_SCALE
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    with np.errstate(invalid="ignore"):
        return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def head_centre(k: Kinematics) -> FloatArray:
    """Mean of the nose, eyes and ears, shape (N, 3)."""
    with np.errstate(all="ignore"), quiet_nan_warnings():  # a frame without the head is NaN, not a warning
        pts = k.pos_m[:, [int(lm) for lm in HEAD_LANDMARKS]]
        return np.asarray(np.nanmean(pts, axis=1)) if pts.size else np.full((k.t_s.size, 3), np.nan)


def chin_height(k: Kinematics) -> FloatArray:
    """Chin height (y, metres) at each grid time."""
    mouth = k.mid(Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT)[:, 1]
    return mouth - CHIN_BELOW_MOUTH_SHARE * k.height_m


def facing_axes(k: Kinematics) -> tuple[FloatArray, FloatArray]:
    """Unit vectors (3,) in the ground plane: forward (where the boxer faces) and the boxer's left.

    Forward comes from the nose relative to the ears (the face points forward); left from the right-to-left
    shoulder direction. Both are medians over the round, so a noisy frame does not flip them.
    """
    forward = facing_during(k, 0, k.t_s.size)
    if forward is None:
        forward = np.array([0.0, 0.0, -1.0])
    left = np.array([-forward[2], 0.0, forward[0]])
    shoulders = k.point(Landmark.LEFT_SHOULDER) - k.point(Landmark.RIGHT_SHOULDER)
    with np.errstate(all="ignore"):
        sign = np.nanmedian(shoulders @ left) if np.isfinite(shoulders).any() else 1.0
    if np.isfinite(sign) and sign < 0:
        left = -left
    return forward, left


def facing_during(k: Kinematics, start: int, stop: int) -> FloatArray | None:
    """Where the boxer faces over samples ``start`` to ``stop`` (exclusive); ``None`` where the face is not seen.

    ``None`` too where the face points straight up or down. A unit vector (3,) in the ground plane, from the median
    of the nose relative to the ears. Over a whole round this is one direction; a boxer who circles an opponent
    turns, so a single strike is judged by the direction around it.
    """
    head = k.pos_m[start:stop]
    face_to = head[:, Landmark.NOSE] - 0.5 * (head[:, Landmark.LEFT_EAR] + head[:, Landmark.RIGHT_EAR])
    if not np.isfinite(face_to).all(axis=1).any():
        return None
    face = np.nanmedian(face_to, axis=0)
    forward = np.array([face[0], 0.0, face[2]])
    norm = float(np.linalg.norm(forward))
    return forward / norm if np.isfinite(norm) and norm >= 1e-6 else None


def baseline(values: FloatArray, window_s: float) -> FloatArray:
    """Slow baseline of a (N, C) signal: a centred rolling median over ``window_s``."""
    return rolling_nanmedian(values, odd_samples(window_s))


def span_below(signal: FloatArray, peak: int, level: float, max_before: int, max_after: int) -> tuple[int, int]:
    """Indices [start, end] around ``peak`` where ``signal`` stays above ``level`` (NaN counts as below).

    The search looks at most ``max_before`` samples back and ``max_after`` ahead.
    """
    lo = max(0, peak - max_before)
    hi = min(signal.size, peak + max_after + 1)
    below = ~(np.nan_to_num(signal[lo:hi], nan=-np.inf) > level)
    rel = peak - lo
    before = np.flatnonzero(below[:rel])
    after = np.flatnonzero(below[rel:])
    start = lo + (int(before[-1]) if before.size else 0)
    end = lo + rel + (int(after[0]) if after.size else hi - lo - rel - 1)
    return start, end
