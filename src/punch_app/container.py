"""The composition root: which adapter serves which port, chosen from the settings, with overrides for tests.

Embedded default (nothing configured): SQLite and local files under ``PUNCH_DATA_DIR``, the in-process job
runner and progress, the offline coach. Production: PostgreSQL, S3, ARQ on Redis with Redis pub/sub progress,
an OpenAI-compatible LLM. The two differ only in what is built here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from punch_adapters.crypto.aesgcm import ENV_VARIABLE as DATA_KEYS_VARIABLE
from punch_adapters.crypto.aesgcm import AesGcmFieldCipher, KeyRing
from punch_adapters.crypto.key_file import KEY_FILE_NAME, load_or_create_key_file
from punch_adapters.inprocess.clock import SystemClock
from punch_adapters.inprocess.ids import SecretIds
from punch_adapters.inprocess.jobs import InProcessJobQueue
from punch_adapters.inprocess.progress import MemoryProgress
from punch_adapters.jobs.arq_queue import ArqJobQueue
from punch_adapters.jobs.redis_progress import RedisProgress
from punch_adapters.llm.coach import OpenAiCoach
from punch_adapters.llm.settings import LlmSettings
from punch_adapters.metrics.prometheus import PrometheusMetrics
from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.overlay import OverlayVideoWriter, encode_jpeg
from punch_adapters.pose.video import OpenCvFrameSource
from punch_adapters.scan import ClamdScanner
from punch_adapters.sql.engine import make_engine, pool_capacity, pool_in_use
from punch_adapters.sql.migrate import upgrade
from punch_adapters.sql.repositories import SqlRepositories
from punch_adapters.storage import store_from_url
from punch_app.runner import Outcome, StageRunner
from punch_app.settings import Settings
from punch_core.coaching import OfflineCoach
from punch_core.errors import ValidationError
from punch_core.ports.coach import Coach
from punch_core.ports.crypto import FieldCipher
from punch_core.ports.jobs import JobQueue, ProgressSink
from punch_core.ports.metrics import Metrics
from punch_core.ports.pose import PoseEstimator
from punch_core.ports.scan import MalwareScanner
from punch_core.ports.storage import ObjectStore
from punch_core.ports.system import Clock
from punch_core.service.processing import ProcessingPorts
from punch_core.service.records import PIPELINE, AnalysisStatus, Stage
from punch_core.service.uploads import UploadPorts, expire_uploads

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger("punch.app")


UPLOAD_SWEEP_EVERY_S = 3600.0


@attrs.define(kw_only=True)
class Services:
    """Everything a process (API or worker) uses, built once, closed once."""

    settings: Settings
    repositories: Any
    store: ObjectStore
    ports: ProcessingPorts
    metrics: PrometheusMetrics
    progress: ProgressSink
    queue: JobQueue
    runner: StageRunner
    pose: PoseEstimator
    _closers: list[Callable[[], Any]] = attrs.field(factory=list)

    async def close(self) -> None:
        """Stop the job runner, close connections and pose workers."""
        for close in reversed(self._closers):
            result = close()
            if asyncio.iscoroutine(result):
                await result

    def upload_ports(self) -> UploadPorts:
        """The ports of the upload use cases (the sweep of abandoned uploads needs them outside a request)."""
        r = self.repositories
        return UploadPorts(
            uploads=r.uploads,
            videos=r.videos,
            analyses=r.analyses,
            store=self.store,
            source=self.ports.source,
            ids=SecretIds(),
            clock=self.ports.clock,
        )

    async def sweep_uploads(self, every_s: float = UPLOAD_SWEEP_EVERY_S) -> None:
        """Remove the bytes of abandoned uploads (``expire_uploads``) now and every ``every_s`` until cancelled.

        Every process runs it (API processes and workers alike): each step is idempotent, and it costs one query
        an hour when nothing is abandoned. A failure is logged and tried again at the next round.
        """
        while True:
            try:
                expired = await asyncio.to_thread(expire_uploads, self.upload_ports())
            except Exception as exc:  # a store or database outage must not end the sweep for good
                logger.warning("uploads.sweep_failed", extra={"error": repr(exc)})
            else:
                if expired:
                    logger.info("uploads.expired", extra={"count": expired})
            await asyncio.sleep(every_s)

    async def resume_unfinished(self) -> int:
        """Queue again the next stage of every analysis a previous process left queued or running.

        With ARQ the jobs survive in Redis; the in-process runner loses them on a restart, so the embedded
        default calls this at start-up. Returns how many were queued.
        """
        count = 0
        for analysis in self.repositories.analyses.list_unfinished():
            if analysis.status is AnalysisStatus.CREATED:
                stage = Stage.THUMBNAILS
            else:
                stage = next((s for s in PIPELINE if s not in analysis.done_stages), Stage.REPORT)
            await self.queue.enqueue(stage, analysis.id)
            count += 1
        return count


def build_coach(settings: Settings, metrics: Metrics) -> Coach:
    """The offline coach, or the LLM coach (falling back to the offline one) when ``PUNCH_LLM_BASE_URL`` is set."""
    offline = OfflineCoach()
    if not settings.llm_base_url:
        return offline
    llm = LlmSettings(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "",
        model=settings.llm_model,
        timeout_s=settings.llm_timeout_s,
    )
    return OpenAiCoach(llm, fallback=offline, metrics=metrics)


def export_pool_usage(metrics: PrometheusMetrics, engine: Engine) -> None:
    """Export the engine's pool use (read at every scrape) and its capacity, when the pool has a limit."""
    capacity = pool_capacity(engine)
    if capacity is not None:
        metrics.set_gauge("db_pool_connections_capacity", capacity)
        metrics.set_gauge_function("db_pool_connections_in_use", lambda: pool_in_use(engine))


