"""Synthetic MediaPipe-style pose tracks of a shadow-boxing boxer, with ground truth.

A kinematic 3-D skeleton (body proportions from the boxer's height, two-bone inverse kinematics for the arms and
legs) performs a scripted sequence of strikes and defensive moves with minimum-jerk motion profiles, bounces on
its feet and drifts slowly around. The skeleton is projected through a pinhole camera into MediaPipe Pose's
33-landmark layout: ``x``/``y`` normalised image coordinates (origin top-left, y down), ``z`` depth relative to the
mid-hip in the scale of ``x``, and a visibility score. Frames the pose estimator "missed" are all-NaN.

World frame used internally (metres): ``+F`` (index 0) points from the boxer towards the opponent, ``+L``
(index 1) is the boxer's anatomical left, ``+U`` (index 2) is up; the origin is on the ground between the feet.

Everything is deterministic for a given ``seed``. Only numpy and the standard library are used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFENSE_KINDS",
    "LANDMARK_NAMES",
    "STRIKE_KINDS",
    "Action",
    "Camera",
    "SyntheticRound",
    "make_round",
    "mirror",
    "random_round",
]

FloatArray = npt.NDArray[np.float64]

STRIKE_KINDS = ("jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut")
DEFENSE_KINDS = ("slip", "duck", "pull_back")

LANDMARK_NAMES = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

# Left/right landmark pairs (person's left first) - what a mirror swaps.
_LR_PAIRS = (
    (1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16),
    (17, 18), (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32),
)  # fmt: skip


def _mirror_index() -> npt.NDArray[np.intp]:
    index = np.arange(33)
    for a, b in _LR_PAIRS:
        index[a], index[b] = b, a
    return index


_MIRROR_INDEX = _mirror_index()

_STANCES = ("orthodox", "southpaw")
_SLIP_SIDES = ("left", "right")

# x is stored on a 2**-20 grid so that the mirror x -> 1 - x is exact in float32 (|x| < 8).
_X_GRID = float(2**20)

# ---------------------------------------------------------------------------------------------------------------
# Body model constants (fractions of the body height H unless stated otherwise).
# ---------------------------------------------------------------------------------------------------------------
_SHOULDER_H = 0.818
_SHOULDER_W = 0.259
_HIP_W = 0.19
_HIP_H = 0.53
_UPPER_ARM = 0.186
_FOREARM = 0.146
_THIGH = 0.245
_SHIN = 0.246
_ANKLE_H = _HIP_H - _THIGH - _SHIN  # ankle joint height when the legs are straight (0.039 H)
_SOLE_H = 0.008  # heel / toe landmark height above the ground
_KNEE_BEND_DROP = 0.035  # hips lowered by the slightly bent knees of the stance
_STANCE_HALF_LEN = 0.15  # feet this far in front of / behind the centre
_STANCE_HALF_W = 0.07  # and this far to the side
_HEEL_BACK = 0.03
_TOE_FWD = 0.11

_TORSO_BLADE = math.radians(30.0)  # rear shoulder back
_PELVIS_BLADE = math.radians(35.0)
_HEAD_YAW_FRACTION = 0.15  # the head turns only a little with the torso: the boxer keeps facing the opponent
_PELVIS_ROT_FRACTION = 0.6  # share of a strike's torso rotation the hips follow
_BASE_FWD_LEAN = math.radians(5.0)
_LEAD_FOOT_YAW = math.radians(15.0)  # toes turned towards the rear side
_REAR_FOOT_YAW = math.radians(45.0)
_PIVOT_YAW = math.radians(30.0)  # rear-heel pivot on rear-hand power punches
_PIVOT_HEEL_LIFT_M = 0.05
_PIVOT_ANKLE_LIFT_M = 0.03

# Head landmarks relative to the shoulder centre in the head frame: (forward, left, up) / H.
_HEAD_OFFSETS: dict[int, tuple[float, float, float]] = {
    0: (0.040, 0.0, 0.070),
    1: (0.031, 0.011, 0.089),
    2: (0.029, 0.019, 0.090),
    3: (0.025, 0.029, 0.089),
    4: (0.031, -0.011, 0.089),
    5: (0.029, -0.019, 0.090),
    6: (0.025, -0.029, 0.089),
    7: (-0.012, 0.044, 0.082),
    8: (-0.012, -0.044, 0.082),
    9: (0.033, 0.015, 0.050),
    10: (0.033, -0.015, 0.050),
}
# Guard wrist positions relative to the shoulder centre in the head frame (forward, towards own side, up) / H:
# lead ~0.25 m and rear ~0.18 m in front of the nose, 8-9 cm below it, at chin height.
_GUARD_LEAD = (0.185, 0.055, 0.025)
_GUARD_REAR = (0.120, 0.068, 0.020)
_GUARD_POLE = (-0.3, 0.35, -1.0)  # elbows down and tucked (torso frame; the left component is per side)

# Hand landmarks: distance along the forearm direction and across the fist, / H.
_INDEX_ALONG, _INDEX_ACROSS = 0.045, 0.012
_PINKY_ALONG, _PINKY_ACROSS = 0.040, -0.016
_THUMB_ALONG, _THUMB_ACROSS = 0.026, 0.022

# Guard drop of the non-punching hand (metres, forward / towards own side / up).
_GUARD_DROP_VEC = (-0.02, 0.03, -0.23)


# ---------------------------------------------------------------------------------------------------------------
# Public value objects
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """Ground truth for one scripted action.

    Attributes:
        kind: One of ``STRIKE_KINDS`` or ``DEFENSE_KINDS``.
        t_start_s: When the motion leaves the guard.
        t_peak_s: Apex: full extension / impact for strikes, maximum displacement for defence.
        t_end_s: When the motion is back at the guard.
        hand: ``"lead"`` or ``"rear"`` for strikes, ``"none"`` for defence.
        side: ``"left"`` or ``"right"`` (the person's side) for a slip, otherwise ``None``.
        guard_drop: Strikes only: the non-punching hand dropped below the chin during this strike.
    """

    kind: str
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    hand: str
    side: str | None
    guard_drop: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Camera:
    """A pinhole camera looking at the boxer's chest.

    Attributes:
        yaw_deg: Rotation of the camera about the vertical axis through the boxer. 0: in front of the boxer (the
            boxer faces the camera, a jab comes towards it); +90: at the boxer's left side; -90: right side.
        pitch_deg: Camera above (+) or below (-) the chest, looking at it.
        distance_m: Distance from the camera to the boxer's chest.
        focal_px: Focal length in pixels (the principal point is the image centre).
        width: Image width in pixels.
        height: Image height in pixels.
    """

    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    distance_m: float = 3.5
    focal_px: float = 900.0
    width: int = 720
    height: int = 1280


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticRound:
    """A synthetic pose track with its ground truth.

    Two rounds compare equal when all fields are equal (NaN landmarks compare equal to NaN).

    Attributes:
        t_s: Frame times in seconds, float64 (T,), from 0 with a uniform ``1 / fps`` spacing.
        landmarks: float32 (T, 33, 4) in MediaPipe Pose order: x, y (normalised image coordinates), z (depth
            relative to the mid-hip, smaller is closer, in the scale of x) and visibility. All NaN in dropped frames.
        width: Image width in pixels.
        height: Image height in pixels.
        fps: Frame rate.
        stance: ``"orthodox"`` (left hand and foot lead) or ``"southpaw"``.
        height_cm: Body height of the boxer.
        actions: Ground-truth actions sorted by start time.
    """

    t_s: npt.NDArray[np.float64]
    landmarks: npt.NDArray[np.float32]
    width: int
    height: int
    fps: float
    stance: str
    height_cm: float
    actions: tuple[Action, ...]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SyntheticRound):
            return NotImplemented
        return (
            self.width == other.width
            and self.height == other.height
            and self.fps == other.fps
            and self.stance == other.stance
            and self.height_cm == other.height_cm
            and self.actions == other.actions
            and np.array_equal(self.t_s, other.t_s)
            and self.landmarks.dtype == other.landmarks.dtype
            and np.array_equal(self.landmarks, other.landmarks, equal_nan=True)
        )

    def __hash__(self) -> int:
        return hash((self.width, self.height, self.fps, self.stance, self.height_cm, self.actions, self.t_s.size))


_DEFAULT_CAMERA = Camera()


# ---------------------------------------------------------------------------------------------------------------
# Action plans (everything random about one action, drawn once)
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Plan:
    kind: str
    t_start: float
    t_out: float  # guard -> apex
    t_hold: float  # apex held
    t_ret: float  # apex -> guard
    rot: float  # strikes: torso rotation at the apex, radians, + = rear shoulder forward
    disp: float  # defence: head displacement at the apex, metres
    lean: float  # defence: torso lean at the apex, radians
    knee: float  # defence: extra hip drop from bending the knees (slip), metres
    shape: float  # strikes: elbow angle at the apex (radians) or, for straights, reach as a fraction of the arm
    sweep0: float  # hooks: start / end angle of the horizontal arc, radians, + = towards the punching side
    sweep1: float
    guard_drop: bool
    side: str | None

    @property
    def t_peak(self) -> float:
        return self.t_start + self.t_out

    @property
    def t_end(self) -> float:
        return self.t_start + self.t_out + self.t_hold + self.t_ret

    @property
    def hand(self) -> str:
        if self.kind in DEFENSE_KINDS:
            return "none"
        return "rear" if self.kind in ("cross", "rear_hook", "rear_uppercut") else "lead"


# (out, hold, return) duration ranges in seconds, total 0.25-0.6 s.
_STRIKE_TIMING: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "jab": ((0.085, 0.12), (0.02, 0.05), (0.15, 0.26)),
    "cross": ((0.105, 0.13), (0.03, 0.05), (0.16, 0.28)),
    "lead_hook": ((0.155, 0.195), (0.03, 0.05), (0.17, 0.28)),
    "rear_hook": ((0.12, 0.155), (0.03, 0.05), (0.17, 0.28)),
    "lead_uppercut": ((0.22, 0.26), (0.03, 0.05), (0.16, 0.27)),
    "rear_uppercut": ((0.22, 0.26), (0.03, 0.05), (0.16, 0.27)),
}
# Torso rotation at the apex in degrees, + = rear shoulder forward.
_STRIKE_ROT_DEG: dict[str, tuple[float, float]] = {
    "jab": (-10.0, -6.0),
    "cross": (30.0, 45.0),
    "lead_hook": (-30.0, -20.0),
    "rear_hook": (35.0, 45.0),
    "lead_uppercut": (-20.0, -10.0),
    "rear_uppercut": (25.0, 35.0),
}
# Forward weight shift of the hips at the apex, metres.
_STRIKE_HIP_FWD: dict[str, float] = {
    "jab": 0.02,
    "cross": 0.05,
    "lead_hook": 0.0,
    "rear_hook": 0.03,
    "lead_uppercut": 0.01,
    "rear_uppercut": 0.03,
}
_PIVOT_KINDS = ("cross", "rear_hook", "rear_uppercut")
# Defence: (total duration, displacement) ranges; the apex is reached after _DEF_OUT of the duration.
_DEFENSE_RANGES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "slip": ((0.35, 0.7), (0.15, 0.25)),
    "duck": ((0.4, 0.8), (0.2, 0.35)),
    "pull_back": ((0.35, 0.7), (0.15, 0.25)),
}
_DEF_OUT, _DEF_HOLD = 0.42, 0.16


def _max_duration(kind: str) -> float:
    if kind in _STRIKE_TIMING:
        return sum(hi for _, hi in _STRIKE_TIMING[kind])
    return _DEFENSE_RANGES[kind][0][1]


def _check_kind(kind: str) -> None:
    if kind not in STRIKE_KINDS and kind not in DEFENSE_KINDS:
        raise ValueError(f"unknown action kind {kind!r}; expected one of {STRIKE_KINDS + DEFENSE_KINDS}")


def _draw_plan(rng: np.random.Generator, kind: str, t_start: float, *, guard_drop: bool, side: str | None) -> _Plan:
    """Draws the random parameters of one action (always the same number of draws, for stable streams)."""
    u = rng.random(8)

    def lerp(rng_: tuple[float, float], x: float) -> float:
        return rng_[0] + (rng_[1] - rng_[0]) * float(x)

    if kind in _STRIKE_TIMING:
        out_r, hold_r, ret_r = _STRIKE_TIMING[kind]
        if kind in ("jab", "cross"):
            shape = lerp((0.994, 0.998), u[4])  # reach fraction: elbow angle ~168-174 degrees
        elif kind.endswith("hook"):
            shape = math.radians(lerp((85.0, 95.0), u[4]))
        else:
            shape = math.radians(lerp((80.0, 92.0), u[4]))
        return _Plan(
            kind=kind,
            t_start=t_start,
            t_out=lerp(out_r, u[0]),
            t_hold=lerp(hold_r, u[1]),
            t_ret=lerp(ret_r, u[2]),
            rot=math.radians(lerp(_STRIKE_ROT_DEG[kind], u[3])),
            disp=0.0,
            lean=0.0,
            knee=0.0,
            shape=shape,
            sweep0=math.radians(lerp((5.0, 20.0), u[5])),
            sweep1=-math.radians(lerp((25.0, 35.0), u[6])),
            guard_drop=guard_drop,
            side=None,
        )
    dur_r, disp_r = _DEFENSE_RANGES[kind]
    total = lerp(dur_r, u[0])
    disp = lerp(disp_r, u[1])
    return _Plan(
        kind=kind,
        t_start=t_start,
        t_out=_DEF_OUT * total,
        t_hold=_DEF_HOLD * total,
        t_ret=(1.0 - _DEF_OUT - _DEF_HOLD) * total,
        rot=0.0,
        disp=disp,
        # share of the displacement that comes from leaning (the rest from the hips / knees)
        lean=lerp((0.5, 0.7), u[2]),
        knee=lerp((0.03, 0.05), u[3]) if kind == "slip" else 0.0,
        shape=0.0,
        sweep0=0.0,
        sweep1=0.0,
        guard_drop=False,
        side=side if kind == "slip" else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# Small vectorised geometry helpers
# ---------------------------------------------------------------------------------------------------------------
def _rot_z(a: FloatArray) -> FloatArray:
    c, s = np.cos(a), np.sin(a)
    r = np.zeros((*a.shape, 3, 3))
    r[..., 0, 0], r[..., 0, 1] = c, -s
    r[..., 1, 0], r[..., 1, 1] = s, c
    r[..., 2, 2] = 1.0
    return r


def _rot_y(a: FloatArray) -> FloatArray:
    """Rotation about +L: positive angles tip +U towards +F (forward lean)."""
    c, s = np.cos(a), np.sin(a)
    r = np.zeros((*a.shape, 3, 3))
    r[..., 0, 0], r[..., 0, 2] = c, s
    r[..., 1, 1] = 1.0
    r[..., 2, 0], r[..., 2, 2] = -s, c
    return r


def _rot_x(a: FloatArray) -> FloatArray:
    """Rotation about +F: positive angles tip +U towards -L."""
    c, s = np.cos(a), np.sin(a)
    r = np.zeros((*a.shape, 3, 3))
    r[..., 0, 0] = 1.0
    r[..., 1, 1], r[..., 1, 2] = c, -s
    r[..., 2, 1], r[..., 2, 2] = s, c
    return r


def _apply(r: FloatArray, v: FloatArray | tuple[float, float, float]) -> FloatArray:
    """Rotates vectors: r (..., 3, 3) with v (3,) or (..., 3)."""
    vv = np.asarray(v, dtype=np.float64)
    if vv.ndim == 1:
        return np.asarray(r @ vv, dtype=np.float64)
    return np.asarray(np.einsum("...ij,...j->...i", r, vv), dtype=np.float64)


def _normalize(v: FloatArray, fallback: tuple[float, float, float] = (0.0, 0.0, -1.0)) -> FloatArray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    out = v / np.maximum(n, 1e-12)
    bad = n[..., 0] < 1e-9
    if np.any(bad):
        out[bad] = np.asarray(fallback)
    return np.asarray(out, dtype=np.float64)


def _minjerk(x: FloatArray) -> FloatArray:
    """Minimum-jerk 0 -> 1 profile on [0, 1] (clipped outside)."""
    x = np.clip(x, 0.0, 1.0)
    return np.asarray(x**3 * (10.0 + x * (-15.0 + 6.0 * x)), dtype=np.float64)


def _two_bone_ik(
    root: FloatArray, target: FloatArray, l1: float, l2: float, pole: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Places the middle joint of a two-bone chain.

    Args:
        root: (N, 3) shoulder / hip positions.
        target: (N, 3) wanted wrist / ankle positions (pulled in or pushed out to what the chain reaches).
        l1: Length of the first bone.
        l2: Length of the second bone.
        pole: (N, 3) direction the middle joint should point to.

    Returns:
        (middle joint, end joint, unit bend direction) arrays of shape (N, 3).
    """
    v = target - root
    d = np.linalg.norm(v, axis=-1)
    u = _normalize(v, (1.0, 0.0, 0.0))
    dc = np.clip(d, abs(l1 - l2) + 0.05 * min(l1, l2), (l1 + l2) * (1.0 - 1e-6))
    x = (l1 * l1 - l2 * l2 + dc * dc) / (2.0 * dc)
    r = np.sqrt(np.maximum(l1 * l1 - x * x, 0.0))
    perp = pole - np.sum(pole * u, axis=-1, keepdims=True) * u
    perp = _normalize(perp, (0.0, 0.0, -1.0))
    mid = root + x[:, None] * u + r[:, None] * perp
    end = root + dc[:, None] * u
    return mid, end, perp


def _smooth_noise(
    rng: np.random.Generator,
    t: FloatArray,
    *,
    n_axes: int,
    amp: float,
    f_lo: float,
    f_hi: float,
    n_waves: int = 2,
) -> FloatArray:
    """A sum of random sinusoids per axis: (T, n_axes), each axis bounded by n_waves * amp."""
    out = np.zeros((t.size, n_axes))
    for k in range(n_axes):
        freqs = rng.uniform(f_lo, f_hi, n_waves)
        phases = rng.uniform(0.0, 2.0 * math.pi, n_waves)
        out[:, k] = amp * np.sin(2.0 * math.pi * freqs[None, :] * t[:, None] + phases[None, :]).sum(axis=1)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The kinematic skeleton
# ---------------------------------------------------------------------------------------------------------------
def _nose_from_hips(h: float, s: float, lean_lat: float, lean_fwd: float) -> FloatArray:
    """Nose position relative to the hip centre in the guard posture with the given torso leans."""
    torso = (_SHOULDER_H - _HIP_H) * h
    r_lean = _rot_y(np.asarray(lean_fwd)) @ _rot_x(np.asarray(-lean_lat))
    r_head = r_lean @ _rot_z(np.asarray(-s * _TORSO_BLADE * _HEAD_YAW_FRACTION))
    nose = np.asarray(_HEAD_OFFSETS[0]) * h
    return np.asarray(r_lean @ np.array([0.0, 0.0, torso]) + r_head @ nose, dtype=np.float64)


def _defense_offsets(plan: _Plan, h: float, s: float) -> tuple[float, float, FloatArray]:
    """Torso leans (lateral, forward) and hip shift at the apex of a defensive move.

    The hip shift is solved so that the nose moves by exactly ``plan.disp`` along the move's axis.
    """
    rest = _nose_from_hips(h, s, 0.0, _BASE_FWD_LEAN)
    reach = float(np.linalg.norm(rest))
    lean_angle = math.asin(min(plan.lean * plan.disp / reach, 0.9))
    if plan.kind == "slip":
        sign = 1.0 if plan.side == "left" else -1.0
        lat = sign * lean_angle
        moved = _nose_from_hips(h, s, lat, _BASE_FWD_LEAN) - rest
        shift = np.array([0.0, sign * plan.disp - moved[1], -plan.knee])
        return lat, 0.0, shift
    if plan.kind == "duck":
        moved = _nose_from_hips(h, s, 0.0, _BASE_FWD_LEAN + 0.5 * lean_angle) - rest
        return 0.0, 0.5 * lean_angle, np.array([0.0, 0.0, -plan.disp - moved[2]])
    # pull_back
    moved = _nose_from_hips(h, s, 0.0, _BASE_FWD_LEAN - lean_angle) - rest
    return 0.0, -lean_angle, np.array([-plan.disp - moved[0], 0.0, 0.0])


def _plan_phases(plan: _Plan, t: FloatArray) -> tuple[slice, FloatArray, FloatArray, FloatArray]:
    """Frames of the action and, on them, out progress p, return progress q and weight w = p (1 - q)."""
    i0 = int(np.searchsorted(t, plan.t_start, side="left"))
    i1 = int(np.searchsorted(t, plan.t_end, side="right"))
    sl = slice(i0, i1)
    tau = t[sl] - plan.t_start
    p = _minjerk(tau / plan.t_out)
    q = _minjerk((tau - plan.t_out - plan.t_hold) / plan.t_ret)
    return sl, p, q, p * (1.0 - q)


def _idle_motion(
    rng: np.random.Generator, t: FloatArray, *, bounce: bool
) -> tuple[FloatArray, dict[float, FloatArray]]:
    """Whole-body translation (bounce + drift) and per-hand sway (keyed by side sign, +1 = left)."""
    n = t.size
    # Always drawn, so that the random stream does not depend on ``bounce``.
    b_amp = rng.uniform(0.015, 0.03) / 2.0  # peak-to-peak 1.5-3 cm
    b_freq = rng.uniform(1.5, 2.5)
    b_phase = rng.uniform(0.0, 2.0 * math.pi)
    drift = _smooth_noise(rng, t, n_axes=2, amp=1.0, f_lo=0.015, f_hi=0.08, n_waves=3)
    drift_max = rng.uniform(0.1, 0.3)
    sway = {side: _smooth_noise(rng, t, n_axes=3, amp=0.005, f_lo=0.3, f_hi=1.2) for side in (1.0, -1.0)}
    root = np.zeros((n, 3))
    if not bounce:
        return root, {side: np.zeros((n, 3)) for side in (1.0, -1.0)}
    drift -= drift[:1]
    peak = float(np.max(np.linalg.norm(drift, axis=1)))
    root[:, :2] = drift * (drift_max / max(peak, 1e-9))
    root[:, 2] = b_amp * np.sin(2.0 * math.pi * b_freq * t + b_phase)
    return root, sway


@dataclass(slots=True)
class _Trunk:
    """Per-frame trunk channels driven by the actions."""

    hip_shift: FloatArray  # (T, 3) pelvis translation relative to the feet
    lean_lat: FloatArray  # (T,) radians, + = towards the boxer's left
    lean_fwd: FloatArray  # (T,) radians, + = forward
    rot: FloatArray  # (T,) strike torso rotation, radians, + = rear shoulder forward
    pivot: FloatArray  # (T,) rear-heel pivot weight 0..1


def _trunk_channels(
    plans: Sequence[_Plan],
    phases: Sequence[tuple[slice, FloatArray, FloatArray, FloatArray]],
    n: int,
    h: float,
    s: float,
) -> _Trunk:
    trunk = _Trunk(np.zeros((n, 3)), np.zeros(n), np.full(n, _BASE_FWD_LEAN), np.zeros(n), np.zeros(n))
    for plan, (sl, p, _q, w) in zip(plans, phases, strict=True):
        if plan.kind in DEFENSE_KINDS:
            lat, fwd, shift = _defense_offsets(plan, h, s)
            trunk.lean_lat[sl] += lat * w
            trunk.lean_fwd[sl] += fwd * w
            trunk.hip_shift[sl] += w[:, None] * shift[None, :]
            continue
        trunk.rot[sl] += plan.rot * w
        trunk.hip_shift[sl, 0] += _STRIKE_HIP_FWD[plan.kind] * w
        if plan.kind in _PIVOT_KINDS:
            trunk.pivot[sl] += w
        if plan.kind.endswith("uppercut"):  # dip with the hand, then extend the knees slightly
            trunk.hip_shift[sl, 2] += 0.025 * w - 0.02 * np.sin(math.pi * p) ** 2
    np.clip(trunk.pivot, 0.0, 1.0, out=trunk.pivot)
    return trunk


def _strike_motion(
    plan: _Plan,
    phase: tuple[FloatArray, FloatArray, FloatArray],
    *,
    side: float,
    shoulder: FloatArray,
    guard: FloatArray,
    guard_pole: FloatArray,
    arm: tuple[float, float],
) -> tuple[FloatArray, FloatArray]:
    """Wrist offset from the guard and elbow-pole offset of the punching arm over the strike's frames.

    Args:
        plan: The strike.
        phase: Out progress p, return progress q and weight w on the strike's frames.
        side: Side sign of the punching arm (+1 = left).
        shoulder: (N, 3) shoulder positions on the strike's frames.
        guard: (N, 3) guard wrist positions.
        guard_pole: (N, 3) guard elbow pole directions.
        arm: Upper arm and forearm lengths.

    Returns:
        (wrist offset, pole offset), both (N, 3).
    """
    p, q, w = phase
    ua, fa = arm
    if plan.kind in ("jab", "cross"):  # straight forward to nearly full extension, at chin height
        inward = 0.25 if plan.kind == "jab" else 0.33
        direction = _normalize(np.array([1.0, -side * inward, 0.09]))
        apex = shoulder + plan.shape * (ua + fa) * direction
        pole = np.array([0.0, side * 0.5, -1.0])
        return w[:, None] * (apex - guard), w[:, None] * (pole - guard_pole)
    reach = math.sqrt(ua * ua + fa * fa - 2.0 * ua * fa * math.cos(plan.shape))  # for the apex elbow angle
    if plan.kind.endswith("hook"):  # horizontal arc around the shoulder at shoulder height, elbow out
        phi = plan.sweep0 + (plan.sweep1 - plan.sweep0) * p
        arc = np.stack([np.cos(phi), side * np.sin(phi), np.zeros_like(phi)], axis=1)
        blend = _minjerk(p / 0.5) * (1.0 - q)
        pole = np.array([-0.15, side, 0.0])
        return blend[:, None] * (shoulder + reach * arc - guard), blend[:, None] * (pole - guard_pole)
    # uppercut: dip to the chest / stomach, then drive up in front of the body, elbow under the fist
    apex = shoulder + reach * _normalize(np.array([0.93, -side * 0.30, 0.20]))
    dip = np.array([-0.04, side * 0.02, -0.26])
    pole = np.array([0.0, side * 0.35, -1.0])
    offset = w[:, None] * (apex - guard) + (np.sin(math.pi * p) ** 2)[:, None] * dip
    return offset, w[:, None] * (pole - guard_pole)


def _place_arm(
    world: FloatArray,
    side: float,
    *,
    shoulder: FloatArray,
    wrist_target: FloatArray,
    pole: FloatArray,
    h: float,
) -> None:
    """IK for one arm; writes shoulder, elbow, wrist and hand landmarks into ``world``."""
    i_sh, i_el, i_wr, i_pi, i_in, i_th = (11, 13, 15, 17, 19, 21) if side > 0 else (12, 14, 16, 18, 20, 22)
    elbow, wrist, bend = _two_bone_ik(shoulder, wrist_target, _UPPER_ARM * h, _FOREARM * h, _normalize(pole))
    fdir = _normalize(wrist - elbow, (1.0, 0.0, 0.0))
    across = side * _normalize(np.cross(fdir, bend), (0.0, 0.0, 1.0))
    world[:, i_sh], world[:, i_el], world[:, i_wr] = shoulder, elbow, wrist
    world[:, i_pi] = wrist + h * (_PINKY_ALONG * fdir + _PINKY_ACROSS * across)
    world[:, i_in] = wrist + h * (_INDEX_ALONG * fdir + _INDEX_ACROSS * across)
    world[:, i_th] = wrist + h * (_THUMB_ALONG * fdir + _THUMB_ACROSS * across)


def _place_leg(
    world: FloatArray,
    side: float,
    *,
    s: float,
    root: FloatArray,
    hip: FloatArray,
    pivot: FloatArray,
    h: float,
) -> None:
    """Planted foot (moving with the whole body) and IK from the hip; writes the leg and foot landmarks."""
    i_hip, i_knee, i_ank, i_heel, i_toe = (23, 25, 27, 29, 31) if side > 0 else (24, 26, 28, 30, 32)
    n = root.shape[0]
    lead = side == s
    piv = np.zeros(n) if lead else pivot
    foot_yaw = -s * (_LEAD_FOOT_YAW if lead else _REAR_FOOT_YAW - _PIVOT_YAW * piv) + np.zeros(n)
    foot_dir = np.stack([np.cos(foot_yaw), np.sin(foot_yaw), np.zeros(n)], axis=1)
    fwd = 1.0 if lead else -1.0
    ground = root + np.array([fwd * _STANCE_HALF_LEN * h, side * _STANCE_HALF_W * h, 0.0])
    ankle_target = ground.copy()
    ankle_target[:, 2] += _ANKLE_H * h + _PIVOT_ANKLE_LIFT_M * piv
    knee_pole = foot_dir + np.array([0.0, 0.0, 0.2])  # knees over the toes
    knee, ankle, _ = _two_bone_ik(hip, ankle_target, _THIGH * h, _SHIN * h, knee_pole)
    sole = ankle[:, 2] - ankle_target[:, 2] + ground[:, 2] + _SOLE_H * h
    world[:, i_hip], world[:, i_knee], world[:, i_ank] = hip, knee, ankle
    world[:, i_heel] = ankle - _HEEL_BACK * h * foot_dir
    world[:, i_heel, 2] = sole + _PIVOT_HEEL_LIFT_M * piv
    world[:, i_toe] = ankle + _TOE_FWD * h * foot_dir
    world[:, i_toe, 2] = sole


def _simulate(
    plans: Sequence[_Plan], t: FloatArray, *, stance: str, h: float, bounce: bool, rng: np.random.Generator
) -> FloatArray:
    """World positions (T, 33, 3) of the MediaPipe landmarks for the scripted plans at times t."""
    n = t.size
    s = 1.0 if stance == "orthodox" else -1.0  # side sign of the lead hand: +1 = left
    root, sway = _idle_motion(rng, t, bounce=bounce)
    phases = [_plan_phases(p, t) for p in plans]
    trunk = _trunk_channels(plans, phases, n, h, s)

    # trunk and head
    hip_c = root + np.array([0.0, 0.0, (_HIP_H - _KNEE_BEND_DROP) * h]) + trunk.hip_shift
    r_lean = _rot_y(trunk.lean_fwd) @ _rot_x(-trunk.lean_lat)
    yaw_t = s * (trunk.rot - _TORSO_BLADE)
    r_torso = r_lean @ _rot_z(yaw_t)
    r_head = r_lean @ _rot_z(_HEAD_YAW_FRACTION * yaw_t)
    neck = hip_c + _apply(r_lean, (0.0, 0.0, (_SHOULDER_H - _HIP_H) * h))
    world = np.zeros((n, 33, 3))
    for idx, off in _HEAD_OFFSETS.items():
        world[:, idx] = neck + _apply(r_head, np.asarray(off) * h)

    # arms: guard (in the head frame, so it follows slips and ducks) plus strike offsets, then IK
    shoulder: dict[float, FloatArray] = {}
    wrist_target: dict[float, FloatArray] = {}
    guard_pole: dict[float, FloatArray] = {}
    pole: dict[float, FloatArray] = {}
    for side in (1.0, -1.0):
        shoulder[side] = neck + _apply(r_torso, (0.0, side * 0.5 * _SHOULDER_W * h, 0.0))
        fwd, out, up = _GUARD_LEAD if side == s else _GUARD_REAR
        wrist_target[side] = neck + _apply(r_head, (fwd * h, side * out * h, up * h)) + sway[side]
        guard_pole[side] = _apply(r_torso, (_GUARD_POLE[0], side * _GUARD_POLE[1], _GUARD_POLE[2]))
        pole[side] = guard_pole[side].copy()
    guard = {side: wrist_target[side].copy() for side in (1.0, -1.0)}
    arm = (_UPPER_ARM * h, _FOREARM * h)
    for plan, (sl, p, q, w) in zip(plans, phases, strict=True):
        if plan.kind in DEFENSE_KINDS:
            continue
        side = s if plan.hand == "lead" else -s
        d_wrist, d_pole = _strike_motion(
            plan,
            (p, q, w),
            side=side,
            shoulder=shoulder[side][sl],
            guard=guard[side][sl],
            guard_pole=guard_pole[side][sl],
            arm=arm,
        )
        wrist_target[side][sl] += d_wrist
        pole[side][sl] += d_pole
        if plan.guard_drop:  # the other hand drops to the chest and comes back
            drop = np.array([_GUARD_DROP_VEC[0], -side * _GUARD_DROP_VEC[1], _GUARD_DROP_VEC[2]])
            wrist_target[-side][sl] += w[:, None] * drop
    for side in (1.0, -1.0):
        _place_arm(world, side, shoulder=shoulder[side], wrist_target=wrist_target[side], pole=pole[side], h=h)

    # legs
    r_pelvis = _rot_z(s * (_PELVIS_ROT_FRACTION * trunk.rot - _PELVIS_BLADE))
    for side in (1.0, -1.0):
        hip = hip_c + _apply(r_pelvis, (0.0, side * 0.5 * _HIP_W * h, 0.0))
        _place_leg(world, side, s=s, root=root, hip=hip, pivot=trunk.pivot, h=h)
    return world


# ---------------------------------------------------------------------------------------------------------------
# Camera
# ---------------------------------------------------------------------------------------------------------------
def _camera_axes(camera: Camera, h: float) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Camera centre and its right / down / viewing axes in the world frame."""
    yaw, pitch = math.radians(camera.yaw_deg), math.radians(camera.pitch_deg)
    chest = np.array([0.0, 0.0, 0.72 * h])
    towards_cam = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)])
    centre = chest + camera.distance_m * towards_cam
    view = -towards_cam
    right = np.cross(view, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    down = np.cross(view, right)
    return centre, right, down, view


def _project(world: FloatArray, camera: Camera, h: float) -> FloatArray:
    """(T, 33, 3) world -> (T, 33, 3) MediaPipe x, y, z (float64)."""
    centre, right, down, view = _camera_axes(camera, h)
    rel = world - centre
    depth = np.maximum(rel @ view, 1e-3)
    u = camera.focal_px * (rel @ right) / depth + 0.5 * camera.width
    v = camera.focal_px * (rel @ down) / depth + 0.5 * camera.height
    mid_hip = 0.5 * (world[:, 23] + world[:, 24]) - centre
    hip_depth = np.maximum(mid_hip @ view, 1e-3)[:, None]
    z = (depth - hip_depth) * camera.focal_px / hip_depth / camera.width
    return np.stack([u / camera.width, v / camera.height, z], axis=-1)


# ---------------------------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------------------------
def _validate(*, duration_s: float, fps: float, stance: str, height_cm: float, noise_px: float, dropout: float) -> None:
    if not duration_s > 0.0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    if not fps > 0.0:
        raise ValueError(f"fps must be positive, got {fps}")
    if stance not in _STANCES:
        raise ValueError(f"stance must be one of {_STANCES}, got {stance!r}")
    if not 100.0 <= height_cm <= 230.0:
        raise ValueError(f"height_cm must be within 100..230, got {height_cm}")
    if not noise_px >= 0.0:
        raise ValueError(f"noise_px must be >= 0, got {noise_px}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout_rate must be within [0, 1), got {dropout}")


def _build(
    plans: Sequence[_Plan],
    *,
    seed: int,
    duration_s: float,
    fps: float,
    stance: str,
    height_cm: float,
    camera: Camera,
    noise_px: float,
    dropout_rate: float,
    bounce: bool,
) -> SyntheticRound:
    h = height_cm / 100.0
    n = max(1, round(duration_s * fps))
    t = np.arange(n, dtype=np.float64) / fps
    world = _simulate(plans, t, stance=stance, h=h, bounce=bounce, rng=np.random.default_rng([seed, 1]))
    xyz = _project(world, camera, h)

    rng = np.random.default_rng([seed, 2])
    noise = rng.standard_normal((n, 33, 3))
    if noise_px > 0.0:
        xyz[..., 0] += noise[..., 0] * noise_px / camera.width
        xyz[..., 1] += noise[..., 1] * noise_px / camera.height
        xyz[..., 2] += noise[..., 2] * 3.0 * noise_px / camera.width
    vis_base = rng.uniform(0.93, 0.995, 33)
    vis = np.clip(vis_base[None, :] + 0.012 * rng.standard_normal((n, 33)), 0.9, 1.0)
    xyz[..., 0] = np.round(xyz[..., 0] * _X_GRID) / _X_GRID

    drop = rng.random(n) < dropout_rate
    n_bursts = int(rng.poisson(dropout_rate * n / 25.0)) if dropout_rate > 0.0 else 0
    for start, length in zip(rng.integers(0, n, n_bursts), rng.integers(2, 6, n_bursts), strict=True):
        drop[int(start) : int(start) + int(length)] = True

    landmarks = np.concatenate([xyz, vis[..., None]], axis=-1).astype(np.float32)
    landmarks[drop] = np.nan
    actions = tuple(
        Action(
            kind=p.kind,
            t_start_s=p.t_start,
            t_peak_s=p.t_peak,
            t_end_s=p.t_end,
            hand=p.hand,
            side=p.side,
            guard_drop=p.guard_drop,
        )
        for p in sorted(plans, key=lambda p: p.t_start)
    )
    return SyntheticRound(
        t_s=t,
        landmarks=landmarks,
        width=camera.width,
        height=camera.height,
        fps=float(fps),
        stance=stance,
        height_cm=float(height_cm),
        actions=actions,
    )


def _per_action(values: Sequence[object] | None, kinds: Sequence[str], wanted: Sequence[str], name: str) -> list[int]:
    """Index into ``values`` for each action (-1: none), accepting one value per action or per matching action."""
    n_wanted = sum(k in wanted for k in kinds)
    if values is None:
        return [-1] * len(kinds)
    if len(values) == len(kinds):
        return list(range(len(kinds)))
    if len(values) == n_wanted:
        out, j = [], 0
        for k in kinds:
            out.append(j if k in wanted else -1)
            j += k in wanted
        return out
    raise ValueError(f"{name} needs one entry per action ({len(kinds)}) or per matching action ({n_wanted})")


def _plans_for(
    actions: Sequence[tuple[str, float]],
    *,
    duration_s: float,
    guard_drops: Sequence[bool] | None,
    slip_sides: Sequence[str] | None,
    seed: int,
) -> list[_Plan]:
    kinds = [k for k, _ in actions]
    for kind, t0 in actions:
        _check_kind(kind)
        if t0 < 0.0 or t0 + _max_duration(kind) > duration_s + 1e-9:
            raise ValueError(
                f"{kind} at {t0} s may not fit in the {duration_s} s round (it can last {_max_duration(kind)} s)"
            )
    drop_idx = _per_action(guard_drops, kinds, STRIKE_KINDS, "guard_drops")
    side_idx = _per_action(slip_sides, kinds, ("slip",), "slip_sides")
    rng = np.random.default_rng([seed, 0])
    plans = []
    for i, (kind, t0) in enumerate(actions):
        drop = bool(guard_drops[drop_idx[i]]) if guard_drops is not None and drop_idx[i] >= 0 else False
        if drop and kind not in STRIKE_KINDS:
            raise ValueError(f"guard_drop only applies to strikes, not to {kind}")
        coin = rng.random()  # drawn for every action so later draws do not depend on slip_sides
        side: str | None = None
        if kind == "slip":
            if slip_sides is not None and side_idx[i] >= 0:
                side = slip_sides[side_idx[i]]
                if side not in _SLIP_SIDES:
                    raise ValueError(f"slip side must be 'left' or 'right', got {side!r}")
            else:
                side = "left" if coin < 0.5 else "right"
        plans.append(_draw_plan(rng, kind, float(t0), guard_drop=drop, side=side))
    return plans


def make_round(
    *,
    actions: Sequence[tuple[str, float]] = (),
    duration_s: float,
    fps: float = 30.0,
    stance: str = "orthodox",
    height_cm: float = 175.0,
    camera: Camera = _DEFAULT_CAMERA,
    noise_px: float = 0.0,
    dropout_rate: float = 0.0,
    bounce: bool = True,
    guard_drops: Sequence[bool] | None = None,
    slip_sides: Sequence[str] | None = None,
    seed: int = 0,
) -> SyntheticRound:
    """Generates a round with the given actions.

    Action durations and amplitudes are drawn from realistic ranges with the seed; strikes last 0.25-0.6 s,
    slips and pull-backs 0.35-0.7 s, ducks 0.4-0.8 s. Actions may overlap (their motions add up), but the ground
    truth is only meaningful when they are spaced out.

    Args:
        actions: ``(kind, t_start_s)`` pairs, kinds from ``STRIKE_KINDS`` / ``DEFENSE_KINDS``.
        duration_s: Length of the round; every action must fit in it even at its longest.
        fps: Frame rate; the round has ``round(duration_s * fps)`` frames.
        stance: ``"orthodox"`` or ``"southpaw"``.
        height_cm: Body height.
        camera: Camera placement and intrinsics.
        noise_px: Standard deviation of the Gaussian noise on x and y, in pixels (z gets 3x that).
        dropout_rate: Probability of a frame without pose (all NaN); rare 2-5 frame bursts come on top.
        bounce: Footwork bounce, slow drift and idle hand sway; False gives a still boxer between actions.
        guard_drops: Whether the non-punching hand drops during each strike: one bool per action (must be False
            for defence) or one per strike. Default: never.
        slip_sides: ``"left"`` / ``"right"`` for each slip: one entry per action (ignored for other kinds) or
            one per slip. Default: drawn at random.
        seed: Makes the round reproducible.

    Returns:
        The synthetic round.

    Raises:
        ValueError: On an unknown kind, stance or side, an action that may not fit, or inconsistent lists.
    """
    _validate(
        duration_s=duration_s, fps=fps, stance=stance, height_cm=height_cm, noise_px=noise_px, dropout=dropout_rate
    )
    plans = _plans_for(actions, duration_s=duration_s, guard_drops=guard_drops, slip_sides=slip_sides, seed=seed)
    return _build(
        plans,
        seed=seed,
        duration_s=duration_s,
        fps=fps,
        stance=stance,
        height_cm=height_cm,
        camera=camera,
        noise_px=noise_px,
        dropout_rate=dropout_rate,
        bounce=bounce,
    )


def random_round(
    *,
    seed: int,
    duration_s: float = 20.0,
    fps: float = 30.0,
    stance: str | None = None,
    kinds: Sequence[str] = STRIKE_KINDS + DEFENSE_KINDS,
    camera: Camera | None = None,
    noise_px: float = 1.0,
    dropout_rate: float = 0.01,
) -> SyntheticRound:
    """Generates a round of random actions.

    Actions (kinds drawn uniformly from ``kinds``) are separated by 0.35-1.5 s of guard. Unless given, the camera
    is random (yaw -60..60 degrees, or a 75..105 degree side view a quarter of the time; pitch -10..15 degrees;
    distance 2.5-5 m) and so is the stance. About 15% of strikes come with a guard drop; slip sides are random.

    Args:
        seed: Makes the round reproducible.
        duration_s: Length of the round.
        fps: Frame rate.
        stance: ``"orthodox"``, ``"southpaw"`` or None for a random one.
        kinds: Action kinds to draw from.
        camera: Camera, or None for a random one.
        noise_px: Standard deviation of the landmark noise in pixels.
        dropout_rate: Probability of a frame without pose.

    Returns:
        The synthetic round.

    Raises:
        ValueError: On unknown kinds or stance, or an empty ``kinds``.
    """
    if not kinds:
        raise ValueError("kinds must not be empty")
    for kind in kinds:
        _check_kind(kind)
    rng = np.random.default_rng([seed, 3])
    yaw = rng.uniform(75.0, 105.0) if rng.random() < 0.25 else rng.uniform(-60.0, 60.0)
    random_camera = Camera(
        yaw_deg=float(yaw), pitch_deg=float(rng.uniform(-10.0, 15.0)), distance_m=float(rng.uniform(2.5, 5.0))
    )
    random_stance = _STANCES[int(rng.integers(0, 2))]
    stance = random_stance if stance is None else stance
    camera = random_camera if camera is None else camera
    _validate(duration_s=duration_s, fps=fps, stance=stance, height_cm=175.0, noise_px=noise_px, dropout=dropout_rate)

    plan_rng = np.random.default_rng([seed, 0])
    plans: list[_Plan] = []
    t = float(rng.uniform(0.35, 1.5))
    while True:
        kind = kinds[int(rng.integers(0, len(kinds)))]
        drop = bool(rng.random() < 0.15) and kind in STRIKE_KINDS
        side = _SLIP_SIDES[int(rng.integers(0, 2))] if kind == "slip" else None
        plan = _draw_plan(plan_rng, kind, t, guard_drop=drop, side=side)
        if plan.t_end > duration_s - 0.05:
            break
        plans.append(plan)
        t = plan.t_end + float(rng.uniform(0.35, 1.5))
    return _build(
        plans,
        seed=seed,
        duration_s=duration_s,
        fps=fps,
        stance=stance,
        height_cm=175.0,
        camera=camera,
        noise_px=noise_px,
        dropout_rate=dropout_rate,
        bounce=True,
    )


def mirror(round_: SyntheticRound) -> SyntheticRound:
    """The mirror image of the video.

    x becomes 1 - x and every left/right landmark pair is swapped (as MediaPipe would label the mirrored person);
    the stance flips between orthodox and southpaw; actions keep their kind and hand, slips change side.
    ``mirror(mirror(r)) == r`` holds exactly for generated rounds.

    Args:
        round_: The round to mirror.

    Returns:
        The mirrored round.
    """
    lm = round_.landmarks[:, _MIRROR_INDEX].copy()
    lm[..., 0] = (1.0 - lm[..., 0].astype(np.float64)).astype(lm.dtype)
    swap = {"left": "right", "right": "left"}
    actions = tuple(
        Action(
            kind=a.kind,
            t_start_s=a.t_start_s,
            t_peak_s=a.t_peak_s,
            t_end_s=a.t_end_s,
            hand=a.hand,
            side=None if a.side is None else swap.get(a.side, a.side),
            guard_drop=a.guard_drop,
        )
        for a in round_.actions
    )
    stance = {"orthodox": "southpaw", "southpaw": "orthodox"}.get(round_.stance, round_.stance)
    return SyntheticRound(
        t_s=round_.t_s.copy(),
        landmarks=lm,
        width=round_.width,
        height=round_.height,
        fps=round_.fps,
        stance=stance,
        height_cm=round_.height_cm,
        actions=actions,
    )
