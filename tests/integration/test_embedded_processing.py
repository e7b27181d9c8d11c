"""The embedded default end to end: SQLite, local files, the in-process runner and progress, real MediaPipe.

Built through the same composition root as production (`build_services`), from settings with nothing but a
data folder, plus one test with an LLM configured that fails, where the report still completes.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from punch_app.cli import main
from punch_app.container import Services, build_services
from punch_app.settings import Settings
from punch_core.body import BodySpecs
from punch_core.service.processing import configure_analysis, start_analysis
from punch_core.service.records import PIPELINE, Analysis, AnalysisStatus, Stage, Video
from tests.support.fake_openai import FakeOpenAI, Reply

CLIP = "media/shadowcoach/jab/8da046a4-deae-45ee-8c6e-721d813a05df.mp4"  # 2.6 s, one jab that is found


def _add_video(services: Services, clip: Path, analysis_id: str = "a1") -> None:
    now = datetime.now(UTC)
    key = f"videos/{analysis_id}/source.mp4"
    services.store.put_stream(key, iter([clip.read_bytes()]))
    repos = services.repositories
    repos.videos.add(
        Video(
            id=f"v-{analysis_id}",
            owner_id="u1",
            object_key=key,
            filename=clip.name,
            container="mp4",
            duration_s=2.6,
            fps=60.0,
            width=464,
            height=832,
            size_bytes=clip.stat().st_size,
            created_at=now,
        )
    )
    repos.analyses.add(
        Analysis(id=analysis_id, owner_id="u1", video_id=f"v-{analysis_id}", created_at=now, updated_at=now)
    )


async def _until(predicate, timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


async def _process(services: Services, analysis_id: str = "a1") -> list[dict[str, Any]]:
    """Thumbnails, the user's choices, then the analysis, following the live progress; returns the events."""
    analyses = services.repositories.analyses
    await services.queue.enqueue(Stage.THUMBNAILS, analysis_id)
    await _until(lambda: Stage.THUMBNAILS in analyses.get(analysis_id).done_stages, 60)
    configure_analysis(services.ports, analysis_id, owner_id="u1", specs=BodySpecs(height_cm=175), language="ko")
    events: list[dict[str, Any]] = []

    async def follow() -> None:
        async for event in services.progress.follow(analysis_id):
            if event["stage"] == "thumbnails":
                continue  # the thumbnails' own 0-100 may still be announced
            events.append(dict(event))
            if event["status"] in ("completed", "failed"):
                return

    follower = asyncio.create_task(follow())
    await asyncio.sleep(0.05)
    await services.queue.enqueue(start_analysis(services.ports, analysis_id, owner_id="u1"), analysis_id)
    await asyncio.wait_for(follower, 120)
    return events


def test_embedded_default_processes_a_video_with_live_progress(shared_dir, tmp_path):
    settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path / "data")})
    assert settings.redis_url is None
    assert settings.database_url.startswith("sqlite:///")

    async def scenario():
        services = await build_services(settings)
        try:
            _add_video(services, shared_dir / CLIP)
            events = await _process(services)
            return events, services.repositories.reports.get("a1", owner_id="u1"), services.metrics.exposition()
        finally:
            await services.close()

    events, report, exposition = asyncio.run(scenario())
    assert events[-1]["status"] == "completed"
    assert events[-1]["percent"] == 100.0
    percents = [e["percent"] for e in events]
    assert percents == sorted(percents), "progress never goes back"
    assert {e["stage"] for e in events} == {"pose", "stamps", "coaching", "report"}
    assert [s["kind"] for s in report["stamps"] if s["category"] == "strike"] == ["jab"]
    assert report["coaching"]["language"] == "ko"
    assert report["coaching"]["source"] == "offline"
    assert (tmp_path / "data/punch.sqlite3").is_file()
    assert (tmp_path / "data/objects/analyses/a1/pose_track.npz").is_file()
    text = exposition.decode()
    assert 'processing_jobs_total{outcome="ok",stage="pose"} 1.0' in text
    assert 'stamps_detected_total{kind="jab"} 1.0' in text
    assert "processing_duration_seconds_bucket" in text


def test_a_restarted_embedded_app_resumes_and_a_failing_llm_still_gives_a_report(shared_dir, tmp_path):
    """The process stops after the pose stage; the next start resumes at stamps. The LLM answers 500 throughout."""
    with FakeOpenAI() as llm:
        llm.script(*[Reply.status(500)] * 3)
        env = {
            "PUNCH_DATA_DIR": str(tmp_path / "data"),
            "PUNCH_LLM_BASE_URL": llm.base_url,
            "PUNCH_LLM_API_KEY": "sk-test",
            "PUNCH_LLM_TIMEOUT_S": "5",
        }
        settings = Settings.from_env(env)

        async def first_run() -> None:
            services = await build_services(settings)
            try:
                _add_video(services, shared_dir / CLIP)
                await services.queue.enqueue(Stage.THUMBNAILS, "a1")
                analyses = services.repositories.analyses
                await _until(lambda: Stage.THUMBNAILS in analyses.get("a1").done_stages, 60)
                configure_analysis(services.ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
                start_analysis(services.ports, "a1", owner_id="u1")
                # Run only the pose stage, as a process would before it is stopped.
                from punch_core.service.processing import run_stage  # noqa: PLC0415

                await asyncio.to_thread(run_stage, services.ports, "a1", Stage.POSE)
            finally:
                await services.close()

        async def second_run():
            services = await build_services(settings)
            try:
                analyses = services.repositories.analyses
                await _until(
                    lambda: analyses.get("a1").status in (AnalysisStatus.COMPLETED, AnalysisStatus.FAILED), 120
                )
                return analyses.get("a1"), services.repositories.reports.get("a1")
            finally:
                await services.close()

        asyncio.run(first_run())
        analysis, report = asyncio.run(second_run())
    assert analysis.done_stages == PIPELINE
    assert analysis.attempts == 5  # thumbnails, pose, then stamps, coaching and report after the restart
    assert report["coaching"]["source"] == "offline"
    assert "500" in report["coaching"]["fallback_reason"]
    assert len(llm.requests) == 3


def test_the_cli_and_the_embedded_service_run_one_pipeline(shared_dir, tmp_path):
    """`punch analyze` and the workers run the same stages: one real round gives the same stamps and metrics."""
    clip = shared_dir / "media/round12/jab.mp4"
    out = tmp_path / "cli"
    rc = main(["analyze", str(clip), "--height-cm", "175", "--stance", "orthodox", "--lang", "ko", "--out", str(out)])
    assert rc == 0
    by_cli = json.loads((out / "report.json").read_text())

    async def scenario():
        services = await build_services(Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path / "data")}))
        try:
            _add_video(services, clip)
            events = await _process(services)
            assert events[-1]["status"] == "completed"
            return services.repositories.reports.get("a1", owner_id="u1")
        finally:
            await services.close()

    by_service = asyncio.run(scenario())
    strikes = [s for s in by_cli["stamps"] if s["category"] == "strike"]
    assert strikes, "the round has punches to compare"
    assert by_service["stamps"] == by_cli["stamps"]
    assert by_service["metrics"] == by_cli["metrics"]
    assert by_service["quality"] == by_cli["quality"]
    assert by_service["coaching"]["summary"] == by_cli["coaching"]["summary"]
