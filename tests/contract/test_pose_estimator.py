"""The PoseEstimator port's contract (punch_core/ports/pose.py), run against the MediaPipe adapter on real video.

What every pose estimator promises: ``people`` gives each person's box inside the frame, largest first;
``people_track`` gives one row per inferred frame at increasing times (every decoded frame at the full rate; at the
adaptive rate, never more than 0.2 s apart), at most ``max_people`` people per frame, NaN where nobody is, the
frame's pixel size, and progress that only grows and ends at 1; an undecodable file is a ``MediaError``. Both pose
rates run the suite. The unit tests' scripted estimators stand in for it only where they keep these promises.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from punch_adapters.pose.adaptive import PoseRate
from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.video import OpenCvFrameSource
from punch_core.errors import MediaError
from punch_core.ports.pose import PoseEstimator
from punch_core.ports.video import VideoInfo
from tests.support.videos import tiny_h264

CLIP = "media/round12/jab.mp4"


@pytest.fixture(scope="module", params=list(PoseRate))
def estimator(request: pytest.FixtureRequest) -> Iterator[PoseEstimator]:
    with MediaPipePoseEstimator(workers=1, rate=request.param) as pose:
        yield pose


def _frame_times(path: Path) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    times = []
    while cap.grab():
        times.append(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000)
    cap.release()
    return np.array(times)


def _probe(path: Path) -> VideoInfo:
    return OpenCvFrameSource().probe(str(path))


def test_people_are_boxes_inside_the_frame_largest_first(estimator: PoseEstimator, shared_dir: Path) -> None:
    path = shared_dir / CLIP
    frame = OpenCvFrameSource().frame_at(str(path), 1.0)
    boxes = estimator.people(frame)
    assert boxes, "the boxer is in the frame"
    height, width = frame.rgb.shape[:2]
    for box in boxes:
        assert min(box.x, box.y) >= 0
        assert min(box.w, box.h) > 0
        assert box.x + box.w <= width + 1
        assert box.y + box.h <= height + 1
    areas = [b.w * b.h for b in boxes]
    assert areas == sorted(areas, reverse=True)


def test_people_still_answers_after_a_video_was_tracked(estimator: PoseEstimator, shared_dir: Path) -> None:
    # One estimator serves analysis after analysis: the thumbnails of the next one come after this one's track
    # (the MediaPipe adapter lets its single-frame landmarker go while it tracks, and makes it again).
    path = shared_dir / CLIP
    frame = OpenCvFrameSource().frame_at(str(path), 1.0)
    before = estimator.people(frame)
    estimator.people_track(str(path), _probe(path), max_people=1)
    if isinstance(estimator, MediaPipePoseEstimator):  # not held while the workers run (about 55 MB)
        assert estimator._image_landmarker is None
    after = estimator.people(frame)
    assert [(round(b.x), round(b.y), round(b.w), round(b.h)) for b in after] == [
        (round(b.x), round(b.y), round(b.w), round(b.h)) for b in before
    ]


@pytest.mark.parametrize("max_people", [1, 2])
def test_people_track_has_a_row_per_frame_and_honest_progress(
    estimator: PoseEstimator, shared_dir: Path, max_people: int
) -> None:
    path = shared_dir / CLIP
    info = _probe(path)
    shares: list[float] = []
    people = estimator.people_track(str(path), info, max_people=max_people, progress=shares.append)
    if not isinstance(estimator, MediaPipePoseEstimator) or estimator.rate is PoseRate.FULL:
        assert abs(people.n_frames - info.n_frames) <= 1
    else:
        assert people.n_frames < info.n_frames
        # Never further apart than 0.2 s, or than the video's own frames where it drops some (this clip: 0.22 s).
        assert np.diff(people.t_s).max() <= max(0.2, np.diff(_frame_times(path)).max()) + 1e-6
    assert np.all(np.diff(people.t_s) > 0)
    assert people.landmarks.shape[1] <= max_people
    assert people.landmarks.shape[2:] == (33, 4)
    assert (people.width, people.height) == (info.width, info.height)
    assert sum(bool(people.present(f)) for f in range(people.n_frames)) > 0.9 * people.n_frames
    assert shares == sorted(shares)
    assert shares[-1] == 1.0
    assert all(0.0 <= s <= 1.0 for s in shares)


def test_an_empty_scene_is_nan_not_an_error(estimator: PoseEstimator, tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    tiny_h264(path, 2.0, fps=10, size=(160, 120))
    people = estimator.people_track(str(path), _probe(path), max_people=2)
    assert people.n_frames == 20
    assert np.isnan(people.landmarks).all()


def test_an_undecodable_file_is_a_media_error(estimator: PoseEstimator, tmp_path: Path) -> None:
    good = tmp_path / "good.mp4"
    tiny_h264(good, 1.0, fps=10, size=(160, 120))
    info = _probe(good)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    with pytest.raises(MediaError):
        estimator.people_track(str(bad), info, max_people=1)
