"""The accuracy scorer (bench/scoring.py) and the label format (bench/labels.py) on hand-made events."""

from __future__ import annotations

import pytest
from bench.labels import LabelError, agreement, merge_passes, parse_document
from bench.scoring import Event, Tally, confidence_cut, leave_one_source_out, match_events, score_clip


def strike(kind: str, t: float, hand: str | None = None, confidence: float = 0.9, speed: float = 5.0) -> Event:
    hand = hand or ("lead" if kind in ("jab", "lead_hook", "lead_uppercut") else "rear")
    return Event(kind=kind, hand=hand, t_peak_s=t, confidence=confidence, peak_speed_mps=speed)


def test_an_exact_detection_is_found_typed_and_handed() -> None:
    tally = score_clip([strike("jab", 1.0)], [strike("jab", 1.05)])
    assert (tally.strikes_labelled, tally.strikes_detected, tally.strikes_matched) == (1, 1, 1)
    assert tally.strike_recall == tally.strike_precision == tally.type_accuracy == tally.hand_accuracy == 1.0
    assert tally.speeds == {"jab": [5.0]}


def test_a_miss_counts_against_recall_only() -> None:
    tally = score_clip([strike("jab", 1.0), strike("cross", 2.0)], [strike("jab", 1.0)])
    assert tally.strike_recall == 0.5
    assert tally.strike_precision == 1.0
    assert [e.kind for e in tally.missed] == ["cross"]


def test_a_detection_just_outside_the_tolerance_is_a_miss_and_a_false_strike() -> None:
    tally = score_clip([strike("jab", 1.0)], [strike("jab", 1.21)])
    assert (tally.strikes_matched, len(tally.missed), len(tally.false)) == (0, 1, 1)
    assert score_clip([strike("jab", 1.0)], [strike("jab", 1.2)]).strikes_matched == 1


def test_a_double_detection_matches_once_and_the_second_is_false() -> None:
    tally = score_clip([strike("jab", 1.0)], [strike("jab", 0.98), strike("cross", 1.1)])
    assert tally.strikes_matched == 1
    assert tally.strike_precision == 0.5
    assert tally.type_accuracy == 1.0  # the nearer one is the pair, whatever its kind
    assert [e.kind for e in tally.false] == ["cross"]


def test_matching_is_optimal_not_greedy() -> None:
    # Greedy by label order would give the 1.15 detection to the 1.0 label and leave the 1.3 label unmatched.
    labels = [strike("jab", 1.0), strike("cross", 1.3)]
    found = [strike("jab", 0.85), strike("cross", 1.15)]
    assert match_events(labels, found) == [(0, 0), (1, 1)]
    assert score_clip(labels, found).strikes_matched == 2


def test_a_wrong_type_is_found_but_not_typed_and_lands_in_the_confusion_matrix() -> None:
    tally = score_clip([strike("lead_hook", 1.0)], [strike("jab", 1.0)])
    assert tally.strike_recall == 1.0
    assert tally.type_accuracy == 0.0
    assert tally.hand_accuracy == 1.0
    assert tally.confusion == {("lead_hook", "jab"): 1}


def test_a_wrong_hand_counts_against_hand_accuracy() -> None:
    tally = score_clip([strike("jab", 1.0)], [strike("cross", 1.0)])
    assert (tally.type_accuracy, tally.hand_accuracy) == (0.0, 0.0)


def test_detections_in_an_unsure_span_are_left_out() -> None:
    unsure = Event(kind="unsure", t_start_s=2.0, t_peak_s=2.5, t_end_s=3.0)
    tally = score_clip([strike("jab", 1.0), unsure], [strike("jab", 1.0), strike("cross", 2.4), strike("jab", 3.5)])
    assert tally.strikes_detected == 2
    assert [e.t_peak_s for e in tally.false] == [3.5]


def test_a_strike_on_a_labelled_block_is_counted() -> None:
    block = Event(kind="block", hand="lead", t_peak_s=1.0)
    tally = score_clip([block], [strike("jab", 1.1)])
    assert (tally.strikes_on_blocks, tally.strike_precision) == (1, 0.0)


