"""The ARQ worker: ``punch worker`` runs stage jobs from Redis until stopped.

Every job is ``run_stage(analysis_id, stage)``. A worker that is killed mid-job leaves the job in Redis; ARQ
gives it to another worker once the job's in-progress lease (the stage time limit + 15 s) runs out, and
:func:`punch_core.service.processing.run_stage` skips the stages already stored, so the analysis resumes where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from arq import Retry
from arq.worker import Worker, func
from redis.exceptions import RedisError

from punch_adapters.jobs.arq_queue import RUN_STAGE, ArqJobQueue, redis_settings
from punch_app.container import Services, build_services
from punch_app.logs import configure_logging
from punch_app.runner import Outcome
from punch_app.settings import Settings
from punch_app.tracing import configure_tracing
from punch_core.errors import StorageUnavailableError
from punch_core.ports.metrics import Metrics
from punch_core.service.records import Stage

logger = logging.getLogger("punch.worker")

# ARQ's lease on a running job is the longest function timeout + 10 s; ours adds a little to the stage limit so
# the stage's own timeout (with its message for the user) fires first.
ARQ_TIMEOUT_MARGIN_S = 5.0
CRASH_TRIES = 2
"""Deliveries of a job beyond the runner's attempts: a try that a crash ended counts as one (ARQ cannot tell it
from a retry), so one spare try runs the stage again, and the last one only fails the analysis with a message
(``StageRunner.give_up``) instead of leaving it "running" when ARQ drops the job."""
# While Redis is unreachable the worker tries it again this often (ARQ's own poll delay is 0.2 s).
REDIS_DOWN_RETRY_S = 1.0


class ResilientWorker(Worker):
    """ARQ's worker, kept alive through a Redis outage or restart.

    ARQ lets a connection error from its polling loop end ``Worker.run``, so a Redis restart would stop every
    worker for good. Here the loop logs the outage once, waits, and polls again until Redis answers; a job
    running meanwhile goes on (its progress falls back to the database). Jobs live in Redis, which persists
    them (docs/deployment.md), so they are all there when it is back. A job that ended while Redis was away
    could not be marked finished: ARQ runs it again once its lease expires, and the stage, already stored,
    only queues the next one.
    """

    _redis_down_since: float | None = None

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (RedisError, OSError) as exc:
            if self._redis_down_since is None:
                self._redis_down_since = time.monotonic()
                logger.warning("worker.redis_unavailable", extra={"error": f"{type(exc).__name__}: {exc}"})
            await asyncio.sleep(REDIS_DOWN_RETRY_S)
            return
        if self._redis_down_since is not None:
            down_s = time.monotonic() - self._redis_down_since
            self._redis_down_since = None
            logger.info("worker.redis_reconnected", extra={"seconds": round(down_s, 1)})

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """ARQ's ``start_jobs``, giving back the job slot it took when Redis fails before the job starts.

        ARQ takes a slot (``job_counter``, ``sem``) for a job before it claims it in Redis, and frees it only
        when the job's task ends; an error in between (Redis gone) would leak the slot, and with ``max_jobs=1``
        the worker would never take a job again.
        """
        try:
            await super().start_jobs(job_ids)
        except (RedisError, OSError):
            self.job_counter -= 1
            self.sem.release()
            raise


QUEUE_SIZE_EVERY_S = 15.0
"""How often a worker reads the queue's length into ``processing_queue_size`` (as well as after each job)."""


async def run_stage(ctx: dict[str, Any], analysis_id: str, stage: str) -> str:
    """The one job function: run a stage, and ask ARQ to retry it later when the runner says so."""
    services: Services = ctx["services"]
    settings: Settings = ctx["settings"]
    attempt = int(ctx.get("job_try", 1))
    if attempt >= settings.max_attempts + CRASH_TRIES:
        outcome = await services.runner.give_up(Stage(stage), analysis_id, attempt=attempt)
    else:
        outcome = await services.runner.run(Stage(stage), analysis_id, attempt=attempt)
    queue = services.queue
    if isinstance(queue, ArqJobQueue):
        await _export_queue_size(services.metrics, queue)
    if outcome is Outcome.RETRY:
        raise Retry(defer=services.runner.retry_delay_s(attempt))
    return str(outcome.value)


async def _export_queue_size(metrics: Metrics, queue: ArqJobQueue) -> None:
    try:
        metrics.set_gauge("processing_queue_size", await queue.size())
    except StorageUnavailableError:
        logger.warning("worker.queue_size_unavailable")  # the gauge keeps its last value; the job goes on


async def watch_queue_size(metrics: Metrics, queue: ArqJobQueue, *, every_s: float = QUEUE_SIZE_EVERY_S) -> None:
    """Keep ``processing_queue_size`` current until cancelled.

    Not only after each job: a worker busy with a 5-minute pose job, or an idle one, would otherwise export a
    stale length. The queue is shared, so every worker exports the same number (the alert takes the max).
    """
    while True:
        await _export_queue_size(metrics, queue)
        await asyncio.sleep(every_s)


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    configure_tracing(settings, service_name="punchanalytics-worker")
    ctx["services"] = await build_services(settings)
    if settings.worker_metrics_port:
        ctx["services"].metrics.serve(settings.worker_metrics_port)
    queue = ctx["services"].queue
    if isinstance(queue, ArqJobQueue):
        ctx["queue_watch"] = asyncio.create_task(watch_queue_size(ctx["services"].metrics, queue))
    logger.info("worker.started", extra={"queue": settings.queue_name})


async def _shutdown(ctx: dict[str, Any]) -> None:
    watch: asyncio.Task[None] | None = ctx.get("queue_watch")
    if watch is not None:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    services: Services | None = ctx.get("services")
    if services is not None:
        await services.close()


def make_worker(settings: Settings) -> Worker:
    """An ARQ worker for these settings (needs ``settings.redis_url``)."""
    if not settings.redis_url:
        raise ValueError("the ARQ worker needs PUNCH_REDIS_URL (without it, `punch serve` runs jobs in-process)")
    return ResilientWorker(
        functions=[
            func(
                run_stage,
                name=RUN_STAGE,
                timeout=settings.stage_timeout_s + ARQ_TIMEOUT_MARGIN_S,
                keep_result=0,
                # Crashes count as tries too; the runner fails the analysis itself after max_attempts.
                max_tries=settings.max_attempts + CRASH_TRIES,
            )
        ],
        redis_settings=redis_settings(settings.redis_url),
        queue_name=settings.queue_name,
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx={"settings": settings},
        # A pose job uses every core already; more workers (processes or machines) scale out.
        max_jobs=1,
        poll_delay=0.2,
        handle_signals=True,
    )


def run_worker(settings: Settings) -> int:
    """Run a worker until SIGINT/SIGTERM; returns the exit status."""
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    asyncio.set_event_loop(asyncio.new_event_loop())  # ARQ's Worker takes the current loop when it is made
    worker = make_worker(settings)
    worker.run()
    return 0
