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
* **Seen time**: the seconds in which the boxer's pose was found. Rates per minute count only those, so a round
  where the boxer was out of view for a while is not read as a slow one.
* **Rounds**: a video may hold several rounds with rests between them; a stretch of at least ``REST_MIN_S``
  without a strike, or where the boxer is out of view, is a rest, and each round gets its own figures like a
  corner sheet. Work rate bins carry their length, so the last, shorter bin is not read as fatigue.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from punch_core.detection.faults import hands_up
from punch_core.kinematics import Kinematics
from punch_core.stamps import Category, Hand, Stamp, StampKind

COMBO_MAX_GAP_S = 0.8
WORK_RATE_BIN_S = 10.0
ACTIVITY_BIN_S = 1.0
REST_MIN_S = 25.0
"""A pause this long without a strike is a rest between rounds (the usual rest is a minute; a boxer resetting in
the ring rarely goes 25 s without throwing)."""
MIN_ROUND_S = 10.0
"""Shorter stretches between rests (a few punches before the bell) join the round next to them."""


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


def _pattern_stats(chains: list[list[Stamp]]) -> list[dict[str, Any]]:
    """Each combination pattern with its count and the mean peak speed of its punches, most used first."""
    by_pattern: dict[str, list[list[Stamp]]] = {}
    for chain in chains:
        by_pattern.setdefault(_pattern(chain), []).append(chain)
    rows = []
    for pattern, found in by_pattern.items():
        speeds = [s.peak_speed_mps for chain in found for s in chain if s.peak_speed_mps is not None]
        rows.append(
            {
                "pattern": pattern,
                "count": len(found),
                "mean_speed_mps": _round(_mean(speeds), 2),
                "t_peak_s": [round(chain[0].t_peak_s, 3) for chain in found],
            }
        )
    return sorted(rows, key=lambda r: (-int(r["count"]), str(r["pattern"])))


def round_spans(strikes: list[Stamp], k: Kinematics) -> list[tuple[float, float]]:
    """The rounds of a video as (start, end) seconds: split at rests (``REST_MIN_S`` without a strike or a pose)."""
    if not k.t_s.size:
        return []
    t0, t1 = float(k.t_s[0]), float(k.t_s[-1]) + k.dt_s
    # Busy instants: strike peaks; a rest is a long stretch with none (out-of-view time counts as no strike).
    peaks = sorted(s.t_peak_s for s in strikes)
    if not peaks:
        return [(t0, t1)]
    cuts: list[tuple[float, float]] = []
    for before, after in itertools.pairwise(peaks):
        if after - before >= REST_MIN_S:
            cuts.append((before, after))
    spans: list[tuple[float, float]] = []
    start = t0
    for before, after in cuts:
        # The rest starts a few seconds after the last punch and ends a few before the next one.
        end = before + 0.5 * min(REST_MIN_S / 5.0, after - before)
        spans.append((start, end))
        start = after - 0.5 * min(REST_MIN_S / 5.0, after - before)
    spans.append((start, t1))
    merged: list[tuple[float, float]] = []
    for span in spans:
        if merged and (span[1] - span[0] < MIN_ROUND_S or merged[-1][1] - merged[-1][0] < MIN_ROUND_S):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged


def _round_figures(
    spans: list[tuple[float, float]], strikes: list[Stamp], k: Kinematics, guard_ok: np.ndarray, both_up: np.ndarray
) -> list[dict[str, Any]]:
    rows = []
    for i, (start, end) in enumerate(spans, start=1):
        inside = [s for s in strikes if start <= s.t_peak_s < end]
        speeds = [s.peak_speed_mps for s in inside if s.peak_speed_mps is not None]
        frames = (k.t_s >= start) & (k.t_s < end)
        seen_s = float(np.count_nonzero(frames & k.pose_ok) * k.dt_s)
        guard_frames = frames & guard_ok
        rows.append(
            {
                "index": i,
                "t_start_s": _round(start, 2),
                "t_end_s": _round(end, 2),
                "strikes": len(inside),
                "strikes_per_minute": _round(_per_minute(len(inside), seen_s), 1),
                "mean_hand_speed_mps": _round(_mean(speeds), 2),
                "guard_discipline": _round(float(both_up[guard_frames].mean())) if guard_frames.any() else None,
            }
        )
    return rows


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

    seen_s = float(np.count_nonzero(k.pose_ok) * k.dt_s) if k.t_s.size else 0.0
    chains = combinations(strikes)

    n_bins = max(1, int(np.ceil(duration_s / WORK_RATE_BIN_S)))
    bins = np.zeros(n_bins, dtype=int)
    for s in strikes:
        bins[min(n_bins - 1, int((s.t_peak_s - t0) // WORK_RATE_BIN_S))] += 1
    grid_bin = np.minimum(((k.t_s - t0) // WORK_RATE_BIN_S).astype(int), n_bins - 1)
    bin_seen = (np.bincount(grid_bin[k.pose_ok], minlength=n_bins) * k.dt_s).tolist()

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
        "seen_s": _round(seen_s, 2),
        "counts": counts,
        "strikes_total": len(strikes),
        "strikes_per_minute": _round(_per_minute(len(strikes), seen_s), 1),
        "lead_share": _round(lead / len(strikes)) if strikes else None,
        "rear_share": _round((len(strikes) - lead) / len(strikes)) if strikes else None,
        "combinations": {
            "max_gap_s": COMBO_MAX_GAP_S,
            "total": len(chains),
            "strikes_in_combinations_share": _round(sum(len(c) for c in chains) / len(strikes)) if strikes else None,
            "patterns": _pattern_stats(chains),
        },
        "work_rate": [
            {
                "t_start_s": round(i * WORK_RATE_BIN_S, 1),
                "strikes": int(n),
                "seen_s": round(bin_seen[i], 1),
                "strikes_per_minute": _round(_per_minute(int(n), bin_seen[i]), 1),
            }
            for i, n in enumerate(bins.tolist())
        ],
        "rounds": _round_figures(round_spans(strikes, k), strikes, k, guard_time, both_up),
        "mean_hand_speed_mps": _round(_mean(speeds), 2),
        "peak_hand_speed_mps": _round(max(speeds), 2) if speeds else None,
        "mean_return_to_guard_s": _round(_mean([s.t_end_s - s.t_peak_s for s in strikes])),
        "guard_discipline": _round(guard_discipline),
        "guard_drops": counts[StampKind.GUARD_DROP.value],
        "head_movements_per_minute": _round(_per_minute(len(defense), seen_s), 1),
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