def test_defence_is_scored_per_kind() -> None:
    labels = [Event(kind="slip", side="left", t_peak_s=1.0), Event(kind="duck", t_peak_s=2.0)]
    found = [Event(kind="slip", side="left", t_peak_s=1.1), Event(kind="slip", side="right", t_peak_s=2.0)]
    tally = score_clip(labels, found)
    assert tally.defense_recall("slip") == 1.0
    assert tally.defense_precision("slip") == 0.5  # the second slip is the labelled duck
    assert tally.defense_recall("duck") == 0.0
    assert tally.defense_precision("pull_back") is None


def test_a_guard_drop_matches_inside_its_span() -> None:
    drop = Event(kind="guard_drop", hand="rear", t_start_s=1.0, t_peak_s=1.2, t_end_s=2.5)
    assert score_clip([drop], [Event(kind="guard_drop", hand="rear", t_peak_s=2.3)]).drop_recall == 1.0
    assert score_clip([drop], [Event(kind="guard_drop", hand="rear", t_peak_s=2.8)]).drop_recall == 0.0


def test_families_a_source_does_not_label_are_neither_right_nor_wrong() -> None:
    found = [strike("jab", 1.0), Event(kind="slip", side="left", t_peak_s=2.0)]
    tally = score_clip([strike("jab", 1.0)], found, families=("strike",))
    assert sum(tally.defense_detected.values()) == 0
    assert score_clip([strike("jab", 1.0)], found).defense_precision("slip") == 0.0


def test_tallies_add_up() -> None:
    total = Tally()
    total.add(score_clip([strike("jab", 1.0)], [strike("jab", 1.0)]))
    total.add(score_clip([strike("cross", 1.0)], [strike("jab", 1.0, speed=3.0)]))
    assert (total.strikes_labelled, total.strikes_matched, total.strikes_typed) == (2, 2, 1)
    assert total.speeds == {"jab": [5.0], "cross": [3.0]}
    assert total.strike_f1 == 1.0


def test_the_confidence_cut_drops_the_weak_false_strikes() -> None:
    clip = ([strike("jab", 1.0)], [strike("jab", 1.0, confidence=0.9), strike("cross", 3.0, confidence=0.3)])
    cut, score = confidence_cut([clip])
    assert 0.3 < cut <= 0.9
    assert score == 1.0


def test_leave_one_source_out_never_fits_on_the_source_it_scores() -> None:
    by_source = {
        "a": [([strike("jab", 1.0)], [strike("jab", 1.0)])],
        "b": [([strike("jab", 1.0)], [strike("jab", 1.0)])],
    }
    seen: list[list[object]] = []

    def fit(rows: list[object]) -> float:
        seen.append(rows)
        return 0.0

    result = leave_one_source_out(by_source, fit, lambda found, _cut: list(found))  # type: ignore[arg-type]
    assert set(result) == {"a", "b"}
    assert all(cut == 0.0 and tally.strikes_matched == 1 for cut, tally in result.values())
    assert all(len(rows) == 1 for rows in seen)
    assert seen[0][0] is by_source["b"][0]
    assert seen[1][0] is by_source["a"][0]


def doc(*events: dict[str, object], **extra: object) -> dict[str, object]:
    base = {"format": "punch-labels", "version": 1, "status": "labelled", "stance": "orthodox", "events": list(events)}
    return base | extra


def test_a_label_file_is_read_in_time_order() -> None:
    labels = parse_document(
        doc(
            {"kind": "cross", "hand": "rear", "t_start_s": 2.0, "t_peak_s": 2.2, "t_end_s": 2.5},
            {"kind": "slip", "hand": "none", "side": "left", "t_start_s": 0.5, "t_peak_s": 0.7, "t_end_s": 0.9},
        ),
        "x.json",
    )
    assert [e.kind for e in labels.events] == ["slip", "cross"]
    assert labels.families == ("strike", "defense", "block", "guard_drop")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"kind": "haymaker", "hand": "rear", "t_start_s": 0, "t_peak_s": 1, "t_end_s": 2}, "kind 'haymaker'"),
        ({"kind": "jab", "hand": "none", "t_start_s": 0, "t_peak_s": 1, "t_end_s": 2}, "needs hand lead or rear"),
        ({"kind": "duck", "hand": "lead", "t_start_s": 0, "t_peak_s": 1, "t_end_s": 2}, "has hand none"),
        ({"kind": "slip", "hand": "none", "t_start_s": 0, "t_peak_s": 1, "t_end_s": 2}, "side"),
        ({"kind": "jab", "hand": "lead", "t_start_s": 1.5, "t_peak_s": 1, "t_end_s": 2}, "t_start_s <= t_peak_s"),
        ({"kind": "jab", "hand": "lead", "t_peak_s": 1}, "must be numbers"),
    ],
)
def test_a_broken_event_is_refused_with_what_is_expected(event: dict[str, object], message: str) -> None:
    with pytest.raises(LabelError, match=message):
        parse_document(doc(event), "x.json")


