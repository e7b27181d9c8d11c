import json

import attrs
import numpy as np
import pytest

from punch_core.body import BodySpecs
from punch_core.coaching import ANSWER_SCHEMA, Language, OfflineCoach, build_coaching_prompt
from punch_core.detection import detect_stamps
from punch_core.metrics import COMBO_MAX_GAP_S, combinations, compute_metrics, round_spans
from punch_core.ports.coach import CoachingRequest
from punch_core.report import REPORT_KEYS, SCHEMA_VERSION, analyse_track
from punch_core.stamps import Stamp
from punch_core.testing.synthetic import Camera, make_round
from punch_core.track import PoseTrack


def _strike(kind, t, hand="lead"):
    return Stamp(
        kind=kind, hand=hand, t_start_s=t - 0.1, t_peak_s=t, t_end_s=t + 0.2, confidence=0.9, peak_speed_mps=6.0
    )


def test_combinations_follow_the_gap_rule():
    strikes = [
        _strike("jab", 1.0),
        _strike("cross", 1.0 + COMBO_MAX_GAP_S, "rear"),
        _strike("lead_hook", 2.3),
        _strike("jab", 5.0),
    ]
    chains = combinations(strikes)
    assert [[s.kind.number for s in c] for c in chains] == [[1, 2, 3]]


@pytest.fixture(scope="module")
def round_result():
    actions = [
        ("jab", 1.0),
        ("cross", 1.5),
        ("jab", 4.0),
        ("lead_hook", 6.0),
        ("duck", 8.0),
        ("jab", 10.0),
        ("cross", 10.5),
        ("rear_uppercut", 13.0),
    ]
    r = make_round(
        actions=actions,
        duration_s=15.0,
        fps=30,
        camera=Camera(yaw_deg=90.0),
        guard_drops=[False, True, False, False, False, False, False, False],
        seed=5,
    )
    track = PoseTrack(t_s=r.t_s, landmarks=r.landmarks, width=r.width, height=r.height)
    return track, detect_stamps(track, BodySpecs(height_cm=175))


def test_metrics_on_a_known_round(round_result):
    _, result = round_result
    m = compute_metrics(result.stamps, result.kinematics)
    assert m["strikes_total"] == 7
    assert (
        sum(m["counts"][k] for k in ("jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut")) == 7
    )
    assert m["counts"]["duck"] == 1
    assert m["counts"]["guard_drop"] == 1
    assert m["strikes_per_minute"] == pytest.approx(7 / 15 * 60, rel=0.02)
    assert m["lead_share"] + m["rear_share"] == pytest.approx(1.0)
    assert m["combinations"]["total"] == 2
    assert sum(b["strikes"] for b in m["work_rate"]) == 7
    assert 0.5 < m["guard_discipline"] <= 1.0
    assert 3.0 < m["mean_hand_speed_mps"] < 12.0
    assert m["active_time_s"] + m["idle_time_s"] == pytest.approx(m["duration_s"], abs=0.1)
    json.dumps(m)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_prompt_has_specs_metrics_timeline_and_schema(round_result, language):
    _, result = round_result
    m = compute_metrics(result.stamps, result.kinematics)
    specs = BodySpecs(height_cm=180, weight_kg=72, stance="southpaw")
    prompt = build_coaching_prompt(specs, m, result.stamps, language)
    assert '"stance": "southpaw"' in prompt.user
    assert "strikes_per_minute" in prompt.user
    assert sum(line[:1].isdigit() for line in prompt.user.splitlines()) == len(result.stamps)
    assert ("Korean" in prompt.system) == (language == "ko")
    assert prompt.schema is ANSWER_SCHEMA
    assert set(ANSWER_SCHEMA["required"]) == {"summary", "strengths", "improvements", "drills", "next_session_goal"}


@pytest.mark.parametrize("language", [Language.EN, Language.KO])
def test_offline_coach_fills_every_field_and_cites_real_times(round_result, language):
    _, result = round_result
    m = compute_metrics(result.stamps, result.kinematics)
    coaching = OfflineCoach().coach(
        CoachingRequest(specs=BodySpecs(height_cm=175), metrics=m, stamps=result.stamps, language=language)
    )
    assert coaching.source.value == "offline"
    assert coaching.summary
    assert coaching.next_session_goal
    assert coaching.strengths or coaching.improvements
    times = {round(s.t_peak_s, 2) for s in result.stamps}
    for point in (*coaching.strengths, *coaching.improvements):
        assert set(point.evidence_t_s) <= times
    if language is Language.KO:
        assert any("\uac00" <= ch <= "\ud7a3" for ch in coaching.summary)


