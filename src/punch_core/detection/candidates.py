"""Stage 1 of strike detection: candidates, every excursion of a hand from its guard that may be a strike.

Two sources, merged: peaks of the wrist's distance from guard in the boxer's own frame (world landmarks where the
track has them), and the image-plane candidates of :func:`punch_core.detection.strikes.image_candidates` (which
also find a jab thrown straight at the camera by the elbow rising behind the fist, where depth under-reads it).
A candidate is no verdict: the typer (:mod:`punch_core.detection.typers`) decides which are strikes.
"""

from __future__ import annotations

import attrs
import numpy as np
from scipy.signal import find_peaks

from punch_core.detection.features import Candidate, FeatureContext
from punch_core.detection.geometry import facing_axes, span_below
from punch_core.detection.strikes import image_candidates
from punch_core.kinematics import quiet_nan_warnings, samples


@attrs.frozen(kw_only=True)
class CandidateParams:
    """The numbers of the candidate stage (part of :class:`~punch_core.detection.typers.DetectionParams`)."""

    min_reach_share: float = 0.22
    """A body-frame peak reaches at least this share of the arm from guard ..."""
    min_prominence_share: float = 0.22
    """... stands out by as much from the reach around it ..."""
    min_speed_mps: float = 1.5
    """... and the wrist moves at least this fast (body frame, smoothed) on its way out."""
    min_gap_s: float = 0.2
    edge_share: float = 0.35
    """A candidate starts and ends where the reach falls below this share of its peak."""
    max_out_s: float = 0.6
    max_back_s: float = 0.8
    merge_s: float = 0.15
    """A body-frame and an image candidate of one hand peaking this close are one candidate."""


def body_candidates(ctx: FeatureContext, side: str, params: CandidateParams) -> list[Candidate]:
    """Peaks of one wrist's distance from guard in the body frame, gated by reach and speed."""
    reach = ctx.reach_b(side)
    speed = ctx.speed_b[side]
    arm = ctx.arm
    peaks, _ = find_peaks(
        np.nan_to_num(reach, nan=0.0),
        height=params.min_reach_share * arm,
        prominence=params.min_prominence_share * arm,
        distance=samples(params.min_gap_s),
    )
    out: list[Candidate] = []
    for p in (int(x) for x in peaks):
        start, end = span_below(
            reach, p, params.edge_share * reach[p], samples(params.max_out_s), samples(params.max_back_s)
        )
        with quiet_nan_warnings():
            top = float(np.nanmax(speed[start : p + 1]))
        if np.isfinite(top) and top >= params.min_speed_mps:
            out.append(Candidate(side=side, start=start, peak=p, end=end))
    return out


def strike_candidates(ctx: FeatureContext, params: CandidateParams) -> list[Candidate]:
    """Both hands' candidates, image ones first, body-frame ones where no image candidate of the hand is near."""
    forward, _ = facing_axes(ctx.k)
    near = samples(params.merge_s)
    found: list[Candidate] = []
    for side in ("left", "right"):
        image = [
            Candidate(side=side, start=c.start, peak=c.peak, end=c.end) for c in image_candidates(ctx.k, side, forward)
        ]
        body = [b for b in body_candidates(ctx, side, params) if all(abs(b.peak - c.peak) > near for c in image)]
        found += sorted([*image, *body], key=lambda c: c.peak)
    return found