def test_a_file_of_another_version_or_an_event_outside_its_families_is_refused() -> None:
    with pytest.raises(LabelError, match="version 1"):
        parse_document(doc() | {"version": 2}, "x.json")
    slip = {"kind": "slip", "hand": "none", "side": "left", "t_start_s": 0, "t_peak_s": 1, "t_end_s": 2}
    with pytest.raises(LabelError, match="families"):
        parse_document(doc(slip, families=["strike"]), "x.json")


def test_two_passes_agree_on_events_of_the_same_kind_and_hand_within_the_tolerance() -> None:
    a = [strike("jab", 1.0), strike("cross", 2.0), Event(kind="unsure", t_start_s=3, t_peak_s=3.5, t_end_s=4)]
    b = [strike("jab", 1.1), strike("rear_hook", 2.05), strike("jab", 5.0)]
    result = agreement(a, b)
    assert (result.a_events, result.b_events, result.agreed, result.same_time_other_kind) == (2, 3, 1, 1)
    assert result.share == pytest.approx(2 * 1 / 5)


def test_merging_two_passes_keeps_what_they_agree_on_and_lists_the_rest() -> None:
    jab = {"kind": "jab", "hand": "lead", "t_start_s": 0.9, "t_peak_s": 1.0, "t_end_s": 1.3}
    unsure = {"kind": "unsure", "hand": "none", "t_start_s": 4.0, "t_peak_s": 4.5, "t_end_s": 5.0}
    a = doc(jab, {"kind": "cross", "hand": "rear", "t_start_s": 1.8, "t_peak_s": 2.0, "t_end_s": 2.2})
    b = doc(
        jab | {"t_peak_s": 1.1},
        {"kind": "rear_hook", "hand": "rear", "t_start_s": 1.9, "t_peak_s": 2.1, "t_end_s": 2.3},
        unsure,
        {"kind": "duck", "hand": "none", "t_start_s": 3, "t_peak_s": 3.2, "t_end_s": 3.5},
    )
    merged = merge_passes(a, b, "x")
    assert [(e["kind"], e["t_peak_s"]) for e in merged["events"]] == [("jab", 1.05), ("unsure", 4.5)]
    assert merged["disputes"] == [
        {
            "a": {"kind": "cross", "hand": "rear", "t_start_s": 1.8, "t_peak_s": 2.0, "t_end_s": 2.2},
            "b": {"kind": "rear_hook", "hand": "rear", "t_start_s": 1.9, "t_peak_s": 2.1, "t_end_s": 2.3},
        },
        {"b": {"kind": "duck", "hand": "none", "t_start_s": 3.0, "t_peak_s": 3.2, "t_end_s": 3.5}},
    ]
    assert merged["passes"] == {"a": 2, "b": 3, "agreed": 1, "disputed": 2}
    with pytest.raises(LabelError, match="2 disputes"):
        parse_document(merged, "x.json")


def test_an_event_inside_an_unsure_span_is_refused() -> None:
    unsure = {"kind": "unsure", "hand": "none", "t_start_s": 0.5, "t_peak_s": 1.0, "t_end_s": 1.5}
    jab = {"kind": "jab", "hand": "lead", "t_start_s": 0.9, "t_peak_s": 1.0, "t_end_s": 1.3}
    with pytest.raises(LabelError, match="inside an unsure span"):
        parse_document(doc(unsure, jab), "x.json")
