"""Runs one stage job the same way under every job queue: logs, metrics, progress, failures, the next stage.

The ARQ worker function and the in-process runner both call :meth:`StageRunner.run`. Errors the user's video
causes fail the analysis at once with their message; anything else is retried (``max_attempts``) and then fails
the analysis with a message that says to try again later. A stage runs in a thread (``asyncio.to_thread``) so
the event loop keeps publishing progress.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import attrs
from opentelemetry import trace

from punch_app.logs import log_context
from punch_core.errors import (
    ConflictError,
    MediaError,
    NotFoundError,
    PoseQualityError,
    TrackFormatError,
    ValidationError,
)
from punch_core.ports.jobs import JobQueue, ProgressSink
from punch_core.ports.metrics import Metrics
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.overlay import OverlayStatus, fail_overlay, overlay_state, render_overlay
from punch_core.service.processing import (
    ProcessingPorts,
    ProcessingTimeoutError,
    fail_analysis,
    percent,
    run_stage,
    take_processing_seconds,
)
from punch_core.service.records import AnalysisStatus, Stage

logger = logging.getLogger("punch.processing")
_tracer = trace.get_tracer("punch.processing")

# Errors that retrying cannot fix: the video or the request itself is the problem.
USER_ERRORS = (MediaError, PoseQualityError, TrackFormatError, ValidationError, ConflictError, ProcessingTimeoutError)
RETRY_BASE_S = 2.0
PROGRESS_EVERY_S = 0.5
TIMEOUT_GRACE_S = 2.0
OVERLAY_OUR_SIDE = "the video with the skeleton could not be made in {tries} tries (a problem on our side); try again"


class Outcome(enum.Enum):
    """How a stage job ended."""

    DONE = "done"
    FAILED = "failed"
    RETRY = "retry"


@attrs.define(kw_only=True)
class StageRunner:
    """Runs stage jobs against the processing ports and reports on them."""

    ports: ProcessingPorts
    queue: JobQueue
    progress: ProgressSink
    metrics: Metrics
    stage_timeout_s: float = 300.0
    max_attempts: int = 3

    def retry_delay_s(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (exponential)."""
        return float(RETRY_BASE_S * 2 ** (attempt - 1))

    async def run(self, stage: Stage, analysis_id: str, *, attempt: int = 1) -> Outcome:
        """Run one stage job; never raises for a failing stage (the outcome says what happened)."""
        attributes = {"punch.analysis_id": analysis_id, "punch.stage": stage.value, "punch.attempt": attempt}
        with (
            log_context(analysis_id=analysis_id),
            _tracer.start_as_current_span("processing.stage", attributes=attributes) as span,
        ):
            outcome = await self._run(stage, analysis_id, attempt)
            span.set_attribute("punch.outcome", outcome.value)
            return outcome

    async def _run(self, stage: Stage, analysis_id: str, attempt: int) -> Outcome:
        if stage is Stage.OVERLAY:
            return await self._overlay(analysis_id, attempt)
        extra = {"stage": stage.value, "attempt": attempt}
        if stage in (Stage.THUMBNAILS, Stage.POSE) and attempt == 1:
            logger.info("processing.started", extra=extra)
        logger.info("processing.stage", extra=extra)
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        on_progress = self._progress_callback(loop, stage, analysis_id, started)
        try:
            await self._publish(analysis_id, stage, share=0.0)
            work = asyncio.ensure_future(
                asyncio.to_thread(run_stage, self.ports, analysis_id, stage, progress=on_progress)
            )
            # The progress callback enforces the limit during pose; this catches stages without progress. A
            # TimeoutError raised inside the stage (a network timeout) is not this: it is retried below.
            finished, _ = await asyncio.wait({work}, timeout=self.stage_timeout_s + TIMEOUT_GRACE_S)
            if not finished:
                message = f"the {stage.value} stage took longer than {self.stage_timeout_s:.0f} s; try again later"
                return await self._fail(stage, analysis_id, message, started, extra)
            next_stage = work.result()
            elapsed = time.monotonic() - started
            self.metrics.increment("processing_jobs_total", stage=stage.value, outcome="ok")
            self.metrics.observe("processing_duration_seconds", elapsed, stage=stage.value)
            # Everything after the stage is inside the try too: if it fails, running the stage again is a no-op
            # that only repeats these steps (queueing the next stage), so nothing is left stuck.
            analysis = await asyncio.to_thread(self.ports.analyses.get, analysis_id)
            if next_stage is None and analysis.status is AnalysisStatus.COMPLETED and stage is Stage.REPORT:
                # Counted and logged before the final event, so whoever follows it sees the finished numbers.
                for stamp in await asyncio.to_thread(self.ports.stamps.list, analysis_id):
                    self.metrics.increment("stamps_detected_total", kind=str(stamp["kind"]))
                whole_s = await asyncio.to_thread(take_processing_seconds, self.ports, analysis)
                if whole_s is not None:
                    self.metrics.observe("analysis_processing_seconds", whole_s)
                logger.info("processing.completed", extra={**extra, "seconds": round(elapsed, 3)})
            await self._publish(analysis_id, stage, share=1.0)
            if next_stage is not None:
                await self.queue.enqueue(next_stage, analysis_id)
            return Outcome.DONE
        except USER_ERRORS as exc:
            return await self._fail(stage, analysis_id, exc.user_message, started, extra)
        except Exception as exc:
            return await self._unexpected(exc, stage, analysis_id, attempt=attempt, started=started, extra=extra)

    async def give_up(self, stage: Stage, analysis_id: str, *, attempt: int) -> Outcome:
        """Fail the analysis on its job's last delivery, instead of running the stage again.

        Reached when the earlier tries ended without a word (the process running them was killed: out of memory,
        a machine lost). Without this the queue would drop the job after its last try and the analysis would
        show "running" for good. A stage that is already stored (the process died just after) is not failed: it
        is run, which only queues the next stage.
        """
        extra = {"stage": stage.value, "attempt": attempt}
        if stage is Stage.OVERLAY:
            if await self._deleted(analysis_id):
                return Outcome.DONE  # nothing to fail, and nothing to write under a deleted analysis
            state = await asyncio.to_thread(overlay_state, self.ports, analysis_id, owner_id=None)
            if state.status is OverlayStatus.READY:
                return Outcome.DONE  # the process died just after storing it
            logger.error("processing.gave_up", extra=extra)
            message = OVERLAY_OUR_SIDE.format(tries=attempt - 1)
            await asyncio.to_thread(self._fail_overlay, analysis_id, message)
            return Outcome.FAILED
        try:
            analysis = await asyncio.to_thread(self.ports.analyses.get, analysis_id)
        except NotFoundError:
            return Outcome.DONE  # deleted meanwhile: nothing to fail
        if stage in analysis.done_stages or analysis.status in (AnalysisStatus.COMPLETED, AnalysisStatus.FAILED):
            return await self.run(stage, analysis_id, attempt=attempt)
        message = (
            f"the {stage.value} stage could not finish in {attempt - 1} tries (the process running it stopped "
            "unexpectedly, for example out of memory); try again later"
        )
        logger.error("processing.gave_up", extra=extra)
        return await self._fail(stage, analysis_id, message, time.monotonic(), extra)

    async def _overlay(self, analysis_id: str, attempt: int) -> Outcome:
        """The overlay job: the report's video drawn again; its failure is the overlay's, never the analysis's."""
        extra = {"stage": Stage.OVERLAY.value, "attempt": attempt}
        logger.info("processing.stage", extra=extra)
        started = time.monotonic()

        def on_progress(_share: float) -> None:
            if time.monotonic() - started > self.stage_timeout_s:
                raise ProcessingTimeoutError(
                    f"drawing the video took longer than {self.stage_timeout_s:.0f} s; try again later"
                )

        outcome = Outcome.DONE
        try:
            work = asyncio.ensure_future(
                asyncio.to_thread(render_overlay, self.ports, analysis_id, progress=on_progress)
            )
            # The progress callback enforces the limit while frames come; this catches a decoder that hangs.
            finished, _ = await asyncio.wait({work}, timeout=self.stage_timeout_s + TIMEOUT_GRACE_S)
            if not finished:
                raise ProcessingTimeoutError(
                    f"drawing the video took longer than {self.stage_timeout_s:.0f} s; try again later"
                )
            work.result()
        except USER_ERRORS as exc:
            await asyncio.to_thread(self._fail_overlay, analysis_id, exc.user_message)
            outcome = Outcome.FAILED
        except Exception as exc:
            if not (isinstance(exc, NotFoundError) and await self._deleted(analysis_id)):
                if attempt < self.max_attempts:
                    logger.warning("processing.retry", extra={**extra, "error": f"{type(exc).__name__}: {exc}"})
                    self.metrics.increment("processing_jobs_total", stage=Stage.OVERLAY.value, outcome="retry")
                    return Outcome.RETRY
                logger.error("processing.error", extra=extra, exc_info=exc)
                await asyncio.to_thread(self._fail_overlay, analysis_id, OVERLAY_OUR_SIDE.format(tries=attempt))
                outcome = Outcome.FAILED
        if await self._deleted(analysis_id):
            # Deleted while it was drawn: what it wrote after the delete goes too.
            await asyncio.to_thread(self.ports.store.delete_prefix, AnalysisArtifacts(analysis_id).prefix)
            return Outcome.DONE
        result = "ok" if outcome is Outcome.DONE else "failed"
        self.metrics.increment("processing_jobs_total", stage=Stage.OVERLAY.value, outcome=result)
        self.metrics.observe("processing_duration_seconds", time.monotonic() - started, stage=Stage.OVERLAY.value)
        return outcome

    def _fail_overlay(self, analysis_id: str, message: str) -> None:
        try:
            fail_overlay(self.ports, analysis_id, message)
        except Exception:
            logger.exception("processing.fail_unrecorded", extra={"stage": Stage.OVERLAY.value})

    async def _unexpected(
        self, exc: Exception, stage: Stage, analysis_id: str, *, attempt: int, started: float, extra: dict[str, Any]
    ) -> Outcome:
        """Deleted meanwhile, retry later, or fail for good."""
        if isinstance(exc, NotFoundError) and await self._deleted(analysis_id):
            # The user deleted the analysis while this stage ran: remove what the stage wrote after the delete.
            await asyncio.to_thread(self.ports.store.delete_prefix, AnalysisArtifacts(analysis_id).prefix)
            logger.info("processing.deleted", extra=extra)
            return Outcome.DONE
        if attempt < self.max_attempts:
            logger.warning(
                "processing.retry",
                extra={**extra, "error": f"{type(exc).__name__}: {exc}", "retry_in_s": self.retry_delay_s(attempt)},
            )
            self.metrics.increment("processing_jobs_total", stage=stage.value, outcome="retry")
            return Outcome.RETRY
        logger.error("processing.error", extra=extra, exc_info=exc)
        message = f"the {stage.value} stage failed {attempt} times because of a problem on our side; try again later"
        try:
            return await self._fail(stage, analysis_id, message, started, extra)
        except Exception:
            logger.exception("processing.fail_unrecorded", extra=extra)  # the database is down too
            return Outcome.FAILED

    async def _deleted(self, analysis_id: str) -> bool:
        try:
            await asyncio.to_thread(self.ports.analyses.get, analysis_id)
        except NotFoundError:
            return True
        return False

    async def _fail(
        self, stage: Stage, analysis_id: str, message: str, started: float, extra: dict[str, Any]
    ) -> Outcome:
        await asyncio.to_thread(fail_analysis, self.ports, analysis_id, message)
        self.metrics.increment("processing_jobs_total", stage=stage.value, outcome="failed")
        self.metrics.observe("processing_duration_seconds", time.monotonic() - started, stage=stage.value)
        logger.warning("processing.failed", extra={**extra, "error": message})
        await self._publish(analysis_id, stage, share=None)
        return Outcome.FAILED

    async def _publish(self, analysis_id: str, stage: Stage, *, share: float | None) -> None:
        analysis = await asyncio.to_thread(self.ports.analyses.get, analysis_id)
        event = {
            "analysis_id": analysis_id,
            "status": analysis.status.value,
            "stage": stage.value,
            "percent": analysis.progress if share is None else percent(stage, share),
            "error": analysis.error,
        }
        try:
            await self.progress.publish(analysis_id, event)
        except Exception:
            # Live progress is a convenience: clients fall back to polling the status, the job goes on.
            logger.warning("processing.progress_unavailable", extra={"stage": stage.value}, exc_info=True)

    def _progress_callback(
        self, loop: asyncio.AbstractEventLoop, stage: Stage, analysis_id: str, started: float
    ) -> Callable[[float], None]:
        last = [0.0]

        def on_progress(share: float) -> None:
            # Runs in the stage's thread: the time limit is enforced here (raising stops the pose workers).
            now = time.monotonic()
            if now - started > self.stage_timeout_s:
                raise ProcessingTimeoutError(
                    f"the {stage.value} stage took longer than {self.stage_timeout_s:.0f} s; a 1-3 minute video "
                    "normally takes well under that: try again later, or upload a shorter video"
                )
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                # Stored from the stage's own thread, between its other writes, so a reconnecting client and a
                # poller see it; then announced on the event loop.
                self.ports.analyses.patch(analysis_id, progress=percent(stage, share))
                _submit(loop, self._publish(analysis_id, stage, share=share))

        return on_progress


def _submit(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run_coroutine_threadsafe(coro, loop)
