"""The in-process job runner: priorities, one job per stage, retries, and the runner keeps going after a bug."""

from __future__ import annotations

import asyncio

import pytest

from punch_adapters.inprocess.jobs import InProcessJobQueue
from punch_core.service.records import Stage


def run(coro):
    return asyncio.run(coro)


def test_higher_priority_stages_run_first_then_first_come_first_served():
    ran: list[tuple[str, str]] = []

    async def handler(stage, analysis_id, attempt):
        ran.append((stage.value, analysis_id))

    async def scenario():
        queue = InProcessJobQueue(handler)
        # Queued before the runner starts, so the order is decided by priority alone.
        await queue.enqueue(Stage.COACHING, "a")
        await queue.enqueue(Stage.POSE, "b")
        await queue.enqueue(Stage.THUMBNAILS, "c")
        await queue.enqueue(Stage.POSE, "d")
        await queue.enqueue(Stage.THUMBNAILS, "e")
        queue.start()
        await queue.join()
        await queue.stop()

    run(scenario())
    assert ran == [("thumbnails", "c"), ("thumbnails", "e"), ("pose", "b"), ("pose", "d"), ("coaching", "a")]


def test_a_queued_or_running_stage_is_not_queued_twice_but_can_run_again_later():
    ran: list[str] = []

    async def scenario():
        gate = asyncio.Event()

        async def handler(stage, analysis_id, attempt):
            ran.append(analysis_id)
            await gate.wait()

        queue = InProcessJobQueue(handler)
        queue.start()
        first = await queue.enqueue(Stage.POSE, "a")
        await asyncio.sleep(0.01)  # now running
        again = await queue.enqueue(Stage.POSE, "a")
        assert first == again == Stage.POSE.job_id("a")
        assert queue.size == 1
        gate.set()
        await queue.join()
        await queue.enqueue(Stage.POSE, "a")  # finished: a new run is allowed (coaching re-runs need this)
        await queue.join()
        await queue.stop()

    run(scenario())
    assert ran == ["a", "a"]


def test_a_retry_runs_again_after_the_delay_with_the_next_attempt_number():
    attempts: list[int] = []

    async def handler(stage, analysis_id, attempt):
        attempts.append(attempt)
        return 0.01 if attempt < 3 else None

    async def scenario():
        queue = InProcessJobQueue(handler)
        queue.start()
        await queue.enqueue(Stage.STAMPS, "a")
        await asyncio.wait_for(queue.join(), 5)
        await queue.stop()

    run(scenario())
    assert attempts == [1, 2, 3]


def test_a_crashing_handler_does_not_stop_the_runner(caplog: pytest.LogCaptureFixture):
    ran: list[str] = []

    async def handler(stage, analysis_id, attempt):
        ran.append(analysis_id)
        if analysis_id == "bad":
            raise RuntimeError("bug")

    async def scenario():
        queue = InProcessJobQueue(handler)
        queue.start()
        await queue.enqueue(Stage.POSE, "bad")
        await queue.enqueue(Stage.POSE, "good")
        await asyncio.wait_for(queue.join(), 5)
        await queue.stop()

    run(scenario())
    assert ran == ["bad", "good"]
    assert any(r.getMessage() == "jobs.handler_crashed" for r in caplog.records)
