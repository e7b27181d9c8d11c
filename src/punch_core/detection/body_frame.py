"""The boxer's own frame: forward (where the body faces), left and up, the same whatever the camera's angle.

A jab is the lead wrist driving forward and coming back, a hook travels across with the elbow up, an uppercut
rises: said in the boxer's frame, each means one thing from every camera. In the image it does not (a jab at the
camera barely moves the wrist on screen; a hook seen from the side looks like a straight).

Where the track holds MediaPipe's **world landmarks** (metres, a 3-D body estimated per frame, centred between the
hips) they are the source. Tracks without them (format version 1, the 15 fps landmark CSVs) fall back to the image
landmarks in metres (:mod:`punch_core.kinematics`), whose depth is MediaPipe's relative ``z``: noisier, and the
reason the features also carry image-plane cues.

Steps: positions are smoothed (Savitzky-Golay, ``POSITION_SMOOTH_S``) before anything is derived, because unsmoothed
world speeds spike to 14-18 m/s for single frames; the axes come from the hips *and* the shoulders (the shoulders
alone rotate with every punch), projected on the ground plane and held by a rolling median over ``AXES_WINDOW_S``;
world coordinates are scaled so the skeleton's torso matches the boxer's height (MediaPipe's world skeleton has
the size of an average adult whoever is filmed).
"""

from __future__ import annotations

import attrs
import numpy as np

from punch_core.kinematics import (
    TORSO_SHARE,
    Kinematics,
    odd_samples,
    quiet_nan_warnings,
    rolling_nanmedian,
    smooth,
)
from punch_core.landmarks import N_LANDMARKS, Landmark
from punch_core.track import FloatArray

POSITION_SMOOTH_S = 0.15
VELOCITY_SMOOTH_S = 0.2
AXES_WINDOW_S = 1.0
HIP_WEIGHT = 0.5
"""Share of the hip line in the body's left axis (the rest is the shoulder line)."""
MIN_WORLD_SHARE = 0.5
"""World landmarks are used when at least this share of the frames with a pose has them."""

FORWARD, LEFT, UP = 0, 1, 2


@attrs.frozen(eq=False, kw_only=True)
class BodyFrame:
    """Landmarks in the boxer's own frame on the kinematics grid.

    Attributes:
        t_s: Grid times, shape (N,).
        pos_m: Shape (N, 33, 3): (forward, left, up) in metres from the middle of the hips, scaled to the boxer.
        vel_mps: Shape (N, 33, 3): velocities along the same axes.
        forward_cam: Shape (N, 3): the forward axis in camera coordinates (x right, y up, z away from the camera):
            ``-forward_cam[:, 2]`` near 1 means the boxer faces the camera, near 0 side-on.
        from_world: True when built from world landmarks, False from the image landmarks (the fallback).
    """

    t_s: FloatArray
    pos_m: FloatArray
    vel_mps: FloatArray
    forward_cam: FloatArray
    from_world: bool

    def point(self, landmark: Landmark) -> FloatArray:
        """One landmark's (forward, left, up) positions, shape (N, 3)."""
        return self.pos_m[:, int(landmark)]

    def mid(self, a: Landmark, b: Landmark) -> FloatArray:
        """Midpoint of two landmarks, shape (N, 3)."""
        return 0.5 * (self.pos_m[:, int(a)] + self.pos_m[:, int(b)])


def _unit_ground(v: FloatArray) -> FloatArray:
    """(N, 3) vectors projected on the ground plane (y = 0) and normalised; NaN where undefined."""
    g = v.copy()
    g[:, 1] = 0.0
    with np.errstate(all="ignore"):
        n = np.linalg.norm(g, axis=1, keepdims=True)
        return np.where(n > 1e-6, g / n, np.nan)


def _world_scale(world: FloatArray, height_m: float) -> float:
    """Metres of the boxer per metre of MediaPipe's world skeleton, from the torso's length."""
    shoulders = 0.5 * (world[:, Landmark.LEFT_SHOULDER] + world[:, Landmark.RIGHT_SHOULDER])
    hips = 0.5 * (world[:, Landmark.LEFT_HIP] + world[:, Landmark.RIGHT_HIP])
    with quiet_nan_warnings():
        torso = float(np.nanmedian(np.linalg.norm(shoulders - hips, axis=1)))
    if not np.isfinite(torso) or torso < 1e-3:
        return 1.0
    return height_m * TORSO_SHARE / torso


def _source(k: Kinematics) -> tuple[FloatArray, bool]:
    """Positions centred between the hips (N, 33, 3), in metres of the boxer, and whether they are world ones."""
    if k.world_m is not None:
        has = np.isfinite(k.world_m[:, Landmark.LEFT_HIP, 0])
        if has.sum() >= MIN_WORLD_SHARE * max(1, int(k.pose_ok.sum())):
            return k.world_m * _world_scale(k.world_m, k.height_m), True
    hips = 0.5 * (k.pos_m[:, Landmark.LEFT_HIP] + k.pos_m[:, Landmark.RIGHT_HIP])
    return k.pos_m - hips[:, None, :], False


def body_frame(k: Kinematics) -> BodyFrame:
    """The kinematics' landmarks in the boxer's own (forward, left, up) frame."""
    src, from_world = _source(k)
    n = src.shape[0]
    pos = smooth(src.reshape(n, -1), POSITION_SMOOTH_S).reshape(n, N_LANDMARKS, 3)
    hip_line = _unit_ground(pos[:, Landmark.LEFT_HIP] - pos[:, Landmark.RIGHT_HIP])
    shoulder_line = _unit_ground(pos[:, Landmark.LEFT_SHOULDER] - pos[:, Landmark.RIGHT_SHOULDER])
    with quiet_nan_warnings():
        left_raw = np.where(
            np.isfinite(hip_line) & np.isfinite(shoulder_line),
            HIP_WEIGHT * hip_line + (1 - HIP_WEIGHT) * shoulder_line,
            np.where(np.isfinite(hip_line), hip_line, shoulder_line),
        )
    left = _unit_ground(rolling_nanmedian(left_raw, odd_samples(AXES_WINDOW_S)))
    missing = ~np.isfinite(left).all(axis=1)
    left[missing] = np.array([1.0, 0.0, 0.0])  # no body seen: any frame will do, every landmark is NaN there
    up = np.array([0.0, 1.0, 0.0])
    forward = np.cross(up, left)
    rotation = np.stack([forward, left, np.broadcast_to(up, forward.shape)], axis=1)  # (N, 3 axes, 3 coords)
    hips = 0.5 * (pos[:, Landmark.LEFT_HIP] + pos[:, Landmark.RIGHT_HIP])
    body = np.einsum("nac,nlc->nla", rotation, pos - hips[:, None, :])
    vel = smooth(body.reshape(n, -1), VELOCITY_SMOOTH_S, deriv=1).reshape(n, N_LANDMARKS, 3)
    return BodyFrame(t_s=k.t_s, pos_m=body, vel_mps=vel, forward_cam=forward, from_world=from_world)
