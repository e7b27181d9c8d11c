"""``punch analyze``: a video file in, a report folder out (report.json, pose_track.npz, report.html, overlay.mp4).

It runs the same processing stages as the workers (:func:`~punch_core.service.processing.run_analysis`), with a
temporary local folder as the object store, memory repositories and the offline coach, then copies out what a
user wants to keep.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from punch_adapters.inprocess.clock import SystemClock
from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.overlay import OverlayVideoWriter, encode_jpeg
from punch_adapters.pose.video import OpenCvFrameSource
from punch_adapters.report_html import render_report_html
from punch_adapters.storage.factories import local_store
from punch_app.progress import ProgressBar
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.ports.coach import Coach
from punch_core.ports.pose import PoseEstimator
from punch_core.ports.video import FrameSource
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.overlay import render_overlay
from punch_core.service.processing import ProcessingPorts, read_thumbnails, run_analysis
from punch_core.service.records import Analysis, Video
from punch_core.subject import SubjectChoice

OWNER = "cli"
ANALYSIS_ID = "cli"


def analyze_video(
    video: Path,
    workdir: Path,
    *,
    source: FrameSource,
    pose: PoseEstimator,
    coach: Coach,
    specs: BodySpecs,
    subject: SubjectChoice | None,
    language: str,
    progress: ProgressBar | None = None,
) -> tuple[dict[str, Any], ProcessingPorts]:
    """Run the processing stages on one video with its objects in ``workdir``; returns the report and the ports.

    Raises:
        MediaError: for unreadable video.
        PoseQualityError: if the boxer is not seen well enough.
    """
    clock = SystemClock()
    repositories = MemoryRepositories.create()
    ports = ProcessingPorts(
        source=source,
        pose=pose,
        coach=coach,
        store=local_store(workdir),
        analyses=repositories.analyses,
        videos=repositories.videos,
        stamps=repositories.stamps,
        reports=repositories.reports,
        clock=clock,
        encode_jpeg=lambda frame: encode_jpeg(frame.rgb),
        write_overlay=OverlayVideoWriter(source),
    )
    container = video.suffix.lower().lstrip(".") or "mp4"
    key = f"videos/{ANALYSIS_ID}/source.{container}"
    with video.open("rb") as fh:
        size = ports.store.put_stream(key, iter(lambda: fh.read(8 << 20), b""))
    now = clock.now()
    info = source.probe(str(video))
    repositories.videos.add(
        Video(
            id=ANALYSIS_ID,
            owner_id=OWNER,
            object_key=key,
            filename=video.name,
            container=info.container,
            duration_s=info.duration_s,
            fps=info.fps,
            width=info.width,
            height=info.height,
            size_bytes=size,
            created_at=now,
        )
    )
    repositories.analyses.add(
        Analysis(id=ANALYSIS_ID, owner_id=OWNER, video_id=ANALYSIS_ID, created_at=now, updated_at=now)
    )
    report = run_analysis(
        ports,
        analysis_id=ANALYSIS_ID,
        owner_id=OWNER,
        specs=specs,
        subject=subject,
        language=language,
        progress=(lambda stage, share: progress.update(stage.value, share)) if progress else None,
    )
    return report, ports


def analyze_video_to_dir(
    video: Path,
    out_dir: Path,
    *,
    specs: BodySpecs,
    subject: SubjectChoice | None,
    language: str,
    overlay: bool,
    progress: ProgressBar | None = None,
    workers: int | None = None,
    pose_rate: str = "full",
) -> dict[str, Any]:
    """Analyse one video and write the report folder; returns the report.

    Raises:
        MediaError: for unreadable video.
        PoseQualityError: if the boxer is not seen well enough (nothing is written then).
    """
    source = OpenCvFrameSource()
    keys = AnalysisArtifacts(ANALYSIS_ID)
    estimator = MediaPipePoseEstimator(workers=workers, rate=pose_rate)
    with estimator as pose, tempfile.TemporaryDirectory(prefix="punch-analyze-") as work:
        report, ports = analyze_video(
            video,
            Path(work),
            source=source,
            pose=pose,
            coach=OfflineCoach(),
            specs=specs,
            subject=subject,
            language=language,
            progress=progress,
        )
        track_npz = ports.store.get(keys.pose_track)
        jpegs = [(t.t_s, ports.store.get(t.key)) for t in read_thumbnails(ports.store, ANALYSIS_ID).thumbnails]
        out_dir.mkdir(parents=True, exist_ok=True)
        if overlay:
            # The overlay job the web app runs on request: the stamps the report shows, drawn on the video.
            render_overlay(
                ports, ANALYSIS_ID, progress=(lambda share: progress.update("overlay", share)) if progress else None
            )
            with ports.store.local_path(keys.overlay_video) as drawn:
                shutil.copyfile(drawn, out_dir / "overlay.mp4")
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / "pose_track.npz").write_bytes(track_npz)
    (out_dir / "report.html").write_text(render_report_html(report, thumbnails=jpegs), encoding="utf-8")
    if progress:
        progress.update("overlay" if overlay else "report", 1.0)
    return report
