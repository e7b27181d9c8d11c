"""From an LLM's decoded answer to a checked :class:`Coaching`: validate, sanitise, check the evidence.

An LLM is asked for JSON that follows :data:`ANSWER_SCHEMA`, but what comes back is untrusted text from another
service, so nothing reaches a report before it passes here:

* **Structure.** The answer must be an object with every required key, each of the schema's type (``bool`` is
  not a number). A wrong type rejects the whole answer: a model that gets the shape wrong is not trusted on the
  content. Keys the schema does not know are *dropped*, not rejected: a server without strict structured output
  may add one, and nothing of it is used. Lists longer than the schema's ``maxItems`` keep their first items.
* **Text.** HTML (tags, comments, ``<script>``/``<style>`` blocks, entities) and Markdown (emphasis, code,
  headings, list markers, links, rules) are stripped, control and format characters removed, whitespace
  collapsed to single spaces, and the result cut at a word boundary to the schema's ``maxLength``. The text
  that comes out never contains ``<``, ``>``, ``*`` or a backtick.
* **Evidence.** Each cited time must lie within :data:`EVIDENCE_TOLERANCE_S` of a real stamp time of the
  prompt; it is replaced by that stamp's time. Other times (invented, non-numbers, NaN) are removed. A
  strength or improvement with no time left, or with no text, is dropped; so is a drill without a name or a
  description.
* **Rejection.** An answer whose summary is empty after sanitising, or with no strength, improvement or drill
  left, raises :class:`CoachingAnswerError`. The next-session goal may end up empty (the report then omits it).
"""

from __future__ import annotations

import bisect
import html
import json
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from punch_core.coaching.model import Coaching, CoachingPoint, CoachingSource, Drill
from punch_core.coaching.prompt import ANSWER_SCHEMA, CoachingPrompt
from punch_core.errors import CoachingAnswerError

EVIDENCE_TOLERANCE_S = 0.05
"""How far (seconds) a cited time may be from a stamp's time and still count as citing it."""

_PROPS: dict[str, Any] = ANSWER_SCHEMA["properties"]
_POINT_PROPS: dict[str, Any] = _PROPS["strengths"]["items"]["properties"]
_DRILL_PROPS: dict[str, Any] = _PROPS["drills"]["items"]["properties"]

# The limits come from the schema the LLM was sent, so the check can never disagree with the request.
SUMMARY_MAX_CHARS: int = _PROPS["summary"]["maxLength"]
GOAL_MAX_CHARS: int = _PROPS["next_session_goal"]["maxLength"]
POINT_MAX_CHARS: int = _POINT_PROPS["text"]["maxLength"]
EVIDENCE_MAX_ITEMS: int = _POINT_PROPS["evidence_t_s"]["maxItems"]
POINTS_MAX_ITEMS: int = _PROPS["strengths"]["maxItems"]
DRILLS_MAX_ITEMS: int = _PROPS["drills"]["maxItems"]
DRILL_NAME_MAX_CHARS: int = _DRILL_PROPS["name"]["maxLength"]
DRILL_DESCRIPTION_MAX_CHARS: int = _DRILL_PROPS["description"]["maxLength"]

_ELLIPSIS = "…"

_BLOCK_RE = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_COMMENT_RE = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
# Only tag-shaped text is removed whole, so "guard <70% and >80%" keeps its words (the brackets go later).
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>|<![^<>]*>|<\?[^<>]*>")
_IMAGE_OR_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HEADING_RE = re.compile(r"^\s*#{1,6}\s+")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-+*•]|\d{1,2}[.)])\s+")
_RULE_RE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_UNDERSCORE_EMPHASIS_RE = re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
_DOUBLE_MARK_RE = re.compile(r"_{2,}|~{2,}")
_DROPPED_CHARS = str.maketrans("", "", "<>*`")
_WHITESPACE_RE = re.compile(r"\s+")
# Cc: controls; Cf: format (zero-width, bidi overrides that can make text read differently); Co/Cs/Cn:
# private use, lone surrogates, unassigned.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})

_T = TypeVar("_T")


def decode_answer(content: str | None) -> object:
    """Decode an LLM's message content as JSON.

    A code fence around the JSON (```` ```json ... ``` ````), which some OpenAI-compatible servers add, is removed
    first.

    Raises:
        CoachingAnswerError: When there is no content or it is not JSON.
    """
    if content is None or not content.strip():
        raise CoachingAnswerError("the answer was empty")
    text = content.strip()
    if text.startswith("```"):
        text = text.removeprefix("```json").removeprefix("```JSON").removeprefix("```").removesuffix("```")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CoachingAnswerError("the answer was not valid JSON") from exc


