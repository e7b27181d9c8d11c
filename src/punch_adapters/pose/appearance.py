"""Appearance descriptors: what a person's clothes look like, to tell two boxers apart at a crossing."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from punch_core.landmarks import Landmark

# Hue x saturation x value bins per region; two regions (torso, shorts), each histogram sums to 1.
BINS = (8, 3, 3)
DESCRIPTOR_SIZE = 2 * BINS[0] * BINS[1] * BINS[2]
_RANGES = [0, 180, 0, 256, 0, 256]
MIN_REGION_PX = 48


def _region(
    bgr: npt.NDArray[np.uint8], top: npt.NDArray[np.float64], bottom: npt.NDArray[np.float64], shrink: float
) -> npt.NDArray[np.float32] | None:
    """HSV histogram of the box spanned by two pairs of points (pixels), shrunk toward its centre.

    Only the box is converted to HSV: a whole 960 px frame costs about 1 ms a frame, the box a few hundredths.
    """
    pts = np.vstack([top, bottom])
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * shrink / 2, (y1 - y0) * shrink / 2
    h, w = bgr.shape[:2]
    xa, xb = int(max(0, cx - hw)), int(min(w, cx + hw))
    ya, yb = int(max(0, cy - hh)), int(min(h, cy + hh))
    if xb <= xa or yb <= ya or (xb - xa) * (yb - ya) < MIN_REGION_PX:  # off the frame, or too small
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(bgr[ya:yb, xa:xb]), cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, list(BINS), _RANGES).ravel()
    total = float(hist.sum())
    return (hist / total).astype(np.float32) if total > 0 else None


def describe(bgr: npt.NDArray[np.uint8], landmarks: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The descriptor (``DESCRIPTOR_SIZE``,) of one person on a frame; NaN where it cannot be measured.

    Args:
        bgr: The frame in OpenCV's BGR, (H, W, 3) uint8.
        landmarks: The person's (33, 4) landmarks, x and y normalised.
    """
    h, w = bgr.shape[:2]
    px = landmarks[:, :2].astype(np.float64) * np.array([w, h])
    shoulders = px[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]]
    hips = px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]]
    knees = px[[Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE]]
    torso = _region(bgr, shoulders, hips, 0.7)
    shorts = _region(bgr, hips, hips + 0.5 * (knees - hips), 0.8)
    out = np.full(DESCRIPTOR_SIZE, np.nan, dtype=np.float32)
    half = DESCRIPTOR_SIZE // 2
    if torso is None:
        return out
    out[:half] = torso
    # Upper-body video has no shorts in frame: the torso stands for both, so distances stay comparable.
    out[half:] = shorts if shorts is not None else torso
    return out
