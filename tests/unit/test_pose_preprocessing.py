"""What the pose workers do to each frame before and after inference: shrinking and clothing descriptors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from punch_adapters.pose.appearance import BINS, DESCRIPTOR_SIZE, describe
from punch_adapters.pose.mediapipe_pose import POSE_MAX_SIDE, _shrink
from punch_core.landmarks import N_LANDMARKS, Landmark


@pytest.mark.parametrize(
    ("height", "width", "expected"),
    [
        (1280, 720, (1280, 720)),  # 720p portrait: small enough already, untouched
        (720, 1280, (720, 1280)),
        (1920, 1080, (960, 540)),  # 1080p: one exact halving
        (3840, 2160, (960, 540)),  # 4K: two halvings
        (2560, 1440, (1280, 720)),  # 1440p: one halving
        (1600, 900, (800, 450)),
        (480, 640, (480, 640)),
        (832, 464, (832, 464)),
    ],
)
def test_frames_are_shrunk_to_the_longest_side(height, width, expected):
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    small = _shrink(frame)
    assert small.shape[:2] == expected
    assert max(small.shape[:2]) <= POSE_MAX_SIDE
    assert small.dtype == np.uint8


def test_shrinking_keeps_the_picture():
    rng = np.random.default_rng(0)
    # Smooth content (a person-sized blob on a gradient) survives any sane resampling almost unchanged.
    _yy, xx = np.mgrid[0:1920, 0:1080]
    base = (xx / 1080 * 200 + 20).astype(np.uint8)
    frame = np.dstack([base, base[::-1], np.full_like(base, 90)])
    cv2.circle(frame, (540, 750), 220, (30, 200, 240), -1)
    frame = np.clip(frame + rng.integers(-3, 4, frame.shape), 0, 255).astype(np.uint8)
    reference = cv2.resize(frame, (540, 960), interpolation=cv2.INTER_AREA).astype(np.int16)
    assert np.abs(_shrink(frame).astype(np.int16) - reference).mean() < 2.0


def _person(width: int, height: int) -> np.ndarray:
    lm = np.full((N_LANDMARKS, 4), 0.5, dtype=np.float32)
    for landmark, (x, y) in {
        Landmark.LEFT_SHOULDER: (0.6, 0.3),
        Landmark.RIGHT_SHOULDER: (0.4, 0.3),
        Landmark.LEFT_HIP: (0.58, 0.6),
        Landmark.RIGHT_HIP: (0.42, 0.6),
        Landmark.LEFT_KNEE: (0.58, 0.8),
        Landmark.RIGHT_KNEE: (0.42, 0.8),
    }.items():
        lm[landmark, :2] = (x, y)
    return lm


def _reference(bgr: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """The descriptor computed the straightforward way: the whole frame to HSV, then the two boxes."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    h, w = bgr.shape[:2]
    px = lm[:, :2].astype(np.float64) * [w, h]

    def box(top: np.ndarray, bottom: np.ndarray, shrink: float) -> np.ndarray:
        pts = np.vstack([top, bottom])
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * shrink / 2, (y1 - y0) * shrink / 2
        crop = hsv[int(max(0, cy - hh)) : int(min(h, cy + hh)), int(max(0, cx - hw)) : int(min(w, cx + hw))]
        hist = cv2.calcHist([crop], [0, 1, 2], None, list(BINS), [0, 180, 0, 256, 0, 256]).ravel()
        return np.asarray(hist / hist.sum())

    sh = px[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]]
    hips = px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]]
    knees = px[[Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE]]
    return np.concatenate([box(sh, hips, 0.7), box(hips, hips + 0.5 * (knees - hips), 0.8)])


def test_descriptor_converts_only_the_clothing_boxes_with_the_same_result():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (960, 540, 3), dtype=np.uint8)
    frame[300:580, 220:330] = (20, 40, 200)  # a red shirt
    lm = _person(540, 960)
    got = describe(frame, lm)
    assert got.shape == (DESCRIPTOR_SIZE,)
    np.testing.assert_allclose(got, _reference(frame, lm), atol=1e-6)


def test_descriptor_is_nan_without_a_torso_in_frame():
    lm = _person(540, 960)
    lm[:, :2] += 2.0  # everyone off the frame
    assert np.isnan(describe(np.zeros((960, 540, 3), dtype=np.uint8), lm)).all()
