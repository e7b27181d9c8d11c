"""The processing use case over shipped in-memory adapters and a scripted pose estimator (no video decoding).

Checks the stage order, that each stage stores its output, that a re-run after a crash resumes from the last
finished stage without storing anything twice, and the errors a user can cause.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.storage import memory_store
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.errors import ConflictError, NotFoundError, PoseQualityError, ValidationError
from punch_core.ports.video import Frame, VideoInfo
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.processing import (
    ProcessingPorts,
    configure_analysis,
    correct_stamps,
    fail_analysis,
    rerun_coaching,
    retry_analysis,
    run_stage,
    start_analysis,
)
from punch_core.service.records import PIPELINE, Analysis, AnalysisStatus, Stage, Video
from punch_core.subject import PeopleTrack, PersonBox, person_box
from punch_core.testing.synthetic import Camera, make_round

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class StepClock:
    def __init__(self) -> None:
        self._ticks = itertools.count()

    def now(self) -> datetime:
        return T0 + timedelta(seconds=next(self._ticks))


class ScriptedPose:
    """Serves a synthetic boxer's track as MediaPipe would; can be told to crash (a killed worker)."""

    def __init__(self, *, dropout: float = 0.0, crash_times: int = 0) -> None:
        r = make_round(
            actions=[("jab", 1.0), ("cross", 2.5), ("jab", 4.0)],
            duration_s=6.0,
            fps=30.0,
            seed=3,
            camera=Camera(yaw_deg=90.0),
            dropout_rate=dropout,
        )
        self.track = r
        self.crash_times = crash_times
        self.calls = 0

    def people(self, frame: Frame) -> list[PersonBox]:
        i = min(round(frame.t_s * 30), len(self.track.t_s) - 1)
        lm = self.track.landmarks[i]
        return [person_box(lm, self.track.width, self.track.height)] if np.isfinite(lm[:, :2]).all() else []

    def people_track(self, path, info, *, max_people, progress=None) -> PeopleTrack:
        self.calls += 1
        if progress:
            progress(0.5)
        if self.crash_times:
            self.crash_times -= 1
            raise RuntimeError("worker killed")
        r = self.track
        return PeopleTrack(
            t_s=r.t_s,
            landmarks=r.landmarks[:, None],
            appearance=np.zeros((len(r.t_s), 1, 4), np.float32),
            width=r.width,
            height=r.height,
        )


class StillSource:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height

    def probe(self, path: str) -> VideoInfo:
        return VideoInfo(
            container="mp4",
            duration_s=6.0,
            fps=30.0,
            width=self.width,
            height=self.height,
            rotation_deg=0,
            n_frames=180,
        )

    def frames(self, path, *, start_s=0.0, end_s=None):
        raise AssertionError("the stages decode through the pose estimator")

    def frame_at(self, path: str, t_s: float) -> Frame:
        return Frame(index=int(t_s * 30), t_s=t_s, rgb=np.zeros((self.height, self.width, 3), np.uint8))

    def frames_at(self, path: str, times_s) -> list[Frame]:
        return [self.frame_at(path, t_s) for t_s in times_s]

    def without_metadata(self, path: str, out_path: str, *, container: str) -> None:
        Path(out_path).write_bytes(Path(path).read_bytes())


