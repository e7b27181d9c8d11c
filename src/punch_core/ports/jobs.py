"""Running processing stages in the background, and following their progress."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from punch_core.service.records import Stage


class JobQueue(Protocol):
    """Runs processing stages in the background, higher priority first."""

    async def enqueue(self, stage: Stage, analysis_id: str) -> str:
        """Queue one stage of one analysis; returns the job id (``{analysis_id}:{stage}``).

        Enqueuing a stage that is queued or running is a no-op that returns the same id.
        """
        ...


class ProgressSink(Protocol):
    """Publishes and follows analysis progress."""

    async def publish(self, analysis_id: str, event: Mapping[str, Any]) -> None:
        """Announce an event (``{"status", "stage", "percent", ...}``) to everyone following this analysis."""
        ...

    def follow(self, analysis_id: str) -> AsyncIterator[Mapping[str, Any]]:
        """Events of one analysis as they are published, from the moment of the call."""
        ...