def test_report_document(round_result):
    track, _ = round_result
    report = analyse_track(track, BodySpecs(height_cm=175), OfflineCoach(), video={"source": "x.mp4"})
    assert set(REPORT_KEYS) <= set(report)
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["coaching"]["source"] == "offline"
    assert report["video"]["source"] == "x.mp4"
    assert [Stamp.from_dict(s).to_dict() for s in report["stamps"]] == report["stamps"]
    json.dumps(report, ensure_ascii=False)


def test_rates_count_only_the_time_the_boxer_was_seen(round_result):
    _, result = round_result
    k = result.kinematics
    hidden = attrs.evolve(k, pose_ok=k.pose_ok & ~((k.t_s >= 7.5) & (k.t_s < 12.5)))  # a third out of view
    m = compute_metrics(result.stamps, hidden)
    assert m["seen_s"] == pytest.approx(10.0, abs=0.1)
    assert m["strikes_per_minute"] == pytest.approx(7 / 10 * 60, rel=0.02)
    # The last work-rate bin is 5 s long: its rate is per minute of its own length, not a drop in work.
    last = m["work_rate"][-1]
    assert last["seen_s"] == pytest.approx(2.5, abs=0.1)
    assert last["strikes_per_minute"] == pytest.approx(60 * last["strikes"] / last["seen_s"], rel=0.05)


def test_combinations_carry_their_speed_and_where_they_are(round_result):
    _, result = round_result
    patterns = compute_metrics(result.stamps, result.kinematics)["combinations"]["patterns"]
    assert sum(p["count"] for p in patterns) == 2
    for p in patterns:
        assert len(p["t_peak_s"]) == p["count"]
        assert 3.0 < p["mean_speed_mps"] < 12.0


def test_a_rest_splits_the_video_into_rounds_with_their_own_figures(round_result):
    _, result = round_result
    k = result.kinematics
    # Two 15 s rounds of punches with a 40 s rest: the same strikes again 55 s later, on a 70 s timeline.
    dt = k.dt_s
    n = round(70.0 / dt)
    t = k.t_s[0] + dt * np.arange(n)
    long_k = attrs.evolve(
        k,
        t_s=t,
        pos_m=np.resize(k.pos_m, (n, *k.pos_m.shape[1:])),
        vel_mps=np.resize(k.vel_mps, (n, *k.vel_mps.shape[1:])),
        px_per_m=np.resize(k.px_per_m, n),
        pose_ok=np.resize(k.pose_ok, n),
        visibility=None,
        world_m=None,
    )
    strikes = [s for s in result.stamps if s.category.value == "strike"]
    later = [
        attrs.evolve(s, t_start_s=s.t_start_s + 55, t_peak_s=s.t_peak_s + 55, t_end_s=s.t_end_s + 55) for s in strikes
    ]
    spans = round_spans([*strikes, *later], long_k)
    assert len(spans) == 2
    assert spans[0][1] < 55.0 < spans[1][0] + 5.0
    rounds = compute_metrics([*strikes, *later], long_k)["rounds"]
    assert [r["strikes"] for r in rounds] == [7, 7]
    assert [r["index"] for r in rounds] == [1, 2]
    (whole,) = round_spans(strikes, k)  # no rest: one round, the whole video
    assert whole == pytest.approx((k.t_s[0], k.t_s[-1] + dt))


def test_each_coaching_point_cites_its_own_evidence_spread_over_the_round():
    r = make_round(
        actions=[("jab", 2.0 + 4.5 * i) for i in range(9)], duration_s=42.0, fps=30, camera=Camera(yaw_deg=90.0), seed=2
    )
    track = PoseTrack(t_s=r.t_s, landmarks=r.landmarks, width=r.width, height=r.height)
    result = detect_stamps(track, BodySpecs(height_cm=175))
    metrics = compute_metrics(result.stamps, result.kinematics)
    coaching = OfflineCoach().coach(
        CoachingRequest(specs=BodySpecs(height_cm=175), metrics=metrics, stamps=result.stamps)
    )
    texts = [p.text for p in coaching.improvements]
    assert any("none came in a combination" in text for text in texts), texts
    assert not any("0%" in text for text in texts)
    evidence = [p.evidence_t_s for p in coaching.improvements if p.evidence_t_s]
    assert len(evidence) >= 2
    assert len(set(evidence)) == len(evidence), "no two points cite the same punches"
    spread = [e for e in evidence if len(e) == 5]
    assert spread
    assert all(max(e) > 30.0 for e in spread), "not only the first five punches"
