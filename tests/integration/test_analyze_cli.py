"""`punch analyze` as a user runs it: a real clip in, the report folder out; bad input, clear exits."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from punch_app.cli import main
from punch_core.formats import track_from_npz_bytes
from punch_core.report import REPORT_KEYS


def test_analyze_writes_the_report_folder(shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = shared_dir / "media/ai-boxing-trainer/session1.mp4"
    out = tmp_path / "report"
    rc = main(["analyze", str(clip), "--height-cm", "175", "--stance", "orthodox", "--out", str(out), "--overlay"])
    assert rc == 0, capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert set(REPORT_KEYS) <= set(report)
    assert report["video"]["source"] == "session1.mp4"
    assert report["quality"]["pose_coverage"] > 0.95
    # This webcam session holds no punch (bench/labels: two labelling passes), though the image rules report a few
    # strikes: the metrics count only those the coach may speak of (at or above the cut), the report keeps them all.
    cut = report["quality"]["coach_min_confidence"]
    strikes = [s for s in report["stamps"] if s["category"] == "strike"]
    assert strikes
    assert report["metrics"]["strikes_total"] == sum(s["confidence"] >= cut for s in strikes)
    track = track_from_npz_bytes((out / "pose_track.npz").read_bytes())
    assert track.n_frames == report["video"]["n_frames"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/jpeg;base64,") == 10
    assert "http://" not in html
    assert "https://" not in html
    with av.open(str(out / "overlay.mp4")) as box:
        stream = box.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert max(stream.codec_context.width, stream.codec_context.height) <= 720
    assert "wrote" in capsys.readouterr().err


def test_analyze_subject_box_and_korean(shared_dir: Path, tmp_path: Path) -> None:
    clip = shared_dir / "media/compubox/jab_cross.mp4"
    out = tmp_path / "r"
    # The right-hand boxer's box on the 0.5 s thumbnail (1080x1920 upright frame).
    rc = main(["analyze", str(clip), "--height-cm", "180", "--subject", "600,700,420,1200@0.5", "--lang", "ko",
               "--out", str(out)])  # fmt: skip
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["coaching"]["language"] == "ko"
    assert report["video"]["subject"]["x"] == 600
    track = track_from_npz_bytes((out / "pose_track.npz").read_bytes())
    torso_x = np.nanmean(track.landmarks[:, [11, 12, 23, 24], 0], axis=1)
    assert np.all(torso_x[np.isfinite(torso_x)] > 0.5)
    assert "리포트" in (out / "report.html").read_text()


def test_analyze_at_the_adaptive_pose_rate_keeps_to_the_picked_boxer_of_two(shared_dir: Path, tmp_path: Path) -> None:
    clip = shared_dir / "media/compubox/jab_cross.mp4"
    out = tmp_path / "r"
    rc = main(["analyze", str(clip), "--height-cm", "180", "--subject", "600,700,420,1200@0.5",
               "--pose-rate", "adaptive", "--out", str(out)])  # fmt: skip
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    video = report["video"]
    assert video["pose_frames"] < video["n_frames"], "fewer frames inferred than the video has"
    track = track_from_npz_bytes((out / "pose_track.npz").read_bytes())
    assert track.n_frames == video["pose_frames"]
    torso_x = np.nanmean(track.landmarks[:, [11, 12, 23, 24], 0], axis=1)
    assert np.all(torso_x[np.isfinite(torso_x)] > 0.5), "never the other boxer"


def test_analyze_refuses_bad_input_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    assert main(["analyze", str(text), "--height-cm", "175", "--out", str(tmp_path / "o")]) == 2
    assert "not a video we can read" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "missing.mp4"), "--height-cm", "175"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["analyze", str(text), "--height-cm", "175", "--subject", "me"]) == 2
    assert "subject must be auto or X,Y,W,H@T" in capsys.readouterr().err
    assert main(["analyze", str(text), "--height-cm", "17"]) == 2
    assert "height_cm" in capsys.readouterr().err
    assert not (tmp_path / "o").exists(), "nothing is written for a refused video"


def test_an_upper_body_webcam_round_is_analysed_not_refused(shared_dir: Path, tmp_path: Path) -> None:
    """Issue 26 reported the ai-boxing-trainer webcam sessions joined into one 80 s round refused ("found in only
    11%"). Joined here (all six sessions, 640x480, 30 fps) the boxer is followed across the cuts, at this commit
    and at 31730e7 alike (2026-12-07: pose in 99% of the frames, lost only at 0:37.4-0:37.8): this keeps it so."""
    from tests.support.videos import concat_clips  # noqa: PLC0415 - needs PyAV and OpenCV

    clips = sorted((shared_dir / "media/ai-boxing-trainer").glob("session*.mp4"))
    video = concat_clips(clips, tmp_path / "webcam-round.mp4", seconds=80, fps=30, size=(640, 480))
    out = tmp_path / "report"
    assert main(["analyze", str(video), "--height-cm", "175", "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["quality"]["pose_coverage"] > 0.9
    assert report["metrics"]["seen_s"] > 70
