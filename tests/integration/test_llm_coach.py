"""The LLM coach against a real OpenAI-compatible HTTP server on loopback (tests/support/fake_openai.py)."""

from __future__ import annotations

import logging
import socket
import time
from datetime import UTC, datetime

import pytest

from punch_adapters.llm import LlmSettings, OpenAiCoach
from punch_adapters.llm.retry import retry_after_from_headers
from punch_adapters.memory.metrics import MemoryMetrics
from punch_core.body import BodySpecs
from punch_core.coaching import ANSWER_SCHEMA, CoachingSource, OfflineCoach
from punch_core.detection import detect_stamps
from punch_core.metrics import compute_metrics
from punch_core.ports.coach import CoachingRequest
from punch_core.testing.synthetic import Camera, make_round
from punch_core.track import PoseTrack
from tests.support.fake_openai import FakeOpenAI, Reply

API_KEY = "sk-test-SECRET-0123456789abcdef"
MODEL = "coach-model-1"


@pytest.fixture(scope="module")
def request_():
    actions = [("jab", 1.0), ("cross", 1.5), ("jab", 4.0), ("lead_hook", 6.0), ("duck", 8.0), ("jab", 10.0)]
    r = make_round(
        actions=actions,
        duration_s=12.0,
        fps=30,
        camera=Camera(yaw_deg=90.0),
        guard_drops=[False, True, False, False, False, False],
        seed=5,
    )
    track = PoseTrack(t_s=r.t_s, landmarks=r.landmarks, width=r.width, height=r.height)
    result = detect_stamps(track, BodySpecs(height_cm=175))
    metrics = compute_metrics(result.stamps, result.kinematics)
    return CoachingRequest(specs=BodySpecs(height_cm=175), metrics=metrics, stamps=result.stamps)


@pytest.fixture
def stamp_times(request_):
    return request_.prompt().stamp_times_s


@pytest.fixture
def server():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def metrics():
    return MemoryMetrics()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_coach(server, metrics, sleeps):
    def make(**overrides):
        settings = {
            "base_url": server.base_url,
            "api_key": API_KEY,
            "model": MODEL,
            "timeout_s": 2.0,
            "backoff_base_s": 1.0,
            "backoff_max_s": 5.0,
            **overrides,
        }
        return OpenAiCoach(
            LlmSettings(**settings), fallback=OfflineCoach(), metrics=metrics, sleep=sleeps.append, random=lambda: 0.0
        )

    return make


def good_answer(times, **changes):
    answer = {
        "summary": "Busy round with a sharp jab. Your guard dropped once after the cross.",
        "strengths": [{"text": "Sharp, quick jab.", "evidence_t_s": [times[0]]}],
        "improvements": [{"text": "Keep the rear hand at your chin when you throw.", "evidence_t_s": [times[1]]}],
        "drills": [{"name": "Mirror guard check", "description": "Shadowbox 3 x 2 min touching your chin."}],
        "next_session_goal": "Guard discipline of 85% or more.",
    }
    answer.update(changes)
    return answer


def test_a_good_answer_becomes_llm_coaching(make_coach, server, request_, metrics, sleeps):
    stamp_times = request_.prompt().stamp_times_s
    server.script(Reply.answer(good_answer(stamp_times)))
    coaching = make_coach().coach(request_)

    assert coaching.source is CoachingSource.LLM
    assert coaching.model == MODEL
    assert coaching.fallback_reason is None
    assert (metrics.value("llm_coachings_total"), metrics.value("llm_fallbacks_total")) == (1, 0)
    assert coaching.strengths[0].evidence_t_s == (stamp_times[0],)
    assert coaching.improvements[0].evidence_t_s == (stamp_times[1],)
    assert coaching.to_dict()["fallback_reason"] is None
    assert sleeps == []

    (sent,) = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.body["model"] == MODEL
    assert sent.body["temperature"] <= 0.3
    assert [m["role"] for m in sent.body["messages"]] == ["system", "user"]
    fmt = sent.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == ANSWER_SCHEMA
    assert metrics.value("llm_requests_total", outcome="ok") == 1
    assert len(metrics.observations("llm_request_duration_seconds")) == 1


