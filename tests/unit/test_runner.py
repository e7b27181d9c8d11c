"""The stage runner: retries, failures with a message, and an analysis deleted while its stage runs."""

from __future__ import annotations

import asyncio

from punch_adapters.inprocess.jobs import InProcessJobQueue
from punch_adapters.inprocess.progress import MemoryProgress
from punch_adapters.memory.metrics import MemoryMetrics
from punch_app.runner import Outcome, StageRunner
from punch_core.body import BodySpecs
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.processing import configure_analysis, run_stage, start_analysis
from punch_core.service.records import AnalysisStatus, Stage
from tests.unit.test_processing import ScriptedPose, make_ports


def _runner(ports):
    queued = []

    async def record(stage, analysis_id, attempt):
        queued.append(stage)

    runner = StageRunner(
        ports=ports, queue=InProcessJobQueue(record), progress=MemoryProgress(), metrics=MemoryMetrics(), max_attempts=3
    )
    return runner, queued


async def _then_drain(runner, step):
    """Await the runner's step, then run whatever it queued; returns the step's outcome."""
    outcome = await step
    runner.queue.start()
    await runner.queue.join()
    await runner.queue.stop()
    return outcome


def _ready(pose):
    ports, repos = make_ports(pose)
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    start_analysis(ports, "a1", owner_id="u1")
    return ports, repos


def test_an_unexpected_error_is_retried_then_fails_with_a_message():
    pose = ScriptedPose(crash_times=3)
    ports, repos = _ready(pose)
    runner, _queued = _runner(ports)
    outcomes = [asyncio.run(runner.run(Stage.POSE, "a1", attempt=n)) for n in (1, 2, 3)]
    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    failed = repos.analyses.get("a1")
    assert failed.status is AnalysisStatus.FAILED
    assert "try again later" in (failed.error or "")
    assert runner.metrics.value("processing_jobs_total", stage="pose", outcome="retry") == 2


def test_a_stage_finishing_queues_the_next_one():
    ports, repos = _ready(ScriptedPose())
    runner, queued = _runner(ports)

    assert asyncio.run(_then_drain(runner, runner.run(Stage.POSE, "a1"))) is Outcome.DONE
    assert queued == [Stage.STAMPS]
    assert Stage.POSE in repos.analyses.get("a1").done_stages


def test_an_analysis_deleted_during_its_stage_is_cleaned_up():
    pose = ScriptedPose()
    ports, repos = _ready(pose)
    original = pose.people_track

    def people_track_then_delete(*args, **kwargs):
        track = original(*args, **kwargs)
        repos.analyses.delete("a1")  # the user deletes the report while pose runs
        return track

    pose.people_track = people_track_then_delete  # type: ignore[method-assign]
    runner, _queued = _runner(ports)
    assert asyncio.run(runner.run(Stage.POSE, "a1")) is Outcome.DONE
    assert not ports.store.exists(AnalysisArtifacts("a1").pose_track)
    assert not ports.store.exists(AnalysisArtifacts("a1").thumbnails_index)


def test_the_last_delivery_after_silent_crashes_fails_the_analysis_with_a_message():
    ports, repos = _ready(ScriptedPose())
    runner, queued = _runner(ports)
    assert asyncio.run(runner.give_up(Stage.POSE, "a1", attempt=5)) is Outcome.FAILED
    failed = repos.analyses.get("a1")
    assert failed.status is AnalysisStatus.FAILED
    assert "could not finish in 4 tries" in (failed.error or "")
    assert "try again later" in (failed.error or "")
    assert queued == []
    assert runner.metrics.value("processing_jobs_total", stage="pose", outcome="failed") == 1


def test_the_last_delivery_of_a_stage_already_stored_only_queues_the_next_one():
    # The process died just after storing the pose: nothing to fail, the analysis goes on.
    ports, repos = _ready(ScriptedPose())
    run_stage(ports, "a1", Stage.POSE)
    runner, queued = _runner(ports)

    assert asyncio.run(_then_drain(runner, runner.give_up(Stage.POSE, "a1", attempt=5))) is Outcome.DONE
    assert queued == [Stage.STAMPS]
    assert repos.analyses.get("a1").status is not AnalysisStatus.FAILED


def test_the_last_delivery_of_a_deleted_analysis_does_nothing():
    ports, repos = _ready(ScriptedPose())
    repos.analyses.delete("a1")
    runner, queued = _runner(ports)
    assert asyncio.run(runner.give_up(Stage.POSE, "a1", attempt=5)) is Outcome.DONE
    assert queued == []
