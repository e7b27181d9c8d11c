"""Writing coaching for a round: the Coach port and what every coach is given (listed in punch_core.ports.coach)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import attrs

from punch_core.body import BodySpecs
from punch_core.coaching.model import Coaching, Language
from punch_core.coaching.prompt import CoachingPrompt, build_coaching_prompt
from punch_core.stamps import Stamp


def _stamps(values: Iterable[Stamp]) -> tuple[Stamp, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class CoachingRequest:
    """What any coach gets: the boxer, the metrics and the stamps, in one language."""

    specs: BodySpecs
    metrics: dict[str, Any]
    stamps: tuple[Stamp, ...] = attrs.field(converter=_stamps)
    language: Language = attrs.field(default=Language.EN, converter=Language)

    def prompt(self) -> CoachingPrompt:
        """The one LLM prompt for this request."""
        return build_coaching_prompt(self.specs, self.metrics, self.stamps, self.language)


class Coach(Protocol):
    """Writes coaching for a round."""

    def coach(self, request: CoachingRequest) -> Coaching:
        """The coaching for one request. Adapters fall back rather than raise where they can."""
        ...
