"""Round metrics from stamps and kinematics (docs/formats.md lists every field).

Definitions that are choices, not facts:

* **Combination**: a run of two or more strikes in which each strike peaks within ``COMBO_MAX_GAP_S`` of the
  previous one. Its pattern is the boxing numbers joined by dashes (jab 1, cross 2, lead hook 3, rear hook 4,
  lead uppercut 5, rear uppercut 6): ``1-2``, ``1-2-3``.
* **Guard discipline**: the share of analysed time outside strikes during which both wrists are at or above the
  chin (within the tolerance of :mod:`punch_core.detection.faults`).
* **Active time**: ``ACTIVITY_BIN_S`` bins holding any strike or defensive move; the rest is idle.
* **Fatigue trend**: strikes per minute and mean hand speed in the last third against the first third, as
  percentage changes (negative = slowing down).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from punch_core.detection.faults import hands_up
from punch_core.kinematics import Kinematics
from punch_core.stamps import Category, Hand, Stamp, StampKind

COMBO_MAX_GAP_S = 0.8
WORK_RATE_BIN_S = 10.0
ACTIVITY_BIN_S = 1.0


def _per_minute(count: int, seconds: float) -> float:
    return 60.0 * count / seconds if seconds > 0 else 0.0


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def combinations(strikes: list[Stamp]) -> list[list[Stamp]]:
    """Chains of strikes whose consecutive peaks are at most ``COMBO_MAX_GAP_S`` apart (length >= 2)."""
    chains: list[list[Stamp]] = []
    current: list[Stamp] = []
    for strike in sorted(strikes, key=lambda s: s.t_peak_s):
        if current and strike.t_peak_s - current[-1].t_peak_s <= COMBO_MAX_GAP_S:
            current.append(strike)
        else:
            if len(current) >= 2:
                chains.append(current)
            current = [strike]
    if len(current) >= 2:
        chains.append(current)
    return chains


def _pattern(chain: list[Stamp]) -> str:
    return "-".join(str(s.kind.number) for s in chain)


def _in_windows(t_s: np.ndarray, stamps: list[Stamp]) -> np.ndarray:
    inside = np.zeros(t_s.size, dtype=bool)
    if not stamps:
        return inside
    starts = np.array([s.t_start_s for s in stamps])
    ends = np.array([s.t_end_s for s in stamps])
    # Events are few, frames many: mark each event's span with searchsorted rather than looping over frames.
    lo = np.searchsorted(t_s, starts, side="left")
    hi = np.searchsorted(t_s, ends, side="right")
    delta = np.zeros(t_s.size + 1, dtype=np.int64)
    np.add.at(delta, lo, 1)
    np.add.at(delta, hi, -1)
    return np.cumsum(delta[:-1]) > 0


def _third_stats(strikes: list[Stamp], t0: float, third_s: float) -> tuple[float, float | None]:
    chosen = [s for s in strikes if t0 <= s.t_peak_s < t0 + third_s]
    speeds = [s.peak_speed_mps for s in chosen if s.peak_speed_mps is not None]
    return _per_minute(len(chosen), third_s), _mean(speeds)


def _change_pct(first: float | None, last: float | None) -> float | None:
    if first is None or last is None or first <= 0:
        return None
    return 100.0 * (last - first) / first


def compute_metrics(stamps: list[Stamp] | tuple[Stamp, ...], k: Kinematics) -> dict[str, Any]:
    """Every metric of the report, as a JSON-ready dict (documented in docs/formats.md)."""
    stamps = list(stamps)
    strikes = [s for s in stamps if s.category is Category.STRIKE]
    defense = [s for s in stamps if s.category is Category.DEFENSE]
    t0 = float(k.t_s[0]) if k.t_s.size else 0.0
    duration_s = float(k.t_s.size * k.dt_s)
    counts = {kind.value: 0 for kind in StampKind}
    for s in stamps:
        counts[s.kind.value] += 1
    lead = sum(s.hand is Hand.LEAD for s in strikes)
    speeds = [s.peak_speed_mps for s in strikes if s.peak_speed_mps is not None]

    chains = combinations(strikes)
    patterns: dict[str, int] = {}
    for chain in chains:
        patterns[_pattern(chain)] = patterns.get(_pattern(chain), 0) + 1

    n_bins = max(1, int(np.ceil(duration_s / WORK_RATE_BIN_S)))
    bins = np.zeros(n_bins, dtype=int)
    for s in strikes:
        bins[min(n_bins - 1, int((s.t_peak_s - t0) // WORK_RATE_BIN_S))] += 1

    punching = _in_windows(k.t_s, strikes)
    up = hands_up(k)
    guard_time = k.pose_ok & ~punching
    both_up = up["left"] & up["right"]
    guard_discipline = float(both_up[guard_time].mean()) if guard_time.any() else None

    n_act = max(1, int(np.ceil(duration_s / ACTIVITY_BIN_S)))
    active = np.zeros(n_act, dtype=bool)
    for s in strikes + defense:
        first = int((s.t_start_s - t0) // ACTIVITY_BIN_S)
        last = int((s.t_end_s - t0) // ACTIVITY_BIN_S)
        active[max(0, first) : min(n_act, last + 1)] = True
    active_s = float(min(duration_s, active.sum() * ACTIVITY_BIN_S))

    third = duration_s / 3.0
    first_rate, first_speed = _third_stats(strikes, t0, third)
    last_rate, last_speed = _third_stats(strikes, t0 + 2 * third, third)

    return {
        "duration_s": _round(duration_s, 2),
        "counts": counts,
        "strikes_total": len(strikes),
        "strikes_per_minute": _round(_per_minute(len(strikes), duration_s), 1),
        "lead_share": _round(lead / len(strikes)) if strikes else None,
        "rear_share": _round((len(strikes) - lead) / len(strikes)) if strikes else None,
        "combinations": {
            "max_gap_s": COMBO_MAX_GAP_S,
            "total": len(chains),
            "strikes_in_combinations_share": _round(sum(len(c) for c in chains) / len(strikes)) if strikes else None,
            "patterns": [
                {"pattern": p, "count": n} for p, n in sorted(patterns.items(), key=lambda pn: (-pn[1], pn[0]))
            ],
        },
        "work_rate": [
            {"t_start_s": round(i * WORK_RATE_BIN_S, 1), "strikes": int(n)} for i, n in enumerate(bins.tolist())
        ],
        "mean_hand_speed_mps": _round(_mean(speeds), 2),
        "peak_hand_speed_mps": _round(max(speeds), 2) if speeds else None,
        "mean_return_to_guard_s": _round(_mean([s.t_end_s - s.t_peak_s for s in strikes])),
        "guard_discipline": _round(guard_discipline),
        "guard_drops": counts[StampKind.GUARD_DROP.value],
        "head_movements_per_minute": _round(_per_minute(len(defense), duration_s), 1),
        "active_time_s": _round(active_s, 1),
        "idle_time_s": _round(max(0.0, duration_s - active_s), 1),
        "fatigue": {
            "first_third_strikes_per_minute": _round(first_rate, 1),
            "last_third_strikes_per_minute": _round(last_rate, 1),
            "rate_change_pct": _round(_change_pct(first_rate, last_rate), 1),
            "first_third_mean_speed_mps": _round(first_speed, 2),
            "last_third_mean_speed_mps": _round(last_speed, 2),
            "speed_change_pct": _round(_change_pct(first_speed, last_speed), 1),
        },
    }
