"""Which failures of the LLM service are worth another attempt, how long to wait, and how to say why we gave up."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

import attrs
import openai

from punch_adapters.llm.settings import LlmSettings

_RETRYABLE_STATUSES = frozenset({408, 429})
_HINTS = {
    401: " (check the API key)",
    403: " (check the API key's permissions)",
    404: " (check the base URL and the model name)",
}
_COUNTS = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times"}


class Outcome(StrEnum):
    """What one attempt came to; the ``outcome`` label of ``llm_requests_total``."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    CLIENT_ERROR = "client_error"
    INVALID_ANSWER = "invalid_answer"


@attrs.frozen(kw_only=True)
class Failure:
    """One failed attempt.

    Attributes:
        outcome: Its kind.
        description: What happened, in words that go into the fallback reason (``answered 429``).
        retryable: Whether the service may do better if asked again.
        status: The HTTP status, when the service answered one.
        retry_after_s: The wait the service asked for (``Retry-After``), when it sent one.
    """

    outcome: Outcome
    description: str
    retryable: bool
    status: int | None = None
    retry_after_s: float | None = None


def classify(exc: openai.OpenAIError, settings: LlmSettings) -> Failure:
    """Sort an SDK error into a failure: 429, 408, 5xx, timeouts and connection errors are retryable; the rest not."""
    if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError, its base class
        return Failure(outcome=Outcome.TIMEOUT, description=f"timed out after {settings.timeout_s:g} s", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return Failure(outcome=Outcome.CONNECTION_ERROR, description="could not be reached", retryable=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retry_after_s = retry_after_from_headers(exc.response.headers)
        if status in _RETRYABLE_STATUSES or status >= 500:
            outcome = Outcome.RATE_LIMITED if status == 429 else Outcome.SERVER_ERROR
            return Failure(
                outcome=outcome,
                description=f"answered {status}",
                retryable=True,
                status=status,
                retry_after_s=retry_after_s,
            )
        return Failure(
            outcome=Outcome.CLIENT_ERROR,
            description=f"answered {status}{_HINTS.get(status, '')}",
            retryable=False,
            status=status,
        )
    # Anything else the SDK raises (a body it cannot read, a credentials problem) will not change on a retry.
    return Failure(outcome=Outcome.CLIENT_ERROR, description=f"failed ({type(exc).__name__})", retryable=False)


def retry_after_from_headers(headers: object, *, now: Callable[[], datetime] | None = None) -> float | None:
    """The wait a server asked for: ``retry-after-ms`` (OpenAI's), else ``Retry-After`` in seconds or as a date.

    Args:
        headers: The response headers (anything with a case-insensitive ``get``).
        now: The current time for an HTTP-date value (defaults to the system clock).

    Returns:
        Seconds (>= 0), or None when the server sent no usable value.
    """
    get = getattr(headers, "get", None)
    if get is None:
        return None
    millis = _number(get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    raw = get("retry-after")
    seconds = _number(raw)
    if seconds is not None or not isinstance(raw, str):
        return seconds
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def _number(raw: object) -> float | None:
    if not isinstance(raw, str):
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def backoff_s(attempt: int, failure: Failure, settings: LlmSettings, random: Callable[[], float]) -> float:
    """The wait after failed attempt ``attempt`` (1-based) before the next one.

    Exponential: ``backoff_base_s * 2 ** (attempt - 1)``, plus up to ``jitter_ratio`` of it at random; at least
    the server's ``Retry-After``; never more than ``backoff_max_s``.
    """
    delay = settings.backoff_base_s * 2.0 ** (attempt - 1)
    delay *= 1.0 + settings.jitter_ratio * min(1.0, max(0.0, random()))
    if failure.retry_after_s is not None:
        delay = max(delay, failure.retry_after_s)
    return min(delay, settings.backoff_max_s)


def fallback_reason(failures: Sequence[Failure]) -> str:
    """Why the LLM was not used, for the report: ``the LLM service answered 429 three times``."""
    descriptions = [f.description for f in failures]
    if not descriptions:
        return "the LLM service was not called"
    if len(set(descriptions)) == 1:
        count = len(descriptions)
        times = "" if count == 1 else " " + _COUNTS.get(count, f"{count} times")
        return f"the LLM service {descriptions[0]}{times}"
    return f"the LLM service failed {len(descriptions)} attempts: {', '.join(descriptions)}"
