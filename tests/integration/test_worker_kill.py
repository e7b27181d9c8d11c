"""A real ARQ worker process is killed during pose estimation; another worker finishes the analysis, once.

Real PostgreSQL, real Redis, real MediaPipe on a real clip from ../shared, and `punch worker` processes
started the way production starts them (settings from the environment only).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from punch_adapters.jobs.arq_queue import ArqJobQueue
from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.overlay import OverlayVideoWriter
from punch_adapters.pose.video import OpenCvFrameSource
from punch_adapters.sql.engine import make_engine
from punch_adapters.sql.migrate import upgrade
from punch_adapters.sql.repositories import SqlRepositories
from punch_adapters.storage import local_store
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.service.processing import ProcessingPorts, configure_analysis, start_analysis
from punch_core.service.records import PIPELINE, Analysis, AnalysisStatus, Stage, Video
from tests.contract.sql_databases import postgres_schema
from tests.support.services import POSTGRES_URL, REDIS_URL, require_service

PUNCH = Path(sys.executable).with_name("punch")
STAGE_TIMEOUT_S = 12  # the lease of a killed worker's job runs out this + 15 s after it started


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    with postgres_schema(require_service("PostgreSQL", POSTGRES_URL, 5432), "kill") as url:
        yield url


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # Its own process group, so the kill takes the pose processes it spawned too, as a crash of the machine would.
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(PUNCH), "worker"], env=env, stdout=out, stderr=out, start_new_session=True
        )


def _wait(predicate, timeout_s: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    tail = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs if p.exists())
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}; worker logs:\n{tail}")


def test_a_worker_killed_during_pose_is_resumed_by_another_and_completes_once(shared_dir, pg_schema_url, tmp_path):
    redis_url = require_service("Redis", REDIS_URL, 6379)
    # A 2.6 s phone clip (60 fps) whose jab is found: the stamps to compare after the resume are not empty.
    clip = shared_dir / "media/shadowcoach/jab/8da046a4-deae-45ee-8c6e-721d813a05df.mp4"
    queue_name = f"punch:test:{uuid.uuid4().hex[:8]}"
    # ARQ's job keys are global to the Redis database: a fresh analysis id per run keeps runs apart.
    aid = f"a-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "PUNCH_DATA_DIR": str(tmp_path / "data"),
        "PUNCH_DATABASE_URL": pg_schema_url,
        "PUNCH_STORAGE_URL": str(tmp_path / "objects"),
        "PUNCH_REDIS_URL": redis_url,
        "PUNCH_QUEUE_NAME": queue_name,
        "PUNCH_STAGE_TIMEOUT_S": str(STAGE_TIMEOUT_S),
        "PUNCH_POSE_WORKERS": "2",
        "PUNCH_LOG_FORMAT": "json",
    }
    env.pop("PUNCH_LLM_BASE_URL", None)

    upgrade(pg_schema_url)
    engine = make_engine(pg_schema_url)
    repos = SqlRepositories.from_engine(engine)
    store = local_store(tmp_path / "objects")
    now = datetime.now(UTC)
    store.put_stream("videos/v1/source.mp4", iter([clip.read_bytes()]))
    repos.videos.add(
        Video(
            id="v1",
            owner_id="u1",
            object_key="videos/v1/source.mp4",
            filename=clip.name,
            container="mp4",
            duration_s=3.0,
            fps=60.0,
            width=464,
            height=832,
            size_bytes=clip.stat().st_size,
            created_at=now,
        )
    )
    repos.analyses.add(Analysis(id=aid, owner_id="u1", video_id="v1", created_at=now, updated_at=now))

    async def enqueue(stage: Stage) -> None:
        queue = await ArqJobQueue.connect(redis_url, queue_name=queue_name)
        try:
            await queue.enqueue(stage, aid)
        finally:
            await queue.close()

    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    asyncio.run(enqueue(Stage.THUMBNAILS))
    first = _start_worker(env, logs[0])
    second = None
    try:
        _wait(lambda: Stage.THUMBNAILS in repos.analyses.get(aid).done_stages, 60, "the thumbnails", logs)
        ports = ProcessingPorts(
            source=OpenCvFrameSource(),
            pose=MediaPipePoseEstimator(),
            coach=OfflineCoach(),
            store=store,
            analyses=repos.analyses,
            videos=repos.videos,
            stamps=repos.stamps,
            reports=repos.reports,
            clock=_Clock(),
            encode_jpeg=lambda f: b"",
            write_overlay=OverlayVideoWriter(OpenCvFrameSource()),
        )
        configure_analysis(ports, aid, owner_id="u1", specs=BodySpecs(height_cm=175, weight_kg=70))
        asyncio.run(enqueue(start_analysis(ports, aid, owner_id="u1")))

        def pose_running() -> bool:
            a = repos.analyses.get(aid)
            return a.stage is Stage.POSE and a.status is AnalysisStatus.RUNNING

        _wait(pose_running, 60, "the pose stage to start", logs)
        time.sleep(0.5)  # well inside pose estimation: the pose processes are running
        assert Stage.POSE not in repos.analyses.get(aid).done_stages
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)

        second = _start_worker(env, logs[1])
        _wait(
            lambda: repos.analyses.get(aid).status is AnalysisStatus.COMPLETED,
            STAGE_TIMEOUT_S + 90,
            "the second worker to finish the analysis",
            logs,
        )
        # Let the last job end before the workers are stopped (an interrupted job would stay queued in Redis).
        _wait(lambda: asyncio.run(_queue_size(redis_url, queue_name)) == 0, 30, "the queue to empty", logs)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)

    analysis = repos.analyses.get(aid)
    assert analysis.done_stages == PIPELINE
    report = repos.reports.get(aid, owner_id="u1")
    stamps = repos.stamps.list(aid)
    assert stamps == report["stamps"]
    assert len({(s["kind"], s["t_peak_s"]) for s in stamps}) == len(stamps), "duplicated stamps"
    assert [s["kind"] for s in stamps if s["category"] == "strike"] == ["jab"]
    events = [json.loads(line) for p in logs for line in p.read_text().splitlines() if line.startswith("{")]
    completed = [e for e in events if e.get("event") == "processing.completed" and e.get("analysis_id") == aid]
    assert len(completed) == 1
    pose_runs = [e for e in events if e.get("event") == "processing.stage" and e.get("stage") == "pose"]
    assert len(pose_runs) == 2, "pose ran once in the killed worker and once in the second"
    with engine.connect() as conn:
        reports = conn.execute(
            sa.text("SELECT count(*) FROM reports WHERE analysis_id = :aid"), {"aid": aid}
        ).scalar_one()
    assert reports == 1
    engine.dispose()


async def _queue_size(redis_url: str, queue_name: str) -> int:
    queue = await ArqJobQueue.connect(redis_url, queue_name=queue_name)
    try:
        return await queue.size()
    finally:
        await queue.close()


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)
