"""The overlay video on request: asked for, drawn, kept while current, drawn again after corrections (issue 26)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from punch_core.body import BodySpecs
from punch_core.errors import ConflictError, MediaError, NotFoundError
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.overlay import (
    STALE_AFTER,
    OverlayStatus,
    fail_overlay,
    overlay_state,
    render_overlay,
    request_overlay,
)
from punch_core.service.processing import (
    configure_analysis,
    correct_stamps,
    rerun_coaching,
    run_stage,
    start_analysis,
)
from punch_core.service.records import PIPELINE, AnalysisStatus, Stage
from tests.unit.test_processing import DrawnOverlay, ScriptedPose, make_ports, run_all
from tests.unit.test_runner import _runner


def _completed(writer: DrawnOverlay):
    ports, repos = make_ports(ScriptedPose(), write_overlay=writer)
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    run_all(ports, start_analysis(ports, "a1", owner_id="u1"))
    return ports, repos


def test_the_overlay_is_not_a_stage_of_the_analysis():
    assert Stage.OVERLAY not in PIPELINE
    assert Stage.REPORT.next is None
    assert Stage.OVERLAY.next is None
    assert Stage.OVERLAY.job_id("a1") == "a1:overlay"


def test_asked_for_drawn_from_the_shown_stamps_then_kept_until_the_stamps_change():
    writer = DrawnOverlay()
    ports, repos = _completed(writer)
    assert overlay_state(ports, "a1", owner_id="u1").status is OverlayStatus.NONE
    with pytest.raises(NotFoundError):
        overlay_state(ports, "a1", owner_id="someone-else")

    state, queue = request_overlay(ports, "a1", owner_id="u1")
    assert (state.status, queue) == (OverlayStatus.QUEUED, True)
    ready = render_overlay(ports, "a1")
    assert ready.status is OverlayStatus.READY
    assert ready.percent == 100.0
    # The stamps the report shows by default: the three strikes the scripted round throws (and nothing below the cut).
    report = repos.reports.get("a1", owner_id="u1")
    cut = report["quality"]["coach_min_confidence"]
    shown = [s["kind"] for s in report["stamps"] if s["confidence"] >= cut]
    assert writer.calls == [shown]
    assert {"jab", "cross"} <= set(shown)
    video = ports.store.get(AnalysisArtifacts("a1").overlay_video)
    assert video == b"overlay:" + ",".join(shown).encode()
    assert ready.size_bytes == len(video)

    # Asked again: the ready one is answered, nothing is drawn again; a job delivered twice draws once.
    state, queue = request_overlay(ports, "a1", owner_id="u1")
    assert (state.status, queue, state.outdated) == (OverlayStatus.READY, False, False)
    assert render_overlay(ports, "a1").status is OverlayStatus.READY
    assert len(writer.calls) == 1

    # The boxer deletes every stamp but the first strike: the stored overlay is outdated and is drawn again.
    first = next(i for i, s in enumerate(report["stamps"]) if s["category"] == "strike")
    correct_stamps(ports, "a1", owner_id="u1", stamps=[{**report["stamps"][first], "detected": first}])
    assert overlay_state(ports, "a1", owner_id="u1").outdated
    state, queue = request_overlay(ports, "a1", owner_id="u1")
    assert (state.status, queue) == (OverlayStatus.QUEUED, True)
    render_overlay(ports, "a1")
    assert writer.calls[-1] == [report["stamps"][first]["kind"]]
    assert not overlay_state(ports, "a1", owner_id="u1").outdated
    # The analysis itself is untouched by all this.
    analysis = repos.analyses.get("a1")
    assert (analysis.status, analysis.done_stages, analysis.progress) == (AnalysisStatus.COMPLETED, PIPELINE, 100.0)


def test_only_a_completed_report_is_drawn():
    ports, _repos = make_ports(ScriptedPose())
    with pytest.raises(ConflictError, match="once the report is ready"):
        request_overlay(ports, "a1", owner_id="u1")
    with pytest.raises(NotFoundError):
        request_overlay(ports, "a1", owner_id="someone-else")
    assert render_overlay(ports, "a1").status is OverlayStatus.NONE


def test_a_failed_overlay_says_why_leaves_the_report_alone_and_can_be_asked_for_again():
    writer = DrawnOverlay(error=MediaError("the overlay video could not be written: disk full"))
    ports, repos = _completed(writer)
    request_overlay(ports, "a1", owner_id="u1")
    runner, _queued = _runner(ports)
    assert asyncio.run(runner.run(Stage.OVERLAY, "a1")).value == "failed"
    state = overlay_state(ports, "a1", owner_id="u1")
    assert state.status is OverlayStatus.FAILED
    assert "disk full" in (state.error or "")
    assert repos.analyses.get("a1").status is AnalysisStatus.COMPLETED
    assert repos.analyses.get("a1").error is None
    writer.error = None
    state, queue = request_overlay(ports, "a1", owner_id="u1")
    assert (state.status, state.error, queue) == (OverlayStatus.QUEUED, None, True)
    assert asyncio.run(runner.run(Stage.OVERLAY, "a1")).value == "done"
    assert overlay_state(ports, "a1", owner_id="u1").status is OverlayStatus.READY
    assert runner.metrics.value("processing_jobs_total", stage="overlay", outcome="ok") == 1


def test_an_unexpected_error_is_retried_then_fails_the_overlay_only():
    writer = DrawnOverlay(error=OSError("the worker's disk went away"))
    ports, repos = _completed(writer)
    request_overlay(ports, "a1", owner_id="u1")
    runner, _queued = _runner(ports)
    outcomes = [asyncio.run(runner.run(Stage.OVERLAY, "a1", attempt=n)).value for n in (1, 2, 3)]
    assert outcomes == ["retry", "retry", "failed"]
    state = overlay_state(ports, "a1", owner_id="u1")
    assert state.status is OverlayStatus.FAILED
    assert "3 tries" in (state.error or "")
    assert repos.analyses.get("a1").status is AnalysisStatus.COMPLETED
    # The last delivery after silent crashes fails the overlay too, never the analysis.
    request_overlay(ports, "a1", owner_id="u1")
    assert asyncio.run(runner.give_up(Stage.OVERLAY, "a1", attempt=4)).value == "failed"
    assert "3 tries" in (overlay_state(ports, "a1", owner_id="u1").error or "")
    assert repos.analyses.get("a1").status is AnalysisStatus.COMPLETED


def test_an_overlay_drawn_while_the_analysis_was_deleted_leaves_nothing_behind():
    ports, repos = _completed(DrawnOverlay())
    request_overlay(ports, "a1", owner_id="u1")
    runner, _queued = _runner(ports)
    real_render = ports.write_overlay

    def delete_meanwhile(*args, **kwargs):
        written = real_render(*args, **kwargs)
        repos.analyses.delete("a1")
        return written

    object.__setattr__(ports, "write_overlay", delete_meanwhile)
    assert asyncio.run(runner.run(Stage.OVERLAY, "a1")).value == "done"
    assert ports.store.sizes(AnalysisArtifacts("a1").prefix) == {}


def test_a_failure_recorded_before_any_state_still_reads_as_failed():
    ports, _repos = _completed(DrawnOverlay())
    fail_overlay(ports, "a1", "the video with the skeleton could not be made")
    assert overlay_state(ports, "a1", owner_id="u1").status is OverlayStatus.FAILED


def test_an_overlay_lost_without_a_word_reads_as_failed_and_is_queued_again():
    ports, _repos = _completed(DrawnOverlay())
    request_overlay(ports, "a1", owner_id="u1")
    key = AnalysisArtifacts("a1").overlay_state
    stored = json.loads(ports.store.get(key))
    stored["updated_at"] = (ports.clock.now() - STALE_AFTER - timedelta(minutes=1)).isoformat()
    ports.store.put(key, json.dumps(stored).encode())  # queued, then the in-process queue was lost in a restart
    state = overlay_state(ports, "a1", owner_id="u1")
    assert state.status is OverlayStatus.FAILED
    assert "ask for it again" in (state.error or "")
    state, queue = request_overlay(ports, "a1", owner_id="u1")
    assert (state.status, queue) == (OverlayStatus.QUEUED, True)
    assert overlay_state(ports, "a1", owner_id="u1").status is OverlayStatus.QUEUED


def test_an_overlay_asked_for_while_the_coaching_is_rewritten_fails_with_a_reason_instead_of_waiting():
    ports, _repos = _completed(DrawnOverlay())
    request_overlay(ports, "a1", owner_id="u1")
    rerun_coaching(ports, "a1", owner_id="u1")
    assert render_overlay(ports, "a1").status is OverlayStatus.FAILED
    run_all(ports, Stage.COACHING)
    state = overlay_state(ports, "a1", owner_id="u1")
    assert state.status is OverlayStatus.FAILED
    assert "written again" in (state.error or "")
    assert request_overlay(ports, "a1", owner_id="u1")[1] is True


def test_the_last_delivery_after_a_crash_keeps_a_stored_overlay_and_writes_nothing_for_a_deleted_analysis():
    ports, repos = _completed(DrawnOverlay())
    request_overlay(ports, "a1", owner_id="u1")
    render_overlay(ports, "a1")
    runner, _queued = _runner(ports)
    assert asyncio.run(runner.give_up(Stage.OVERLAY, "a1", attempt=5)).value == "done"
    assert overlay_state(ports, "a1", owner_id="u1").status is OverlayStatus.READY
    ports.store.delete_prefix(AnalysisArtifacts("a1").prefix)
    repos.analyses.delete("a1")
    assert asyncio.run(runner.give_up(Stage.OVERLAY, "a1", attempt=5)).value == "done"
    assert ports.store.sizes(AnalysisArtifacts("a1").prefix) == {}