def test_tokens_are_counted_for_every_answer_even_an_unusable_one(make_coach, server, request_, stamp_times, metrics):
    server.script(Reply.content_text('{"summary": "cut', finish_reason="stop"), Reply.answer(good_answer(stamp_times)))
    make_coach().coach(request_)
    assert metrics.value("llm_tokens_used", kind="prompt") == 240
    assert metrics.value("llm_tokens_used", kind="completion") == 160


def test_malformed_json_is_asked_for_once_more_without_waiting(make_coach, server, request_, stamp_times, sleeps):
    server.script(Reply.content_text("Sure! Here is your coaching: {not json"), Reply.answer(good_answer(stamp_times)))
    coaching = make_coach().coach(request_)
    assert coaching.source is CoachingSource.LLM
    assert len(server.requests) == 2
    assert sleeps == []


def test_two_unusable_answers_fall_back_without_a_third_call(make_coach, server, request_, metrics):
    server.script(
        Reply.content_text("{}", finish_reason="length"),
        Reply.answer({"summary": "no points", "strengths": [], "improvements": [], "drills": []}),
    )
    coaching = make_coach().coach(request_)
    assert coaching.source is CoachingSource.OFFLINE
    assert len(server.requests) == 2
    assert server.pending == 0
    assert coaching.fallback_reason is not None
    assert "unusable answer" in coaching.fallback_reason
    assert metrics.value("llm_requests_total", outcome="invalid_answer") == 2


def test_429_and_500_are_retried_with_backoff_then_the_answer_is_used(
    make_coach, server, request_, stamp_times, sleeps
):
    server.script(
        Reply.status(429, retry_after_s=3),
        Reply.status(500),
        Reply.answer(good_answer(stamp_times)),
    )
    coaching = make_coach().coach(request_)
    assert coaching.source is CoachingSource.LLM
    assert len(server.requests) == 3
    # After the 429 the server's Retry-After (3 s) beats the first backoff (1 s); after the 500, 2 s.
    assert sleeps == [3.0, 2.0]


def test_retry_after_is_capped_and_jitter_is_small(server, request_, stamp_times, metrics):
    sleeps: list[float] = []
    server.script(Reply.status(503, retry_after_s=3600), Reply.status(502), Reply.answer(good_answer(stamp_times)))
    settings = LlmSettings(
        base_url=server.base_url, api_key=API_KEY, model=MODEL, backoff_base_s=1.0, backoff_max_s=5.0
    )
    coach = OpenAiCoach(settings, fallback=OfflineCoach(), metrics=metrics, sleep=sleeps.append, random=lambda: 1.0)
    assert coach.coach(request_).source is CoachingSource.LLM
    assert sleeps == [5.0, pytest.approx(2.2)]


def test_429_three_times_falls_back_to_offline_coaching(make_coach, server, request_, metrics, sleeps):
    server.script(*[Reply.status(429, retry_after_s=1)] * 3)
    coaching = make_coach().coach(request_)

    assert coaching.source is CoachingSource.OFFLINE
    assert coaching.model == OfflineCoach.name
    assert coaching.fallback_reason == "the LLM service answered 429 three times"
    assert coaching.to_dict()["fallback_reason"] == coaching.fallback_reason
    assert coaching.summary
    assert len(server.requests) == 3
    assert server.unexpected == 0
    assert sleeps == [1.0, 2.0]  # between attempts only
    assert metrics.value("llm_requests_total", outcome="rate_limited") == 3
    assert metrics.value("llm_fallbacks_total") == 1
    # One coaching asked for, one fallback: the retry-exhaustion alert's ratio (ops/prometheus/alerts.yml).
    assert metrics.value("llm_coachings_total") == 1


def test_a_slow_server_times_out_and_the_report_still_gets_coaching(make_coach, server, request_, sleeps):
    server.script(*[Reply.slow(3.0)] * 3)
    started = time.monotonic()
    coaching = make_coach(timeout_s=0.3).coach(request_)
    elapsed = time.monotonic() - started

    assert coaching.source is CoachingSource.OFFLINE
    assert coaching.fallback_reason == "the LLM service timed out after 0.3 s three times"
    assert len(server.requests) == 3
    assert len(sleeps) == 2
    assert elapsed < 3 * 0.3 + 1.5


