"""Strike detection: each hand's excursions away from its guard, gated by speed, typed by arm geometry.

How it works (all in metres on the kinematics grid):

* The wrist is followed relative to the middle of the shoulders, which removes footwork and ducking.
* Its **guard position** is a rolling median over ``GUARD_WINDOW_S`` (a hand spends most of a round in guard).
* A strike candidate is a peak of the distance from guard (``reach``, downward travel discounted) of at
  least ``MIN_REACH_SHARE`` of the arm's length, reached at a hand speed of at least ``MIN_SPEED_MPS``
  (``FRONTAL_MIN_SPEED_MPS`` facing the camera, where a punch travels in depth, which counts less). A
  mostly downward excursion is a dropped hand, not a punch, unless the boxer faces the camera and the wrist, in
  view, is back up within ``BRIEF_DROP_S`` at ``FAST_DROP_MPS`` or more: that is an arm punching at the camera,
  which MediaPipe can read as hanging down. Facing the camera, where a jab at it barely moves the wrist on screen,
  an elbow rising fast behind the fist also makes a candidate (``FRONTAL_ELBOW_RISE_M``).
* A hidden wrist (low MediaPipe visibility) guessed to travel back, away from where a boxer turned from the camera
  faces, is the far hand swinging with the turn, not a punch.
* The type comes from the arm at full extension: a nearly straight elbow is a straight punch (jab or cross by
  the hand); a bent elbow with the wrist driven upward is an uppercut; a bent elbow lifted towards shoulder
  height with the wrist travelling sideways is a hook. Facing the camera, a straight arm swung wide and low,
  outside and below its shoulder, is a looping hook's wind-up, and one that ends beyond the other shoulder is a
  hook's follow-through. Seen from the side, a bent arm that is none of these
  (elbow low, wrist not rising) is the guard moving with the head, and no strike; facing the camera it may be a
  foreshortened punch at the camera, so it is a straight punch, but only with the wrist in view.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
from scipy.signal import find_peaks

from punch_core.body import Stance
from punch_core.detection.geometry import (
    SIDE_LANDMARKS,
    Z_SCALE,
    angle_deg,
    baseline,
    facing_axes,
    facing_during,
    span_below,
)
from punch_core.kinematics import Kinematics, quiet_nan_warnings, samples, weighted_norm
from punch_core.landmarks import Landmark
from punch_core.stamps import STRIKE_BY_HAND_AND_TYPE, Hand, Stamp
from punch_core.track import FloatArray

GUARD_WINDOW_S = 2.5
MIN_REACH_SHARE = 0.22
MIN_PROMINENCE_SHARE = 0.22
MIN_SPEED_MPS = 1.5
FRONTAL_MIN_SPEED_MPS = 1.2
"""The speed gate where the boxer faces the camera (or away from it): a straight punch then travels mostly in depth,
which counts 0.3 (``Z_SCALE``) in the gated speed, so the same punch reads slower than from the side. Seen on the
compubox cross (facing the camera, in view): its wrist peaks 0.36 arm lengths from guard at 1.38 m/s; on the
shadowcoach landmark CSVs (15 fps, where smoothing lowers speeds further) six frontal jabs read 1.24-1.47 m/s. Under
1.2 the gate lets through a rear hand that replaces a jab clip's jab (1.06 m/s) and an ai-boxing-trainer arm at
1.05 m/s."""
MIN_GAP_S = 0.2
MAX_OUT_S = 0.6
MAX_BACK_S = 0.8
EDGE_SHARE = 0.35
"""A strike starts and ends where the reach falls below this share of its peak."""
STRAIGHT_ELBOW_DEG = 140.0
UPPERCUT_RISE_SHARE = 0.8
"""An uppercut's wrist rises at least this share of its sideways/forward travel."""
HOOK_ELBOW_LIFT_M = -0.14
"""A hook lifts the elbow to within 14 cm (scaled to a 1.75 m boxer) below the shoulder line."""
EXTENSION_WINDOW_S = 0.05
"""Facing the camera, a straight punch travels mostly in depth, where the landmarks are noisiest: the elbow angle
that types it is then the straightest the arm gets within this long either side of the peak of reach (which can
come a few frames before or after full extension). Seen from the side the single peak frame is kept: there a
hook's swing crosses the camera's view and its projection can look straight for a moment."""
FRONTAL_MAX_SIDEWAYS = 0.5
"""The boxer faces the camera when the facing direction's sideways (image x) share is below this (about 30 deg)."""
FORESHORTENED_SHARE = 0.5
"""Facing the camera, a punch whose wrist ends within this share of the arm's length of its shoulder on screen
travels at the camera: the arm is foreshortened, so its projected elbow angle says nothing."""
FORESHORTENED_ELBOW_LIFT_M = -0.12
"""... and with the elbow up near shoulder height (an uppercut's stays low) ..."""
FORESHORTENED_MAX_SIDEWAYS_M = 0.2
"""... and the wrist travelling at most this far across the screen (a hook's swings across the body): straight."""
BACKWARD_TRAVEL_M = -0.15
"""A hidden wrist (below ``SEEN_VISIBILITY``) guessed to have travelled back, away from where the boxer faces, by
more than this from the start of its excursion is not a punch: seen from the side, as the near hand jabs, MediaPipe
guesses the far wrist swinging back with the turn, and that guess can reach further than the jab. The travel is
``forward_travel_m``: with depth weighted 0.3 twice, it is in effect the travel across the screen times the facing
direction's sideways share, so a wrist swinging across the body of a boxer turned 30-45 degrees can read the same
as one going back. That is why a wrist in view is never judged by it."""
SEEN_VISIBILITY = 0.5
"""MediaPipe's own threshold for drawing a landmark: a wrist below it is hidden (behind the body) or out of frame,
and its position is the model's guess."""
FACING_NEAR_S = 1.0
"""Forward travel is measured along where the boxer faces within this long of the strike, not over the round (a
boxer who circles an opponent turns)."""
SIDE_ON_MIN_SIDEWAYS = 0.35
"""... and judged only where the boxer is turned at least about 20 degrees from the camera (the facing direction's
sideways share at least this): facing the camera, forward is depth, and the face's direction on screen is noise."""
BRIEF_DROP_S = 0.2
"""Facing the camera, a wrist in view that drops and comes back up within this long (its time above half its peak
distance from guard) ..."""
FAST_DROP_MPS = 4.0
"""... at this hand speed or more is a punch at the camera, not a dropped hand (``_thrown_at_camera``). Seen on two
frontal jab clips (shadowcoach 4ce06422, 5364b0ef): 0.10-0.13 s at 6.4-7.0 m/s, the wrist dropping 0.5 m with
visibility 0.9, while the fist is in front of the face."""
ACROSS_BODY_M = 0.10
"""Facing the camera, a straight arm whose wrist ends more than this beyond the *other* shoulder on screen has swung
across the body: a hook's follow-through, not a straight punch, which ends between the shoulders (aimed at the
middle of anyone in front; the frontal jabs of the shadowcoach jab clips end 4-18 cm inside their own shoulder).
The compubox lead hook, typed a jab before, ends 37 cm inside its shoulder, 17 cm beyond the other one (the
shoulders 20 cm apart on screen, the torso turned with the hook)."""
WIDE_SWING_OUT_M = 0.15
"""Facing the camera, a straight arm whose wrist ends more than this outside its shoulder on screen ..."""
WIDE_SWING_BELOW_M = 0.15
"""... and more than this below it swings wide and low: the wind-up of a looping hook, whose arm then comes across
at shoulder height. A straight punch at anyone in front ends at the centre line, inside the shoulder (the frontal
jabs of the shadowcoach jab clips end 4-18 cm inside, at or above shoulder height)."""
MIN_SHOULDER_SPREAD_M = 0.05
"""Which way is outside a shoulder is read from the shoulders' spread on screen: with them closer than this to their
middle (the boxer side-on at that moment) it is not read (``wrist_out_m`` is NaN)."""
GUARD_MOVEMENT = "guard"
"""What :func:`classify` calls an excursion that is no strike: the guard moving (a slip, a roll or a block), or a
hand that is not punching (a hidden wrist guessed swinging back, or hidden facing the camera)."""


