"""Time to analyse a 3-minute 30 fps pose track (goal: under 1 s on one core).

Usage: .venv/bin/python bench/detect.py [--repeats 7]
Builds a synthetic round (src/punch_core/testing/synthetic.py), then times analyse_track (kinematics, detection,
metrics, offline coaching, report) and prints the median and spread.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.report import analyse_track
from punch_core.testing.synthetic import random_round
from punch_core.track import PoseTrack


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    r = random_round(seed=1, duration_s=180.0, fps=30.0, noise_px=1.0, dropout_rate=0.01)
    track = PoseTrack(t_s=r.t_s, landmarks=r.landmarks, width=r.width, height=r.height)
    specs = BodySpecs(height_cm=r.height_cm, stance=r.stance)
    times = []
    report = {}
    for _ in range(args.repeats):
        start = time.perf_counter()
        report = analyse_track(track, specs, OfflineCoach())
        times.append(time.perf_counter() - start)
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"track: {track.n_frames} frames, {track.duration_s:.0f} s at {track.fps:.0f} fps, {len(r.actions)} actions")
    print(f"stamps found: {len(report['stamps'])}")
    print(
        f"analyse_track: median {statistics.median(times):.3f} s, min {min(times):.3f} s, "
        f"max {max(times):.3f} s over {args.repeats} runs (goal < 1 s)"
    )
    met = statistics.median(times) < 1.0
    print(f"goals: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
