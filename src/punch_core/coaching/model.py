"""The coaching answer: the same structure whether an LLM or the offline coach wrote it."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import attrs


def _floats(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _points(values: Iterable[CoachingPoint]) -> tuple[CoachingPoint, ...]:
    return tuple(values)


def _drills(values: Iterable[Drill]) -> tuple[Drill, ...]:
    return tuple(values)


class Language(StrEnum):
    """Languages the coaching is written in."""

    EN = "en"
    KO = "ko"


class CoachingSource(StrEnum):
    """Who wrote the coaching."""

    OFFLINE = "offline"
    LLM = "llm"


@attrs.frozen(kw_only=True)
class CoachingPoint:
    """A strength or an improvement, with the stamp times (seconds) that show it."""

    text: str
    evidence_t_s: tuple[float, ...] = attrs.field(default=(), converter=_floats)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"text": self.text, "evidence_t_s": [round(t, 2) for t in self.evidence_t_s]}


@attrs.frozen(kw_only=True)
class Drill:
    """A drill to practise."""

    name: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "description": self.description}


@attrs.frozen(kw_only=True)
class Coaching:
    """The coach's written advice.

    Attributes:
        source: ``offline`` (rules) or ``llm``.
        language: ``en`` or ``ko``.
        summary: Two or three sentences on the round.
        strengths: What went well, each with evidence times.
        improvements: What to fix, each with evidence times.
        drills: What to practise.
        next_session_goal: One measurable goal.
        model: The LLM's model name, None for the offline coach.
        fallback_reason: Why the LLM was not used, in words (``the LLM service answered 429 3 times``), when an
            LLM coach fell back to the offline coach; None otherwise. A report with a reason here can have its
            coaching re-run later.
    """

    source: CoachingSource = attrs.field(converter=CoachingSource)
    language: Language = attrs.field(converter=Language)
    summary: str
    strengths: tuple[CoachingPoint, ...] = attrs.field(converter=_points)
    improvements: tuple[CoachingPoint, ...] = attrs.field(converter=_points)
    drills: tuple[Drill, ...] = attrs.field(converter=_drills)
    next_session_goal: str
    model: str | None = None
    fallback_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report's ``coaching`` object."""
        return {
            "source": self.source.value,
            "language": self.language.value,
            "model": self.model,
            "summary": self.summary,
            "strengths": [p.to_dict() for p in self.strengths],
            "improvements": [p.to_dict() for p in self.improvements],
            "drills": [d.to_dict() for d in self.drills],
            "next_session_goal": self.next_session_goal,
            "fallback_reason": self.fallback_reason,
        }
