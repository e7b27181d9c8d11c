"""The ONE prompt sent to an LLM coach, and the JSON schema its answer must follow."""

from __future__ import annotations

import json
from typing import Any

import attrs

from punch_core.body import BodySpecs
from punch_core.coaching.model import Language
from punch_core.stamps import Stamp

MAX_TIMELINE_STAMPS = 400
"""Longer timelines keep the most confident stamps (a 3-minute round rarely has more)."""

_POINT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text", "evidence_t_s"],
    "properties": {
        "text": {"type": "string", "maxLength": 400},
        "evidence_t_s": {"type": "array", "items": {"type": "number"}, "maxItems": 8},
    },
}

ANSWER_SCHEMA: dict[str, Any] = {
    "title": "CoachingAnswer",
    "type": "object",
    "additionalProperties": False,
    "required": ["summary", "strengths", "improvements", "drills", "next_session_goal"],
    "properties": {
        "summary": {"type": "string", "maxLength": 800},
        "strengths": {"type": "array", "items": _POINT, "maxItems": 5},
        "improvements": {"type": "array", "items": _POINT, "maxItems": 5},
        "drills": {
            "type": "array",
            "maxItems": 5,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "description"],
                "properties": {
                    "name": {"type": "string", "maxLength": 80},
                    "description": {"type": "string", "maxLength": 400},
                },
            },
        },
        "next_session_goal": {"type": "string", "maxLength": 300},
    },
}

_LANGUAGE_NAMES = {Language.EN: "English", Language.KO: "Korean (한국어)"}

SYSTEM_PROMPT = (
    "You are an experienced boxing coach reviewing one sparring round that a computer-vision system analysed. "
    "Be specific, encouraging and honest. Use only the data given: never invent punches or numbers. "
    "Every strength and improvement must cite, in evidence_t_s, times (seconds) copied from the timeline. "
    "Write plain text with no markup. Answer in {language}, as JSON that follows the given schema."
)


@attrs.frozen(kw_only=True)
class CoachingPrompt:
    """Everything an LLM coach needs for its one call."""

    system: str
    user: str
    schema: dict[str, Any]
    language: Language
    stamp_times_s: tuple[float, ...]
    """Every stamp time the answer may cite (its evidence is checked against these)."""


def timeline_lines(stamps: list[Stamp] | tuple[Stamp, ...]) -> list[str]:
    """A compact line per stamp: ``t_peak kind hand [side] [speed] conf``, in time order."""
    chosen = sorted(stamps, key=lambda s: -s.confidence)[:MAX_TIMELINE_STAMPS]
    lines = []
    for s in sorted(chosen, key=lambda s: s.t_peak_s):
        parts = [f"{s.t_peak_s:.2f}", s.kind.value]
        if s.hand.value != "none":
            parts.append(s.hand.value)
        if s.side is not None:
            parts.append(s.side.value)
        if s.peak_speed_mps is not None:
            parts.append(f"{s.peak_speed_mps:.1f}m/s")
        parts.append(f"c{s.confidence:.2f}")
        lines.append(" ".join(parts))
    return lines


def build_coaching_prompt(
    specs: BodySpecs,
    metrics: dict[str, Any],
    stamps: list[Stamp] | tuple[Stamp, ...],
    language: Language | str = Language.EN,
) -> CoachingPrompt:
    """Build the one prompt: body specs, metrics and a compact stamp timeline, plus the answer schema."""
    lang = Language(language)
    boxer = {
        "height_cm": specs.height_cm,
        "weight_kg": specs.weight_kg,
        "stance": specs.stance.value,
        "experience": specs.experience.value,
    }
    user = "\n".join(
        [
            "BOXER " + json.dumps(boxer, ensure_ascii=False),
            "METRICS " + json.dumps(metrics, ensure_ascii=False, separators=(",", ":")),
            "TIMELINE (t_peak_s kind hand [side] [speed] confidence):",
            *timeline_lines(stamps),
            f"Write the coaching in {_LANGUAGE_NAMES[lang]}.",
        ]
    )
    return CoachingPrompt(
        system=SYSTEM_PROMPT.format(language=_LANGUAGE_NAMES[lang]),
        user=user,
        schema=ANSWER_SCHEMA,
        language=lang,
        stamp_times_s=tuple(round(s.t_peak_s, 2) for s in stamps),
    )