@attrs.frozen(kw_only=True)
class StrikeCandidate:
    """A hand excursion that passed the reach and speed gates, before typing."""

    side: str
    start: int
    peak: int
    end: int
    reach_m: float
    speed_mps: float
    speed_3d_mps: float


def _hand(side: str, stance: Stance) -> Hand:
    return Hand.LEAD if side == stance.lead_side else Hand.REAR


DOWNWARD_WEIGHT = 0.3
"""Downward hand travel counts this much towards reach: punches go out and up, dips (before an uppercut) and
dropped hands go down."""


def _outward_reach(disp: FloatArray) -> FloatArray:
    """Distance from guard, z weighted, with downward travel discounted by ``DOWNWARD_WEIGHT``."""
    weighted = disp * Z_SCALE
    weighted[:, 1] = np.where(weighted[:, 1] < 0, DOWNWARD_WEIGHT * weighted[:, 1], weighted[:, 1])
    return np.asarray(np.linalg.norm(weighted, axis=1))


def _thrown_at_camera(
    k: Kinematics, reach: FloatArray, peak: int, *, top_speed: float, forward: FloatArray, wrist_lm: Landmark
) -> bool:
    """Whether a mostly downward excursion is a punch at the camera that the landmarks show as the arm hanging down.

    Facing the camera, an arm punching at it is foreshortened to a fist in front of the face, and MediaPipe can
    read it as the arm hanging down by the side (seen: the wrist, in view, 0.5 m down and back in 0.1 s). So: the
    boxer faces the camera (not away from it), the wrist is seen at the peak, the hand moves at ``FAST_DROP_MPS``
    or more and is above half its peak distance from guard for at most ``BRIEF_DROP_S``, with the wrist tracked
    throughout (a pose lost mid-drop would make a held drop look brief). A dropped guard stays down longer.
    """
    if abs(forward[0]) >= FRONTAL_MAX_SIDEWAYS or forward[2] >= 0 or top_speed < FAST_DROP_MPS:
        return False
    # Unknown visibility (a frame without pose, bridged) counts as hidden: the rule keeps only what is seen.
    if k.visibility is not None and not k.visibility[peak, wrist_lm] >= SEEN_VISIBILITY:
        return False
    start, end = span_below(reach, peak, 0.5 * reach[peak], samples(MAX_OUT_S), samples(MAX_BACK_S))
    tracked = bool(np.isfinite(reach[start : end + 1]).all())
    return tracked and float(k.t_s[end] - k.t_s[start]) <= BRIEF_DROP_S


