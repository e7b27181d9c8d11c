import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from punch_core.errors import PoseQualityError
from punch_core.kinematics import GRID_HZ, compute_kinematics, fill_short_gaps, nanmedian_last_axis
from punch_core.landmarks import Landmark
from punch_core.testing.synthetic import Camera, make_round
from punch_core.track import PoseTrack


def test_short_gaps_are_filled_long_ones_stay_nan():
    t = np.arange(30) / 10.0  # 10 Hz
    values = t[:, None].copy()
    valid = np.ones(30, dtype=bool)
    valid[5] = False  # 0.2 s between neighbours: filled
    valid[10:14] = False  # 0.5 s: left as NaN
    out = fill_short_gaps(t, values, valid, 0.2)
    assert out[5, 0] == pytest.approx(0.5)
    assert np.isnan(out[10:14, 0]).all()
    assert out[20, 0] == pytest.approx(2.0)


def test_scale_matches_the_boxers_height():
    r = make_round(actions=(), duration_s=3.0, fps=30, camera=Camera(yaw_deg=30.0), bounce=False)
    track = PoseTrack(t_s=r.t_s, landmarks=r.landmarks, width=r.width, height=r.height)
    k = compute_kinematics(track, height_m=1.75)
    assert k.t_s[1] - k.t_s[0] == pytest.approx(1 / GRID_HZ)
    shoulder_to_ankle = k.point(Landmark.LEFT_SHOULDER)[:, 1] - k.point(Landmark.LEFT_ANKLE)[:, 1]
    # Shoulder height 0.818 H minus ankle height ~0.04 H, standing with bent knees: about 1.3 m.
    assert 1.1 < float(np.nanmedian(shoulder_to_ankle)) < 1.5


def test_empty_track_is_a_quality_error():
    track = PoseTrack(t_s=np.arange(10) / 30, landmarks=np.full((10, 33, 4), np.nan), width=100, height=100)
    with pytest.raises(PoseQualityError, match="no boxer was found"):
        compute_kinematics(track, height_m=1.75)


def test_visibility_comes_onto_the_grid_and_is_nan_without_a_pose():
    r = make_round(actions=(), duration_s=3.0, fps=30, camera=Camera(yaw_deg=30.0), bounce=False)
    landmarks = r.landmarks.copy()
    landmarks[:, Landmark.RIGHT_WRIST, 3] = 0.2  # hidden behind the body
    landmarks[:, Landmark.LEFT_WRIST, 3] = 0.9
    landmarks[45:60] = np.nan  # half a second with no pose at all
    k = compute_kinematics(PoseTrack(t_s=r.t_s, landmarks=landmarks, width=r.width, height=r.height), height_m=1.75)
    assert k.visibility is not None
    assert k.visibility.shape == (k.t_s.size, 33)
    seen = np.isfinite(k.visibility[:, Landmark.RIGHT_WRIST])
    np.testing.assert_allclose(k.visibility[seen, Landmark.RIGHT_WRIST], 0.2)
    np.testing.assert_allclose(k.visibility[seen, Landmark.LEFT_WRIST], 0.9)
    gap = (k.t_s > r.t_s[46]) & (k.t_s < r.t_s[58])
    assert gap.any()
    assert np.isnan(k.visibility[gap]).all()


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    values=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=40),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))),
    )
)
def test_the_fast_nanmedian_gives_numpys_numbers(values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: NaN, as wanted
        expected = np.nanmedian(values, axis=-1)
    assert np.array_equal(nanmedian_last_axis(values), expected, equal_nan=True)


def test_a_body_with_no_size_gives_unknown_positions_not_a_crash():
    """Every landmark on one point (no torso to scale by): found by the API fuzzer through a stamp correction."""
    track = PoseTrack(t_s=np.array([0.0, 0.1]), landmarks=np.full((2, 33, 4), 0.5, np.float32), width=640, height=360)
    kinematics = compute_kinematics(track, height_m=1.75)
    assert not np.isinf(kinematics.pos_m).any()
    assert not np.isinf(kinematics.vel_mps).any()
