import gzip
import io
import json

import numpy as np
import pytest

from punch_core.errors import TrackFormatError
from punch_core.formats import (
    pose_view_gzip,
    track_from_landmarks_csv,
    track_from_npz_bytes,
    track_to_landmarks_csv,
    track_to_npz_bytes,
)
from punch_core.landmarks import MIRROR_PERMUTATION, Landmark
from punch_core.track import PoseTrack


def _track(n=20, seed=0):
    rng = np.random.default_rng(seed)
    lm = rng.random((n, 33, 4)).astype(np.float32)
    lm[3] = np.nan
    return PoseTrack(t_s=np.arange(n) / 30.0, landmarks=lm, width=640, height=480)


def test_npz_round_trip_is_lossless():
    track = _track()
    back = track_from_npz_bytes(track_to_npz_bytes(track))
    assert back.same_as(track)
    assert back.landmarks.dtype == np.float32


def test_csv_round_trip_is_lossless():
    track = _track()
    back = track_from_landmarks_csv(track_to_landmarks_csv(track), width=640, height=480)
    assert back.same_as(track)


def test_npz_missing_array_is_named():
    buf = io.BytesIO()
    np.savez(buf, t_s=np.arange(3.0))
    with pytest.raises(TrackFormatError, match="landmarks"):
        track_from_npz_bytes(buf.getvalue())


def test_garbage_bytes_are_a_format_error():
    with pytest.raises(TrackFormatError, match=r"not a pose-track \.npz"):
        track_from_npz_bytes(b"PK\x03\x04 this is not a zip")


def test_csv_missing_column_is_named():
    with pytest.raises(TrackFormatError, match="nose_x"):
        track_from_landmarks_csv("frame_idx,timestamp_sec\n0,0.0\n", width=10, height=10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t_s": np.zeros((2, 2)), "landmarks": np.zeros((2, 33, 4))}, "1-D"),
        ({"t_s": np.array([0.0, 0.0]), "landmarks": np.zeros((2, 33, 4))}, "strictly increasing"),
        ({"t_s": np.array([0.0, 1.0]), "landmarks": np.zeros((2, 17, 4))}, r"\(T, 33, 4\)"),
        ({"t_s": np.array([0.0, 1.0, 2.0]), "landmarks": np.zeros((2, 33, 4))}, "3 frames"),
    ],
)
def test_track_validation(kwargs, message):
    with pytest.raises(TrackFormatError, match=message):
        PoseTrack(width=10, height=10, **kwargs)


def test_track_rejects_bad_frame_size():
    with pytest.raises(TrackFormatError, match="width"):
        PoseTrack(t_s=np.arange(2.0), landmarks=np.zeros((2, 33, 4)), width=0, height=10)


def test_mirror_swaps_sides_and_flips_x():
    track = _track()
    mirrored = track.mirrored()
    assert mirrored.landmarks[0, Landmark.LEFT_WRIST, 0] == pytest.approx(
        1 - track.landmarks[0, Landmark.RIGHT_WRIST, 0]
    )
    twice = mirrored.mirrored()
    np.testing.assert_allclose(twice.landmarks, track.landmarks, atol=1e-6)
    assert sorted(MIRROR_PERMUTATION.tolist()) == list(range(33))


def test_real_landmarks_csv_reads(shared_dir):
    path = next((shared_dir / "media/shadowcoach/landmarks").glob("jab_*.csv"))
    track = track_from_landmarks_csv(path.read_text(), width=464, height=832)
    assert track.n_frames > 10
    assert track.fps == pytest.approx(15.0, rel=0.05)
    assert track.coverage > 0.9


def test_pose_view_is_the_drawable_track_gzipped():
    landmarks = np.full((3, 33, 4), 0.123456, np.float32)
    landmarks[1] = np.nan  # lost
    landmarks[2, 5, 3] = np.nan  # visibility unknown on one point
    track = PoseTrack(t_s=np.array([0.0, 1 / 30, 2 / 30]), landmarks=landmarks, width=640, height=360)
    packed = pose_view_gzip(track)
    assert packed == pose_view_gzip(track)  # deterministic (no timestamp in the gzip header)
    view = json.loads(gzip.decompress(packed))
    assert (view["width"], view["height"], view["fps"]) == (640, 360, 30.0)
    assert view["t_s"] == [0.0, 0.0333, 0.0667]
    assert view["landmarks"][1] is None
    assert view["landmarks"][0][0] == [0.1235, 0.1235, 0.12]
    assert view["landmarks"][2][5] == [0.1235, 0.1235, 0.0]
    assert len(view["landmarks"][2]) == 33


def _with_world(track: PoseTrack) -> PoseTrack:
    rng = np.random.default_rng(1)
    world = rng.normal(0.0, 0.3, size=(track.n_frames, 33, 3)).astype(np.float32)
    world[~track.has_pose] = np.nan
    return PoseTrack(t_s=track.t_s, landmarks=track.landmarks, width=track.width, height=track.height, world_m=world)


def test_npz_keeps_world_landmarks_losslessly():
    track = _with_world(_track())
    back = track_from_npz_bytes(track_to_npz_bytes(track))
    assert back.world_m is not None
    assert back.same_as(track)
    assert not back.same_as(_track())  # the world landmarks count in the comparison


def test_a_version_1_npz_without_world_landmarks_still_reads():
    track = _track()
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, t_s=track.t_s, landmarks=track.landmarks, width=np.int64(9), height=np.int64(7), format_version=1
    )
    back = track_from_npz_bytes(buffer.getvalue())
    assert back.world_m is None
    assert np.array_equal(back.landmarks, track.landmarks, equal_nan=True)


def test_world_landmarks_of_the_wrong_shape_are_refused():
    track = _track()
    with pytest.raises(TrackFormatError, match="world_m must have shape"):
        PoseTrack(t_s=track.t_s, landmarks=track.landmarks, width=9, height=7, world_m=np.zeros((track.n_frames, 33)))
    with pytest.raises(TrackFormatError, match="world_m has"):
        PoseTrack(t_s=track.t_s, landmarks=track.landmarks, width=9, height=7, world_m=np.zeros((1, 33, 3)))


def test_mirroring_flips_the_world_x_and_swaps_sides():
    track = _with_world(_track())
    mirrored = track.mirrored()
    assert mirrored.world_m is not None
    assert track.world_m is not None
    left, right = int(Landmark.LEFT_WRIST), int(Landmark.RIGHT_WRIST)
    np.testing.assert_array_equal(mirrored.world_m[:, left, 0], -track.world_m[:, right, 0])
    np.testing.assert_array_equal(mirrored.world_m[:, left, 1:], track.world_m[:, right, 1:])
    twice = mirrored.mirrored().world_m
    assert twice is not None
    np.testing.assert_array_equal(twice, track.world_m)
