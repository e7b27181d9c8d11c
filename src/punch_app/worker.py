"""The ARQ worker: ``punch worker`` runs stage jobs from Redis until stopped.

Every job is ``run_stage(analysis_id, stage)``. A worker that is killed mid-job leaves the job in Redis; ARQ
gives it to another worker once the job's in-progress lease (the stage time limit + 15 s) runs out, and
:func:`punch_core.processing.run_stage` skips the stages already stored, so the analysis resumes where it was.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq import Retry
from arq.worker import Worker, func

from punch_adapters.jobs.arq_queue import RUN_STAGE, ArqJobQueue, redis_settings
from punch_app.container import Services, build_services
from punch_app.logs import configure_logging
from punch_app.runner import Outcome
from punch_app.settings import Settings
from punch_app.tracing import configure_tracing
from punch_core.records import Stage

logger = logging.getLogger("punch.worker")

# ARQ's lease on a running job is the longest function timeout + 10 s; ours adds a little to the stage limit so
# the stage's own timeout (with its message for the user) fires first.
ARQ_TIMEOUT_MARGIN_S = 5.0


async def run_stage(ctx: dict[str, Any], analysis_id: str, stage: str) -> str:
    """The one job function: run a stage, and ask ARQ to retry it later when the runner says so."""
    services: Services = ctx["services"]
    attempt = int(ctx.get("job_try", 1))
    outcome = await services.runner.run(Stage(stage), analysis_id, attempt=attempt)
    queue = services.queue
    if isinstance(queue, ArqJobQueue):
        services.metrics.set_gauge("processing_queue_size", await queue.size())
    if outcome is Outcome.RETRY:
        raise Retry(defer=services.runner.retry_delay_s(attempt))
    return str(outcome.value)


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    configure_tracing(settings, service_name="punchanalytics-worker")
    ctx["services"] = await build_services(settings)
    if settings.worker_metrics_port:
        ctx["services"].metrics.serve(settings.worker_metrics_port)
    logger.info("worker.started", extra={"queue": settings.queue_name})


async def _shutdown(ctx: dict[str, Any]) -> None:
    services: Services | None = ctx.get("services")
    if services is not None:
        await services.close()


def make_worker(settings: Settings) -> Worker:
    """An ARQ worker for these settings (needs ``settings.redis_url``)."""
    if not settings.redis_url:
        raise ValueError("the ARQ worker needs PUNCH_REDIS_URL (without it, `punch serve` runs jobs in-process)")
    return Worker(
        functions=[
            func(
                run_stage,
                name=RUN_STAGE,
                timeout=settings.stage_timeout_s + ARQ_TIMEOUT_MARGIN_S,
                keep_result=0,
                # Crashes count as tries too; the runner fails the analysis itself after max_attempts.
                max_tries=settings.max_attempts + 1,
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
