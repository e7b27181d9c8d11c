"""The feature record of a strike candidate: what the typer sees, in the boxer's frame and on screen.

Body-frame features (:mod:`punch_core.detection.body_frame`) mean the same from every camera: how far the wrist
drove forward, across and up, the elbow's height and angle, the hand's speed in m/s. Seen at the camera, depth
under-reads a punch (the compubox frontal jab's lead wrist moves 9 cm forward in world coordinates against 20-36
cm for side-on jabs), so the record also carries image-plane cues that survive foreshortening (the elbow rising on
screen, the forearm's apparent length against the shoulders, the wrist crossing the face) and the view itself
(how square to the camera the boxer stands, from the face), from which a typer learns how far to trust each.

Every distance is a share of the boxer's arm length (so it does not depend on their height); speeds are m/s.
A value that cannot be measured (a landmark lost) is NaN in the record and ``MISSING`` in :meth:`vector`.
"""

from __future__ import annotations

import attrs
import numpy as np

from punch_core.detection.body_frame import FORWARD, LEFT, UP, BodyFrame
from punch_core.detection.geometry import HEAD_LANDMARKS, SIDE_LANDMARKS, Z_SCALE, angle_deg, baseline, facing_during
from punch_core.kinematics import Kinematics, quiet_nan_warnings, samples
from punch_core.landmarks import Landmark
from punch_core.track import FloatArray

GUARD_WINDOW_S = 2.5
"""The guard position is a rolling median over this long (a hand spends most of a round in guard)."""
EXTENSION_WINDOW_S = 0.05
"""The elbow angle is the straightest the arm gets within this long either side of the peak."""
FACING_NEAR_S = 1.0
"""The view is read from the face within this long of the candidate."""
MISSING = 0.0
"""What :meth:`StrikeFeatures.vector` puts where a value is NaN."""


@attrs.frozen(kw_only=True)
class StrikeFeatures:
    """One strike candidate, measured. Distances are shares of the arm's length, speeds m/s.

    Attributes:
        is_lead: 1 for the lead hand, 0 for the rear (by the stance).
        from_world: 1 when the body frame came from world landmarks, 0 from the image (the fallback).
        view_frontal: How square the boxer faces the camera, from the face on screen: 1 facing it, 0 side-on,
            -1 the back to it.
        wrist_visibility: MediaPipe's visibility of the wrist at the peak (0-1).
        duration_s: From the start of the movement to back in guard.
        reach: The wrist's distance from its guard position at the peak, in the body frame.
        forward: The wrist's forward travel from the start to the peak (body frame, towards where the boxer faces).
        across: Its travel towards the body's other side (positive: across the centre line).
        rise: Its rise from the lowest point of the out phase to the peak.
        drop: Its height change from the start to the peak (negative: downward).
        elbow_up: The elbow's height above its shoulder at the peak (body frame).
        elbow_angle_deg: The elbow's angle at the peak, in 3-D (180: straight).
        extension: The wrist's distance from its shoulder at the peak, in 3-D.
        speed_mps: The wrist's top speed relative to the shoulders, out phase, body frame.
        forward_speed_share: Top forward speed over top speed (1: a pure drive forward).
        across_speed_share: Top speed across the body over top speed.
        up_speed_share: Top upward speed over top speed.
        screen_reach: The wrist's distance from guard on screen (depth weighted 0.3).
        screen_speed_mps: The wrist's top speed on screen (depth weighted 0.3).
        screen_elbow_angle_deg: The elbow angle on screen (depth weighted 0.3).
        screen_extension: Wrist to shoulder on screen.
        screen_elbow_rise: The elbow's rise above its guard position on screen.
        screen_forearm_ratio: The forearm's length on screen over the shoulders' width on screen.
        screen_wrist_across: The wrist's position across the face on screen, towards the other side, in shares of
            the shoulders' half-width (above 1: beyond the other shoulder).
        other_speed_ratio: The other wrist's top speed over the same stretch, over this one's.
        other_reach: The other wrist's distance from its guard at the peak.
        head_move: The head's distance from its baseline at the peak, ground plane of the body frame.
    """

    is_lead: float
    from_world: float
    view_frontal: float
    wrist_visibility: float
    duration_s: float
    reach: float
    forward: float
    across: float
    rise: float
    drop: float
    elbow_up: float
    elbow_angle_deg: float
    extension: float
    speed_mps: float
    forward_speed_share: float
    across_speed_share: float
    up_speed_share: float
    screen_reach: float
    screen_speed_mps: float
    screen_elbow_angle_deg: float
    screen_extension: float
    screen_elbow_rise: float
    screen_forearm_ratio: float
    screen_wrist_across: float
    other_speed_ratio: float
    other_reach: float
    head_move: float

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The feature names, in :meth:`vector` order."""
        return tuple(a.name for a in attrs.fields(cls))

    def vector(self) -> FloatArray:
        """The features as one row, NaN replaced by ``MISSING``."""
        row = np.array([getattr(self, n) for n in self.names()], dtype=np.float64)
        return np.where(np.isfinite(row), row, MISSING)


@attrs.frozen(kw_only=True)
class Candidate:
    """A hand's excursion from guard that may be a strike: grid indices of its start, peak and end."""

    side: str
    start: int
    peak: int
    end: int


