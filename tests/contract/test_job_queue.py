"""The JobQueue port's contract, run against both adapters: the in-process runner and ARQ on the real Redis.

What every job queue promises (punch_core/ports/jobs.py): ``enqueue`` returns ``{analysis_id}:{stage}``; a stage
already queued is not queued twice; the jobs run (stage, analysis id) with higher-priority stages first
(thumbnails, then pose to report, then coaching), first come first served within a priority.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from arq.worker import Worker, func

from punch_adapters.inprocess.jobs import InProcessJobQueue
from punch_adapters.jobs.arq_queue import RUN_STAGE, ArqJobQueue, redis_settings
from punch_core.ports.jobs import JobQueue
from punch_core.service.records import Stage
from tests.support.services import REDIS_URL, require_service

Ran = list[tuple[str, str]]


Drain = Callable[[], Awaitable[None]]
Harness = Callable[[Ran], AbstractAsyncContextManager[tuple[JobQueue, Drain]]]
"""A queue whose jobs record (stage, analysis id) into the list, and ``drain``, which runs everything queued."""


@asynccontextmanager
async def in_process(ran: Ran) -> AsyncIterator[tuple[JobQueue, Drain]]:
    async def handler(stage: Stage, analysis_id: str, _attempt: int) -> None:
        ran.append((stage.value, analysis_id))

    queue = InProcessJobQueue(handler)

    async def drain() -> None:
        queue.start()
        await asyncio.wait_for(queue.join(), 10)

    try:
        yield queue, drain
    finally:
        await queue.stop()


@asynccontextmanager
async def arq(ran: Ran) -> AsyncIterator[tuple[JobQueue, Drain]]:
    url = require_service("Redis", REDIS_URL, 6379)
    queue_name = f"punch:contract:{uuid.uuid4().hex[:8]}"
    queue = await ArqJobQueue.connect(url, queue_name=queue_name)

    async def job(_ctx: dict[str, Any], analysis_id: str, stage: str) -> None:
        ran.append((stage, analysis_id))

    async def drain() -> None:
        worker = Worker(
            functions=[func(job, name=RUN_STAGE, keep_result=0)],  # type: ignore[arg-type]  # arq types ctx loosely
            redis_settings=redis_settings(url),
            queue_name=queue_name,
            burst=True,
            max_jobs=1,
            poll_delay=0.05,
            handle_signals=False,
        )
        try:
            await asyncio.wait_for(worker.main(), 20)
        finally:
            await worker.close()

    try:
        yield queue, drain
    finally:
        await queue._pool.delete(queue_name)
        await queue.close()


HARNESSES = [pytest.param(in_process, id="in-process"), pytest.param(arq, id="arq-redis")]


@pytest.mark.parametrize("harness", HARNESSES)
def test_enqueue_names_the_job_by_analysis_and_stage(harness: Harness) -> None:
    async def scenario() -> str:
        async with harness([]) as (queue, drain):
            job = await queue.enqueue(Stage.STAMPS, "an1")
            await drain()
            return job

    assert asyncio.run(scenario()) == "an1:stamps" == Stage.STAMPS.job_id("an1")


@pytest.mark.parametrize("harness", HARNESSES)
def test_a_queued_stage_is_queued_once(harness: Harness) -> None:
    ran: Ran = []

    async def scenario() -> tuple[str, str]:
        async with harness(ran) as (queue, drain):
            first = await queue.enqueue(Stage.POSE, "a")
            again = await queue.enqueue(Stage.POSE, "a")
            await drain()
            return first, again

    first, again = asyncio.run(scenario())
    assert first == again
    assert ran == [("pose", "a")]


@pytest.mark.parametrize("harness", HARNESSES)
def test_higher_priority_stages_run_first_then_first_come_first_served(harness: Harness) -> None:
    ran: Ran = []

    async def scenario() -> None:
        async with harness(ran) as (queue, drain):
            for stage, analysis_id in [
                (Stage.COACHING, "a"),
                (Stage.POSE, "b"),
                (Stage.THUMBNAILS, "c"),
                (Stage.REPORT, "d"),
                (Stage.THUMBNAILS, "e"),
            ]:
                await queue.enqueue(stage, analysis_id)
                await asyncio.sleep(0.005)  # ARQ scores by enqueue time: keep first-come order measurable
            await drain()

    asyncio.run(scenario())
    assert ran == [("thumbnails", "c"), ("thumbnails", "e"), ("pose", "b"), ("report", "d"), ("coaching", "a")]
