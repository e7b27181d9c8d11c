"""Detection on the synthetic boxer: known punches and moves, and the invariances the detector must keep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from punch_core.body import BodySpecs
from punch_core.detection import detect_stamps
from punch_core.detection.pipeline import without_punching
from punch_core.stamps import Category, Hand, Side, Stamp, StampKind
from punch_core.testing import Camera, SyntheticRound, make_round, mirror, specs_of, track_of
from punch_core.testing.strategies import mixed_rounds, one_strike_rounds
from punch_core.testing.synthetic import STRIKE_KINDS
from punch_core.track import PoseTrack

# The same examples every run (no example database either): a random draw must not decide whether CI passes; the
# rare cases a wide search finds are pinned as tests of their own (below).
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True, database=None
)


_track = track_of


def _detect(r: SyntheticRound) -> tuple[Stamp, ...]:
    return detect_stamps(track_of(r), specs_of(r)).stamps


def _strikes(stamps: tuple[Stamp, ...]) -> list[Stamp]:
    return [s for s in stamps if s.category is Category.STRIKE]


def _assert_same(a: tuple[Stamp, ...], b: tuple[Stamp, ...], tol_s: float = 0.15) -> None:
    """Same kinds and hands in the same order, peaks within ``tol_s`` (a duck's deepest point is flat)."""
    a_ = [s for s in a if s.category is not Category.FAULT]
    b_ = [s for s in b if s.category is not Category.FAULT]
    assert [(s.kind, s.hand) for s in a_] == [(s.kind, s.hand) for s in b_]
    for x, y in zip(a_, b_, strict=True):
        # A duck's or slip's deepest point is a flat top, so its peak time may move more than a punch's.
        limit = tol_s if x.category is Category.STRIKE else 2 * tol_s
        assert abs(x.t_peak_s - y.t_peak_s) <= limit


@pytest.mark.parametrize("kind", STRIKE_KINDS)
@pytest.mark.parametrize("yaw", [90.0, 95.0])
def test_each_strike_is_found_with_its_type(kind, yaw):
    r = make_round(actions=[(kind, 1.0), (kind, 3.0)], duration_s=5.0, fps=30, camera=Camera(yaw_deg=yaw), seed=3)
    strikes = _strikes(_detect(r))
    assert [s.kind.value for s in strikes] == [kind, kind]
    for truth, found in zip(r.actions, strikes, strict=True):
        assert abs(found.t_peak_s - truth.t_peak_s) < 0.15
        assert found.t_start_s < found.t_peak_s < found.t_end_s
        assert 1.5 < (found.peak_speed_mps or 0) < 15.0


@pytest.mark.parametrize(
    ("kind", "yaw", "side"),
    [
        ("duck", 0.0, None),
        ("duck", 90.0, None),
        ("slip", 0.0, "left"),
        ("slip", 0.0, "right"),
        ("pull_back", 90.0, None),
    ],
)
def test_defensive_moves_are_found(kind, yaw, side):
    sides = [side] if side else None
    r = make_round(actions=[(kind, 1.5)], duration_s=4.0, fps=30, camera=Camera(yaw_deg=yaw), slip_sides=sides, seed=1)
    found = [s for s in _detect(r) if s.category is Category.DEFENSE]
    assert [s.kind.value for s in found] == [kind]
    assert abs(found[0].t_peak_s - r.actions[0].t_peak_s) < 0.25
    if side:
        assert found[0].side is not None
        assert found[0].side.value == side


def test_guard_drop_is_a_fault_of_the_other_hand():
    r = make_round(
        actions=[("jab", 1.0), ("cross", 3.0)],
        guard_drops=[True, False],
        duration_s=5.0,
        fps=30,
        camera=Camera(yaw_deg=45.0),
        seed=2,
    )
    drops = [s for s in _detect(r) if s.kind.value == "guard_drop"]
    assert len(drops) == 1
    assert drops[0].hand.value == "rear"
    assert abs(drops[0].t_peak_s - r.actions[0].t_peak_s) < 0.3


@SETTINGS
@given(seed=st.integers(0, 10_000), fps=st.sampled_from([25.0, 30.0, 60.0]), noise=st.floats(0.0, 2.0))
def test_still_guard_gives_no_stamps(seed, fps, noise):
    r = make_round(actions=(), duration_s=8.0, fps=fps, noise_px=noise, camera=Camera(yaw_deg=seed % 100), seed=seed)
    assert _detect(r) == ()


@pytest.mark.parametrize("yaw", [0.0, 90.0])
@pytest.mark.parametrize("step_share", [0.08, 0.15])
def test_a_step_to_the_side_is_no_slip(yaw, step_share):
    """The whole body shifting (a step, a camera pan) moves the head as far as the hips: no defensive move."""
    r = make_round(actions=(), duration_s=6.0, fps=30, camera=Camera(yaw_deg=yaw), seed=2)
    lm = r.landmarks.copy()
    bump = np.clip(1.0 - np.abs(r.t_s - 3.0) / 0.4, 0.0, 1.0)  # out and back within 0.8 s
    lm[:, :, 0] += (step_share * bump)[:, None].astype(np.float32)
    stepped = PoseTrack(t_s=r.t_s, landmarks=lm, width=r.width, height=r.height)
    found = detect_stamps(stepped, BodySpecs(height_cm=r.height_cm, stance=r.stance)).stamps
    assert [s for s in found if s.category is Category.DEFENSE] == []


def test_a_head_that_moves_while_a_hand_drives_out_is_no_defensive_move():
    strike = Stamp(kind=StampKind.JAB, hand=Hand.LEAD, t_start_s=1.0, t_peak_s=1.2, t_end_s=1.5, confidence=0.8,
                   peak_speed_mps=5.0)  # fmt: skip
    during = Stamp(kind=StampKind.SLIP, hand=Hand.NONE, side=Side.LEFT, t_start_s=1.1, t_peak_s=1.3, t_end_s=1.6,
                   confidence=0.7)  # fmt: skip
    covering = Stamp(kind=StampKind.DUCK, hand=Hand.NONE, t_start_s=0.9, t_peak_s=1.6, t_end_s=1.9, confidence=0.7)
    after = Stamp(kind=StampKind.DUCK, hand=Hand.NONE, t_start_s=1.7, t_peak_s=2.0, t_end_s=2.4, confidence=0.7)
    assert without_punching([during, covering, after], [strike]) == [after]


TYPED_RELIABLY = tuple(k for k in STRIKE_KINDS if k != "lead_hook")


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: a lead hook seen from 60-85 degrees projects as a nearly straight arm and is typed "
    "as a jab (docs/detection.md); this test turns green when that is fixed",
)
def test_lead_hook_seen_obliquely_is_a_hook():
    r = make_round(actions=[("lead_hook", 1.2)], duration_s=3.5, fps=30, camera=Camera(yaw_deg=70.0), seed=0)
    assert [s.kind.value for s in _strikes(_detect(r))] == ["lead_hook"]


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: about 1 in 1,000 rear hooks seen side-on (85-95 degrees) projects straight at its "
    "peak frame and is typed a cross (4 of 4,650 generated cases, 2026-11-26); this test turns green when fixed",
)
def test_rear_hook_seen_side_on_rarely_projects_straight():
    r = make_round(
        actions=[("rear_hook", 1.2)], duration_s=3.5, fps=60.0, stance="southpaw", camera=Camera(yaw_deg=85.0),
        noise_px=0.5, seed=123,
    )  # fmt: skip
    assert [s.kind.value for s in _strikes(_detect(r))] == ["rear_hook"]


