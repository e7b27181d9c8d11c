"""Coaching: the prompt for an LLM coach, the answer's schema and checks, and the offline (rule-based) coach."""

from punch_core.coaching.answer import coaching_from_answer, decode_answer, sanitise_text
from punch_core.coaching.model import Coaching, CoachingPoint, CoachingSource, Drill, Language
from punch_core.coaching.offline import OfflineCoach
from punch_core.coaching.prompt import ANSWER_SCHEMA, CoachingPrompt, build_coaching_prompt

__all__ = [
    "ANSWER_SCHEMA",
    "Coaching",
    "CoachingPoint",
    "CoachingPrompt",
    "CoachingSource",
    "Drill",
    "Language",
    "OfflineCoach",
    "build_coaching_prompt",
    "coaching_from_answer",
    "decode_answer",
    "sanitise_text",
]