def build_scanner(settings: Settings) -> MalwareScanner | None:
    """The malware scanner every completed upload goes through: clamd at ``PUNCH_CLAMD_URL``.

    Without it uploads are not scanned, which only the embedded default allows: it logs a warning saying so
    (the API process calls this once, at start-up).

    Raises:
        ValueError: in production without ``PUNCH_CLAMD_URL``.
    """
    if settings.clamd_url:
        return ClamdScanner(settings.clamd_url, timeout_s=settings.clamd_timeout_s)
    if settings.production:
        raise ValueError(
            "PUNCH_ENV=production needs PUNCH_CLAMD_URL (clamd's socket, e.g. unix:///run/clamav/clamd.ctl): "
            "uploaded videos must be scanned for malware before they are decoded (docs/deployment.md)"
        )
    # The sentence is the message (text logs) and a field (JSON logs carry the event name, not the message).
    reason = (
        "PUNCH_CLAMD_URL is not set: uploaded videos are NOT scanned for malware before they are decoded; "
        "set it to a clamd socket to scan them (required with PUNCH_ENV=production)"
    )
    logger.warning(reason, extra={"event": "uploads.not_scanned", "reason": reason})
    return None


def build_cipher(settings: Settings) -> AesGcmFieldCipher:
    """The cipher that encrypts PII at rest: ``PUNCH_DATA_KEYS``, or the embedded default's key file.

    Without ``PUNCH_DATA_KEYS`` the embedded default makes a key once in ``PUNCH_DATA_DIR/data.keys`` (mode 0600)
    and logs that it did; back that file up with the database, which cannot be read without it.

    Raises:
        ValidationError: for a malformed ``PUNCH_DATA_KEYS`` or key file, or none in production.
    """
    if settings.data_keys:
        return AesGcmFieldCipher(KeyRing.parse(settings.data_keys, variable=DATA_KEYS_VARIABLE))
    if settings.production:
        raise ValidationError(
            DATA_KEYS_VARIABLE,
            "unset",
            "set with PUNCH_ENV=production: id:base64 keys of 32 bytes, newest first, such as "
            "k1:$(openssl rand -base64 32) (docs/deployment.md, 'Encryption at rest and key rotation')",
        )
    path = settings.data_dir / KEY_FILE_NAME
    ring, created = load_or_create_key_file(path)
    if created:
        logger.warning(
            "encryption.key_created",
            extra={
                "path": str(path),
                "reason": "PUNCH_DATA_KEYS is not set: made a data key for PII at rest; back it up with the database",
            },
        )
    return AesGcmFieldCipher(ring)