def image_candidates(k: Kinematics, side: str, forward: FloatArray) -> list[StrikeCandidate]:
    """One hand's excursions from guard on screen that pass the reach and speed gates (the module docstring)."""
    shoulder_lm, _, wrist_lm = SIDE_LANDMARKS[side]
    del shoulder_lm
    centre = k.mid(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    centre_vel = 0.5 * (k.vel_mps[:, Landmark.LEFT_SHOULDER] + k.vel_mps[:, Landmark.RIGHT_SHOULDER])
    rel = k.point(wrist_lm) - centre
    guard = baseline(rel, GUARD_WINDOW_S)
    reach = _outward_reach(rel - guard)
    speed = weighted_norm(k.vel_mps[:, wrist_lm] - centre_vel)
    speed3d = np.linalg.norm(k.vel_mps[:, wrist_lm] - centre_vel, axis=1)
    arm = k.arm_m
    min_speed = FRONTAL_MIN_SPEED_MPS if abs(forward[0]) < FRONTAL_MAX_SIDEWAYS else MIN_SPEED_MPS
    peaks, _ = find_peaks(
        np.nan_to_num(reach, nan=0.0),
        height=MIN_REACH_SHARE * arm,
        prominence=MIN_PROMINENCE_SHARE * arm,
        distance=samples(MIN_GAP_S),
    )
    out: list[StrikeCandidate] = []
    for p in peaks:
        start, end = span_below(reach, int(p), EDGE_SHARE * reach[p], samples(MAX_OUT_S), samples(MAX_BACK_S))
        top_speed = float(np.nanmax(speed[start : p + 1])) if p > start else float(speed[p])
        if not np.isfinite(top_speed) or top_speed < min_speed:
            continue
        # The gate uses the z-discounted speed (robust to depth noise); the reported speed is the full 3-D one.
        speed_3d = float(np.nanmax(speed3d[start : min(end, p + samples(0.1)) + 1]))
        disp = (rel[p] - guard[p]) * Z_SCALE
        downward = disp[1] < -0.6 * np.linalg.norm(disp)
        if downward and not _thrown_at_camera(
            k, reach, int(p), top_speed=top_speed, forward=forward, wrist_lm=wrist_lm
        ):
            continue  # a dropped hand, not a punch
        out.append(
            StrikeCandidate(
                side=side,
                start=start,
                peak=int(p),
                end=end,
                reach_m=float(reach[p]),
                speed_mps=top_speed,
                speed_3d_mps=max(top_speed, speed_3d),
            )
        )
    if abs(forward[0]) < FRONTAL_MAX_SIDEWAYS and forward[2] < 0:
        out += _raised_elbow_candidates(k, side, reach, speed, centre_vel, found=out)
    return out


FRONTAL_ELBOW_RISE_M = 0.12
"""Facing the camera, a jab at it moves the wrist mostly in depth, where MediaPipe's z is noise (on four frontal jab
clips both wrists read 23-31 cm of depth travel *away* from the camera, and the jabbing wrist reached only 0.19-0.22
arm lengths from guard on screen, against the still hand's 0.14-0.21). What shows is the elbow, lifted behind the
fist. On the 15 shadowcoach jab clips that face the camera squarely the jabbing elbow rises 0.13-0.30 m above its
guard (scaled to a 1.75 m boxer) and the still one 0.02-0.08; in the frontal non_jab clips without a punch no elbow
rises more than 0.03 m. (Below 0.10 or above 0.16 the labelled figures change.)"""
FRONTAL_MIN_REACH_SHARE = 0.15
"""... with the wrist at least this share of the arm's length from guard (the raised elbow alone is no punch) ..."""
FRONTAL_ELBOW_SPEED_MPS = 1.2
"""... the elbow moving at this speed or more on screen, relative to the shoulders (a guard lifted slowly is no
punch; the four jabs: 2.0-3.4 m/s) ..."""
RAISED_ELBOW_MAX_S = 0.45
"""... and back down within this long (its time above half its peak rise; the four jabs: 0.10-0.32 s, 0.23-0.37 s
on the 15 fps landmark CSVs): a hand raised to block stays up."""
COVER_UP_SHARE = 0.5
"""The other elbow rising more than this share as much at the same moment is a cover-up (both forearms raised to
block), not a punch (the four jabs: the other elbow 0.01-0.05 m against 0.13-0.24 m)."""


def _elbow_rise(k: Kinematics, side: str) -> FloatArray:
    """How far the elbow is above its guard position (relative to the shoulders), scaled to a 1.75 m boxer."""
    _, elbow_lm, _ = SIDE_LANDMARKS[side]
    rel = k.point(elbow_lm) - k.mid(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    return np.asarray((rel - baseline(rel, GUARD_WINDOW_S))[:, 1] / (k.height_m / 1.75))


def _raised_elbow_candidates(
    k: Kinematics,
    side: str,
    reach: FloatArray,
    speed: FloatArray,
    centre_vel: FloatArray,
    *,
    found: list[StrikeCandidate],
) -> list[StrikeCandidate]:
    """Strikes at the camera that the reach gate missed, found by the elbow rising behind the fist.

    Facing the camera (towards it): an elbow that rises ``FRONTAL_ELBOW_RISE_M`` or more (height and prominence)
    behind a wrist that moves out at least ``FRONTAL_MIN_REACH_SHARE`` of the arm, where no candidate was found.
    The elbow must rise at ``FRONTAL_ELBOW_SPEED_MPS`` or more and come back down within ``RAISED_ELBOW_MAX_S``
    (tracked throughout), with the other elbow staying down (``COVER_UP_SHARE``); the wrist must be in view at the
    peak (a fist punched at the camera is in front of the body), and the boxer face the camera around the strike,
    not only over the round (turning side-on moves the elbows on screen).
    """
    _, elbow_lm, wrist_lm = SIDE_LANDMARKS[side]
    rise = _elbow_rise(k, side)
    other = _elbow_rise(k, "right" if side == "left" else "left")
    elbow_speed = np.linalg.norm((k.vel_mps[:, elbow_lm] - centre_vel)[:, :2], axis=1)
    peaks, _ = find_peaks(
        np.nan_to_num(rise, nan=0.0),
        height=FRONTAL_ELBOW_RISE_M,
        prominence=FRONTAL_ELBOW_RISE_M,
        distance=samples(MIN_GAP_S),
    )
    out: list[StrikeCandidate] = []
    near = samples(0.1)
    n = len(reach)
    for e in (int(x) for x in peaks):
        if any(c.start - near <= e <= c.end + near for c in [*found, *out]):
            continue
        if other[e] >= COVER_UP_SHARE * rise[e]:  # an unseen other elbow does not make a cover-up
            continue
        level = 0.5 * rise[e]
        up, down = span_below(rise, e, level, samples(MAX_OUT_S), samples(MAX_BACK_S))
        # Back down means seen back down: a span cut short by a lost elbow or by the search limit is not brief.
        seen = bool(np.isfinite(rise[up : down + 1]).all()) and rise[up] <= level and rise[down] <= level
        if not seen or float(k.t_s[down] - k.t_s[up]) > RAISED_ELBOW_MAX_S:
            continue
        lo, hi = max(0, e - near), min(n, e + near + 1)
        p = lo + int(np.argmax(np.nan_to_num(reach[lo:hi], nan=0.0)))
        if not reach[p] >= FRONTAL_MIN_REACH_SHARE * k.arm_m:
            continue
        if k.visibility is not None and not k.visibility[p, wrist_lm] >= SEEN_VISIBILITY:
            continue
        start, end = span_below(reach, p, EDGE_SHARE * reach[p], samples(MAX_OUT_S), samples(MAX_BACK_S))
        with quiet_nan_warnings():  # an elbow lost over the stretch gives NaN: no strike
            elbow_top = float(np.nanmax(elbow_speed[min(start, e) : max(p, e) + 1]))
            hand_top = float(np.nanmax(speed[start : p + 1]))
        if not (elbow_top >= FRONTAL_ELBOW_SPEED_MPS and np.isfinite(hand_top)):
            continue
        around = facing_during(k, max(0, start - samples(FACING_NEAR_S)), end + samples(FACING_NEAR_S) + 1)
        if around is None or not (abs(around[0]) < FRONTAL_MAX_SIDEWAYS and around[2] < 0):
            continue
        out.append(
            StrikeCandidate(
                side=side,
                start=start,
                peak=p,
                end=end,
                reach_m=float(reach[p]),
                speed_mps=hand_top,
                speed_3d_mps=hand_top,
            )
        )
    return out


def _features(k: Kinematics, c: StrikeCandidate, forward: FloatArray) -> dict[str, float]:
    shoulder_lm, elbow_lm, wrist_lm = SIDE_LANDMARKS[c.side]
    shoulder, elbow, wrist = k.point(shoulder_lm), k.point(elbow_lm), k.point(wrist_lm)
    centre = k.mid(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    p, s = c.peak, c.start
    rel = wrist - centre
    scale = k.height_m / 1.75
    out_phase = rel[s : p + 1]
    lowest = float(np.nanmin(out_phase[:, 1])) if out_phase.size else float(rel[p, 1])
    travel = (rel[p] - rel[s]) * Z_SCALE
    horizontal = float(np.hypot(travel[0], travel[2]))
    rise = float(rel[p, 1] - lowest)
    half = samples(EXTENSION_WINDOW_S) if abs(forward[0]) < FRONTAL_MAX_SIDEWAYS else 0
    near = samples(FACING_NEAR_S)
    facing_near = facing_during(k, max(0, s - near), c.end + near + 1)
    if facing_near is None:
        facing_near = forward
    out = slice(max(s, p - half), min(p + half, wrist.shape[0] - 1) + 1)
    with np.errstate(all="ignore"), quiet_nan_warnings():  # an all-NaN stretch gives NaN: handled below
        elbow_angle = float(np.nanmax(angle_deg(shoulder[out], elbow[out], wrist[out])))
    return {
        "reach_m": c.reach_m,
        "reach_share": c.reach_m / k.arm_m,
        "peak_speed_mps": c.speed_mps,
        "elbow_angle_deg": elbow_angle if np.isfinite(elbow_angle) else 180.0,
        "extension_share": float(np.linalg.norm((wrist[p] - shoulder[p]) * Z_SCALE) / k.arm_m),
        "screen_extension_share": float(np.linalg.norm((wrist[p] - shoulder[p])[:2]) / k.arm_m),
        "facing_sideways": float(abs(forward[0])),
        "elbow_lift_m": float((elbow[p, 1] - shoulder[p, 1]) / scale),
        "wrist_rise_m": rise / scale,
        "horizontal_travel_m": horizontal / scale,
        "forward_travel_m": float(travel @ (facing_near * Z_SCALE)) / scale,
        "facing_sideways_near": float(abs(facing_near[0])),
        "facing_camera": float(-forward[2]),
        "wrist_visibility": float(k.visibility[p, wrist_lm]) if k.visibility is not None else float("nan"),
        "duration_s": float(k.t_s[c.end] - k.t_s[c.start]),
        "wrist_out_m": _outside_shoulder_m(wrist[p, 0], shoulder[p, 0], centre[p, 0]) / scale,
        "shoulder_spread_m": float(2 * abs(shoulder[p, 0] - centre[p, 0])) / scale,
        "wrist_below_m": float(shoulder[p, 1] - wrist[p, 1]) / scale,
    }


def _outside_shoulder_m(wrist_x: float, shoulder_x: float, centre_x: float) -> float:
    """How far the wrist is outside its shoulder on screen, in metres (negative: inside, towards the body's middle).

    NaN with the shoulders too close together on screen to tell outside from inside (``MIN_SHOULDER_SPREAD_M``).
    """
    spread = shoulder_x - centre_x
    if not abs(spread) >= MIN_SHOULDER_SPREAD_M:
        return float("nan")
    return float((wrist_x - shoulder_x) * np.sign(spread))


def classify(features: dict[str, float]) -> tuple[str, float]:  # noqa: PLR0911 - one return per rule below
    """Type a strike from its features: ('straight' | 'hook' | 'uppercut', margin 0-1), or ('guard', 0).

    'guard' means the excursion is the guard moving, not a punch. A hidden wrist guessed to travel back
    (``BACKWARD_TRAVEL_M``, judged where the boxer is turned from the camera) is not a punch, whatever its path.
    Seen from the side (where the elbow angle is reliable), an arm that stays bent with its elbow kept low and its
    wrist not driven up is neither straight, hook nor uppercut: the hands travel with a slip, a roll or a block
    while the guard stays up. Facing the camera such an arm may be a punch at the camera, so it stays straight,
    but only with its wrist in view: a fist punched at the camera is in front of the body, and a hidden wrist there
    is behind it or out of the frame (with the back to the camera, hidden wrists are the rule and keep it straight).
    For the same reason a hidden wrist facing the camera is no foreshortened punch at it (``FORESHORTENED_*``).
    Facing the camera, a straight arm whose wrist ends wide of and below its shoulder (``WIDE_SWING_*``) is a
    looping hook's wind-up, and one whose wrist ends beyond the other shoulder (``ACROSS_BODY_M``) a hook's
    follow-through, not a straight punch.
    """
    angle = features["elbow_angle_deg"]
    rise = features["wrist_rise_m"]
    horizontal = features["horizontal_travel_m"]
    lift = features["elbow_lift_m"]
    if (
        features.get("facing_sideways_near", 0.0) >= SIDE_ON_MIN_SIDEWAYS
        and features.get("forward_travel_m", 0.0) < BACKWARD_TRAVEL_M
        and features.get("wrist_visibility", 1.0) < SEEN_VISIBILITY
    ):
        return GUARD_MOVEMENT, 0.0
    # A punch at the camera puts the fist in front of the body, in view (with the back to the camera the body hides
    # the wrists of real punches; unknown visibility counts as seen).
    hidden_facing_camera = (
        features.get("facing_camera", 1.0) > 0 and features.get("wrist_visibility", 1.0) < SEEN_VISIBILITY
    )
    if (
        features.get("facing_sideways", 1.0) < FRONTAL_MAX_SIDEWAYS
        and features.get("screen_extension_share", 1.0) <= FORESHORTENED_SHARE
        and lift >= FORESHORTENED_ELBOW_LIFT_M
        and horizontal <= FORESHORTENED_MAX_SIDEWAYS_M
        and not hidden_facing_camera
    ):
        return "straight", 0.35
    if rise >= 0.12 and rise >= UPPERCUT_RISE_SHARE * horizontal and angle < STRAIGHT_ELBOW_DEG:
        return "uppercut", min(1.0, (rise - 0.12) / 0.15 + 0.3)
    frontal_straight = (
        angle >= STRAIGHT_ELBOW_DEG
        and features.get("facing_sideways", 1.0) < FRONTAL_MAX_SIDEWAYS
        and features.get("facing_sideways_near", 0.0) < FRONTAL_MAX_SIDEWAYS
    )
    out = features.get("wrist_out_m", 0.0)
    if frontal_straight and (
        (out > WIDE_SWING_OUT_M and features.get("wrist_below_m", 0.0) > WIDE_SWING_BELOW_M)
        or out < -(features.get("shoulder_spread_m", float("nan")) + ACROSS_BODY_M)
    ):
        return "hook", 0.3
    if angle >= STRAIGHT_ELBOW_DEG:
        return "straight", min(1.0, (angle - STRAIGHT_ELBOW_DEG) / 30.0 + 0.4)
    if lift >= HOOK_ELBOW_LIFT_M:
        return "hook", min(1.0, (STRAIGHT_ELBOW_DEG - angle) / 40.0 + 0.3)
    if features.get("facing_sideways", 1.0) >= FRONTAL_MAX_SIDEWAYS:
        return GUARD_MOVEMENT, 0.0
    if hidden_facing_camera:
        return GUARD_MOVEMENT, 0.0
    return "straight", 0.3


def detect_strikes(k: Kinematics, stance: Stance) -> list[Stamp]:
    """Find every strike of both hands.

    Args:
        k: Body kinematics.
        stance: Decides which anatomical hand is the lead hand.

    Returns:
        Strike stamps sorted by peak time.
    """
    forward, _ = facing_axes(k)
    stamps: list[Stamp] = []
    for side in ("left", "right"):
        for c in image_candidates(k, side, forward):
            features = _features(k, c, forward)
            kind_type, margin = classify(features)
            if kind_type == GUARD_MOVEMENT:
                continue
            hand = _hand(side, stance)
            reach_f = min(1.0, (c.reach_m / k.arm_m - MIN_REACH_SHARE) / 0.4)
            speed_f = min(1.0, (c.speed_mps - MIN_SPEED_MPS) / 4.0)
            confidence = float(np.clip(0.35 + 0.35 * (reach_f + speed_f) / 2 + 0.3 * margin, 0.0, 1.0))
            stamps.append(
                Stamp(
                    kind=STRIKE_BY_HAND_AND_TYPE[(hand, kind_type)],
                    hand=hand,
                    t_start_s=float(k.t_s[c.start]),
                    t_peak_s=float(k.t_s[c.peak]),
                    t_end_s=float(k.t_s[c.end]),
                    confidence=confidence,
                    peak_speed_mps=c.speed_3d_mps,
                    features=features,
                )
            )
    stamps.sort(key=lambda st: st.t_peak_s)
    return drop_simultaneous(stamps, SIMULTANEOUS_S, lambda st: st.features["reach_share"])


SIMULTANEOUS_S = 0.15
"""Two hands cannot both land a punch this close together: the smaller excursion is the other hand moving with
the body's rotation (the rear hand as a jab snaps out, the lead hand pulled back by a cross)."""


def drop_simultaneous(stamps: list[Stamp], within_s: float, strength: Callable[[Stamp], float]) -> list[Stamp]:
    """Keep, of strikes (sorted by peak) by different hands peaking within ``within_s``, the stronger one."""
    dropped: set[int] = set()
    for i, a in enumerate(stamps):
        for j in range(i + 1, len(stamps)):
            b = stamps[j]
            if b.t_peak_s - a.t_peak_s > within_s:
                break
            if a.hand != b.hand and i not in dropped and j not in dropped:
                dropped.add(i if strength(a) < strength(b) else j)
    return [s for i, s in enumerate(stamps) if i not in dropped]
