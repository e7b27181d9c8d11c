"""``punch analyze``: a video file in, a report folder out (report.json, pose_track.npz, report.html, overlay.mp4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.overlay import encode_jpeg, write_overlay
from punch_adapters.pose.video import OpenCvFrameSource
from punch_app.progress import ProgressBar
from punch_app.report_html import render_report_html
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.formats import track_to_npz_bytes
from punch_core.stamps import Stamp
from punch_core.subject import SubjectChoice
from punch_core.video_analysis import analyse_video


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
) -> dict[str, Any]:
    """Analyse one video and write the report folder; returns the report.

    Raises:
        MediaError: for unreadable video.
        PoseQualityError: if the boxer is not seen well enough (nothing is written then).
    """
    source = OpenCvFrameSource()
    update = progress.update if progress else None
    with MediaPipePoseEstimator(workers=workers) as pose:
        report, result, thumbs = analyse_video(
            str(video),
            source=source,
            pose=pose,
            coach=OfflineCoach(),
            specs=specs,
            subject=subject,
            language=language,
            progress=update,
            video={"source": video.name},
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / "pose_track.npz").write_bytes(track_to_npz_bytes(result.track))
    jpegs = [(t.t_s, encode_jpeg(t.frame.rgb)) for t in thumbs]
    (out_dir / "report.html").write_text(render_report_html(report, thumbnails=jpegs), encoding="utf-8")
    if overlay:
        info = report["video"]
        write_overlay(
            source.frames(str(video)),
            result.track,
            [Stamp.from_dict(s) for s in report["stamps"]],
            out_dir / "overlay.mp4",
            fps=float(info["fps"]),
            n_frames=int(info["n_frames"]),
            progress=(lambda share: progress.update("overlay", share)) if progress else None,
        )
    if progress:
        progress.update("overlay" if overlay else "report", 1.0)
    return report
