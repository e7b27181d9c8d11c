"""How to reach the LLM service and how hard to try."""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs

NO_KEY = "no-key"
"""Sent as the API key when none is configured: local OpenAI-compatible servers ignore it, and the SDK needs one."""


def _http_url(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"{attribute.name} must be an http(s) URL such as https://api.openai.com/v1, got {value!r}")


def _non_empty(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


def _non_negative(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class LlmSettings:
    """Settings of the LLM coach; any OpenAI-compatible server works (OpenAI, Azure-style proxies, vLLM, Ollama).

    Attributes:
        base_url: The API root, ending in ``/v1`` for most servers (``https://api.openai.com/v1``).
        api_key: The bearer key; empty for a local server that needs none. Never shown in ``repr`` or logs.
        model: The model name the server knows (``gpt-4o-mini``).
        timeout_s: Seconds one attempt may take (connect, send, and each wait for the answer's bytes).
        max_attempts: Calls at most per coaching, 1 or more (the SDK's own retries are off: we count here).
        backoff_base_s: The wait before the second attempt; it doubles each attempt after.
        backoff_max_s: The longest wait between attempts, also for a server's ``Retry-After``: a worker is not
            held longer than this for one retry.
        jitter_ratio: Up to this share is added at random to each computed wait, so that workers that failed
            together do not retry together.
        temperature: Sampling temperature; low, for consistent coaching.
        max_invalid_answers: How many unusable answers (not JSON, wrong structure, no checkable evidence) are
            retried before giving up; an attempt is only repeated when attempts remain.
    """

    base_url: str = attrs.field(validator=_http_url)
    api_key: str = attrs.field(repr=False)
    model: str = attrs.field(validator=_non_empty)
    timeout_s: float = attrs.field(default=30.0, validator=_positive)
    max_attempts: int = attrs.field(default=3, validator=attrs.validators.ge(1))
    backoff_base_s: float = attrs.field(default=1.0, validator=_non_negative)
    backoff_max_s: float = attrs.field(default=20.0, validator=_non_negative)
    jitter_ratio: float = attrs.field(default=0.1, validator=_non_negative)
    temperature: float = attrs.field(
        default=0.2, validator=attrs.validators.and_(attrs.validators.ge(0.0), attrs.validators.le(2.0))
    )
    max_invalid_answers: int = attrs.field(default=1, validator=attrs.validators.ge(0))
