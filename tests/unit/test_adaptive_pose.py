"""Adaptive-rate pose: which frames are worth an inference (issue 27)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from punch_adapters.pose.adaptive import FAST_HEAD_MPS, FAST_LIMB_MPS, PoseRate, base_stride, moving_fast
from punch_adapters.pose.overlay import points_at
from punch_core.track import PoseTrack

DT = 0.1  # a base interval at 30 fps


def _person(x: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """One person's picture landmarks (33, 4) around ``x`` and world landmarks (33, 3), arms in guard."""
    rng = np.random.default_rng(0)
    picture = np.zeros((33, 4), dtype=np.float32)
    picture[:, 0] = x + rng.uniform(-0.05, 0.05, 33)
    picture[:, 1] = rng.uniform(0.2, 0.9, 33)
    picture[:, 3] = 0.9
    picture[11, :2], picture[12, :2] = (x - 0.05, 0.35), (x + 0.05, 0.35)  # shoulders
    picture[23, :2], picture[24, :2] = (x - 0.04, 0.6), (x + 0.04, 0.6)  # hips: a torso of 0.25 of the height
    world = rng.uniform(-0.3, 0.3, (33, 3)).astype(np.float32)
    return picture, world


def _frames(*people: tuple[np.ndarray, np.ndarray], slots: int = 2) -> tuple[np.ndarray, np.ndarray]:
    picture = np.full((slots, 33, 4), np.nan, dtype=np.float32)
    world = np.full((slots, 33, 3), np.nan, dtype=np.float32)
    for k, (p, w) in enumerate(people):
        picture[k], world[k] = p, w
    return picture, world


def test_the_base_rate_is_about_ten_frames_a_second_and_slow_videos_are_read_whole():
    assert [base_stride(f) for f in (30.0, 29.97, 60.0, 59.94, 25.0, 24.0, 15.0, 10.0, 0.0, float("nan"))] == [
        3,
        3,
        6,
        6,
        1,
        1,
        1,
        1,
        1,
        1,
    ]
    assert PoseRate("adaptive") is PoseRate.ADAPTIVE
    with pytest.raises(ValueError, match="sometimes"):
        PoseRate("sometimes")


@pytest.mark.parametrize(
    ("joint", "speed_mps", "fast"),
    [
        (15, 0.6, False),  # a wrist bouncing in guard
        (16, FAST_LIMB_MPS * 1.2, True),  # a wrist leaving the guard for a punch
        (13, FAST_LIMB_MPS * 1.2, True),  # an elbow: a hook swings it
        (0, FAST_HEAD_MPS * 0.7, False),  # the head swaying
        (0, FAST_HEAD_MPS * 1.3, True),  # a slip
        (27, 3.0, False),  # an ankle: footwork alone is not worth every frame
    ],
)
def test_fast_is_a_hand_an_elbow_or_the_head_moving_fast_relative_to_the_hips(joint, speed_mps, fast):
    picture, world = _person()
    moved = world.copy()
    moved[joint, 2] += speed_mps * DT  # straight at the camera: the picture hardly changes
    before = _frames((picture, world))
    after = _frames((picture, moved))
    assert moving_fast(before[0], after[0], before[1], after[1], DT) is fast


def test_a_boxer_stepping_in_or_a_panning_camera_is_not_fast():
    picture, world = _person(0.4)
    shifted = picture.copy()
    shifted[:, 0] += 0.1  # the whole body moved across the picture; the world landmarks are hip-centred
    before, after = _frames((picture, world)), _frames((shifted, world))
    assert not moving_fast(before[0], after[0], before[1], after[1], DT)


def test_people_are_matched_by_where_they_stand_not_by_their_slot():
    boxer, opponent = _person(0.3), _person(0.7)
    jab = boxer[1].copy()
    jab[15, 0] += 0.5  # 5 m/s
    before = _frames(boxer, opponent)
    after = _frames(opponent, (boxer[0], jab))  # MediaPipe swapped their slots
    assert moving_fast(before[0], after[0], before[1], after[1], DT)
    still = _frames(opponent, boxer)
    assert not moving_fast(before[0], still[0], before[1], still[1], DT)


def test_someone_coming_or_going_is_worth_every_frame_and_an_empty_room_is_not():
    boxer = _person()
    one, none = _frames(boxer), _frames()
    assert moving_fast(one[0], none[0], one[1], none[1], DT)
    assert moving_fast(none[0], one[0], none[1], one[1], DT)
    assert not moving_fast(none[0], none[0], none[1], none[1], DT)