def sanitise_text(text: str, max_chars: int) -> str:
    """Plain text from an LLM's text: no markup, no control characters, one space between words, at most ``max_chars``.

    Args:
        text: The text as the LLM wrote it.
        max_chars: The longest result allowed (at least 1); longer text is cut at a word boundary and ends in
            an ellipsis.

    Returns:
        The cleaned text; empty if nothing but markup was left.
    """
    text = _BLOCK_RE.sub(" ", text)
    text = _COMMENT_RE.sub(" ", text)
    text = _TAG_RE.sub(" ", text)
    # Entities are decoded after the tags are gone; "&lt;b&gt;" decodes to a tag, so strip tags once more.
    text = _TAG_RE.sub(" ", html.unescape(text))
    text = "".join(
        "\n" if ch in "\r\n\u2028\u2029" else " " if ch in "\t\v\f" else ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\t\n\r\v\f\u2028\u2029" or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    text = _IMAGE_OR_LINK_RE.sub(r"\1", text)
    lines = []
    for line in text.split("\n"):
        if _RULE_RE.match(line):
            continue
        lines.append(_LIST_MARKER_RE.sub("", _HEADING_RE.sub("", line)))
    # Truncation can leave a new emphasis pair at the end ("_a_b" -> "_a_…"), so the inline pass runs again.
    return _inline_plain(_truncate(_inline_plain(" ".join(lines)), max_chars))


def _inline_plain(text: str) -> str:
    # Removing one mark can join two others ("~*~", "_*_"), so repeat until nothing changes; every pass that
    # changes something shortens the text, so this ends.
    while True:
        cleaned = _DOUBLE_MARK_RE.sub("", text.translate(_DROPPED_CHARS))
        cleaned = _UNDERSCORE_EMPHASIS_RE.sub(r"\1", cleaned)
        cleaned = _WHITESPACE_RE.sub(" ", cleaned).strip()
        if cleaned == text:
            return text
        text = cleaned


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - len(_ELLIPSIS)]
    space = cut.rfind(" ")
    # Text with no space in its second half (one long word, or a script without spaces) is cut mid-word
    # rather than losing most of the text.
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + _ELLIPSIS


def coaching_from_answer(answer: object, prompt: CoachingPrompt, *, model: str) -> Coaching:
    """Check an LLM's decoded answer against the prompt it answered and turn it into coaching.

    Args:
        answer: The decoded JSON (see :func:`decode_answer`).
        prompt: The prompt that was sent: its language and the stamp times the evidence must match.
        model: The model that wrote the answer (recorded in the coaching).

    Returns:
        LLM coaching with sanitised text and only evidence times that are real stamp times (module docstring).

    Raises:
        CoachingAnswerError: When the structure is wrong, or no summary or no point or drill is left.
    """
    obj = _object(answer, "the answer")
    summary = sanitise_text(_field(obj, "summary", str, "the answer"), SUMMARY_MAX_CHARS)
    goal = sanitise_text(_field(obj, "next_session_goal", str, "the answer"), GOAL_MAX_CHARS)
    stamp_times = sorted(set(prompt.stamp_times_s))
    strengths = _points(_field(obj, "strengths", list, "the answer"), "strengths", stamp_times)
    improvements = _points(_field(obj, "improvements", list, "the answer"), "improvements", stamp_times)
    drills = _drills(_field(obj, "drills", list, "the answer"))
    if not summary:
        raise CoachingAnswerError("the summary was empty once markup was removed")
    if not (strengths or improvements or drills):
        raise CoachingAnswerError("no strength, improvement or drill was left once evidence times were checked")
    return Coaching(
        source=CoachingSource.LLM,
        language=prompt.language,
        summary=summary,
        strengths=strengths,
        improvements=improvements,
        drills=drills,
        next_session_goal=goal,
        model=model,
    )


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CoachingAnswerError(f"{where} must be a JSON object, got {_json_type(value)}")
    return value


def _field(obj: dict[str, Any], key: str, kind: type[_T], where: str) -> _T:
    if key not in obj:
        raise CoachingAnswerError(f"{where} has no {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        expected = "a string" if kind is str else "an array"
        raise CoachingAnswerError(f"{key!r} in {where} must be {expected}, got {_json_type(value)}")
    return value


def _json_type(value: object) -> str:
    names: dict[type, str] = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _items(values: list[Any], max_items: int, where: str, check: Callable[[object, str], _T | None]) -> tuple[_T, ...]:
    kept = (check(v, f"{where}[{i}]") for i, v in enumerate(values))
    return tuple(item for item in kept if item is not None)[:max_items]


def _points(values: list[Any], where: str, stamp_times: list[float]) -> tuple[CoachingPoint, ...]:
    def check(value: object, item: str) -> CoachingPoint | None:
        obj = _object(value, item)
        text = sanitise_text(_field(obj, "text", str, item), POINT_MAX_CHARS)
        evidence = _evidence(_field(obj, "evidence_t_s", list, item), stamp_times)
        return CoachingPoint(text=text, evidence_t_s=evidence) if text and evidence else None

    return _items(values, POINTS_MAX_ITEMS, where, check)


def _drills(values: list[Any]) -> tuple[Drill, ...]:
    def check(value: object, item: str) -> Drill | None:
        obj = _object(value, item)
        name = sanitise_text(_field(obj, "name", str, item), DRILL_NAME_MAX_CHARS)
        description = sanitise_text(_field(obj, "description", str, item), DRILL_DESCRIPTION_MAX_CHARS)
        return Drill(name=name, description=description) if name and description else None

    return _items(values, DRILLS_MAX_ITEMS, "drills", check)


def _evidence(values: list[Any], stamp_times: list[float]) -> tuple[float, ...]:
    kept: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            continue
        snapped = _nearest(float(value), stamp_times)
        if snapped is not None and snapped not in kept:
            kept.append(snapped)
    return tuple(kept[:EVIDENCE_MAX_ITEMS])


def _nearest(t_s: float, stamp_times: list[float]) -> float | None:
    i = bisect.bisect_left(stamp_times, t_s)
    candidates = stamp_times[max(0, i - 1) : i + 1]
    if not candidates:
        return None
    best = min(candidates, key=lambda s: abs(s - t_s))
    # A hair of slack so that 12.30 cited for a stamp at 12.35 is not lost to binary floating point.
    return best if abs(best - t_s) <= EVIDENCE_TOLERANCE_S + 1e-9 else None
