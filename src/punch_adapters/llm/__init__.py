"""The LLM coach: the coach port served by any OpenAI-compatible chat-completions API, through the openai SDK."""

from punch_adapters.llm.coach import OpenAiCoach
from punch_adapters.llm.settings import LlmSettings

__all__ = ["LlmSettings", "OpenAiCoach"]
