"""The ``JobQueue`` on ARQ (Redis), with stage priorities and one job per stage of an analysis.

ARQ has one sorted set per queue, scored by the time a job may start, and workers take the lowest score first.
Priorities are score offsets: a thumbnails job is scored an hour before now, so it runs before any pose job
queued in the last hour, and a coaching job is scored at now (docs/adr/0006-jobs-on-arq.md). The job id is
``{analysis_id}:{stage}``: ARQ refuses a second job with an id that is queued or running, which makes
enqueueing idempotent, and results are not kept, so a stage can be queued again once it has finished (a
coaching re-run). ARQ is maintenance-only upstream; only this module and the worker settings know it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from punch_core.errors import StorageUnavailableError
from punch_core.ports.jobs import JobQueue
from punch_core.service.records import LOWEST_PRIORITY, Stage

RUN_STAGE = "run_stage"
"""The name of the worker function every job calls with (analysis_id, stage)."""

PRIORITY_STEP = timedelta(minutes=30)
"""ARQ runs jobs by score (time): a stage of priority p is scored this much earlier per step below the lowest."""


def priority_offset(stage: Stage) -> timedelta:
    """How much earlier than now a stage is scored: thumbnails 1 h, pose to report 30 min, coaching 0."""
    return PRIORITY_STEP * (LOWEST_PRIORITY - stage.priority)


REDIS_COMMAND_RETRIES = 3
"""Tries again of a command whose connection failed (0.2 s, 0.4 s, 0.8 s apart), each on a new connection."""


def redis_settings(url: str) -> RedisSettings:
    """ARQ's connection settings from a ``redis://host:port/db`` URL.

    A command whose connection fails is tried again on a fresh one: after Redis restarts, every pooled
    connection is dead, and without this the first command on each would fail (a 503 for a caller, a lost
    status write for a worker) although Redis is back. An outage longer than the retries still raises.
    """
    settings = RedisSettings.from_dsn(url)
    settings.retry = Retry(ExponentialBackoff(cap=1.0, base=0.1), REDIS_COMMAND_RETRIES)
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    return settings


class ArqJobQueue(JobQueue):
    """Queues stages for ARQ workers listening on ``queue_name``."""

    def __init__(self, pool: ArqRedis, *, queue_name: str) -> None:
        self._pool = pool
        self.queue_name = queue_name

    @classmethod
    async def connect(cls, url: str, *, queue_name: str) -> ArqJobQueue:
        """Open a pool to Redis at ``url``.

        Raises:
            StorageUnavailableError: if Redis cannot be reached.
        """
        try:
            pool = await create_pool(redis_settings(url), default_queue_name=queue_name)
        except (RedisError, OSError) as exc:
            raise StorageUnavailableError("the job queue cannot be reached right now; try again in a minute") from exc
        return cls(pool, queue_name=queue_name)

    async def close(self) -> None:
        """Close the pool."""
        await self._pool.aclose()

    async def enqueue(self, stage: Stage, analysis_id: str) -> str:
        """Queue one stage (a no-op if that stage is queued or running); returns the job id.

        Raises:
            StorageUnavailableError: if Redis cannot be reached.
        """
        key = stage.job_id(analysis_id)
        score_at = datetime.now(UTC) - priority_offset(stage)
        try:
            await self._pool.enqueue_job(
                RUN_STAGE, analysis_id, stage.value, _job_id=key, _queue_name=self.queue_name, _defer_until=score_at
            )
        except (RedisError, OSError) as exc:
            raise StorageUnavailableError("the job queue cannot be reached right now; try again in a minute") from exc
        return key

    async def size(self) -> int:
        """Jobs waiting or running in the queue."""
        try:
            return int(await self._pool.zcard(self.queue_name))
        except (RedisError, OSError) as exc:
            raise StorageUnavailableError("the job queue cannot be reached right now; try again in a minute") from exc