@SETTINGS
@given(one_strike_rounds(kinds=TYPED_RELIABLY))
def test_generated_punches_are_found_with_the_right_type(r):
    strikes = _strikes(_detect(r))
    assert [s.kind.value for s in strikes] == [r.actions[0].kind]


@SETTINGS
@given(mixed_rounds())
def test_mirror_image_with_stance_swap_keeps_kinds_and_hands(r):
    m = mirror(r)
    assert m.stance != r.stance
    _assert_same(_detect(m), _detect(r))


@SETTINGS
@given(seed=st.integers(0, 10_000), scale=st.floats(0.6, 1.0), dx=st.floats(-0.1, 0.1), dy=st.floats(-0.05, 0.05))
def test_scale_and_translation_do_not_change_stamps(seed, scale, dx, dy):
    r = make_round(
        actions=[("jab", 1.0), ("rear_hook", 2.5), ("duck", 4.0)],
        duration_s=6.0,
        fps=30,
        camera=Camera(yaw_deg=60.0),
        seed=seed,
    )
    lm = r.landmarks.copy()
    lm[:, :, 0] = 0.5 + scale * (lm[:, :, 0] - 0.5) + dx
    lm[:, :, 1] = 0.5 + scale * (lm[:, :, 1] - 0.5) + dy
    lm[:, :, 2] = scale * lm[:, :, 2]
    moved = PoseTrack(t_s=r.t_s, landmarks=lm, width=r.width, height=r.height)
    spec = BodySpecs(height_cm=r.height_cm, stance=r.stance)
    _assert_same(detect_stamps(moved, spec).stamps, _detect(r))


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_frame_rate_does_not_change_stamps(seed):
    actions = [("jab", 1.0), ("cross", 2.2), ("rear_hook", 3.6), ("slip", 5.0)]
    found = []
    for fps in (25.0, 30.0, 60.0):
        r = make_round(
            actions=actions, duration_s=7.0, fps=fps, camera=Camera(yaw_deg=80.0), slip_sides=["left"], seed=seed
        )
        found.append([(s.kind.value, s.hand.value) for s in _detect(r) if s.category is not Category.FAULT])
        peaks = [s.t_peak_s for s in _detect(r) if s.category is Category.STRIKE]
        assert np.all(np.abs(np.array(peaks) - [a.t_peak_s for a in r.actions[:3]]) < 0.1)
    assert found[0] == found[1] == found[2]