def test_without_world_landmarks_the_picture_is_read_in_torso_lengths():
    picture, _world = _person()
    unknown = np.full((33, 3), np.nan, dtype=np.float32)
    guard = picture.copy()
    guard[15, 0] += 0.01  # 0.04 torso lengths in 0.1 s: 0.2 m/s
    punch = picture.copy()
    punch[15, 0] += 0.15  # 0.6 torso lengths in 0.1 s: 3 m/s
    before = _frames((picture, unknown))
    assert not moving_fast(before[0], _frames((guard, unknown))[0], before[1], before[1], DT)
    assert moving_fast(before[0], _frames((punch, unknown))[0], before[1], before[1], DT)


def test_the_overlay_draws_between_the_inferred_frames_of_an_adaptive_track():
    landmarks = np.zeros((3, 33, 4), dtype=np.float32)
    landmarks[1, :, 0] = 0.3
    landmarks[2, :, 0] = np.nan
    track = PoseTrack(t_s=np.array([0.0, 0.1, 1.0]), landmarks=landmarks, width=100, height=100)
    drawn = [points_at(track, t) for t in (0.0, 0.05, 0.1)]
    assert [None if p is None else float(p[0, 0]) for p in drawn] == pytest.approx([0.0, 0.15, 0.3])
    assert points_at(track, 0.5) is None  # 0.9 s apart: not drawn between
    assert points_at(track, 1.01) is not None  # next to a frame of its own (lost there: NaN, drawn as nothing)


class _FakeLandmarker:
    """Stands in for a MediaPipe VIDEO-mode landmarker: records what it is shown; the wrist punches at 1.0-1.4 s."""

    def __init__(self, shown: list[list[float]]) -> None:
        self.times: list[float] = []
        shown.append(self.times)

    def __call__(self, index: int, t_s: float, _small: np.ndarray):
        self.times.append(t_s)
        picture, world = _person()
        if 1.0 <= t_s <= 1.4:
            world = world.copy()
            world[16, 2] += 4.0 * (t_s - 1.0)  # the rear wrist out at 4 m/s
        return index, t_s, picture[None], np.zeros((1, 8), dtype=np.float32), world[None]


def _run_adaptive(n_frames: int, fps: float = 30.0, times: list[float] | None = None):
    from punch_adapters.pose.mediapipe_pose import _adaptive  # noqa: PLC0415 - the generator under test

    shown: list[list[float]] = []
    small = np.zeros((4, 4, 3), dtype=np.uint8)
    stamps = times or [i / fps for i in range(n_frames)]
    frames = iter([(i, t, small) for i, t in enumerate(stamps)])
    records = list(_adaptive(frames, fps, base_stride(fps), lambda: _FakeLandmarker(shown)))  # type: ignore[arg-type, return-value]
    return records, shown


def test_each_landmarker_sees_its_frames_in_time_order_and_each_frame_is_yielded_once():
    records, shown = _run_adaptive(90)
    assert len(shown) == 2, "a quiet landmarker and a span one"
    for times in shown:
        assert all(b > a for a, b in itertools.pairwise(times)), "strictly increasing, as VIDEO mode needs"
    indices = [r[0] for r in records]
    assert len(indices) == len(set(indices))
    inferred = sorted(indices)
    assert set(range(30, 43)) <= set(inferred), "every frame of the punch (1.0-1.4 s)"
    assert len(inferred) < 60
    quiet = [i for i in inferred if i < 27 or 48 < i < 89]
    assert all(i % 3 == 0 for i in quiet), "only base frames where nothing moves fast (an interval after the punch)"
    assert inferred[-1] == 89, "the last frame"
    assert max(b - a for a, b in itertools.pairwise(inferred)) <= 3


def test_a_video_that_drops_frames_keeps_its_own_gaps_and_no_wider():
    times = [i / 30 for i in range(10)] + [0.6 + i / 30 for i in range(20)]  # 0.3 s of frames missing
    records, _shown = _run_adaptive(0, times=times)
    inferred = sorted(r[1] for r in records)
    assert max(b - a for a, b in itertools.pairwise(inferred)) <= 0.6 - 9 / 30 + 1e-9


def test_segments_are_stitched_with_the_frames_only_the_next_one_inferred_before_the_cut():
    from punch_adapters.pose.mediapipe_pose import stitch  # noqa: PLC0415

    def part(indices: list[int]):
        index = np.array(indices, dtype=np.int64)
        n = len(indices)
        return (
            index,
            index / 30.0,
            np.zeros((n, 1, 33, 4), np.float32),
            np.zeros((n, 1, 8), np.float32),
            np.zeros((n, 1, 33, 3), np.float32),
        )

    # The first segment (frames 0-8) skipped 7; the second, warming up from 3, saw a punch and inferred it.
    [merged] = stitch([part([0, 3, 6, 8]), part([3, 6, 7, 8, 9, 12])], [0, 9])
    assert merged[0].tolist() == [0, 3, 6, 7, 8, 9, 12]
    # At the full rate the previous segment has every frame: the warm-up adds nothing.
    [merged] = stitch([part(list(range(9))), part(list(range(3, 13)))], [0, 9])
    assert merged[0].tolist() == list(range(13))
