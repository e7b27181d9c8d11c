"""The in-process job runner: the embedded default's ``JobQueue``, with the ARQ adapter's priorities and dedup.

Jobs wait in an asyncio priority queue (thumbnails before pose before coaching, then first come first served)
and run one at a time (``concurrency``) on the running event loop, through the handler the composition root
gives. A job that is queued or running is not queued twice. A handler that asks for a retry (returns a delay in
seconds) is queued again after that delay. Nothing survives the process: on start-up the composition root
re-queues unfinished analyses from the database, which is what makes a restart resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable

from punch_core.ports.jobs import JobQueue
from punch_core.service.records import Stage

logger = logging.getLogger("punch.jobs")

Handler = Callable[[Stage, str, int], Awaitable[float | None]]
"""Runs (stage, analysis id, attempt number from 1); returns None when done, or seconds to wait before a retry."""


class InProcessJobQueue(JobQueue):
    """Runs stages on the event loop that calls :meth:`start`; ``stop`` waits for running jobs to finish."""

    def __init__(self, handler: Handler, *, concurrency: int = 1) -> None:
        self._handler = handler
        self._concurrency = concurrency
        self._queue: asyncio.PriorityQueue[tuple[int, int, Stage, str, int]] = asyncio.PriorityQueue()
        self._pending: set[str] = set()
        self._order = itertools.count()
        self._tasks: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.Task[None]] = set()

    @property
    def size(self) -> int:
        """Jobs waiting or running."""
        return len(self._pending)

    def start(self) -> None:
        """Start the runners on the current event loop."""
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._run(), name=f"jobs-{i}") for i in range(self._concurrency)]

    async def stop(self) -> None:
        """Stop taking jobs; cancel the runners and retry timers."""
        for task in [*self._tasks, *self._timers]:
            task.cancel()
        for task in [*self._tasks, *self._timers]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._timers = set()

    async def enqueue(self, stage: Stage, analysis_id: str) -> str:
        """Queue one stage unless it is queued or running already; returns the job id."""
        return self._put(stage, analysis_id, attempt=1)

    async def join(self) -> None:
        """Wait until every queued job (and retry) has run."""
        while self._pending:
            await asyncio.sleep(0.01)

    def _put(self, stage: Stage, analysis_id: str, *, attempt: int, force: bool = False) -> str:
        key = stage.job_id(analysis_id)
        if key in self._pending and not force:
            return key
        self._pending.add(key)
        self._queue.put_nowait((stage.priority, next(self._order), stage, analysis_id, attempt))
        return key

    async def _retry_later(self, delay_s: float, stage: Stage, analysis_id: str, attempt: int) -> None:
        await asyncio.sleep(delay_s)
        self._put(stage, analysis_id, attempt=attempt, force=True)

    async def _run(self) -> None:
        while True:
            _priority, _n, stage, analysis_id, attempt = await self._queue.get()
            key = stage.job_id(analysis_id)
            retry_in: float | None = None
            try:
                retry_in = await self._handler(stage, analysis_id, attempt)
            except Exception:
                # The handler is meant to catch everything; a bug there must not stop the runner.
                logger.exception("jobs.handler_crashed", extra={"event": "jobs.handler_crashed", "job_id": key})
            if retry_in is not None:
                timer = asyncio.create_task(self._retry_later(retry_in, stage, analysis_id, attempt + 1))
                self._timers.add(timer)
                timer.add_done_callback(self._timers.discard)
            else:
                self._pending.discard(key)