def build_store(settings: Settings) -> ObjectStore:
    """The object store named by ``PUNCH_STORAGE_URL``."""
    options: dict[str, Any] = {}
    if settings.storage_url.lower().startswith(("s3://", "s3a://")):
        options = {
            "endpoint_url": settings.s3_endpoint_url,
            "region": settings.s3_region,
            "public_endpoint_url": settings.s3_public_endpoint_url,
            "server_side_encryption": settings.s3_sse,
            "read_timeout_s": settings.s3_read_timeout_s,
        }
    return store_from_url(settings.storage_url, **options)


async def build_services(
    settings: Settings,
    *,
    pose: PoseEstimator | None = None,
    coach: Coach | None = None,
    store: ObjectStore | None = None,
    clock: Clock | None = None,
    cipher: FieldCipher | None = None,
) -> Services:
    """Build every adapter for ``settings``; keyword arguments replace one adapter (tests)."""
    closers: list[Callable[[], Any]] = []
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    metrics = PrometheusMetrics()
    await asyncio.to_thread(upgrade, settings.database_url)
    engine = make_engine(settings.database_url)
    closers.append(engine.dispose)
    export_pool_usage(metrics, engine)
    repositories = SqlRepositories.from_engine(engine, cipher=cipher or build_cipher(settings))
    store = store or build_store(settings)
    if pose is None:
        estimator = MediaPipePoseEstimator(workers=settings.pose_workers, rate=settings.pose_rate)
        closers.append(estimator.close)
        pose = estimator
    source = OpenCvFrameSource()
    ports = ProcessingPorts(
        source=source,
        pose=pose,
        coach=coach or build_coach(settings, metrics),
        store=store,
        analyses=repositories.analyses,
        videos=repositories.videos,
        stamps=repositories.stamps,
        reports=repositories.reports,
        clock=clock or SystemClock(),
        encode_jpeg=lambda frame: encode_jpeg(frame.rgb),
        write_overlay=OverlayVideoWriter(source),
    )
    progress: ProgressSink
    queue: JobQueue
    runner_box: list[StageRunner] = []
    if settings.redis_url:
        arq_queue = await ArqJobQueue.connect(settings.redis_url, queue_name=settings.queue_name)
        closers.append(arq_queue.close)
        redis_progress = RedisProgress.from_url(settings.redis_url, namespace=settings.queue_name + ":")
        closers.append(redis_progress.close)
        queue, progress = arq_queue, redis_progress
    else:

        async def handle(stage: Stage, analysis_id: str, attempt: int) -> float | None:
            runner = runner_box[0]
            outcome = await runner.run(stage, analysis_id, attempt=attempt)
            return runner.retry_delay_s(attempt) if outcome is Outcome.RETRY else None

        in_process = InProcessJobQueue(handle)
        in_process.start()
        closers.append(in_process.stop)
        queue, progress = in_process, MemoryProgress()
    runner = StageRunner(
        ports=ports,
        queue=queue,
        progress=progress,
        metrics=metrics,
        stage_timeout_s=settings.stage_timeout_s,
        max_attempts=settings.max_attempts,
    )
    runner_box.append(runner)
    services = Services(
        settings=settings,
        repositories=repositories,
        store=store,
        ports=ports,
        metrics=metrics,
        progress=progress,
        queue=queue,
        runner=runner,
        pose=pose,
        closers=closers,
    )
    sweep = asyncio.create_task(services.sweep_uploads(), name="upload-sweep")

    async def stop_sweep() -> None:
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep

    closers.append(stop_sweep)
    if not settings.redis_url:
        resumed = await services.resume_unfinished()
        if resumed:
            logger.info("processing.resumed", extra={"count": resumed})
    return services
