"""The ARQ worker outlives a Redis outage: its polling loop carries on, and no job slot leaks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from punch_adapters.jobs.arq_queue import RUN_STAGE
from punch_app import worker as worker_module
from punch_app.runner import Outcome
from punch_app.settings import Settings
from punch_app.worker import ResilientWorker, make_worker


class _DeadRedis:
    """Answers every command the way a stopped Redis does."""

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: object, **kwargs: object) -> Any:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return refuse


def _worker(tmp_path) -> ResilientWorker:
    settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path), "PUNCH_REDIS_URL": "redis://127.0.0.1:1/0"})
    made = make_worker(settings)
    assert isinstance(made, ResilientWorker)
    made._pool = _DeadRedis()  # type: ignore[assignment]  # ARQ connects in main(); this stands in for it
    return made


def test_a_poll_while_redis_is_down_is_logged_and_does_not_end_the_worker(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(worker_module, "REDIS_DOWN_RETRY_S", 0.0)
    worker = _worker(tmp_path)

    async def poll_twice() -> None:
        await worker._poll_iteration()
        await worker._poll_iteration()

    asyncio.run(poll_twice())
    assert [r.message for r in caplog.records if r.name == "punch.worker"] == ["worker.redis_unavailable"]


def test_a_job_slot_taken_when_redis_fails_is_given_back(tmp_path):
    worker = _worker(tmp_path)

    with pytest.raises(RedisConnectionError):
        asyncio.run(worker.start_jobs([b"a1:pose"]))
    assert worker.job_counter == 0
    assert not worker.sem.locked(), "max_jobs=1: a leaked slot would stop the worker taking jobs"


class _RecordingRunner:
    """Stands in for the stage runner: records which way each delivery went."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def run(self, stage: Any, analysis_id: str, *, attempt: int) -> Any:
        self.calls.append(("run", attempt))
        return Outcome.DONE

    async def give_up(self, stage: Any, analysis_id: str, *, attempt: int) -> Any:
        self.calls.append(("give_up", attempt))
        return Outcome.FAILED


def test_a_job_runs_on_every_delivery_but_its_last_which_gives_up(tmp_path):
    settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path), "PUNCH_REDIS_URL": "redis://127.0.0.1:1/0"})
    runner = _RecordingRunner()

    class _Services:
        def __init__(self) -> None:
            self.runner = runner
            self.queue = None

    last = settings.max_attempts + worker_module.CRASH_TRIES
    for attempt in range(1, last + 1):
        ctx = {"services": _Services(), "settings": settings, "job_try": attempt}
        asyncio.run(worker_module.run_stage(ctx, "a1", "pose"))
    assert runner.calls == [*(("run", n) for n in range(1, last)), ("give_up", last)]
    # ARQ drops a job after max_tries deliveries: the last one must be the one that gives up.
    function = make_worker(settings).functions[RUN_STAGE]
    assert function.max_tries == last
