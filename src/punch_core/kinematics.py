"""Signal processing: from a raw pose track to smooth body kinematics in metres on a fixed time grid.

Steps (all vectorised over frames; loops run over the 33 landmarks at most):

1. Pixels: x, y, z scaled by the frame size (z in the scale of x, as MediaPipe defines it).
2. Points with visibility below ``MIN_VISIBILITY`` count as missing; gaps up to ``MAX_GAP_S`` are filled by
   linear interpolation, longer gaps stay NaN.
3. Resampling to a fixed ``GRID_HZ`` grid, so every filter and threshold below is in seconds, not frames:
   this is what makes the results independent of the video's frame rate (25-60 fps).
4. Scale: pixels per metre from the torso length and shoulder width against the boxer's height (body
   proportions of Drillis & Contini), a rolling median over ``SCALE_WINDOW_S`` so that the camera may move.
5. Smoothing and derivatives with a Savitzky-Golay filter (a local polynomial fit), which keeps the height of
   short peaks far better than a moving average does, so punch speeds are not flattened.

Coordinates out: metres, x to the image right, y UP, z AWAY from the camera; ``z`` is noisier than x and y
(MediaPipe estimates depth from one image), so it is smoothed more and weighted by ``Z_WEIGHT`` where
distances mix it with x and y.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import savgol_filter

from punch_core.errors import PoseQualityError
from punch_core.landmarks import N_LANDMARKS, Landmark
from punch_core.track import BoolArray, FloatArray, PoseTrack

GRID_HZ = 60.0
MIN_VISIBILITY = 0.05
MAX_GAP_S = 0.2
SCALE_WINDOW_S = 4.0
SMOOTH_WINDOW_S = 0.117
Z_SMOOTH_WINDOW_S = 0.25
Z_WEIGHT = 0.3

# Segment lengths as a share of standing height (Drillis & Contini, 1966).
TORSO_SHARE = 0.288  # shoulder line to hip line
SHOULDER_WIDTH_SHARE = 0.259
ARM_SHARE = 0.186 + 0.146  # upper arm + forearm to the wrist


@attrs.frozen(eq=False, kw_only=True)
class Kinematics:
    """Body kinematics on a uniform grid.

    Attributes:
        t_s: Grid times in seconds, shape (N,), spacing ``1 / GRID_HZ``.
        pos_m: Landmark positions in metres, shape (N, 33, 3): x right, y up, z away from the camera. NaN where
            the landmark is missing.
        vel_mps: Velocities in metres per second, shape (N, 33, 3).
        px_per_m: Image scale at each grid time, shape (N,).
        pose_ok: Shape (N,): the frame had a pose (after filling short gaps).
        height_m: The boxer's height the scale was set from.
        visibility: MediaPipe's visibility of each landmark (the chance it is in view, not hidden behind the body
            or out of frame), shape (N, 33), NaN without a pose; None when the source had none.
        world_m: The track's world landmarks on the grid, unsmoothed, shape (N, 33, 3), metres from the middle of
            the hips with x right, y UP, z away from the camera (as ``pos_m``); None when the track has none.
    """

    t_s: FloatArray
    pos_m: FloatArray
    vel_mps: FloatArray
    px_per_m: FloatArray
    pose_ok: BoolArray
    height_m: float
    visibility: FloatArray | None = None
    world_m: FloatArray | None = None

    @property
    def dt_s(self) -> float:
        """Grid spacing in seconds."""
        return 1.0 / GRID_HZ

    @property
    def arm_m(self) -> float:
        """Expected arm length (shoulder to wrist) in metres."""
        return ARM_SHARE * self.height_m

    def point(self, landmark: Landmark) -> FloatArray:
        """Positions of one landmark, shape (N, 3)."""
        return self.pos_m[:, int(landmark)]

    def mid(self, a: Landmark, b: Landmark) -> FloatArray:
        """Midpoint of two landmarks, shape (N, 3)."""
        return 0.5 * (self.pos_m[:, int(a)] + self.pos_m[:, int(b)])


def samples(seconds: float) -> int:
    """Number of grid samples in ``seconds`` (at least 1)."""
    return max(1, round(seconds * GRID_HZ))


def odd_samples(seconds: float, minimum: int = 3) -> int:
    """An odd window length in grid samples, for filters that need one."""
    n = max(minimum, samples(seconds))
    return n if n % 2 else n + 1


def fill_short_gaps(t_s: FloatArray, values: FloatArray, valid: BoolArray, max_gap_s: float) -> FloatArray:
    """Linearly interpolate runs of invalid samples no longer than ``max_gap_s``; longer runs become NaN.

    Args:
        t_s: Sample times (T,).
        values: Shape (T, C), any channels sharing the validity mask.
        valid: Shape (T,).
        max_gap_s: Longest gap, in seconds between the valid samples on either side, that is filled.
    """
    out = np.full_like(values, np.nan)
    if valid.sum() < 2:
        out[valid] = values[valid]
        return out
    idx = np.flatnonzero(valid)
    for c in range(values.shape[1]):
        out[:, c] = np.interp(t_s, t_s[idx], values[idx, c], left=np.nan, right=np.nan)
    # Invalidate samples whose surrounding valid samples are too far apart.
    nxt = np.searchsorted(idx, np.arange(t_s.size), side="left")
    prev = nxt - 1
    has_both = (prev >= 0) & (nxt < idx.size)
    gap = np.full(t_s.size, np.inf)
    gap[has_both] = t_s[idx[nxt[has_both]]] - t_s[idx[prev[has_both]]]
    out[~valid & (gap > max_gap_s + 1e-9)] = np.nan
    return out


BASELINE_STEP = 6
"""Rolling medians (slow baselines over seconds) are evaluated every 6th grid sample (10 Hz) and interpolated."""


def rolling_nanmedian(values: FloatArray, window: int, step: int = BASELINE_STEP) -> FloatArray:
    """Centred rolling median along axis 0 that ignores NaN; shape preserved, edges use a shrunk window.

    The median is evaluated at every ``step``-th sample and linearly interpolated in between, which is exact
    enough for baselines over seconds and ``step`` times cheaper.
    """
    n = values.shape[0]
    if n == 0:
        return values.copy()
    half = window // 2
    pad = [(half, half)] + [(0, 0)] * (values.ndim - 1)
    padded = np.pad(values, pad, mode="constant", constant_values=np.nan)
    view = sliding_window_view(padded, window, axis=0)
    centres = np.unique(np.append(np.arange(0, n, max(1, step)), n - 1))
    coarse = nanmedian_last_axis(view[centres])
    if centres.size == n:
        return np.asarray(coarse)
    flat = coarse.reshape(centres.size, -1)
    out = np.empty((n, flat.shape[1]))
    grid = np.arange(n)
    for c in range(flat.shape[1]):
        ok = np.isfinite(flat[:, c])
        out[:, c] = np.interp(grid, centres[ok], flat[ok, c]) if ok.any() else np.nan
    return out.reshape((n, *values.shape[1:]))


def nanmedian_last_axis(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``np.nanmedian(values, axis=-1)``: the same numbers, from one sort (NaN sorts last).

    numpy's own goes through masked arrays, which took two thirds of the detector's time in rolling medians.
    All-NaN rows give NaN.
    """
    ordered = np.sort(values, axis=-1)
    count = np.sum(~np.isnan(values), axis=-1)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(ordered, np.maximum(count // 2, 0)[..., None], axis=-1)[..., 0]
    return np.where(count > 0, (low + high) / 2, np.nan)


@contextmanager
def quiet_nan_warnings() -> Iterator[None]:
    """All-NaN windows are expected (long dropouts); their result is NaN, which is what we want."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _resample(t_src: FloatArray, values: FloatArray, t_grid: FloatArray) -> FloatArray:
    """Linear resampling of (T, C) onto the grid; NaN wherever either neighbouring sample is NaN."""
    out = np.empty((t_grid.size, values.shape[1]))
    j = np.clip(np.searchsorted(t_src, t_grid, side="right") - 1, 0, t_src.size - 1)
    k = np.clip(j + 1, 0, t_src.size - 1)
    span = np.where(k > j, t_src[k] - t_src[j], 1.0)
    w = np.clip((t_grid - t_src[j]) / span, 0.0, 1.0)[:, None]
    out[:] = values[j] * (1.0 - w) + values[k] * w
    # w == 0 exactly means "on sample j": do not let a NaN neighbour poison it.
    exact = (w[:, 0] == 0.0)[:, None]
    return np.where(exact, values[j], out)


def _bridge_nans(values: FloatArray) -> FloatArray:
    """Copy of (N, C) with every NaN run bridged linearly (edges held), so filters can run over it."""
    out = values.copy()
    x = np.arange(values.shape[0])
    for c in np.flatnonzero(np.isnan(values).any(axis=0)):
        ok = np.isfinite(values[:, c])
        out[:, c] = np.interp(x, x[ok], values[ok, c]) if ok.any() else 0.0
    return out


def smooth(values: FloatArray, window_s: float, deriv: int = 0) -> FloatArray:
    """Savitzky-Golay smoothing (or derivative) of (N, C) along time; NaN stays NaN."""
    missing = np.isnan(values)
    bridged = _bridge_nans(values)
    window = odd_samples(window_s, minimum=5)
    if values.shape[0] < window:
        out = np.gradient(bridged, 1.0 / GRID_HZ, axis=0) if deriv and values.shape[0] > 1 else bridged.copy()
        if deriv and values.shape[0] <= 1:
            out = np.zeros_like(bridged)
    else:
        out = np.asarray(
            savgol_filter(bridged, window, polyorder=2, deriv=deriv, delta=1.0 / GRID_HZ, axis=0, mode="interp")
        )
    out[missing] = np.nan
    return out


def _pixels_per_metre(px: FloatArray, height_m: float) -> FloatArray:
    """Per-frame scale estimate from the torso and the shoulders, then a rolling median over time."""
    l_sh, r_sh = px[:, Landmark.LEFT_SHOULDER, :2], px[:, Landmark.RIGHT_SHOULDER, :2]
    l_hip, r_hip = px[:, Landmark.LEFT_HIP, :2], px[:, Landmark.RIGHT_HIP, :2]
    torso_px = np.linalg.norm(0.5 * (l_sh + r_sh) - 0.5 * (l_hip + r_hip), axis=1)
    shoulders_px = np.linalg.norm(l_sh - r_sh, axis=1)
    # Projection only ever shortens a segment, so the larger of the two estimates is the less foreshortened.
    estimates = np.stack([torso_px / (TORSO_SHARE * height_m), shoulders_px / (SHOULDER_WIDTH_SHARE * height_m)])
    with quiet_nan_warnings():
        per_frame = np.nanmax(estimates, axis=0)
    smooth = rolling_nanmedian(per_frame[:, None], odd_samples(SCALE_WINDOW_S))[:, 0]
    if np.all(np.isnan(smooth)):
        raise PoseQualityError(
            "the boxer's shoulders and hips are never visible together, so the body size cannot be measured: "
            "film the whole upper body, from the hips up"
        )
    good = np.flatnonzero(np.isfinite(smooth))
    return np.interp(np.arange(smooth.size), good, smooth[good])


def compute_kinematics(track: PoseTrack, *, height_m: float) -> Kinematics:
    """Turn a pose track into smooth kinematics in metres on the ``GRID_HZ`` grid.

    Args:
        track: The raw track (any frame rate, gaps allowed).
        height_m: The boxer's height in metres; sets the scale.

    Raises:
        PoseQualityError: if the track has fewer than two frames with a pose, or the body size cannot be measured.
    """
    has_pose = track.has_pose
    if has_pose.sum() < 2:
        raise PoseQualityError(
            "no boxer was found in the video: film the whole upper body in good light, with the camera steady"
        )
    lm = track.landmarks.astype(np.float64)
    px = lm[:, :, :3] * np.array([track.width, track.height, track.width], dtype=np.float64)
    visible = has_pose[:, None] & (np.nan_to_num(lm[:, :, 3], nan=0.0) >= MIN_VISIBILITY)
    t_src = track.t_s
    t0 = float(t_src[0])
    n_grid = int(np.floor((float(t_src[-1]) - t0) * GRID_HZ + 1e-9)) + 1
    t_grid = t0 + np.arange(n_grid) / GRID_HZ

    grid_px = np.empty((n_grid, N_LANDMARKS, 3))
    for i in range(N_LANDMARKS):
        filled = fill_short_gaps(t_src, px[:, i], visible[:, i], MAX_GAP_S)
        grid_px[:, i] = _resample(t_src, filled, t_grid)
    pose_filled = fill_short_gaps(t_src, has_pose[:, None].astype(np.float64), has_pose, MAX_GAP_S)
    pose_ok = np.isfinite(_resample(t_src, pose_filled, t_grid)[:, 0])

    px_per_m = _pixels_per_metre(grid_px, height_m)
    with np.errstate(divide="ignore", invalid="ignore"):
        metres = grid_px / px_per_m[:, None, None]
    metres[~np.isfinite(metres)] = np.nan  # no scale (a body with no size): unknown, not infinite
    metres[:, :, 1] *= -1.0  # y up
    xy = smooth(metres[:, :, :2].reshape(n_grid, -1), SMOOTH_WINDOW_S).reshape(n_grid, N_LANDMARKS, 2)
    z = smooth(metres[:, :, 2], Z_SMOOTH_WINDOW_S)[:, :, None]
    pos = np.concatenate([xy, z], axis=2)
    vxy = smooth(metres[:, :, :2].reshape(n_grid, -1), SMOOTH_WINDOW_S, deriv=1).reshape(n_grid, N_LANDMARKS, 2)
    vz = smooth(metres[:, :, 2], Z_SMOOTH_WINDOW_S, deriv=1)[:, :, None]
    vel = np.concatenate([vxy, vz], axis=2)
    seen = np.where(has_pose[:, None], lm[:, :, 3], np.nan)
    visibility = _resample(t_src, seen, t_grid)
    world = None
    if track.world_m is not None:
        src = track.world_m.astype(np.float64) * np.array([1.0, -1.0, 1.0])  # y up, as pos_m
        world = np.empty((n_grid, N_LANDMARKS, 3))
        for i in range(N_LANDMARKS):
            ok = visible[:, i] & np.isfinite(src[:, i]).all(axis=1)
            world[:, i] = _resample(t_src, fill_short_gaps(t_src, src[:, i], ok, MAX_GAP_S), t_grid)
    return Kinematics(
        t_s=t_grid,
        pos_m=pos,
        vel_mps=vel,
        px_per_m=px_per_m,
        pose_ok=pose_ok,
        height_m=height_m,
        visibility=visibility,
        world_m=world,
    )


def weighted_norm(vectors: npt.NDArray[np.float64]) -> FloatArray:
    """Length of (..., 3) vectors with z weighted by ``Z_WEIGHT`` (z is the noisiest axis)."""
    w = np.array([1.0, 1.0, Z_WEIGHT])
    return np.asarray(np.linalg.norm(vectors * w, axis=-1))
