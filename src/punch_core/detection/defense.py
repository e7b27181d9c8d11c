"""Defensive moves: the head leaving its line and coming back.

The head (mean of nose, eyes and ears) is followed against a slow baseline (a rolling median over
``BASELINE_WINDOW_S``), which removes drift. Its excursion is split along the boxer's own axes: down (a **duck**),
towards the boxer's left or right (a **slip** to that side) and away from where the boxer faces (a **pull-back**).
Slips and pull-backs bend the upper body over feet that stay, so their sideways and backward travel is the head's
*relative to the hips*: a step or a camera pan moves both alike and is no slip (on the labelled corpus, 12 of the
13 slips and pull-backs stamped outside any strike were the hips moving as far as the head). A duck bends the
knees too, lowering the hips with the head, so it is measured on the head alone. An excursion of at least
``MIN_MOVE_SHARE`` of the boxer's height that lasts ``MIN_DURATION_S``-``MAX_DURATION_S`` becomes a stamp of its
dominant direction.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from punch_core.detection.geometry import Z_SCALE, baseline, facing_axes, head_centre, span_below
from punch_core.kinematics import Kinematics, samples
from punch_core.landmarks import Landmark
from punch_core.stamps import Hand, Side, Stamp, StampKind

BASELINE_WINDOW_S = 3.0
MIN_MOVE_SHARE = 0.055
"""About 10 cm for a 1.75 m boxer: more than footwork bounce, less than any real slip or duck."""
MIN_DURATION_S = 0.15
MAX_DURATION_S = 1.6
EDGE_SHARE = 0.3
MIN_GAP_S = 0.3


def detect_defense(k: Kinematics) -> list[Stamp]:
    """Find slips, ducks and pull-backs, sorted by peak time."""
    forward, left = facing_axes(k)
    head = head_centre(k)
    disp = (head - baseline(head, BASELINE_WINDOW_S)) * Z_SCALE
    hips = k.mid(Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    over_hips = disp - (hips - baseline(hips, BASELINE_WINDOW_S)) * Z_SCALE
    components = {
        StampKind.DUCK: -disp[:, 1],
        (StampKind.SLIP, Side.LEFT): over_hips @ (left * Z_SCALE),
        (StampKind.SLIP, Side.RIGHT): -(over_hips @ (left * Z_SCALE)),
        StampKind.PULL_BACK: -(over_hips @ (forward * Z_SCALE)),
    }
    stack = np.stack([np.nan_to_num(c, nan=0.0) for c in components.values()], axis=1)
    dominant = np.argmax(stack, axis=1)
    keys = list(components)
    threshold = MIN_MOVE_SHARE * k.height_m
    found: list[tuple[float, Stamp]] = []
    for ci, key in enumerate(keys):
        signal = stack[:, ci]
        peaks, props = find_peaks(signal, height=threshold, prominence=0.7 * threshold, distance=samples(MIN_GAP_S))
        for p, height in zip(peaks, props["peak_heights"], strict=True):
            if dominant[p] != ci:
                continue
            start, end = span_below(signal, int(p), EDGE_SHARE * height, samples(1.0), samples(1.0))
            duration = float(k.t_s[end] - k.t_s[start])
            if not MIN_DURATION_S <= duration <= MAX_DURATION_S:
                continue
            kind, side = key if isinstance(key, tuple) else (key, None)
            second = float(np.partition(stack[p], -2)[-2])
            clarity = 1.0 - max(0.0, second) / float(height)
            strength = min(1.0, (float(height) - threshold) / threshold)
            found.append(
                (
                    float(height),
                    Stamp(
                        kind=kind,
                        hand=Hand.NONE,
                        side=side,
                        t_start_s=float(k.t_s[start]),
                        t_peak_s=float(k.t_s[p]),
                        t_end_s=float(k.t_s[end]),
                        confidence=float(np.clip(0.35 + 0.35 * strength + 0.3 * clarity, 0.0, 1.0)),
                        features={
                            "head_move_m": float(height),
                            "duration_s": duration,
                            "direction_clarity": clarity,
                        },
                    ),
                )
            )
    return _without_overlaps(found)


def _without_overlaps(found: list[tuple[float, Stamp]]) -> list[Stamp]:
    """Keep the larger of two defensive moves whose peaks lie within each other's span."""
    kept: list[tuple[float, Stamp]] = []
    for height, stamp in sorted(found, key=lambda hs: -hs[0]):
        clash = any(
            other.t_start_s <= stamp.t_peak_s <= other.t_end_s or stamp.t_start_s <= other.t_peak_s <= stamp.t_end_s
            for _, other in kept
        )
        if not clash:
            kept.append((height, stamp))
    return sorted((s for _, s in kept), key=lambda s: s.t_peak_s)