def _nanmax(values: FloatArray) -> float:
    with quiet_nan_warnings():
        return float(np.nanmax(values)) if values.size else float("nan")


class FeatureContext:
    """Per-track signals every candidate's features read (computed once per track)."""

    def __init__(self, k: Kinematics, bf: BodyFrame, lead_side: str) -> None:
        self.k = k
        self.bf = bf
        self._reach_b: dict[str, FloatArray] = {}
        self.lead_side = lead_side
        self.arm = k.arm_m
        chest_b = bf.mid(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
        chest_vel_b = 0.5 * (bf.vel_mps[:, Landmark.LEFT_SHOULDER] + bf.vel_mps[:, Landmark.RIGHT_SHOULDER])
        centre = k.mid(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
        centre_vel = 0.5 * (k.vel_mps[:, Landmark.LEFT_SHOULDER] + k.vel_mps[:, Landmark.RIGHT_SHOULDER])
        self.rel_b: dict[str, FloatArray] = {}
        self.guard_b: dict[str, FloatArray] = {}
        self.vel_b: dict[str, FloatArray] = {}
        self.rel_s: dict[str, FloatArray] = {}
        self.guard_s: dict[str, FloatArray] = {}
        self.speed_s: dict[str, FloatArray] = {}
        self.elbow_rise_s: dict[str, FloatArray] = {}
        for side, (_, elbow, wrist) in SIDE_LANDMARKS.items():
            elbow_rel = k.point(elbow) - centre
            self.elbow_rise_s[side] = (elbow_rel - baseline(elbow_rel, GUARD_WINDOW_S))[:, 1]
            self.rel_b[side] = bf.point(wrist) - chest_b
            self.guard_b[side] = baseline(self.rel_b[side], GUARD_WINDOW_S)
            self.vel_b[side] = bf.vel_mps[:, wrist] - chest_vel_b
            self.rel_s[side] = k.point(wrist) - centre
            self.guard_s[side] = baseline(self.rel_s[side], GUARD_WINDOW_S)
            self.speed_s[side] = np.linalg.norm((k.vel_mps[:, wrist] - centre_vel) * Z_SCALE, axis=1)
        self.speed_b = {side: np.linalg.norm(v, axis=1) for side, v in self.vel_b.items()}
        with quiet_nan_warnings():
            head_b = np.nanmean(bf.pos_m[:, [int(lm) for lm in HEAD_LANDMARKS]], axis=1)
        head_disp = head_b - baseline(head_b, GUARD_WINDOW_S)
        self.head_move = np.linalg.norm(head_disp[:, :2], axis=1)

    def reach_b(self, side: str) -> FloatArray:
        """The wrist's distance from guard in the body frame (metres), downward travel discounted."""
        if side not in self._reach_b:
            disp = self.rel_b[side] - self.guard_b[side]
            disp[:, UP] = np.where(disp[:, UP] < 0, 0.3 * disp[:, UP], disp[:, UP])
            self._reach_b[side] = np.asarray(np.linalg.norm(disp, axis=1))
        return self._reach_b[side]


def strike_features(ctx: FeatureContext, c: Candidate) -> StrikeFeatures:
    """Measure one candidate."""
    k, bf, arm = ctx.k, ctx.bf, ctx.arm
    shoulder_lm, elbow_lm, wrist_lm = SIDE_LANDMARKS[c.side]
    other = "right" if c.side == "left" else "left"
    s, p, e = c.start, c.peak, c.end
    across_sign = -1.0 if c.side == "left" else 1.0  # the left hand crosses towards the boxer's right
    rel = ctx.rel_b[c.side]
    travel = rel[p] - rel[s]
    out_phase = rel[s : p + 1]
    with quiet_nan_warnings():
        lowest = float(np.nanmin(out_phase[:, UP])) if out_phase.size else float(rel[p, UP])
    vel = ctx.vel_b[c.side][s : p + 1]
    speed = _nanmax(ctx.speed_b[c.side][s : p + 1])
    near = slice(max(s, p - samples(EXTENSION_WINDOW_S)), min(p + samples(EXTENSION_WINDOW_S), len(k.t_s) - 1) + 1)
    shoulder_b, elbow_b, wrist_b = bf.point(shoulder_lm), bf.point(elbow_lm), bf.point(wrist_lm)
    with np.errstate(all="ignore"), quiet_nan_warnings():
        elbow_3d = float(
            np.nanmax(np.degrees(np.arccos(np.clip(_cos(shoulder_b[near], elbow_b[near], wrist_b[near]), -1, 1))))
        )
        elbow_2d = float(
            np.nanmax(angle_deg(k.point(shoulder_lm)[near], k.point(elbow_lm)[near], k.point(wrist_lm)[near]))
        )
    sh_s, el_s, wr_s = k.point(shoulder_lm)[p], k.point(elbow_lm)[p], k.point(wrist_lm)[p]
    other_sh_s = k.point(SIDE_LANDMARKS[other][0])[p]
    shoulders_w = float(np.linalg.norm((sh_s - other_sh_s)[:2]))
    centre_x = 0.5 * (sh_s[0] + other_sh_s[0])
    half = 0.5 * (sh_s[0] - other_sh_s[0])
    elbow_rise = ctx.elbow_rise_s[c.side][p]
    facing = facing_during(k, max(0, s - samples(FACING_NEAR_S)), e + samples(FACING_NEAR_S) + 1)
    disp_s = (ctx.rel_s[c.side][p] - ctx.guard_s[c.side][p]) * Z_SCALE
    with np.errstate(all="ignore"):
        return StrikeFeatures(
            is_lead=1.0 if c.side == ctx.lead_side else 0.0,
            from_world=1.0 if bf.from_world else 0.0,
            view_frontal=float(-facing[2]) if facing is not None else float("nan"),
            wrist_visibility=float(k.visibility[p, wrist_lm]) if k.visibility is not None else float("nan"),
            duration_s=float(k.t_s[e] - k.t_s[s]),
            reach=float(ctx.reach_b(c.side)[p]) / arm,
            forward=float(travel[FORWARD]) / arm,
            across=float(across_sign * travel[LEFT]) / arm,
            rise=(float(rel[p, UP]) - lowest) / arm,
            drop=float(travel[UP]) / arm,
            elbow_up=float(elbow_b[p, UP] - shoulder_b[p, UP]) / arm,
            elbow_angle_deg=elbow_3d,
            extension=float(np.linalg.norm(wrist_b[p] - shoulder_b[p])) / arm,
            speed_mps=speed,
            forward_speed_share=_nanmax(vel[:, FORWARD]) / speed,
            across_speed_share=_nanmax(across_sign * vel[:, LEFT]) / speed,
            up_speed_share=_nanmax(vel[:, UP]) / speed,
            screen_reach=float(np.linalg.norm(disp_s)) / arm,
            screen_speed_mps=_nanmax(ctx.speed_s[c.side][s : p + 1]),
            screen_elbow_angle_deg=elbow_2d,
            screen_extension=float(np.linalg.norm((wr_s - sh_s)[:2])) / arm,
            screen_elbow_rise=float(elbow_rise) / arm,
            screen_forearm_ratio=float(np.linalg.norm((wr_s - el_s)[:2])) / shoulders_w,
            screen_wrist_across=float((centre_x - wr_s[0]) * np.sign(half)) / abs(half) if abs(half) > 0 else np.nan,
            other_speed_ratio=_nanmax(ctx.speed_b[other][s : p + 1]) / speed,
            other_reach=float(ctx.reach_b(other)[p]) / arm,
            head_move=float(ctx.head_move[p]) / arm,
        )


def _cos(a: FloatArray, vertex: FloatArray, b: FloatArray) -> FloatArray:
    u, v = a - vertex, b - vertex
    return np.asarray(np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)))
