"""Which frame's elbow angle types a strike: the peak of reach seen from the side, the straightest near it when the
boxer faces the camera; and which excursions are the guard moving, not a strike (docs/detection.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from punch_core.body import Stance
from punch_core.detection import strikes
from punch_core.detection.geometry import facing_axes, facing_during, head_centre
from punch_core.detection.strikes import EXTENSION_WINDOW_S, StrikeCandidate, _features, classify
from punch_core.kinematics import GRID_HZ, Kinematics, samples
from punch_core.landmarks import N_LANDMARKS, Landmark
from punch_core.stamps import StampKind

FRONTAL = np.array([0.0, 0.0, -1.0])
SIDE = np.array([1.0, 0.0, 0.0])
PEAK = 60
START = 50


def _arm_with_angles(angles_deg: dict[int, float], n: int = 120) -> Kinematics:
    """A left arm whose elbow angle is ``angles_deg[i]`` at grid index i (170 deg elsewhere), upper arm level."""
    pos = np.full((n, N_LANDMARKS, 3), np.nan)
    shoulder = np.array([0.2, 1.45, 0.0])
    pos[:, Landmark.LEFT_SHOULDER] = shoulder
    pos[:, Landmark.RIGHT_SHOULDER] = shoulder + np.array([-0.4, 0.0, 0.0])
    elbow = shoulder + np.array([0.3, 0.0, 0.0])
    pos[:, Landmark.LEFT_ELBOW] = elbow
    for i in range(n):
        bend = np.radians(180.0 - angles_deg.get(i, 170.0))
        pos[i, Landmark.LEFT_WRIST] = elbow + 0.27 * np.array([np.cos(bend), np.sin(bend), 0.0])
    return Kinematics(
        t_s=np.arange(n) / GRID_HZ,
        pos_m=pos,
        vel_mps=np.zeros_like(pos),
        px_per_m=np.full(n, 300.0),
        pose_ok=np.ones(n, dtype=bool),
        height_m=1.75,
    )


def _candidate() -> StrikeCandidate:
    return StrikeCandidate(side="left", start=START, peak=PEAK, end=70, reach_m=0.4, speed_mps=4.0, speed_3d_mps=4.0)


def test_facing_the_camera_the_straightest_frame_near_the_peak_types_the_strike():
    # Full extension two frames before the reach peak; the peak frame reads bent (depth noise on a punch at the
    # camera).
    k = _arm_with_angles({PEAK - 2: 172.0, PEAK - 1: 150.0, PEAK: 110.0, PEAK + 1: 105.0})
    features = _features(k, _candidate(), FRONTAL)
    assert features["elbow_angle_deg"] == pytest.approx(172.0, abs=0.5)
    assert classify(features)[0] == "straight"


def test_seen_from_the_side_the_peak_frame_types_the_strike():
    k = _arm_with_angles({PEAK - 2: 172.0, PEAK - 1: 150.0, PEAK: 110.0, PEAK + 1: 105.0})
    features = _features(k, _candidate(), SIDE)
    assert features["elbow_angle_deg"] == pytest.approx(110.0, abs=0.5)
    assert classify(features)[0] != "straight"


def test_the_window_does_not_reach_back_into_the_swing():
    # Straight only well before the peak (a hook's swing can project straight for a moment): still bent.
    far = PEAK - samples(EXTENSION_WINDOW_S) - 2
    bent = dict.fromkeys(range(START, PEAK + 10), 100.0)
    k = _arm_with_angles({**bent, far: 175.0})
    assert _features(k, _candidate(), FRONTAL)["elbow_angle_deg"] == pytest.approx(100.0, abs=0.5)


def test_a_missing_arm_near_the_peak_counts_as_straight_as_before():
    k = _arm_with_angles({})
    pos = k.pos_m.copy()
    pos[PEAK - 5 : PEAK + 6, Landmark.LEFT_ELBOW] = np.nan
    k = Kinematics(t_s=k.t_s, pos_m=pos, vel_mps=k.vel_mps, px_per_m=k.px_per_m, pose_ok=k.pose_ok, height_m=k.height_m)
    assert _features(k, _candidate(), FRONTAL)["elbow_angle_deg"] == 180.0


FORESHORTENED_BUT_HIDDEN = {
    "facing_sideways": 0.42, "screen_extension_share": 0.23, "elbow_angle_deg": 112.0, "elbow_lift_m": -0.08,
    "wrist_rise_m": 0.35, "horizontal_travel_m": 0.18, "facing_camera": 0.91, "wrist_visibility": 0.37,
}  # fmt: skip


def _typed(**features: float) -> str:
    base = {"wrist_rise_m": 0.09, "horizontal_travel_m": 0.05, "elbow_lift_m": 0.0, "elbow_angle_deg": 86.0}
    return classify({**base, **features})[0]


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        # Measured on a real frontal jab clip (shadowcoach 22a3d19a): the arm points at the camera, so on screen
        # the wrist stays near the shoulder and the noisy depth bends the elbow; it was typed a hook.
        ({"facing_sideways": 0.02, "screen_extension_share": 0.23}, "straight"),
        # A frontal jab rising to eye level (a real clip typed uppercut before).
        (
            {"facing_sideways": 0.0, "screen_extension_share": 0.34, "wrist_rise_m": 0.52, "elbow_lift_m": -0.10},
            "straight",
        ),
        # A hook from the front swings the wrist across the body.
        ({"facing_sideways": 0.02, "screen_extension_share": 0.45, "horizontal_travel_m": 0.35}, "hook"),
        # An uppercut from the front keeps the elbow low.
        (
            {"facing_sideways": 0.02, "screen_extension_share": 0.3, "wrist_rise_m": 0.3, "elbow_lift_m": -0.25},
            "uppercut",
        ),
        # Seen from the side a short projection is a bent arm, not a foreshortened one.
        ({"facing_sideways": 0.8, "screen_extension_share": 0.23}, "hook"),
        # An arm reaching out across the screen is not foreshortened: its elbow angle decides.
        ({"facing_sideways": 0.02, "screen_extension_share": 0.7}, "hook"),
        # A fist punched at the camera is in front of the body, in view. Measured on a real non_jab clip (shadowcoach
        # 21.05.22-3 at 1.02 s): the lead wrist hidden (visibility 0.37) rises 35 cm; it was typed a jab.
        (FORESHORTENED_BUT_HIDDEN, "uppercut"),
        ({**FORESHORTENED_BUT_HIDDEN, "wrist_visibility": 0.9}, "straight"),
        # With the back to the camera the body hides the wrists of real punches: it stays straight.
        ({**FORESHORTENED_BUT_HIDDEN, "facing_camera": -0.9}, "straight"),
    ],
)
def test_facing_the_camera_a_foreshortened_arm_is_a_straight_punch(features: dict[str, float], expected: str) -> None:
    assert _typed(**features) == expected


# Measured on ai-boxing-trainer session 1 at 4.57 s: facing the camera, the boxer walks towards it with his hands
# below the frame (wrist visibility 0.33); it was typed a cross.
HANDS_BELOW_THE_FRAME = {
    "facing_sideways": 0.01, "elbow_angle_deg": 133.0, "elbow_lift_m": -0.23, "wrist_rise_m": 0.10,
    "horizontal_travel_m": 0.11, "screen_extension_share": 0.62, "wrist_visibility": 0.33,
}  # fmt: skip


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        # Measured on a real non_jab clip (shadowcoach 21.04.02, high guard, slipping): the hands ride with the
        # head, the elbows stay low and bent; it was typed a jab three times.
        ({"facing_sideways": 0.91, "elbow_angle_deg": 71.0, "elbow_lift_m": -0.15, "wrist_rise_m": 0.01}, "guard"),
        ({"facing_sideways": 0.62, "elbow_angle_deg": 86.0, "elbow_lift_m": -0.23, "wrist_rise_m": 0.0}, "guard"),
        # The same arm facing the camera may be a punch at it: still a straight punch there.
        ({"facing_sideways": 0.03, "elbow_angle_deg": 92.0, "elbow_lift_m": -0.16, "wrist_rise_m": 0.01}, "straight"),
        # ... but not with the wrist hidden (the boxer walking to the camera, hands below the frame).
        (HANDS_BELOW_THE_FRAME, "guard"),
        ({**HANDS_BELOW_THE_FRAME, "wrist_visibility": 0.9}, "straight"),
        # From the side, a straight arm, a lifted elbow or a rising wrist is still a punch.
        ({"facing_sideways": 0.9, "elbow_angle_deg": 150.0, "elbow_lift_m": -0.2, "wrist_rise_m": 0.0}, "straight"),
        ({"facing_sideways": 0.9, "elbow_angle_deg": 90.0, "elbow_lift_m": -0.05, "wrist_rise_m": 0.0}, "hook"),
        ({"facing_sideways": 0.9, "elbow_angle_deg": 90.0, "elbow_lift_m": -0.2, "wrist_rise_m": 0.2}, "uppercut"),
    ],
)
def test_seen_from_the_side_a_bent_arm_with_a_low_elbow_is_the_guard_moving(
    features: dict[str, float], expected: str
) -> None:
    assert _typed(**features) == expected


def test_guard_movements_give_no_strike(monkeypatch: pytest.MonkeyPatch) -> None:
    k = _arm_with_angles({PEAK: 150.0})
    monkeypatch.setattr(
        strikes, "image_candidates", lambda _k, side, _forward: [_candidate()] if side == "left" else []
    )
    assert [s.kind for s in strikes.detect_strikes(k, Stance.ORTHODOX)] == [StampKind.JAB]

    monkeypatch.setattr(strikes, "classify", lambda _features: (strikes.GUARD_MOVEMENT, 0.0))
    assert strikes.detect_strikes(k, Stance.ORTHODOX) == []


# Measured on a real jab clip seen three-quarters on (shadowcoach 2f7e0f76): as the jab goes out, the rear wrist,
# hidden behind the body (visibility 0.24), is guessed swinging back with the turn, and reaches further.
JAB_SEEN_THREE_QUARTERS = {
    "reach_share": 0.92, "elbow_angle_deg": 154.0, "elbow_lift_m": 0.05, "wrist_rise_m": 0.11,
    "horizontal_travel_m": 0.35, "facing_sideways": 0.49, "screen_extension_share": 1.0, "forward_travel_m": 0.14,
    "facing_sideways_near": 0.49, "wrist_visibility": 0.97,
}  # fmt: skip
REAR_WRIST_PULLED_BACK = {
    "reach_share": 0.96, "elbow_angle_deg": 132.0, "elbow_lift_m": -0.13, "wrist_rise_m": 0.02,
    "horizontal_travel_m": 0.41, "facing_sideways": 0.49, "screen_extension_share": 0.47, "forward_travel_m": -0.19,
    "facing_sideways_near": 0.49, "wrist_visibility": 0.24,
}  # fmt: skip


UPPERCUT_FROM_THE_SIDE = {
    "facing_sideways": 0.9, "elbow_angle_deg": 90.0, "elbow_lift_m": -0.2, "wrist_rise_m": 0.2,
    "horizontal_travel_m": 0.05, "forward_travel_m": 0.08, "facing_sideways_near": 0.9,
}  # fmt: skip


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (REAR_WRIST_PULLED_BACK, "guard"),
        ({**REAR_WRIST_PULLED_BACK, "forward_travel_m": -0.1}, "hook"),  # a little back: the swing decides
        # Facing the camera the face's direction on screen is noise: a hook's sideways swing can read as backward.
        ({**REAR_WRIST_PULLED_BACK, "facing_sideways": 0.1, "facing_sideways_near": 0.1}, "hook"),
        # A wrist in view is never judged by it: turned 30-45 degrees, a hook swinging across reads the same.
        ({**REAR_WRIST_PULLED_BACK, "wrist_visibility": 0.9}, "hook"),
        (JAB_SEEN_THREE_QUARTERS, "straight"),
        # A hook swings across, an uppercut rises: neither travels back.
        ({**REAR_WRIST_PULLED_BACK, "forward_travel_m": 0.05}, "hook"),
        (UPPERCUT_FROM_THE_SIDE, "uppercut"),
    ],
)
def test_a_hand_that_travels_back_is_not_a_punch(features: dict[str, float], expected: str) -> None:
    assert classify(features)[0] == expected


def test_a_hand_pulled_back_no_longer_outreaches_the_jab(monkeypatch: pytest.MonkeyPatch) -> None:
    """Of two hands peaking together the further-reaching one was kept: the guessed rear wrist, typed a rear hook."""
    k = _arm_with_angles({})
    rear = StrikeCandidate(side="right", start=START, peak=PEAK - 1, end=70, reach_m=0.55, speed_mps=5.5,
                           speed_3d_mps=5.5)  # fmt: skip
    monkeypatch.setattr(
        strikes, "image_candidates", lambda _k, side, _forward: [_candidate()] if side == "left" else [rear]
    )
    features = {"left": JAB_SEEN_THREE_QUARTERS, "right": REAR_WRIST_PULLED_BACK}
    monkeypatch.setattr(strikes, "_features", lambda _k, c, _forward: dict(features[c.side]))
    assert [s.kind for s in strikes.detect_strikes(k, Stance.ORTHODOX)] == [StampKind.JAB]

    features["right"] = {**REAR_WRIST_PULLED_BACK, "forward_travel_m": 0.0}  # the same swing, not travelling back
    assert [s.kind for s in strikes.detect_strikes(k, Stance.ORTHODOX)] == [StampKind.REAR_HOOK]


def _turning_boxer(n: int = 240) -> Kinematics:
    """A head seen from the side that faces screen right for the first half of the track and screen left after."""
    pos = np.full((n, N_LANDMARKS, 3), np.nan)
    half = n // 2
    for rows, way in ((slice(0, half), 1.0), (slice(half, n), -1.0)):
        pos[rows, Landmark.LEFT_EAR] = [0.0, 1.6, 0.05]
        pos[rows, Landmark.RIGHT_EAR] = [0.0, 1.6, -0.05]
        pos[rows, Landmark.NOSE] = [0.1 * way, 1.6, 0.0]
    return Kinematics(t_s=np.arange(n) / GRID_HZ, pos_m=pos, vel_mps=np.zeros_like(pos), px_per_m=np.full(n, 300.0),
                      pose_ok=np.ones(n, dtype=bool), height_m=1.75)  # fmt: skip


def test_a_strike_is_judged_by_where_the_boxer_faces_around_it():
    """A boxer who circles turns: forward over the round is the median, forward near a strike is where they face."""
    k = _turning_boxer()
    first, second = facing_during(k, 0, 100), facing_during(k, 140, 240)
    assert first is not None
    assert second is not None
    np.testing.assert_allclose(first, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(second, [-1.0, 0.0, 0.0])
    no_face = Kinematics(t_s=k.t_s, pos_m=np.full_like(k.pos_m, np.nan), vel_mps=k.vel_mps, px_per_m=k.px_per_m,
                         pose_ok=k.pose_ok, height_m=k.height_m)  # fmt: skip
    assert facing_during(no_face, 0, 100) is None


def test_the_travel_of_a_hidden_wrist_is_read_along_where_the_boxer_faces_then(monkeypatch: pytest.MonkeyPatch) -> None:
    """``_features`` on real kinematics: the boxer faces screen right for most of the track and turns left for the
    strike; the wrist, hidden, moves right during it. Along the round's facing that is forward, along the facing
    around the strike it is back, and the strike is no punch."""
    n, turn = 240, 180
    k = _arm_with_angles({}, n=n)
    pos = k.pos_m.copy()
    for rows, way in ((slice(0, turn), 1.0), (slice(turn, n), -1.0)):
        pos[rows, Landmark.LEFT_EAR] = [0.0, 1.6, 0.05]
        pos[rows, Landmark.RIGHT_EAR] = [0.0, 1.6, -0.05]
        pos[rows, Landmark.NOSE] = [0.1 * way, 1.6, 0.0]
    start, peak = 195, 205
    pos[start : peak + 1, Landmark.LEFT_WRIST, 0] += np.linspace(0.0, 0.3, peak - start + 1)
    visibility = np.full((n, N_LANDMARKS), 0.9)
    visibility[:, Landmark.LEFT_WRIST] = 0.2
    k = Kinematics(t_s=k.t_s, pos_m=pos, vel_mps=k.vel_mps, px_per_m=k.px_per_m, pose_ok=k.pose_ok,
                   height_m=k.height_m, visibility=visibility)  # fmt: skip
    round_facing, _ = facing_axes(k)
    assert round_facing[0] > 0.9  # the round's median: screen right
    c = StrikeCandidate(side="left", start=start, peak=peak, end=215, reach_m=0.3, speed_mps=4.0, speed_3d_mps=4.0)
    features = _features(k, c, round_facing)
    assert features["forward_travel_m"] == pytest.approx(-0.3, abs=0.02)
    assert features["wrist_visibility"] == pytest.approx(0.2)
    assert classify(features)[0] == "guard"
    visibility[:, Landmark.LEFT_WRIST] = 0.9  # the same wrist in view: typed by its arm
    assert classify(_features(k, c, round_facing))[0] != "guard"


# Measured on a real non_jab clip (shadowcoach 21.05.39): facing the camera, the lead hand swings out and down by
# the hip, arm straight, then comes across at shoulder height; it was typed a jab at the wind-up.
LOOPING_HOOK_WIND_UP = {
    "facing_sideways": 0.05, "elbow_angle_deg": 155.0, "screen_extension_share": 0.70, "elbow_lift_m": -0.10,
    "horizontal_travel_m": 0.32, "wrist_rise_m": 0.08, "wrist_out_m": 0.29, "wrist_below_m": 0.28,
}  # fmt: skip


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (LOOPING_HOOK_WIND_UP, "hook"),
        # Seen from the side, outside the shoulder is forward: a straight punch (here to the body).
        ({**LOOPING_HOOK_WIND_UP, "facing_sideways": 0.9}, "straight"),
        # At shoulder height, or ending inside the shoulder (a straight to the body), it is a straight punch.
        ({**LOOPING_HOOK_WIND_UP, "wrist_below_m": 0.05}, "straight"),
        ({**LOOPING_HOOK_WIND_UP, "wrist_out_m": -0.1}, "straight"),
    ],
)
def test_facing_the_camera_a_straight_arm_swung_wide_and_low_is_a_hook(
    features: dict[str, float], expected: str
) -> None:
    assert classify(features)[0] == expected


def test_where_the_wrist_ends_against_its_shoulder():
    # The left arm reaches straight out to screen right, away from the body's centre, at shoulder height.
    features = _features(_arm_with_angles({}), _candidate(), FRONTAL)
    assert features["wrist_out_m"] == pytest.approx(0.57, abs=0.01)
    assert features["shoulder_spread_m"] == pytest.approx(0.4, abs=0.01)
    assert features["wrist_below_m"] == pytest.approx(-0.05, abs=0.01)


@pytest.mark.parametrize(
    ("wrist_x", "shoulder_x", "expected"),
    [
        (0.5, 0.2, 0.3),  # a shoulder on screen right (the left one facing the camera): outside is further right
        (0.1, 0.2, -0.1),  # inside, towards the body's middle
        (-0.5, -0.2, 0.3),  # a shoulder on screen left (the right one facing the camera, the left one facing away)
        (-0.1, -0.2, -0.1),
    ],
)
def test_outside_the_shoulder_is_away_from_the_middle_of_the_shoulders(
    wrist_x: float, shoulder_x: float, expected: float
) -> None:
    assert strikes._outside_shoulder_m(wrist_x, shoulder_x, 0.0) == pytest.approx(expected)


def test_outside_the_shoulder_is_not_read_with_the_shoulders_together_on_screen():
    # Side-on at that moment: a centimetre either way would flip outside and inside.
    assert np.isnan(strikes._outside_shoulder_m(0.5, 0.01, 0.0))
    assert classify({**LOOPING_HOOK_WIND_UP, "wrist_out_m": float("nan")})[0] == "straight"


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        # A bent arm wide and low is not the straight arm of a wind-up: the ordinary rules type it (here the frontal
        # bent arm with a low elbow, kept straight with the wrist in view).
        ({**LOOPING_HOOK_WIND_UP, "elbow_angle_deg": 100.0, "elbow_lift_m": -0.2, "wrist_visibility": 0.9}, "straight"),
        # Side-on at the strike, though facing the camera over the round: outside the shoulder may be forward.
        ({**LOOPING_HOOK_WIND_UP, "facing_sideways_near": 0.8}, "straight"),
        # With the back to the camera the body hides the wrists of real punches: a hidden one keeps the straight.
        ({**HANDS_BELOW_THE_FRAME, "facing_camera": -0.9}, "straight"),
        ({**HANDS_BELOW_THE_FRAME, "facing_camera": 0.9}, "guard"),
    ],
)
def test_the_frontal_rules_hold_only_where_their_reason_does(features: dict[str, float], expected: str) -> None:
    assert classify(features)[0] == expected


def _wrist_dropping(
    hold_s: float,
    *,
    ramp_s: float = 0.12,
    drop_m: float = 0.5,
    out_m: float = 0.0,
    visibility: float = 0.9,
    facing: str = "camera",
    lost_s: float = 0.0,
    toward_camera_m: float = 0.0,
    elbow_rise_m: float | None = None,
    other_elbow_rise_m: float | None = None,
    n: int = 300,
) -> Kinematics:
    """A boxer whose lead wrist drops ``drop_m`` from guard (and moves ``out_m`` outward and ``toward_camera_m``
    towards the camera) and comes back, ``ramp_s`` each way, down for ``hold_s``; the pose is lost for ``lost_s`` in
    the middle of it. With ``elbow_rise_m`` the lead elbow is drawn too, rising that much with the wrist (and with
    ``other_elbow_rise_m`` the rear elbow)."""
    pos = np.full((n, N_LANDMARKS, 3), np.nan)
    pos[:, Landmark.LEFT_SHOULDER] = [0.2, 1.45, 0.0]
    pos[:, Landmark.RIGHT_SHOULDER] = [-0.2, 1.45, 0.0]
    pos[:, Landmark.LEFT_EAR] = [0.08, 1.6, 0.05]
    pos[:, Landmark.RIGHT_EAR] = [-0.08, 1.6, 0.05]
    nose_z = {"camera": -0.05, "away": 0.15}.get(facing, 0.05)
    pos[:, Landmark.NOSE] = [0.1 if facing == "side" else 0.0, 1.6, nose_z]
    t = np.arange(n) / GRID_HZ
    middle = t[n // 2]
    down = np.clip((ramp_s + hold_s / 2 - np.abs(t - middle)) / ramp_s, 0.0, 1.0)
    depth = 0.5 - 0.5 * np.cos(np.pi * down)
    pos[:, Landmark.LEFT_WRIST] = [0.15, 1.5, -0.1]
    pos[:, Landmark.LEFT_WRIST, 0] += out_m * depth
    pos[:, Landmark.LEFT_WRIST, 1] -= drop_m * depth
    pos[:, Landmark.LEFT_WRIST, 2] -= toward_camera_m * depth
    if elbow_rise_m is not None:
        pos[:, Landmark.LEFT_ELBOW] = [0.22, 1.2, -0.05]
        pos[:, Landmark.LEFT_ELBOW, 1] += elbow_rise_m * depth
    if other_elbow_rise_m is not None:
        pos[:, Landmark.RIGHT_ELBOW] = [-0.22, 1.2, -0.05]
        pos[:, Landmark.RIGHT_ELBOW, 1] += other_elbow_rise_m * depth
    vis = np.full((n, N_LANDMARKS), 0.9)
    vis[:, Landmark.LEFT_WRIST] = visibility
    vel = np.gradient(pos, 1 / GRID_HZ, axis=0)
    lost = np.abs(t - middle) < lost_s / 2
    pos[lost, Landmark.LEFT_WRIST] = np.nan
    vis[lost, Landmark.LEFT_WRIST] = np.nan
    return Kinematics(t_s=t, pos_m=pos, vel_mps=vel, px_per_m=np.full(n, 300.0), pose_ok=np.ones(n, dtype=bool),
                      height_m=1.75, visibility=vis)  # fmt: skip


@pytest.mark.parametrize(
    ("kinematics", "strikes_found"),
    [
        # A punch at the camera that MediaPipe reads as the arm hanging down: gone again within a tenth of a second.
        (_wrist_dropping(0.0), 1),
        # The hand dropped to the waist and held there: a dropped guard, not a punch.
        (_wrist_dropping(0.5), 0),
        # ... also when the pose is lost for part of the hold (which would cut the drop short).
        (_wrist_dropping(0.6, lost_s=0.4), 0),
        # Brief but slower than a punch (3.5 m/s): a hand dropped and raised again.
        (_wrist_dropping(0.0, ramp_s=0.16, drop_m=0.3, out_m=0.2), 0),
        # A hidden wrist's drop is the model's guess; seen from the side the arm is not foreshortened, and with the
        # back to the camera a punch does not come at it.
        (_wrist_dropping(0.0, visibility=0.2), 0),
        (_wrist_dropping(0.0, facing="side"), 0),
        (_wrist_dropping(0.0, facing="away"), 0),
    ],
)
def test_a_brief_fast_drop_facing_the_camera_is_a_punch_at_it(kinematics: Kinematics, strikes_found: int) -> None:
    forward, _ = facing_axes(kinematics)
    assert len(strikes.image_candidates(kinematics, "left", forward)) == strikes_found


def test_a_punch_at_the_camera_read_as_a_hanging_arm_is_a_jab():
    """The kept excursion is typed by the arm at its peak: the wrist below the shoulder but not outside it."""
    assert [s.kind for s in strikes.detect_strikes(_wrist_dropping(0.0), Stance.ORTHODOX)] == [StampKind.JAB]


def test_frames_without_the_head_are_nan_without_a_warning():
    k = _turning_boxer(n=20)
    pos = k.pos_m.copy()
    pos[5:10] = np.nan  # the boxer lost for a moment
    k = Kinematics(t_s=k.t_s, pos_m=pos, vel_mps=k.vel_mps, px_per_m=k.px_per_m, pose_ok=k.pose_ok, height_m=1.75)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        centre = head_centre(k)
    assert np.isnan(centre[5:10]).all()
    assert np.isfinite(centre[:5]).all()


@pytest.mark.parametrize(
    ("facing", "ramp_s", "strikes_found"),
    [
        # Out 25 cm on screen at about 1.4 m/s: facing the camera a punch travels mostly in depth (counted 0.3), so
        # what shows on screen is slower than the punch: the frontal gate lets it through ...
        ("camera", 0.28, 1),
        # ... while seen from the side the whole punch is on screen, and 1.4 m/s is a hand drifting, not a punch.
        ("side", 0.28, 0),
        # Facing the camera, about 1 m/s is still too slow; the gate is 1.2 m/s (1.25 passes, 1.15 does not).
        ("camera", 0.4, 0),
        ("camera", np.pi / 2 * np.hypot(0.25, 0.05) / 1.25, 1),
        ("camera", np.pi / 2 * np.hypot(0.25, 0.05) / 1.15, 0),
    ],
)
def test_facing_the_camera_the_speed_gate_allows_for_the_travel_in_depth(
    facing: str, ramp_s: float, strikes_found: int
) -> None:
    k = _wrist_dropping(0.0, ramp_s=ramp_s, drop_m=-0.05, out_m=0.25, facing=facing)
    forward, _ = facing_axes(k)
    found = strikes.image_candidates(k, "left", forward)
    assert len(found) == strikes_found
    if found:
        assert strikes.FRONTAL_MIN_SPEED_MPS <= found[0].speed_mps < strikes.MIN_SPEED_MPS


# Measured on the compubox lead hook (facing the camera): the lead arm swings across at shoulder height and ends
# beyond the other shoulder, where its projection is straight (148 degrees); it was typed a jab.
HOOK_ACROSS_THE_BODY = {
    "facing_sideways": 0.13, "facing_sideways_near": 0.16, "elbow_angle_deg": 148.0, "screen_extension_share": 0.66,
    "elbow_lift_m": 0.06, "horizontal_travel_m": 0.26, "wrist_rise_m": 0.04, "wrist_out_m": -0.37,
    "wrist_below_m": -0.11, "shoulder_spread_m": 0.195,
}  # fmt: skip


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (HOOK_ACROSS_THE_BODY, "hook"),
        # 11 cm beyond the other shoulder: across; 9 cm: a straight punch may end about there.
        ({**HOOK_ACROSS_THE_BODY, "wrist_out_m": -0.305}, "hook"),
        ({**HOOK_ACROSS_THE_BODY, "wrist_out_m": -0.285}, "straight"),
        # A cross ends between the shoulders, at most in front of the lead one: 30 cm inside its own shoulder with
        # the shoulders 35 cm apart on screen is not beyond the other one.
        ({**HOOK_ACROSS_THE_BODY, "wrist_out_m": -0.30, "shoulder_spread_m": 0.35}, "straight"),
        # Ending on the centre line, as a straight punch at anyone in front does (the frontal jabs: 4-18 cm inside).
        ({**HOOK_ACROSS_THE_BODY, "wrist_out_m": -0.18}, "straight"),
        # Seen from the side, inside and outside the shoulder are depth: the arm's angle decides.
        ({**HOOK_ACROSS_THE_BODY, "facing_sideways": 0.9, "facing_sideways_near": 0.9}, "straight"),
        ({**HOOK_ACROSS_THE_BODY, "facing_sideways_near": 0.8}, "straight"),
        # The shoulders together on screen: which side is inside is not read.
        ({**HOOK_ACROSS_THE_BODY, "wrist_out_m": float("nan")}, "straight"),
    ],
)
def test_facing_the_camera_a_straight_arm_ending_across_the_body_is_a_hook(
    features: dict[str, float], expected: str
) -> None:
    assert classify(features)[0] == expected


def _jab_at_camera(**overrides: float | str) -> Kinematics:
    """Measured on four frontal jab clips the reach gate missed (shadowcoach 4cff2fa7, 57850f4c, bd306fdc, d0689dc3):
    on screen the wrist rises 8-11 cm (0.19-0.22 arm lengths with the noisy depth), while the elbow comes up
    0.13-0.24 m behind it at 2.0-3.4 m/s."""
    shape: dict[str, float | str] = {
        "hold_s": 0.0, "ramp_s": 0.12, "drop_m": -0.08, "toward_camera_m": 0.25, "elbow_rise_m": 0.2,
    }  # fmt: skip
    return _wrist_dropping(**{**shape, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "strikes_found"),
    [
        # Out 0.19 arm lengths: under the reach gate (0.22), but the elbow rises 20 cm at 2.6 m/s.
        ({}, 1),
        # The still hand's elbow moves 2-8 cm (here fast: 2 m/s); the gate is 12 cm.
        ({"elbow_rise_m": 0.08, "ramp_s": 0.06}, 0),
        ({"elbow_rise_m": 0.11}, 0),
        ({"elbow_rise_m": 0.13}, 1),
        # A raised elbow with the wrist hardly moving is no punch: the wrist must be out 0.15 arm lengths.
        ({"drop_m": -0.03, "toward_camera_m": 0.1}, 0),
        ({"drop_m": -0.059, "toward_camera_m": 0.185}, 0),  # 0.14
        ({"drop_m": -0.068, "toward_camera_m": 0.212}, 1),  # 0.16
        # Lifted slowly (about 1 m/s): a guard raised, not a punch; the elbow's gate is 1.2 m/s.
        ({"ramp_s": 0.3}, 0),
        ({"ramp_s": np.pi / 2 * 0.2 / 1.1}, 0),
        ({"ramp_s": np.pi / 2 * 0.2 / 1.3}, 1),
        # Raised and held (0.5 s): a block, not a punch, which comes back within 0.45 s.
        ({"hold_s": 0.5}, 0),
        ({"hold_s": 0.25}, 1),
        # Both elbows up together: a cover-up. The other elbow may move a little with the punch.
        ({"other_elbow_rise_m": 0.15}, 0),
        ({"other_elbow_rise_m": 0.05}, 1),
        # A hidden wrist: a fist punched at the camera is in front of the body.
        ({"visibility": 0.3}, 0),
        # Seen from the side the reach shows the whole punch: the elbow adds nothing there; with the back to the
        # camera the punch goes away from it.
        ({"facing": "side"}, 0),
        ({"facing": "away"}, 0),
    ],
)
def test_facing_the_camera_an_elbow_rising_behind_the_fist_makes_a_strike(
    overrides: dict[str, float | str], strikes_found: int
) -> None:
    k = _jab_at_camera(**overrides)
    forward, _ = facing_axes(k)
    found = strikes.image_candidates(k, "left", forward)
    assert len(found) == strikes_found
    if found:
        assert found[0].reach_m < strikes.MIN_REACH_SHARE * k.arm_m  # only the raised elbow found it


def test_a_jab_at_the_camera_found_by_its_elbow_is_a_jab():
    assert [s.kind for s in strikes.detect_strikes(_jab_at_camera(), Stance.ORTHODOX)] == [StampKind.JAB]


def test_an_elbow_rising_with_a_strike_already_found_adds_none():
    # The same arm reaching 0.4 arm lengths: the reach gate finds it, and the elbow gives no second strike.
    k = _jab_at_camera(drop_m=-0.2, toward_camera_m=0.3)
    forward, _ = facing_axes(k)
    assert len(strikes.image_candidates(k, "left", forward)) == 1


def test_an_elbow_rising_as_the_boxer_turns_side_on_makes_no_strike():
    # Facing the camera over the round, but side-on for the second around the strike: turning moves the elbows on
    # screen (seen on a bag clip, where the boxer turns to the bag with his hands up).
    k = _jab_at_camera()
    pos = k.pos_m.copy()
    middle = len(k.t_s) // 2
    pos[middle - 70 : middle + 70, Landmark.NOSE] = [0.1, 1.6, 0.05]
    turning = Kinematics(t_s=k.t_s, pos_m=pos, vel_mps=k.vel_mps, px_per_m=k.px_per_m, pose_ok=k.pose_ok,
                         height_m=k.height_m, visibility=k.visibility)  # fmt: skip
    forward, _ = facing_axes(turning)
    assert abs(forward[0]) < strikes.FRONTAL_MAX_SIDEWAYS  # the round faces the camera
    assert strikes.image_candidates(turning, "left", forward) == []


def test_an_elbow_rising_twice_in_one_excursion_gives_one_strike():
    # The wrist out for 0.6 s while the elbow bobs up twice, 0.4 s apart: one excursion, at most one strike.
    k = _jab_at_camera(hold_s=0.6)
    pos = k.pos_m.copy()
    t = k.t_s
    bumps = sum(np.clip(1 - np.abs(t - (t[len(t) // 2] + dt)) / 0.08, 0, 1) for dt in (-0.2, 0.2))
    pos[:, Landmark.LEFT_ELBOW, 1] = 1.2 + 0.2 * bumps
    bobbing = Kinematics(t_s=t, pos_m=pos, vel_mps=np.gradient(pos, 1 / GRID_HZ, axis=0), px_per_m=k.px_per_m,
                         pose_ok=k.pose_ok, height_m=k.height_m, visibility=k.visibility)  # fmt: skip
    forward, _ = facing_axes(bobbing)
    assert len(strikes.image_candidates(bobbing, "left", forward)) <= 1
