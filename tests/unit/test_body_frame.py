"""The boxer's own frame and the staged strike detector: what the camera's angle, a mirror or the skeleton's size
must not change (issue 23, item 4), and the typers behind the StrikeTyper port."""

from __future__ import annotations

import json
from importlib import resources

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from punch_core.body import Stance
from punch_core.detection.body_frame import FORWARD, LEFT, UP, body_frame
from punch_core.detection.features import StrikeFeatures
from punch_core.detection.strike_stages import detect_strikes_staged, measured_candidates
from punch_core.detection.typers import MODEL_RESOURCE, DetectionParams, LearnedTyper, RuleTableTyper
from punch_core.errors import TrackFormatError
from punch_core.kinematics import compute_kinematics
from punch_core.landmarks import Landmark
from punch_core.testing import Camera, make_round, turned, with_world
from punch_core.testing.strategies import turns_deg
from punch_core.track import PoseTrack

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True, database=None
)


def _with_world(kind: str, yaw: float, seed: int, stance: str = "orthodox") -> tuple[PoseTrack, Stance]:
    r = make_round(
        actions=[(kind, 1.0), ("jab", 2.6)],
        duration_s=4.0,
        fps=30,
        camera=Camera(yaw_deg=yaw),
        seed=seed,
        stance=stance,
    )
    return with_world(r), Stance(r.stance)


_rotated = turned


def _kinds(track: PoseTrack, stance: Stance) -> list[tuple[str, str]]:
    k = compute_kinematics(track, height_m=1.75)
    return [(s.kind.value, s.hand.value) for s in detect_strikes_staged(k, stance, RuleTableTyper(), DetectionParams())]


@SETTINGS
@given(
    degrees=turns_deg(),
    scale=st.floats(0.7, 1.4),
    seed=st.integers(0, 3),
    kind=st.sampled_from(["jab", "cross", "lead_hook", "rear_uppercut"]),
)
def test_turning_or_scaling_the_world_skeleton_changes_no_body_frame_position(degrees, scale, seed, kind):
    track, _ = _with_world(kind, 80.0, seed)
    a = body_frame(compute_kinematics(track, height_m=1.75))
    b = body_frame(compute_kinematics(_rotated(track, degrees, scale), height_m=1.75))
    assert a.from_world
    assert b.from_world
    np.testing.assert_allclose(b.pos_m, a.pos_m, atol=1e-4, equal_nan=True)
    np.testing.assert_allclose(b.vel_mps, a.vel_mps, atol=1e-3, equal_nan=True)


@SETTINGS
@given(degrees=turns_deg(), scale=st.floats(0.7, 1.4), seed=st.integers(0, 3))
def test_turning_or_scaling_the_world_skeleton_changes_no_kind_found(degrees, scale, seed):
    track, stance = _with_world("lead_hook", 80.0, seed)
    assert _kinds(_rotated(track, degrees, scale), stance) == _kinds(track, stance)


@SETTINGS
@given(seed=st.integers(0, 5), yaw=st.sampled_from([60.0, 80.0, 100.0]))
def test_a_mirror_image_with_the_stance_swapped_keeps_every_feature_and_kind(seed, yaw):
    track, stance = _with_world("cross", yaw, seed)
    k = compute_kinematics(track, height_m=1.75)
    km = compute_kinematics(track.mirrored(), height_m=1.75)
    a = sorted(measured_candidates(k, stance, DetectionParams()), key=lambda cf: (cf[0].peak, cf[1].is_lead))
    b = sorted(measured_candidates(km, stance.swapped, DetectionParams()), key=lambda cf: (cf[0].peak, cf[1].is_lead))
    assert [c.peak for c, _ in a] == [c.peak for c, _ in b]
    for (_, fa), (_, fb) in zip(a, b, strict=True):
        np.testing.assert_allclose(fb.vector(), fa.vector(), atol=1e-3)
    assert _kinds(track.mirrored(), stance.swapped) == _kinds(track, stance)


