"""Guard faults: the non-punching hand below the chin while the other hand strikes."""

from __future__ import annotations

import numpy as np

from punch_core.body import Stance
from punch_core.detection.geometry import SIDE_LANDMARKS, chin_height
from punch_core.kinematics import Kinematics
from punch_core.stamps import Category, Hand, Stamp, StampKind

GUARD_TOLERANCE_SHARE = 0.06
"""A wrist counts as up while within about 10 cm (for 1.75 m) below the chin: the glove's top is that much higher."""
MIN_DROPPED_SHARE = 0.4
"""Share of the strike's duration the other hand must spend low to count as a guard drop."""


def hands_up(k: Kinematics) -> dict[str, np.ndarray]:
    """Per anatomical side, shape (N,): the wrist is at or above the chin (within the tolerance)."""
    chin = chin_height(k)
    limit = chin - GUARD_TOLERANCE_SHARE * k.height_m
    out = {}
    for side, (_, _, wrist) in SIDE_LANDMARKS.items():
        y = k.point(wrist)[:, 1]
        out[side] = np.where(np.isfinite(y) & np.isfinite(limit), y >= limit, True)
    return out


def detect_guard_drops(k: Kinematics, strikes: list[Stamp], stance: Stance) -> list[Stamp]:
    """One ``guard_drop`` per strike during which the other hand stayed below the chin."""
    up = hands_up(k)
    lead, rear = stance.lead_side, stance.rear_side
    out: list[Stamp] = []
    for strike in strikes:
        if strike.category is not Category.STRIKE:
            continue
        other_hand = Hand.REAR if strike.hand is Hand.LEAD else Hand.LEAD
        other_side = lead if other_hand is Hand.LEAD else rear
        window = (k.t_s >= strike.t_start_s) & (k.t_s <= strike.t_end_s)
        if not window.any():
            continue
        low = ~up[other_side][window]
        share = float(low.mean())
        if share < MIN_DROPPED_SHARE:
            continue
        times = k.t_s[window][low]
        out.append(
            Stamp(
                kind=StampKind.GUARD_DROP,
                hand=other_hand,
                t_start_s=float(times[0]),
                t_peak_s=float(strike.t_peak_s if times[0] <= strike.t_peak_s <= times[-1] else times[len(times) // 2]),
                t_end_s=float(times[-1]),
                confidence=float(np.clip(0.4 + 0.6 * share, 0.0, 1.0)),
                features={"dropped_share": share, "strike_peak_s": strike.t_peak_s},
            )
        )
    return out
