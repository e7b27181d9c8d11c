"""The coach and the report's figures hold to a confidence cut (issue 23, item 5): below it a stamp is shown on
request only, never praised or blamed."""

from __future__ import annotations

import attrs
import numpy as np

from punch_core.body import BodySpecs
from punch_core.coaching import Language
from punch_core.detection import detect_stamps
from punch_core.detection.confidence import COACH_MIN_CONFIDENCE, learned_confidence, trusted
from punch_core.detection.strikes import detect_strikes
from punch_core.metrics import compute_metrics
from punch_core.report import RoundAnalysis, analyse_round, coaching_request
from punch_core.stamps import Category, Hand, Side, Stamp, StampKind
from punch_core.testing.synthetic import Camera, make_round
from punch_core.track import PoseTrack


def _jab(t: float, confidence: float) -> Stamp:
    return Stamp(kind=StampKind.JAB, hand=Hand.LEAD, t_start_s=t - 0.1, t_peak_s=t, t_end_s=t + 0.2,
                 confidence=confidence, peak_speed_mps=5.0)  # fmt: skip


def _drop(t: float) -> Stamp:
    return Stamp(kind=StampKind.GUARD_DROP, hand=Hand.REAR, t_start_s=t - 0.1, t_peak_s=t, t_end_s=t + 0.1,
                 confidence=0.8, features={"strike_peak_s": t})  # fmt: skip


def test_only_stamps_at_or_above_the_cut_are_trusted_and_a_guard_drop_only_with_its_strike():
    sure, unsure = _jab(1.0, 0.9), _jab(3.0, COACH_MIN_CONFIDENCE - 0.01)
    slip = Stamp(kind=StampKind.SLIP, hand=Hand.NONE, side=Side.LEFT, t_start_s=5, t_peak_s=5.2, t_end_s=5.5,
                 confidence=0.6)  # fmt: skip
    stamps = [sure, _drop(1.0), unsure, _drop(3.0), slip]
    assert trusted(stamps) == [sure, _drop(1.0), slip]
    assert trusted(stamps, 0.0) == stamps


def test_the_coach_never_hears_of_a_stamp_below_the_cut():
    sure, unsure = _jab(1.0, 0.9), _jab(3.0, 0.05)
    analysis = RoundAnalysis(
        video={}, quality={"coach_min_confidence": COACH_MIN_CONFIDENCE}, stamps=(sure, unsure), metrics={}
    )
    request = coaching_request(analysis, BodySpecs(height_cm=175), Language.EN)
    assert request.stamps == (sure,)
    older = attrs.evolve(analysis, quality={})  # analysed before the cut existed: every stamp, as then
    assert coaching_request(older, BodySpecs(height_cm=175), Language.EN).stamps == (sure, unsure)


def _round() -> tuple[PoseTrack, BodySpecs]:
    r = make_round(actions=[("jab", 1.0), ("cross", 2.5), ("lead_hook", 4.0)], duration_s=6.0, fps=30,
                   camera=Camera(yaw_deg=90.0), seed=2)  # fmt: skip
    return PoseTrack(t_s=r.t_s, landmarks=r.landmarks, width=r.width, height=r.height), BodySpecs(height_cm=175)


def test_a_strike_is_as_sure_as_the_learned_probability_and_nothing_else_changes():
    track, specs = _round()
    from punch_core.kinematics import compute_kinematics  # noqa: PLC0415

    k = compute_kinematics(track, height_m=specs.height_m)
    plain = detect_strikes(k, specs.stance)
    scored = learned_confidence(k, specs.stance, plain)
    assert len(scored) == len(plain) > 0
    for a, b in zip(plain, scored, strict=True):
        assert attrs.evolve(b, confidence=a.confidence) == a
        assert 0.0 <= b.confidence <= 1.0
    assert [s.confidence for s in detect_stamps(track, specs).stamps if s.category is Category.STRIKE] == [
        s.confidence for s in scored
    ]


def test_the_report_counts_only_trusted_stamps_and_says_the_cut():
    track, specs = _round()
    analysis = analyse_round(track, specs)
    assert analysis.quality["coach_min_confidence"] == COACH_MIN_CONFIDENCE
    result = detect_stamps(track, specs)
    assert analysis.metrics == compute_metrics(trusted(result.stamps), result.kinematics)
    assert np.isfinite([s.confidence for s in analysis.stamps]).all()
