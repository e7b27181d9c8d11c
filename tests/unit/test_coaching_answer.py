import math
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from punch_core.coaching import ANSWER_SCHEMA, CoachingPrompt, CoachingSource, Language
from punch_core.coaching.answer import (
    DRILL_DESCRIPTION_MAX_CHARS,
    DRILL_NAME_MAX_CHARS,
    DRILLS_MAX_ITEMS,
    EVIDENCE_MAX_ITEMS,
    GOAL_MAX_CHARS,
    POINT_MAX_CHARS,
    POINTS_MAX_ITEMS,
    SUMMARY_MAX_CHARS,
    coaching_from_answer,
    decode_answer,
    sanitise_text,
)
from punch_core.errors import CoachingAnswerError, PunchError

STAMP_TIMES = (1.13, 1.63, 4.1, 6.12, 8.22, 10.13)


def _prompt(times=STAMP_TIMES, language=Language.EN):
    return CoachingPrompt(
        system="system", user="user", schema=ANSWER_SCHEMA, language=language, stamp_times_s=tuple(times)
    )


def _answer(**changes):
    answer = {
        "summary": "A busy round with a sharp jab.",
        "strengths": [{"text": "Sharp jab.", "evidence_t_s": [1.13, 4.1]}],
        "improvements": [{"text": "Guard dropped after the cross.", "evidence_t_s": [1.63]}],
        "drills": [{"name": "Mirror guard check", "description": "Touch your chin after every punch."}],
        "next_session_goal": "Guard discipline of 85% or more.",
    }
    answer.update(changes)
    return answer


def test_a_good_answer_becomes_llm_coaching():
    coaching = coaching_from_answer(_answer(), _prompt(language=Language.KO), model="m-1")
    assert coaching.source is CoachingSource.LLM
    assert coaching.language is Language.KO
    assert coaching.model == "m-1"
    assert coaching.fallback_reason is None
    assert coaching.strengths[0].evidence_t_s == (1.13, 4.1)
    assert coaching.drills[0].name == "Mirror guard check"
    assert coaching.to_dict()["fallback_reason"] is None


def test_evidence_snaps_to_the_stamp_within_tolerance_and_drops_the_rest():
    answer = _answer(
        strengths=[
            {"text": "Near and far.", "evidence_t_s": [1.10, 1.18, 4.16, 99.0, True, "4.1", None, math.nan, 6.12]},
            {"text": "Only invented.", "evidence_t_s": [50.0, 60.0]},
            {"text": "No evidence at all.", "evidence_t_s": []},
        ]
    )
    coaching = coaching_from_answer(answer, _prompt(), model="m")
    # 1.10 and 1.18 both snap to 1.13 (kept once); 4.16 is 0.06 from 4.1: too far.
    assert [p.text for p in coaching.strengths] == ["Near and far."]
    assert coaching.strengths[0].evidence_t_s == (1.13, 6.12)


def test_evidence_is_capped_at_the_schema_limit():
    times = [0.5 * i for i in range(20)]
    answer = _answer(strengths=[{"text": "Lots.", "evidence_t_s": times}])
    coaching = coaching_from_answer(answer, _prompt(times), model="m")
    assert len(coaching.strengths[0].evidence_t_s) == EVIDENCE_MAX_ITEMS


def test_unknown_keys_are_dropped_and_long_lists_keep_their_first_items():
    points = [{"text": f"Point {i}.", "evidence_t_s": [1.13], "confidence": 0.9} for i in range(8)]
    answer = _answer(strengths=points, notes="extra", drills=[{"name": "d", "description": "x", "url": "u"}] * 7)
    coaching = coaching_from_answer(answer, _prompt(), model="m")
    assert [p.text for p in coaching.strengths] == [f"Point {i}." for i in range(POINTS_MAX_ITEMS)]
    assert len(coaching.drills) == DRILLS_MAX_ITEMS


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ([], "must be a JSON object"),
        (None, "must be a JSON object"),
        ({k: v for k, v in _answer().items() if k != "summary"}, "has no 'summary'"),
        (_answer(summary=3), "'summary' in the answer must be a string, got a number"),
        (_answer(strengths={"text": "x"}), "'strengths' in the answer must be an array, got an object"),
        (_answer(drills=["Jab round"]), "drills[0] must be a JSON object, got a string"),
        (_answer(improvements=[{"text": "x"}]), "improvements[0] has no 'evidence_t_s'"),
        (_answer(improvements=[{"text": "x", "evidence_t_s": 1.13}]), "must be an array, got a number"),
        (_answer(summary="<p>**</p>"), "the summary was empty"),
        (
            _answer(
                strengths=[{"text": "x", "evidence_t_s": [77.0]}],
                improvements=[{"text": "y", "evidence_t_s": [88.0]}],
                drills=[],
            ),
            "no strength, improvement or drill was left",
        ),
    ],
)
def test_unusable_answers_are_rejected_with_a_reason(answer, reason):
    with pytest.raises(CoachingAnswerError) as info:
        coaching_from_answer(answer, _prompt(), model="m")
    assert reason in info.value.reason
    assert isinstance(info.value, PunchError)


def test_an_empty_goal_is_allowed():
    coaching = coaching_from_answer(_answer(next_session_goal="<br>"), _prompt(), model="m")
    assert coaching.next_session_goal == ""