def test_the_axes_point_where_the_body_faces():
    """Side-on to a camera at the boxer's left, forward is across the screen; a jab drives the lead wrist forward."""
    track, _ = _with_world("jab", 90.0, 1)
    bf = body_frame(compute_kinematics(track, height_m=1.75))
    hips = bf.mid(Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    assert np.nanmax(np.abs(hips)) < 1e-6  # the origin is between the hips
    left = bf.point(Landmark.LEFT_SHOULDER) - bf.point(Landmark.RIGHT_SHOULDER)
    assert np.nanmedian(left[:, LEFT]) > 0.2  # the left shoulder is on the left
    nose = bf.point(Landmark.NOSE)
    assert np.nanmedian(nose[:, UP]) > 0.4
    assert np.nanmedian(nose[:, FORWARD]) > 0  # the face is in front
    wrist = bf.point(Landmark.LEFT_WRIST)[:, FORWARD]
    at = int(np.argmin(np.abs(bf.t_s - 1.0)))
    window = wrist[max(0, at - 15) : at + 15]
    assert np.nanmax(window) - np.nanmin(window) > 0.3  # the jab: 30 cm and more forward


def test_without_world_landmarks_the_image_landmarks_stand_in():
    track, _ = _with_world("jab", 90.0, 1)
    bf = body_frame(compute_kinematics(attrs.evolve(track, world_m=None), height_m=1.75))
    assert not bf.from_world
    assert np.isfinite(bf.pos_m[:, Landmark.LEFT_WRIST]).all()


def test_the_rule_table_types_by_the_body_frame():
    base = dict.fromkeys(StrikeFeatures.names(), 0.0)
    base |= {"reach": 0.6, "screen_reach": 0.6, "speed_mps": 5.0, "screen_speed_mps": 5.0, "elbow_angle_deg": 170}

    def typed(**changes: float) -> str | None:
        return RuleTableTyper().classify([StrikeFeatures(**(base | changes))])[0].type

    assert typed(forward=0.5) == "straight"
    assert typed(across=0.5, elbow_up=0.0, elbow_angle_deg=100) == "hook"
    assert typed(rise=0.5, up_speed_share=0.8, elbow_angle_deg=100) == "uppercut"
    assert typed(forward=0.5, reach=0.1, screen_reach=0.1) is None  # the hand barely left the guard
    assert typed(forward=0.0) is None  # it went nowhere a punch goes
    assert typed(view_frontal=0.9, screen_elbow_rise=0.3) == "straight"  # at the camera: the elbow rises
    assert typed(forward=float("nan")) is None  # a lost landmark proves nothing


def test_the_packaged_learned_typer_loads_and_is_small():
    data = (resources.files("punch_core.detection") / "models" / MODEL_RESOURCE).read_bytes()
    assert len(data) < 1_000_000
    typer = LearnedTyper.packaged()
    assert typer.classes == ("none", "straight", "hook", "uppercut")
    f = StrikeFeatures(**dict.fromkeys(StrikeFeatures.names(), 0.0))
    (verdict,) = typer.classify([f])
    assert 0.0 <= verdict.confidence <= 1.0
    assert typer.classify([]) == []


def test_a_model_for_other_features_is_refused():
    doc = json.loads((resources.files("punch_core.detection") / "models" / MODEL_RESOURCE).read_text())
    with pytest.raises(TrackFormatError, match="make train"):
        LearnedTyper(doc | {"features": ["reach"]})
    with pytest.raises(TrackFormatError, match="not a strike typer"):
        LearnedTyper(doc | {"version": 2})


def test_exported_trees_give_scikit_learns_probabilities():
    """The export (bench/train.py) and the numpy inference together reproduce the trained model."""
    sklearn = pytest.importorskip("sklearn.ensemble", reason="scikit-learn is a dev dependency")

    rng = np.random.default_rng(0)
    n = len(StrikeFeatures.names())
    x = rng.normal(size=(400, n))
    y = (x[:, 5] > 0).astype(int) + (x[:, 6] > 0.5).astype(int) + (x[:, 7] > 1).astype(int)
    clf = sklearn.GradientBoostingClassifier(init="zero", random_state=0, n_estimators=20, max_depth=3)
    clf.fit(x, y)
    trees = [
        [
            {
                "feature": est.tree_.feature.tolist(),
                "threshold": est.tree_.threshold.tolist(),
                "left": est.tree_.children_left.tolist(),
                "right": est.tree_.children_right.tolist(),
                "value": est.tree_.value[:, 0, 0].tolist(),
            }
            for est in stage
        ]
        for stage in clf.estimators_
    ]
    doc = {
        "format": "punch-strike-typer",
        "version": 1,
        "kind": "trees",
        "classes": ["none", "straight", "hook", "uppercut"],
        "features": list(StrikeFeatures.names()),
        "learning_rate": 0.1,
        "trees": trees,
    }
    np.testing.assert_allclose(LearnedTyper(doc).probabilities(x), clf.predict_proba(x), atol=1e-9)