class DrawnOverlay:
    """An overlay writer that writes what it was asked to draw (the real one is tested on real video)."""

    def __init__(self, *, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[list[str]] = []

    def __call__(self, video_path, track, stamps, out_path, *, progress=None) -> int:
        self.calls.append([s.kind.value for s in stamps])
        if self.error is not None:
            raise self.error
        for share in (0.25, 0.5, 1.0):
            if progress:
                progress(share)
        Path(out_path).write_bytes(b"overlay:" + ",".join(self.calls[-1]).encode())
        return int(track.n_frames)


def make_ports(
    pose: ScriptedPose, *, write_overlay: DrawnOverlay | None = None
) -> tuple[ProcessingPorts, MemoryRepositories]:
    repos = MemoryRepositories.create()
    store = memory_store(f"test-{id(pose)}")
    store.put("videos/v1/source.mp4", b"\x00\x00\x00\x18ftypmp42 not decoded here")
    repos.videos.add(
        Video(
            id="v1",
            owner_id="u1",
            object_key="videos/v1/source.mp4",
            filename="round.mp4",
            container="mp4",
            duration_s=6.0,
            fps=30.0,
            width=pose.track.width,
            height=pose.track.height,
            size_bytes=40,
            created_at=T0,
        )
    )
    repos.analyses.add(Analysis(id="a1", owner_id="u1", video_id="v1", created_at=T0, updated_at=T0))
    ports = ProcessingPorts(
        source=StillSource(pose.track.width, pose.track.height),
        pose=pose,
        coach=OfflineCoach(),
        store=store,
        analyses=repos.analyses,
        videos=repos.videos,
        stamps=repos.stamps,
        reports=repos.reports,
        clock=StepClock(),
        encode_jpeg=lambda frame: b"JPEG%dx%d" % frame.rgb.shape[:2],
        write_overlay=write_overlay or DrawnOverlay(),
    )
    return ports, repos


def run_all(ports: ProcessingPorts, first: Stage) -> list[Stage]:
    ran: list[Stage] = []
    stage: Stage | None = first
    while stage is not None:
        ran.append(stage)
        stage = run_stage(ports, "a1", stage)
    return ran


def test_thumbnails_then_configure_start_and_every_stage_to_the_report():
    pose = ScriptedPose()
    ports, repos = make_ports(pose)
    assert run_stage(ports, "a1", Stage.THUMBNAILS) is None  # waits for the user
    thumbs = ports.store.get(AnalysisArtifacts("a1").thumbnails_index)
    assert b'"boxes"' in thumbs
    assert ports.store.exists(AnalysisArtifacts("a1").thumbnail(9))
    assert repos.analyses.get("a1").status is AnalysisStatus.CREATED

    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175, weight_kg=70), language="ko")
    assert start_analysis(ports, "a1", owner_id="u1") is Stage.POSE
    assert repos.analyses.get("a1").status is AnalysisStatus.QUEUED

    assert run_all(ports, Stage.POSE) == [Stage.POSE, Stage.STAMPS, Stage.COACHING, Stage.REPORT]
    analysis = repos.analyses.get("a1")
    assert analysis.status is AnalysisStatus.COMPLETED
    assert analysis.progress == 100.0
    assert analysis.done_stages == PIPELINE
    assert analysis.finished_at is not None
    report = repos.reports.get("a1", owner_id="u1")
    assert report["coaching"]["language"] == "ko"
    assert report["video"]["source"] == "round.mp4"
    strikes = [s for s in report["stamps"] if s["category"] == "strike"]
    assert len(strikes) == 3
    assert repos.stamps.list("a1") == report["stamps"]
    keys = AnalysisArtifacts("a1")
    for key in (keys.pose_track, keys.pose_view, keys.subject, keys.round, keys.coaching):
        assert ports.store.exists(key)


def test_a_crash_mid_pose_resumes_there_and_a_replayed_stage_stores_nothing_twice():
    pose = ScriptedPose(crash_times=1)
    ports, repos = make_ports(pose)
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    start_analysis(ports, "a1", owner_id="u1")
    with pytest.raises(RuntimeError, match="worker killed"):
        run_stage(ports, "a1", Stage.POSE)
    crashed = repos.analyses.get("a1")
    assert crashed.status is AnalysisStatus.RUNNING
    assert crashed.done_stages == (Stage.THUMBNAILS,)
    run_all(ports, Stage.POSE)
    stamps = repos.stamps.list("a1")
    # A job runner may deliver a finished stage again: nothing runs, nothing is added.
    assert run_stage(ports, "a1", Stage.STAMPS) is None  # the analysis is complete
    assert repos.stamps.list("a1") == stamps
    assert pose.calls == 2
    assert repos.analyses.get("a1").attempts == 6  # thumbnails, pose twice, stamps, coaching, report


def test_rerunning_coaching_rewrites_only_coaching_and_report():
    pose = ScriptedPose()
    ports, repos = make_ports(pose)
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    start_analysis(ports, "a1", owner_id="u1")
    run_all(ports, Stage.POSE)
    assert rerun_coaching(ports, "a1", owner_id="u1") is Stage.COACHING
    assert run_all(ports, Stage.COACHING) == [Stage.COACHING, Stage.REPORT]
    assert pose.calls == 1
    assert repos.analyses.get("a1").status is AnalysisStatus.COMPLETED
    assert repos.reports.get("a1", owner_id="u1")["coaching"]["language"] == "en"

    # The boxer reads the report in Korean: the coaching is written again in Korean, and stays so.
    with pytest.raises(ValidationError, match="en or ko"):
        rerun_coaching(ports, "a1", owner_id="u1", language="fr")
    assert rerun_coaching(ports, "a1", owner_id="u1", language="ko") is Stage.COACHING
    run_all(ports, Stage.COACHING)
    coaching = repos.reports.get("a1", owner_id="u1")["coaching"]
    assert coaching["language"] == "ko"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in coaching["summary"]), coaching["summary"]
    assert repos.analyses.get("a1").language == "ko"