def test_a_rejected_key_is_not_retried_and_never_logged(make_coach, server, request_, caplog, sleeps):
    caplog.set_level(logging.DEBUG)
    # Real services echo (part of) a rejected key in the error message.
    server.script(Reply.status(401, message=f"Incorrect API key provided: {API_KEY}"))
    coaching = make_coach().coach(request_)

    assert coaching.source is CoachingSource.OFFLINE
    assert coaching.fallback_reason == "the LLM service answered 401 (check the API key)"
    assert len(server.requests) == 1
    assert sleeps == []
    _assert_key_not_logged(caplog)


def test_an_unreachable_server_falls_back(request_, metrics, sleeps):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = LlmSettings(base_url=f"http://127.0.0.1:{port}/v1", api_key=API_KEY, model=MODEL, timeout_s=1.0)
    coach = OpenAiCoach(settings, fallback=OfflineCoach(), metrics=metrics, sleep=sleeps.append, random=lambda: 0.0)
    coaching = coach.coach(request_)
    assert coaching.source is CoachingSource.OFFLINE
    assert coaching.fallback_reason == "the LLM service could not be reached three times"
    assert metrics.value("llm_requests_total", outcome="connection_error") == 3


def test_invented_evidence_times_are_removed(make_coach, server, request_, stamp_times):
    t0, t1 = stamp_times[0], stamp_times[1]
    answer = good_answer(
        stamp_times,
        strengths=[
            {"text": "Real and invented times.", "evidence_t_s": [t0 + 0.03, 99.99, -1, t1]},
            {"text": "Only invented times.", "evidence_t_s": [500.0, 501.5]},
        ],
    )
    server.script(Reply.answer(answer))
    coaching = make_coach().coach(request_)

    assert coaching.source is CoachingSource.LLM
    assert [p.text for p in coaching.strengths] == ["Real and invented times."]
    assert coaching.strengths[0].evidence_t_s == (t0, t1)


def test_markup_is_stripped(make_coach, server, request_, stamp_times):
    answer = good_answer(
        stamp_times,
        summary="## Round review\n**Great** work! <script>alert('x')</script><b>Keep</b> it _up_.",
        drills=[{"name": "`Slip line`", "description": "- Slip under a rope\n- 3 x 2 min"}],
    )
    server.script(Reply.answer(answer))
    coaching = make_coach().coach(request_)

    assert coaching.summary == "Round review Great work! Keep it up."
    assert coaching.drills[0].name == "Slip line"
    assert coaching.drills[0].description == "Slip under a rope 3 x 2 min"


def test_log_events_carry_structured_fields_and_no_secrets(make_coach, server, request_, stamp_times, caplog):
    caplog.set_level(logging.DEBUG)
    server.script(Reply.status(500), Reply.answer(good_answer(stamp_times)))
    make_coach().coach(request_)

    events = [(r.getMessage(), r) for r in caplog.records if r.name == "punch.llm"]
    assert [name for name, _ in events] == ["llm.request", "llm.error", "llm.request", "llm.response"]
    error = events[1][1]
    assert (error.status, error.reason, error.will_retry, error.delay_s) == (500, "server_error", True, 1.0)
    response = events[3][1]
    assert (response.prompt_tokens, response.completion_tokens) == (120, 80)
    assert response.latency_ms >= 0
    assert all(r.event == name and r.model == MODEL for name, r in events)
    prompt = request_.prompt()
    for _, record in events:
        text = str(record.__dict__)
        assert prompt.user not in text
        assert prompt.system not in text
    _assert_key_not_logged(caplog)


def _assert_key_not_logged(caplog):
    assert caplog.records
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in str(record.__dict__)
    assert API_KEY not in caplog.text


def test_retry_after_forms_and_settings_never_show_the_key():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_from_headers({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_from_headers({"retry-after": "2"}) == 2.0
    assert retry_after_from_headers({"retry-after": "Wed, 01 Jan 2025 12:00:07 GMT"}, now=lambda: now) == 7.0
    assert retry_after_from_headers({"retry-after": "soon"}) is None
    assert retry_after_from_headers({"retry-after": "-3"}) is None
    assert retry_after_from_headers({}) is None

    settings = LlmSettings(base_url="http://127.0.0.1:1/v1", api_key=API_KEY, model=MODEL)
    assert API_KEY not in repr(settings)
    with pytest.raises(ValueError, match="base_url"):
        LlmSettings(base_url="localhost:8000", api_key="", model=MODEL)
