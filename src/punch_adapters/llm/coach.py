"""The LLM coach: one structured-output chat completion per attempt, checked, with a fallback coach behind it.

Retries are ours, not the SDK's (``max_retries=0``), so that every attempt is logged, counted and bounded:

* 429, 408, 5xx, timeouts and connection errors are retried with exponential backoff (plus a little jitter,
  and at least the server's ``Retry-After``, capped by ``backoff_max_s``), up to ``max_attempts`` calls.
* Other 4xx (400 bad request, 401 key, 404 model) are not: asking again gets the same answer.
* An unusable answer (not JSON, wrong structure, no evidence that matches a stamp) is asked for once more
  (``max_invalid_answers``), straight away: sampling may do better, and the server is not overloaded.

When no attempt gives usable coaching the fallback coach (the offline coach) writes it, marked with
``fallback_reason``; service failures never raise, so the report always completes.

Observability: logger ``punch.llm``, the event name as the message and structured fields in ``extra``
(``event``, ``model``, ``attempt``, ...): ``llm.request``, ``llm.response`` (tokens, ``latency_ms``), ``llm.error``
(``status``, ``reason``, ``will_retry``, ``delay_s``) and ``llm.fallback``. Neither the API key nor the prompt
or answer text is ever logged. Metrics: ``llm_tokens_used{kind=prompt|completion}``,
``llm_requests_total{outcome}``, ``llm_request_duration_seconds``, ``llm_coachings_total`` (one per coaching asked
for) and ``llm_fallbacks_total`` (those the fallback coach wrote): their ratio is what the retry-exhaustion alert
watches.
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs
import openai

from punch_adapters.llm.retry import Failure, Outcome, backoff_s, classify, fallback_reason
from punch_adapters.llm.settings import NO_KEY, LlmSettings
from punch_core.coaching.answer import coaching_from_answer, decode_answer
from punch_core.errors import CoachingAnswerError
from punch_core.ports.coach import Coach
from punch_core.ports.metrics import Metrics

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion
    from openai.types.shared_params import ResponseFormatJSONSchema

    from punch_core.coaching.model import Coaching
    from punch_core.coaching.prompt import CoachingPrompt
    from punch_core.ports.coach import CoachingRequest

logger = logging.getLogger("punch.llm")

SCHEMA_NAME = "coaching_answer"


class OpenAiCoach(Coach):
    """A coach that asks an OpenAI-compatible LLM, and falls back to another coach when the LLM cannot help.

    Args:
        settings: Where the service is, which model, and how hard to try.
        fallback: The coach used when every attempt fails (the offline coach).
        metrics: Where token counts and request outcomes go.
        sleep: Waits between attempts (tests pass a recorder).
        random: Draws in [0, 1) for the backoff jitter (tests pass a constant).
        client: An SDK client to use instead of one built from ``settings`` (it should have ``max_retries=0``).
    """

    def __init__(
        self,
        settings: LlmSettings,
        *,
        fallback: Coach,
        metrics: Metrics,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        client: openai.OpenAI | None = None,
    ) -> None:
        self._settings = settings
        self._fallback = fallback
        self._metrics = metrics
        self._sleep = sleep
        self._random = random
        self._client = client or openai.OpenAI(
            api_key=settings.api_key or NO_KEY,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=0,
        )

    def coach(self, request: CoachingRequest) -> Coaching:
        """Coaching from the LLM, or from the fallback coach with ``fallback_reason`` set; never raises for the LLM.

        Args:
            request: The boxer, metrics and stamps; its prompt is what the LLM gets.

        Returns:
            LLM coaching (source ``llm``) whose text and evidence passed the checks of
            :func:`punch_core.coaching.answer.coaching_from_answer`, or the fallback coach's coaching.
        """
        self._metrics.increment("llm_coachings_total")
        prompt = request.prompt()
        settings = self._settings
        failures: list[Failure] = []
        for attempt in range(1, settings.max_attempts + 1):
            result = self._attempt(prompt, attempt)
            if not isinstance(result, Failure):
                return result
            failures.append(result)
            invalid = sum(f.outcome is Outcome.INVALID_ANSWER for f in failures)
            will_retry = (
                attempt < settings.max_attempts
                and result.retryable
                and not (result.outcome is Outcome.INVALID_ANSWER and invalid > settings.max_invalid_answers)
            )
            delay_s = 0.0
            if will_retry and result.outcome is not Outcome.INVALID_ANSWER:
                delay_s = backoff_s(attempt, result, settings, self._random)
            logger.warning(
                "llm.error",
                extra={
                    "event": "llm.error",
                    "model": settings.model,
                    "attempt": attempt,
                    "status": result.status,
                    "reason": result.outcome.value,
                    "detail": result.description,
                    "will_retry": will_retry,
                    "delay_s": round(delay_s, 3),
                },
            )
            if not will_retry:
                break
            if delay_s > 0:
                self._sleep(delay_s)
        return self._fall_back(request, failures)

    def _attempt(self, prompt: CoachingPrompt, attempt: int) -> Coaching | Failure:
        settings = self._settings
        logger.info(
            "llm.request",
            extra={
                "event": "llm.request",
                "model": settings.model,
                "attempt": attempt,
                "max_attempts": settings.max_attempts,
                "language": prompt.language.value,
                "prompt_chars": len(prompt.system) + len(prompt.user),
                "stamps": len(prompt.stamp_times_s),
            },
        )
        started = time.perf_counter()
        try:
            completion = self._client.chat.completions.create(
                model=settings.model,
                messages=[
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.user},
                ],
                response_format=_response_format(prompt),
                temperature=settings.temperature,
                timeout=settings.timeout_s,
            )
        except openai.OpenAIError as exc:
            failure = classify(exc, settings)
            self._count(failure.outcome, started)
            return failure
        latency_s = time.perf_counter() - started
        prompt_tokens, completion_tokens = self._count_tokens(completion)
        finish_reason = completion.choices[0].finish_reason if completion.choices else None
        logger.info(
            "llm.response",
            extra={
                "event": "llm.response",
                "model": settings.model,
                "attempt": attempt,
                "latency_ms": round(latency_s * 1000),
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "finish_reason": finish_reason,
            },
        )
        try:
            coaching = coaching_from_answer(decode_answer(_content(completion)), prompt, model=settings.model)
        except CoachingAnswerError as exc:
            self._count(Outcome.INVALID_ANSWER, started)
            return Failure(
                outcome=Outcome.INVALID_ANSWER,
                description=f"gave an unusable answer ({exc.reason})",
                retryable=True,
            )
        self._count(Outcome.OK, started)
        return coaching

    def _count(self, outcome: Outcome, started: float) -> None:
        self._metrics.increment("llm_requests_total", outcome=outcome.value)
        self._metrics.observe("llm_request_duration_seconds", time.perf_counter() - started)

    def _count_tokens(self, completion: ChatCompletion) -> tuple[int | None, int | None]:
        # Tokens are paid for whether or not the answer passes the checks, so they are counted first.
        usage = completion.usage
        if usage is None:
            return None, None
        for kind, tokens in (("prompt", usage.prompt_tokens), ("completion", usage.completion_tokens)):
            if tokens:
                self._metrics.increment("llm_tokens_used", float(tokens), kind=kind)
        return usage.prompt_tokens, usage.completion_tokens

    def _fall_back(self, request: CoachingRequest, failures: list[Failure]) -> Coaching:
        reason = fallback_reason(failures)
        self._metrics.increment("llm_fallbacks_total")
        logger.warning(
            "llm.fallback",
            extra={
                "event": "llm.fallback",
                "model": self._settings.model,
                "attempts": len(failures),
                "fallback_reason": reason,
            },
        )
        return attrs.evolve(self._fallback.coach(request), fallback_reason=reason)


def _response_format(prompt: CoachingPrompt) -> ResponseFormatJSONSchema:
    return {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": prompt.schema, "strict": True},
    }


def _content(completion: ChatCompletion) -> str | None:
    """The answer's text; a refusal, a cut-off answer or no choice at all is an unusable answer."""
    if not completion.choices:
        raise CoachingAnswerError("the answer had no choices")
    choice = completion.choices[0]
    if choice.message.refusal:
        raise CoachingAnswerError("the model refused to answer")
    if choice.finish_reason == "length":
        raise CoachingAnswerError("the answer was cut off at the model's token limit")
    return choice.message.content