def test_too_little_pose_fails_the_stamps_stage_with_filming_advice():
    pose = ScriptedPose(dropout=0.5)
    ports, _repos = make_ports(pose)
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    start_analysis(ports, "a1", owner_id="u1")
    run_stage(ports, "a1", Stage.POSE)
    with pytest.raises(PoseQualityError, match="film from further away"):
        run_stage(ports, "a1", Stage.STAMPS)


def test_user_errors_before_the_start():
    pose = ScriptedPose()
    ports, _repos = make_ports(pose)
    with pytest.raises(ConflictError, match="height"):
        start_analysis(ports, "a1", owner_id="u1")
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    with pytest.raises(ConflictError, match="thumbnails are still being made"):
        start_analysis(ports, "a1", owner_id="u1")
    with pytest.raises(NotFoundError):
        start_analysis(ports, "a1", owner_id="someone-else")
    with pytest.raises(ConflictError, match="needs the thumbnails stage"):
        run_stage(ports, "a1", Stage.POSE)
    with pytest.raises(ConflictError, match="only for a completed analysis"):
        rerun_coaching(ports, "a1", owner_id="u1")
    run_stage(ports, "a1", Stage.THUMBNAILS)
    start_analysis(ports, "a1", owner_id="u1")
    with pytest.raises(ConflictError, match="already started"):
        configure_analysis(ports, "a1", owner_id="u1", language="en")


def test_a_failed_analysis_is_tried_again_with_new_choices_without_uploading_again():
    pose = ScriptedPose()
    ports, repos = make_ports(pose)
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    start_analysis(ports, "a1", owner_id="u1")
    run_stage(ports, "a1", Stage.POSE)
    with pytest.raises(ConflictError, match="only a failed analysis"):
        retry_analysis(ports, "a1", owner_id="u1")
    repos.stamps.replace("a1", [{"kind": "jab"}])  # what a stage after the pose may have stored before failing
    fail_analysis(ports, "a1", "the boxer was found in only 40% of the video")
    assert retry_analysis(ports, "a1", owner_id="u1") is None  # back to the user: pick, give specs, start

    analysis = repos.analyses.get("a1")
    assert analysis.status is AnalysisStatus.CREATED
    assert analysis.done_stages == (Stage.THUMBNAILS,)
    assert (analysis.error, analysis.attempts, analysis.finished_at) == (None, 0, None)
    assert repos.stamps.list("a1") == []
    assert ports.store.exists(AnalysisArtifacts("a1").thumbnail(0)), "the thumbnails are kept"

    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=180, stance="southpaw"))
    assert run_all(ports, start_analysis(ports, "a1", owner_id="u1"))[-1] is Stage.REPORT
    report = repos.reports.get("a1", owner_id="u1")
    assert report["body"]["stance"] == "southpaw"


def test_a_failed_thumbnails_stage_is_made_again_on_retry():
    pose = ScriptedPose()
    ports, repos = make_ports(pose)
    fail_analysis(ports, "a1", "the video could not be read")
    assert retry_analysis(ports, "a1", owner_id="u1") is Stage.THUMBNAILS
    assert repos.analyses.get("a1").status is AnalysisStatus.CREATED
    assert run_stage(ports, "a1", Stage.THUMBNAILS) is None
    assert Stage.THUMBNAILS in repos.analyses.get("a1").done_stages
    with pytest.raises(NotFoundError):
        retry_analysis(ports, "a1", owner_id="someone-else")


class EmptyRoomPose(ScriptedPose):
    def people(self, frame: Frame) -> list[PersonBox]:
        return []


def test_an_empty_room_cannot_be_started():
    ports, repos = make_ports(EmptyRoomPose())
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    with pytest.raises(PoseQualityError, match="no one was found anywhere"):
        start_analysis(ports, "a1", owner_id="u1")
    assert repos.analyses.get("a1").status is AnalysisStatus.CREATED


