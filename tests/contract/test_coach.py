"""The Coach port's contract, run against both coaches: the offline rules and an OpenAI-compatible LLM.

What every coach promises (punch_core/coaching/port.py): coaching in the request's language, evidence only at the
times of the request's stamps, at most five strengths and five improvements, a summary and a goal; and it answers
rather than raises, an empty round included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from punch_adapters.llm import LlmSettings, OpenAiCoach
from punch_adapters.memory.metrics import MemoryMetrics
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.coaching.model import Language
from punch_core.detection import detect_stamps
from punch_core.metrics import compute_metrics
from punch_core.ports.coach import Coach, CoachingRequest
from punch_core.testing import Camera, make_round, track_of
from tests.support.fake_openai import FakeOpenAI, Reply

CoachFor = Callable[[CoachingRequest], AbstractContextManager[Coach]]
"""Given the request it will answer, a coach (an LLM coach's server is scripted to answer that request)."""


def _request(language: str, *, empty: bool = False) -> CoachingRequest:
    actions = [] if empty else [("jab", 1.0), ("cross", 1.6), ("jab", 4.0), ("rear_hook", 6.0), ("jab", 8.0)]
    r = make_round(actions=actions, duration_s=10.0, fps=30, camera=Camera(yaw_deg=90.0), seed=11)
    found = detect_stamps(track_of(r), BodySpecs(height_cm=175))
    metrics = compute_metrics(found.stamps, found.kinematics)
    return CoachingRequest(specs=BodySpecs(height_cm=175), metrics=metrics, stamps=found.stamps, language=language)


@contextmanager
def offline(_request: CoachingRequest) -> Iterator[Coach]:
    yield OfflineCoach()


@contextmanager
def llm(request: CoachingRequest) -> Iterator[Coach]:
    times = request.prompt().stamp_times_s
    evidence = [times[0]] if times else []
    with FakeOpenAI() as server:
        server.script(
            Reply.answer(
                {
                    "summary": "A busy round with a quick jab.",
                    "strengths": [{"text": "Quick jab.", "evidence_t_s": evidence}],
                    "improvements": [{"text": "Bring the rear hand back to the chin.", "evidence_t_s": evidence}],
                    "drills": [{"name": "Mirror guard", "description": "3 x 2 min, touch your chin after each."}],
                    "next_session_goal": "Guard up 85% of the time.",
                }
            )
        )
        settings = LlmSettings(base_url=server.base_url, api_key="sk-test", model="m", timeout_s=2.0)
        yield OpenAiCoach(settings, fallback=OfflineCoach(), metrics=MemoryMetrics(), sleep=lambda _s: None)


COACHES = [pytest.param(offline, id="offline"), pytest.param(llm, id="openai-compatible")]


@pytest.mark.parametrize("coach_for", COACHES)
@pytest.mark.parametrize("language", ["en", "ko"])
def test_coaching_is_in_the_requests_language_with_evidence_only_from_its_stamps(
    coach_for: CoachFor, language: str
) -> None:
    request = _request(language)
    with coach_for(request) as coach:
        coaching = coach.coach(request)
    assert coaching.language is Language(language)
    assert coaching.fallback_reason is None
    assert coaching.summary.strip()
    assert coaching.next_session_goal.strip()
    assert len(coaching.strengths) <= 5
    assert len(coaching.improvements) <= 5
    times = set(request.prompt().stamp_times_s)
    assert times, "the round has stamps to cite"
    for point in (*coaching.strengths, *coaching.improvements):
        assert set(point.evidence_t_s) <= times


@pytest.mark.parametrize("coach_for", COACHES)
def test_an_empty_round_gets_coaching_not_an_error(coach_for: CoachFor) -> None:
    request = _request("en", empty=True)
    with coach_for(request) as coach:
        coaching = coach.coach(request)
    assert coaching.summary.strip()
    assert all(not p.evidence_t_s for p in (*coaching.strengths, *coaching.improvements))