def test_drills_without_a_name_or_description_are_dropped():
    drills = [
        {"name": "**", "description": "x"},
        {"name": "Jab round", "description": " "},
        {"name": "Ok", "description": "Do it."},
    ]
    coaching = coaching_from_answer(_answer(drills=drills), _prompt(), model="m")
    assert [d.name for d in coaching.drills] == ["Ok"]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("**Keep** your _guard_ up <b>now</b>", "Keep your guard up now"),
        ("<script>alert(1)</script>Hi &lt;b&gt;there&lt;/b&gt;", "Hi there"),
        ("<style>p{}</style><!-- hidden -->Visible", "Visible"),
        ("# Round review\n- one\n- two\n1. three\n---\n> quoted", "Round review one two three quoted"),
        ("guard <70% and >80%", "guard 70% and 80%"),
        ("[the drill](http://x.test) `code` ~~gone~~ ![img](a.png)", "the drill code gone img"),
        ("snake_case and 1-2-3 stay", "snake_case and 1-2-3 stay"),
        ("bell\x07 and\u202e bidi\u200b and\r\n\tspaces", "bell and bidi and spaces"),
        ("한국어 **강조**", "한국어 강조"),
    ],
)
def test_sanitise_text(raw, clean):
    assert sanitise_text(raw, 400) == clean


def test_long_text_is_cut_at_a_word_boundary():
    text = "Keep your hands up between punches. " * 30
    cut = sanitise_text(text, POINT_MAX_CHARS)
    assert len(cut) <= POINT_MAX_CHARS
    assert cut.endswith("…")
    assert text.startswith(cut[:-1])
    assert cut[:-1].split(" ")[-1] in text.split(" ")


def test_decode_answer():
    assert decode_answer('```json\n{"a": 1}\n```') == {"a": 1}
    assert decode_answer(' {"a": 1} ') == {"a": 1}
    for bad in (None, "", "  ", "{not json", "Sure! {}"):
        with pytest.raises(CoachingAnswerError):
            decode_answer(bad)


# --- properties ---------------------------------------------------------------------------------------------

_MARKUP = st.sampled_from(
    [
        "<b>",
        "</b>",
        "<script>x</script>",
        "<",
        ">",
        "&lt;i&gt;",
        "**",
        "*",
        "_",
        "__",
        "`",
        "~~",
        "# ",
        "\n- ",
        "\n1. ",
        "[a](b)",
        "\x00",
        "\u202e",
        " ",
        "\n",
        "jab",
        "한",
    ]
)
_TEXT = st.lists(st.one_of(_MARKUP, st.text(max_size=12)), max_size=60).map("".join)
_EMPHASIS = re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
_TIMES = st.lists(st.floats(min_value=0, max_value=30, allow_nan=False).map(lambda t: round(t, 2)), max_size=12)


def _assert_plain(text, max_chars):
    assert len(text) <= max_chars
    assert text == text.strip()
    assert "  " not in text
    for mark in ("<", ">", "*", "`", "__", "~~"):
        assert mark not in text
    assert not _EMPHASIS.search(text)
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs", "Cn"} for ch in text)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, max_chars=st.integers(min_value=1, max_value=400))
def test_sanitised_text_is_always_plain_and_within_the_limit(text, max_chars):
    _assert_plain(sanitise_text(text, max_chars), max_chars)


@st.composite
def _answers(draw, stamp_times):
    def evidence():
        real = st.sampled_from(stamp_times) if stamp_times else st.nothing()
        near = real.flatmap(lambda t: st.floats(min_value=t - 0.05, max_value=t + 0.05))
        junk = st.one_of(st.floats(allow_nan=True), st.text(max_size=3), st.booleans(), st.none())
        return st.lists(st.one_of(real, near, junk), max_size=12)

    point = st.fixed_dictionaries({"text": _TEXT, "evidence_t_s": evidence()})
    drill = st.fixed_dictionaries({"name": _TEXT, "description": _TEXT})
    return draw(
        st.fixed_dictionaries(
            {
                "summary": _TEXT,
                "strengths": st.lists(point, max_size=7),
                "improvements": st.lists(point, max_size=7),
                "drills": st.lists(drill, max_size=7),
                "next_session_goal": _TEXT,
            }
        )
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), stamp_times=_TIMES)
def test_checked_coaching_is_within_limits_plain_and_cites_only_real_stamps(data, stamp_times):
    answer = data.draw(_answers(stamp_times))
    try:
        coaching = coaching_from_answer(answer, _prompt(stamp_times), model="m")
    except CoachingAnswerError:
        return  # rejecting is always allowed; what is accepted must be clean
    real = set(stamp_times)
    _assert_plain(coaching.summary, SUMMARY_MAX_CHARS)
    assert coaching.summary
    _assert_plain(coaching.next_session_goal, GOAL_MAX_CHARS)
    assert len(coaching.strengths) <= POINTS_MAX_ITEMS
    assert len(coaching.improvements) <= POINTS_MAX_ITEMS
    assert len(coaching.drills) <= DRILLS_MAX_ITEMS
    assert coaching.strengths or coaching.improvements or coaching.drills
    for point in (*coaching.strengths, *coaching.improvements):
        assert point.text
        _assert_plain(point.text, POINT_MAX_CHARS)
        assert 1 <= len(point.evidence_t_s) <= EVIDENCE_MAX_ITEMS
        assert set(point.evidence_t_s) <= real
    for drill in coaching.drills:
        _assert_plain(drill.name, DRILL_NAME_MAX_CHARS)
        _assert_plain(drill.description, DRILL_DESCRIPTION_MAX_CHARS)
        assert drill.name
        assert drill.description