def _completed(pose: ScriptedPose) -> tuple[ProcessingPorts, MemoryRepositories]:
    ports, repos = make_ports(pose)
    run_stage(ports, "a1", Stage.THUMBNAILS)
    configure_analysis(ports, "a1", owner_id="u1", specs=BodySpecs(height_cm=175))
    run_all(ports, start_analysis(ports, "a1", owner_id="u1"))
    return ports, repos


def test_the_boxer_corrects_the_stamps_and_the_report_keeps_what_the_detector_found():
    ports, repos = _completed(ScriptedPose())
    report = repos.reports.get("a1", owner_id="u1")
    detected = [s for s in report["stamps"] if s["category"] == "strike"]
    assert [s["kind"] for s in detected] == ["jab", "cross", "jab"]
    first, second, _third = (report["stamps"].index(s) for s in detected)
    edits = [
        # the first jab kept as it is, the cross retyped as a rear hook, the last jab deleted, a missed jab added
        {**report["stamps"][first], "detected": first},
        {**report["stamps"][second], "detected": second, "kind": "rear_hook"},
        {"detected": None, "kind": "jab", "hand": "lead", "t_start_s": 5.0, "t_peak_s": 5.2, "t_end_s": 5.5},
    ]
    corrected = correct_stamps(ports, "a1", owner_id="u1", stamps=edits)
    kinds = [s["kind"] for s in corrected["stamps"]]
    assert kinds == ["jab", "rear_hook", "jab"]
    assert corrected["corrections"] == {
        "deleted": len(report["stamps"]) - 2,
        "changed": 1,
        "added": 1,
        "coaching_outdated": True,
    }
    assert corrected["detected_stamps"] == report["stamps"]
    assert corrected["metrics"]["counts"]["rear_hook"] == 1
    assert corrected["metrics"]["strikes_total"] == 3
    added = corrected["stamps"][2]
    assert added["confidence"] == 1.0
    assert added["features"] == {"boxer_corrected": 1.0}
    assert corrected["stamps"][1]["features"] == {"boxer_corrected": 1.0, "detected_index": second}
    assert corrected["stamps"][0]["features"]["detected_index"] == first
    assert added["peak_speed_mps"] is not None
    assert repos.reports.get("a1", owner_id="u1") == corrected
    assert [s["kind"] for s in repos.stamps.list("a1")] == kinds

    # Written again, the coaching speaks from the corrected stamps; the detector's stay in the report.
    run_all(ports, rerun_coaching(ports, "a1", owner_id="u1"))
    again = repos.reports.get("a1", owner_id="u1")
    assert [s["kind"] for s in again["stamps"]] == kinds
    assert again["detected_stamps"] == report["stamps"]
    assert "coaching_outdated" not in again["corrections"]

    # A second round of corrections still refers to the detector's stamps by index.
    third = correct_stamps(ports, "a1", owner_id="u1", stamps=[{**report["stamps"][first], "detected": first}])
    assert [s["kind"] for s in third["stamps"]] == ["jab"]
    assert third["detected_stamps"] == report["stamps"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"kind": "haymaker", "hand": "lead", "t_start_s": 1, "t_peak_s": 1.2, "t_end_s": 1.5}, "kind"),
        ({"kind": "jab", "hand": "lead", "t_start_s": 1, "t_peak_s": 0.5, "t_end_s": 1.5}, "t_peak_s"),
        ({"kind": "jab", "hand": "lead", "t_start_s": 1, "t_peak_s": 1.2, "t_end_s": 99.0}, "t_end_s"),
        ({"kind": "jab", "hand": "none", "t_start_s": 1, "t_peak_s": 1.2, "t_end_s": 1.5}, "hand"),
        ({"kind": "slip", "hand": "none", "t_start_s": 1, "t_peak_s": 1.2, "t_end_s": 1.5}, "side"),
        ({"kind": "jab", "hand": "lead", "t_start_s": 1, "t_peak_s": 1.2, "t_end_s": 1.5, "detected": 99}, "detected"),
    ],
)
def test_a_wrong_correction_names_its_field_and_changes_nothing(edit, field):
    ports, repos = _completed(ScriptedPose())
    before = repos.reports.get("a1", owner_id="u1")
    with pytest.raises(ValidationError) as refused:
        correct_stamps(ports, "a1", owner_id="u1", stamps=[edit])
    assert refused.value.field == field
    assert repos.reports.get("a1", owner_id="u1") == before
