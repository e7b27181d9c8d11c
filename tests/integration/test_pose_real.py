"""The whole video pipeline on real phone clips from ../shared (skipped with a reason when it is absent).

Floors are regression guards set under the figures measured when they were written (docs/detection.md);
raise them as detection improves, never lower them to make a change pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.video import OpenCvFrameSource
from punch_app.analyze import analyze_video
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.subject import PersonBox, SubjectChoice, follow_subject

SPECS = BodySpecs.parse(height_cm="175", weight_kg="70", stance="orthodox", experience="intermediate")
MIN_CLIP_COVERAGE = 0.95
EXACTLY_ONE_JAB_FLOOR = 0.93  # measured 45/45 (2026-11-26, sixth session; 41/45 before the raised-elbow strikes,
# 39/45 before the punch-at-the-camera rule)
ANY_JAB_FLOOR = 0.93  # measured 45/45


@pytest.fixture(scope="module")
def jab_reports(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, Any]]]:
    clips = sorted((shared_dir / "media/shadowcoach/jab").glob("*.mp4"))
    if not clips:
        pytest.skip("no shadowcoach jab clips in ../shared/media")
    out = []
    with MediaPipePoseEstimator(workers=1) as pose:
        for clip in clips:
            report, _ports = analyze_video(
                clip,
                tmp_path_factory.mktemp("analysis"),
                source=OpenCvFrameSource(),
                pose=pose,
                coach=OfflineCoach(),
                specs=SPECS,
                subject=None,
                language="en",
            )
            out.append((clip.name, report))
    return out


def test_pose_coverage_on_every_jab_clip(jab_reports: list[tuple[str, dict[str, Any]]]) -> None:
    low = [
        (name, r["quality"]["pose_coverage"])
        for name, r in jab_reports
        if r["quality"]["pose_coverage"] < MIN_CLIP_COVERAGE
    ]
    assert not low, f"pose coverage under {MIN_CLIP_COVERAGE}: {low}"


def test_one_jab_per_jab_clip(jab_reports: list[tuple[str, dict[str, Any]]]) -> None:
    jabs = [sum(s["kind"] == "jab" for s in r["stamps"]) for _name, r in jab_reports]
    exactly_one = sum(n == 1 for n in jabs) / len(jabs)
    any_jab = sum(n >= 1 for n in jabs) / len(jabs)
    assert exactly_one >= EXACTLY_ONE_JAB_FLOOR, f"exactly one jab in {exactly_one:.2f} of the clips; jabs: {jabs}"
    assert any_jab >= ANY_JAB_FLOOR
    assert max(jabs) <= 2, f"a one-jab clip gave {max(jabs)} jabs"


@pytest.mark.parametrize("side", ["left", "right"])
def test_two_boxers_picking_one_follows_that_one(shared_dir: Path, side: str) -> None:
    clip = shared_dir / "media/compubox/jab_cross.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} is absent")
    source = OpenCvFrameSource()
    info = source.probe(str(clip))
    with MediaPipePoseEstimator(workers=1) as pose:
        thumb = source.frame_at(str(clip), 0.5)
        boxes = sorted(pose.people(thumb), key=lambda b: b.x)
        assert len(boxes) == 2, f"both boxers should be on the 0.5 s thumbnail, found {len(boxes)}"
        people = pose.people_track(str(clip), info, max_people=2)
    box: PersonBox = boxes[0] if side == "left" else boxes[1]
    result = follow_subject(people, SubjectChoice(box=box, t_s=thumb.t_s))
    torso_x = np.nanmean(result.track.landmarks[:, [11, 12, 23, 24], 0], axis=1)
    found = np.isfinite(torso_x)
    assert found.mean() >= 0.9, f"the {side} boxer was followed in only {found.mean():.0%} of the frames"
    # The two boxers hold their sides of the frame all through this clip: the track must never cross over.
    assert np.all(torso_x[found] < 0.5) if side == "left" else np.all(torso_x[found] > 0.5)
    # The world landmarks follow the same person: present exactly where the image landmarks are, in metres.
    world = result.track.world_m
    assert world is not None
    assert np.array_equal(np.isfinite(world[:, :, 0]), np.isfinite(result.track.landmarks[:, :, 0]))
    shoulders = np.linalg.norm(world[found, 11] - world[found, 12], axis=1)
    assert 0.2 < float(np.median(shoulders)) < 0.5, "shoulder width in metres"
    hips = 0.5 * (world[found, 23] + world[found, 24])
    assert float(np.abs(hips).max()) < 0.05, "world landmarks are centred between the hips"
