"""Progress events inside one process: every follower of an analysis gets every event published after it joined."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from typing import Any

from punch_core.ports.jobs import ProgressSink

# A follower that stops reading loses its oldest events rather than growing without bound.
FOLLOWER_BUFFER = 256


class MemoryProgress(ProgressSink):
    """``ProgressSink`` for the embedded default: asyncio queues, one per follower, on the running loop."""

    def __init__(self) -> None:
        self._followers: dict[str, set[asyncio.Queue[Mapping[str, Any]]]] = defaultdict(set)

    async def publish(self, analysis_id: str, event: Mapping[str, Any]) -> None:
        """Hand the event to every current follower of the analysis."""
        for queue in list(self._followers.get(analysis_id, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(dict(event))

    async def follow(self, analysis_id: str) -> AsyncIterator[Mapping[str, Any]]:
        """Events of one analysis from now on, until the caller stops iterating."""
        queue: asyncio.Queue[Mapping[str, Any]] = asyncio.Queue(maxsize=FOLLOWER_BUFFER)
        self._followers[analysis_id].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            followers = self._followers.get(analysis_id)
            if followers is not None:
                followers.discard(queue)
                if not followers:
                    del self._followers[analysis_id]
